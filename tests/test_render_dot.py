"""Rendering right after `pip install`: a system `dot`, else graphviz-pure beside Python, run
by us, so the `graphviz` package and the rest of the process are left exactly as they were."""

from __future__ import annotations

import os
import struct
import subprocess
import sys
import sysconfig
from pathlib import Path

import graphviz
import pytest

from autodiff import Value, draw_graph
from autodiff.draw.dot import CHOICE, DotNotFound, find_dot, formats, is_pure

PURE_BESIDE = any(
    (Path(d) / name).exists()
    for d in (os.path.dirname(sys.executable), sysconfig.get_path("scripts"))
    for name in ("graphviz-pure", "graphviz-pure.exe")
)
needs_pure = pytest.mark.skipif(not PURE_BESIDE, reason="graphviz-pure is not installed here")
needs_sh = pytest.mark.skipif(os.name == "nt", reason="the stand-in dot is a shell script")


def small_graph() -> Value:
    x = Value(2.0, name="x")
    return (x * 3.0).tanh()


def run_python(script: str, path: Path) -> subprocess.CompletedProcess:
    """`script` in a fresh interpreter whose PATH is only `path` (no dot, no virtualenv), and
    no renderer chosen: the finder's own choice."""
    env = {key: value for key, value in os.environ.items() if key != CHOICE}
    return subprocess.run([sys.executable, "-c", script], env={**env, "PATH": str(path)},
                          capture_output=True, text=True, timeout=120)


def test_without_any_dot_rendering_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.delenv(CHOICE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path))
    graph = draw_graph(small_graph())
    with pytest.raises(DotNotFound, match=r"pip install graphviz-pure.*graph\.source"):
        graph.pipe(format="svg")
    with pytest.raises(graphviz.ExecutableNotFound):  # what graphviz users already catch
        find_dot()
    assert "digraph" in graph.source


@needs_pure
def test_graphviz_pure_beside_the_interpreter_is_found_without_dot_on_path(tmp_path):
    script = (
        "import sys; from autodiff import Value, draw_graph\n"
        "x = Value(2.0, name='x'); g = draw_graph((x * 3.0).tanh())\n"
        "assert g.pipe(format='svg').startswith(b'<?xml')\n"
        "assert '<svg' in g._repr_mimebundle_()['image/svg+xml']  # Jupyter\n"
        f"print(g.render(outfile={str(tmp_path / 'graph.png')!r}))\n"
    )
    done = run_python(script, tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stderr == ""  # graphviz-pure's font-width warnings are not shown
    assert (tmp_path / "graph.png").read_bytes().startswith(b"\x89PNG")
    assert (tmp_path / "graph.gv").read_text().startswith("digraph")  # the source beside it


@needs_pure
def test_an_unrelated_graphviz_drawing_behaves_as_if_we_were_not_there(tmp_path):
    """Issue 12: one of our drawings set graphviz's DOT_BINARY to graphviz-pure for the whole
    process (and overrode private methods), so a later graphviz.Digraph().pipe() that should
    fail for want of Graphviz silently used graphviz-pure instead."""
    script = (
        "import graphviz\n"
        "from autodiff import Value, draw_graph\n"
        "def plain():\n"
        "    try:\n"
        "        graphviz.Digraph().pipe(format='svg')\n"
        "    except graphviz.ExecutableNotFound:\n"
        "        return 'ExecutableNotFound'\n"
        "    return 'rendered'\n"
        "before = plain()\n"
        "assert draw_graph(Value(1.0, name='x') * 2.0).pipe(format='svg').startswith(b'<?xml')\n"
        "print(before, plain())\n"
    )
    done = run_python(script, tmp_path)  # no dot on PATH: graphviz cannot render by itself
    assert done.returncode == 0, done.stderr
    assert done.stdout.split() == ["ExecutableNotFound", "ExecutableNotFound"]


@needs_pure
def test_pdf_from_graphviz_pure_says_it_renders_svg_and_png(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    assert Path(find_dot()).stem == "graphviz-pure"
    with pytest.raises(graphviz.CalledProcessError, match="not PDF"):
        draw_graph(small_graph()).pipe(format="pdf")


@needs_sh
def test_a_dot_on_path_is_run_with_the_format_and_the_resolution_asked_for(tmp_path, monkeypatch):
    fake = tmp_path / "dot"
    fake.write_text(f'#!/bin/sh\necho "$@" > {tmp_path / "arguments"}\n')
    fake.chmod(0o755)
    monkeypatch.delenv(CHOICE, raising=False)
    monkeypatch.setenv("PATH", str(tmp_path))
    assert find_dot() == str(fake)
    draw_graph(small_graph()).pipe(format="png", dpi=200)
    assert (tmp_path / "arguments").read_text().split() == ["-Kdot", "-Tpng", "-Gdpi=200"]


def png_size(data: bytes) -> tuple[int, int]:
    return struct.unpack(">II", data[16:24])


@needs_pure
def test_a_png_for_slides_has_the_resolution_asked_for():
    graph = draw_graph(small_graph())
    width, height = png_size(graph.pipe(format="png"))
    sharp_width, sharp_height = png_size(graph.pipe(format="png", dpi=192))
    assert sharp_width / width == pytest.approx(2, rel=0.02)  # Graphviz draws PNG at 96 dpi
    assert sharp_height / height == pytest.approx(2, rel=0.02)
    assert graph.pipe(format="svg", dpi=192) == graph.pipe(format="svg")  # vector: unchanged


@needs_pure
def test_render_saves_the_source_and_renders_beside_it(tmp_path):
    graph = draw_graph(small_graph())
    path = graph.render("neuron", directory=tmp_path, format="png", cleanup=True)
    assert path == str(tmp_path / "neuron.png") and Path(path).read_bytes()[:4] == b"\x89PNG"
    assert not (tmp_path / "neuron").exists()  # cleanup removed the source
    assert graph.render(tmp_path / "again") == str(tmp_path / "again.svg")  # SVG by default


@needs_sh
@needs_pure
def test_the_renderer_can_be_chosen_by_name_or_path(tmp_path, monkeypatch):
    """System `dot` first, else graphviz-pure; AUTODIFF_RENDERER overrides (the CI's second
    run of the drawing tests uses it to render with graphviz-pure where Graphviz is installed)."""
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\ncat > /dev/null\necho '<svg/>'\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.delenv(CHOICE, raising=False)
    assert find_dot() == str(fake)
    monkeypatch.setenv(CHOICE, "graphviz-pure")
    assert is_pure(find_dot()) and formats() == ("svg", "png")
    monkeypatch.setenv(CHOICE, str(fake))
    assert find_dot() == str(fake) and "pdf" in formats()
    monkeypatch.setenv(CHOICE, "no-such-renderer")
    with pytest.raises(DotNotFound, match="AUTODIFF_RENDERER='no-such-renderer' names no"):
        find_dot()


def test_each_renderer_writes_what_it_can():
    """Graphviz's `dot` writes PDF; graphviz-pure refuses it and says how to get it."""
    graph = draw_graph(small_graph())
    if "pdf" in formats():
        assert graph.pipe(format="pdf").startswith(b"%PDF")
    else:
        with pytest.raises(graphviz.CalledProcessError, match="not PDF"):
            graph.pipe(format="pdf")
    assert graph.pipe(format="png").startswith(b"\x89PNG")
