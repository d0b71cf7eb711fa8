"""`gradcheck`: the engine's derivatives of a function against finite differences, input by input.

The analytic side is the engine's own `value_and_grad` / `hessian`, so what is checked is what
users get. The numeric side never looks at a derivative rule: it only evaluates `f`.

Numerics. The step for input i is h_i = eps·max(1, |x_i|), rounded so that x_i ± h_i is exact.
The derivative is the five-point central stencil

    f'(x) ≈ (f(x-2h) - 8 f(x-h) + 8 f(x+h) - f(x+2h)) / 12h,

which is one Richardson extrapolation of the central differences with steps h and 2h: it
cancels their h² error, leaving O(h⁴) truncation and roughly 2·10⁻¹⁶·|f|/h of rounding. With
the default eps = 1e-6 (PyTorch's) that is about 10⁻¹⁰ for a function of moderate size, and the
stencil stays within 2·10⁻⁶·max(1, |x|) of x, clear of most kinks and domain edges. The
default tolerances are PyTorch's for double precision: a row passes when
|analytic - numeric| ≤ atol + rtol·|numeric| with atol = 1e-5 and rtol = 1e-3. They are far
looser than the stencil's error, so they leave room for functions whose value is large next to
their slope, yet a derivative 1 % off fails wherever it is larger than 1e-3.
"""

from __future__ import annotations

import inspect
import math
import sys
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

from ..functional import grad, hessian, value_and_grad
from ..value import Value
from .report import GradcheckError, Report, Row

Inputs = Real | Value | Sequence[Real | Value]

_STENCIL = ((-2, 1.0), (-1, -8.0), (1, 8.0), (2, -1.0))  # (multiple of h, weight / 12h)


def gradcheck(
    f: Callable[..., Any],
    inputs: Inputs,
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    order: int = 1,
    raise_exception: bool = False,
) -> Report:
    """Compare the engine's gradient (order=1) or Hessian (order=2) of `f` at `inputs` with
    finite differences; one row per input (per pair of inputs for the Hessian).

    `f` takes the inputs as positional scalars and returns a scalar `Value` (or number).
    For order=2 the numeric side is the stencil applied to the engine's first-order gradient,
    which is far more accurate than a second difference of `f`; it checks that the second-order
    path (derivative rules run on `Value`s) agrees with the first-order one, which order=1
    checks against `f` itself. With `raise_exception=True` a failure raises `GradcheckError`.
    """
    check_settings("gradcheck", eps, atol, rtol)
    point = as_point(inputs, "gradcheck")
    names = argument_names(f, len(point))
    every = tuple(range(len(point)))
    if order == 1:
        analytic = value_and_grad(f, every)(*point)[1]
        value = on_numbers(f)
        numeric = [central_difference(value, point, i, eps)[0] for i in every]
        checked = [(names[i], analytic[i], numeric[i]) for i in every]
    elif order == 2:
        second = hessian(f, every)(*point)
        gradient = grad(f, every)
        columns = [central_difference(gradient, point, j, eps) for j in every]
        checked = [
            (f"{names[i]}, {names[j]}", second[i][j], columns[j][i]) for i in every for j in every
        ]
    else:
        raise ValueError(f"gradcheck: order must be 1 or 2, got {order!r}")
    rows = tuple(_row(name, a, n, atol, rtol) for name, a, n in checked)
    label = "input" if order == 1 else "inputs"
    report = Report(title("gradcheck", f, names, point, atol, rtol), rows, label)
    if raise_exception and not report.ok:
        raise GradcheckError(report)
    return report


def agrees(x: float, reference: float, atol: float, rtol: float) -> bool:
    """|x - reference| ≤ atol + rtol·|reference| (False when either is NaN)."""
    return abs(x - reference) <= atol + rtol * abs(reference)


_DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def check_settings(check: str, eps: object, atol: object, rtol: object) -> None:
    """Refuse a step or a tolerance that would make the comparison meaningless: a step of 0
    (or one below the float spacing of x) divides by zero, a NaN tolerance fails every row, an
    infinite one passes every row."""
    for name, value, least in (("eps", eps, sys.float_info.epsilon), ("atol", atol, 0.0),
                               ("rtol", rtol, 0.0)):
        if not isinstance(value, Real) or isinstance(value, bool):
            raise TypeError(f"{check}: {name} must be a number, got {value!r}")
        if not least <= value < math.inf:
            raise ValueError(
                f"{check}: {name} must be a finite number of at least {least:g}, got {value!r}"
            )


def central_difference(
    g: Callable[..., Sequence[float]], point: Sequence[float], i: int, eps: float
) -> list[float]:
    """∂g/∂point[i] for a `g` returning a sequence of floats, by the five-point stencil."""
    x = point[i]
    h = (x + eps * max(1.0, abs(x))) - x  # a step that x + h represents exactly
    total: list[float] | None = None
    for multiple, weight in _STENCIL:
        shifted = list(point)
        shifted[i] = x + multiple * h
        try:
            values = g(*shifted)
        except _DOMAIN_ERRORS as error:
            if type(error) not in _DOMAIN_ERRORS:  # e.g. AnomalyError: its own message
                raise
            raise type(error)(
                f"the finite-difference stencil steps input {i} to {shifted[i]!r} "
                f"({multiple:+g}·h from {x!r}, h = {h:.3g}), where f fails: {error}. Check at a "
                "point farther from the edge of f's domain, or pass a smaller eps."
            ) from error
        terms = [weight * y for y in values]
        total = terms if total is None else [t + y for t, y in zip(total, terms)]
    return [t / (12.0 * h) for t in total]


def as_point(inputs: Inputs, check: str) -> tuple[float, ...]:
    """The inputs as floats (a `Value` gives its data); a lone number is one input."""
    if isinstance(inputs, (Real, Value)):
        inputs = [inputs]
    point = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            x = x.data
        if not isinstance(x, Real):
            raise TypeError(f"{check}: input {i} must be a number or a Value, got {x!r}")
        point.append(float(x))
    if not point:
        raise ValueError(f"{check}: needs at least one input")
    return tuple(point)


def argument_names(f: Callable[..., Any], n: int) -> list[str]:
    """The names of `f`'s first n positional parameters; x0, x1, ... where it has none."""
    try:
        parameters = inspect.signature(f).parameters.values()
    except (TypeError, ValueError):  # some builtins have no signature
        parameters = []
    named = [
        p.name for p in parameters if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
    ]
    return [named[i] if i < len(named) else f"x{i}" for i in range(n)]


def title(
    check: str, f: Callable[..., Any], names: list[str], point: Sequence[float],
    atol: float, rtol: float,
) -> str:
    """What was checked, where, and with which tolerances: the first line of a report."""
    at = ", ".join(f"{name}={x:g}" for name, x in zip(names, point))
    name = getattr(f, "__name__", type(f).__name__)
    return f"{check} of {name} at {at} (atol={atol:g}, rtol={rtol:g})"


def on_numbers(f: Callable[..., Any]) -> Callable[..., tuple[float]]:
    """`f` on numbers, as a 1-tuple of floats.

    The arguments are passed as `Value` leaves, not floats, so that `f` may use methods such as
    `a.sin()`; the graph it builds is simply dropped.
    """

    def value(*point: float) -> tuple[float]:
        out = f(*map(Value, point))
        return (out.data if isinstance(out, Value) else float(out),)

    return value


def _row(name: str, analytic: float, numeric: float, atol: float, rtol: float) -> Row:
    error = abs(analytic - numeric)
    relative = error / abs(numeric) if numeric else (0.0 if error == 0.0 else float("inf"))
    values = {"analytic": analytic, "numeric": numeric, "abs error": error, "rel error": relative}
    return Row(name, values, agrees(analytic, numeric, atol, rtol))
