"""`autodiff graph EXPR [NAME=VALUE ...] [-o FILE]`: differentiate an expression and draw it."""

from __future__ import annotations

import argparse
import math
import re
import subprocess
from collections.abc import Callable
from pathlib import Path

from autodiff import Value
from autodiff.draw.dot import DotNotFound, formats, stderr_text

from .errors import CommandError
from .expression import FUNCTIONS, ExpressionError, identifier, parse

SOURCE_SUFFIXES = (".dot", ".gv")
# graph's options as `add_parser` makes them, for `protect_expression`; those that take a value
OPTIONS = {"-h": False, "--help": False, "-o": True, "--output": True, "--theme": True,
           "--dpi": True}


def add_parser(new_command: Callable[..., argparse.ArgumentParser]) -> None:
    parser = new_command(
        "graph",
        help="differentiate an expression, print its gradients and draw its graph",
        description=(
            "Differentiate EXPR with respect to every bound name and print each gradient. "
            "EXPR may use numbers, the bound names, + - * / ** and unary minus, and the "
            f"functions {', '.join(FUNCTIONS)}. It is parsed, never run as Python."
        ),
        epilog="example: autodiff graph 'tanh(w*x + b)' w=0.5 x=2 b=-1 -o graph.svg "
               "(an EXPR may start with '-': '-x*2'; one that reads like an option, such as "
               "'-o*2', goes after --: autodiff graph -- '-o*2' o=1)",
    )
    # str.strip: undoes the space `protect_expression` puts before an argument starting with '-'
    parser.add_argument("expression", metavar="EXPR", type=str.strip)
    parser.add_argument("bindings", metavar="NAME=VALUE", nargs="*", type=str.strip,
                        help="bind a name to a number")
    parser.add_argument(
        "-o", "--output", metavar="FILE", type=Path,
        help="draw the graph to FILE; the format comes from its extension: .svg, .png, "
             ".dot (the source), and with Graphviz installed .pdf and others",
    )
    parser.add_argument("--theme", choices=("light", "dark"), default="light",
                        help="colours: light (default), or dark for dark slides")
    parser.add_argument("--dpi", type=_dpi, default=None, metavar="N",
                        help="resolution of a PNG (default 96; 200 or more for slides)")
    parser.set_defaults(run=run)


def _dpi(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 10 <= value <= 2400:
        raise argparse.ArgumentTypeError(f"--dpi must be between 10 and 2400, got {text}")
    return value


def protect_expression(argv: list[str]) -> list[str]:
    """`argv` with `graph`'s words that start with '-' kept arguments ('-x*y', '--x', '-h*2')
    unless they are one of its options, which argparse would read them as: a leading space
    makes any word an argument, and the parser strips it. Options (-h, -o FILE, -oFILE.svg,
    --output=FILE, --the dark, ...) and all that follows `--` are left alone.
    """
    if argv[:1] != ["graph"]:
        return argv
    kept = list(argv)
    for i in range(1, len(kept)):
        word = argv[i]
        if word == "--":
            break
        if word.startswith("-") and not _option(word) and not _takes_value(argv[i - 1]):
            kept[i] = " " + word
    return kept


def _flags(word: str) -> list[str]:
    """The options argparse may read `word` as: itself, or for a long one (alone or with
    `=VALUE`), each it may abbreviate (`--out` is --output)."""
    if word.startswith("--") and len(word) > 2:
        flag = word.partition("=")[0]
        return [option for option in OPTIONS if option.startswith(flag)]
    return [word] if word in OPTIONS else []


def _option(word: str) -> bool:
    """Whether argparse reads `word` as one of graph's options (or -o with a file name)."""
    return bool(_flags(word)) or re.fullmatch(r"-o[\w./~+-]*\.\w+", word) is not None


def _takes_value(word: str) -> bool:
    """Whether `word` is an option whose value is the next word."""
    flags = _flags(word)
    return "=" not in word and len(flags) == 1 and OPTIONS[flags[0]]


def run(args: argparse.Namespace) -> int:
    if args.output is not None:
        _check_format(args.output)
    variables = _bindings(args.bindings)
    try:
        out = parse(args.expression, variables)
        out.backward()
    except ExpressionError as error:
        raise CommandError(str(error)) from None
    except (ArithmeticError, ValueError, TypeError) as error:
        raise CommandError(f"cannot evaluate {args.expression!r}: {error}") from None
    if args.output is not None:  # before printing: an error leaves only its own line
        _draw(out, args.output, args.theme, args.dpi)
    print(f"value = {out.data!r}")
    for variable in variables.values():
        print(f"d/d{variable.name} = {variable.grad!r}")
    if args.output is not None:
        print(f"graph written to {args.output}")
    return 0


def _check_format(path: Path) -> None:
    """Refuse, before any work, a file the renderer found here cannot write."""
    suffix = path.suffix.lower()
    if suffix in SOURCE_SUFFIXES:
        return
    try:
        writable = formats()
    except DotNotFound as error:
        raise CommandError(str(error)) from None
    if suffix[1:] not in writable:
        known = ", ".join([*(f".{f}" for f in writable), *SOURCE_SUFFIXES])
        needs = " (PDF needs Graphviz: https://graphviz.org/download/)" if (
            suffix == ".pdf") else ""
        raise CommandError(f"{path}: unsupported format (the extension must be {known}){needs}")


def _bindings(texts: list[str]) -> dict[str, Value]:
    """Each NAME=VALUE as a `Value` named as written, under its name as the expression reads
    it (`identifier`: 'ｘ' and '𝑥' are x), so a name bound twice, in any spelling, is refused."""
    variables: dict[str, Value] = {}
    written: dict[str, str] = {}
    for text in texts:
        name, variable = _binding(text)
        key = identifier(name)
        if key in variables:
            reads = "" if key == name else f" (Python reads {name} as {key})"
            raise CommandError(f"{name} is bound twice: {written[key]} and {text}{reads}")
        variables[key], written[key] = variable, text
    return variables


def _binding(text: str) -> tuple[str, Value]:
    name, equals, number = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise CommandError(f"expected NAME=VALUE, got {text!r}")
    if identifier(name) in FUNCTIONS:
        raise CommandError(f"{name!r} is a function and cannot be bound")
    try:
        value = float(number)
    except ValueError:
        raise CommandError(f"{name}: {number!r} is not a number") from None
    if not math.isfinite(value):
        raise CommandError(f"{name}: {number!r} is not a finite number")
    return name, Value(value, name=name)


def _draw(out: Value, path: Path, theme: str, dpi: float | None) -> None:
    from autodiff import draw_graph

    try:
        graph = draw_graph(out, theme=theme)
    except ValueError as error:  # too large to lay out
        raise CommandError(f"cannot draw {path}: {error}") from None
    suffix = path.suffix.lower()
    try:
        if suffix in SOURCE_SUFFIXES:
            path.write_text(graph.source)
        else:
            path.write_bytes(graph.pipe(format=suffix[1:], dpi=dpi))
    except subprocess.CalledProcessError as error:  # dot refused: its last line says why
        reason = stderr_text(error).strip().splitlines()[-1:] or [f"exit status {error.returncode}"]
        raise CommandError(f"cannot render {path}: {reason[0]}") from None
    except (OSError, RuntimeError, ValueError) as error:
        raise CommandError(f"cannot write {path}: {error}") from None
