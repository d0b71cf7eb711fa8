"""The `Value` node and the primitives: each operation's forward pass beside its derivative rule.

A node records its parents and ∂node/∂parent for each (its local derivatives); `backward`
(in `graph.py`) only multiplies and adds those numbers. Every operation is a `Primitive`, a
plain record in one table, `PRIMITIVES`: its name, its arity, its forward function on floats,
its derivative rule and how a drawing writes it. A derivative rule `rule(*inputs, out)` is
written once with arithmetic and primitives that work on floats and on `Value`s alike: at
forward time it runs on floats and its numbers are stored on the node; under `create_graph`
the same rule runs on the parents themselves, so the gradient is a graph that can be
differentiated again (the way HIPS autograd's `defvjp` table and JAX's autodidax pair each
primitive with its rule).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from numbers import Integral, Real
from typing import Any, SupportsIndex, Union

from . import arrays, copies
from .mode import PLAIN, current

Number = int | float
# Value is not defined yet: these two name it as a string, which only Union takes.
Operand = Union["Value", Number]
Partial = Union["Value", float]
Notation = Callable[[Sequence[str]], str]


@dataclass(frozen=True, eq=False, slots=True)
class Primitive:
    """An operation: what the engine needs to run it, differentiate it and show it.

    `forward(*floats)` computes it (refusing inputs outside its domain with an error that names
    it); `derivative(*inputs, out)` gives the tuple ∂out/∂input, one per input, on floats or on
    `Value`s; `notation(argument_names)` writes it for drawings and step text, and `binding`
    says where that needs parentheses: how tightly it binds, how tightly its operands and its
    last operand must (a function, tanh(x), binds tightest and needs nothing); `arity` is its
    number of inputs (None: any); `array`, for an elementwise primitive, its forward pass and
    rule on NumPy arrays (`arrays.py`), which `compile` vectorises. Calling a primitive applies
    it: to numbers it gives a float, to `Value`s a recorded node. `rebuild` tells pickle how to
    find it again.
    """

    name: str
    arity: int | None
    forward: Callable[..., float] | None
    derivative: Callable[..., tuple[Partial, ...]] | None
    notation: Notation
    rebuild: tuple = ()
    binding: tuple[int, int, int] = (9, 0, 0)
    array: arrays.ArrayForm | None = None

    def __call__(self, *args: Operand) -> Any:
        if self.arity is not None and len(args) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} argument(s), got {len(args)}")
        if not any(isinstance(x, Value) for x in args):
            return self.forward(*(_number(x, self.name) for x in args))
        parents = tuple(_operand(x, self.name) for x in args)
        return _record(self, self.forward(*(p.data for p in parents)), parents)

    def __reduce__(self) -> tuple:
        return self.rebuild

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


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
            self.primitive = _custom(op)
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
        for parent, local in zip(self.parents, self.local_grads):
            parent.grad += local * self.grad

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

    # --- arithmetic: forward pass and local derivatives written out, as these run most -------
    # (the table's rules give the same numbers, tested; written out, a micrograd-style training
    # step takes 14% fewer instructions)

    def __add__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "+")
        if current() is not PLAIN:
            return _record(ADD, self.data + other.data, (self, other), _ONE_ONE)
        node = _new(Value)  # _record's node, filled in here: 8% fewer instructions per operation
        node.data = self.data + other.data
        node.grad = 0.0
        node.name = node._walk = None
        node.parents = (self, other)
        node.local_grads = _ONE_ONE
        node.primitive = ADD
        return node

    def __radd__(self, other: Number) -> Value:  # sum() starts with 0 + the first Value
        constant = _number(other, "+")
        return _record(ADD, constant + self.data, (_leaf(constant), self), _ONE_ONE)

    def __sub__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "-")
        return _record(SUB, self.data - other.data, (self, other), _ONE_MINUS_ONE)

    def __rsub__(self, other: Number) -> Value:
        return _operand(other, "-") - self

    def __mul__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "*")
        a, b = self.data, other.data
        if current() is not PLAIN:
            return _record(MUL, a * b, (self, other), (b, a))
        node = _new(Value)  # as in +
        node.data = a * b
        node.grad = 0.0
        node.name = node._walk = None
        node.parents = (self, other)
        node.local_grads = (b, a)
        node.primitive = MUL
        return node

    def __rmul__(self, other: Number) -> Value:
        return _operand(other, "*") * self

    def __truediv__(self, other: Operand) -> Value:
        if type(other) is not Value:
            other = _operand(other, "/")
        return _record(DIV, _divide(self.data, other.data), (self, other))

    def __rtruediv__(self, other: Number) -> Value:
        return _operand(other, "/") / self

    def __neg__(self) -> Value:
        return _record(NEG, -self.data, (self,), _MINUS_ONE)

    def __pow__(self, exponent: Operand) -> Value:
        if isinstance(exponent, Value):
            return _record(POW, _pow(self.data, exponent.data), (self, exponent))
        if not isinstance(exponent, Real):
            raise TypeError(f"**: the exponent must be a number or a Value, got {exponent!r}")
        return _unary(power(exponent), self)

    def __rpow__(self, base: Number) -> Value:
        return _operand(base, "**") ** self

    def __abs__(self) -> Value:
        return _unary(ABS, self)

    # --- elementary functions ------------------------------------------------------------

    def exp(self) -> Value:
        return _unary(EXP, self)

    def log(self) -> Value:
        return _unary(LOG, self)

    def tanh(self) -> Value:  # written out, as relu: the activations of micrograd's programs
        t = math.tanh(self.data)
        return _record(TANH, t, (self,), (1.0 - t * t,))

    def sigmoid(self) -> Value:
        return _unary(SIGMOID, self)

    def relu(self) -> Value:  # written out: 41% fewer instructions than through the table
        x = self.data
        if x > 0.0:
            return _record(RELU, x, (self,), _ONE)
        return _record(RELU, 0.0, (self,), _ZERO) if x <= 0.0 else _unary(RELU, self)

    def sin(self) -> Value:
        return _unary(SIN, self)

    def cos(self) -> Value:
        return _unary(COS, self)

    def sqrt(self) -> Value:
        return _unary(SQRT, self)

    def abs(self) -> Value:
        return _unary(ABS, self)


COMPARISONS: dict[str, Callable[[float, float], bool]] = {
    "<": operator.lt, "<=": operator.le, ">": operator.gt, ">=": operator.ge,
}


def _compare(op: str, a: Value, b: Operand) -> bool:
    """`a op b` on the data. While `compile` records a function, the comparison is also kept
    as a guard: a replay checks it on its own numbers and records again if it comes out other."""
    b = _operand(b, op)
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


# --- the forward passes on floats: each refuses what it cannot compute, naming itself -------


def _divide(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError(f"division by zero: {a!r} / {b!r}")
    return a / b


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        raise OverflowError(f"exp({x!r}) overflows a float") from None


def _log(x: float) -> float:
    if x <= 0.0:
        raise ValueError(f"log({x!r}): the logarithm needs a positive number")
    return math.log(x)


def _sigmoid(x: float) -> float:
    if x >= 0.0:  # exp of a non-positive number never overflows
        return 1.0 / (1.0 + math.exp(-x))
    e = math.exp(x)
    return e / (1.0 + e)


def _softplus(x: float) -> float:
    """log(1 + eˣ), taking exp of a non-positive number only, so it never overflows."""
    if x > 0.0:
        return x + math.log1p(math.exp(-x))
    return math.log1p(math.exp(x))  # NaN stays NaN


def _log_sum_exp(*z: float) -> float:
    """log Σₖ exp(zₖ) as m + log Σₖ exp(zₖ − m), m = max z: no exp overflows or all underflow."""
    if any(zk != zk for zk in z):  # max() of a NaN depends on where it stands
        return math.nan
    m = max(z)
    if math.isinf(m):  # an infinite logit: the sum is it (+∞), or every term is 0 (−∞)
        return m
    return m + math.log(math.fsum(math.exp(zk - m) for zk in z))


def _relu(x: float) -> float:
    return 0.0 if x <= 0.0 else x  # NaN stays NaN


def _periodic(name: str, f: Callable[[float], float]) -> Callable[[float], float]:
    def periodic(x: float) -> float:
        if math.isinf(x):
            raise ValueError(f"{name}({x!r}) is undefined: {name} has no limit at infinity")
        return f(x)

    return periodic


def _sqrt(x: float) -> float:
    if x < 0.0:
        raise ValueError(f"sqrt({x!r}): the square root needs a non-negative number")
    return math.sqrt(x)


def _pow(x: float, n: float) -> float:
    if x < 0.0 and not float(n).is_integer():
        raise ValueError(f"{x!r} ** {n!r}: a negative base needs an integer exponent")
    if x == 0.0 and n < 0:
        raise ZeroDivisionError(f"{x!r} ** {n!r}: zero cannot be raised to a negative power")
    try:
        return float(x**n)
    except OverflowError:
        raise OverflowError(f"{x!r} ** {n!r} overflows a float") from None


def _weighted_sum(*args: float) -> float:
    """w_1, …, w_n, x_1, …, x_n, b ↦ b + w_1 x_1 + … + w_n x_n, summed in that order."""
    n = len(args) // 2
    z = args[-1]
    for w, x in zip(args[:n], args[n:-1]):
        z += w * x
    return z


# --- the derivative rules: ∂out/∂input, on floats or on Values -----------------------------


def _data(x: Partial) -> float:
    return x.data if isinstance(x, Value) else x


def _step(x: Partial) -> float:
    """relu's slope: 1 above 0, 0 at and below it (PyTorch's choice at the kink), NaN for NaN."""
    x = _data(x)
    return 1.0 if x > 0.0 else 0.0 if x <= 0.0 else math.nan


def _sign(x: Partial) -> float:
    """abs's slope: ±1, 0 at the kink, NaN for NaN."""
    x = _data(x)
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x == 0.0 else math.nan


def _sqrt_slope(out: Partial) -> Partial:
    return 0.5 / out if _data(out) != 0.0 else math.inf


def _power_slope(x: Partial, n: Partial) -> Partial:
    """∂(x**n)/∂x = n·x**(n-1), as a graph in x and n when they are `Value`s.

    0 for a constant n = 0; infinite at x = 0 when 0 < n < 1 (like sqrt); ±inf (as float
    arithmetic gives elsewhere) where x**(n-1) overflows.
    """
    if not isinstance(n, Value) and n == 0:
        return 0.0
    if _data(x) == 0.0 and _data(n) < 1.0:
        return math.inf
    try:
        return n * x ** (n - 1)
    except OverflowError:
        exponent = _data(n) - 1
        odd = float(exponent).is_integer() and exponent % 2 == 1
        negative = (_data(n) < 0.0) != (_data(x) < 0.0 and odd)
        return -math.inf if negative else math.inf


def _pow_derivative(x: Partial, y: Partial, out: Partial) -> tuple[Partial, Partial]:
    """x ** y for a Value y: ∂/∂x = y·x**(y-1), ∂/∂y = x**y · log x. At x = 0, the edge of the
    domain, ∂/∂y is its limit from the right, 0. For x < 0 there is no ∂/∂y: refused."""
    if _data(x) < 0.0:
        raise ValueError(
            f"{_data(x)!r} ** Value({_data(y)!r}): x ** y is not differentiable in y for a "
            "negative base; use a plain number as the exponent"
        )
    if _data(x) == 0.0:
        return _power_slope(x, _data(y)), 0.0
    return _power_slope(x, y), out * LOG(x)


def _log_sum_exp_derivative(*args: Partial) -> tuple[Partial, ...]:
    """∂/∂zₖ log Σᵢ exp(zᵢ) = exp(zₖ − m) / Σᵢ exp(zᵢ − m), the softmax; `args` are z₁, …, zₙ,
    out. Any constant m gives it; m = max z keeps every exp in range and zₖ − m exact, where
    exp(zₖ − out) would lose digits to the rounding of out."""
    *z, out = args
    m = max(_data(zk) for zk in z)
    if not math.isfinite(m):
        return tuple(EXP(zk - out) for zk in z)
    shifted = [EXP(zk - m) for zk in z]
    total = shifted[0]
    for term in shifted[1:]:
        total = total + term
    return tuple(term / total for term in shifted)


def _weighted_sum_derivative(*args: Partial) -> tuple[Partial, ...]:
    """∂z/∂w_k = x_k, ∂z/∂x_k = w_k, ∂z/∂b = 1; `args` are w_1, …, w_n, x_1, …, x_n, b, out."""
    n = len(args) // 2 - 1
    return (*args[n : 2 * n], *args[:n], 1.0)


# --- how a drawing writes each primitive -----------------------------------------------------


def infix(symbol: str) -> Notation:
    return lambda args: f" {symbol} ".join(args)


def function(symbol: str) -> Notation:
    return lambda args: f"{symbol}({', '.join(args)})"


def _weighted_sum_notation(args: Sequence[str]) -> str:
    """w₁·x1 + w₂·x2 + b, the middle elided past three terms."""
    n = len(args) // 2
    terms = [f"{w}·{x}" for w, x in zip(args[:n], args[n:-1])]
    shown = terms if len(terms) <= 3 else [terms[0], "…", terms[-1]]
    return " + ".join([*shown, args[-1]])


_SUPERSCRIPT = str.maketrans("0123456789-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻")


def _power_notation(n: Number) -> Notation:
    text = f"{n:g}"
    if float(n).is_integer() and "e" not in text:
        return lambda args: args[0] + text.translate(_SUPERSCRIPT)
    return lambda args: f"{args[0]}^{text}"


# --- the table ---------------------------------------------------------------------------


_POWERS: dict[str, Primitive] = {}
_CUSTOM: dict[str, Primitive] = {}
_MADE_ON_THE_FLY = 256  # entries per table: exponents and op names are usually a handful


def _kept(table: dict[str, Primitive], primitive: Primitive) -> Primitive:
    """`primitive`, kept in `table` under its name; a full table is emptied first, so that a
    program making endless names (micrograd's f"**{e}" for every exponent e) keeps at most
    `_MADE_ON_THE_FLY` primitives alive beyond the nodes that use them."""
    if len(table) >= _MADE_ON_THE_FLY:
        table.clear()
    table[primitive.name] = primitive
    return primitive


def power(n: Number) -> Primitive:
    """x ** n for a constant n: the exponent is part of the primitive, not a parent.

    Named as micrograd names it ("**2", "**0.5"), so the name alone finds it again.
    """
    n = int(n) if isinstance(n, Integral) else float(n)
    name = f"**{n}"
    found = _POWERS.get(name)
    if found is not None:
        return found
    return _kept(_POWERS, Primitive(
        name, 1, lambda x: _pow(x, n), lambda x, out: (_power_slope(x, n),),
        _power_notation(n), (primitive_named, (name,)), (4, 5, 5), arrays.power(n),
    ))


def _custom(op: str) -> Primitive:
    """The primitive of nodes a program made micrograd's way: a name, and no rule of its own."""
    found = _CUSTOM.get(op)
    if found is not None:
        return found
    return _kept(_CUSTOM, Primitive(op, None, None, None, function(op or "op"), (_custom, (op,))))


def primitive_named(name: str) -> Primitive:
    """The built-in primitive called `name` (also "**n"), as pickle rebuilds it."""
    if name in PRIMITIVES:
        return PRIMITIVES[name]
    if name.startswith("**"):
        text = name[2:]
        return power(int(text) if text.lstrip("-").isdigit() else float(text))
    raise ValueError(f"no built-in primitive is called {name!r}")


def _builtin(
    name: str, arity: int | None, forward: Callable[..., float],
    derivative: Callable[..., tuple[Partial, ...]], notation: Notation,
    binding: tuple[int, int, int] = (9, 0, 0), array: arrays.ArrayForm | None = None,
) -> Primitive:
    return Primitive(name, arity, forward, derivative, notation, (primitive_named, (name,)),
                     binding, array)


ADD = _builtin("+", 2, float.__add__, lambda a, b, out: (1.0, 1.0), infix("+"), (1, 1, 1),
               arrays.ADD)
SUB = _builtin("-", 2, float.__sub__, lambda a, b, out: (1.0, -1.0), infix("−"), (1, 1, 2),
               arrays.SUB)
MUL = _builtin("*", 2, float.__mul__, lambda a, b, out: (b, a), infix("×"), (2, 2, 2),
               arrays.MUL)
DIV = _builtin("/", 2, _divide, lambda a, b, out: (1.0 / b, -out / b), infix("÷"), (2, 2, 3),
               arrays.DIV)
NEG = _builtin("neg", 1, float.__neg__, lambda x, out: (-1.0,), lambda a: f"−{a[0]}", (3, 3, 3),
               arrays.NEG)
EXP = _builtin("exp", 1, _exp, lambda x, out: (out,), function("exp"), array=arrays.EXP)
LOG = _builtin("log", 1, _log, lambda x, out: (1.0 / x,), function("log"), array=arrays.LOG)
TANH = _builtin("tanh", 1, math.tanh, lambda x, out: (1.0 - out * out,), function("tanh"),
                array=arrays.TANH)
SIGMOID = _builtin("sigmoid", 1, _sigmoid, lambda x, out: (out * (1.0 - out),), function("σ"),
                   array=arrays.SIGMOID)
SOFTPLUS = _builtin("softplus", 1, _softplus, lambda x, out: (SIGMOID(x),),
                    function("softplus"))
LOG_SUM_EXP = _builtin("logsumexp", None, _log_sum_exp, _log_sum_exp_derivative,
                       function("logsumexp"))
RELU = _builtin("relu", 1, _relu, lambda x, out: (_step(x),), function("ReLU"),
                array=arrays.RELU)
SIN = _builtin("sin", 1, _periodic("sin", math.sin), lambda x, out: (COS(x),), function("sin"),
               array=arrays.SIN)
COS = _builtin("cos", 1, _periodic("cos", math.cos), lambda x, out: (-SIN(x),),
               function("cos"), array=arrays.COS)
SQRT = _builtin("sqrt", 1, _sqrt, lambda x, out: (_sqrt_slope(out),), lambda a: f"√{a[0]}",
               (9, 5, 5), arrays.SQRT)
ABS = _builtin("abs", 1, math.fabs, lambda x, out: (_sign(x),), lambda a: f"|{a[0]}|",
               array=arrays.ABS)
POW = _builtin("**", 2, _pow, _pow_derivative, infix("^"), (4, 5, 5))
IDENTITY = _builtin("id", 1, float, lambda x, out: (1.0,), function("id"),
                    array=arrays.IDENTITY)
WEIGHTED_SUM = _builtin(
    "weighted_sum", None, _weighted_sum, _weighted_sum_derivative, _weighted_sum_notation,
    (1, 2, 1)
)

PRIMITIVES: dict[str, Primitive] = {
    p.name: p
    for p in (ADD, SUB, MUL, DIV, NEG, EXP, LOG, TANH, SIGMOID, SOFTPLUS, LOG_SUM_EXP, RELU, SIN,
              COS, SQRT, ABS, POW, IDENTITY, WEIGHTED_SUM)
}
# The elementary functions a user calls by name, as methods of Value and in `autodiff graph`.
FUNCTIONS: tuple[str, ...] = tuple(
    name for name, p in PRIMITIVES.items() if p.arity == 1 and hasattr(Value, name)
)


def weighted_sum(
    weights: Sequence[Operand], inputs: Sequence[Operand], bias: Operand = 0.0
) -> Value:
    """z = Σ_k w_k·x_k + b as one node: a neuron's weighted input z_j^(l).

    Its parents are w_1, …, w_n, x_1, …, x_n, b and its local derivatives x_1, …, x_n,
    w_1, …, w_n, 1: exactly the ∂z/∂w_jk = a_k and ∂z/∂a_k = w_jk that the backpropagation
    equations multiply by. One node instead of 2n binary ones, so a network's graph is smaller
    to draw and to run.
    """
    return weighted_sums([weights], inputs, [bias])[0]


def weighted_sums(
    weights: Sequence[Sequence[Operand]], inputs: Sequence[Operand], biases: Sequence[Operand]
) -> list[Value]:
    """`[weighted_sum(w, inputs, b) for w, b in zip(weights, biases)]` with the inputs read and
    checked once: a layer's weighted inputs z^(l), whose neurons share the activations a^(l-1)
    (a training step of an MLP takes 8% fewer instructions than with a call per neuron)."""
    try:  # sizes first: a generator would be read once, and a row of it half-used
        n, rows, lengths = len(inputs), len(weights), [*map(len, weights)]
        if len(biases) != rows:
            raise ValueError(f"weighted_sums: {rows} rows of weights but {len(biases)} biases")
    except TypeError:
        raise TypeError(
            f"weighted_sum: weights, inputs and biases must be lists, got {weights!r}, "
            f"{inputs!r} and {biases!r}"
        ) from None
    if lengths.count(n) != rows:
        bad = next(k for k in lengths if k != n)
        raise ValueError(f"weighted_sum: {bad} weights but {n} inputs; they must pair up")
    x = [p.data for p in inputs if type(p) is Value]
    if len(x) != n:  # numbers to make constants of, or something to refuse
        inputs = [_operand(p, "weighted_sum") for p in inputs]
        x = [p.data for p in inputs]
    grad_enabled = current().grad_enabled
    sums = []
    for row, bias in zip(weights, biases):
        w = [p.data for p in row if type(p) is Value]
        if len(w) != n:
            row = [_operand(p, "weighted_sum") for p in row]
            w = [p.data for p in row]
        if type(bias) is not Value:
            bias = _operand(bias, "weighted_sum")
        z = bias.data  # summed in the order b + w_1 x_1 + w_2 x_2 + …, as the binary ops would
        for wk, xk in zip(w, x):
            z += wk * xk
        # WEIGHTED_SUM's rule, written out (with this layout of the parents, a training step of
        # an MLP takes 11% fewer instructions than with w and x interleaved); none under no_grad
        local_grads = (*x, *w, 1.0) if grad_enabled else None
        sums.append(_record(WEIGHTED_SUM, z, (*row, *inputs, bias), local_grads))
    return sums


# --- making nodes -------------------------------------------------------------------------

_ONE_ONE, _ONE_MINUS_ONE, _MINUS_ONE = (1.0, 1.0), (1.0, -1.0), (-1.0,)
_ONE, _ZERO = (1.0,), (0.0,)


def _number(x: object, op: str) -> float:
    if type(x) is float or type(x) is int or isinstance(x, Real):  # the ABC check is slow
        return float(x)
    raise TypeError(f"{op}: expected a number or a Value, got {x!r} of type {type(x).__name__}")


def _operand(x: Operand, op: str) -> Value:
    """`x` as a Value: numbers become constant leaves; anything else is refused."""
    if isinstance(x, Value):
        return x
    node = _leaf(_number(x, op))
    recording = current().recording
    if recording is not None:  # compile writes such a constant into the code it generates
        recording.constants.add(node)
    return node


_new = object.__new__


def _leaf(data: float) -> Value:
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.parents = node.local_grads = ()
    node.primitive = node.name = node._walk = None
    return node


def _unary(primitive: Primitive, x: Value) -> Value:
    """`primitive` applied to one Value: its forward pass, then the node."""
    return _record(primitive, primitive.forward(x.data), (x,))


def _record(
    primitive: Primitive, data: float, parents: tuple[Value, ...],
    local_grads: tuple[Partial, ...] | None = None,
) -> Value:
    """The node `primitive(*parents) = data` (a leaf under no_grad), with its local derivatives:
    `local_grads` as given, or else from the primitive's rule on the parents' data.

    This runs once per operation, so it fills the node in place and spells out the usual
    arities rather than building a list of the parents' data for a star call.
    """
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.name = node._walk = None  # _walk: the last walk of the graph that reached the node
    mode = current()
    if mode.grad_enabled:
        node.parents = parents
        node.primitive = primitive
        if mode.recording is not None:  # compile tells nodes f makes from those it captures
            mode.recording.made.add(id(node))
        if local_grads is not None:
            node.local_grads = local_grads
        elif len(parents) == 1:
            node.local_grads = primitive.derivative(parents[0].data, data)
        elif len(parents) == 2:
            a, b = parents
            node.local_grads = primitive.derivative(a.data, b.data, data)
        else:
            node.local_grads = primitive.derivative(*[p.data for p in parents], data)
    else:
        node.parents = node.local_grads = ()
        node.primitive = None
    if mode.anomaly:
        from .anomaly import check_forward

        check_forward(primitive, node, parents)
    return node
