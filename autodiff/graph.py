"""Walking the graph: its topological order, and the chain rule over it.

`chain_rule` is the one place where ∂L/∂parent += ∂L/∂node · ∂node/∂parent is written.
`backward_pass` runs it at every node from the output back; `Value.backward`, the transforms
(`backpropagate`), `backward_steps` and the drawings all run that pass, and micrograd's
`node._backward()` runs `chain_rule` at one node, so none of them can diverge.
"""

from __future__ import annotations

import gc
import math
import sys
import threading
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager, nullcontext
from dataclasses import dataclass
from typing import NamedTuple

from .anomaly import check_backward
from .mode import current, enable_grad
from .value import Partial, Value

# A pass keeps its running sums in `.grad` (an attribute is cheaper to add into than a dict
# keyed by node). One pass at a time, so two threads differentiating graphs that share nodes
# (a model's parameters) never mix their sums.
_PASS_LOCK = threading.RLock()


@contextmanager
def _one_pass_at_a_time() -> Iterator[None]:
    """Hold the pass lock, with Python's cyclic collector paused: a pass makes no garbage
    cycles, yet the objects its walk allocates set off collections that traverse the whole
    live graph."""
    with _PASS_LOCK, collector_paused():
        yield


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic collector paused for a block that makes no garbage cycles but allocates
    enough to set off collections of the whole live graph (a pass, compile writing its code)."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if collecting:
            gc.enable()


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its parents, `root` last.

    A depth-first search visiting parents in their recorded order, so the order is
    deterministic. A node reached is marked with the walk (an object made for it) instead of
    being put in a set, which is cheaper. Walks take the pass lock, so two threads never mark
    one graph at once. The search recurses, which CPython runs faster than an explicit stack;
    should it run out of recursion (a deep graph, or a caller deep already), it starts again
    with an explicit stack, so a chain of a million nodes is fine.
    """
    if not isinstance(root, Value):
        raise TypeError(f"expected a Value at the root of a graph, got {root!r}")
    order: list[Value] = []
    with _PASS_LOCK:
        walk = _new_walk(root)
        if _recursion_is_safe():
            try:
                _recursive(root, walk, order)
                return order
            except RecursionError:
                order.clear()
                walk = _new_walk(root)
        _iterative(root, walk, order)
    return order


def _recursion_is_safe() -> bool:
    """Python 3.10's recursion takes the C stack: with its limit raised far past the default, a
    deep graph could overflow that stack before RecursionError. From 3.11 it takes none."""
    return sys.version_info >= (3, 11) or sys.getrecursionlimit() <= 1000


def _new_walk(root: Value) -> object:
    root._walk = walk = object()
    return walk


def _recursive(node: Value, walk: object, order: list[Value]) -> None:
    for parent in node.parents:
        if parent._walk is not walk:
            parent._walk = walk
            _recursive(parent, walk, order)
    order.append(node)


def _iterative(root: Value, walk: object, order: list[Value]) -> None:
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent._walk is not walk:
                parent._walk = walk
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)


def chain_rule(nodes: Iterable[Node]) -> None:
    """The chain rule at each of `nodes` in turn: ∂L/∂parent += ∂L/∂node · ∂node/∂parent for
    each parent, ∂L/∂node being the node's `.grad` as the earlier nodes left it.

    A parent's running sum is its `.grad`, or a `Sum` a pass keeps aside for it (a `Node`
    then names them). The usual pass is one call over the whole graph: no call per node.
    """
    for node in nodes:
        local_grads, gradient = node.local_grads, node.grad
        if local_grads is None:  # a node made micrograd's way runs its own closure
            node._backward()
        elif len(local_grads) == 2:  # most nodes: unpacked, without zip's iterator
            a, b = node.parents
            da, db = local_grads
            a.grad += da * gradient
            b.grad += db * gradient
        elif local_grads and (gradient != 0.0 or len(local_grads) < 3
                              or not math.isfinite(sum(local_grads))):
            for parent, local in zip(node.parents, local_grads):
                parent.grad += local * gradient
        # else a leaf, or every contribution is ±0, which leaves every sum as it is: a neuron's
        # z behind a relu at rest gives its many parents nothing, so they are skipped


class Node(NamedTuple):
    """The chain rule's view of a node whose sums or derivatives a pass keeps aside."""

    parents: Sequence[Sum]
    local_grads: Sequence[Partial]
    grad: Partial


class Sum:
    """A running sum kept aside for one node, by a pass that must never write `.grad`."""

    __slots__ = ("grad",)

    def __init__(self) -> None:
        self.grad: Partial = 0.0


class _Nothing:
    """The sum of no contributions, under create_graph: adding to it gives the contribution
    itself, so that no `0 + Value` node is made."""

    def __add__(self, contribution: Partial) -> Partial:
        return contribution


NOTHING = _Nothing()


@dataclass(frozen=True)
class Term:
    """One parent's share of a step: ∂L/∂parent += ∂L/∂node · ∂node/∂parent."""

    parent: Value
    local: Partial  # ∂node/∂parent
    contribution: Partial  # local · the step's gradient
    before: Partial | None  # this pass's ∂L/∂parent before the step (None: nothing yet)
    total: Partial  # this pass's ∂L/∂parent so far, contribution included
    grad: Partial  # parent.grad once the pass is over if nothing more arrived: total + the old


Visit = tuple[Value, Partial, tuple[Term, ...]]  # a node, its gradient, what each parent got


def backward_pass(
    root: Value,
    create_graph: bool = False,
    observe: bool = False,
    results: dict[Value, Partial] | None = None,
    aside: bool = False,
) -> Iterator[Visit]:
    """One backward pass from `root`: the chain rule at each node, from `root` to the leaves.

    Each node's gradient is complete when it is visited (all its consumers come before it).
    With `observe`, a visit `(node, gradient, terms)` is yielded after each node. The pass
    keeps its sums in `.grad`, and when it completes adds them into what `.grad` held (what
    `backward()` does), or, given `results`, stores them there with `.grad` left as it was (the
    transforms). A pass that stops early (an anomaly, an interrupt, a generator closed before
    its end) leaves every `.grad` as it was. With `aside`, the sums are kept in a table of
    their own and `.grad` is never written (what drawings need: looking changes nothing).

    With `create_graph`, local derivatives come from each primitive's rule applied to the
    parents themselves, so every gradient is a differentiable `Value`.
    """
    with nullcontext() if observe else _one_pass_at_a_time():
        order = topological_order(root)
        if aside:
            sums = {node: Sum() for node in order}
            yield from _chain_rule_pass(order, create_graph, observe, sums,
                                        dict.fromkeys(order, 0.0))
            if results is not None:
                results.update((node, sums[node].grad) for node in order)
            return
        yield from _pass_in_grad(order, create_graph, observe, results)


def _pass_in_grad(
    order: list[Value], create_graph: bool, observe: bool, results: dict | None
) -> Iterator[Visit]:
    """The pass with its sums in `.grad`: the old gradients set aside, then restored (a pass
    stopped early, or one whose `results` go elsewhere) or added to this pass's sums."""
    before = [node.grad for node in order]
    # Usually every sum starts at 0 already (fresh nodes, parameters after zero_grad).
    zeros = not create_graph and before.count(0.0) == len(before)
    if not zeros:
        start = NOTHING if create_graph else 0.0
        for node in order:
            node.grad = start
    finished = False
    try:
        if create_graph or observe or current().anomaly:
            start = dict(zip(order, before)) if observe else {}
            yield from _chain_rule_pass(order, create_graph, observe, None, start)
        else:
            _plain_pass(order)
        finished = True
        if results is not None:
            results.update((node, node.grad) for node in order)
    finally:
        if not finished or results is not None:
            for node, old in zip(order, before):
                node.grad = old
        elif not zeros:
            for node, old in zip(order, before):
                if old:  # a float 0 adds nothing, so most nodes are left alone
                    node.grad = added(old, node.grad)


def _chain_rule_pass(
    order: list[Value], create_graph: bool, observe: bool, sums: dict[Value, Sum] | None,
    start: dict[Value, Partial],
) -> Iterator[Visit]:
    """`chain_rule` at every node, from the output back, into `sums` (None: into `.grad`)."""
    anomaly = current().anomaly
    reached = {order[-1]}  # the sums that have had a contribution, for the observed terms
    (order[-1] if sums is None else sums[order[-1]]).grad = (
        Value(1.0) if create_graph else 1.0
    )
    with enable_grad() if create_graph else nullcontext():
        for node in reversed(order):
            if not node.parents:
                continue
            gradient = node.grad if sums is None else sums[node].grad
            if gradient is NOTHING:  # only constant zeros reached it
                continue
            if create_graph or sums is not None:
                parents, local_grads = _local_grads(node, create_graph)
            else:  # the usual pass: the derivatives as recorded
                parents, local_grads = node.parents, node.local_grads
            if local_grads is None:  # a node made micrograd's way runs its own closure
                yield from _run_closure(node, anomaly, observe, reached, start)
                continue
            if anomaly:
                check_backward(node, local_grads, gradient)
            targets = parents if sums is None else [sums[parent] for parent in parents]
            if observe:
                terms = _observed(parents, targets, local_grads, gradient, reached, start)
                yield node, gradient, terms
            else:
                chain_rule((Node(targets, local_grads, gradient),))
        if create_graph:  # what only constant zeros reached is a constant zero, still a Value
            for node in order:
                if node.grad is NOTHING:
                    node.grad = Value(0.0)


def _plain_pass(order: list[Value]) -> None:
    """`chain_rule` at every node, from the output back, into `.grad`: the usual pass, with
    nothing to watch, so it is one call (it runs on every training step)."""
    order[-1].grad = 1.0
    chain_rule(reversed(order))


def _observed(
    parents: Sequence[Value], targets: Sequence[Sum], local_grads: Sequence[Partial],
    gradient: Partial, reached: set[Value], start: dict[Value, Partial],
) -> tuple[Term, ...]:
    """`chain_rule` at one node, a parent at a time, with each parent's sum before and after."""
    terms = []
    for parent, target, local in zip(parents, targets, local_grads):
        before = target.grad if parent in reached else None
        chain_rule((Node((target,), (local,), gradient),))
        total = target.grad
        grad = added(start[parent], total)
        terms.append(Term(parent, local, local * gradient, before, total, grad))
        reached.add(parent)
    return tuple(terms)


def _local_grads(node: Value, create_graph: bool) -> tuple[Sequence[Value], Sequence[Partial]]:
    """A node's parents and local derivatives as a graph (create_graph), or, for a pass with
    its sums aside, as numbers (read off the closure of a node made micrograd's way)."""
    if create_graph:
        return _derivatives_as_graph(node)
    return node.parents, local_derivatives(node)


def _run_closure(
    node: Value, anomaly: bool, observe: bool, reached: set[Value], start: dict[Value, Partial]
) -> Iterator[Visit]:
    """The chain rule at a node made micrograd's way: its own `_backward` adds into the
    parents' `.grad` from `node.grad`. Observed, it is read as a visit."""
    parents = node.parents
    locals_ = local_derivatives(node) if anomaly or observe else ()
    if anomaly:
        check_backward(node, locals_, node.grad)
    before = [parent.grad for parent in parents]
    node._backward()
    if observe:
        gradient = node.grad
        terms = []
        for parent, local, old in zip(parents, locals_, before):
            total = parent.grad
            terms.append(Term(parent, local, local * gradient,
                              old if parent in reached else None, total,
                              added(start[parent], total)))
            reached.add(parent)
        yield node, gradient, tuple(terms)


def added(old: Partial, total: Partial) -> Partial:
    """A pass's `total` added into a gradient that held `old`, as a completed pass adds it (a
    float 0 adds nothing; a Value, under create_graph, is always added)."""
    return old + total if old else total


def accumulate(root: Value, create_graph: bool = False) -> None:
    """Add ∂root/∂node into `node.grad` for every node `root` depends on (`Value.backward`)."""
    for _ in backward_pass(root, create_graph):
        pass


def backpropagate(root: Value, create_graph: bool = False) -> dict[Value, Partial]:
    """∂root/∂node for every node `root` depends on; every `.grad` is left as it was."""
    results: dict[Value, Partial] = {}
    for _ in backward_pass(root, create_graph, results=results):
        pass
    return results


def local_derivatives(node: Value) -> tuple[Partial, ...]:
    """∂node/∂parent for each parent: as recorded, or, for a node made micrograd's way, read
    off its `_backward` run with a unit gradient while every other gradient is set aside."""
    if node.local_grads is not None:
        return node.local_grads
    parents = node.parents
    saved = node.grad, [parent.grad for parent in parents]
    try:
        node.grad = 1.0
        for parent in parents:
            parent.grad = 0.0
        node._backward()
        return tuple(parent.grad for parent in parents)
    finally:
        node.grad = saved[0]
        for parent, grad in zip(parents, saved[1]):
            parent.grad = grad


def _derivatives_as_graph(node: Value) -> tuple[tuple[Value, ...], tuple[Partial, ...]]:
    """The parents and the local derivatives of `node` as a graph, by its primitive's rule.

    A local derivative that is the constant 0 (relu below its kink) passes nothing on: the
    contribution is zero as a function, so its own derivatives are zero too, and leaving it
    out keeps 0 · ∞ (x ** 0.5 at 0, say) from making a NaN in the next derivative.
    """
    if current().recording is not None:
        raise TypeError(
            "a gradient built as a graph (create_graph, hessian, a transform nested in f) "
            "inside a function that compile records: derivative rules choose their formulas "
            "from the data (relu's step, abs's sign), which a recording cannot guard; "
            "compile the function without differentiating inside it"
        )
    derivative = node.primitive.derivative
    if derivative is None:
        raise TypeError(
            f"'{node.op}' was made micrograd's way, Value(data, children, op), and its "
            "_backward works on floats only, so it cannot be differentiated twice "
            "(create_graph, hessian, nested grad); build it from the engine's operations "
            "or with @primitive"
        )
    pairs = [
        (parent, local)
        for parent, local in zip(node.parents, derivative(*node.parents, node))
        if isinstance(local, Value) or local != 0.0
    ]
    return tuple(p for p, _ in pairs), tuple(local for _, local in pairs)
