"""The stepper: one HTML page (or notebook view) over the steps, and one SVG per step."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET

import pytest
from drawings import parse

import nn
from autodiff import (
    Value,
    backward_steps,
    draw_graph,
    step_through,
    stepper_html,
    write_step_svgs,
    write_stepper_html,
)


def neuron() -> tuple[Value, Value]:
    x, w, b = Value(0.5, name="x"), Value(-1.5, name="w"), Value(0.2, name="b")
    return (w * x + b).tanh(), w


def network() -> Value:
    mlp = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    return nn.losses.sum_squared_error(mlp([0.5, -1.0]), [1.0])


def current_nodes(svg: str | bytes) -> list[str]:
    return [title for title, shape in parse(svg).nodes.items() if "current" in shape.classes]


def test_one_svg_per_step_after_the_forward_pass(tmp_path):
    out, w = neuron()
    paths = write_step_svgs(out, tmp_path / "steps")
    assert [p.name for p in paths] == [f"step_00{k}.svg" for k in range(4)]
    assert [current_nodes(p.read_bytes()) for p in paths] == [[], ["n5"], ["n4"], ["n2"]]
    first = parse(paths[0].read_bytes())
    assert all(shape.texts[-1] == "?" for shape in first.nodes.values())  # forward pass only
    assert "step 0: the forward pass" in paths[0].read_text()
    assert w.grad == pytest.approx(0.5 * (1 - out.data**2))  # backward ran once


@pytest.mark.parametrize("build", [lambda: neuron()[0], network], ids=["neuron", "network"])
@pytest.mark.parametrize("caption", [False, True])
def test_every_node_stays_where_the_first_drawing_put_it(build, caption):
    """Issue 12: nodes moved about 100 px from step to step, as pending ? and changing numbers
    changed the widths of the boxes."""
    root = build()
    steps = list(backward_steps(root))
    frames = [steps[0].trace, *steps]
    drawn = [parse(draw_graph(root, step=f, caption=caption).pipe(format="svg")) for f in frames]
    first = {title: shape.box for title, shape in drawn[0].nodes.items()}
    for drawing in drawn[1:]:
        assert {title: shape.box for title, shape in drawing.nodes.items()} == first
    assert len({tuple(d.nodes["n0"].texts) for d in drawn}) > 1  # what they show does change


def test_a_box_is_as_wide_as_its_widest_number_at_any_step():
    x = Value(1 / 3, name="x")
    root = x * 1234.5678 + x * 0.001
    steps = list(backward_steps(root))
    partial = parse(draw_graph(root, step=steps[1]).pipe(format="svg")).named("x")
    done = parse(draw_graph(root, step=steps[-1]).pipe(format="svg")).named("x")
    assert partial.texts[-1] == "0.001 + …" and done.texts[-1] == "1235"
    assert partial.box == done.box


def test_a_too_large_graph_is_refused_before_backward_runs(tmp_path):
    x = Value(1.0, name="x")
    y = x + 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        write_step_svgs(y, tmp_path, max_nodes=2)
    assert x.grad == 0.0 and list(tmp_path.iterdir()) == []


def test_a_leaf_has_nothing_to_step_through(tmp_path):
    with pytest.raises(ValueError, match="nothing to step through"):
        write_step_svgs(Value(1.0), tmp_path)


def frames_of(html: str) -> list[ET.Element]:
    """The <figure> frames of a stepper, parsed as XML (inline SVG is XML)."""
    return [ET.fromstring(f) for f in re.findall(r"<figure .*?</figure>", html, re.S)]


def test_the_stepper_page_holds_every_step_and_fetches_nothing(tmp_path):
    out, _ = neuron()
    path = write_stepper_html(out, tmp_path / "steps.html", theme="dark")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    frames = frames_of(page)
    assert [f.get("data-step") for f in frames] == ["0", "1", "2", "3"]
    assert "step 0 of 3: the forward pass" in "".join(frames[0].itertext())
    assert "∂L/∂(w × x + b) += ∂L/∂L · ∂tanh(w × x + b)/∂(w × x + b)" in "".join(
        frames[1].itertext())
    assert 'aria-label="Previous"' in page and 'aria-label="Next"' in page
    assert 'aria-label="Play"' in page and "step 0 of 3" in page
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)  # nothing from a network
    assert "http://www.w3.org" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") \
        .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def test_in_a_notebook_the_stepper_is_its_html():
    out, _ = neuron()
    shown = step_through(out)._repr_html_()
    assert shown.startswith('<div class="autodiff-stepper"') and len(frames_of(shown)) == 4
    assert stepper_html(out).count("<figure") == 4
