"""Assertions for tests: a failed check fails the test with the whole report as its message.

    from autodiff.testing import assert_gradcheck, assert_partials

    def test_my_erf():
        assert_gradcheck(lambda x: erf(x) * x, [0.3])
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from .check.gradcheck import Inputs, gradcheck
from .check.partials import Derivation, check_partials
from .check.report import Report


def assert_gradcheck(f: Callable[..., Any], inputs: Inputs, **options: Any) -> Report:
    """Like `gradcheck`, but a failure raises `GradcheckError` (an `AssertionError`)."""
    __tracebackhide__ = True  # pytest shows the caller's line, not this one
    return gradcheck(f, inputs, raise_exception=True, **options)


def assert_partials(
    f: Callable[..., Any], inputs: Inputs, expected: Mapping[str, Derivation], **options: Any
) -> Report:
    """Like `check_partials`, but a failure raises `GradcheckError` (an `AssertionError`)."""
    __tracebackhide__ = True
    return check_partials(f, inputs, expected, raise_exception=True, **options)
