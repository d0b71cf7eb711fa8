"""Copies and pickles of graphs, without recursion as deep as the graph.

`pickle` and `copy.deepcopy` save an object's fields after the object itself, so a node's
parents, then theirs, would be saved one call deeper each: a chain of a few hundred nodes
would exhaust Python's recursion. Instead a node with parents lists its ancestors before
itself, parents first (found by a walk on an explicit stack), so that by the time pickle or
deepcopy reach a node's fields its parents are made already. Each listed ancestor is saved by
its fields alone. A node keeps everything: its number, gradient, parents, local derivatives,
primitive, name and the attributes a program set on it (micrograd's `_backward` closures are
shared by `deepcopy`, as Python copies functions, and refused by `pickle`, as before).
"""

from __future__ import annotations

from collections.abc import Collection
from contextvars import ContextVar
from copy import deepcopy
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .value import Value

FIELDS = ("data", "grad", "parents", "local_grads", "primitive", "name")

# Ids of the nodes a descendant's copy has listed before itself, to be saved by their fields:
# per thread and task, as copies run there.
_LISTED: ContextVar[set[int]] = ContextVar("autodiff_listed")


def reduce(node: Value) -> tuple:
    """What pickle and deepcopy save for `node`: its ancestors first unless a descendant
    listed it (or it has none), then its fields."""
    listed = _listed()
    if id(node) in listed or not node.parents:
        listed.discard(id(node))
        return new_node, (type(node),), fields(node)
    ancestors = walk(node)[:-1]
    listed.update(map(id, ancestors))
    return new_node, (type(node), *ancestors, _Unlist(ancestors)), fields(node)


def new_node(cls: type, *earlier: object) -> Value:
    """A new node, to be filled in from its fields: `earlier` were saved (made) first."""
    return cls.__new__(cls)


def fields(node: Value) -> tuple:
    return (node.data, node.grad, node.parents, node.local_grads, node.primitive, node.name,
            node.__dict__ or None)


def restore(node: Value, state: tuple) -> None:
    """Fill `node` in from its saved fields (less the mark of the original's last walk)."""
    node._walk = None
    *values, attributes = state
    for name, value in zip(FIELDS, values):
        setattr(node, name, value)
    if attributes:
        node.__dict__.update(attributes)


def shallow(node: Value) -> Value:
    """A node with the same fields, its parents shared (as `copy.copy` makes any object)."""
    twin = new_node(type(node))
    restore(twin, fields(node))
    return twin


def deep(root: Value, memo: dict) -> Value:
    """The graph behind `root`, copied node by node, parents first, skipping what this copy
    has made already (one walk for a list of nodes of the same graph)."""
    for node in walk(root, memo):
        twin = memo[id(node)] = new_node(type(node))
        twin.data, twin.name, twin.primitive = node.data, node.name, node.primitive
        twin._walk = None
        twin.grad = node.grad if type(node.grad) is float else deepcopy(node.grad, memo)
        twin.parents = tuple([memo[id(p)] for p in node.parents])
        local_grads = node.local_grads
        if local_grads is None or any(type(d) is not float for d in local_grads):
            local_grads = deepcopy(local_grads, memo)  # Values (a gradient's graph), or None
        twin.local_grads = local_grads
        if node.__dict__:
            twin.__dict__.update(deepcopy(node.__dict__, memo))
    return memo[id(root)]


def walk(root: Value, done: Collection[int] = ()) -> list[Value]:
    """The nodes `root` depends on and root, each after its parents, leaving out (and not
    walking behind) those whose ids are in `done`: an explicit stack."""
    order: list[Value] = []
    seen = {id(root)}
    stack = [(root, iter(root.parents))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if id(parent) not in seen and id(parent) not in done:
                seen.add(id(parent))
                stack.append((parent, iter(parent.parents)))
                break
        else:
            stack.pop()
            order.append(node)
    return order


def _listed() -> set[int]:
    listed = _LISTED.get(None)
    if listed is None:
        listed = set()
        _LISTED.set(listed)
    return listed


class _Unlist:
    """The end of the ancestors a copy lists: nodes it never reached again (already saved
    elsewhere in the same pickle) stop being listed."""

    def __init__(self, nodes: list[Value]) -> None:
        self.ids = [id(node) for node in nodes]

    def _done(self) -> None:
        _listed().difference_update(self.ids)

    def __reduce__(self) -> tuple:
        self._done()
        return (tuple, ())

    def __deepcopy__(self, memo: dict) -> None:
        self._done()
