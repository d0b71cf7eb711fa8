"""Writing a recording's replay: straight-line Python from the graph `compile` recorded.

One generator function per recording, `replay(*inputs)`. Its first half checks that each
captured Value is still where `f` finds it (`captures.py`), runs the forward pass (each
primitive's `forward`, the captured Values read from `.data`) and the guards, and yields the
outputs; its second half, resumed with their gradient, is the backward pass: the local
derivatives from each primitive's `derivative` rule on the replayed floats, summed into each
node's gradient in the order `graph.backward_pass` adds them. The same float operations in
the same order give the same bits as `value_and_grad`. A check that comes out otherwise ends
the replay early, returning its number (see `Replay.checks`). `rolled.py` writes the replay of
a large graph with the same checks, as loops.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from ..rules import Primitive
from ..value import COMPARISONS, Value
from .captures import Ways, step_code
from .tracing import ATOM, MAX_TERMS, PRODUCT, SUM, UNARY, Symbol, trace, unit_product


class Guard(NamedTuple):
    """A comparison of values made while recording, and where the program made it."""

    op: str
    a: Value
    b: Value
    outcome: bool
    site: tuple[str, int, str] | None  # file, line, function

    def describe(self) -> str:
        where = "" if self.site is None else f" at {self.site[0]}:{self.site[1]}"
        return f"the comparison '{self.op}'{where}"


class RecordedGraph:
    """What a recording replays: the nodes `f` made, in backward's order, and what they start
    from (its inputs, constants it made from numbers, and the Values it captured)."""

    def __init__(self, inputs: list[Value], outputs: list, guards: list[Guard],
                 constants: set[Value], made: set[int]) -> None:
        self.inputs, self.outputs, self.guards, self.constants = inputs, outputs, guards, constants
        roots = [o for o in outputs if isinstance(o, Value)]
        roots += [v for guard in guards for v in (guard.a, guard.b)]
        self.order = _walk(roots, made)
        self.at = {node: i for i, node in enumerate(self.order)}
        self.input_set = set(inputs)
        given = self.input_set | constants
        self.captured = [node for node in self.order
                         if node not in given and (not node.parents or id(node) not in made)]
        self.captured_set = set(self.captured)


def _walk(roots: list[Value], made: set[int]) -> list[Value]:
    """The nodes the roots depend on, in `graph.topological_order`'s order from a node whose
    parents are `roots` (so the sums add in backward's order), not entering the graph behind
    a node `f` did not make (a captured Value, read as it is)."""
    order: list[Value] = []
    seen: set[Value] = set()

    def parents(node: Value) -> Any:
        return iter(node.parents if id(node) in made else ())

    for root in roots:
        if root in seen:
            continue
        seen.add(root)
        stack = [(root, parents(root))]
        while stack:
            node, rest = stack[-1]
            for parent in rest:
                if parent not in seen:
                    seen.add(parent)
                    stack.append((parent, parents(parent)))
                    break
            else:
                stack.pop()
                order.append(node)
    return order


class Replay(NamedTuple):
    source: str  # the generated code, for reading
    namespace: dict[str, Any]  # the objects it names
    checks: list[str]  # what each check is, by the number a replay that fails it returns


def write_replay(graph: RecordedGraph, ways: Ways, count: int | None) -> Replay:
    """The source of `replay(*inputs)` for `graph` (`count`: None for one output, else the
    number of outputs), checking that each captured Value with a way is still found there."""
    return Writer(graph, ways).replay(count)


class Writer:
    """The lines of one replay, written half by half: a variable per node, a line per node."""

    def __init__(self, graph: RecordedGraph, ways: Ways) -> None:
        self.graph, self.ways, self.code = graph, ways, Code()
        self.checks: list[str] = []
        at, n = graph.at, len(graph.order)
        params = [f"v{at[x]}" if x in at else f"unused{k}" for k, x in enumerate(graph.inputs)]
        self.lines = [f"def replay({', '.join(params)}):"]
        self.needs = [False] * n  # whether an input lies upstream, so its gradient is wanted
        self.name = [f"v{i}" for i in range(n)]  # a variable, or a constant's literal
        self.terms: dict[int, list[Symbol]] = {}  # what the chain rule adds into each gradient

    def replay(self, count: int | None) -> Replay:
        self.check_ways()
        self.forward()
        self.guards()
        self.outputs(count)
        self.backward(count)
        return Replay("\n".join(self.lines) + "\n", self.code.namespace, self.checks)

    def forward(self) -> None:
        for i, node in enumerate(self.graph.order):
            if not self.leaf(i, node):
                self.compute(i, node)

    def compute(self, i: int, node: Value) -> None:
        """The line computing node i from its parents."""
        graph, name = self.graph, self.name
        forward = self.code.forward(compilable(node), len(node.parents))
        parents = (name[graph.at[p]] for p in node.parents)
        self.lines.append(f"    v{i} = {forward.format(*parents)}")
        self.needs[i] = any(self.needs[graph.at[p]] for p in node.parents)

    def leaf(self, i: int, node: Value) -> bool:
        """Write what starts the forward pass at node i (an input, a constant, a captured
        Value read from .data); False for a node to compute."""
        if node in self.graph.input_set:
            self.needs[i] = True
        elif node in self.graph.constants:
            self.constant(i, node)
        elif node in self.graph.captured_set:
            self.lines.append(f"    {self.name[i]} = {self.code.bind(node)}.data")
        else:
            return False
        return True

    def constant(self, i: int, node: Value) -> None:
        self.name[i] = self.code.literal(node.data).text

    def check_ways(self) -> None:
        """Check, before anything, that each way to a captured Value still leads to it. Ways
        share their beginnings (a model's layers, a layer's weights), each followed once."""
        bind, followed = self.code.bind, {}
        for node, ways in self.ways.items():
            for way in ways:
                if not way.steps:
                    continue
                reached, key = bind(way.start), (id(way.start),)
                for step in way.steps[:-1]:
                    key += (step,)
                    if key not in followed:
                        followed[key] = f"w{len(followed)}"
                        self.lines.append(f"    {followed[key]} = {reached}{step_code(step, bind)}")
                    reached = followed[key]
                self._check(f"{reached}{step_code(way.steps[-1], bind)} is not {bind(node)}",
                            f"the Value f reads at {way.text}, replaced by another")

    def _check(self, failed: str, what: str) -> None:
        self.lines.append(f"    if {failed}: return {len(self.checks)}")
        self.checks.append(what)

    def guards(self) -> None:
        for guard in self.graph.guards:
            a, b = (self.name[self.graph.at[v]] for v in (guard.a, guard.b))
            test = f"({a} {_comparison(guard.op)} {b})"
            self._check(test if not guard.outcome else f"not {test}", guard.describe())

    def outputs(self, count: int | None) -> None:
        shown = [self.name[self.graph.at[o]] if isinstance(o, Value)
                 else self.code.literal(float(o)).text for o in self.graph.outputs]
        self.lines.append(
            f"    cotangent = yield {shown[0] if count is None else listed(shown, '[]')}")

    def backward(self, count: int | None) -> None:
        graph, terms = self.graph, self.terms
        self.start_backward(count)
        for i in reversed(range(len(graph.order))):
            self.gradient(i)
        # backward's sums start at 0.0, so a zero gradient is never -0.0 there; here they
        # start at their first term, which may be -0.0 (no other number differs)
        grads = [f"g{graph.at[x]} + 0.0" if x in graph.at and graph.at[x] in terms else "0.0"
                 for x in graph.inputs]
        self.lines.append(f"    return {listed(grads, '()')}")

    def start_backward(self, count: int | None) -> None:
        """The outputs' gradients, which start the chain rule."""
        graph = self.graph
        given = ["cotangent"] if count is None else [f"c{k}" for k in range(count)]
        if count:
            self.lines.append(f"    {listed(given)} = cotangent")
        for gradient, o in zip(given, graph.outputs):
            if isinstance(o, Value) and self.needs[graph.at[o]]:
                self.terms.setdefault(graph.at[o], []).append(Symbol(gradient))

    def gradient(self, i: int) -> None:
        """Node i's gradient, summed, and the terms it adds into its parents'."""
        if i in self.terms:
            self.lines += _sum(f"g{i}", self.terms[i])
            if self.graph.order[i].parents:  # (a captured node never needs a gradient)
                self._chain_rule(i)

    def _chain_rule(self, i: int) -> None:
        """The terms node i adds into its parents' gradients."""
        graph, node = self.graph, self.graph.order[i]
        names = [self.name[graph.at[p]] for p in node.parents] + [self.name[i]]
        rule = self.code.derivative(node.primitive, len(node.parents))
        if rule is None:  # the rule's own call, once for all the parents
            rule = [Symbol(f"d{i}_{k}") for k in range(len(node.parents))]
            self.lines.append(f"    {listed([d.text for d in rule])} = "
                              f"{self.code.call(node.primitive.derivative, names)}")
        for k, parent in enumerate(node.parents):
            if self.needs[graph.at[parent]]:
                local = Symbol(rule[k].text.format(*names), rule[k].precedence)
                self.terms.setdefault(graph.at[parent], []).append(product(local, f"g{i}"))


def listed(items: list[str], brackets: str = "") -> str:
    """Items separated by commas, a one-item tuple or target list marked by its comma."""
    text = ", ".join(items) + ("," if len(items) == 1 and brackets != "[]" else "")
    return f"{brackets[:1]}{text}{brackets[1:]}"


def product(local: Symbol, gradient: str) -> Symbol:
    """`local * gradient`, the chain rule's term."""
    unit = unit_product(local, Symbol(gradient))
    if unit is not None:
        return unit
    text = local.text if local.precedence >= PRODUCT else f"({local.text})"
    return Symbol(f"{text} * {gradient}", PRODUCT)


def compilable(node: Value) -> Primitive:
    primitive = node.primitive
    if node.local_grads is None or primitive is None or primitive.derivative is None:
        raise TypeError(
            f"compile: f's graph has a node '{node.op}' made micrograd's way, Value(data, "
            "children, op), whose chain rule is a _backward closure that cannot be replayed; "
            "build it from the engine's operations or with @primitive"
        )
    return primitive


def _comparison(op: str) -> str:
    if op not in COMPARISONS:
        raise AssertionError(f"unknown comparison {op!r}")
    return op


def _sum(name: str, terms: list[Symbol]) -> list[str]:
    """`name = t1 + t2 + …`, added left to right as the chain rule adds them, in statements
    of at most `MAX_TERMS` terms."""
    lines = []
    for start in range(0, len(terms), MAX_TERMS):
        texts = [name] if start else []
        for term in terms[start:start + MAX_TERMS]:
            bare = term.precedence > SUM or (not texts and term.precedence == SUM)
            texts.append(term.text if bare else f"({term.text})")
        lines.append(f"    {name} = {' + '.join(texts)}")
    return lines


class Code:
    """The names the generated code uses for objects, and the traced code of each rule."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__builtins__": {}}
        self._names: dict[int, str] = {}
        self._traces: dict[tuple, Any] = {}

    def bind(self, obj: Any, prefix: str = "L") -> str:
        """A name in the generated code for `obj` (a leaf, a function, a constant)."""
        name = self._names.get(id(obj))
        if name is None:
            name = self._names[id(obj)] = f"{prefix}{len(self._names)}"
            self.namespace[name] = obj
        return name

    def literal(self, x: float | int) -> Symbol:
        if type(x) in (float, int) and math.isfinite(x):
            text = repr(x)
            return Symbol(text, UNARY if text.startswith("-") else ATOM)
        return Symbol(self.bind(x, "K"))

    def call(self, function: Callable, names: Sequence[str]) -> str:
        return f"{self.bind(function, 'F')}({', '.join(names)})"

    def forward(self, primitive: Primitive, arity: int) -> str:
        """The expression computing the node from its parents {0}, {1}, …"""
        key = (primitive, arity, "forward")
        if key not in self._traces:
            function = _OPERATORS.get(primitive.forward, primitive.forward)
            traced = trace(function, arity, self)
            self._traces[key] = (
                traced[0].text if traced is not None and len(traced) == 1
                else self.call(primitive.forward, [f"{{{k}}}" for k in range(arity)])
            )
        return self._traces[key]

    def derivative(self, primitive: Primitive, arity: int) -> list[Symbol] | None:
        """The local derivatives in parents {0}, {1}, … and output {arity}, or None when the
        rule must be called."""
        key = (primitive, arity, "derivative")
        if key not in self._traces:
            traced = trace(primitive.derivative, arity + 1, self)
            self._traces[key] = traced if traced is not None and len(traced) == arity else None
        return self._traces[key]


# Python's float methods, which symbols cannot enter, as the operators that are the same
# operations on floats.
_OPERATORS: dict[Callable, Callable] = {
    float.__add__: operator.add, float.__sub__: operator.sub, float.__mul__: operator.mul,
    float.__truediv__: operator.truediv, float.__neg__: operator.neg,
}
