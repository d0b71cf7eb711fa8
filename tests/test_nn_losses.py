"""Each loss against its formula on plain floats and its gradient against central differences."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from autodiff import Value
from nn import losses


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# The formulas as written in textbooks, on floats (fine for moderate inputs).
FORMULAS = {
    losses.sum_squared_error: lambda a, y: sum((ai - yi) ** 2 for ai, yi in zip(a, y)),
    losses.mse: lambda a, y: sum((ai - yi) ** 2 for ai, yi in zip(a, y)) / len(a),
    losses.hinge: lambda s, y: sum(max(0.0, 1 - si * (1 if yi == 1 else -1))
                                   for si, yi in zip(s, y)) / len(s),
    losses.binary_cross_entropy: lambda z, y: -sum(
        yi * math.log(sigmoid(zi)) + (1 - yi) * math.log(1 - sigmoid(zi)) for zi, yi in zip(z, y)
    ) / len(z),
    losses.cross_entropy: lambda z, p: -sum(
        pk * math.log(math.exp(zk) / sum(math.exp(zi) for zi in z)) for zk, pk in zip(z, p)
    ),
}


@st.composite
def cases(draw):
    """A loss, predictions in a moderate range, and valid targets of the same length."""
    loss = draw(st.sampled_from(list(FORMULAS)))
    n = draw(st.integers(1, 5))
    a = draw(st.lists(st.floats(-4, 4), min_size=n, max_size=n))
    if loss is losses.hinge:
        y = draw(st.lists(st.sampled_from([-1, 0, 1]), min_size=n, max_size=n))
        assume(all(abs(1 - abs(ai)) > 1e-3 for ai in a))  # away from the kink
    elif loss is losses.binary_cross_entropy:
        y = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    elif loss is losses.cross_entropy:
        weights = draw(st.lists(st.floats(0.01, 1), min_size=n, max_size=n))
        y = [w / sum(weights) for w in weights]
    else:
        y = draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))
    return loss, a, y


@settings(max_examples=150)
@given(cases())
def test_loss_equals_its_formula(case):
    loss, a, y = case
    out = loss([Value(ai) for ai in a], y)
    assert isinstance(out, Value)
    assert math.isclose(out.data, FORMULAS[loss](a, y), rel_tol=1e-9, abs_tol=1e-12)


@settings(max_examples=150)
@given(cases())
def test_loss_gradient_equals_central_differences(case):
    loss, a, y = case
    inputs = [Value(ai) for ai in a]
    loss(inputs, y).backward()
    h = 1e-6
    for i, v in enumerate(inputs):
        up = loss([ai + h if j == i else ai for j, ai in enumerate(a)], y).data
        down = loss([ai - h if j == i else ai for j, ai in enumerate(a)], y).data
        assert math.isclose(v.grad, (up - down) / (2 * h), rel_tol=1e-5, abs_tol=1e-7)


def test_sum_squared_error_is_the_cost_c0_of_one_sample():
    a = [Value(0.5), Value(-1.0)]
    c0 = losses.sum_squared_error(a, [1.0, 1.0])
    c0.backward()
    assert c0.data == 0.25 + 4.0
    assert [ai.grad for ai in a] == [2 * (0.5 - 1.0), 2 * (-1.0 - 1.0)]  # 2(a_j − y_j)


def test_scalar_prediction_and_target():
    assert losses.mse(Value(3.0), 1.0).data == 4.0
    assert losses.hinge(Value(0.25), 1).data == 0.75


def test_hinge_reads_label_0_as_minus_1():
    assert losses.hinge([Value(0.5)], [0]).data == losses.hinge([Value(0.5)], [-1]).data == 1.5


def test_cross_entropy_takes_a_class_index():
    z = [Value(1.0), Value(2.0), Value(-0.5)]
    assert math.isclose(losses.cross_entropy(z, 1).data, FORMULAS[losses.cross_entropy](
        [1.0, 2.0, -0.5], [0, 1, 0]), rel_tol=1e-12)


@pytest.mark.parametrize("z, y, expected, slope", [
    (1000.0, 0, 1000.0, 1.0), (-1000.0, 1, 1000.0, -1.0), (1000.0, 1, 0.0, 0.0),
    (-1000.0, 0, 0.0, 0.0),
])
def test_binary_cross_entropy_is_stable_for_large_logits(z, y, expected, slope):
    logit = Value(z)
    out = losses.binary_cross_entropy(logit, y)
    out.backward()
    assert out.data == expected
    assert logit.grad == slope  # σ(z) − y


def test_binary_cross_entropy_gradient_at_a_zero_logit_is_one_half_minus_y():
    """No kink at z = 0 (a relu/abs formulation would give −y there)."""
    for y in (0.0, 0.3, 1.0):
        z = Value(0.0)
        losses.binary_cross_entropy(z, y).backward()
        assert z.grad == 0.5 - y


def test_cross_entropy_is_stable_for_large_logits():
    z = [Value(1000.0), Value(1000.0), Value(-1000.0)]
    out = losses.cross_entropy(z, 0)
    out.backward()
    assert math.isclose(out.data, math.log(2), rel_tol=1e-12)
    assert [zk.grad for zk in z] == [-0.5, 0.5, 0.0]


@pytest.mark.parametrize("loss", list(FORMULAS))
def test_mismatched_lengths_are_refused(loss):
    with pytest.raises(ValueError, match=loss.__name__):
        loss([Value(0.1), Value(0.2)], [1, 0, 1] if loss is not losses.cross_entropy else [1.0])


@pytest.mark.parametrize("call, error", [
    (lambda: losses.hinge(Value(1.0), 2), ValueError),
    (lambda: losses.binary_cross_entropy(Value(1.0), 1.5), ValueError),
    (lambda: losses.cross_entropy([Value(1.0), Value(2.0)], 2), ValueError),
    (lambda: losses.cross_entropy([Value(1.0), Value(2.0)], [0.5, 0.6]), ValueError),
    (lambda: losses.mse([Value(1.0)], ["1"]), TypeError),
    (lambda: losses.mse(["a"], [1.0]), TypeError),
    (lambda: losses.mse([], []), ValueError),
])
def test_bad_targets_are_refused(call, error):
    with pytest.raises(error):
        call()
