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
    seen = {root}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if parent not in seen:
                seen.add(parent)
                if parent.parents:
                    stack.append((parent, iter(parent.parents)))
                    break
                order.append(parent)
        else:
            stack.pop()
            order.append(node)
    return order


def backpropagate(root: Value, create_graph: bool = False) -> dict[Value, Partial]:
    """∂root/∂node for every node `root` depends on, without touching any `.grad`.

    Visits nodes from `root` back to the leaves; each node's gradient is complete when it is
    visited (all its consumers come before it) and is passed to each parent multiplied by the
    local derivative. With `create_graph`, local derivatives come from the op's derivative
    rule applied to the parents themselves, so every gradient is a differentiable `Value`.
    """
    if create_graph:
        previous, mode.grad_enabled = mode.grad_enabled, True
        seed: Partial = _leaf(1.0)
    else:
        seed = 1.0
    grads: dict[Value, Partial] = {root: seed}
    get = grads.get
    anomaly = mode.detect_anomaly
    try:
        for node in reversed(topological_order(root)):
            parents = node.parents
            if not parents:
                continue
            gradient = grads[node]
            if create_graph:
                local_grads = node.op.derivative(*parents, node)
            else:
                local_grads = node.local_grads
            if anomaly:
                check_backward(node, local_grads, gradient)
            for parent, local in zip(parents, local_grads):
                contribution = local * gradient
                before = get(parent)
                grads[parent] = contribution if before is None else before + contribution
    finally:
        if create_graph:
            mode.grad_enabled = previous
    return grads
