"""`autodiff notebooks [DIR]`: copy the notebooks out of the installed package, to run them."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from pathlib import Path

from .errors import CommandError

HERE = Path(__file__).parent
# The wheel ships them here; an editable install runs from the checkout, where they live.
SOURCES = (HERE / "notebooks", HERE.parent / "notebooks")
OPEN_THEM = "pip install 'autodiff-scalar[notebook]' jupyterlab && jupyter lab"


def add_parser(new_command: Callable[..., argparse.ArgumentParser]) -> None:
    parser = new_command(
        "notebooks",
        help="copy the notebooks into a directory, to open them with Jupyter",
        description=(
            "Copy the notebooks that come with autodiff into DIR, creating it if needed. A "
            "file already there is never overwritten: then nothing is copied and the exit "
            f"status is 2. Open them with: {OPEN_THEM} DIR"
        ),
    )
    parser.add_argument("directory", nargs="?", type=Path, default=Path("autodiff-notebooks"),
                        metavar="DIR", help="where to copy them (default: ./autodiff-notebooks)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    notebooks = shipped()
    targets = [args.directory / notebook.name for notebook in notebooks]
    existing = [target for target in targets if target.exists()]
    if existing:
        more = f" (and {len(existing) - 1} more)" if len(existing) > 1 else ""
        raise CommandError(
            f"not overwriting {existing[0]}{more}: choose another DIR or move the old files away"
        )
    try:
        args.directory.mkdir(parents=True, exist_ok=True)
        for notebook, target in zip(notebooks, targets):
            with target.open("xb") as file:  # "x": never overwrite, even a file made meanwhile
                file.write(notebook.read_bytes())
    except OSError as error:
        raise CommandError(f"cannot copy the notebooks into {args.directory}: {error}") from None
    for target in targets:
        print(f"wrote {target}")
    print(f"open them with: {OPEN_THEM} {args.directory}")
    return 0


def shipped() -> list[Path]:
    """The notebooks of this installation, in their order."""
    for directory in SOURCES:
        notebooks = sorted(directory.glob("*.ipynb"))
        if notebooks:
            return notebooks
    raise CommandError(f"no notebooks in this installation (looked in {SOURCES[0]})")
