"""primitive: user functions with user derivatives become engine operations."""

from __future__ import annotations

import inspect
import math

import pytest

from autodiff import Value, grad, gradcheck, hessian, no_grad, primitive


@primitive(lambda x: 2.0 / math.sqrt(math.pi) * math.exp(-x * x))
def erf(x):
    """The error function, which the engine lacks."""
    return math.erf(x)


@primitive(lambda x, y: (x / math.hypot(x, y), y / math.hypot(x, y)))
def hypot(x, y):
    return math.hypot(x, y)


@primitive(lambda x: 3 * x**2)  # works on floats and on Values
def cube(x):
    return x**3


def test_a_primitive_is_an_operation_with_its_derivative():
    x = Value(0.3)
    y = erf(x)
    assert y.data == math.erf(0.3) and y.op == "erf" and y.parents == (x,)
    y.backward()
    assert x.grad == pytest.approx(2 / math.sqrt(math.pi) * math.exp(-0.09), rel=1e-15)


def test_gradcheck_passes_on_right_primitives():
    assert gradcheck(lambda x: erf(x) * x.exp(), [0.3]).ok
    assert gradcheck(lambda x, y: hypot(x, y).log(), [3.0, -4.0]).ok


def test_numbers_in_give_the_plain_function_and_mix_with_values():
    assert erf(0.3) == math.erf(0.3)
    y = Value(4.0)
    out = hypot(3.0, y)
    assert out.data == 5.0 and out.parents[1] is y and out.parents[0].data == 3.0
    assert grad(lambda y: hypot(3.0, y))(4.0) == pytest.approx(0.8)


def test_the_wrapper_keeps_the_function_identity():
    assert erf.__name__ == "erf" and erf.__doc__.startswith("The error function")
    assert erf.__wrapped__(0.3) == math.erf(0.3)
    assert list(inspect.signature(hypot).parameters) == ["x", "y"]
    assert [row.name for row in gradcheck(hypot, [3.0, 4.0]).rows] == ["x", "y"]


def test_bad_operands_are_refused_naming_the_function():
    with pytest.raises(TypeError, match=r"hypot: argument 0 .*'a'"):
        hypot("a", Value(1.0))
    with pytest.raises(TypeError, match=r"hypot: argument 1 .*None"):
        hypot(Value(1.0), None)


def test_a_derivative_with_the_wrong_number_of_partials_is_refused():
    @primitive(lambda x, y: x)
    def first(x, y):
        return x

    with pytest.raises(TypeError, match=r"first: its derivative returned 1 partial\(s\) for 2"):
        first(Value(1.0), 2.0)


def test_second_order_works_when_the_derivative_accepts_values():
    assert hessian(cube)(2.0) == pytest.approx(12.0)
    assert gradcheck(cube, [2.0], order=2).ok


def test_second_order_with_a_float_only_derivative_says_why_it_cannot():
    assert grad(erf)(0.3) == pytest.approx(2 / math.sqrt(math.pi) * math.exp(-0.09))
    with pytest.raises(TypeError, match="erf: its derivative works on floats only"):
        hessian(erf)(0.3)


def test_under_no_grad_a_primitive_records_nothing():
    with no_grad():
        y = erf(Value(0.3))
    assert y.parents == () and y.data == math.erf(0.3)
