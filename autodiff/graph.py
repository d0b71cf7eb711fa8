"""Walking the graph: iterative topological order and the chain rule over it."""

from __future__ import annotations

from .anomaly import check_backward
from .mode import mode
from .value import Partial, Value, _leaf


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its parents, `root` last.

    Iterative depth-first search (no recursion, so a chain of a million nodes is fine),
    visiting parents in their recorded order, so the order is deterministic.
    """
    order: list[Value] = []
    emit = order.append
    seen = {root}
    see = seen.add
    stack = [(root, iter(root.parents))]
    push = stack.append
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                see(parent)
                if parent.parents:
                    push((parent, iter(parent.parents)))
                    break
                emit(parent)
        else:
            stack.pop()
            emit(node)
    return order


def backpropagate(root: Value, create_graph: bool = False) -> dict[Value, Partial]:
    """∂root/∂node for every node `root` depends on; every `.grad` is left as it was."""
    order = topological_order(root)
    before = [node.grad for node in order]
    try:
        _chain_rule(order, create_graph)
        return {node: node.grad for node in order}
    finally:
        for node, grad in zip(order, before):
            node.grad = grad


def accumulate(root: Value, create_graph: bool = False) -> None:
    """Add ∂root/∂node into `node.grad` for every node `root` depends on (`Value.backward`).

    Nothing is added if the chain rule fails half-way (an anomaly, an interrupt).
    """
    order = topological_order(root)
    before = [node.grad for node in order]
    try:
        _chain_rule(order, create_graph)
    except BaseException:
        for node, grad in zip(order, before):
            node.grad = grad
        raise
    for node, grad in zip(order, before):
        if grad:  # a float gradient of 0 adds nothing; a Value (create_graph) is always true
            node.grad = grad + node.grad


def _chain_rule(order: list[Value], create_graph: bool) -> None:
    """This call's ∂root/∂node into each `node.grad` (its callers set the old ones aside).

    The gradients live in `.grad` while they are summed, as scratch, because attribute access
    is cheaper than a dictionary keyed by node and this loop runs once per node.
    Visits nodes from the root (last in `order`) back to the leaves; each node's gradient is
    complete when it is visited (all its consumers come before it) and is passed to each
    parent multiplied by the local derivative. With `create_graph`, local derivatives come from
    the op's derivative rule applied to the parents themselves, so every gradient is a
    differentiable `Value`.
    """
    for node in order:
        node.grad = None  # no contribution yet
    if create_graph:
        previous, mode.grad_enabled = mode.grad_enabled, True
        order[-1].grad = _leaf(1.0)
    else:
        order[-1].grad = 1.0
    anomaly = mode.detect_anomaly
    try:
        for node in reversed(order):
            parents = node.parents
            if not parents:
                continue
            gradient = node.grad
            if create_graph:
                local_grads = node.op.derivative(*parents, node)
            else:
                local_grads = node.local_grads
            if anomaly:
                check_backward(node, local_grads, gradient)
            for parent, local in zip(parents, local_grads):
                contribution = local * gradient
                before = parent.grad
                parent.grad = contribution if before is None else before + contribution
    finally:
        if create_graph:
            mode.grad_enabled = previous
