"""draw_graph: read back from the rendered SVG, every value, gradient and local derivative."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from collections import defaultdict

import pytest
from hypothesis import given, settings

from autodiff import Value, backward_steps, draw_graph, topological_order
from autodiff.notation import expression, factor, node_names, number, parameter
from graphs import build, leaves, operations

SVG = "{http://www.w3.org/2000/svg}"


def parse(graph) -> tuple[dict, dict]:
    """{node id: (classes, texts)} and {"a->b": [(classes, texts, stroke), ...]} of the SVG."""
    root = ET.fromstring(graph.pipe(format="svg"))
    nodes, edges = {}, defaultdict(list)
    for group in root.iter(f"{SVG}g"):
        classes = set(group.get("class", "").split())
        title = group.findtext(f"{SVG}title")
        texts = [t.text.strip() for t in group.iter(f"{SVG}text") if t.text]
        if "node" in classes:
            nodes[title] = (classes, texts)
        elif "edge" in classes:
            stroke = group.find(f"{SVG}path").get("stroke")
            edges[title].append((classes, texts, stroke))
    return nodes, dict(edges)


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
    nodes, edges = parse(draw_graph(root))
    names, id_of = node_names(topological_order(root)), ids(root)
    assert set(nodes) == set(id_of.values())
    for node, nid in id_of.items():
        classes, texts = nodes[nid]
        assert "value" in classes
        assert names[node] in texts
        assert ["data", number(node.data), "grad", number(node.grad)] == texts[-4:]
        for parent, local in zip(node.parents, node.local_grads):
            labels = [texts for _, texts, _ in edges[f"{id_of[parent]}->{nid}"]]
            assert [number(local)] in labels
    assert sum(len(e) for e in edges.values()) == sum(len(n.parents) for n in id_of)


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
    loss, v = example()
    source = draw_graph(loss).source
    assert "<B>z</B>" in source and "= x × y" in source
    assert "= v3²" in source and "= v4 + v5" in source and "= tanh(v6)" in source
    assert "op '**2'" in source and "op '*'" in source


def test_leaves_constants_parameters_and_the_output_are_told_apart():
    w = Value(0.5, name="layers.0.neurons.1.w.2")
    b = Value(0.1, name="layers.0.neurons.1.b")
    x = Value(1.0, name="x")
    loss = (w * x + b) * 2.0
    nodes, _ = parse(draw_graph(loss))
    kinds = {texts[0]: classes & {"input", "constant", "parameter", "intermediate", "output"}
             for classes, texts in nodes.values()}
    assert kinds["w₂₃⁽¹⁾"] == kinds["b₂⁽¹⁾"] == {"parameter"}
    assert kinds["x"] == {"input"} and kinds["L"] == {"output"}
    assert sorted(next(iter(k)) for k in kinds.values()).count("constant") == 1
    assert sorted(next(iter(k)) for k in kinds.values()).count("intermediate") == 2


def test_parameters_are_clustered_per_neuron_inside_their_layer():
    names = ["layers.0.neurons.0.w.0", "layers.0.neurons.0.b", "layers.0.neurons.1.w.0",
             "layers.1.neurons.0.w.0"]
    params = [Value(1.0, name=n) for n in names]
    loss = params[0] * params[1] + params[2] * params[3]
    source = draw_graph(loss).source
    layer1 = source.index("subgraph cluster_layer1 {")
    neurons = [source.index(f"subgraph cluster_neuron_1_{j} {{") for j in (1, 2)]
    layer2 = source.index("subgraph cluster_layer2 {")
    assert layer1 < min(neurons) and max(neurons) < layer2 < source.index("cluster_neuron_2_1")
    nodes, _ = parse(draw_graph(loss))
    assert [n for n in ("w₁₁⁽¹⁾", "b₁⁽¹⁾", "w₂₁⁽¹⁾", "w₁₁⁽²⁾")
            if not any(texts[0] == n for _, texts in nodes.values())] == []


def test_stand_alone_neuron_names_and_a_plain_b():
    neuron = [Value(1.0, name="w.0"), Value(2.0, name="w.11"), Value(3.0, name="b")]
    source = draw_graph(neuron[0] * neuron[1] + neuron[2]).source
    assert "<B>w₁</B>" in source and "<B>w₁₂</B>" in source and "cluster_neuron {" in source
    a, b = Value(1.0, name="a"), Value(2.0, name="b")
    plain = draw_graph(a * b).source
    assert "cluster" not in plain and 'class="value input"' in plain


def test_a_step_is_drawn_with_its_node_highlighted_and_pending_gradients():
    loss, v = example()
    for node in topological_order(loss):
        node.grad = 0.0
    steps = list(backward_steps(loss))
    finished_nodes, finished_edges = parse(draw_graph(loss))
    id_of = ids(loss)
    x, y, z = (id_of[v[name]] for name in "xyz")
    # at v3 = z + x: x has one of its two contributions, y none yet
    step = next(s for s in steps if s.node.parents == (v["z"], v["x"]))
    sum_ = id_of[step.node]
    nodes, edges = parse(draw_graph(loss, step=step))
    assert [nid for nid, (classes, _) in nodes.items() if "current" in classes] == [sum_]
    assert "pending" in nodes[y][0] and nodes[y][1][-1] == "?"
    assert "partial" in nodes[x][0] and nodes[x][1][-1] == f"{number(step.grad)} + ..."
    assert "complete" in nodes[z][0] and "complete" in nodes[id_of[loss]][0]
    assert {nid for nid in nodes if nodes[nid][1] != finished_nodes[nid][1]} == {x, y}
    highlighted = {title for title, drawn in edges.items()
                   if any("current" in classes for classes, _, _ in drawn)}
    assert highlighted == {f"{z}->{sum_}", f"{x}->{sum_}"}
    (classes, label, stroke), = edges[f"{z}->{sum_}"]
    assert label == [f"{factor(step.grad)} · 1 = {number(step.grad)}"]
    assert stroke != finished_edges[f"{z}->{sum_}"][0][2]
    assert "∂L/∂x += ∂L/∂v3 · ∂v3/∂x" in draw_graph(loss, step=step).source  # the caption


def test_the_last_step_shows_every_gradient_as_backward_leaves_it():
    loss, _ = example()
    for node in topological_order(loss):
        node.grad = 0.0
    *_, last = backward_steps(loss)
    nodes, _ = parse(draw_graph(loss, step=last))
    finished, _ = parse(draw_graph(loss))
    assert {nid: texts for nid, (_, texts) in nodes.items()} == {
        nid: texts for nid, (_, texts) in finished.items()}


def test_options_leave_out_gradients_and_local_derivatives():
    loss, _ = example()
    nodes, edges = parse(draw_graph(loss, show_grad=False, show_local_grads=False,
                                    rankdir="TB"))
    assert all("grad" not in texts for _, texts in nodes.values())
    assert all(texts == [] for drawn in edges.values() for _, texts, _ in drawn)


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


@pytest.mark.parametrize("name, symbol", [
    ("layers.0.neurons.1.w.2", "w₂₃⁽¹⁾"), ("layers.9.neurons.10.w.0", "w₁₁,₁⁽¹⁰⁾"),
    ("layers.1.neurons.0.b", "b₁⁽²⁾"), ("neurons.2.w.0", "w₃₁"), ("w.4", "w₅"),
    ("layers.0.w.1", None), ("weights", None),
])
def test_nn_parameter_names_in_the_backprop_notation(name, symbol):
    found = parameter(name)
    assert (found and found.symbol) == symbol


def test_every_operation_has_a_readable_expression():
    x, y = Value(0.5, name="x"), Value(2.0, name="y")
    made = [x - y, x / y, -x, x**3, x**-1, x**0.5, x**y, x.exp(), x.log(), x.sigmoid(),
            x.relu(), x.sqrt(), abs(x)]
    expected = ["x − y", "x ÷ y", "−x", "x³", "x⁻¹", "x^0.5", "x ^ y", "exp(x)", "log(x)",
                "σ(x)", "ReLU(x)", "√x", "|x|"]
    assert [expression(v, {x: "x", y: "y"}) for v in made] == expected


def test_gradients_that_are_graphs_are_drawn_by_their_value():
    x = Value(1.5, name="x")
    y = (x * x).sin()
    y.backward(create_graph=True)  # x.grad is a Value: 2x·cos(x²)
    text = "".join(ET.fromstring(draw_graph(y).pipe(format="svg")).itertext())
    assert number(x.grad.data) in text
    grad_graph = ET.fromstring(draw_graph(x.grad).pipe(format="svg"))  # the gradient's own graph
    assert "cos" in "".join(grad_graph.itertext())
