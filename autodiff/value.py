"""The `Value` node and the scalar primitives, each beside its derivative rule.

A node records its parents and ∂node/∂parent for each (its local derivatives); `backward`
(in `graph.py`) only multiplies and adds those numbers. Each primitive is an `Op`: its name,
which is what `node.op` shows, carrying a derivative rule written once with arithmetic that
works on floats and on `Value`s alike. At forward time the rule runs on floats and its numbers
are stored on the node; under `create_graph` the same rule runs on the parents themselves, so
the gradient is a graph that can be differentiated again.
"""

from __future__ import annotations

import math
from functools import lru_cache
from numbers import Real
from typing import Callable, Sequence, Union

from .mode import mode

Number = Union[int, float]
Operand = Union["Value", Number]
Partial = Union["Value", float]


class Op(str):
    """An operation's name that carries its derivative rule.

    `derivative(*inputs, out)` returns the tuple (∂out/∂input for each input). It is a `str`,
    so `node.op == "*"` and rendering need nothing more.
    """

    derivative: Callable[..., tuple[Partial, ...]]

    def __new__(cls, name: str, derivative: Callable[..., tuple[Partial, ...]]) -> Op:
        op = super().__new__(cls, name)
        op.derivative = derivative
        return op


class Value:
    """A scalar in a computation graph, with the gradient that `backward` accumulates into it."""

    __slots__ = ("data", "grad", "parents", "local_grads", "op", "name")

    # NumPy scalars on the left (np.float64(2) * v) defer to our reflected operators.
    __array_ufunc__ = None

    def __init__(self, data: Number, name: str | None = None) -> None:
        if type(data) is not float and not isinstance(data, Real):  # the ABC check is slow
            raise TypeError(
                f"Value() needs a real number, got {data!r} of type {type(data).__name__}"
            )
        if name is not None and not isinstance(name, str):
            raise TypeError(f"Value(name=...) must be a string, got {name!r}")
        self.data = float(data)
        self.grad: Partial = 0.0
        self.parents: tuple[Value, ...] = ()
        self.local_grads: tuple[float, ...] = ()
        self.op: str = ""
        self.name = name

    def __repr__(self) -> str:
        named = f", name={self.name!r}" if self.name is not None else ""
        return f"Value(data={self.data}, grad={self.grad}{named})"

    # --- the chain rule (see graph.py) ---------------------------------------------------

    def backward(self, create_graph: bool = False) -> None:
        """Add ∂self/∂node into `node.grad` for every node self depends on.

        Gradients accumulate across calls, as in PyTorch; each call adds only its own
        contribution. With `create_graph=True` the gradients are `Value`s built from the
        derivative rules, so they can be differentiated again.
        """
        from .graph import accumulate

        accumulate(self, create_graph=create_graph)

    def zero_grad(self) -> None:
        """Reset the gradient of every node in this value's graph to 0."""
        from .graph import topological_order

        for node in topological_order(self):
            node.grad = 0.0

    # --- micrograd compatibility ---------------------------------------------------------

    @property
    def _prev(self) -> set[Value]:
        return set(self.parents)

    @property
    def _op(self) -> str:
        return self.op

    # --- comparisons read the data (for control flow); equality stays identity -------------

    def __lt__(self, other: Operand) -> bool:
        return self.data < _data(_operand(other, "<"))

    def __le__(self, other: Operand) -> bool:
        return self.data <= _data(_operand(other, "<="))

    def __gt__(self, other: Operand) -> bool:
        return self.data > _data(_operand(other, ">"))

    def __ge__(self, other: Operand) -> bool:
        return self.data >= _data(_operand(other, ">="))

    __hash__ = object.__hash__

    # --- arithmetic ----------------------------------------------------------------------

    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "+")
        return _record(ADD, self.data + other.data, self, other)

    def __radd__(self, other: Number) -> Value:
        return _operand(other, "+") + self

    def __sub__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "-")
        return _record(SUB, self.data - other.data, self, other)

    def __rsub__(self, other: Number) -> Value:
        return _operand(other, "-") - self

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "*")
        return _record(MUL, self.data * other.data, self, other)

    def __rmul__(self, other: Number) -> Value:
        return _operand(other, "*") * self

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "/")
        if other.data == 0.0:
            raise ZeroDivisionError(f"division by zero: {self.data!r} / {other.data!r}")
        return _record(DIV, self.data / other.data, self, other)

    def __rtruediv__(self, other: Number) -> Value:
        return _operand(other, "/") / self

    def __neg__(self) -> Value:
        return _record(NEG, -self.data, self)

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return _power_of_value(self, exponent)
        if not isinstance(exponent, Real):
            raise TypeError(f"**: the exponent must be a number or a Value, got {exponent!r}")
        return _record(_power_op(exponent), _power(self.data, exponent), self)

    def __rpow__(self, base: Number) -> Value:
        return _operand(base, "**") ** self

    def __abs__(self) -> Value:
        return self.abs()

    # --- elementary functions ------------------------------------------------------------

    def exp(self) -> Value:
        try:
            out = math.exp(self.data)
        except OverflowError:
            raise OverflowError(f"exp({self.data!r}) overflows a float") from None
        return _record(EXP, out, self)

    def log(self) -> Value:
        if self.data <= 0.0:
            raise ValueError(f"log({self.data!r}): the logarithm needs a positive number")
        return _record(LOG, math.log(self.data), self)

    def tanh(self) -> Value:
        return _record(TANH, math.tanh(self.data), self)

    def sigmoid(self) -> Value:
        x = self.data
        if x >= 0.0:  # exp of a non-positive number never overflows
            out = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            out = e / (1.0 + e)
        return _record(SIGMOID, out, self)

    def relu(self) -> Value:
        return _record(RELU, self.data if self.data > 0.0 else 0.0, self)

    def sin(self) -> Value:
        return _record(SIN, math.sin(self.data), self)

    def cos(self) -> Value:
        return _record(COS, math.cos(self.data), self)

    def sqrt(self) -> Value:
        if self.data < 0.0:
            raise ValueError(f"sqrt({self.data!r}): the square root needs a non-negative number")
        return _record(SQRT, math.sqrt(self.data), self)

    def abs(self) -> Value:
        return _record(ABS, abs(self.data), self)


# --- the derivative rules: ∂out/∂input, on floats or on Values ----------------------------


def _data(x: Partial) -> float:
    return x.data if isinstance(x, Value) else x


def _cos(x: Partial) -> Partial:
    return x.cos() if isinstance(x, Value) else math.cos(x)


def _sin(x: Partial) -> Partial:
    return x.sin() if isinstance(x, Value) else math.sin(x)


def _log(x: Partial) -> Partial:
    return x.log() if isinstance(x, Value) else math.log(x)


def _power_derivative(x: Partial, n: Partial) -> Partial:
    """∂(x**n)/∂x = n·x**(n-1): 0 for n = 0, infinite at x = 0 when 0 < n < 1 (like sqrt),
    and ±inf (as float arithmetic gives elsewhere) where x**(n-1) overflows."""
    if _data(n) == 0.0:
        return 0.0
    if _data(x) == 0.0 and _data(n) < 1.0:
        return math.inf
    try:
        return n * x ** (n - 1)
    except OverflowError:
        odd = float(_data(n) - 1).is_integer() and (_data(n) - 1) % 2 == 1
        negative = (_data(n) < 0.0) != (_data(x) < 0.0 and odd)
        return -math.inf if negative else math.inf


ADD = Op("+", lambda a, b, out: (1.0, 1.0))
SUB = Op("-", lambda a, b, out: (1.0, -1.0))
MUL = Op("*", lambda a, b, out: (b, a))
DIV = Op("/", lambda a, b, out: (1.0 / b, -out / b))
NEG = Op("neg", lambda x, out: (-1.0,))
EXP = Op("exp", lambda x, out: (out,))
LOG = Op("log", lambda x, out: (1.0 / x,))
TANH = Op("tanh", lambda x, out: (1.0 - out * out,))
SIGMOID = Op("sigmoid", lambda x, out: (out * (1.0 - out),))
RELU = Op("relu", lambda x, out: (1.0 if _data(x) > 0.0 else 0.0,))
SIN = Op("sin", lambda x, out: (_cos(x),))
COS = Op("cos", lambda x, out: (-_sin(x),))
SQRT = Op("sqrt", lambda x, out: (0.5 / out if _data(out) else math.inf,))
ABS = Op("abs", lambda x, out: (math.copysign(1.0, _data(x)) if _data(x) else 0.0,))
IDENTITY = Op("id", lambda x, out: (1.0,))
# x ** y with y a Value: ∂/∂y = x**y · log x, which exists only for x > 0 (0 at x = 0, the limit).
POWER = Op("**", lambda x, y, out: (
    _power_derivative(x, y), out * _log(x) if _data(x) > 0.0 else 0.0,
))




def _weighted_sum_derivative(*args: Partial) -> tuple[Partial, ...]:
    """∂z/∂w_k = x_k, ∂z/∂x_k = w_k, ∂z/∂b = 1; `args` are w_1, x_1, …, w_n, x_n, b, out."""
    terms = args[:-2]
    swapped = list(terms)
    swapped[0::2], swapped[1::2] = terms[1::2], terms[0::2]
    return (*swapped, 1.0)


WEIGHTED_SUM = Op("weighted_sum", _weighted_sum_derivative)


def weighted_sum(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0
) -> Value:
    """z = Σ_k w_k·x_k + b as one node: a neuron's weighted input z_j^(l) in backprop notation.

    Its parents are w_1, x_1, …, w_n, x_n, b and its local derivatives x_1, w_1, …, x_n, w_n, 1:
    exactly the ∂z/∂w_jk = a_k and ∂z/∂a_k = w_jk that the backprop derivation multiplies by.
    One node instead of 2n binary ones, so a network's graph is smaller to draw and to run.
    """
    if len(weights) != len(inputs):
        raise ValueError(
            f"weighted_sum: {len(weights)} weights but {len(inputs)} inputs; they must pair up"
        )
    parents = []
    for w, x in zip(weights, inputs):
        parents += (_operand(w, "weighted_sum"), _operand(x, "weighted_sum"))
    b = _operand(bias, "weighted_sum")
    z = b.data  # summed in the order b + w_1 x_1 + w_2 x_2 + …, as the binary ops would
    for i in range(0, len(parents), 2):
        z += parents[i].data * parents[i + 1].data
    return _record(WEIGHTED_SUM, z, *parents, b)


@lru_cache(maxsize=1024)
def _power_op(n: Number) -> Op:
    """x ** n for a constant n: the exponent is part of the operation, not a parent."""
    return Op(f"**{n:g}", lambda x, out: (_power_derivative(x, n),))


def _power(x: float, n: float) -> float:
    if x < 0.0 and not float(n).is_integer():
        raise ValueError(f"{x!r} ** {n!r}: a negative base needs an integer exponent")
    if x == 0.0 and n < 0:
        raise ZeroDivisionError(f"{x!r} ** {n!r}: zero cannot be raised to a negative power")
    try:
        return float(x**n)
    except OverflowError:
        raise OverflowError(f"{x!r} ** {n!r} overflows a float") from None


def _power_of_value(base: Value, exponent: Value) -> Value:
    out = _power(base.data, exponent.data)
    if base.data < 0.0 and mode.grad_enabled:
        raise ValueError(
            f"{base.data!r} ** Value({exponent.data!r}): x ** y is not differentiable in y "
            "for a negative base; use a plain number as the exponent"
        )
    return _record(POWER, out, base, exponent)


# --- making nodes -------------------------------------------------------------------------


def _operand(x: Operand, op: str) -> Value:
    """`x` as a Value: numbers become constant leaves; anything else is refused."""
    if isinstance(x, Value):
        return x
    if type(x) is float or type(x) is int or isinstance(x, Real):  # the ABC check is slow
        return _leaf(float(x))
    raise TypeError(f"{op}: cannot combine a Value with {x!r} of type {type(x).__name__}")


_new = object.__new__


def _leaf(data: float) -> Value:
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.parents = ()
    node.local_grads = ()
    node.op = ""
    node.name = None
    return node


def _record(op: Op, data: float, *parents: Value) -> Value:
    """The node `op(*parents) = data`, with its local derivatives (a leaf under no_grad).

    This runs once per operation, so it fills the node in place and spells out the usual
    arities rather than building a list of the parents' data for a star call.
    """
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.name = None
    if mode.grad_enabled:
        node.parents = parents
        if len(parents) == 2:
            a, b = parents
            node.local_grads = op.derivative(a.data, b.data, data)
        elif len(parents) == 1:
            node.local_grads = op.derivative(parents[0].data, data)
        else:
            node.local_grads = op.derivative(*[p.data for p in parents], data)
        node.op = op
    else:
        node.parents = node.local_grads = ()
        node.op = ""
    if mode.detect_anomaly:
        from .anomaly import check_forward

        check_forward(op, node, parents)
    return node
