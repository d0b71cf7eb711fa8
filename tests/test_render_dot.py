"""Rendering right after `pip install`: a system `dot`, else graphviz-pure beside Python."""

from __future__ import annotations

import os
import subprocess
import sys
import sysconfig
from pathlib import Path

import graphviz
import pytest
from graphviz.backend import dot_command

from autodiff import Value, draw_graph
from autodiff.dot import DotNotFound, find_dot

PURE_BESIDE = any(
    (Path(d) / name).exists()
    for d in (os.path.dirname(sys.executable), sysconfig.get_path("scripts"))
    for name in ("graphviz-pure", "graphviz-pure.exe")
)
needs_pure = pytest.mark.skipif(not PURE_BESIDE, reason="graphviz-pure is not installed here")


def small_graph() -> Value:
    x = Value(2.0, name="x")
    return (x * 3.0).tanh()


def test_without_any_dot_rendering_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(sys, "executable", str(tmp_path / "python"))
    monkeypatch.setattr(sysconfig, "get_path", lambda name: str(tmp_path))
    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))
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
        "print(g.render(outfile=sys.argv[1]))\n"
    )
    env = {**os.environ, "PATH": str(tmp_path)}  # no dot, no activated virtualenv
    out = tmp_path / "graph.png"
    result = subprocess.run([sys.executable, "-c", script, str(out)], env=env,
                            capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stderr == ""  # graphviz-pure's font-width warnings are not shown
    assert out.read_bytes().startswith(b"\x89PNG")


@needs_pure
def test_pdf_from_graphviz_pure_says_it_renders_svg_and_png(monkeypatch, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))
    assert Path(find_dot()).stem == "graphviz-pure"
    with pytest.raises(graphviz.CalledProcessError, match="not PDF"):
        draw_graph(small_graph()).pipe(format="pdf")


@pytest.mark.skipif(os.name == "nt", reason="the stand-in dot is a shell script")
def test_a_system_dot_or_a_chosen_binary_is_left_alone(tmp_path, monkeypatch):
    fake = tmp_path / "dot"
    fake.write_text("#!/bin/sh\nexit 0\n")
    fake.chmod(0o755)
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(dot_command, "DOT_BINARY", Path("dot"))
    assert find_dot() == str(fake)
    draw_graph(small_graph()).pipe(format="svg")  # runs the fake: empty output, no error
    assert dot_command.DOT_BINARY == Path("dot")
