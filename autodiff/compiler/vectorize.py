"""Writing a vectorised replay: the groups `grouping.py` finds as NumPy array operations, the
rest as `codegen.py`'s scalar code, the two exchanging values at their boundary.

A block is Z = X·Wᵀ + b forward and, backward, the four backpropagation equations in matrix
form: ∂/∂X = Δ·W, ∂/∂W = Δᵀ·X, ∂/∂b = Σ Δ over the samples. An elementwise group runs its
primitive's array form (`arrays.py`) and its array rule. An operand is read as a whole group,
picked out of one, taken from the inputs (all of them arrive as one array, `P`), a constant
array, or gathered from scalars; its gradient goes back the same way. Scalar code reads an
element of a group from the group's list (`T3[s][j]`), and adds its chain-rule terms into the
element's gradient. The sums differ from the scalar replay's in order only (a matrix product
adds in BLAS's order), so values and gradients agree with it to rounding, not bit for bit.
"""

from __future__ import annotations

import functools
import operator
from typing import Any, NamedTuple

import numpy as np

from ..rules import WEIGHTED_SUM
from ..value import Value
from .captures import Ways
from .codegen import RecordedGraph, Replay, Writer
from .grouping import Grid, Group, find_groups, readers_of, running_sums, schedule
from .rolled import ROLL_ABOVE
from .tracing import SUM, Symbol


class Source(NamedTuple):
    """How a group reads an operand: `kind` is "group" (all of group `at`), "picked" (some of
    group `at`, by flat index `index`), "inputs" (of P, by `index`), "constant" or "gathered"."""

    kind: str
    at: int = -1
    index: np.ndarray | None = None


def write_vectorized_replay(graph: RecordedGraph, ways: Ways, count: int | None
                            ) -> tuple[Replay, list[str]] | None:
    """The replay of `graph` with its layers as arrays, and what it grouped; None when nothing
    groups, or what stays scalar is so large that loops (`rolled.py`) serve it better."""
    readers = readers_of(graph)
    groups = find_groups(graph, readers)
    order = schedule(graph, groups)
    while order is None:  # the groups found last are the first to give up
        groups.pop()
        order = schedule(graph, groups)
    if not groups:
        return None
    writer = VectorWriter(graph, ways, groups, order, readers)
    scalar = [u for u in order if isinstance(u, int) and u not in writer.folded
              and graph.order[u].parents and graph.order[u] not in graph.captured_set]
    if len(scalar) > ROLL_ABOVE:
        return None
    sums = [f"running sum of {len(places) - 1} terms" for places, _ in writer.sums.values()]
    return writer.replay(count), [g.describe() for g in groups] + sums


class VectorWriter(Writer):
    """A replay `core(P)` over the inputs as one array, and `replay(*inputs)` around it."""

    def __init__(self, graph: RecordedGraph, ways: Ways, groups: list[Group],
                 order: list[int | Group], readers: dict[int, list[int]]) -> None:
        super().__init__(graph, ways)
        self.groups, self.order = groups, order
        self.number = {id(group): g for g, group in enumerate(groups)}
        self.group_of: dict[int, tuple[int, tuple]] = {}
        for g, group in enumerate(groups):
            for s, row in enumerate(group.nodes.tolist()):
                for j, i in enumerate(row):
                    self.group_of[i] = (g, (s, j))
                    self.name[i] = f"T{g}[{s}][{j}]"
        self.input_at = {graph.at[x]: k for k, x in enumerate(graph.inputs) if x in graph.at}
        self.sources = [[self.source(grid) for grid in group.operands] for group in groups]
        self.array_terms: dict[int, list[str]] = {g: [] for g in range(len(groups))}
        self.used = self._used()
        read = {graph.at[v] for guard in graph.guards for v in (guard.a, guard.b)}
        read.update(graph.at[o] for o in graph.outputs if isinstance(o, Value))
        self.sums = running_sums(graph, readers, set(self.group_of), read)
        self.folded = {i for _, partial in self.sums.values() for i in partial}
        self.lines = ["def core(P):"]
        if any(i in self.used for i in self.input_at):
            self.lines.append("    Pl = P.tolist()")
        self.temporaries = 0

    def replay(self, count: int | None) -> Replay:
        done = super().replay(count)
        # NumPy imports some of its parts on first use, through the caller's builtins
        done.namespace["__builtins__"] = {"__import__": __import__}
        return Replay(f"{done.source}replay = {self.code.bind(_on_numbers, 'F')}(core)\n",
                      done.namespace, done.checks)

    # --- how each operand is read ----------------------------------------------------------

    def source(self, grid: Grid) -> Source:
        places = [int(i) for i in grid.flat]
        owners = {self.group_of.get(i, (None,))[0] for i in places}
        if len(owners) == 1 and None not in owners:
            g = owners.pop()
            if self.groups[g].nodes.shape == grid.shape and (self.groups[g].nodes == grid).all():
                return Source("group", g)
            flat = self.groups[g].nodes.shape[-1]
            index = [self._flat(self.group_of[i][1], flat) for i in places]
            return Source("picked", g, np.array(index, dtype=np.intp).reshape(grid.shape))
        if all(i in self.input_at for i in places):
            index = np.array([self.input_at[i] for i in places], dtype=np.intp)
            return Source("inputs", index=index.reshape(grid.shape))
        if all(self.graph.order[i] in self.graph.constants for i in places):
            return Source("constant")
        return Source("gathered")

    @staticmethod
    def _flat(index: tuple, columns: int) -> int:
        return index[0] * columns + index[1] if len(index) == 2 else index[0]

    def _used(self) -> set[int]:
        """The nodes scalar code reads: parents of scalar nodes, guards' operands, outputs, and
        the elements of gathered operands."""
        graph, used = self.graph, set()
        for unit in self.order:
            if isinstance(unit, int) and graph.order[unit] not in graph.captured_set:
                used.update(graph.at[p] for p in graph.order[unit].parents)
        used.update(graph.at[v] for guard in graph.guards for v in (guard.a, guard.b))
        used.update(graph.at[o] for o in graph.outputs if isinstance(o, Value))
        for group, sources in zip(self.groups, self.sources):
            for grid, source in zip(group.operands, sources):
                if source.kind == "gathered":
                    used.update(int(i) for i in grid.flat)
        return used

    def operand(self, grid: Grid, source: Source) -> str:
        bind = self.code.bind
        if source.kind == "group":
            return f"A{source.at}"
        if source.kind == "picked":
            return f"A{source.at}.reshape(-1)[{bind(source.index, 'K')}]"
        if source.kind == "inputs":
            return f"P[{bind(source.index, 'K')}]"
        values = np.vectorize(lambda i: self.graph.order[i].data, otypes=[float])(grid)
        if source.kind == "constant":
            return bind(values, "K")
        return f"{bind(np.array, 'F')}({_nested(grid, lambda i: self.name[i])})"

    # --- forward ---------------------------------------------------------------------------

    def forward(self) -> None:
        for unit in self.order:
            if isinstance(unit, Group):
                self.forward_group(unit)
            elif self.graph.order[unit] in self.graph.input_set:
                self.needs[unit] = True
                if unit in self.used:
                    self.lines.append(f"    v{unit} = Pl[{self.input_at[unit]}]")
            elif unit not in self.folded and not self.leaf(unit, self.graph.order[unit]):
                self.compute(unit, self.graph.order[unit])

    def compute(self, i: int, node: Value) -> None:
        if i not in self.sums:
            return super().compute(i, node)
        places = self.sums[i][0]  # one after the other, as the chain of + adds them
        reduce, add = self.code.bind(functools.reduce, "F"), self.code.bind(operator.add, "F")
        terms = ", ".join(self.name[k] for k in places[1:])
        self.lines.append(f"    v{i} = {reduce}({add}, ({terms}), {self.name[places[0]]})")
        self.needs[i] = any(self.needs[k] for k in places)

    def _chain_rule(self, i: int) -> None:
        if i not in self.sums:
            return super()._chain_rule(i)
        for k in self.sums[i][0]:  # each term of a running sum gets the total's gradient
            if self.needs[k]:
                self.terms.setdefault(k, []).append(Symbol(f"g{i}"))
        return None

    def forward_group(self, group: Group) -> None:
        g = self.number[id(group)]
        sources = self.sources[g]
        for k, (grid, source) in enumerate(zip(group.operands, sources)):
            self.lines.append(f"    O{g}_{k} = {self.operand(grid, source)}")
        if group.primitive is WEIGHTED_SUM:
            self.lines.append(f"    A{g} = {self.code.bind(_affine, 'F')}(O{g}_0, O{g}_1, O{g}_2)")
        else:
            forward = self.code.bind(group.primitive.array.forward, "F")
            arguments = ", ".join(f"O{g}_{k}" for k in range(len(sources)))
            self.lines.append(f"    A{g} = {self.code.bind(_quietly, 'F')}({forward}, {arguments})")
        if any(int(i) in self.used for i in group.nodes.flat):
            self.lines.append(f"    T{g} = A{g}.tolist()")
        needs = any(self.needs[int(i)] for grid in group.operands for i in grid.flat)
        for i in group.nodes.flat:
            self.needs[int(i)] = needs

    # --- backward --------------------------------------------------------------------------

    def backward(self, count: int | None) -> None:
        self.start_backward(count)
        self.lines.append(f"    GP = {self.code.bind(np.zeros, 'F')}({len(self.graph.inputs)})")
        for unit in reversed(self.order):
            if isinstance(unit, Group):
                self.backward_group(unit)
            else:
                self.gradient(unit)
                if unit in self.input_at and unit in self.terms:
                    self.lines.append(f"    GP[{self.input_at[unit]}] += g{unit}")
        self.lines.append("    return GP")

    def backward_group(self, group: Group) -> None:
        g = self.number[id(group)]
        if not self.needs[int(group.nodes.flat[0])] or not self._group_gradient(g, group):
            return
        if group.primitive is WEIGHTED_SUM:
            rule = self.code.bind(_affine_rule, "F")
            self.lines.append(f"    D{g} = {rule}(G{g}, O{g}_0, O{g}_1)")
            local = [f"D{g}[{k}]" for k in range(3)]
        else:
            rule = self.code.bind(group.primitive.array.derivative, "F")
            arguments = ", ".join([*(f"O{g}_{k}" for k in range(len(group.operands))), f"A{g}"])
            self.lines.append(f"    D{g} = {self.code.bind(_chain_rule, 'F')}({rule}, G{g}, "
                              f"{arguments})")
            local = [f"D{g}[{k}]" for k in range(len(group.operands))]
        for grid, source, gradient in zip(group.operands, self.sources[g], local):
            if any(self.needs[int(i)] for i in grid.flat):
                self.send(grid, source, gradient)

    def _group_gradient(self, g: int, group: Group) -> bool:
        """Write G{g}, the gradient of group g: what groups reading it sent as arrays plus the
        terms scalar code added into its elements; False when nothing reaches it."""
        parts = list(self.array_terms[g])
        if any(int(i) in self.terms for i in group.nodes.flat):
            sums = _nested(group.nodes, lambda i: _added(self.terms.get(i, [])))
            parts.append(f"{self.code.bind(np.array, 'F')}({sums})")
        if parts:
            self.lines.append(f"    G{g} = {' + '.join(parts)}")
        return bool(parts)

    def send(self, grid: Grid, source: Source, gradient: str) -> None:
        """Add an operand's gradient where the operand was read from."""
        bind, name = self.code.bind, f"S{self.temporaries}"
        self.temporaries += 1
        self.lines.append(f"    {name} = {gradient}")
        if source.kind == "group":
            self.array_terms[source.at].append(name)
        elif source.kind == "picked":
            shape = self.groups[source.at].nodes.shape
            total = f"{name}z"
            self.lines += [f"    {total} = {bind(np.zeros, 'F')}({int(np.prod(shape))})",
                           f"    {bind(np.add.at, 'F')}({total}, {bind(source.index, 'K')}, "
                           f"{name})"]
            self.array_terms[source.at].append(f"{total}.reshape({shape})")
        elif source.kind == "inputs":
            index = bind(source.index, "K")
            if len(np.unique(source.index)) == source.index.size:
                self.lines.append(f"    GP[{index}] += {name}")
            else:  # a tied weight: each place adds its part
                self.lines.append(f"    {bind(np.add.at, 'F')}(GP, {index}, {name})")
        elif source.kind == "gathered":
            self.lines.append(f"    {name}l = {name}.tolist()")
            for index, i in np.ndenumerate(grid):
                if self.needs[int(i)]:
                    element = f"{name}l" + "".join(f"[{k}]" for k in index)
                    self.terms.setdefault(int(i), []).append(Symbol(element))


def _affine(X: np.ndarray, W: np.ndarray, b: np.ndarray) -> np.ndarray:
    """X·Wᵀ + b, with no warning where an infinity meets a zero (scalar code gives none)."""
    with np.errstate(all="ignore"):
        return X @ W.T + b


def _affine_rule(G: np.ndarray, X: np.ndarray, W: np.ndarray) -> tuple[np.ndarray, ...]:
    """The gradients of X, W and b from Δ, the gradient of Z = X·Wᵀ + b: Δ·W, Δᵀ·X, Σ Δ."""
    with np.errstate(all="ignore"):
        return G @ W, G.T @ X, G.sum(axis=0)


def _quietly(forward: Any, *operands: np.ndarray) -> np.ndarray:
    """An array form on its operands, with no warning where float arithmetic meets an infinity
    or a NaN (scalar code gives none; the array forms raise where the scalar rules do)."""
    with np.errstate(all="ignore"):
        return forward(*operands)


def _chain_rule(rule: Any, gradient: np.ndarray, *operands: np.ndarray) -> list[np.ndarray]:
    """The gradient each operand gets: its local derivative times the group's gradient."""
    with np.errstate(all="ignore"):
        return [local * gradient for local in rule(*operands)]


def _on_numbers(core: Any) -> Any:
    """`replay(*inputs)` as the scalar replays take them, around `core(P)`."""

    def replay(*inputs: float) -> Any:
        done = yield from core(np.array(inputs, dtype=float))
        return done if type(done) is int else tuple(done.tolist())

    replay.core = core  # for a caller holding its numbers in an array already (nn.compiled)
    return replay


def _nested(grid: Grid, text: Any) -> str:
    """A list display of `text(i)` for each place of a grid, nested as the grid is."""
    if grid.ndim == 1:
        return "[" + ", ".join(text(int(i)) for i in grid) + "]"
    return "[" + ", ".join(_nested(row, text) for row in grid) + "]"


def _added(terms: list[Symbol]) -> str:
    """The sum of a node's chain-rule terms, in the order they were added."""
    if not terms:
        return "0.0"
    return " + ".join(t.text if t.precedence > SUM else f"({t.text})" for t in terms)
