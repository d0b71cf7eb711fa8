"""grad, value_and_grad and hessian: values, nesting and refused arguments."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, grad, hessian, value_and_grad


def test_grad_of_two_arguments_is_a_tuple_of_floats():
    g = grad(lambda a, b: a * b + a.sin(), argnums=(0, 1))(1.0, 2.0)
    assert isinstance(g, tuple) and all(type(v) is float for v in g)
    assert g == pytest.approx((2.0 + math.cos(1.0), 1.0), rel=1e-15)


def test_grad_of_one_argnum_is_a_float_and_defaults_to_the_first():
    f = lambda a, b: a * a * b
    assert grad(f)(3.0, 2.0) == 12.0
    assert grad(f, argnums=1)(3.0, 2.0) == 9.0
    assert grad(f, argnums=-1)(3.0, 2.0) == 9.0


def test_value_and_grad_returns_both_from_one_evaluation():
    calls = []

    def f(x):
        calls.append(x)
        return x.exp() * 2

    value, g = value_and_grad(f)(0.5)
    assert value == pytest.approx(2 * math.exp(0.5)) and g == pytest.approx(2 * math.exp(0.5))
    assert len(calls) == 1 and type(value) is float


@pytest.mark.parametrize("order, expected", [(1, 32.0), (2, 48.0), (3, 48.0), (4, 24.0), (5, 0.0)])
def test_repeated_grad_gives_higher_derivatives(order, expected):
    f = lambda t: t**4
    for _ in range(order):
        f = grad(f)
    assert f(2.0) == expected


def test_grad_of_grad_of_cube():
    assert grad(grad(lambda t: t**3))(2.0) == 12.0
    assert grad(grad(grad(lambda t: t**4)))(2.0) == 48


def test_perturbations_are_not_confused():
    assert grad(lambda x: x * grad(lambda y: x + y)(1.0))(1.0) == 1.0
    # the inner derivative depends on the outer variable: d/dx [x] = 1, d/dx [x·x] = 2x
    assert grad(lambda x: grad(lambda y: x * y)(1.0))(3.0) == 1.0
    assert grad(lambda x: x * grad(lambda y: x * y)(2.0))(3.0) == 6.0
    # the inner function called at the outer variable still differentiates only its own
    assert grad(lambda x: grad(lambda y: x * y)(x))(3.0) == 1.0


def test_transforms_leave_every_grad_untouched():
    w = Value(2.0)
    grad(lambda x: w * x * x)(3.0)
    assert w.grad == 0.0


def test_grad_accepts_values_and_returns_differentiable_values():
    x = Value(1.5)
    dx = grad(lambda t: t**3)(x)
    assert isinstance(dx, Value) and dx.data == pytest.approx(3 * 1.5**2)
    dx.backward()
    assert x.grad == pytest.approx(6 * 1.5)


def test_a_function_that_ignores_its_input_has_zero_gradient():
    assert grad(lambda x: 3.0)(1.0) == 0.0
    assert grad(lambda x, y: y * 2, argnums=(0, 1))(1.0, 4.0) == (0.0, 2.0)


def test_hessian_of_two_arguments():
    h = hessian(lambda a, b: a * a * b + b.exp(), argnums=(0, 1))(1.0, 2.0)
    assert h[0] == (4.0, 2.0) and h[1] == pytest.approx((2.0, math.exp(2.0)), rel=1e-15)
    assert all(type(v) is float for row in h for v in row)
    assert hessian(lambda t: t**3)(2.0) == 12.0


@given(st.floats(-2, 2), st.floats(-2, 2), st.floats(0.1, 2))
def test_hessian_matches_sympy_and_is_symmetric(a, b, c):
    x, y, z = sp.symbols("x y z")
    symbolic = sp.sin(x * y) + z * sp.exp(x) / z**2 + x * y * y
    f = lambda u, v, w: (u * v).sin() + w * u.exp() / w**2 + u * v * v
    h = hessian(f, argnums=(0, 1, 2))(a, b, c)
    point = {x: a, y: b, z: c}
    for i, u in enumerate((x, y, z)):
        for j, v in enumerate((x, y, z)):
            expected = float(sp.diff(symbolic, u, v).subs(point))
            assert h[i][j] == pytest.approx(expected, rel=1e-9, abs=1e-9)
            assert h[i][j] == pytest.approx(h[j][i], rel=1e-12, abs=1e-12)


@pytest.mark.parametrize("transform", [grad, value_and_grad, hessian])
def test_bad_arguments_are_refused_naming_the_transform(transform):
    f = lambda a, b: a * b
    with pytest.raises(ValueError, match=transform.__name__ + ".*argnums 2"):
        transform(f, argnums=2)(1.0, 2.0)
    with pytest.raises(TypeError, match=transform.__name__ + ".*argnums"):
        transform(f, argnums="0")(1.0, 2.0)
    with pytest.raises(TypeError, match=transform.__name__ + ".*argument 0.*'x'"):
        transform(f)("x", 2.0)
    with pytest.raises(TypeError, match=transform.__name__ + ".*must return"):
        transform(lambda a: [a])(1.0)
