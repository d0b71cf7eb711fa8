"""Each loss against its formula on plain floats and its gradient against central differences."""

from __future__ import annotations

import math
from functools import partial

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import Value, value_and_grad
from nn import losses


def sigmoid(z: float) -> float:
    return 1 / (1 + math.exp(-z))


# The formulas as written in textbooks, on floats (fine for moderate inputs).
FORMULAS = {
    losses.quadratic: lambda a, y: 0.5 * sum((ai - yi) ** 2 for ai, yi in zip(a, y)),
    losses.sum_squared_error: lambda a, y: sum((ai - yi) ** 2 for ai, yi in zip(a, y)),
    losses.mse: lambda a, y: sum((ai - yi) ** 2 for ai, yi in zip(a, y)) / len(a),
    losses.hinge: lambda s, y: sum(max(0.0, 1 - si * (1 if yi == 1 else -1))
                                   for si, yi in zip(s, y)) / len(s),
    losses.binary_cross_entropy: lambda a, y: -sum(
        yi * math.log(ai) + (1 - yi) * math.log(1 - ai) for ai, yi in zip(a, y)
    ) / len(a),
    losses.binary_cross_entropy_with_logits: lambda z, y: -sum(
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
        a = [sigmoid(ai) for ai in a]  # probabilities in [0.018, 0.982]
        y = draw(st.lists(st.floats(0, 1), min_size=n, max_size=n))
    elif loss is losses.binary_cross_entropy_with_logits:
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


@pytest.mark.parametrize("z, y, expected, slope", [
    (1000.0, 0, 1000.0, 1.0), (-1000.0, 1, 1000.0, -1.0), (1000.0, 1, 0.0, 0.0),
    (-1000.0, 0, 0.0, 0.0),
])
def test_binary_cross_entropy_with_logits_is_stable_for_large_logits(z, y, expected, slope):
    logit = Value(z)
    out = losses.binary_cross_entropy_with_logits(logit, y)
    out.backward()
    assert out.data == expected
    assert logit.grad == slope  # σ(z) − y


def test_binary_cross_entropy_with_logits_gradient_at_a_zero_logit_is_one_half_minus_y():
    """No kink at z = 0 (a relu/abs formulation would give −y there)."""
    for y in (0.0, 0.3, 1.0):
        z = Value(0.0)
        losses.binary_cross_entropy_with_logits(z, y).backward()
        assert z.grad == 0.5 - y


def test_binary_cross_entropy_takes_probabilities():
    """Issue 21: it took logits, so a sigmoid output of 0.7 cost 0.403 instead of −ln 0.7."""
    a = Value(0.7)
    cost = losses.binary_cross_entropy(a, 1)
    cost.backward()
    assert cost.data == -math.log(0.7)
    assert a.grad == -1 / 0.7
    assert losses.binary_cross_entropy(0.25, 0.0).data == -math.log(0.75)


@pytest.mark.parametrize("z, y, expected, slope", [
    (-40.0, 1, 40.0, -1.0), (40.0, 0, 40.0, 1.0), (-1000.0, 1, 1000.0, -1.0),
    (1000.0, 0, 1000.0, 1.0), (1000.0, 1, 0.0, 0.0), (0.0, 1, math.log(2), -0.5),
])
def test_binary_cross_entropy_of_a_sigmoid_node_is_read_through_its_logit(z, y, expected, slope):
    """σ(−40) rounds to 4.2e-18 and 1 − σ(40) to 0: ln of those would lose the cost or be
    infinite. Read through z, the cost is softplus(z) − y z, exactly differentiable."""
    logit = Value(z)
    cost = losses.binary_cross_entropy(logit.sigmoid(), y)
    cost.backward()
    assert cost.data == pytest.approx(expected, rel=1e-15)
    assert logit.grad == slope


def test_binary_cross_entropy_of_a_sigmoid_layer_equals_the_logits_loss():
    z = [Value(v) for v in (-3.0, 0.5, 12.0)]
    y = [1.0, 0.25, 0.0]
    via_sigmoid = losses.binary_cross_entropy([zj.sigmoid() for zj in z], y, reduction="sum")
    via_sigmoid.backward()
    got = [zj.grad for zj in z]
    z2 = [Value(zj.data) for zj in z]
    direct = losses.binary_cross_entropy_with_logits(z2, y, reduction="sum")
    direct.backward()
    assert via_sigmoid.data == direct.data and got == [zj.grad for zj in z2]


def test_binary_cross_entropy_refuses_logits_and_infinite_costs():
    with pytest.raises(ValueError, match=r"probabilities in \[0, 1\], got 1.5.*logits.*"
                                         r"binary_cross_entropy_with_logits"):
        losses.binary_cross_entropy(Value(1.5), 1)
    with pytest.raises(ValueError, match=r"got -0\.2"):
        losses.binary_cross_entropy([Value(0.5), Value(-0.2)], [1, 0])
    with pytest.raises(ValueError, match="infinite cost"):
        losses.binary_cross_entropy(Value(1.0), 0)
    with pytest.raises(ValueError, match="infinite cost"):
        losses.binary_cross_entropy(Value(0.0), 0.5)
    assert losses.binary_cross_entropy(Value(1.0), 1).data == 0.0  # 0 · ln 0 is 0


def test_quadratic_is_the_books_cost_whose_gradient_is_a_minus_y():
    a = [Value(0.5), Value(-1.0)]
    cost = losses.quadratic(a, [1.0, 1.0])
    cost.backward()
    assert cost.data == 0.5 * (0.25 + 4.0)
    assert [ai.grad for ai in a] == [0.5 - 1.0, -1.0 - 1.0]


def test_sum_squared_error_is_the_cost_c0_of_one_sample():
    a = [Value(0.5), Value(-1.0)]
    c0 = losses.sum_squared_error(a, [1.0, 1.0])
    c0.backward()
    assert c0.data == 0.25 + 4.0
    assert [ai.grad for ai in a] == [2 * (0.5 - 1.0), 2 * (-1.0 - 1.0)]  # 2(a_j − y_j)


REDUCED = [losses.quadratic, losses.sum_squared_error, losses.mse, losses.hinge,
           losses.binary_cross_entropy, losses.binary_cross_entropy_with_logits]


@pytest.mark.parametrize("loss", REDUCED, ids=lambda f: f.__name__)
def test_reduction_sum_is_the_number_of_outputs_times_the_mean(loss):
    a, y = [0.25, 0.5, 0.875], [1, 0, 1]
    total, mean = loss(a, y, reduction="sum").data, loss(a, y, reduction="mean").data
    assert total == pytest.approx(3 * mean, rel=1e-15)
    assert loss(a, y).data in (total, mean)
    with pytest.raises(ValueError, match=f"{loss.__name__}: reduction must be 'sum' or 'mean'"):
        loss(a, y, reduction="none")


def test_losses_take_numpy_targets_and_predictions():
    a = [Value(0.25), Value(0.5)]
    expected = losses.quadratic(a, [1.0, 0.0]).data
    for y in (np.array([1.0, 0.0]), np.array([[1.0], [0.0]]), np.array([1, 0], dtype=np.uint8)):
        assert losses.quadratic(a, y).data == expected
    assert losses.quadratic(np.array([0.25, 0.5]), np.array([[1.0], [0.0]])).data == expected
    assert losses.mse(Value(3.0), np.float64(1.0)).data == 4.0
    z = [Value(1.0), Value(2.0), Value(-0.5)]
    by_index = losses.cross_entropy(z, 1).data
    assert losses.cross_entropy(z, np.int64(1)).data == by_index
    assert losses.cross_entropy(z, np.array([0.0, 1.0, 0.0])).data == by_index
    with pytest.raises(ValueError, match=r"quadratic: targets must be a 1-D array or an \(n, 1\)"):
        losses.quadratic(a, np.zeros((1, 2)))


def test_scalar_prediction_and_target():
    assert losses.mse(Value(3.0), 1.0).data == 4.0
    assert losses.hinge(Value(0.25), 1).data == 0.75


def test_hinge_reads_label_0_as_minus_1():
    assert losses.hinge([Value(0.5)], [0]).data == losses.hinge([Value(0.5)], [-1]).data == 1.5


def test_cross_entropy_takes_a_class_index():
    z = [Value(1.0), Value(2.0), Value(-0.5)]
    assert math.isclose(losses.cross_entropy(z, 1).data, FORMULAS[losses.cross_entropy](
        [1.0, 2.0, -0.5], [0, 1, 0]), rel_tol=1e-12)


def test_cross_entropy_is_stable_for_large_logits():
    z = [Value(1000.0), Value(1000.0), Value(-1000.0)]
    out = losses.cross_entropy(z, 0)
    out.backward()
    assert math.isclose(out.data, math.log(2), rel_tol=1e-12)
    assert [zk.grad for zk in z] == [-0.5, 0.5, 0.0]


# --- compiled: the stable forms are primitives, so a recording holds at every input ----------


def same(a, b) -> bool:
    if isinstance(a, (list, tuple)):
        return len(a) == len(b) and all(map(same, a, b))
    return a == b or (math.isnan(a) and math.isnan(b))


def assert_compiles_to_eager(f, first, *others):
    compiled = autodiff.compile(f)
    for x in (first, *others):
        got, expected = compiled.value_and_grad(x), value_and_grad(f)(x)
        assert same(got, expected), (x, got, expected)
    return compiled


def test_cross_entropy_compiled_far_from_where_it_was_recorded():
    """Issue 20: recorded at [0, 0], its max was frozen at 0, and at [−740, −745] the gradient
    was (inf, inf) where eager gives (∓0.0067)."""
    f = lambda z: losses.cross_entropy(z, 0)
    compiled = assert_compiles_to_eager(f, [0.0, 0.0], [-740.0, -745.0], [745.0, 0.0],
                                        [1e300, -1e300], [3.0, 3.0])
    assert len(compiled.recordings) == 1
    value, (g0, g1) = compiled.value_and_grad([-740.0, -745.0])
    s = 1 / (1 + math.exp(5))
    assert value == pytest.approx(math.log1p(math.exp(-5)), rel=1e-12)
    assert g0 == pytest.approx(-s, rel=1e-12) and g1 == pytest.approx(s, rel=1e-12)


@pytest.mark.parametrize("y", [0.0, 0.3, 1.0])
def test_binary_cross_entropies_compiled_far_from_where_they_were_recorded(y):
    points = [0.5, -800.0, 800.0, -40.0, 40.0, 0.0, -1e308]
    with_logits = lambda z: losses.binary_cross_entropy_with_logits(z, y)
    through_sigmoid = lambda z: losses.binary_cross_entropy(z.sigmoid(), y)
    for f in (with_logits, through_sigmoid):
        assert len(assert_compiles_to_eager(f, *points).recordings) == 1


def test_binary_cross_entropy_compiled_refuses_what_eager_refuses():
    """Its checks compare Values, so they are guards: a compiled call outside [0, 1], or at an
    infinite cost, records again and is refused as eagerly, never replayed into a number."""
    f = lambda a: losses.binary_cross_entropy(a, 1.0)
    compiled = assert_compiles_to_eager(f, 0.5, 0.25, 1.0)
    for outside, words in [(1.5, "probabilities in"), (-0.5, "probabilities in"),
                           (math.nan, "probabilities in"), (0.0, "infinite cost")]:
        with pytest.raises(ValueError, match=words):
            value_and_grad(f)(outside)
        with pytest.raises(ValueError, match=words):
            compiled.value_and_grad(outside)


# --- PyTorch's losses, where it is installed ------------------------------------------------


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle here")


@pytest.mark.parametrize("reduction", ["mean", "sum"])
def test_losses_equal_pytorchs(torch, reduction):
    rng = np.random.default_rng(0)
    F = torch.nn.functional
    for _ in range(20):
        n = int(rng.integers(1, 6))
        z = rng.normal(0, 3, n)
        y = rng.uniform(0, 1, n)
        a = 1 / (1 + np.exp(-z))
        cases = [
            (losses.binary_cross_entropy, F.binary_cross_entropy, a),
            (losses.binary_cross_entropy_with_logits, F.binary_cross_entropy_with_logits, z),
            (losses.mse, F.mse_loss, z),
        ]
        for ours, theirs, inputs in cases:
            ours_inputs = [Value(v) for v in inputs]
            cost = ours(ours_inputs, y, reduction=reduction)
            cost.backward()
            t = torch.tensor(inputs, dtype=torch.float64, requires_grad=True)
            expected = theirs(t, torch.tensor(y, dtype=torch.float64), reduction=reduction)
            expected.backward()
            assert cost.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-15)
            assert [v.grad for v in ours_inputs] == pytest.approx(t.grad.tolist(), rel=1e-12,
                                                                  abs=1e-15)
        logits = [Value(v) for v in z]
        label = int(rng.integers(0, n))
        cost = losses.cross_entropy(logits, label)
        cost.backward()
        t = torch.tensor(z, dtype=torch.float64, requires_grad=True)
        expected = F.cross_entropy(t[None], torch.tensor([label]))
        expected.backward()
        assert cost.data == pytest.approx(expected.item(), rel=1e-12, abs=1e-15)
        assert [v.grad for v in logits] == pytest.approx(t.grad.tolist(), rel=1e-12, abs=1e-15)


@pytest.mark.parametrize("loss", list(FORMULAS))
def test_mismatched_lengths_are_refused(loss):
    with pytest.raises(ValueError, match=loss.__name__):
        loss([Value(0.1), Value(0.2)], [1, 0, 1] if loss is not losses.cross_entropy else [1.0])


@pytest.mark.parametrize("call, error", [
    (lambda: losses.hinge(Value(1.0), 2), ValueError),
    (lambda: losses.binary_cross_entropy(Value(0.5), 1.5), ValueError),
    (lambda: losses.binary_cross_entropy_with_logits(Value(1.0), 1.5), ValueError),
    (lambda: losses.cross_entropy([Value(1.0), Value(2.0)], 2), ValueError),
    (lambda: losses.cross_entropy([Value(1.0), Value(2.0)], [0.5, 0.6]), ValueError),
    (lambda: losses.mse([Value(1.0)], ["1"]), TypeError),
    (lambda: losses.mse(["a"], [1.0]), TypeError),
    (lambda: losses.mse([], []), ValueError),
])
def test_bad_targets_are_refused(call, error):
    with pytest.raises(error):
        call()


@pytest.mark.parametrize("loss", [losses.quadratic, partial(losses.binary_cross_entropy,
                                                            reduction="sum")],
                         ids=["quadratic", "binary_cross_entropy"])
def test_fit_compiled_trains_the_books_costs_as_eager_does(loss):
    """`fit(compile=True)` computes the loss on the outputs' numbers: the sigmoid outputs'
    cross-entropy then takes its ln a path, the same gradients to rounding."""
    import nn

    X, labels = nn.data.make_moons(30, noise=0.2, seed=1)
    Y = [[float(t), 1.0 - t] for t in labels]
    runs = []
    for compile in (False, True):
        model = nn.MLP(2, [6, 2], activation="sigmoid", output_activation="sigmoid", seed=2)
        weights = [p for name, p in model.named_parameters() if ".w." in name]
        biases = [p for name, p in model.named_parameters() if name.endswith(".b")]
        optimizer = nn.SGD([{"params": weights, "weight_decay": 0.01}, {"params": biases}],
                           lr=0.5)
        history = nn.fit(model, X, Y, loss, optimizer, epochs=4, batch_size=10,
                         progress=False, seed=0, compile=compile)
        runs.append((history, model.state_dict()))
    (eager, eager_state), (compiled, compiled_state) = runs
    assert compiled["loss"] == pytest.approx(eager["loss"], rel=1e-12)
    assert compiled["accuracy"] == eager["accuracy"]
    for name, weight in eager_state.items():
        assert compiled_state[name] == pytest.approx(weight, rel=1e-12, abs=1e-15), name
