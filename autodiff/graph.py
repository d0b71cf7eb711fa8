"""Walking the graph: iterative topological order, and the one chain-rule loop over it.

`Value.backward`, the transforms (`backpropagate`) and `backward_steps` all run `backward_pass`;
a step is that loop observed one node at a time, so the three cannot diverge.
"""

from __future__ import annotations

import gc
import math
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import NamedTuple

from .anomaly import check_backward
from .mode import current, enable_grad
from .value import _ONE_ONE, Partial, Value, _leaf

# A pass keeps its running sums in `.grad` (attribute access is cheaper than a dict keyed by
# node: 7 against 10 ms for the 68,000 edges of a training step). One pass at a time, so two
# threads differentiating graphs that share nodes (a model's parameters) never mix their sums.
_PASS_LOCK = threading.RLock()


@contextmanager
def _one_pass_at_a_time() -> Iterator[None]:
    """Hold the pass lock, with Python's cyclic collector paused: a pass makes no garbage
    cycles, yet the objects its walk allocates set off collections that traverse the whole
    live graph (backward of a 10^5-node chain: 2.5× faster without them)."""
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


class Term(NamedTuple):
    """One parent's share of a node's step: ∂L/∂parent += ∂L/∂node · ∂node/∂parent."""

    parent: Value
    local: Partial  # ∂node/∂parent
    contribution: Partial  # local · the node's gradient
    before: Partial | None  # this pass's ∂L/∂parent before the step (None: nothing yet)
    total: Partial  # this pass's ∂L/∂parent so far, contribution included


class Visit(NamedTuple):
    """The chain rule applied at one node: its gradient, complete, and what each parent got."""

    node: Value
    gradient: Partial  # this pass's ∂L/∂node
    terms: tuple[Term, ...]


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its parents, `root` last.

    A depth-first search visiting parents in their recorded order, so the order is
    deterministic. A node reached is marked with the walk (an object made for it) instead of
    being put in a set: a third fewer instructions. Walks take the pass lock, so two threads
    never mark one graph at once. The search recurses, which CPython runs with 43% fewer
    instructions than an explicit stack; should it run out of recursion (a deep graph, or a
    caller deep already), it starts again with an explicit stack, so a chain of a million nodes
    is fine.
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


def backward_pass(
    root: Value,
    create_graph: bool = False,
    observe: bool = False,
    results: dict[Value, Partial] | None = None,
) -> Iterator[Visit]:
    """One backward pass from `root`: the chain rule over its graph, from `root` to the leaves.

    Each node's gradient is complete when it is visited (all its consumers come before it) and
    flows to each parent multiplied by the local derivative. With `observe`, a `Visit` is
    yielded after each node. When the pass completes, its gradients are added into `.grad`
    (what `backward()` does), or, given `results`, stored there with `.grad` left as it was
    (what the transforms need). A pass that stops early (an anomaly, an interrupt, a generator
    closed before its end) leaves every `.grad` as it was.

    With `create_graph`, local derivatives come from each primitive's rule applied to the
    parents themselves, so every gradient is a differentiable `Value`.
    """
    with nullcontext() if observe else _one_pass_at_a_time():
        order = topological_order(root)
        before = [node.grad for node in order]
        # Usually every sum starts at 0 already (fresh nodes, parameters after zero_grad).
        started = create_graph or before.count(0.0) < len(before)
        if started:  # this pass's sums start at 0 (at None under create_graph: see _chain_rule)
            zero = None if create_graph else 0.0
            for node in order:
                node.grad = zero
        finished = False
        try:
            yield from _chain_rule(order, create_graph, observe)
            finished = True
            if results is not None:
                results.update((node, node.grad) for node in order)
        finally:
            if not finished or results is not None:
                for node, old in zip(order, before):
                    node.grad = old
            elif started:
                for node, old in zip(order, before):
                    if old:  # a float 0 adds nothing; a Value (create_graph) is always true
                        node.grad = old + node.grad


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


def _chain_rule(order: list[Value], create_graph: bool, observe: bool) -> Iterator[Visit]:
    """This pass's ∂root/∂node into each `node.grad` (its caller sets the old ones aside).

    The sums start at 0 (at None under create_graph, so that no `0 + Value` node is made).
    """
    anomaly = current().anomaly
    plain = not (create_graph or observe or anomaly)
    reached = {order[-1]} if observe else set()  # the sums that have had a contribution
    with enable_grad() if create_graph else nullcontext():
        order[-1].grad = _leaf(1.0) if create_graph else 1.0
        for node in reversed(order):
            parents = node.parents
            if not parents:
                continue
            gradient = node.grad
            if create_graph:
                if gradient is None:  # only constant zeros reached it (see below)
                    continue
                parents, local_grads = _derivatives_as_graph(node)
            else:
                local_grads = node.local_grads
                if local_grads is None:
                    visit = _run_backward_closure(node, anomaly, reached if observe else None)
                    if observe:
                        yield visit
                    continue
                if plain:  # sums that start at 0, nothing to record: the loop at its leanest
                    if local_grads is _ONE_ONE:  # a sum: nothing to multiply by
                        a, b = parents
                        a.grad += gradient
                        b.grad += gradient
                    elif len(parents) == 2:  # unpacked: a sixth fewer instructions than indexing
                        a, b = parents
                        da, db = local_grads
                        a.grad += da * gradient
                        b.grad += db * gradient
                    elif len(parents) == 1:
                        parents[0].grad += local_grads[0] * gradient
                    elif gradient != 0.0 or not math.isfinite(sum(local_grads)):
                        for parent, local in zip(parents, local_grads):
                            parent.grad += local * gradient
                    # else every contribution is ±0, which leaves every sum as it is (sums
                    # start at +0.0): a neuron's z behind a relu at rest. 11% fewer
                    # instructions per nn training step
                    continue
            if anomaly:
                check_backward(node, local_grads, gradient)
            terms = [] if observe else None
            for parent, local in zip(parents, local_grads):
                contribution = local * gradient
                before = parent.grad
                parent.grad = total = contribution if before is None else before + contribution
                if terms is not None:
                    old = before if parent in reached else None
                    terms.append(Term(parent, local, contribution, old, total))
                    reached.add(parent)
            if observe:
                yield Visit(node, gradient, tuple(terms))
        if create_graph:  # what only constant zeros reached is a constant zero, still a Value
            for node in order:
                if node.grad is None:
                    node.grad = _leaf(0.0)


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


def _run_backward_closure(node: Value, anomaly: bool, reached: set[Value] | None) -> Visit | None:
    """The chain rule at a node made micrograd's way: its own `_backward` adds into the
    parents' `.grad` from `node.grad`. Observed (`reached` given), it is read as a `Visit`."""
    parents = node.parents
    observe = reached is not None
    locals_ = local_derivatives(node) if anomaly or observe else ()
    if anomaly:
        check_backward(node, locals_, node.grad)
    before = [parent.grad for parent in parents]
    node._backward()
    if not observe:
        return None
    gradient = node.grad
    terms = []
    for parent, local, old in zip(parents, locals_, before):
        terms.append(Term(parent, local, local * gradient, old if parent in reached else None,
                          parent.grad))
        reached.add(parent)
    return Visit(node, gradient, tuple(terms))
