"""The rule table: each primitive's derivative rule, on floats and as a graph, at the points
where rules are most easily wrong (0, ±1, integer and zero exponents, the kinks of abs and
relu), against SymPy to second order; NaN and infinity; the table as one source of truth."""

from __future__ import annotations

import math

import pytest
import sympy as sp
from expressions import BINARY, UNARY

from autodiff import PRIMITIVES, AnomalyError, Value, detect_anomaly, grad, hessian
from autodiff.rules import FUNCTIONS

x_, y_ = sp.symbols("x y", real=True)

POWERS = [(n, base) for n in (0, 1, 2, 3, -1, -2, 0.5, 1.5, 2.5, 3.0)
          for base in (0, 1, -1, 2) if not (base == 0 and n < 0) and not (base < 0 and n % 1)]


def expected(expression, symbols, point) -> float:
    value = sp.N(expression.subs(dict(zip(symbols, point))), 30)
    if value in (sp.zoo, sp.oo, -sp.oo) or value.is_infinite:
        return math.inf if value == sp.oo else -math.inf if value == -sp.oo else math.nan
    return float(value)


def agree(ours: float, reference: float) -> bool:
    if math.isnan(reference):  # SymPy's complex infinity: any infinity, since the sign is lost
        return math.isinf(ours)
    return ours == reference or math.isclose(ours, reference, rel_tol=1e-13, abs_tol=1e-15)


def check(f, symbolic, point) -> None:
    """First derivatives by the float path, the graph path and SymPy; second by the graph
    path (hessian) and SymPy; every pair must agree."""
    symbols = [x_, y_][: len(point)]
    floats = [float(p) for p in point]
    expression = symbolic(*symbols)

    leaves = [Value(p) for p in floats]
    f(*leaves).backward()
    float_path = [v.grad for v in leaves]
    leaves = [Value(p) for p in floats]
    f(*leaves).backward(create_graph=True)
    graph_path = [v.grad.data if isinstance(v.grad, Value) else v.grad for v in leaves]
    for k, s in enumerate(symbols):
        reference = expected(sp.diff(expression, s), symbols, point)
        assert agree(float_path[k], reference), (point, k, float_path[k], reference)
        assert agree(graph_path[k], reference), (point, k, graph_path[k], reference)

    every = tuple(range(len(point)))
    second = hessian(f, every)(*floats)
    for i, si in enumerate(symbols):
        for j, sj in enumerate(symbols):
            reference = expected(sp.diff(expression, si, sj), symbols, point)
            assert agree(second[i][j], reference), (point, i, j, second[i][j], reference)


@pytest.mark.parametrize("name, point", [(n, p) for n, (_, _, ps) in UNARY.items() for p in ps])
def test_each_unary_rule_at_its_special_points(name, point):
    f, symbolic, _ = UNARY[name]
    check(f, symbolic, [point])


@pytest.mark.parametrize("n, base", POWERS)
def test_powers_with_integer_zero_and_fractional_exponents(n, base):
    exponent = sp.nsimplify(n)
    if base == 0 and 0 < n < 2 and n != 1:  # the slope or the curvature is infinite at 0
        first = (Value(0.0) ** n).local_grads[0]
        assert first == (math.inf if n < 1 else 0.0)
        return
    check(lambda t: t**n, lambda t: t**exponent, [base])


@pytest.mark.parametrize("name, point", [(n, p) for n, (_, ps) in BINARY.items() for p in ps])
def test_each_binary_rule_at_its_special_points(name, point):
    f, _points = BINARY[name]
    check(f, f, list(point))


def log_of_sum_of_exps(*symbols):
    return sp.log(sum(sp.exp(s) for s in symbols))


@pytest.mark.parametrize("point", [(0, 0), (1, -1), (-2, 3), (40, -40)])
def test_log_sum_exp_rule_at_its_special_points(point):
    check(PRIMITIVES["logsumexp"], log_of_sum_of_exps, list(point))


@pytest.mark.parametrize("point", [(-745, -740), (710, 700), (-1000, 1000, 999)])
def test_log_sum_exp_where_exp_alone_underflows_or_overflows(point):
    """The value and the first derivatives (the softmax) to SymPy's 30 digits; the second
    derivatives there lose digits to the subtraction z − out, as anyone's do."""
    symbols = sp.symbols(f"z0:{len(point)}", real=True)
    expression = log_of_sum_of_exps(*symbols)
    leaves = [Value(float(p)) for p in point]
    out = PRIMITIVES["logsumexp"](*leaves)
    out.backward()
    assert math.isclose(out.data, expected(expression, symbols, point), rel_tol=1e-15)
    for s, leaf in zip(symbols, leaves):
        reference = expected(sp.diff(expression, s), symbols, point)
        assert math.isclose(leaf.grad, reference, rel_tol=1e-12, abs_tol=1e-300), (s, leaf.grad)


def test_log_sum_exp_of_infinities_and_nan():
    log_sum_exp = PRIMITIVES["logsumexp"]
    assert log_sum_exp(math.inf, 0.0) == math.inf
    assert log_sum_exp(-math.inf, -math.inf) == -math.inf
    assert log_sum_exp(-math.inf, 0.0) == 0.0
    assert math.isnan(log_sum_exp(1.0, math.nan)) and math.isnan(log_sum_exp(math.nan, 1.0))
    assert log_sum_exp(1000.0, 1000.0, -1000.0) == 1000.0 + math.log(2.0)


def test_the_value_exponent_rule_keeps_its_dependence_on_y_at_zero():
    assert grad(grad(lambda x, y: x**y, 0), 1)(2.0, 0.0) == 0.5
    h = hessian(lambda x, y: x**y, (0, 1))(2.0, 0.0)
    assert h[0][1] == h[1][0] == 0.5


def test_the_graph_path_equals_the_float_path_on_every_unary_rule():
    for name, (f, _, points) in UNARY.items():
        for point in points:
            a, b = Value(float(point)), Value(float(point))
            f(a).backward()
            f(b).backward(create_graph=True)
            graph = b.grad.data if isinstance(b.grad, Value) else b.grad
            assert a.grad == graph, (name, point)  # to the last bit (0 and -0 aside)


# --- NaN and infinity ---------------------------------------------------------------------


@pytest.mark.parametrize("name", FUNCTIONS)
def test_nan_in_is_nan_out_with_a_nan_slope(name):
    x = Value(math.nan)
    y = getattr(x, name)()
    y.backward()
    assert math.isnan(y.data) and math.isnan(x.grad), name


def test_relu_of_nan_is_caught_under_detect_anomaly():
    with detect_anomaly(), pytest.raises(AnomalyError, match="'relu' produced nan"):
        Value(math.nan).relu()


@pytest.mark.parametrize("name", ["sin", "cos"])
@pytest.mark.parametrize("infinity", [math.inf, -math.inf])
def test_sin_and_cos_of_infinity_are_refused_naming_the_operation(name, infinity):
    with pytest.raises(ValueError, match=rf"^{name}\({infinity!r}\)"):
        getattr(Value(infinity), name)()


# --- one table ----------------------------------------------------------------------------


def test_every_primitive_is_one_record_whose_forward_matches_the_operation():
    for name, p in PRIMITIVES.items():
        assert p.name == name and callable(p.forward) and callable(p.derivative)
        assert callable(p.notation)
    for name in FUNCTIONS:
        assert PRIMITIVES[name](0.5) == getattr(Value(0.5), name)().data
        assert PRIMITIVES[name](Value(0.5)).op == name
    assert set(FUNCTIONS) == {"exp", "log", "tanh", "sigmoid", "relu", "sin", "cos", "sqrt", "abs"}


def test_the_command_line_and_the_drawing_read_the_table():
    from autodiff.draw.notation import expression
    from autodiff_cli.expression import FUNCTIONS as COMMAND_LINE

    assert list(COMMAND_LINE) == list(FUNCTIONS)
    x, y = Value(1.0, name="x"), Value(2.0, name="y")
    names = {x: "x", y: "y"}
    for node, text in [(x * y, "x × y"), (x.sigmoid(), "σ(x)"), (x**2, "x²"), (x**y, "x ^ y"),
                       (abs(x), "|x|"), (-x, "−x"), (x ** -1, "x⁻¹"), (x**0.5, "x^0.5")]:
        assert expression(node, names) == text


def test_every_node_keeps_what_its_table_rule_gives_bit_for_bit():
    from autodiff import weighted_sum

    for a, b in [(2.0, -3.0), (0.0, 1.5), (-1.0, 0.25), (math.nan, 1.0)]:
        x, y = Value(a), Value(b)
        made = (x + y, x - y, x * y, x / y, -x, 1.5 + x, x.relu(), y.relu(), x.tanh(),
                       weighted_sum([x, 2.0], [y, x], 0.5))
        for node in made:
            inputs = [p.data for p in node.parents]
            rule = node.primitive.derivative(*inputs, node.data)
            assert list(map(float.hex, node.local_grads)) == list(map(float.hex, rule)), node.op


@pytest.mark.parametrize("f, point", [
    (lambda x: x.relu() ** 1.5, -1.0),
    (lambda x: (x.relu() + 0.0) ** 0.5 * 2, -0.5),
    (lambda x: (x * 0).abs() ** 1.5, 2.0),
])
def test_a_constant_zero_slope_passes_nothing_on_so_no_nan_at_the_next_order(f, point):
    """relu(x)**1.5 is 0 for x < 0: its second derivative is 0, not 0 · ∞. (The first
    derivative keeps float arithmetic, as micrograd's and PyTorch's: 0 · ∞ is NaN there.)"""
    assert hessian(f)(point) == 0.0
