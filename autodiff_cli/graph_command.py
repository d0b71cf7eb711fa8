"""`autodiff graph EXPR [NAME=VALUE ...] [-o FILE]`: differentiate an expression and draw it."""

from __future__ import annotations

import argparse
import math
import subprocess
from collections.abc import Callable
from pathlib import Path

from autodiff import Value
from autodiff.dot import DotNotFound, formats, stderr_text

from .errors import CommandError
from .expression import FUNCTIONS, ExpressionError, parse

SOURCE_SUFFIXES = (".dot", ".gv")


def add_parser(new_command: Callable[..., argparse.ArgumentParser]) -> None:
    parser = new_command(
        "graph",
        help="differentiate an expression, print its gradients and draw its graph",
        description=(
            "Differentiate EXPR with respect to every bound name and print each gradient. "
            "EXPR may use numbers, the bound names, + - * / ** and unary minus, and the "
            f"functions {', '.join(FUNCTIONS)}. It is parsed, never run as Python."
        ),
        epilog="example: autodiff graph 'tanh(w*x + b)' w=0.5 x=2 b=-1 -o graph.svg",
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
    """`argv` with `graph`'s EXPR kept an argument when it starts with '-' ('-x*y'), which
    argparse would take for an option: a leading space makes any such word an argument, and
    the parser strips it. Options (-h, -o FILE, -oFILE, --anything) and what follows `--` are
    left alone, so an EXPR starting with -h or -o needs a space: '- out * 2'.
    """
    if argv[:1] != ["graph"]:
        return argv
    kept = list(argv)
    for i in range(1, len(kept)):
        word = argv[i]
        if word == "--":
            break
        if word.startswith("-") and not word.startswith(("--", "-h", "-o")) and (
            argv[i - 1] not in ("-o", "--output")
        ):
            kept[i] = " " + word
    return kept


def run(args: argparse.Namespace) -> int:
    if args.output is not None:
        _check_format(args.output)
    variables = dict(_binding(text) for text in args.bindings)
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
    for name, variable in variables.items():
        print(f"d/d{name} = {variable.grad!r}")
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


def _binding(text: str) -> tuple[str, Value]:
    name, equals, number = text.partition("=")
    name = name.strip()
    if not equals or not name.isidentifier():
        raise CommandError(f"expected NAME=VALUE, got {text!r}")
    if name in FUNCTIONS:
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
