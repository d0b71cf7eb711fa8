"""draw_graph: read back from the rendered SVG, every value, gradient and local derivative,
where each sits, and what it is called."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET

import pytest
from drawings import parse
from graphs import build, leaves, operations
from hypothesis import given, settings

import nn
from autodiff import Value, backward_steps, draw_graph, local_derivatives, topological_order
from autodiff.draw.notation import expression, node_names, number
from nn.notation import symbol


def example() -> tuple[Value, dict[str, Value]]:
    """A graph with a leaf used twice, a constant and a named intermediate."""
    x, y = Value(2.0, name="x"), Value(-3.0, name="y")
    z = x * y
    z.name = "z"
    loss = ((z + x) ** 2 + 1.0).tanh()
    loss.backward()
    return loss, {"x": x, "y": y, "z": z}


def ids(root: Value) -> dict[Value, str]:
    return {node: f"n{i}" for i, node in enumerate(topological_order(root))}


def check_complete_drawing(root: Value) -> None:
    """Every node with its name, data and grad; every edge ending in the slot of its child
    that holds its local derivative."""
    drawing = parse(draw_graph(root).pipe(format="svg"))
    names, id_of = node_names(topological_order(root)), ids(root)
    assert set(drawing.nodes) == set(id_of.values())
    for node, nid in id_of.items():
        shape = drawing.nodes[nid]
        assert "value" in shape.classes
        assert names[node] in shape.texts
        assert ["data", number(node.data), "grad", number(node.grad)] == shape.texts[-4:]
        slots = shape.spots[: len(node.parents)]
        assert [text for text, _, _ in slots] == [number(d) for d in local_derivatives(node)]
        for (_, _, height), parent in zip(slots, node.parents):
            arrivals = drawing.edges[f"{id_of[parent]}->{nid}"]
            nearest = [min(slots, key=lambda s: abs(s[2] - edge.end[1])) for edge in arrivals]
            assert any(abs(y - height) < 1e-6 for _, _, y in nearest)  # it ends at its slot
    assert sum(len(e) for e in drawing.edges.values()) == sum(len(n.parents) for n in id_of)


def test_every_value_edge_and_local_derivative_is_drawn():
    loss, _ = example()
    check_complete_drawing(loss)


@settings(max_examples=25)
@given(leaves, operations)
def test_random_graphs_are_drawn_completely(data, ops):
    root = build(data, ops)
    root.backward()
    check_complete_drawing(root)


def test_operations_appear_with_their_symbols_and_the_raw_op_in_the_tooltip():
    loss, _v = example()
    graph = draw_graph(loss)
    drawing = parse(graph.pipe(format="svg"))
    def title(name: str) -> list[str]:  # after the slots, before the data
        texts = drawing.named(name).texts
        return texts[texts.index(name): texts.index("data")]

    assert title("z") == ["z", "= x × y"]  # a named node: its name, then its expression
    assert title("(z + x)²") == ["(z + x)²"]  # an unnamed one: its expression is its name
    assert title("L") == ["L", "= tanh((z + x)² + 1)"]
    assert "op '**2'" in graph.source and "op '*'" in graph.source


def test_leaves_constants_parameters_and_the_output_are_told_apart():
    w, b = Value(0.5, name="w"), Value(0.1, name="b")
    x = Value(1.0, name="x")
    z = w * x + b
    for node in (w, b, z):
        node.group = ("neuron",)
    loss = z * 2.0
    drawing = parse(draw_graph(loss).pipe(format="svg"))
    kinds = {name: drawing.named(name).classes & {
        "input", "constant", "parameter", "intermediate", "output"}
        for name in ("w", "b", "x", "2", "L", "w × x + b")}
    assert kinds["w"] == kinds["b"] == {"parameter"}  # leaves boxed with what they compute
    assert kinds["x"] == {"input"} and kinds["2"] == {"constant"}
    assert kinds["L"] == {"output"} and kinds["w × x + b"] == {"intermediate"}


def test_groups_are_nested_boxes_in_natural_order_and_must_be_tuples_of_names():
    parts = []
    for layer in (2, 10, 1):
        for neuron in (2, 1):
            p = Value(1.0, name=f"p{layer}{neuron}")
            p.group = (f"layer {layer}", f"neuron {neuron}")
            parts.append(p)
    total = parts[0]
    for p in parts[1:]:
        total = total + p
    source = draw_graph(total).source
    labels = re.findall(r"label=[<\"]?(layer \d+|neuron \d+)", source)
    assert labels == ["layer 1", "neuron 1", "neuron 2", "layer 2", "neuron 1", "neuron 2",
                      "layer 10", "neuron 1", "neuron 2"]
    parts[0].group = "layer 1"
    with pytest.raises(TypeError, match=r"draw_graph: .*group='layer 1'.*tuple of names"):
        draw_graph(total)


@pytest.mark.parametrize("nin, nouts", [(2, [4, 4, 1]), (3, [5, 1]), (4, [3, 2])])
def test_a_network_is_drawn_in_order(nin, nouts):
    """Issue 12: MLP(2, [4, 4, 1]) drew layer 1's neurons 4, 3, 2, 1 from the top, mixed the
    parameters within a neuron (w₄₂, b₄, w₄₁), and put x2 above x1."""
    mlp = nn.MLP(nin, nouts, activation="tanh", seed=1)
    cost = nn.losses.sum_squared_error(mlp([0.5] * nin), [1.0] * nouts[-1])
    cost.backward()
    drawing = parse(draw_graph(cost).pipe(format="svg"))
    inputs = [drawing.named(symbol("x", k)) for k in range(1, nin + 1)]
    assert [x.centre[1] for x in inputs] == sorted(x.centre[1] for x in inputs)
    layers = [drawing.clusters[f"layer {n}"] for n in range(1, len(nouts) + 1)]
    assert all(left.box[2] < right.box[0] for left, right in itertools.pairwise(layers))
    assert all(x.box[2] < layers[0].box[0] for x in inputs)
    for layer in mlp.layers:
        for neuron in layer.neurons:  # w_j1 … w_jn, then b_j, top to bottom
            heights = [drawing.named(p.name).centre[1] for p in [*neuron.w, neuron.b]]
            assert heights == sorted(heights), [p.name for p in neuron.parameters()]
        firsts = [drawing.named(n.w[0].name).centre[1] for n in layer.neurons]
        assert firsts == sorted(firsts)  # neurons 1 … n top to bottom


def test_a_network_drawing_names_every_node_in_the_notation():
    """Issue 12: unnamed nodes appeared as v6, v12, v22."""
    mlp = nn.MLP(3, [3, 2], activation="tanh", seed=0)
    samples, targets = [[0.5, -1.0, 2.0], [1.0, 0.0, -1.0]], [[1.0, 0.0], [0.0, 1.0]]
    for loss in (nn.losses.sum_squared_error, nn.losses.mse, nn.losses.hinge,
                 nn.losses.cross_entropy):
        cost = nn.batch_loss([mlp(x) for x in samples], targets if loss is not
                             nn.losses.cross_entropy else [0, 1], loss)
        names = node_names(topological_order(cost)).values()
        assert not [n for n in names if re.fullmatch(r"v\d+", n)], loss.__name__
        assert {"C", "C₀", "C₁", "x₁", "z₁⁽¹⁾", "a₁⁽¹⁾", "a₂⁽²⁾"} <= set(names)
    one = nn.MLP(2, [2, 1], seed=0)
    cost = nn.losses.binary_cross_entropy_with_logits(one([0.5, -1.0]), 1.0)
    assert not [n for n in node_names(topological_order(cost)).values() if n.startswith("v")]


def test_a_step_is_drawn_with_its_node_highlighted_and_pending_gradients():
    loss, v = example()
    for node in topological_order(loss):
        node.grad = 0.0
    steps = list(backward_steps(loss))
    finished = parse(draw_graph(loss).pipe(format="svg"))
    id_of = ids(loss)
    x, y, z = (id_of[v[name]] for name in "xyz")
    # at z + x: x has one of its two contributions, y none yet
    step = next(s for s in steps if s.node.parents == (v["z"], v["x"]))
    at = id_of[step.node]
    drawing = parse(draw_graph(loss, step=step).pipe(format="svg"))
    assert [nid for nid, shape in drawing.nodes.items() if "current" in shape.classes] == [at]
    assert "pending" in drawing.nodes[y].classes and drawing.nodes[y].texts[-1] == "?"
    assert "partial" in drawing.nodes[x].classes
    assert drawing.nodes[x].texts[-1] == f"{number(step.grad)} + …"
    assert "complete" in drawing.nodes[z].classes
    assert "complete" in drawing.nodes[id_of[loss]].classes
    changed = {nid for nid in drawing.nodes
               if drawing.nodes[nid].texts != finished.nodes[nid].texts}
    assert changed == {x, y}
    highlighted = {title for title, drawn in drawing.edges.items()
                   if any("current" in shape.classes for shape in drawn)}
    assert highlighted == {f"{z}->{at}", f"{x}->{at}"}
    (edge,) = drawing.edges[f"{z}->{at}"]
    assert edge.stroke != finished.edges[f"{z}->{at}"][0].stroke
    caption = draw_graph(loss, step=step).source
    assert "∂L/∂x += ∂L/∂(z + x) · ∂((z + x)²)/∂(z + x)" not in caption  # not this step's
    assert "∂L/∂x += ∂L/∂(z + x) · ∂(z + x)/∂x" in caption


def test_the_last_step_shows_every_gradient_as_backward_leaves_it():
    loss, _ = example()
    for node in topological_order(loss):
        node.grad = 0.0
    *_, last = backward_steps(loss)
    drawing = parse(draw_graph(loss, step=last).pipe(format="svg"))
    finished = parse(draw_graph(loss).pipe(format="svg"))
    assert {nid: s.texts for nid, s in drawing.nodes.items()} == {
        nid: s.texts for nid, s in finished.nodes.items()}


def test_options_leave_out_gradients_and_local_derivatives():
    loss, _ = example()
    graph = draw_graph(loss, show_grad=False, show_local_grads=False, rankdir="TB")
    drawing = parse(graph.pipe(format="svg"))
    assert all("grad" not in shape.texts for shape in drawing.nodes.values())
    assert "PORT=" not in graph.source  # no slots to end in


@pytest.mark.parametrize("rankdir, compass", [("TB", "n"), ("RL", "e"), ("BT", "s")])
def test_the_slots_face_the_parents_in_every_direction(rankdir, compass):
    loss, _ = example()
    graph = draw_graph(loss, rankdir=rankdir)
    heads = re.findall(r"-> (\S+) \[class=", graph.source)  # not the invisible ones
    assert heads and all(re.fullmatch(rf"n\d+:s\d+:{compass}", head) for head in heads)
    drawing = parse(graph.pipe(format="svg"))
    first, last = (drawing.named(n).centre for n in ("x", "L"))
    assert {"TB": first[1] < last[1], "RL": first[0] > last[0], "BT": first[1] > last[1]}[rankdir]
    with pytest.raises(ValueError, match="draw_graph: rankdir must be one of"):
        draw_graph(loss, rankdir="sideways")


def test_a_dark_theme_and_a_font_size():
    loss, _ = example()
    dark = draw_graph(loss, theme="dark", fontsize=20).source
    assert 'bgcolor="#111827"' in dark and "fontsize=20" in dark
    with pytest.raises(ValueError, match="theme: unknown theme 'blue'"):
        draw_graph(loss, theme="blue")


def test_a_step_of_another_graph_is_refused():
    loss, _ = example()
    other, _ = example()
    step = next(backward_steps(other))
    with pytest.raises(ValueError, match="another graph"):
        draw_graph(loss, step=step)


@pytest.mark.parametrize("root", [3.0, None, "x", [Value(1.0)]])
def test_anything_but_a_value_is_refused_naming_draw_graph(root):
    with pytest.raises(TypeError, match=r"^draw_graph: expected the Value to draw, got "):
        draw_graph(root)


def test_large_graphs_are_refused_with_the_count_and_how_to_raise_the_limit():
    x = Value(1.0, name="x")
    y = x
    for _ in range(600):
        y = y + 1.0
    with pytest.raises(ValueError, match=r"1201 nodes, more than max_nodes=500.*max_nodes=1201"):
        draw_graph(y)
    assert "digraph" in draw_graph(y, max_nodes=1201).source  # no layout until rendered


def test_every_operation_has_a_readable_expression():
    x, y = Value(0.5, name="x"), Value(2.0, name="y")
    made = [x - y, x / y, -x, x**3, x**-1, x**0.5, x**y, x.exp(), x.log(), x.sigmoid(),
            x.relu(), x.sqrt(), abs(x)]
    expected = ["x − y", "x ÷ y", "−x", "x³", "x⁻¹", "x^0.5", "x ^ y", "exp(x)", "log(x)",
                "σ(x)", "ReLU(x)", "√x", "|x|"]
    assert [expression(v, {x: "x", y: "y"}) for v in made] == expected


@pytest.mark.parametrize("build_it, written", [
    (lambda x, y: (x + y) ** 2, "(x + y)²"), (lambda x, y: x * (y + 1.0), "x × (y + 1)"),
    (lambda x, y: -(x * y), "−(x × y)"), (lambda x, y: -x**2, "−x²"),
    (lambda x, y: (x - y) - (y - x), "x − y − (y − x)"), (lambda x, y: x / (x * y), "x ÷ (x × y)"),
    (lambda x, y: x * -3.0, "x × (-3)"), (lambda x, y: (x + y).sqrt(), "√(x + y)"),
    (lambda x, y: (x * y).tanh(), "tanh(x × y)"), (lambda x, y: (x ** 2) ** 2, "(x²)²"),
])
def test_expressions_have_the_parentheses_precedence_needs(build_it, written):
    x, y = Value(0.5, name="x"), Value(2.0, name="y")
    node = build_it(x, y)
    assert expression(node, node_names(topological_order(node))) == written


def test_gradients_that_are_graphs_are_drawn_by_their_value():
    x = Value(1.5, name="x")
    y = (x * x).sin()
    y.backward(create_graph=True)  # x.grad is a Value: 2x·cos(x²)
    text = "".join(ET.fromstring(draw_graph(y).pipe(format="svg")).itertext())
    assert number(x.grad.data) in text
    grad_graph = ET.fromstring(draw_graph(x.grad).pipe(format="svg"))  # the gradient's own graph
    assert "cos" in "".join(grad_graph.itertext())


SVG_NS, XLINK = "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"
PAYLOAD = '<a>]; evil [URL="javascript:alert(1)" label="click me"]; graph [label=<b>'


def links(svg: bytes) -> list[str]:
    """Every link target in a rendered SVG."""
    return [value for element in ET.fromstring(svg).iter()
            for key, value in element.attrib.items() if key.endswith("href")]


@pytest.mark.parametrize("typed", [PAYLOAD, "ends with a backslash \\", 'say "hi"', "a\\nb",
                                   "two\nlines", "<b>bold?</b> & more"])
def test_names_and_groups_are_drawn_as_typed_never_as_markup(typed):
    """Issue 19: a group was written into DOT unescaped, so the payload made a live
    javascript: link, and a group ending in a backslash broke the DOT source."""
    x = Value(2.0, name=typed)
    y = x * 3.0
    y.group = (typed, "inner")
    svg = draw_graph(y).pipe(format="svg")
    assert links(svg) == []
    drawing = parse(svg)
    assert [name for name in drawing.clusters if name != "inner"] == [typed.split("\n")[0]]
    lines = typed.split("\n")
    texts = drawing.nodes["n0"].texts
    assert texts[: len(lines)] == lines  # each line of the name as typed, in bold
    tooltip = ET.fromstring(svg).find(f".//{{{SVG_NS}}}a").get(f"{{{XLINK}}}title")
    assert tooltip.startswith(f"{typed}: leaf")


@pytest.mark.parametrize("options, error, words", [
    ({"fontsize": 1e9}, ValueError, "fontsize must be from 6 to 72 points, got 1000000000.0"),
    ({"fontsize": float("nan")}, ValueError, "fontsize must be from 6 to 72 points, got nan"),
    ({"fontsize": -5}, ValueError, "fontsize must be from 6 to 72 points, got -5"),
    ({"fontsize": "14"}, TypeError, "fontsize must be a number of points, got '14'"),
    ({"fontsize": True}, TypeError, "fontsize must be a number of points, got True"),
    ({"max_nodes": 0}, ValueError, "max_nodes must be at least 1, got 0"),
    ({"max_nodes": 2.5}, TypeError, "max_nodes must be a whole number, got 2.5"),
    ({"max_nodes": "10"}, TypeError, "max_nodes must be a whole number, got '10'"),
    ({"theme": None}, TypeError, r"a theme is named by a string, one of \('light', 'dark'\)"),
    ({"theme": ["dark"]}, TypeError, "theme: a theme is named by a string"),
    ({"theme": "blue"}, ValueError, "theme: unknown theme 'blue'"),
])
def test_options_are_checked_at_the_call(options, error, words):
    """Issue 19: fontsize=1e9 ended in Pango's CRITICAL message, "14" in "Unknown format code
    'g'", nan and -5 were accepted."""
    loss, _ = example()
    with pytest.raises(error, match=words):
        draw_graph(loss, **options)


@pytest.mark.parametrize("dpi, error, words", [
    (0, ValueError, "dpi must be from 10 to 2400 dots per inch, got 0"),
    (1e9, ValueError, "dpi must be from 10 to 2400"), (float("inf"), ValueError, "got inf"),
    ("200", TypeError, "dpi must be a number of dots per inch, got '200'"),
])
def test_a_resolution_is_checked_before_rendering(dpi, error, words, tmp_path):
    graph = draw_graph(example()[0])
    with pytest.raises(error, match=words):
        graph.pipe(format="png", dpi=dpi)
    with pytest.raises(error, match=words):
        graph.render(tmp_path / "g", format="png", dpi=dpi)
