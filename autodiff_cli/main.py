"""Entry point of the `autodiff` console script."""

from __future__ import annotations

import argparse
import os
import sys

import autodiff

from . import check, demo, graph_command, notebooks
from .errors import CommandError


class Parser(argparse.ArgumentParser):
    """Usage errors in one line, like every other error of the command."""

    def error(self, message: str) -> None:
        self.exit(2, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="autodiff",
        description="Differentiate, draw and check computation graphs with the autodiff engine.",
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {autodiff.__version__}")
    commands = parser.add_subparsers(metavar="COMMAND", required=True)
    demo.add_parser(commands.add_parser)
    graph_command.add_parser(commands.add_parser)
    check.add_parser(commands.add_parser)
    notebooks.add_parser(commands.add_parser)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    args = parser.parse_args(graph_command.protect_expression(argv))
    try:
        status = args.run(args)
        sys.stdout.flush()  # so that a closed pipe fails here, not at exit
        return status
    except BrokenPipeError:  # the reader has gone (`| head -0`): an error like any other
        # Python flushes stdout once more at exit; point it at nothing so that cannot fail.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        print(f"{parser.prog}: error: the output was closed before all of it was written",
              file=sys.stderr)
        return 2
    except CommandError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
