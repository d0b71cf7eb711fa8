"""The stepper: one HTML page (or notebook view) over the steps, and one SVG per step, under
whichever renderer is found here (Graphviz's `dot` or graphviz-pure: `.ci/run` runs both)."""

from __future__ import annotations

import json
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
    topological_order,
    write_step_svgs,
    write_stepper_html,
)
from autodiff.draw.notation import number


def neuron() -> tuple[Value, Value]:
    x, w, b = Value(0.5, name="x"), Value(-1.5, name="w"), Value(0.2, name="b")
    return (w * x + b).tanh(), w


def network(nouts=(3, 1)) -> Value:
    mlp = nn.MLP(2, list(nouts), activation="tanh", seed=0)
    return nn.losses.sum_squared_error(mlp([0.5, -1.0]), [1.0])


def current_nodes(svg: str | bytes) -> list[str]:
    return [title for title, shape in parse(svg).nodes.items() if "current" in shape.classes]


def numbers(root: Value) -> list[tuple[str, str]]:
    """Every data and grad of the graph, bit for bit."""
    return [(float.hex(n.data), float.hex(n.grad)) for n in topological_order(root)]


def test_one_svg_per_step_after_the_forward_pass(tmp_path):
    out, w = neuron()
    paths = write_step_svgs(out, tmp_path / "steps")
    assert [p.name for p in paths] == [f"step_00{k}.svg" for k in range(4)]
    assert [current_nodes(p.read_bytes()) for p in paths] == [[], ["n5"], ["n4"], ["n2"]]
    first = parse(paths[0].read_bytes())
    assert all(shape.texts[-1] == "?" for shape in first.nodes.values())  # forward pass only
    assert "step 0: the forward pass" in paths[0].read_text()
    last = parse(paths[-1].read_bytes()).named("w").texts[-1]
    assert last == number(0.5 * (1 - out.data**2))  # ∂out/∂w, as the pass leaves it
    assert w.grad == 0.0  # looking ran no backward into .grad


def frames_of(root: Value) -> list:
    steps = list(backward_steps(root))
    return [steps[0].trace, *steps]


def assert_steady(drawn: list) -> None:
    """Every box at every step where the first drawing put it, within half a point."""
    first = {title: shape.box for title, shape in drawn[0].nodes.items()}
    for drawing in drawn[1:]:
        assert drawing.nodes.keys() == first.keys()
        for title, shape in drawing.nodes.items():
            assert shape.box == pytest.approx(first[title], abs=0.5), title


@pytest.mark.parametrize("build", [lambda: neuron()[0], network], ids=["neuron", "network"])
@pytest.mark.parametrize("caption", [False, True])
def test_every_node_stays_where_the_first_drawing_put_it(build, caption, capfd):
    """Issue 12: nodes moved about 100 px from step to step. Issue 19: under Graphviz's `dot`
    boxes still moved up to 6 pt, and it warned "cell size too small" about every network."""
    root = build()
    drawn = [parse(draw_graph(root, step=f, caption=caption).pipe(format="svg"))
             for f in frames_of(root)]
    assert_steady(drawn)
    assert len({tuple(d.nodes["n0"].texts) for d in drawn}) > 1  # what they show does change
    assert capfd.readouterr().err == ""  # no renderer warning


@pytest.mark.parametrize("options", [{"fontsize": 8}, {"fontsize": 24, "theme": "dark"},
                                     {"rankdir": "TB"}], ids=["small", "large dark", "TB"])
def test_boxes_are_steady_and_quiet_at_any_size(options, capfd):
    root = network((2, 1))
    drawn = [parse(draw_graph(root, step=f, **options).pipe(format="svg"))
             for f in frames_of(root)]
    assert_steady(drawn)
    assert capfd.readouterr().err == ""


def test_a_box_is_as_wide_as_its_widest_number_at_any_step():
    x = Value(1 / 3, name="x")
    root = x * 1234.5678 + x * 0.001
    steps = list(backward_steps(root))
    partial = parse(draw_graph(root, step=steps[1]).pipe(format="svg")).named("x")
    done = parse(draw_graph(root, step=steps[-1]).pipe(format="svg")).named("x")
    assert partial.texts[-1] == "0.001 + …" and done.texts[-1] == "1235"
    assert partial.box == pytest.approx(done.box, abs=0.5)


def test_a_too_large_graph_is_refused_before_anything_is_written(tmp_path):
    x = Value(1.0, name="x")
    y = x + 1.0
    with pytest.raises(ValueError, match="max_nodes"):
        write_step_svgs(y, tmp_path, max_nodes=2)
    assert x.grad == 0.0 and list(tmp_path.iterdir()) == []


def test_a_leaf_has_nothing_to_step_through(tmp_path):
    with pytest.raises(ValueError, match="nothing to step through"):
        write_step_svgs(Value(1.0), tmp_path)


def test_a_second_run_leaves_only_its_own_frames(tmp_path):
    """Issue 19: frames 4 … of an earlier, longer run stayed in the folder."""
    longer = write_step_svgs(network(), tmp_path)
    mine = [tmp_path / name for name in ("step_notes.txt", "step_1.svg", "step_abc.svg",
                                         "notes.svg")]
    for path in mine:
        path.write_text("the user's")
    (tmp_path / "step_999.svg").mkdir()  # not a file: left alone
    paths = write_step_svgs(neuron()[0], tmp_path)
    assert len(longer) > len(paths) == 4
    assert sorted(tmp_path.iterdir()) == sorted([*paths, *mine, tmp_path / "step_999.svg"])


def test_looking_leaves_every_data_and_grad_as_it_was(tmp_path):
    """Issue 19: after loss.backward(), making a page doubled every .grad, and the page then
    showed grad 2 at the output beside its own rule ∂L/∂L · … = 1 · …"""
    root = network()
    root.backward()
    before = numbers(root)
    draw_graph(root).pipe(format="svg")
    page = stepper_html(root)
    write_stepper_html(root, tmp_path / "page.html")
    step_through(root)._repr_html_()
    write_step_svgs(root, tmp_path / "steps")
    assert numbers(root) == before
    assert parse(drawing_of(page)).named("C₀").texts[-1] == "1"  # the pass's own gradient
    assert parse((tmp_path / "steps" / "step_001.svg").read_bytes()).named("C₀").texts[-1] == "1"


def test_backward_steps_still_adds_into_grad_as_backward_does():
    root = network()
    root.backward()
    for _ in backward_steps(root):
        pass
    assert root.grad == 2.0


def drawing_of(page: str) -> str:
    """The page's one drawing, as an SVG document."""
    (svg,) = re.findall(r"<svg.*?</svg>", page, re.S)
    return svg


def changes_of(page: str) -> list:
    found = re.search(r'<script type="application/json" class="changes">(.*?)</script>', page,
                      re.S)
    return json.loads(found.group(1))["frames"]


def test_a_page_is_one_drawing_and_what_changes_at_each_step():
    """Issue 19: the page held a whole SVG per step (101 MB for MLP(2, [16, 16, 1]))."""
    root = network()
    page = stepper_html(root)
    assert page.count("<svg") == 1
    frames = frames_of(root)
    changes = changes_of(page)
    assert len(changes) == len(frames)
    shown: dict[int, list] = {}
    for frame, (current, changed) in zip(frames, changes):  # replayed as the script does
        shown.update((i, [state, text]) for i, state, text in changed)
        drawn = parse(draw_graph(root, step=frame).pipe(format="svg"))
        for i, (state, text) in shown.items():
            node = drawn.nodes[f"n{i}"]
            assert state in node.classes and node.texts[-1] == text
        assert current_nodes(draw_graph(root, step=frame).pipe(format="svg")) == (
            [f"n{current}"] if current >= 0 else [])
    assert sum(len(changed) for _, changed in changes[1:]) < len(frames) * len(shown) / 2


def test_the_network_page_stays_small():
    """The one-sample page of MLP(2, [16, 16, 1]): 101 MB before issue 19; at most 3 MB now."""
    mlp = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    root = nn.losses.sum_squared_error(mlp([0.5, -1.0]), [1.0])
    assert len(stepper_html(root).encode()) <= 3_000_000


def test_the_stepper_page_lists_every_step_and_fetches_nothing(tmp_path):
    out, _ = neuron()
    path = write_stepper_html(out, tmp_path / "steps.html", theme="dark")
    page = path.read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>") and '<meta charset="utf-8">' in page
    items = [ET.fromstring(item) for item in re.findall(r"<li .*?</li>", page, re.S)]
    assert [item.get("data-step") for item in items] == ["0", "1", "2", "3"]
    assert "step 0 of 3: the forward pass" in "".join(items[0].itertext())
    assert "∂L/∂(w × x + b) += ∂L/∂L · ∂tanh(w × x + b)/∂(w × x + b)" in "".join(
        items[1].itertext())
    assert 'aria-label="Previous"' in page and 'aria-label="Next"' in page
    assert 'aria-label="Play"' in page and "step 0 of 3" in page
    assert 'aria-label="Show at 100 %"' in page
    assert not re.search(r"""(src|href)=["'](https?:)?//""", page)  # nothing from a network
    assert "http://www.w3.org" not in page.replace('xmlns="http://www.w3.org/2000/svg"', "") \
        .replace('xmlns:xlink="http://www.w3.org/1999/xlink"', "")


def test_names_are_text_on_the_page():
    x = Value(2.0, name="<script>alert(1)</script>")
    page = stepper_html((x * 3.0).tanh())
    assert "<script>alert" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_in_a_notebook_the_stepper_is_its_html():
    out, _ = neuron()
    shown = step_through(out)._repr_html_()
    assert shown.startswith('<div class="autodiff-stepper"') and shown.count("<svg") == 1
    assert len(changes_of(shown)) == 4
