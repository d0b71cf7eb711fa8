"""Entry point of the `autodiff` console script."""

from __future__ import annotations

import argparse
import sys

import autodiff

from . import check, demo, graph_command, notebooks
from .errors import CommandError


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
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
    args = parser.parse_args(argv)
    try:
        return args.run(args)
    except CommandError as error:
        print(f"{parser.prog}: error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print(f"{parser.prog}: interrupted", file=sys.stderr)
        return 130
