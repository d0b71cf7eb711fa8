"""`backward()` one node at a time, each step an application of the chain rule to read or draw.

The steps visit nodes in the order `backpropagate` does (reverse topological order) and add
the same numbers in the same order, so when the generator is exhausted every `.grad` is,
bit for bit, what `backward()` would have left. Leaves get no step of their own: nothing
flows out of them, and their gradient is complete once every node using them has had its step.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

from .anomaly import check_backward
from .graph import topological_order
from .mode import mode
from .notation import factor, node_names, number
from .value import Value


@dataclass(frozen=True, eq=False)
class Trace:
    """What all the steps of one backward pass share: the graph and how `.grad` started."""

    root: Value
    names: dict[Value, str]
    start: dict[Value, float]  # each node's .grad before the pass

    def grad(self, node: Value, total: float) -> float:
        """`node.grad` once this pass has added `total`, combined as `Value.backward` does."""
        before = self.start[node]
        return before + total if before else total


@dataclass(frozen=True)
class Term:
    """One parent's share of a step: ∂L/∂parent += ∂L/∂node · ∂node/∂parent."""

    parent: Value
    local: float  # ∂node/∂parent
    contribution: float  # local · the step's gradient
    before: float | None  # this pass's ∂L/∂parent before the step (None: nothing yet)
    total: float  # this pass's ∂L/∂parent so far, contribution included
    grad: float  # parent.grad after the step: total plus what .grad held before the pass


@dataclass(frozen=True, eq=False, repr=False)
class Step:
    """The chain rule applied at one node: its gradient is complete and flows to its parents."""

    index: int
    node: Value
    grad: float  # this pass's ∂L/∂node
    terms: tuple[Term, ...]
    previous: Step | None
    trace: Trace

    def totals(self) -> dict[Value, float]:
        """This pass's ∂L/∂node, so far, for every node reached by this step."""
        totals = {self.trace.root: 1.0}
        step: Step | None = self
        while step is not None:
            for term in reversed(step.terms):
                totals.setdefault(term.parent, term.total)
            step = step.previous
        return totals

    def __str__(self) -> str:
        names = self.trace.names
        loss, node = names[self.trace.root], names[self.node]
        lines = []
        for term in self.terms:
            parent = names[term.parent]
            line = (
                f"∂{loss}/∂{parent} += ∂{loss}/∂{node} · ∂{node}/∂{parent}"
                f" = {factor(self.grad)} · {factor(term.local)} = {number(term.contribution)}"
            )
            if term.before is not None:
                line += (
                    f", so ∂{loss}/∂{parent} = {number(term.before)} {_plus(term.contribution)}"
                    f" = {number(term.total)}"
                )
            lines.append(line)
        return "\n".join(lines)

    def __repr__(self) -> str:
        names = self.trace.names
        return (
            f"<Step index={self.index} at {names[self.node]}: "
            f"∂{names[self.trace.root]}/∂{names[self.node]} = {number(self.grad)}>"
        )


def _plus(x: float) -> str:
    return f"- {number(-x)}" if x < 0 else f"+ {number(x)}"


def backward_steps(root: Value) -> Iterator[Step]:
    """Run `root.backward()` one node at a time, yielding a `Step` after each node.

    `.grad` is updated as the steps go (it always holds what it held before plus this pass's
    contributions so far), so exhausting the generator is the same as calling `backward()`.
    """
    order = topological_order(root)
    trace = Trace(root, node_names(order), {n: n.grad for n in order})
    totals: dict[Value, float] = {root: 1.0}
    root.grad = trace.grad(root, 1.0)
    previous = None
    for node in reversed(order):
        if not node.parents:
            continue
        gradient = totals[node]
        if mode.detect_anomaly:
            check_backward(node, node.local_grads, gradient)
        terms = []
        for parent, local in zip(node.parents, node.local_grads):
            contribution = local * gradient
            before = totals.get(parent)
            total = contribution if before is None else before + contribution
            totals[parent] = total
            parent.grad = trace.grad(parent, total)
            terms.append(Term(parent, local, contribution, before, total, parent.grad))
        index = 0 if previous is None else previous.index + 1
        previous = Step(index, node, gradient, tuple(terms), previous, trace)
        yield previous
