"""Rendering DOT text with a renderer found at each call, so drawings work after `pip install`.

The renderer is Graphviz's `dot` when it is on PATH, else the `graphviz-pure` executable (a
dependency, installed beside the interpreter, often in a virtual environment that is not
activated); the environment variable AUTODIFF_RENDERER, a name or a path, picks one instead.
We run it ourselves as a subprocess: the `graphviz` package is used only through its public
API and nothing process-wide changes, so other code drawing with `graphviz` in the same
process renders exactly as it would without us.
"""

from __future__ import annotations

import math
import os
import re
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path
from typing import Any

import graphviz

PURE = "graphviz-pure"
CHOICE = "AUTODIFF_RENDERER"
DPI = (10, 2400)  # the resolutions a PNG may be asked for, in dots per inch
RASTER = {"png", "jpg", "jpeg", "gif", "bmp", "tif", "tiff", "webp"}
PURE_FORMATS = ("svg", "png")  # what graphviz-pure writes
FIT = '<svg style="max-width: 100%; height: auto"'  # a drawing shrinks to its output area
DOT_FORMATS = ("svg", "png", "pdf", "ps", "eps", "jpg", "gif")  # some of what Graphviz writes


class DotNotFound(graphviz.ExecutableNotFound):
    """Neither Graphviz's `dot` nor `graphviz-pure` is installed."""

    def __init__(self, message: str) -> None:
        RuntimeError.__init__(self, message)


def find_dot() -> str:
    """The executable to render with: `dot` on PATH, else `graphviz-pure`, unless the
    environment variable AUTODIFF_RENDERER names one ("dot", "graphviz-pure" or a path).

    `graphviz-pure` is looked for next to `sys.executable` and in this interpreter's scripts
    directory before PATH.
    """
    chosen = os.environ.get(CHOICE, "")
    found = _find(chosen) if chosen else shutil.which("dot") or _find(PURE)
    if found:
        return found
    if chosen:
        raise DotNotFound(f"cannot render: {CHOICE}={chosen!r} names no executable here")
    raise DotNotFound(
        "cannot render: no Graphviz `dot` on PATH and no `graphviz-pure` beside "
        f"{sys.executable}. Run `pip install graphviz-pure` (SVG and PNG) or install Graphviz "
        "(https://graphviz.org/download/). The DOT source is still in `graph.source`."
    )


def _find(name: str) -> str | None:
    """`name` (or a path) on PATH; graphviz-pure also beside this interpreter, first."""
    if Path(name).stem != PURE:
        return shutil.which(name)
    beside = os.pathsep.join([os.path.dirname(sys.executable), sysconfig.get_path("scripts")])
    return shutil.which(name, path=beside) or shutil.which(name)


def is_pure(executable: str) -> bool:
    """Whether `executable` is graphviz-pure rather than Graphviz's own `dot`."""
    return Path(executable).stem == PURE


def formats() -> tuple[str, ...]:
    """The formats the renderer found here writes (`DotNotFound` when there is none)."""
    return PURE_FORMATS if is_pure(find_dot()) else DOT_FORMATS


def stderr_text(error: subprocess.CalledProcessError) -> str:
    """What the renderer wrote to stderr when it failed, as text."""
    stderr = error.stderr or b""
    return stderr.decode(errors="replace") if isinstance(stderr, bytes) else stderr


def render_source(
    source: str, format: str, *, engine: str = "dot", dpi: float | None = None,
    neato_no_op: bool | int | None = None, quiet: bool = False,
) -> bytes:
    """`source` laid out by `engine` and written in `format` ("svg", "png", ...) by `find_dot()`.

    `dpi` is the resolution of raster formats (Graphviz draws PNG at 96 dpi; 200 to 300 suits
    slides); vector formats (SVG, PDF) do not need one and are drawn as they are. The
    renderer's warnings go to stderr unless `quiet`; graphviz-pure's are always dropped, since
    it warns about the width of every non-ASCII character (×, ∂, w₁₂).
    """
    check_dpi(dpi)
    executable = find_dot()
    pure = is_pure(executable)
    command = [executable, f"-K{engine}", f"-T{format}"]
    if dpi is not None and format.split(":")[0] in RASTER:
        command.append(f"-Gdpi={dpi:g}")
    if neato_no_op:
        command.append(f"-n{int(neato_no_op)}")
    done = subprocess.run(command, input=source.encode(), capture_output=True)
    if done.returncode != 0:
        stderr = done.stderr.decode(errors="replace")
        if pure and "not recognized" in stderr:
            stderr += (f"graphviz-pure writes SVG and PNG but not {format.upper()}: for "
                       f"{format.upper()} install Graphviz (https://graphviz.org/download/), "
                       "or render format='svg'.")
        raise graphviz.CalledProcessError(done.returncode, command, done.stdout, stderr)
    if done.stderr and not (quiet or pure):
        sys.stderr.write(done.stderr.decode(errors="replace"))
    return _spaces_kept(done.stdout) if format.split(":")[0] == "svg" else done.stdout


def _spaces_kept(svg: bytes) -> bytes:
    """`svg` with its text's spaces kept as written: Graphviz 2.43 writes " 0.5" after "data"
    as a text of its own, which browsers would shrink to "0.5", as graphviz-pure does."""
    return re.sub(rb"<text(?![^>]*xml:space)", b'<text xml:space="preserve"', svg)


def check_dpi(dpi: float | None) -> None:
    """Refuse a resolution that is not a number from 10 to 2400 dots per inch."""
    if dpi is None:
        return
    if isinstance(dpi, bool) or not isinstance(dpi, (int, float)):
        raise TypeError(f"dpi must be a number of dots per inch, got {dpi!r}")
    if not (math.isfinite(dpi) and DPI[0] <= dpi <= DPI[1]):
        raise ValueError(f"dpi must be from {DPI[0]} to {DPI[1]} dots per inch, got {dpi!r}")


class Drawing(graphviz.Digraph):
    """A `graphviz.Digraph` whose `.pipe`, `.render` and Jupyter display run `render_source`.

    Both take what `graphviz.Digraph`'s take, and `dpi`, the resolution of PNG output.
    """

    def pipe(
        self, format: str | None = None, renderer: str | None = None,
        formatter: str | None = None, neato_no_op: bool | int | None = None,
        quiet: bool = False, *, engine: str | None = None, encoding: str | None = None,
        dpi: float | None = None,
    ) -> bytes | str:
        """The drawing rendered to `format` (default `self.format`), as bytes, or as text in
        `encoding`."""
        output = render_source(
            self.source, _format(format or self.format, renderer, formatter),
            engine=engine or self.engine, dpi=dpi, neato_no_op=neato_no_op, quiet=quiet,
        )
        return output if encoding is None else output.decode(encoding)

    def render(
        self, filename: str | os.PathLike | None = None,
        directory: str | os.PathLike | None = None, view: bool = False, cleanup: bool = False,
        format: str | None = None, renderer: str | None = None, formatter: str | None = None,
        neato_no_op: bool | int | None = None, quiet: bool = False, quiet_view: bool = False,
        *, outfile: str | os.PathLike | None = None, engine: str | None = None,
        dpi: float | None = None,
    ) -> str:
        """Save the DOT source to `filename` and render it beside it (`filename.format`), or to
        `outfile` (its suffix giving the format); returns the rendered file's path."""
        if outfile is not None:
            outfile = Path(self.directory if directory is None else "", outfile)
            format = format or outfile.suffix[1:] or None
            if filename is None:
                filename = outfile.with_suffix(".gv")
        format = format or self.format
        source = Path(self.save(filename, directory=directory))
        target = outfile or source.with_name(f"{source.name}.{format}")
        try:
            target.write_bytes(self.pipe(format, renderer, formatter, neato_no_op, quiet,
                                         engine=engine, dpi=dpi))
        finally:
            if cleanup:
                source.unlink()
        if view:
            graphviz.view(target, quiet=quiet_view)
        return os.fspath(target)

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None, **_: Any) -> dict:
        """IPython's display protocol: the drawing as SVG, and as HTML holding it inline, which
        notebooks prefer: it shrinks to an output area narrower than itself instead of being
        cut off (an SVG image keeps its own width), and its tooltips show."""
        wanted = {"text/html", "image/svg+xml"} if include is None else set(include)
        wanted -= set(exclude or ())
        if not wanted & {"text/html", "image/svg+xml"}:
            return {}
        svg = self.pipe(format="svg", encoding="utf-8")
        html = svg[svg.index("<svg"):].replace("<svg", FIT, 1)
        bundle = {"text/html": html, "image/svg+xml": svg}
        return {kind: shown for kind, shown in bundle.items() if kind in wanted}


def _format(format: str, renderer: str | None, formatter: str | None) -> str:
    """The -T value: format[:renderer[:formatter]]."""
    if formatter is not None and renderer is None:
        raise ValueError(f"Drawing: formatter={formatter!r} needs a renderer as well")
    return ":".join(part for part in (format, renderer, formatter) if part)
