"""How far backward has got at a step: which gradients are complete, partial or pending, and
what each grad cell shows. A drawing draws it; the stepper page sends it step by step."""

from __future__ import annotations

from collections import Counter
from functools import cached_property

from ..value import Partial, Value
from .notation import number
from .steps import BackwardPass, Step


class Progress:
    """The pass of `step` (a `Step`, or its `BackwardPass` before the first step) as it stands then.

    Without a step, backward has finished: every gradient is shown as `.grad` holds it.
    """

    def __init__(self, order: list[Value], step: Step | BackwardPass | None) -> None:
        self.step = step
        self.current = step.node if isinstance(step, Step) else None
        if step is None:
            return
        self.trace = step if isinstance(step, BackwardPass) else step.trace
        self.totals = step.totals() if isinstance(step, Step) else {}
        self.uses = Counter(parent for node in order for parent in node.parents)
        self.received: Counter[Value] = Counter()
        at = step if isinstance(step, Step) else None
        while at is not None:
            self.received.update(term.parent for term in at.terms)
            at = at.previous

    def state(self, node: Value) -> str:
        """"pending" until a gradient reaches `node`, "partial" until all have, "complete"."""
        if self.step is None:
            return "complete"
        if node not in self.totals:
            return "pending"
        return "complete" if self.received[node] == self.uses[node] else "partial"

    def classes(self, node: Value) -> list[str]:
        if self.step is None:
            return []
        return [self.state(node), *(["current"] if node is self.current else [])]

    def shown(self, node: Value, state: str) -> str:
        """The gradient as it stands, as text: pending ones as ?, partial sums as 0.5 + …"""
        if state == "pending":
            return "?"
        if self.step is None:
            return number(node.grad)
        grad = number(self.trace.grad(node, self.totals[node]))
        return _partial(grad) if state == "partial" else grad

    def every_shown(self, node: Value) -> list[str]:
        """Everything `shown` says of `node` at one step or another of the pass."""
        totals = self._running.get(node, [])
        return ["?", *(_partial(number(self.trace.grad(node, t))) for t in totals[:-1]),
                *(number(self.trace.grad(node, t)) for t in totals[-1:])]

    @cached_property
    def _running(self) -> dict[Value, list[Partial]]:
        """Each node's sum so far after each step that adds to it, over the whole pass."""
        running: dict[Value, list[Partial]] = {self.trace.root: [1.0]}
        for each in self.trace.steps:
            for term in each.terms:
                running.setdefault(term.parent, []).append(term.total)
        return running


def _partial(grad: str) -> str:
    return f"{grad} + …"
