"""The primitives' array forms: each elementwise primitive's forward pass and derivative rule on
NumPy arrays, for the code `compile` vectorises (`vectorize.py`).

Each is the scalar rule of `rules.py` written for arrays, elementwise the same floats (NumPy's
exp, log, tanh, sin and cos may differ from `math`'s in the last bit), refusing the same inputs
with the same errors, so that a replay fails where `f` fails. An `ArrayForm` is what a
`Primitive` declares beside its scalar rule in the table.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import NamedTuple

import numpy as np

Array = np.ndarray


class ArrayForm(NamedTuple):
    """A primitive on arrays: `forward(*arrays)` and `derivative(*arrays, out)`, which gives
    the tuple of ∂out/∂input, arrays or plain numbers, elementwise."""

    forward: Callable[..., Array]
    derivative: Callable[..., tuple]


def _refuse(bad: Array, error: type[Exception], message: str) -> None:
    """Raise `error` for the first element where `bad` holds, as the scalar rule would."""
    if bad.any():
        raise error(message.format(bad.nonzero()[0][0] if bad.ndim == 1 else bad.argmax()))


def _divide(a: Array, b: Array) -> Array:
    _refuse(b == 0.0, ZeroDivisionError, "division by zero at element {}")
    return a / b


def _exp(x: Array) -> Array:
    with np.errstate(over="ignore"):
        out = np.exp(x)
    _refuse(np.isinf(out) & np.isfinite(x), OverflowError, "exp overflows a float at element {}")
    return out


def _log(x: Array) -> Array:
    _refuse(x <= 0.0, ValueError, "log: the logarithm needs a positive number (element {})")
    return np.log(x)


def _sigmoid(x: Array) -> Array:
    e = np.exp(-np.abs(x))  # exp of a non-positive number never overflows, as in rules.py
    return np.where(x >= 0.0, 1.0 / (1.0 + e), e / (1.0 + e))


def _relu(x: Array) -> Array:
    return np.where(x <= 0.0, 0.0, x)  # NaN stays NaN


def _step(x: Array) -> Array:
    return np.where(x > 0.0, 1.0, np.where(x <= 0.0, 0.0, np.nan))


def _sign(x: Array) -> Array:
    return np.where(x == 0.0, 0.0, np.sign(x))  # NaN stays NaN


def _sqrt(x: Array) -> Array:
    _refuse(x < 0.0, ValueError, "sqrt: the square root needs a non-negative number (element {})")
    return np.sqrt(x)


def _sqrt_slope(out: Array) -> Array:
    with np.errstate(divide="ignore"):
        return np.where(out != 0.0, 0.5 / out, np.inf)


def _periodic(name: str, f: Callable[[Array], Array]) -> Callable[[Array], Array]:
    def periodic(x: Array) -> Array:
        _refuse(np.isinf(x), ValueError, f"{name} is undefined at infinity (element {{}})")
        return f(x)

    return periodic


ADD = ArrayForm(np.add, lambda a, b, out: (1.0, 1.0))
SUB = ArrayForm(np.subtract, lambda a, b, out: (1.0, -1.0))
MUL = ArrayForm(np.multiply, lambda a, b, out: (b, a))
DIV = ArrayForm(_divide, lambda a, b, out: (1.0 / b, -out / b))
NEG = ArrayForm(np.negative, lambda x, out: (-1.0,))
EXP = ArrayForm(_exp, lambda x, out: (out,))
LOG = ArrayForm(_log, lambda x, out: (1.0 / x,))
TANH = ArrayForm(np.tanh, lambda x, out: (1.0 - out * out,))
SIGMOID = ArrayForm(_sigmoid, lambda x, out: (out * (1.0 - out),))
RELU = ArrayForm(_relu, lambda x, out: (_step(x),))
SIN = ArrayForm(_periodic("sin", np.sin), lambda x, out: (np.cos(x),))
COS = ArrayForm(_periodic("cos", np.cos), lambda x, out: (-np.sin(x),))
SQRT = ArrayForm(_sqrt, lambda x, out: (_sqrt_slope(out),))
ABS = ArrayForm(np.abs, lambda x, out: (_sign(x),))
IDENTITY = ArrayForm(np.positive, lambda x, out: (1.0,))


def power(n: int | float) -> ArrayForm | None:
    """x ** n for a constant positive integer n (the squares of a loss): exact products, no
    domain to refuse; other exponents stay scalar."""
    if not (isinstance(n, int) and 1 <= n <= 8):
        return None
    def forward(x: Array) -> Array:
        with np.errstate(over="ignore"):
            out = x**n
        _refuse(np.isinf(out) & np.isfinite(x), OverflowError, f"** {n} overflows a float "
                "at element {}")
        return out

    def derivative(x: Array, out: Array) -> tuple:
        with np.errstate(over="ignore"):
            return (n * x ** (n - 1) if n > 1 else 1.0,)

    return ArrayForm(forward, derivative)
