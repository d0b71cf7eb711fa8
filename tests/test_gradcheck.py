"""gradcheck: passes right derivatives, fails wrong ones naming the input, and reads well."""

from __future__ import annotations

import math

import pytest

from autodiff import GradcheckError, gradcheck, primitive
from autodiff.check.gradcheck import central_difference
from autodiff.testing import assert_gradcheck


def f(a, b):
    return a * b + a.sin()


@primitive(lambda x: 1.01 * math.cos(x))  # 1 % off
def sloppy_sin(x):
    return math.sin(x)


@primitive(lambda x: -1.01 * math.sin(x))  # 1 % off
def sloppy_cos(x):
    return math.cos(x)


@primitive(lambda x: sloppy_cos(x))  # right, but its own derivative is 1 % off
def sine(x):
    return math.sin(x)


def test_a_right_gradient_passes_with_numbers_close_to_the_closed_form():
    report = gradcheck(f, [1.0, 2.0])
    assert report.ok and not report.failures
    assert [row.name for row in report.rows] == ["a", "b"]
    assert report["a"]["numeric"] == pytest.approx(2.0 + math.cos(1.0), abs=1e-9)
    assert report["b"]["analytic"] == pytest.approx(1.0, abs=1e-15)


def test_a_derivative_one_percent_off_fails_and_names_the_input():
    report = gradcheck(lambda x, y: sloppy_sin(x) * y, [0.5, 2.0])
    assert not report.ok
    assert [row.name for row in report.failures] == ["x"]
    assert report["x"]["rel error"] == pytest.approx(0.01, rel=1e-6)
    failing_line = next(line for line in str(report).splitlines() if "FAIL" in line.split())
    assert failing_line.split()[0] == "x"


def test_the_stencil_is_fourth_order():
    # Exact for polynomials of degree four; a plain central difference would be off by h² = 1e-4.
    slope = central_difference(lambda x: (x**4,), [1.0], 0, eps=1e-2)[0]
    assert slope == pytest.approx(4.0, abs=1e-12)


def test_the_step_scales_with_the_input():
    x = 1e8  # an absolute step of 1e-6 would be lost to rounding next to 1e8
    assert gradcheck(lambda t: t * t, [x])["t"]["numeric"] == pytest.approx(2 * x, rel=1e-6)


def test_order_two_checks_every_entry_of_the_hessian():
    report = gradcheck(f, [1.0, 2.0], order=2)
    assert report.ok
    expected = {"a, a": -math.sin(1.0), "a, b": 1.0, "b, a": 1.0, "b, b": 0.0}
    assert {row.name: row["analytic"] for row in report.rows} == pytest.approx(expected)


def test_order_two_catches_a_wrong_second_derivative_that_order_one_misses():
    assert gradcheck(sine, [0.7]).ok
    report = gradcheck(sine, [0.7], order=2)
    assert [row.name for row in report.failures] == ["x, x"]


def test_names_fall_back_to_positions():
    report = gradcheck(lambda *xs: xs[0] * xs[1], (3.0, 4.0))
    assert [row.name for row in report.rows] == ["x0", "x1"]
    assert gradcheck(lambda t: t.exp(), 0.0).ok  # a lone number is one input


def test_raise_exception_carries_the_report():
    with pytest.raises(GradcheckError) as caught:
        gradcheck(sloppy_sin, [0.5], raise_exception=True)
    assert not caught.value.report.ok
    assert str(caught.value) == str(caught.value.report)


def test_assert_gradcheck_fails_a_test_with_the_report():
    assert assert_gradcheck(f, [1.0, 2.0]).ok
    with pytest.raises(AssertionError, match="FAIL"):
        assert_gradcheck(sloppy_sin, [0.5])


def test_the_text_table_is_aligned():
    report = gradcheck(f, [1.0, 2.0])
    assert repr(report) == str(report)  # the table at the prompt too
    lines = str(report).splitlines()
    assert lines[0].startswith("gradcheck of f at a=1, b=2") and lines[0].endswith("passed")
    heading, rule, *rows = lines[1:]
    assert heading.split() == ["input", "analytic", "numeric", "abs", "error", "rel", "error"]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    for row in rows:
        assert all(row[i - 1] == " " for i in starts[1:])


def test_the_html_table_marks_failing_rows_and_escapes_names():
    page = gradcheck(lambda x, y: sloppy_sin(x) * y, [0.5, 2.0])._repr_html_()
    assert page.startswith("<table>") and "&lt;lambda&gt;" in page
    assert page.count('<tr class="fail"') == 1 and page.count('<tr class="ok"') == 1
    assert '<tr class="fail" style="background:#fdd"><td>x</td>' in page


def test_bad_arguments_are_refused():
    with pytest.raises(ValueError, match="order"):
        gradcheck(f, [1.0, 2.0], order=3)
    with pytest.raises(TypeError, match="input 1"):
        gradcheck(f, [1.0, "2"])
    with pytest.raises(ValueError, match="at least one"):
        gradcheck(f, [])


def test_a_stencil_that_leaves_the_domain_says_so():
    message = r"stencil steps input 0 to -1\.99e-06 .*smaller eps"
    with pytest.raises(ValueError, match=message) as error:
        gradcheck(lambda x: x.sqrt(), [1e-8])
    assert "sqrt(-1.99e-06)" in str(error.value)  # the engine's own message is kept


@pytest.mark.parametrize("setting, value, error", [
    ("eps", 0.0, ValueError), ("eps", -1e-6, ValueError), ("eps", math.nan, ValueError),
    ("eps", math.inf, ValueError), ("eps", 1e-300, ValueError), ("eps", "1e-6", TypeError),
    ("atol", -1e-5, ValueError), ("atol", math.nan, ValueError), ("atol", math.inf, ValueError),
    ("rtol", -1e-3, ValueError), ("rtol", math.nan, ValueError), ("rtol", None, TypeError),
])
@pytest.mark.parametrize("order", [1, 2])
def test_a_step_or_tolerance_that_makes_no_sense_is_refused(setting, value, error, order):
    with pytest.raises(error, match=rf"^gradcheck: {setting} must be .*got {value!r}$"):
        gradcheck(f, [1.0, 2.0], order=order, **{setting: value})
