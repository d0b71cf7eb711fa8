"""The stepper: a notebook control over the steps, and one SVG per step for slides."""

from __future__ import annotations

import xml.etree.ElementTree as ET

import pytest

from autodiff import Value, step_through, write_step_svgs

SVG = "{http://www.w3.org/2000/svg}"


def neuron() -> tuple[Value, Value]:
    x, w, b = Value(0.5, name="x"), Value(-1.5, name="w.0"), Value(0.2, name="b")
    return (w * x + b).tanh(), w


def current_nodes(svg: str | bytes) -> list[str]:
    root = ET.fromstring(svg)
    return [g.findtext(f"{SVG}title") for g in root.iter(f"{SVG}g")
            if {"node", "current"} <= set(g.get("class", "").split())]


def test_one_svg_per_step_each_at_its_node(tmp_path):
    out, w = neuron()
    paths = write_step_svgs(out, tmp_path / "steps")
    assert [p.name for p in paths] == ["step_001.svg", "step_002.svg", "step_003.svg"]
    assert [current_nodes(p.read_bytes()) for p in paths] == [["n5"], ["n4"], ["n2"]]
    assert w.grad == pytest.approx(0.5 * (1 - out.data**2))  # backward ran once


def test_a_too_large_graph_is_refused_before_backward_runs(tmp_path):
    x = Value(1.0, name="x")
    y = x + 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        write_step_svgs(y, tmp_path, max_nodes=2)
    assert x.grad == 0.0 and list(tmp_path.iterdir()) == []


def test_a_leaf_has_nothing_to_step_through(tmp_path):
    with pytest.raises(ValueError, match="nothing to step through"):
        write_step_svgs(Value(1.0), tmp_path)


def test_the_notebook_control_redraws_at_each_step():
    pytest.importorskip("ipywidgets")
    out, _ = neuron()
    control = step_through(out, show_local_grads=True)
    (play, slider), picture = control.children[0].children, control.children[1]
    assert (play.max, slider.max) == (2, 2)
    assert picture.value.startswith("<svg") and current_nodes(picture.value) == ["n5"]
    slider.value = 2
    assert current_nodes(picture.value) == ["n2"]
