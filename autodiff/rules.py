"""The primitives: each operation's forward pass, its derivative rule and its notation, one line.

Every operation the engine records is a `Primitive`, a plain record. The built-in ones are the
table `PRIMITIVES` at the end of this file, one entry each, read like a line of a textbook:

    MUL = builtin("*", 2, operator.mul, lambda a, b, out: (b, a), infix("×"), Binding(2, 2, 2))

says that a × b is computed by float multiplication, that ∂out/∂a = b and ∂out/∂b = a, and
that a drawing writes it "a × b". A rule `rule(*inputs, out)` is written once with arithmetic
and primitives, which work on floats and on `Value`s alike: at forward time it runs on floats
and its numbers are stored on the node (`value.build`); under `create_graph` it runs on the
parents themselves, so the gradient is a graph that can be differentiated again (the way HIPS
autograd's `defvjp` table and JAX's autodidax pair each primitive with its rule). Three other
makers give the same record: `power(n)` (x ** n for a constant n), `@primitive` (a user's
function) and micrograd's `Value(data, children, op)` (a name and no rule: `custom`).
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

from .compiler import arrays
from .mode import current
from .value import GENERATED, Operand, Partial, Value, as_float, build, data_of, operand

Notation = Callable[[Sequence[str]], str]


class Binding(NamedTuple):
    """Where a notation needs parentheses, as precedences (higher binds tighter): how tightly
    the operation binds, how tightly each operand must, and the last operand (x − (y − z))."""

    own: int
    operands: int
    last: int


FUNCTION_CALL = Binding(9, 0, 0)  # tanh(x), |x|: binds tightest and needs nothing


@dataclass(frozen=True, eq=False, slots=True)
class Primitive:
    """An operation: what the engine needs to run it, differentiate it and show it.

    `forward(*floats)` computes it (refusing inputs outside its domain with an error that names
    it); `derivative(*inputs, out)` gives the tuple ∂out/∂input, one per input, on floats or on
    `Value`s; `notation(argument_names)` writes it for drawings and step text, with `binding`
    saying where that needs parentheses; `arity` is its number of inputs (None: any). Calling a
    primitive applies it: to numbers it gives a float, to `Value`s a recorded node. `rebuild`
    tells pickle how to find it again. `array`, for an elementwise primitive, is its forward pass
    and rule on NumPy arrays (`compiler/arrays.py`), which `compile` vectorises.
    """

    name: str
    arity: int | None
    forward: Callable[..., float] | None
    derivative: Callable[..., tuple[Partial, ...]] | None
    notation: Notation
    rebuild: tuple = ()
    binding: Binding = FUNCTION_CALL
    array: arrays.ArrayForm | None = None

    def __call__(self, *args: Operand) -> Any:
        if self.arity is not None and len(args) != self.arity:
            raise TypeError(f"{self.name} takes {self.arity} argument(s), got {len(args)}")
        if not any(isinstance(x, Value) for x in args):
            return self.forward(*(as_float(x, self.name) for x in args))
        return build(self, tuple(operand(x, self.name) for x in args))

    def __reduce__(self) -> tuple:
        return self.rebuild

    def __repr__(self) -> str:
        return f"<primitive {self.name}>"


# --- the forward passes on floats: each refuses what it cannot compute, naming itself -------


def divide(a: float, b: float) -> float:
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


def pow_(x: float, n: float) -> float:
    if x < 0.0 and not float(n).is_integer():
        raise ValueError(f"{x!r} ** {n!r}: a negative base needs an integer exponent")
    if x == 0.0 and n < 0:
        raise ZeroDivisionError(f"{x!r} ** {n!r}: zero cannot be raised to a negative power")
    try:
        return float(x**n)
    except OverflowError:
        raise OverflowError(f"{x!r} ** {n!r} overflows a float") from None


# --- a weighted sum z = b + w_1 x_1 + … + w_n x_n, its inputs laid out as w_1, …, w_n, x_1, …,
# x_n, b. `weighted_sums` calls the two functions on lists, a layer at a time; the table's
# entry calls them on its inputs.


def weighted_sum_layout(args: Sequence[Any]) -> tuple[Sequence[Any], Sequence[Any], Any]:
    """(w_1, …, w_n, x_1, …, x_n, b) as (w, x, b)."""
    n = len(args) // 2
    return args[:n], args[n : 2 * n], args[-1]


def weighted_total(w: Sequence[float], x: Sequence[float], b: float) -> float:
    """b + w_1 x_1 + … + w_n x_n, summed in that order, as the binary operations would."""
    z = b
    for wk, xk in zip(w, x):
        z += wk * xk
    return z


def weighted_slopes(w: Sequence[Partial], x: Sequence[Partial]) -> tuple[Partial, ...]:
    """∂z/∂w_k = x_k, ∂z/∂x_k = w_k, ∂z/∂b = 1."""
    return (*x, *w, 1.0)


def _weighted_sum(*args: float) -> float:
    return weighted_total(*weighted_sum_layout(args))


def _weighted_sum_derivative(*args: Partial) -> tuple[Partial, ...]:
    w, x, _ = weighted_sum_layout(args[:-1])  # the last argument is z itself
    return weighted_slopes(w, x)


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
    """`[weighted_sum(w, inputs, b) for w, b in zip(weights, biases)]`, the sizes checked once:
    a layer's weighted inputs z^(l), whose neurons share the activations a^(l-1)."""
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
    x = [p.data for p in inputs if type(p) is Value]  # checked and read in one pass
    if len(x) != n:  # numbers to make constants of, or something to refuse
        inputs = [operand(p, "weighted_sum") for p in inputs]
        x = [p.data for p in inputs]
    sums, grad_enabled = [], current().grad_enabled
    for row, bias in zip(weights, biases):
        w = [p.data for p in row if type(p) is Value]
        if len(w) != n:
            row = [operand(p, "weighted_sum") for p in row]
            w = [p.data for p in row]
        if type(bias) is not Value:
            bias = operand(bias, "weighted_sum")
        # WEIGHTED_SUM's own functions on lists: x read once for the layer, no star calls
        known = weighted_total(w, x, bias.data), weighted_slopes(w, x) if grad_enabled else None
        sums.append(build(WEIGHTED_SUM, (*row, *inputs, bias), known))
    return sums


# --- the derivative rules: ∂out/∂input, on floats or on Values -----------------------------

ONES = (1.0, 1.0)  # ∂(a + b)/∂a, ∂(a + b)/∂b: one tuple for every sum


def _relu_derivative(x: Partial, out: Partial) -> tuple[float]:
    """relu's slope: 1 above 0, 0 at and below it (PyTorch's choice at the kink), NaN for NaN.
    (On a Value, the comparisons read its number.)"""
    return (1.0,) if x > 0.0 else (0.0,) if x <= 0.0 else (math.nan,)


def _sign(x: Partial) -> float:
    """abs's slope: ±1, 0 at the kink, NaN for NaN."""
    return 1.0 if x > 0.0 else -1.0 if x < 0.0 else 0.0 if x <= 0.0 else math.nan


def _sqrt_slope(out: Partial) -> Partial:
    return 0.5 / out if data_of(out) != 0.0 else math.inf


def power_slope(x: Partial, n: Partial) -> Partial:
    """∂(x**n)/∂x = n·x**(n-1), as a graph in x and n when they are `Value`s.

    0 for a constant n = 0; infinite at x = 0 when 0 < n < 1 (like sqrt); ±inf (as float
    arithmetic gives elsewhere) where x**(n-1) overflows.
    """
    if not isinstance(n, Value) and n == 0:
        return 0.0
    if data_of(x) == 0.0 and data_of(n) < 1.0:
        return math.inf
    try:
        return n * x ** (n - 1)
    except OverflowError:
        exponent = data_of(n) - 1
        odd = float(exponent).is_integer() and exponent % 2 == 1
        negative = (data_of(n) < 0.0) != (data_of(x) < 0.0 and odd)
        return -math.inf if negative else math.inf


def _pow_derivative(x: Partial, y: Partial, out: Partial) -> tuple[Partial, Partial]:
    """x ** y for a Value y: ∂/∂x = y·x**(y-1), ∂/∂y = x**y · log x. At x = 0, the edge of the
    domain, ∂/∂y is its limit from the right, 0. For x < 0 there is no ∂/∂y: refused."""
    if data_of(x) < 0.0:
        raise ValueError(
            f"{data_of(x)!r} ** Value({data_of(y)!r}): x ** y is not differentiable in y "
            "for a negative base; use a plain number as the exponent"
        )
    if data_of(x) == 0.0:
        return power_slope(x, data_of(y)), 0.0
    return power_slope(x, y), out * LOG(x)


def _log_sum_exp_derivative(*args: Partial) -> tuple[Partial, ...]:
    """∂/∂zₖ log Σᵢ exp(zᵢ) = exp(zₖ − m) / Σᵢ exp(zᵢ − m), the softmax; `args` are z₁, …, zₙ,
    out. Any constant m gives it; m = max z keeps every exp in range and zₖ − m exact, where
    exp(zₖ − out) would lose digits to the rounding of out."""
    *z, out = args
    m = max(data_of(zk) for zk in z)
    if not math.isfinite(m):
        return tuple(EXP(zk - out) for zk in z)
    shifted = [EXP(zk - m) for zk in z]
    total = shifted[0]
    for term in shifted[1:]:
        total = total + term
    return tuple(term / total for term in shifted)


# --- how a drawing writes each primitive -----------------------------------------------------


# Unicode's small digits, the one table of them: exponents, the backpropagation notation's
# indices (nn), and drawings, which mark them up as <SUB> and <SUP>.
SUBSCRIPT = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
SUPERSCRIPT = str.maketrans("0123456789-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾")


def infix(symbol: str) -> Notation:
    return lambda args: f" {symbol} ".join(args)


def function(symbol: str) -> Notation:
    return lambda args: f"{symbol}({', '.join(args)})"


def _weighted_sum_notation(args: Sequence[str]) -> str:
    """w₁·x1 + w₂·x2 + b, the middle elided past three terms."""
    w, x, b = weighted_sum_layout(args)
    terms = [f"{wk}·{xk}" for wk, xk in zip(w, x)]
    shown = terms if len(terms) <= 3 else [terms[0], "…", terms[-1]]
    return " + ".join([*shown, b])


def primitive_named(name: str) -> Primitive:
    """The built-in primitive called `name` (also "**n"), as pickle rebuilds it."""
    if name in PRIMITIVES:
        return PRIMITIVES[name]
    if name.startswith("**"):
        from .primitive import power  # made on the fly, beside @primitive

        text = name[2:]
        return power(int(text) if text.lstrip("-").isdigit() else float(text))
    raise ValueError(f"no built-in primitive is called {name!r}")


def builtin(
    name: str, arity: int | None, forward: Callable[..., float],
    derivative: Callable[..., tuple[Partial, ...]], notation: Notation,
    binding: Binding = FUNCTION_CALL, array: arrays.ArrayForm | None = None,
) -> Primitive:
    """A primitive that pickle finds again by its name."""
    return Primitive(name, arity, forward, derivative, notation, (primitive_named, (name,)),
                     binding, array)


# --- the table: one entry per primitive --------------------------------------------------------

ADD = builtin("+", 2, operator.add, lambda a, b, out: ONES, infix("+"), Binding(1, 1, 1),
              array=arrays.ADD)
SUB = builtin("-", 2, operator.sub, lambda a, b, out: (1.0, -1.0), infix("−"), Binding(1, 1, 2),
              array=arrays.SUB)
MUL = builtin("*", 2, operator.mul, lambda a, b, out: (b, a), infix("×"), Binding(2, 2, 2),
              array=arrays.MUL)
DIV = builtin("/", 2, divide, lambda a, b, out: (1.0 / b, -out / b), infix("÷"),
              Binding(2, 2, 3), array=arrays.DIV)
NEG = builtin("neg", 1, operator.neg, lambda x, out: (-1.0,), lambda a: f"−{a[0]}",
              Binding(3, 3, 3), array=arrays.NEG)
EXP = builtin("exp", 1, _exp, lambda x, out: (out,), function("exp"), array=arrays.EXP)
LOG = builtin("log", 1, _log, lambda x, out: (1.0 / x,), function("log"), array=arrays.LOG)
TANH = builtin("tanh", 1, math.tanh, lambda x, out: (1.0 - out * out,), function("tanh"),
               array=arrays.TANH)
SIGMOID = builtin("sigmoid", 1, _sigmoid, lambda x, out: (out * (1.0 - out),), function("σ"),
                  array=arrays.SIGMOID)
SOFTPLUS = builtin("softplus", 1, _softplus, lambda x, out: (SIGMOID(x),), function("softplus"))
LOG_SUM_EXP = builtin("logsumexp", None, _log_sum_exp, _log_sum_exp_derivative,
                      function("logsumexp"))
RELU = builtin("relu", 1, _relu, _relu_derivative, function("ReLU"), array=arrays.RELU)
SIN = builtin("sin", 1, _periodic("sin", math.sin), lambda x, out: (COS(x),), function("sin"),
              array=arrays.SIN)
COS = builtin("cos", 1, _periodic("cos", math.cos), lambda x, out: (-SIN(x),), function("cos"),
              array=arrays.COS)
SQRT = builtin("sqrt", 1, _sqrt, lambda x, out: (_sqrt_slope(out),), lambda a: f"√{a[0]}",
               Binding(9, 5, 5), array=arrays.SQRT)
ABS = builtin("abs", 1, math.fabs, lambda x, out: (_sign(x),), lambda a: f"|{a[0]}|",
              array=arrays.ABS)
POW = builtin("**", 2, pow_, _pow_derivative, infix("^"), Binding(4, 5, 5))
IDENTITY = builtin("id", 1, float, lambda x, out: (1.0,), function("id"), array=arrays.IDENTITY)
WEIGHTED_SUM = builtin("weighted_sum", None, _weighted_sum, _weighted_sum_derivative,
                       _weighted_sum_notation, Binding(1, 2, 1))

PRIMITIVES: dict[str, Primitive] = {
    p.name: p
    for p in (ADD, SUB, MUL, DIV, NEG, EXP, LOG, TANH, SIGMOID, SOFTPLUS, LOG_SUM_EXP, RELU, SIN,
              COS, SQRT, ABS, POW, IDENTITY, WEIGHTED_SUM)
}
# The elementary functions a user calls by name, as methods of Value and in `autodiff graph`.
FUNCTIONS: tuple[str, ...] = tuple(
    name for name, p in PRIMITIVES.items() if p.arity == 1 and name in GENERATED
)
