"""`Value`, a node of the graph, and `build`, the one way an operation makes a node.

A node records its parents and ∂node/∂parent for each (its local derivatives); `backward`
(the chain rule, in `graph.py`) only multiplies and adds those numbers. Each operator below is
one line naming its primitive; the primitive (in `rules.py`, one table entry each) says how to
compute the number and the local derivatives, and `build` makes the node from it.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Collection
from functools import update_wrapper
from numbers import Real
from typing import TYPE_CHECKING, SupportsIndex, Union

from . import copies
from .mode import PLAIN, Mode, current

if TYPE_CHECKING:
    from .rules import Primitive

Number = int | float
# Value is not defined yet: these two name it as a string, which only Union takes.
Operand = Union["Value", Number]
Partial = Union["Value", float]

# The operators that run once per operation, by their primitive's name in the table: each is
# `build` for its primitive generated as one function (the end of this file), since a call to
# build and to the rule per operation is most of what a training step costs.
GENERATED: dict[str, str] = {
    "__add__": "+", "__sub__": "-", "__mul__": "*", "__truediv__": "/", "__neg__": "neg",
    "__abs__": "abs", "abs": "abs", "exp": "exp", "log": "log", "tanh": "tanh",
    "sigmoid": "sigmoid", "relu": "relu", "sin": "sin", "cos": "cos", "sqrt": "sqrt",
}


class Value:
    """A scalar in a computation graph, with the gradient that `backward` accumulates into it.

    `Value(data, name="x")`, or micrograd's `Value(data, _children, _op, label)`: a node made
    that way takes its chain rule from the `_backward` closure the program assigns to it.
    Any other attribute may be set on a value; the dictionary that holds such attributes is
    made only for the values that get one. `name` and `group` are what drawings and step text
    show: what the value is called, and the nested boxes it is drawn in.
    """

    __slots__ = (
        "data", "grad", "parents", "local_grads", "primitive", "name", "_walk", "__dict__",
    )

    # Where drawings box this value, outermost box first: ("layer 1", "neuron 2"). Whoever builds
    # the graph sets it (nn does); a value keeps its own only when one is set.
    group: tuple[str, ...] = ()

    # NumPy scalars on the left (np.float64(2) * v) defer to our reflected operators.
    __array_ufunc__ = None

    def __init__(
        self,
        data: Number,
        _children: Collection[Value] = (),
        _op: str = "",
        label: str | None = None,
        *,
        name: str | None = None,
    ) -> None:
        if type(data) is not float and not isinstance(data, Real):  # the ABC check is slow
            raise TypeError(
                f"Value() needs a real number, got {data!r} of type {type(data).__name__}"
            )
        self.data = float(data)
        self.grad: Partial = 0.0
        self.name = _name(name, label)
        self.parents: tuple[Value, ...] = ()
        self.local_grads: tuple[Partial, ...] | None = ()
        self.primitive: Primitive | None = None
        self._walk: object = None
        if _children:
            self._adopt(_children, _op)

    def _adopt(self, children: Collection[Value], op: str) -> None:
        """micrograd's way to make an operation: `children` are the parents (each once, as
        micrograd keeps a set) and `self._backward`, once the program assigns it, the chain rule."""
        if isinstance(children, (str, bytes)) or not isinstance(children, Collection):
            raise TypeError(
                f"Value(): _children must be a tuple of Values (micrograd's signature), got "
                f"{children!r}; to name a value write Value(data, name=...)"
            )
        parents = tuple(dict.fromkeys(children))
        for parent in parents:
            if not isinstance(parent, Value):
                raise TypeError(f"Value(): each of _children must be a Value, got {parent!r}")
        if not isinstance(op, str):
            raise TypeError(f"Value(): _op must be a string, got {op!r}")
        mode = current()
        if mode.grad_enabled:
            self.parents = parents
            self.local_grads = None  # known only to the node's _backward
            self.primitive = custom(op)
            if mode.recording is not None:
                mode.recording.made.add(id(self))

    def __repr__(self) -> str:
        named = f", name={self.name!r}" if self.name is not None else ""
        return f"Value(data={self.data}, grad={self.grad}{named})"

    @property
    def op(self) -> str:
        """The name of the operation that made this node ("" for a leaf)."""
        return "" if self.primitive is None else self.primitive.name

    # --- the chain rule (see graph.py) ---------------------------------------------------

    def backward(self, create_graph: bool = False) -> None:
        """Add ∂self/∂node into `node.grad` for every node self depends on.

        Gradients accumulate across calls, as in PyTorch; each call adds only its own
        contribution, so two calls give exactly twice the gradients (micrograd, which passes the
        accumulated gradients on, gives three times at depth two). With `create_graph=True` the
        gradients are `Value`s built from the derivative rules, so they can be differentiated
        again.
        """
        from .graph import accumulate

        accumulate(self, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Reset the gradient of every node in this value's graph to 0."""
        from .graph import topological_order

        for node in topological_order(self):
            node.grad = 0.0

    # --- micrograd compatibility ---------------------------------------------------------

    def _backward(self) -> None:
        """micrograd's chain rule at this one node: add ∂self/∂parent · self.grad into each
        parent's `.grad`. Programs written for micrograd call it by hand, node by node; a node
        made with `Value(data, _children, _op)` runs the closure the program assigned instead."""
        if self.local_grads is None:  # micrograd's default for such a node: nothing
            return
        from .graph import chain_rule

        chain_rule((self,))

    @property
    def label(self) -> str:
        """micrograd's name for `name` ("" when there is none)."""
        return "" if self.name is None else self.name

    @label.setter
    def label(self, label: str) -> None:
        self.name = _name(None, label)

    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    # --- comparisons read the data (for control flow); equality stays identity -------------

    def __lt__(self, other: Operand) -> bool:
        return _compare("<", self, other)

    def __le__(self, other: Operand) -> bool:
        return _compare("<=", self, other)

    def __gt__(self, other: Operand) -> bool:
        return _compare(">", self, other)

    def __ge__(self, other: Operand) -> bool:
        return _compare(">=", self, other)

    __hash__ = object.__hash__

    # --- copies and pickles (copies.py): an explicit walk, not recursion through parents ---

    def __reduce_ex__(self, protocol: SupportsIndex) -> tuple:
        return copies.reduce(self)

    def __copy__(self) -> Value:
        return copies.shallow(self)

    def __deepcopy__(self, memo: dict) -> Value:
        return copies.deep(self, memo)

    def __setstate__(self, state: tuple) -> None:
        copies.restore(self, state)

    # --- arithmetic: each operator names its primitive; `build` does the rest ---------------
    # (the usual ones, listed in `GENERATED`, run as a builder generated from their primitive's
    # table entry, bit for bit `build`; the method below stays their readable source)

    def __add__(self, other: Operand) -> Value:
        return build(rules.ADD, (self, other))

    def __sub__(self, other: Operand) -> Value:
        return build(rules.SUB, (self, other))

    def __mul__(self, other: Operand) -> Value:
        return build(rules.MUL, (self, other))

    def __truediv__(self, other: Operand) -> Value:
        return build(rules.DIV, (self, other))

    def __neg__(self) -> Value:
        return build(rules.NEG, (self,))

    def __abs__(self) -> Value:
        return build(rules.ABS, (self,))

    # --- elementary functions (generated builders too) -----------------------------------

    def exp(self) -> Value:
        return build(rules.EXP, (self,))

    def log(self) -> Value:
        return build(rules.LOG, (self,))

    def tanh(self) -> Value:
        return build(rules.TANH, (self,))

    def sigmoid(self) -> Value:
        return build(rules.SIGMOID, (self,))

    def relu(self) -> Value:
        return build(rules.RELU, (self,))

    def sin(self) -> Value:
        return build(rules.SIN, (self,))

    def cos(self) -> Value:
        return build(rules.COS, (self,))

    def sqrt(self) -> Value:
        return build(rules.SQRT, (self,))

    def abs(self) -> Value:
        return build(rules.ABS, (self,))

    def __radd__(self, other: Number) -> Value:  # sum() starts with 0 + the first Value
        return build(rules.ADD, (other, self))

    def __rsub__(self, other: Number) -> Value:
        return build(rules.SUB, (other, self))

    def __rmul__(self, other: Number) -> Value:
        return build(rules.MUL, (other, self))

    def __rtruediv__(self, other: Number) -> Value:
        return build(rules.DIV, (other, self))

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return build(rules.POW, (self, exponent))
        if not isinstance(exponent, Real):
            raise TypeError(f"**: the exponent must be a number or a Value, got {exponent!r}")
        return build(power(exponent), (self,))

    def __rpow__(self, base: Number) -> Value:
        return build(rules.POW, (base, self))


COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _compare(op: str, a: Value, b: Operand) -> bool:
    """`a op b` on the data. While `compile` records a function, the comparison is also kept
    as a guard: a replay checks it on its own numbers and records again if it comes out other."""
    b = operand(b, op)
    outcome = COMPARISONS[op](a.data, b.data)
    recording = current().recording
    if recording is not None:
        recording.guard(op, a, b, outcome)
    return outcome


def _name(name: object, label: object) -> str | None:
    """`name=` or micrograd's `label=` (the same thing; "" is none)."""
    name, label = name or None, label or None
    if name is not None and label is not None and name != label:
        raise TypeError(f"Value(): name={name!r} and label={label!r} differ; give one of them")
    given = name if name is not None else label
    if given is not None and not isinstance(given, str):
        raise TypeError(f"Value(name=...) must be a string, got {given!r}")
    return given


# --- operands ----------------------------------------------------------------------------------


def as_float(x: object, op: str) -> float:
    """`x` as a float, or a TypeError naming the operation `op` and `x`."""
    if type(x) is float or type(x) is int or isinstance(x, Real):  # the ABC check is slow
        return float(x)
    raise TypeError(f"{op}: expected a number or a Value, got {x!r} of type {type(x).__name__}")


def operand(x: Operand, op: str) -> Value:
    """`x` as a Value: numbers become constant leaves; anything else is refused."""
    if isinstance(x, Value):
        return x
    node = Value(as_float(x, op))
    recording = current().recording
    if recording is not None:  # compile writes such a constant into the code it generates
        recording.constants.add(node)
    return node


def data_of(x: Partial) -> float:
    """The number of a Value, or the number itself."""
    return x.data if isinstance(x, Value) else x


# --- the builder -------------------------------------------------------------------------------

_new = object.__new__  # a node filled in here skips __init__'s checks: its data is a float


def build(
    primitive: Primitive, parents: tuple[Value, ...], known: tuple | None = None
) -> Value:
    """The node `primitive(*parents)`: the forward pass on the parents' numbers and, while the
    graph is recorded, the local derivatives from the primitive's rule on those numbers (or
    `known`, the two computed already by the caller from the primitive's own functions).

    Every operation makes its node here (a leaf under no_grad). It runs once per operation, so
    it spells out one and two parents rather than build a list for a star call.
    """
    forward, rule, mode = primitive.forward, primitive.derivative, current()
    if len(parents) == 2:
        a, b = parents
        if type(a) is not Value or type(b) is not Value:  # a number beside a Value
            parents = a, b = operand(a, primitive.name), operand(b, primitive.name)
        x, y = a.data, b.data
        data = forward(x, y)
        local_grads = rule(x, y, data) if mode.grad_enabled else None
    elif len(parents) == 1:
        x = parents[0].data
        data = forward(x)
        local_grads = rule(x, data) if mode.grad_enabled else None
    elif known is not None:
        data, local_grads = known
        local_grads = local_grads if mode.grad_enabled else None
    else:
        inputs = [p.data for p in parents]
        data = forward(*inputs)
        local_grads = rule(*inputs, data) if mode.grad_enabled else None
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.name = node._walk = None  # _walk: the last walk of the graph that reached the node
    if local_grads is None:
        node.parents = node.local_grads = ()
        node.primitive = None
    else:
        node.parents = parents
        node.local_grads = local_grads
        node.primitive = primitive
    if mode is not PLAIN:
        _report(mode, primitive, node, parents)
    return node


def _report(mode: Mode, primitive: Primitive, node: Value, parents: tuple[Value, ...]) -> None:
    """Tell the modes that watch operations about `node`: compile's recording (which nodes f
    made, as against those it captures) and detect_anomaly (a non-finite value, and where)."""
    if mode.recording is not None and mode.grad_enabled:
        mode.recording.made.add(id(node))
    if mode.anomaly:
        from .anomaly import check_forward

        check_forward(primitive, node, parents)


# The operators above name the table's entries, and the table's rules make nodes with `build`:
# the table is read last, once everything it uses from here is defined.
from . import rules  # noqa: E402
from .compiler.builders import generated_builder  # noqa: E402
from .primitive import custom, power  # noqa: E402

# One Python call per operation instead of three: each usual operator runs the builder generated
# from its table entry; `__wrapped__` keeps the method written above as its source (`inspect`).
for _method, _name_of in GENERATED.items():
    setattr(Value, _method, update_wrapper(generated_builder(rules.PRIMITIVES[_name_of]),
                                           getattr(Value, _method)))
