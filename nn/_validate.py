"""Argument checks shared by the models, so bad input fails at once with a clear message."""

from __future__ import annotations

from collections.abc import Sequence, Sized
from numbers import Real

import numpy as np

from autodiff import Value

Inputs = Sequence[Value | float] | Value | float
"""One sample: a list of numbers or Values, or the one input itself when there is one."""


def positive_int(n: object, what: str, where: str) -> int:
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"{where}: {what} must be an integer, got {n!r}")
    if n < 1:
        raise ValueError(f"{where}: {what} must be at least 1, got {n!r}")
    return n


def count(n: object, what: str) -> int:
    """`n` if it is a non-negative integer (not a bool), else a ValueError naming `what`."""
    if not isinstance(n, int) or isinstance(n, bool) or n < 0:
        raise ValueError(f"{what} must be a non-negative integer, got {n!r}")
    return n


def seed(value: object, where: str) -> int | None:
    if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
        raise TypeError(f"{where}: seed must be an integer or None, got {value!r}")
    return value


def inputs(x: object, n: int, where: str) -> Sized:
    """`x` if it holds `n` inputs (the engine itself refuses elements that are not numbers).

    A single input may also come bare, a number or a `Value`, as a one-neuron layer gives it;
    a NumPy array may be 1-D or an (n, 1) column, as Nielsen's book passes it.
    """
    if type(x) in (list, tuple) and len(x) == n:  # the usual case, before the slower checks
        return x
    x = array_as_list(x, where, "the input")
    if n == 1 and isinstance(x, (Value, Real)):
        return [x]
    if not isinstance(x, Sized) or isinstance(x, (str, bytes)):
        raise TypeError(f"{where}: expected a list of {n} numbers or Values, got {x!r}")
    if len(x) != n:
        raise ValueError(f"{where}: expected {n} inputs, got {len(x)}: {list(x)!r}")
    return x


def array_as_list(x: object, where: str, what: str) -> object:
    """A NumPy array (or anything with a `shape` and `tolist`) as Python numbers: a 1-D array or
    an (n, 1) column as a list, a 0-d array as its number; anything else as it is."""
    shape = getattr(x, "shape", None)
    if shape is None or isinstance(x, (Value, Real, list, tuple, str, bytes)):
        return x
    if len(shape) == 0:
        return x.tolist()
    if len(shape) == 1 or (len(shape) == 2 and shape[1] == 1):
        return x.reshape(-1).tolist()
    raise ValueError(
        f"{where}: {what} must be a 1-D array or an (n, 1) column, got an array of shape "
        f"{tuple(shape)}"
    )


def matrix(x: object, what: str, where: str) -> np.ndarray:
    """`x` (nested lists or an array of numbers) as an array of finite floats."""
    try:
        array = np.asarray(x)
    except ValueError:  # rows of different lengths
        array = None
    if array is None or array.dtype.kind not in "iuf":
        raise ValueError(f"{where}: {what} must be a matrix of numbers, got {x!r:.200}")
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        at = tuple(int(i) for i in bad[0])
        raise ValueError(f"{where}: {what} must be finite, got {array[at]} at {at}")
    return array.astype(float)
