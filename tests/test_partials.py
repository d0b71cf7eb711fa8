"""check_partials: hand derivations beside the engine and the numeric referee.

The main case is ∂C_0/∂w for one sigmoid neuron: z = w·a_prev + b, a = σ(z), C_0 = (a - y)²,
so ∂C_0/∂w = δ·a_prev (BP4) with δ = 2(a - y)·σ'(z) (BP1).
"""

from __future__ import annotations

import math

import pytest

from autodiff import check_partials, primitive
from autodiff.testing import assert_partials

POINT = [0.8, 0.6, -0.3, 1.0]  # w, a_prev, b, y


def cost(w, a_prev, b, y):
    return ((w * a_prev + b).sigmoid() - y) ** 2


def activation(w, a_prev, b):
    return 1.0 / (1.0 + math.exp(-(w * a_prev + b)))


def delta(w, a_prev, b, y):
    a = activation(w, a_prev, b)
    return 2.0 * (a - y) * a * (1.0 - a)


def test_a_right_derivation_of_one_neurons_partials_passes():
    report = check_partials(cost, POINT, {
        "w": lambda w, a_prev, b, y: delta(w, a_prev, b, y) * a_prev,
        "b": delta,
        "a_prev": lambda w, a_prev, b, y: delta(w, a_prev, b, y) * w,
    })
    assert report.ok
    assert [row.name for row in report.rows] == ["w", "a_prev", "b"]  # f's argument order


@pytest.mark.parametrize("wrong", [
    lambda w, a_prev, b, y: delta(w, a_prev, b, y) / 2 * a_prev,  # the factor 2 forgotten
    lambda w, a_prev, b, y: 2 * (activation(w, a_prev, b) - y) * a_prev,  # σ'(z) forgotten
])
def test_a_wrong_derivation_is_flagged_by_name_and_the_numeric_value_backs_the_engine(wrong):
    report = check_partials(cost, POINT, {"w": wrong, "b": delta})
    assert [row.name for row in report.failures] == ["w"]
    assert report["w"].note == "the hand derivation is wrong: numeric supports the engine"
    assert report["w"]["engine"] == pytest.approx(report["w"]["numeric"], rel=1e-8)
    failing_line = next(line for line in str(report).splitlines() if "FAIL" in line.split())
    assert failing_line.split()[0] == "w" and "supports the engine" in failing_line


def test_a_wrong_engine_rule_is_blamed_when_the_numeric_value_backs_the_hand():
    @primitive(lambda x: 1.01 * math.exp(x))
    def exp(x):
        return math.exp(x)

    report = check_partials(lambda x: exp(x), [0.5], {"x": math.exp(0.5)})
    assert report["x"].note == "the engine is wrong: numeric supports the hand derivation"


def test_at_a_kink_hand_and_engine_can_agree_against_the_numeric_value():
    report = check_partials(lambda x: x.relu(), [0.0], {"x": 0.0})
    assert report["x"]["numeric"] == pytest.approx(0.5)  # the stencil straddles the kink
    assert report["x"].note.startswith("hand and engine agree but numeric does not")


def test_unknown_names_and_nothing_to_check_are_refused():
    with pytest.raises(ValueError, match="'v' not among the arguments"):
        check_partials(cost, POINT, {"v": 0.0})
    with pytest.raises(ValueError, match="nothing to check"):
        check_partials(cost, POINT, {})


def test_assert_partials_fails_a_test_with_the_report():
    with pytest.raises(AssertionError, match="numeric supports the engine"):
        assert_partials(cost, POINT, {"w": 0.0})


@pytest.mark.parametrize("derivation", ["3", None, [1.0], True, lambda *args: "3",
                                        lambda *args: None],
                         ids=["string", "None", "list", "bool", "returns a string", "returns None"])
def test_a_hand_derivation_that_is_not_a_number_is_refused_naming_the_argument(derivation):
    with pytest.raises(TypeError, match=r"^check_partials: the hand-derived ∂f/∂b must be a"):
        check_partials(cost, POINT, {"w": delta(*POINT) * POINT[1], "b": derivation})


@pytest.mark.parametrize("settings, words", [
    ({"eps": 0.0}, "eps must be"), ({"atol": -1.0}, "atol must be"),
    ({"rtol": math.nan}, "rtol must be"),
])
def test_a_step_or_tolerance_that_makes_no_sense_is_refused(settings, words):
    with pytest.raises(ValueError, match=f"^check_partials: {words}"):
        check_partials(cost, POINT, {"w": delta(*POINT) * POINT[1]}, **settings)


def test_expected_must_map_names_to_derivations():
    with pytest.raises(TypeError, match=r"^check_partials: expected must map"):
        check_partials(cost, POINT, [("w", 0.0)])
