"""Every operation's first and second derivatives against SymPy and central differences."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from expressions import BINARY, KINKS, UNARY, X, Y, build, evaluate, points, sympy_expr, trees
from hypothesis import given, reject, settings

from autodiff import Value, grad, hessian, no_grad, topological_order

DOMAIN_ERRORS = (ValueError, ZeroDivisionError, OverflowError)


def close(a: float, b: float, rel: float = 1e-8, abs_: float = 1e-9) -> bool:
    return math.isclose(a, b, rel_tol=rel, abs_tol=abs_)


def engine_function(tree):
    return lambda a, b: build(tree, {"x": a, "y": b})


def well_conditioned(out: Value, margin: float) -> bool:
    """No huge values or local derivatives, and no kink (relu, abs) within `margin` of 0."""
    for node in topological_order(out):
        if abs(node.data) > 1e4 or any(abs(g) > 1e4 for g in node.local_grads):
            return False
        if node.op in ("relu", "abs") and abs(node.parents[0].data) < margin:
            return False
        if node.op == "**" and node.parents[0].data == 0.0:  # x ** y at the edge of its domain
            return False
    return True


def evaluate_or_reject(tree, x: float, y: float, margin: float) -> Value:
    try:
        out = build(tree, {"x": Value(x), "y": Value(y)})
        hessian(engine_function(tree), argnums=(0, 1))(x, y)
    except DOMAIN_ERRORS:
        reject()
    if not well_conditioned(out, margin):
        reject()
    return out


def symbolic_or_reject(expr, x: float, y: float) -> float:
    """SymPy's value at the point; where it has none (a pole of a derivative, a complex
    value), the point is outside what the engine can be compared on."""
    try:
        value = evaluate(expr, x, y)
    except (*DOMAIN_ERRORS, TypeError):
        reject()
    if not math.isfinite(value):
        reject()
    return value


@settings(max_examples=120)
@given(trees, points, points)
def test_random_expressions_match_sympy_to_second_order(tree, x, y):
    evaluate_or_reject(tree, x, y, margin=1e-6)
    f = engine_function(tree)
    value, engine_grad = engine_value_and_grad(f, x, y)
    engine_hessian = hessian(f, argnums=(0, 1))(x, y)

    symbolic = sympy_expr(tree)
    assert close(value, symbolic_or_reject(symbolic, x, y))
    variables = (X, Y)
    for i, u in enumerate(variables):
        first = sp.diff(symbolic, u)
        expected = symbolic_or_reject(first, x, y)
        assert close(engine_grad[i], expected, rel=1e-7, abs_=1e-8), (tree, u)
        for j, v in enumerate(variables):
            second = symbolic_or_reject(sp.diff(first, v), x, y)
            assert close(engine_hessian[i][j], second, rel=1e-6, abs_=1e-7), (tree, u, v)


def test_second_derivative_through_a_zero_value_exponent():
    """x ** log x = exp(log² x) has second derivative 2 at x = 1, where the exponent is 0."""
    assert hessian(lambda x: x ** x.log())(1.0) == pytest.approx(2.0)


def numbers_only(f):
    """f at plain numbers, recording nothing: what finite differences evaluate."""

    def at(a: float, b: float) -> float:
        with no_grad():
            return f(Value(a), Value(b)).data

    return at


def engine_value_and_grad(f, x, y):
    a, b = Value(x), Value(y)
    out = f(a, b)
    out.backward()
    return out.data, (a.grad, b.grad)


@settings(max_examples=150)
@given(trees, points, points)
def test_random_expressions_match_central_differences(tree, x, y):
    h = 1e-6
    evaluate_or_reject(tree, x, y, margin=1e-3)
    f = engine_function(tree)
    _, (gx, gy) = engine_value_and_grad(f, x, y)
    at = numbers_only(f)
    try:
        nx = (at(x + h, y) - at(x - h, y)) / (2 * h)
        ny = (at(x, y + h) - at(x, y - h)) / (2 * h)
    except DOMAIN_ERRORS:
        reject()
    assert close(gx, nx, rel=1e-4, abs_=1e-5), (tree, gx, nx)
    assert close(gy, ny, rel=1e-4, abs_=1e-5), (tree, gy, ny)


@settings(max_examples=150)
@given(trees, points, points)
def test_random_expressions_second_derivatives_match_central_differences(tree, x, y):
    """H[i][j] against second differences of f itself (not of the engine's gradient)."""
    h = 1e-4
    evaluate_or_reject(tree, x, y, margin=1e-2)
    f = engine_function(tree)
    engine = hessian(f, argnums=(0, 1))(x, y)
    at = numbers_only(f)
    try:
        fxx = (at(x + h, y) - 2 * at(x, y) + at(x - h, y)) / h**2
        fyy = (at(x, y + h) - 2 * at(x, y) + at(x, y - h)) / h**2
        fxy = (
            at(x + h, y + h) - at(x + h, y - h) - at(x - h, y + h) + at(x - h, y - h)
        ) / (4 * h * h)
    except DOMAIN_ERRORS:
        reject()
    pairs = ((engine[0][0], fxx), (engine[1][1], fyy), (engine[0][1], fxy), (engine[1][0], fxy))
    for computed, numeric in pairs:
        assert close(computed, numeric, rel=1e-3, abs_=1e-4), (tree, computed, numeric)


# --- each operation on its own, at fixed points, first and second order ------------------

UNARY_POINTS = {
    "log": [0.3, 1.0, 2.7],
    "sqrt": [0.2, 1.0, 4.5],
    "root": [0.2, 1.0, 4.5],
    "reciprocal": [-2.0, -0.4, 0.5, 3.0],
    "relu": [-1.3, 0.7, 2.0],
    "abs": [-1.3, 0.7, 2.0],
}


@pytest.mark.parametrize("name", sorted(UNARY))
def test_each_unary_operation_matches_sympy(name):
    engine, symbolic, _ = UNARY[name]
    for point in UNARY_POINTS.get(name, [-2.0, -0.5, 0.3, 1.7]):
        first = sp.diff(symbolic(X), X)
        second = sp.diff(first, X)
        expected = [evaluate(e, point, 0.0) for e in (symbolic(X), first, second)]

        x = Value(point)
        out = engine(x)
        out.backward(create_graph=True)
        dx = x.grad
        x.grad = 0.0
        dx.backward()
        assert close(out.data, expected[0], rel=1e-12, abs_=1e-15)
        assert close(dx.data, expected[1], rel=1e-10, abs_=1e-12), (name, point)
        assert close(x.grad, expected[2], rel=1e-9, abs_=1e-12), (name, point)
        assert close(grad(grad(engine))(point), expected[2], rel=1e-9, abs_=1e-12)


@pytest.mark.parametrize("name", sorted(BINARY))
@pytest.mark.parametrize("a, b", [(1.5, 0.4), (2.0, -1.3), (0.7, 3.0)])
def test_each_binary_operation_matches_sympy(name, a, b):
    op = BINARY[name][0]
    symbolic = op(X, Y)
    h = hessian(op, argnums=(0, 1))(a, b)
    g = grad(op, argnums=(0, 1))(a, b)
    for i, u in enumerate((X, Y)):
        assert close(g[i], evaluate(sp.diff(symbolic, u), a, b), rel=1e-10)
        for j, v in enumerate((X, Y)):
            assert close(h[i][j], evaluate(sp.diff(symbolic, u, v), a, b), rel=1e-9, abs_=1e-12)


@pytest.mark.parametrize("name", sorted(BINARY))
def test_numbers_on_either_side(name):
    op = BINARY[name][0]
    a, b = 1.7, 0.6
    for number_left in (True, False):
        x = Value(b if number_left else a)
        out = op(a, x) if number_left else op(x, b)
        out.backward()
        u = Y if number_left else X
        symbolic = op(X, Y)
        assert close(out.data, evaluate(symbolic, a, b), rel=1e-14)
        assert close(x.grad, evaluate(sp.diff(symbolic, u), a, b), rel=1e-12)


def test_kinks_take_the_conventional_subgradient():
    for op in KINKS:
        x = Value(0.0)
        UNARY[op][0](x).backward()
        assert x.grad == 0.0


@pytest.mark.parametrize("n", [0, 1, 3])
def test_weighted_sum_matches_sympy_to_second_order(n):
    from autodiff import weighted_sum

    ws = sp.symbols(f"w0:{n}")
    xs = sp.symbols(f"x0:{n}")
    b = sp.Symbol("b")
    variables = [*ws, *xs, b]
    symbolic = sp.tanh(sum((w * x for w, x in zip(ws, xs)), 0) + b) ** 2
    point = [0.3 * (i + 1) * (-1) ** i for i in range(len(variables))]

    def f(*args):
        return weighted_sum(args[:n], args[n : 2 * n], args[-1]).tanh() ** 2

    everything = tuple(range(len(variables)))
    g = grad(f, argnums=everything)(*point)
    h = hessian(f, argnums=everything)(*point)
    at = dict(zip(variables, point))
    for i, u in enumerate(variables):
        assert close(g[i], float(sp.diff(symbolic, u).subs(at)), rel=1e-12, abs_=1e-14)
        for j, v in enumerate(variables):
            expected = float(sp.diff(symbolic, u, v).subs(at))
            assert close(h[i][j], expected, rel=1e-10, abs_=1e-13), (u, v)
