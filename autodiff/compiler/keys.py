"""Which recording a call of a compiled function selects: the shapes of the differentiated
arguments, and the other arguments by value, floats by their bits."""

from __future__ import annotations

from numbers import Real
from typing import Any

from ..value import Value


def key(args: tuple, kwargs: dict, indices: tuple) -> tuple[tuple, list[float]]:
    """What a recording must match (the shapes of the differentiated arguments, the others'
    values) and the numbers to replay it on, in the order of the recording's inputs."""
    differentiated = dict.fromkeys(indices)
    numbers: list[float] = []
    for i in differentiated:
        a = args[i]
        items = a if isinstance(a, (list, tuple)) else (a,)
        numbers += [e if type(e) is float else number(e, f"argument {i}") for e in items]
    positional = tuple(
        shape_of(a) if i in differentiated else frozen(a, f"argument {i}")
        for i, a in enumerate(args)
    )
    static = tuple(sorted((name, frozen(v, f"keyword argument {name}"))
                          for name, v in kwargs.items()))
    return (positional, static), numbers


def shape_of(a: Any) -> Any:
    return (type(a), len(a)) if isinstance(a, (list, tuple)) else float


def number(x: Any, what: str) -> float:
    if isinstance(x, Value):
        raise TypeError(
            f"compile: {what} is a Value; a compiled function replays numbers (to differentiate "
            "through Values, call f or value_and_grad)"
        )
    if not isinstance(x, Real):
        raise TypeError(f"compile: {what} must be a number or a flat list of numbers, got {x!r}")
    return float(x)


def frozen(x: Any, what: str) -> Any:
    """`x` as part of a recording's key: typed (1 and 1.0 may send f different ways), lists and
    tuples by their items, floats by their bits (`==` has 0.0 equal to -0.0, which `copysign`
    tells apart, and NaN equal to nothing, which would record on every call)."""
    if isinstance(x, Value):
        raise TypeError(
            f"compile: {what} is a Value; a compiled function replays numbers (close over "
            "Values instead: their .data is read on each call)"
        )
    if isinstance(x, (list, tuple)):
        return type(x), tuple(frozen(e, what) for e in x)
    if isinstance(x, float):
        return type(x), x.hex()  # every NaN is "nan"; -0.0 is "-0x0.0p+0"
    if isinstance(x, complex):
        return type(x), x.real.hex(), x.imag.hex()
    try:
        hash(x)
    except TypeError:
        raise TypeError(
            f"compile: {what} is not differentiated, so the recording depends on its value and "
            f"it must be hashable (or a list of hashables), got {type(x).__name__}"
        ) from None
    return type(x), x
