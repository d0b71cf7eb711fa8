"""Finding a `dot` to render with, so drawings work right after `pip install`.

The `graphviz` package runs the command named by `graphviz.backend.dot_command.DOT_BINARY`
("dot" on PATH). When that does not exist, the `graphviz-pure` executable (a dependency,
installed beside the interpreter, often in a virtual environment that is not activated) takes
its place. Only a missing `dot` is replaced: a system Graphviz, or a binary the user chose,
is left alone.
"""

from __future__ import annotations

import os
import shutil
import sys
import sysconfig
from pathlib import Path
from typing import Any, Callable

import graphviz
from graphviz.backend import dot_command

PURE = "graphviz-pure"


class DotNotFound(graphviz.ExecutableNotFound):
    """Neither Graphviz's `dot` nor `graphviz-pure` is installed."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


def find_dot() -> str:
    """The executable to render with: `dot` as `graphviz` would run it, else `graphviz-pure`.

    `graphviz-pure` is looked for next to `sys.executable` and in this interpreter's scripts
    directory before PATH.
    """
    found = shutil.which(os.fspath(dot_command.DOT_BINARY))
    if found:
        return found
    beside = os.pathsep.join([os.path.dirname(sys.executable), sysconfig.get_path("scripts")])
    found = shutil.which(PURE, path=beside) or shutil.which(PURE)
    if found:
        return found
    raise DotNotFound(
        "cannot render: no Graphviz `dot` on PATH and no `graphviz-pure` beside "
        f"{sys.executable}. Run `pip install graphviz-pure` (SVG and PNG) or install Graphviz "
        "(https://graphviz.org/download/). The DOT source is still in `graph.source`."
    )


def stderr_text(error: graphviz.CalledProcessError) -> str:
    """What the renderer wrote to stderr when it failed, as text (graphviz keeps bytes)."""
    stderr = error.stderr or b""
    return stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr


def _is_pure(executable: str) -> bool:
    return Path(executable).stem == PURE


def _using_found_dot(run: Callable[..., Any]) -> Callable[..., Any]:
    """`run` (a graphviz backend call) made with `find_dot()`'s executable."""

    def run_with_dot(engine: str, format: str | None, *args: Any, **kwargs: Any) -> Any:
        executable = find_dot()
        if not _is_pure(executable):
            return run(engine, format, *args, **kwargs)
        dot_command.DOT_BINARY = Path(executable)
        # Its SVG text sizing warns on every non-ASCII character (×, ∂, w₁₂); failures still
        # raise with the message.
        kwargs["quiet"] = True
        try:
            return run(engine, format, *args, **kwargs)
        except graphviz.CalledProcessError as error:
            stderr = stderr_text(error)
            if "not recognized" not in stderr:
                raise
            raise graphviz.CalledProcessError(
                error.returncode, error.cmd, error.output,
                f"{stderr}graphviz-pure writes SVG and PNG but not PDF: for PDF install "
                "Graphviz (https://graphviz.org/download/), or render format='svg'.",
            ) from error

    return run_with_dot


class Digraph(graphviz.Digraph):
    """A `graphviz.Digraph` that renders with `find_dot()`: `.pipe`, `.render`, Jupyter."""

    @property
    def _pipe_lines(self) -> Callable[..., Any]:
        return _using_found_dot(super()._pipe_lines)

    @property
    def _pipe_lines_string(self) -> Callable[..., Any]:
        return _using_found_dot(super()._pipe_lines_string)

    @property
    def _render(self) -> Callable[..., Any]:
        return _using_found_dot(super()._render)
