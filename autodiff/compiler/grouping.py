"""Finding the layers in a recorded scalar graph: the groups `vectorize.py` writes as arrays.

A layer's weighted inputs are `weighted_sum` nodes; those with the same weights and bias (a
row, one neuron) that read the same input list make one sample's z, and the samples a layer
is applied to share its rows. Such nodes make a *block*: Z = X·Wᵀ + b, one row of X and of Z
per sample, one row of W per neuron. An elementwise primitive with an array form applied to
every node of a group (the activation of a layer, a loss's a − y and its square) makes another
group of the same shape, whose operands are read from groups or gathered from scalars.
Everything else stays scalar. Groups and scalar nodes are then put in an order that computes
each before it is read (`schedule`); a graph where no such order exists is not vectorised.
"""

from __future__ import annotations

import heapq
from dataclasses import dataclass

import numpy as np

from ..rules import ADD, WEIGHTED_SUM, Primitive
from .codegen import RecordedGraph

Grid = np.ndarray  # of node positions in the recorded order, one per element of an array


@dataclass(eq=False)
class Group:
    """Nodes computed together as one array: `nodes[s, j]` their positions, `operands` the
    grids the array operation reads (X, W, b for a block; the parents otherwise)."""

    primitive: Primitive
    nodes: Grid
    operands: list[Grid]

    def describe(self) -> str:
        shape = "×".join(map(str, self.nodes.shape))
        if self.primitive is WEIGHTED_SUM:
            x, w = self.operands[0].shape, self.operands[1].shape
            return f"weighted_sums {shape} = ({x[0]}×{x[1]})·({w[0]}×{w[1]})ᵀ + b"
        return f"{self.primitive.name} {shape}"


def readers_of(graph: RecordedGraph) -> dict[int, list[int]]:
    """For each node `f` made, the nodes that read it (each once)."""
    readers: dict[int, list[int]] = {}
    at, captured = graph.at, graph.captured_set
    for i, node in enumerate(graph.order):
        if node.parents and node not in captured:
            for p in node.parents:
                if p.parents:  # (a leaf's readers are never asked for: skip the weights fast)
                    listed = readers.setdefault(at[p], [])
                    if not listed or listed[-1] != i:
                        listed.append(i)
    return readers


def find_groups(graph: RecordedGraph, consumers: dict[int, list[int]]) -> list[Group]:
    """The blocks of `graph`, and the elementwise groups over them, in the order found."""
    computed = [bool(node.parents) and node not in graph.captured_set for node in graph.order]
    groups = _blocks(graph, computed)
    grouped = {int(i) for group in groups for i in group.nodes.flat}
    k = 0
    while k < len(groups):
        for group in _elementwise(graph, groups[k], consumers, grouped):
            groups.append(group)
            grouped.update(int(i) for i in group.nodes.flat)
        k += 1
    return groups


def _blocks(graph: RecordedGraph, computed: list[bool]) -> list[Group]:
    """The weighted sums grouped by layer: samples (input lists) that meet the same rows."""
    by_input: dict[tuple, list[tuple[tuple, int]]] = {}
    for i, node in enumerate(graph.order):
        if computed[i] and node.primitive is WEIGHTED_SUM and len(node.parents) >= 3:
            n = (len(node.parents) - 1) // 2
            places = [graph.at[p] for p in node.parents]
            row = (tuple(places[:n]), places[-1])
            by_input.setdefault(tuple(places[n:2 * n]), []).append((row, i))
    layers: dict[tuple, list[tuple[tuple, list[int]]]] = {}
    for x, entries in by_input.items():
        rows = tuple(row for row, _ in entries)
        if len(set(rows)) == len(rows):  # the same neuron twice on one input: left scalar
            layers.setdefault(rows, []).append((x, [i for _, i in entries]))
    blocks = []
    for rows, samples in layers.items():
        nodes = np.array([z for _, z in samples], dtype=np.intp)
        X = np.array([x for x, _ in samples], dtype=np.intp)
        W = np.array([w for w, _ in rows], dtype=np.intp)
        b = np.array([b for _, b in rows], dtype=np.intp)
        blocks.append(Group(WEIGHTED_SUM, nodes, [X, W, b]))
    return blocks


def _elementwise(graph: RecordedGraph, group: Group, consumers: dict[int, list[int]],
                 grouped: set[int]) -> list[Group]:
    """The groups of the same primitive applied to every node of `group` (at one operand)."""
    found = []
    first = int(group.nodes.flat[0])
    for c in consumers.get(first, ()):
        primitive = graph.order[c].primitive
        if c in grouped or primitive.array is None or len(graph.order[c].parents) > 2:
            continue
        place = graph.order[c].parents.index(graph.order[first])
        grid = _consumers(graph, group.nodes, primitive, place, consumers, grouped)
        if grid is not None:
            operands = [np.array([[graph.at[graph.order[i].parents[k]] for i in row]
                                  for row in grid.tolist()], dtype=np.intp)
                        for k in range(len(graph.order[c].parents))]
            if np.isin(np.concatenate([o.ravel() for o in operands]), grid).any():
                continue  # a running sum: each node reads the one before
            found.append(Group(primitive, grid, operands))
            grouped.update(int(i) for i in grid.flat)
    return found


def _consumers(graph: RecordedGraph, nodes: Grid, primitive: Primitive, place: int,
               consumers: dict[int, list[int]], grouped: set[int]) -> Grid | None:
    """For each node of a group, the one node applying `primitive` to it at operand `place`;
    None unless every node of the group has exactly one."""
    rows = []
    for row in nodes.tolist():
        rows.append([])
        for i in row:
            node = graph.order[i]
            found = [c for c in consumers.get(i, ()) if c not in grouped
                     and graph.order[c].primitive is primitive
                     and len(graph.order[c].parents) > place
                     and graph.order[c].parents[place] is node]
            if len(found) != 1:
                return None
            rows[-1].append(found[0])
    grid = np.array(rows, dtype=np.intp)
    if len(np.unique(grid)) != grid.size:
        return None
    return grid


Sums = dict[int, tuple[list[int], list[int]]]


def running_sums(graph: RecordedGraph, readers: dict[int, list[int]], grouped: set[int],
                 read: set[int]) -> Sums:
    """Chains of `+` that add terms to a running total, s_k = s_(k-1) + t_k (a loss summed over
    its outputs, a batch's costs), whose partial totals nothing else reads: the last node of
    each, with [s_0, t_1, …, t_m] and the partial totals in between. Added one after the other
    by `functools.reduce`, they give the same bits as the chain; each t_k gets the last node's
    gradient, as the chain's 1.0s pass it on."""
    def adds(i: int) -> bool:
        node = graph.order[i]
        return node.primitive is ADD and i not in grouped and node not in graph.captured_set \
            and node.parents[0] is not node.parents[1]

    def passes(i: int) -> bool:  # on to the next partial total, and nowhere else
        if not adds(i) or i in read or len(readers.get(i, ())) != 1:
            return False
        after = readers[i][0]
        return adds(after) and graph.at[graph.order[after].parents[0]] == i

    chains = {}
    for end in range(len(graph.order)):
        if not adds(end) or passes(end):
            continue
        terms, partial, at = [], [], end
        while True:
            first, second = (graph.at[p] for p in graph.order[at].parents)
            terms.append(second)
            if not passes(first):
                break
            at = first
            partial.append(at)
        if len(terms) >= 3:
            chains[end] = ([first, *reversed(terms)], partial)
    return chains


def schedule(graph: RecordedGraph, groups: list[Group]) -> list[int | Group] | None:
    """Scalar nodes (their positions) and groups in an order that computes each before it is
    read, close to the recorded order; None when there is none (a group whose nodes depend on
    one another through scalar code, as the steps of a recurrent network do)."""
    n = len(graph.order)
    unit = list(range(n))
    for g, group in enumerate(groups):
        for i in group.nodes.flat:
            unit[i] = n + g
    reads: dict[int, set[int]] = {}
    for i, node in enumerate(graph.order):
        if unit[i] == i:
            reads[i] = {unit[graph.at[p]] for p in node.parents} if node not in graph.captured_set \
                else set()
    for g, group in enumerate(groups):
        reads[n + g] = {unit[int(i)] for grid in group.operands for i in grid.flat}
    return _topological(reads, n, groups)


def _topological(reads: dict[int, set[int]], n: int, groups: list[Group]) -> list | None:
    """Kahn's algorithm, taking first what comes first in the recorded order (a group at its
    last node)."""
    readers: dict[int, list[int]] = {u: [] for u in reads}
    waiting = {u: len(r) for u, r in reads.items()}
    for u, r in reads.items():
        for v in r:
            readers[v].append(u)
    rank = {u: u if u < n else int(groups[u - n].nodes.max()) for u in reads}
    ready = [(rank[u], u) for u, count in waiting.items() if count == 0]
    heapq.heapify(ready)
    order: list[int | Group] = []
    while ready:
        _, u = heapq.heappop(ready)
        order.append(u if u < n else groups[u - n])
        for v in readers[u]:
            waiting[v] -= 1
            if waiting[v] == 0:
                heapq.heappush(ready, (rank[v], v))
    return order if len(order) == len(reads) else None
