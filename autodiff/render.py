"""Drawing a computation graph: values, gradients, operations and local derivatives.

Each value is one box: its name and how it was computed ("z = x × y"), its data and its grad.
Each edge runs from a parent to its child and carries ∂child/∂parent, the number the chain
rule multiplies by. Drawn at a step of `backward_steps`, the current node and the edges it
sends gradient along are highlighted and gradients not yet reached are shown as pending.
"""

from __future__ import annotations

from collections import Counter
from html import escape

from .dot import Digraph
from .graph import local_derivatives, topological_order
from .notation import Parameter, expression, factor, node_names, number, parameters
from .steps import Step
from .value import Value

FONT = "Helvetica"
MUTED = "#6b7280"
LOCAL = "#1d4ed8"  # local derivatives on edges
CURRENT = "#ea580c"  # the node a step is at, and the edges it sends gradient along

# kind: (fill, border)
STYLES = {
    "input": ("#dbeafe", "#2563eb"),
    "constant": ("#f3f4f6", "#9ca3af"),
    "parameter": ("#fef3c7", "#d97706"),
    "intermediate": ("#ffffff", "#4b5563"),
    "output": ("#dcfce7", "#16a34a"),
}


def draw_graph(
    root: Value,
    *,
    rankdir: str = "LR",
    show_grad: bool = True,
    show_local_grads: bool = True,
    step: Step | None = None,
    max_nodes: int = 500,
) -> Digraph:
    """The graph `root` depends on, as a `graphviz.Digraph` (shown inline by Jupyter).

    `step` draws the graph as it stands at that step of `backward_steps(root)`. Graphs with
    more than `max_nodes` nodes are refused: `dot` would take minutes to lay them out.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: expected the Value to draw, got {root!r}")
    order = topological_order(root)
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            "laying it out would take very long and the picture would be unreadable. Draw a "
            f"smaller part of it, or pass max_nodes={len(order)} to draw it anyway."
        )
    if step is not None and step.trace.root is not root:
        raise ValueError("draw_graph: step comes from backward_steps of another graph")
    names = node_names(order)
    params = parameters(order)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    progress = _Progress(order, step)

    graph = Digraph(
        name="computation graph",
        graph_attr={"rankdir": rankdir, "fontname": FONT, "nodesep": "0.3", "ranksep": "0.6",
                    "bgcolor": "white", "labeljust": "l"},
        node_attr={"fontname": FONT, "fontsize": "12", "shape": "box",
                   "style": "rounded,filled", "margin": "0.05,0.03"},
        edge_attr={"fontname": FONT, "fontsize": "11", "color": "#4b5563",
                   "fontcolor": LOCAL, "arrowsize": "0.7"},
    )
    neurons: dict[tuple[int | None, int | None], Digraph] = {}
    for node in order:
        kind = _kind(node, root, params)
        fill, border = STYLES[kind]
        classes = ["value", kind, *progress.classes(node)]
        attrs = {"fillcolor": fill, "color": border, "class": " ".join(classes),
                 "tooltip": _tooltip(node, names)}
        if node is root:
            attrs["penwidth"] = "2"
        if node is progress.current:
            attrs.update(color=CURRENT, penwidth="3")
        label = _label(node, names, progress.grad_text(node) if show_grad else None)
        place = _neuron(neurons, params[node]) if node in params else graph
        place.node(ids[node], label, **attrs)
        for parent, local in zip(node.parents, local_derivatives(node)):
            graph.edge(ids[parent], ids[node], **_edge(node, local, show_local_grads, progress))
    _add_clusters(graph, neurons)
    if step is not None:
        graph.attr(label=_caption(step), labelloc="b", fontsize="13")
    return graph


draw_dot = draw_graph  # micrograd's name for it, which its notebooks call


class _Progress:
    """How far backward has got at a step: which gradients are complete, partial or pending.

    Without a step, backward has finished: every gradient is shown as `.grad` holds it.
    """

    def __init__(self, order: list[Value], step: Step | None) -> None:
        self.step = step
        self.current = step.node if step is not None else None
        if step is None:
            return
        self.totals = step.totals()
        self.uses = Counter(parent for node in order for parent in node.parents)
        self.received: Counter[Value] = Counter()
        at: Step | None = step
        while at is not None:
            self.received.update(term.parent for term in at.terms)
            at = at.previous

    def state(self, node: Value) -> str:
        if self.step is None:
            return "complete"
        if node not in self.totals:
            return "pending"
        return "complete" if self.received[node] == self.uses[node] else "partial"

    def classes(self, node: Value) -> list[str]:
        if self.step is None:
            return []
        return [self.state(node), *(["current"] if node is self.current else [])]

    def grad_text(self, node: Value) -> str:
        """The gradient as it stands: pending ones as ?, partial sums followed by + ..."""
        state = self.state(node)
        if state == "pending":
            return f'<FONT COLOR="{MUTED}">?</FONT>'
        if self.step is None:
            return f"<B>{number(node.grad)}</B>"
        grad = number(self.step.trace.grad(node, self.totals[node]))
        if state == "partial":
            return f'<FONT COLOR="{MUTED}">{grad} + ...</FONT>'
        return f"<B>{grad}</B>"


def _caption(step: Step) -> str:
    """The step's chain rule under the picture, one left-aligned line per parent."""
    lines = [f"step {step.index + 1}: at {step.trace.names[step.node]}", *str(step).splitlines()]
    return "".join(line + "\\l" for line in lines)


def _kind(node: Value, root: Value, params: dict[Value, Parameter]) -> str:
    if node is root:
        return "output"
    if node in params:
        return "parameter"
    if node.parents:
        return "intermediate"
    return "input" if node.name is not None else "constant"


def _label(node: Value, names: dict[Value, str], grad: str | None) -> str:
    """An HTML-like label: name (= expression) over data and grad."""
    title = f"<B>{escape(names[node])}</B>"
    if node.parents:
        title += f' <FONT COLOR="{MUTED}">= {escape(expression(node, names))}</FONT>'
    rows = [f'<TR><TD COLSPAN="2">{title}</TD></TR>', _row("data", number(node.data))]
    if grad is not None:
        rows.append(_row("grad", grad))
    return f'<<TABLE BORDER="0" CELLSPACING="0" CELLPADDING="2">{"".join(rows)}</TABLE>>'


def _row(key: str, value: str) -> str:
    return (f'<TR><TD ALIGN="LEFT"><FONT COLOR="{MUTED}">{key}</FONT></TD>'
            f'<TD ALIGN="RIGHT">{value}</TD></TR>')


def _tooltip(node: Value, names: dict[Value, str]) -> str:
    """What the picture rounds or renames: the name given, the op as the engine calls it, data."""
    name = names[node] if node.name in (None, names[node]) else f"{names[node]} ({node.name})"
    op = f"op {node.op!r}" if node.op else "leaf"
    return f"{name}: {op}, data={node.data!r}"


def _edge(child: Value, local: float, show_local_grads: bool, progress: _Progress) -> dict:
    attrs = {"class": "local-grad"}
    if show_local_grads:
        attrs["label"] = f" {number(local)} "
    if child is progress.current:
        gradient = progress.step.grad
        attrs.update({"class": "local-grad current", "color": CURRENT, "fontcolor": CURRENT,
                      "penwidth": "2.5"})
        if show_local_grads:
            attrs["label"] = f" {factor(gradient)} · {factor(local)} = {number(local * gradient)} "
    return attrs


def _add_clusters(graph: Digraph, neurons: dict[tuple[int | None, int | None], Digraph]) -> None:
    """Each neuron's parameters boxed together, and a network's neurons boxed per layer."""
    layers: dict[int, Digraph] = {}
    for (layer, _), cluster in sorted(neurons.items(), key=_by_position):
        if layer is None:
            graph.subgraph(cluster)
            continue
        if layer not in layers:
            layers[layer] = _cluster(f"cluster_layer{layer}", f"layer {layer}", "#f9fafb")
        layers[layer].subgraph(cluster)
    for layer in sorted(layers):
        graph.subgraph(layers[layer])


def _by_position(item: tuple) -> tuple[int, int]:
    return tuple(0 if i is None else i for i in item[0])


def _neuron(neurons: dict, param: Parameter) -> Digraph:
    key = (param.layer, param.neuron)
    if key not in neurons:
        suffix = "".join(f"_{i}" for i in key if i is not None)
        label = "neuron" if param.neuron is None else f"neuron {param.neuron}"
        neurons[key] = _cluster(f"cluster_neuron{suffix}", label, "#fffbeb")
    return neurons[key]


def _cluster(name: str, label: str, fill: str) -> Digraph:
    return Digraph(name=name, graph_attr={
        "label": label, "style": "rounded,filled", "fillcolor": fill, "color": "#d1d5db",
        "fontcolor": MUTED, "fontsize": "11", "labeljust": "l",
    })
