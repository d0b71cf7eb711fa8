"""`check_partials`: hand-derived partial derivatives against the engine and finite differences.

Two derivations that disagree need a referee: the central difference (see `gradcheck.py`)
depends on neither, so each row says which side it supports.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from numbers import Real
from typing import Any

from ..functional import value_and_grad
from ..value import Value
from .gradcheck import (
    Inputs,
    agrees,
    argument_names,
    as_point,
    central_difference,
    check_settings,
    on_numbers,
    title,
)
from .report import GradcheckError, Report, Row

Derivation = Callable[..., Any] | float


def check_partials(
    f: Callable[..., Any],
    inputs: Inputs,
    expected: Mapping[str, Derivation],
    *,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = False,
) -> Report:
    """Set each hand-derived ∂f/∂name beside the engine's and the numeric one, at `inputs`.

    `expected` maps argument names of `f` to the hand derivation: a number, or a callable
    taking the same arguments as `f` (as floats). A row passes when both the hand derivation
    and the engine agree with the numeric value (tolerances as in `gradcheck`); otherwise its
    note says which of them the numeric value supports. With `raise_exception=True` a failure
    raises `GradcheckError`.
    """
    check_settings("check_partials", eps, atol, rtol)
    if not isinstance(expected, Mapping):
        raise TypeError(f"check_partials: expected must map argument names to derivations, "
                        f"got {expected!r}")
    for name, derivation in expected.items():
        if not callable(derivation):
            _hand(derivation, name)
    point = as_point(inputs, "check_partials")
    names = argument_names(f, len(point))
    unknown = [name for name in expected if name not in names]
    if not expected:
        raise ValueError("check_partials: no hand-derived partials given, nothing to check")
    if unknown:
        raise ValueError(
            f"check_partials: {', '.join(map(repr, unknown))} not among the arguments {names}"
        )
    engine = value_and_grad(f, tuple(range(len(point))))(*point)[1]
    value = on_numbers(f)
    rows = []
    for i, name in enumerate(names):
        if name in expected:
            derivation = expected[name]
            hand = _hand(derivation(*point) if callable(derivation) else derivation, name)
            numeric = central_difference(value, point, i, eps)[0]
            rows.append(_judge(name, hand, engine[i], numeric, atol, rtol))
    report = Report(title("check_partials", f, names, point, atol, rtol), tuple(rows), "argument")
    if raise_exception and not report.ok:
        raise GradcheckError(report)
    return report


def _hand(value: object, name: str) -> float:
    """A hand derivation's number; a string such as "3" is a slip, not a derivative."""
    if isinstance(value, Value):
        return value.data
    if not isinstance(value, Real) or isinstance(value, bool):
        raise TypeError(
            f"check_partials: the hand-derived ∂f/∂{name} must be a number or a callable "
            f"returning one, got {value!r}"
        )
    return float(value)


def _judge(name: str, hand: float, engine: float, numeric: float, atol: float, rtol: float) -> Row:
    hand_right = agrees(hand, numeric, atol, rtol)
    engine_right = agrees(engine, numeric, atol, rtol)
    if hand_right and engine_right:
        note = ""
    elif engine_right:
        note = "the hand derivation is wrong: numeric supports the engine"
    elif hand_right:
        note = "the engine is wrong: numeric supports the hand derivation"
    elif agrees(hand, engine, atol, rtol):
        note = "hand and engine agree but numeric does not: a kink, or too large a step?"
    else:
        note = "numeric supports neither"
    values = {"hand-derived": hand, "engine": engine, "numeric": numeric}
    return Row(name, values, hand_right and engine_right, note)
