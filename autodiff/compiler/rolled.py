"""The replay of a large graph: runs of repeated operations written once, as loops over tables.

Python compiles straight-line code at several microseconds a line, which for a graph of 10^5
nodes takes longer than many eager runs of it. Above `ROLL_ABOVE` nodes the replay keeps the
values in a list `V` and the gradients in a list `G`, and a run of nodes that repeat the same
operations (a chain v·0.5 + 0.5, the same layer over a batch) is written once, as a loop over a
table of the nodes' positions in `V`. Each node still computes its value with its primitive's
forward function and adds the same terms into its parents' gradients, in the order
`graph.backward_pass` adds them, into sums that start at 0.0 as there: the same bits.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import NamedTuple

from ..value import Value
from .captures import Ways
from .codegen import RecordedGraph, Replay, Writer, compilable, listed, product
from .tracing import Symbol

ROLL_ABOVE = 20_000  # nodes; below, straight-line code (faster per call) compiles quickly
_MIN_REPEATS = 8  # repetitions that make a run worth a loop
_MAX_PERIOD = 64  # nodes in the body of a loop


class Loop(NamedTuple):
    """A run of nodes as the code reads it: the nodes of one repetition, how each reads its
    place and its parents' (value, place), the loop's targets and the name of its table."""

    body: list[int]
    slots: list[tuple[str, list[tuple[str, str]]]]
    targets: str  # "" (and no table) for a run that does not repeat
    table: str


def write_rolled_replay(graph: RecordedGraph, ways: Ways, count: int | None) -> Replay:
    """As `codegen.write_replay`, with runs of repeated operations rolled into loops."""
    return RolledWriter(graph, ways).replay(count)


class RolledWriter(Writer):
    """A replay whose nodes live in lists, runs of them computed by loops."""

    def __init__(self, graph: RecordedGraph, ways: Ways) -> None:
        super().__init__(graph, ways)
        at, bind = graph.at, self.code.bind
        self.name = [f"V[{i}]" for i in range(len(graph.order))]
        start = tuple(node.data if node in graph.constants else 0.0 for node in graph.order)
        params = [f"x{k}" for k in range(len(graph.inputs))]
        self.lines = [f"def replay({', '.join(params)}):",
                      f"    V = {bind(list, 'F')}({bind(start, 'K')})"]
        self.lines += [f"    V[{at[x]}] = x{k}" for k, x in enumerate(graph.inputs) if x in at]
        self.computed: list[int] = []  # the nodes f made, in order
        self.parents: dict[int, list[int]] = {}  # their parents' places
        self._loops: dict[tuple[int, int, int], Loop] = {}

    def constant(self, i: int, node: Value) -> None:
        """Constants are in V from the start."""

    def forward(self) -> None:
        graph, needs = self.graph, self.needs
        for i, node in enumerate(graph.order):
            if not self.leaf(i, node):
                compilable(node)
                self.computed.append(i)
                self.parents[i] = places = [graph.at[p] for p in node.parents]
                needs[i] = any(needs[p] for p in places)
        self.wanted = self._wanted()
        self.runs = list(_runs([self._shape(i) for i in self.computed]))
        for run in self.runs:
            self._write(run, forward=True)

    def _wanted(self) -> list[bool]:
        """Which nodes' gradients the backward pass computes: those with an input upstream
        that backward reaches from the outputs (not a guard's operand alone)."""
        graph = self.graph
        reached = [False] * len(graph.order)
        for o in graph.outputs:
            if isinstance(o, Value):
                reached[graph.at[o]] = True
        for i in reversed(self.computed):
            if reached[i]:
                for p in self.parents[i]:
                    reached[p] = True
        return [r and n for r, n in zip(reached, self.needs)]

    def _shape(self, i: int) -> tuple:
        """What must repeat for nodes to share a loop: the operation and its gradients."""
        wanted = self.wanted
        return (self.graph.order[i].primitive, wanted[i], *[wanted[p] for p in self.parents[i]])

    def backward(self, count: int | None) -> None:
        graph = self.graph
        given = ["cotangent"] if count is None else [f"c{k}" for k in range(count)]
        if count:
            self.lines.append(f"    {listed(given)} = cotangent")
        self.lines.append(f"    G = [0.0] * {len(graph.order)}")
        for gradient, o in zip(given, graph.outputs):  # the outputs' gradients start the rule
            if isinstance(o, Value) and self.wanted[graph.at[o]]:
                self.lines.append(f"    G[{graph.at[o]}] += {gradient}")
        for run in reversed(self.runs):
            self._write(run, forward=False)
        grads = [f"G[{graph.at[x]}]" if x in graph.at else "0.0" for x in graph.inputs]
        self.lines.append(f"    return {listed(grads, '()')}")

    def _write(self, run: tuple[int, int, int], forward: bool) -> None:
        """A run's half: its nodes' lines, in a loop over the table of their places when it
        repeats (the backward half over the same table, reversed)."""
        loop = self._loops.get(run) or self._loops.setdefault(run, self._loop(*run))
        indent = "    "
        if loop.targets:
            table = loop.table if forward else f"{self.code.bind(reversed, 'F')}({loop.table})"
            self.lines.append(f"    for {loop.targets} in {table}:")
            indent = "        "
        pairs = list(zip(loop.body, loop.slots))
        for i, slot in pairs if forward else reversed(pairs):
            lines = self._forward(i, *slot) if forward else self._backward(i, *slot)
            self.lines += [indent + line for line in lines]

    def _loop(self, start: int, period: int, repeats: int) -> Loop:
        """How a run reads its places: a place that is the same in every repetition (an input,
        a captured Value) as a number, a constant of the same value in each as a literal, the
        others from a table, one row per repetition."""
        body = self.computed[start:start + period]
        rows = [[n for i in self.computed[at:at + period] for n in self._places(i)]
                for at in range(start, start + period * repeats, period)]
        columns = list(zip(*rows))
        names, varying = self._names(columns)
        values = [self._value(c, name) for c, name in zip(columns, names)]
        varying = [k for k in varying if values[k].startswith("V[")]  # literals need no place
        slots, at = [], 0
        for i in body:
            end = at + 1 + len(self.graph.order[i].parents)
            slots.append((names[at], list(zip(values[at + 1:end], names[at + 1:end]))))
            at = end
        if not varying:
            return Loop(body, slots, "", "")
        table = tuple(tuple(row[k] for k in varying) for row in rows)
        return Loop(body, slots, listed([names[k] for k in varying]), self.code.bind(table, "K"))

    @staticmethod
    def _names(columns: list[tuple[int, ...]]) -> tuple[list[str], list[int]]:
        """A name for each column of places: the number itself when it is the same in every
        repetition, else a loop variable, shared by equal columns (the node a step makes is
        the next step's parent); and the columns that get a variable of their own."""
        names, varying, seen = [], [], {}
        for k, column in enumerate(columns):
            if column.count(column[0]) == len(column):
                names.append(str(column[0]))
            elif column in seen:
                names.append(seen[column])
            else:
                names.append(seen.setdefault(column, f"n{k}"))
                varying.append(k)
        return names, varying

    def _places(self, i: int) -> list[int]:
        return [i, *self.parents[i]]

    def _value(self, column: tuple[int, ...], name: str) -> str:
        """How the code reads the value at a column of places: a literal for a constant of the
        same bits in every repetition, else from V."""
        nodes = [self.graph.order[c] for c in column]
        constants = all(node in self.graph.constants for node in nodes)
        if constants and len({node.data.hex() for node in nodes}) == 1:
            return self.code.literal(nodes[0].data).text
        return f"V[{name}]"

    def _forward(self, i: int, at: str, parents: list[tuple[str, str]]) -> list[str]:
        node = self.graph.order[i]
        forward = self.code.forward(node.primitive, len(node.parents))
        return [f"V[{at}] = {forward.format(*(value for value, _ in parents))}"]

    def _backward(self, i: int, at: str, parents: list[tuple[str, str]]) -> list[str]:
        """The terms node i adds into its parents' gradients, as `backward_pass` adds them."""
        node, (_, wanted, *parents_wanted) = self.graph.order[i], self._shape(i)
        if not wanted or not any(parents_wanted):
            return []
        names = [value for value, _ in parents] + [f"V[{at}]"]
        lines = [f"g = G[{at}]"]
        rule = self.code.derivative(node.primitive, len(node.parents))
        if rule is None:  # the rule's own call, once for all the parents
            rule = [Symbol(f"d{k}") for k in range(len(node.parents))]
            lines.append(f"{listed([d.text for d in rule])} = "
                         f"{self.code.call(node.primitive.derivative, names)}")
        for k, (_, place) in enumerate(parents):
            if parents_wanted[k]:
                local = Symbol(rule[k].text.format(*names), rule[k].precedence)
                lines.append(f"G[{place}] += {product(local, 'g').text}")
        return lines


def _runs(shapes: list[tuple]) -> Iterator[tuple[int, int, int]]:
    """(start, period, repeats) covering `shapes` in order: from each start, the longest
    stretch that repeats a body of up to `_MAX_PERIOD` shapes at least `_MIN_REPEATS` times
    (else the one node). A body starts again where its first shape comes again, so only those
    places are tried."""
    ids = {shape: k for k, shape in enumerate(dict.fromkeys(shapes))}
    kinds = [ids[shape] for shape in shapes]
    n = len(kinds)
    following, last = [n] * n, {}  # the next position of the same shape
    for i in reversed(range(n)):
        following[i] = last.get(kinds[i], n)
        last[kinds[i]] = i
    start = 0
    while start < n:
        best, at = (1, 1), following[start]
        while at - start <= _MAX_PERIOD and at < n:
            period = at - start
            repeats = _repeats(kinds, start, period)
            if repeats >= _MIN_REPEATS and period * repeats > best[0] * best[1]:
                best = (period, repeats)
            at = following[at]
        yield start, *best
        start += best[0] * best[1]


def _repeats(kinds: list[int], start: int, period: int) -> int:
    body, repeats = kinds[start:start + period], 1
    while kinds[start + repeats * period:start + (repeats + 1) * period] == body:
        repeats += 1
    return repeats
