"""`backward()` one node at a time, each step an application of the chain rule to read or draw.

A step is the chain-rule loop of `backward()` (`graph.backward_pass`) observed at one node, so
the steps add the same numbers in the same order: when the generator is exhausted every
`.grad` is, bit for bit, what `backward()` would have left. Leaves get no step of their own:
nothing flows out of them, and their gradient is complete once every node using them has had
its step.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from functools import cached_property

from .. import graph
from ..graph import Term, topological_order
from ..value import Partial, Value
from .notation import factor, is_constant, local, node_names, number, operand


@dataclass(frozen=True, eq=False)
class BackwardPass:
    """What all the steps of one backward pass share: the graph and how `.grad` started.

    Drawn (`draw_graph(root, step=trace)`), it is the pass before its first step: the forward
    pass alone, every gradient still to come.
    """

    root: Value
    names: dict[Value, str]
    start: dict[Value, Partial]  # each node's .grad before the pass

    @classmethod
    def fresh(cls, root: Value) -> BackwardPass:
        """A pass of its own from `root`, every gradient from 0, as drawings and pages show
        backward: it reads the graph and never writes a `.grad`."""
        order = topological_order(root)
        return cls(root, node_names(order), dict.fromkeys(order, 0.0))

    def grad(self, node: Value, total: Partial) -> Partial:
        """`node.grad` once this pass has added `total`, combined as `Value.backward` does."""
        return graph.added(self.start[node], total)

    @cached_property
    def steps(self) -> tuple[Step, ...]:
        """Every step of this pass, from a pass of its own that leaves every `.grad` as it was:
        all that a drawing of any one step may show, so it can size its boxes once for all."""
        return tuple(_steps(self, graph.backward_pass(self.root, observe=True, aside=True)))

    @cached_property
    def texts(self) -> tuple[str, ...]:
        """Each step's chain rule, as `str(step)` writes it."""
        return tuple(str(step) for step in self.steps)


@dataclass(frozen=True, eq=False, repr=False)
class Step:
    """The chain rule applied at one node: its gradient is complete and flows to its parents."""

    index: int
    node: Value
    grad: Partial  # this pass's ∂L/∂node
    terms: tuple[Term, ...]
    previous: Step | None
    trace: BackwardPass

    def totals(self) -> dict[Value, Partial]:
        """This pass's ∂L/∂node, so far, for every node reached by this step."""
        totals = {self.trace.root: 1.0}
        step: Step | None = self
        while step is not None:
            for term in reversed(step.terms):
                totals.setdefault(term.parent, term.total)
            step = step.previous
        return totals

    def __str__(self) -> str:
        """One line per parent: the gradient it accumulates, ∂L/∂parent, and the local
        derivative it multiplies by, written with the operation (∂(x × y)/∂x). Constants the
        program wrote as numbers get no line: ∂L/∂1 teaches nothing."""
        names = self.trace.names
        loss, node = names[self.trace.root], operand(self.node, names)
        lines = []
        for term in self.terms:
            if is_constant(term.parent):
                continue
            parent = operand(term.parent, names)
            line = (
                f"∂{loss}/∂{parent} += ∂{loss}/∂{node} · {local(self.node, term.parent, names)}"
                f" = {factor(self.grad)} · {factor(term.local)} = {number(term.contribution)}"
            )
            if term.before is not None:
                line += (
                    f", so ∂{loss}/∂{parent} = {number(term.before)} {_plus(term.contribution)}"
                    f" = {number(term.total)}"
                )
            lines.append(line)
        if not lines:
            lines.append(f"∂{loss}/∂{node} = {number(self.grad)} goes on to constants alone")
        return "\n".join(lines)

    def __repr__(self) -> str:
        names = self.trace.names
        return (
            f"<Step index={self.index} at {names[self.node]}: "
            f"∂{names[self.trace.root]}/∂{operand(self.node, names)} = {number(self.grad)}>"
        )


def _plus(x: float) -> str:
    return f"- {number(-x)}" if x < 0 else f"+ {number(x)}"


def backward_steps(root: Value) -> Iterator[Step]:
    """Run `root.backward()` one node at a time, yielding a `Step` after each node.

    Exhausting the generator is the same as calling `backward()`: this pass's gradients are
    added into `.grad` when the last step is done. Until then each step carries the numbers
    (`step.totals()`, each term's `total` and `grad`), and `.grad` holds the pass's running
    sums (None where nothing has arrived yet). Stopped early (by an anomaly, or the generator
    closed before its end), the pass leaves every `.grad` as it was, as `backward()` does.
    """
    order = topological_order(root)
    trace = BackwardPass(root, node_names(order), {n: n.grad for n in order})
    yield from _steps(trace, graph.backward_pass(root, observe=True))


def _steps(trace: BackwardPass, visits: Iterator[graph.Visit]) -> Iterator[Step]:
    """The steps of `trace`'s pass, one per visit of its chain-rule loop."""
    previous = None
    for node, gradient, terms in visits:
        index = 0 if previous is None else previous.index + 1
        previous = Step(index, node, gradient, terms, previous, trace)
        yield previous
