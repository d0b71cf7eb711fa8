"""Drawing a computation graph: values, gradients, operations and local derivatives.

Each value is one box: its name and how it was computed ("z = x × y"), its data and its grad,
inside the nested boxes its `group` names. Each edge runs from a parent into a slot of its
child's box that holds ∂child/∂parent, the number the chain rule multiplies by: one slot per
parent, in the parents' order, so every number belongs to exactly one edge however the edges
cross. Drawn at a step of `backward_steps`, the current node and the edges it sends gradient
along are highlighted and gradients not yet reached are pending; every box then has the size
it has at every other step of the pass, so each node stays where it is from step to step.
"""

from __future__ import annotations

import itertools
import math
import re
import textwrap
from html import escape

import graphviz

from ..graph import local_derivatives, topological_order
from ..rules import SUBSCRIPT, SUPERSCRIPT
from ..value import Value
from .dot import Drawing
from .notation import expression, is_constant, node_names, number
from .progress import Progress
from .steps import BackwardPass, Step
from .theme import Theme
from .theme import theme as find_theme

# Arial, not Helvetica: Graphviz's `dot` maps "Helvetica" to a wider font (DejaVu Sans) than
# the browser draws, while both find Arial (or its metric twin Liberation Sans) the same way.
FONT = "Arial"
FONTSIZES = (6, 72)  # the font sizes a drawing accepts, in points
_LINE = 20  # characters of a box's title line; a longer expression is wrapped
# Where the slots sit for each direction of the layout: the side parents come from.
_SLOTS = {"LR": "w", "RL": "e", "TB": "n", "BT": "s"}


def draw_graph(
    root: Value, *, rankdir: str = "LR", show_grad: bool = True, show_local_grads: bool = True,
    step: Step | BackwardPass | None = None, max_nodes: int = 500, theme: str = "light",
    fontsize: float = 14, caption: bool = True,
) -> Drawing:
    """The graph `root` depends on, as a `graphviz.Digraph` (shown inline by Jupyter).

    `step` draws the graph as it stands after that step of `backward_steps(root)`, or, given
    the pass's `BackwardPass` (`step.trace`), before its first step: the forward pass alone,
    with the step's chain rule written under the picture unless `caption` is false. `theme`
    is "light" or "dark", `fontsize` in points (6 to 72); for a sharper PNG,
    `.pipe(format="png", dpi=200)` (10 to 2400). Graphs with more than `max_nodes` nodes are
    refused: `dot` would take minutes to lay them out. Names and groups are drawn as text,
    never read as markup. Drawing reads the graph and never changes it.
    """
    if not isinstance(root, Value):
        raise TypeError(f"draw_graph: expected the Value to draw, got {root!r}")
    _check_options(rankdir, max_nodes, fontsize)
    colours = find_theme(theme)
    order = topological_order(root)
    names = _names(root, order, step, max_nodes)
    progress = Progress(order, step)
    graph = _canvas(colours, rankdir, fontsize)
    boxes = _Boxes(graph, colours, fontsize)
    ids = {node: f"n{i}" for i, node in enumerate(order)}
    computing = {node.group[:depth] for node in order if node.parents
                 for depth in range(1, len(_group(node)) + 1)}
    for node in order:
        kind = _kind(node, root, computing)
        fill, border = colours.kinds[kind]
        attrs = {"fillcolor": fill, "color": border,
                 "tooltip": graphviz.escape(_tooltip(node, names)),
                 "class": " ".join(["value", kind, *progress.classes(node)]),
                 "penwidth": "2" if node is root else "1.2"}
        current = node is progress.current
        if current:
            attrs.update(color=colours.current, fillcolor=colours.current_fill)
        slots = [number(d) for d in local_derivatives(node)] if show_local_grads else []
        cells = _Cells(names, colours, rankdir, fontsize, _widths(progress, node, fontsize),
                       current)
        grad = _grad_markup(progress, node, colours) if show_grad else None
        boxes.at(_group(node)).node(ids[node], cells.label(node, grad, slots), **attrs)
        _edges(graph, node, ids, rankdir if slots else None, colours if current else None)
    boxes.stack_leaves(order, ids)
    boxes.close()
    if step is not None and caption:
        graph.attr(label=_caption(step, fontsize), labelloc="b")
    return graph


draw_dot = draw_graph  # micrograd's name for it, which its notebooks call


def _names(
    root: Value, order: list[Value], step: Step | BackwardPass | None, max_nodes: int
) -> dict:
    """What the drawing calls each node (the step's pass's names), once the graph is known
    to be small enough to lay out and the step to come from it."""
    if len(order) > max_nodes:
        raise ValueError(
            f"draw_graph: the graph has {len(order)} nodes, more than max_nodes={max_nodes}; "
            "laying it out would take very long and the picture would be unreadable. Draw a "
            f"smaller part of it, or pass max_nodes={len(order)} to draw it anyway."
        )
    trace = step if isinstance(step, BackwardPass) or step is None else step.trace
    if trace is not None and trace.root is not root:
        raise ValueError("draw_graph: step comes from backward_steps of another graph")
    return node_names(order) if trace is None else trace.names


def _canvas(colours: Theme, rankdir: str, fontsize: float) -> Drawing:
    """An empty drawing in the theme's colours and the font's size."""
    size = f"{fontsize:g}"
    return Drawing(
        name="computation graph", format="svg",
        graph_attr={"rankdir": rankdir, "newrank": "true", "nodesep": "0.2", "ranksep": "0.3",
                    "bgcolor": colours.background, "fontname": FONT, "fontsize": size,
                    "fontcolor": colours.text, "labeljust": "l"},
        node_attr={"fontname": FONT, "fontsize": size, "fontcolor": colours.text,
                   "shape": "box", "style": "rounded,filled", "margin": "0.05,0.03"},
        edge_attr={"color": colours.edge, "arrowsize": "0.7"},
    )


def _edges(graph: Drawing, node: Value, ids: dict[Value, str], slotted: str | None,
           current: Theme | None) -> None:
    """An edge from each parent into `node` (into its slot for that parent's local derivative,
    on the `slotted` side, if it shows them), in `current`'s colours at the step's node."""
    for i, parent in enumerate(node.parents):
        head = f"{ids[node]}:s{i}:{_SLOTS[slotted]}" if slotted else ids[node]
        edge = {"class": "local-grad current" if current else "local-grad"}
        if current:
            edge.update(color=current.current, penwidth="2.5")
        if _group(parent) != _group(node):
            edge["minlen"] = "2"  # a box never shares a rank with what feeds it
        graph.edge(ids[parent], head, **edge)


def _check_options(rankdir: str, max_nodes: int, fontsize: float) -> None:
    """Refuse, before any work, options no drawing can be made with."""
    if rankdir not in _SLOTS:
        raise ValueError(f"draw_graph: rankdir must be one of {tuple(_SLOTS)}, got {rankdir!r}")
    if isinstance(max_nodes, bool) or not isinstance(max_nodes, int):
        raise TypeError(f"draw_graph: max_nodes must be a whole number, got {max_nodes!r}")
    if max_nodes < 1:
        raise ValueError(f"draw_graph: max_nodes must be at least 1, got {max_nodes!r}")
    if isinstance(fontsize, bool) or not isinstance(fontsize, (int, float)):
        raise TypeError(f"draw_graph: fontsize must be a number of points, got {fontsize!r}")
    if not (math.isfinite(fontsize) and FONTSIZES[0] <= fontsize <= FONTSIZES[1]):
        raise ValueError(f"draw_graph: fontsize must be from {FONTSIZES[0]} to {FONTSIZES[1]} "
                         f"points, got {fontsize!r}")


def _grad_markup(progress: Progress, node: Value, colours: Theme) -> str:
    """The gradient as the grad cell shows it: muted until complete, then bold."""
    state = progress.state(node)
    text = progress.shown(node, state)
    if state == "complete":
        return f"<B>{text}</B>"
    return f'<FONT COLOR="{colours.muted}">{escape(text)}</FONT>'


def _widths(progress: Progress, node: Value, fontsize: float) -> tuple[float, float] | None:
    """The widths of the data and grad cells at every step of the pass, fit to the widest
    number the node shows at any of them, so no box changes size from step to step. None
    without a step: each cell fits what it holds."""
    if progress.step is None:
        return None
    widest = max(_width(text, fontsize) for text in progress.every_shown(node))
    return _width(number(node.data), fontsize), widest


# Helvetica's advance widths in thousandths of an em (bold digits are as wide), for the
# characters numbers are written with; any other counts as 0.6 em.
_ADVANCE = {**dict.fromkeys("0123456789e?na", 556), ".": 278, "-": 333, "+": 584, " ": 278,
            "…": 1000, "∞": 713}


def _width(text: str, fontsize: float) -> float:
    """The width in points `text` needs at `fontsize`, with a margin, rounded up."""
    return -(-sum(_ADVANCE.get(c, 600) for c in text) * fontsize * 1.1 // 1000) + 4


def _line(fontsize: float) -> int:
    """The height of a line of text at `fontsize` and its cell's padding, with room for both
    renderers' measures."""
    return math.ceil(fontsize * 1.2) + 2


def _caption(step: Step | BackwardPass, fontsize: float) -> str:
    """The step's chain rule under the picture, one line per parent, in a box as large as the
    caption of any step of the pass needs, so that no caption moves the drawing."""
    trace = step if isinstance(step, BackwardPass) else step.trace
    every = [_caption_lines(trace, k) for k in range(len(trace.steps) + 1)]
    width = max(_width(line, fontsize) for lines in every for line in lines)
    height = max(map(len, every)) * _line(fontsize)
    lines = _caption_lines(trace, 0) if isinstance(step, BackwardPass) else [
        f"step {step.index + 1}: at {trace.names[step.node]}", *str(step).splitlines()]
    text = "".join(f'{escape(line)}<BR ALIGN="LEFT"/>' for line in lines)
    return (f'<<TABLE BORDER="0" CELLPADDING="4"><TR><TD WIDTH="{width:g}" HEIGHT="{height}" '
            f'FIXEDSIZE="TRUE" ALIGN="LEFT" VALIGN="TOP">{text}</TD></TR></TABLE>>')


def _caption_lines(trace: BackwardPass, k: int) -> list[str]:
    """Frame k's caption: the forward pass (k = 0), or step k's chain rule."""
    if k == 0:
        return ["step 0: the forward pass; no gradient yet"]
    step = trace.steps[k - 1]
    return [f"step {k}: at {trace.names[step.node]}", *trace.texts[k - 1].splitlines()]


def _kind(node: Value, root: Value, computing: set[tuple[str, ...]]) -> str:
    """A leaf boxed with values computed from it (a neuron's weights) is a parameter; another
    named leaf an input, an unnamed one a constant."""
    if node is root:
        return "output"
    if node.parents:
        return "intermediate"
    if node.group in computing:
        return "parameter"
    return "constant" if is_constant(node) else "input"


def _group(node: Value) -> tuple[str, ...]:
    """`node.group`, checked: a drawing boxes a value only in a tuple of names."""
    group = node.group
    if not isinstance(group, tuple) or not all(isinstance(g, str) for g in group):
        raise TypeError(
            f"draw_graph: {node!r} has group={group!r}; a group is a tuple of names, "
            'outermost first, such as ("layer 1", "neuron 2")'
        )
    return group


def _tooltip(node: Value, names: dict[Value, str]) -> str:
    """What the picture rounds or renames: the name given, the op as the engine calls it, data."""
    name = names[node] if node.name in (None, names[node]) else f"{names[node]} ({node.name})"
    op = f"op {node.op!r}" if node.op else "leaf"
    return f"{name}: {op}, data={node.data!r}"


class _Cells:
    """A box's HTML-like label: name (= expression) over data and grad, beside the slots
    where the edges from its parents end, each holding that edge's local derivative."""

    def __init__(self, names: dict[Value, str], colours: Theme, rankdir: str, fontsize: float,
                 widths: tuple[float, float] | None, current: bool) -> None:
        self.names = names
        self.fontsize = fontsize
        self.colours = colours
        self.rankdir = rankdir
        self.widths = widths or (None, None)
        self.current = current

    def label(self, node: Value, grad: str | None, slots: list[str]) -> str:
        rows = [*(f'<TR><TD ALIGN="LEFT" BALIGN="LEFT">{line}</TD></TR>'
                for line in self._title(node)),
                self._row("data", number(node.data), self.widths[0])]
        if grad is not None:
            rows.append(self._row("grad", grad, self.widths[1]))
        info = _table("".join(rows), 'CELLPADDING="1"')
        if not slots:
            return f"<{info}>"
        return f"<{self._beside(info, self._slots(slots))}>"

    def _title(self, node: Value) -> list[str]:
        """The name in bold, then "= expression" unless the name is the expression, on lines
        of its own, wrapped so that a long sum does not widen the box."""
        name = self.names[node]
        title = [f"<B>{_markup(name, self.fontsize)}</B>"]
        written = expression(node, self.names) if node.parents else name
        if written == name:
            return title
        return title + [f'<FONT COLOR="{self.colours.muted}">{_markup(line, self.fontsize)}</FONT>'
                        for line in textwrap.wrap(f"= {written}", _LINE)]

    def _row(self, key: str, value: str, width: float | None) -> str:
        """A key and its number, left-aligned: renderers place text by the width they measure,
        which is not always the width a browser draws."""
        size = "" if width is None else (
            f' WIDTH="{width + _width(key + " ", self.fontsize):g}" FIXEDSIZE="TRUE"'
            f' HEIGHT="{_line(self.fontsize)}"')
        return (f'<TR><TD ALIGN="LEFT"{size}>'
                f'<FONT COLOR="{self.colours.muted}">{key}</FONT> {value}</TD></TR>')

    def _slots(self, slots: list[str]) -> str:
        colour = self.colours.current if self.current else self.colours.local
        cells = [f'<TD PORT="s{i}" ALIGN="RIGHT"><FONT COLOR="{colour}">'
                 f"{f'<B>{text}</B>' if self.current else text}</FONT></TD>"
                 for i, text in enumerate(slots)]
        across = self.rankdir in ("TB", "BT")
        body = f"<TR>{''.join(cells)}</TR>" if across else "".join(f"<TR>{c}</TR>" for c in cells)
        return _table(body, f'CELLBORDER="1" CELLPADDING="2" COLOR="{self.colours.cluster_border}"')

    def _beside(self, info: str, slots: str) -> str:
        """The slots on the side the parents come from."""
        first, second = (info, slots) if self.rankdir in ("RL", "BT") else (slots, info)
        if self.rankdir in ("TB", "BT"):
            body = f"<TR><TD>{first}</TD></TR><TR><TD>{second}</TD></TR>"
        else:
            body = f'<TR><TD VALIGN="TOP">{first}</TD><TD VALIGN="TOP">{second}</TD></TR>'
        return _table(body, 'CELLPADDING="0"')


# Unicode's small digits as <SUB> and <SUP> in a smaller font: renderers measure plain digits
# well and these badly (graphviz-pure as three spaces each), which widened every box.
_SCRIPTS = {**{chr(small): "SUB" for small in SUBSCRIPT.values()},
            **{chr(small): "SUP" for small in SUPERSCRIPT.values()}}
_PLAIN = {small: plain for table in (SUBSCRIPT, SUPERSCRIPT) for plain, small in table.items()}


def _markup(text: str, fontsize: float) -> str:
    """`text` for an HTML-like label, drawn as typed: escaped, its line breaks kept, its
    subscripts and superscripts marked up (in a whole number of points, which is all that
    Graphviz 2.43 sets them in)."""
    marked = []
    for script, run in itertools.groupby(text, _SCRIPTS.get):
        run = escape("".join(run))
        if script is not None:
            run = (f'<{script}><FONT POINT-SIZE="{round(fontsize * 0.7)}">'
                   f"{run.translate(_PLAIN)}</FONT></{script}>")
        marked.append(run)
    return '<BR ALIGN="LEFT"/>'.join("".join(marked).splitlines() or [""])


def _table(body: str, attributes: str) -> str:
    return f'<TABLE BORDER="0" CELLSPACING="0" {attributes}>{body}</TABLE>'


class _Boxes:
    """The nested clusters that values' groups name, filled in as values are drawn and added
    to the graph at the end: siblings in the natural order of their names (layer 2 before
    layer 10), values in each in the order they were drawn."""

    def __init__(self, graph: Drawing, colours: Theme, fontsize: float) -> None:
        self.graph = graph
        self.colours = colours
        self.fontsize = fontsize
        self.boxes: dict[tuple[str, ...], Drawing] = {(): graph}

    def at(self, group: tuple[str, ...]) -> Drawing:
        for depth in range(1, len(group) + 1):
            path = group[:depth]
            if path not in self.boxes:
                self.boxes[path] = Drawing(name=f"cluster_{len(self.boxes)}", graph_attr={
                    "label": f"<{_markup(path[-1], self.fontsize)}>",  # text, never markup
                    "style": "rounded,filled",
                    "fillcolor": self.colours.cluster_fill, "color": self.colours.cluster_border,
                    "fontcolor": self.colours.muted, "labeljust": "l",
                })
        return self.boxes[group]

    def stack_leaves(self, order: list[Value], ids: dict[Value, str]) -> None:
        """Leaves that feed one node from one box are stacked in the node's order of parents
        (x1 above x2, w₁₁ above w₁₂ above b₁), each leaf by the first node it feeds."""
        stacked: set[Value] = set()
        for node in order:
            by_box: dict[tuple[str, ...], list[Value]] = {}
            for parent in dict.fromkeys(node.parents):
                if not parent.parents and parent not in stacked:
                    by_box.setdefault(_group(parent), []).append(parent)
            for group, leaves in by_box.items():
                if len(leaves) > 1:
                    stacked.update(leaves)
                    with self.boxes[group].subgraph() as rank:
                        rank.attr(rank="same")
                        for upper, lower in itertools.pairwise(leaves):
                            rank.edge(ids[upper], ids[lower], style="invis")

    def close(self) -> None:
        """Put each box inside its parent, deepest first, siblings in natural order."""
        for path in sorted(self.boxes, key=lambda p: (-len(p), [_natural(g) for g in p])):
            if path:
                self.boxes[path[:-1]].subgraph(self.boxes[path])


def _natural(name: str) -> list:
    """"layer 10" after "layer 2": runs of digits compared as numbers."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", name)]
