"""SGD and Adam against updates computed by hand, two steps each."""

from __future__ import annotations

import math

import pytest

import nn
from autodiff import Value


def run(optimizer_for, grads, start=1.0):
    """The parameter after one step per gradient in `grads`."""
    p = Value(start)
    optimizer = optimizer_for([p])
    trace = []
    for g in grads:
        optimizer.zero_grad()
        assert p.grad == 0.0
        p.grad = g
        optimizer.step()
        assert p.parents == ()  # an update never grows a graph
        trace.append(p.data)
    return trace


def test_sgd_two_steps():
    assert run(lambda ps: nn.SGD(ps, lr=0.1), [0.5, -0.2]) == pytest.approx(
        [1 - 0.1 * 0.5, 1 - 0.1 * 0.5 + 0.1 * 0.2], rel=1e-15)


def test_sgd_momentum_two_steps_as_in_pytorch():
    # v1 = g1 = 0.5, p1 = 1 − 0.1·0.5 = 0.95; v2 = 0.9·0.5 − 0.2 = 0.25, p2 = 0.95 − 0.025
    assert run(lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), [0.5, -0.2]) == pytest.approx(
        [0.95, 0.925], rel=1e-15)


def test_adam_two_steps():
    # step 1: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025; m̂ = 0.5, v̂ = 0.25
    p1 = 1 - 0.1 * 0.5 / (0.5 + 1e-8)
    # step 2: m = 0.9·0.05 + 0.1·(−0.2) = 0.025, v = 0.999·0.00025 + 0.001·0.04 = 0.00028975
    m_hat, v_hat = 0.025 / (1 - 0.9**2), 0.00028975 / (1 - 0.999**2)
    p2 = p1 - 0.1 * m_hat / (math.sqrt(v_hat) + 1e-8)
    assert run(lambda ps: nn.Adam(ps, lr=0.1), [0.5, -0.2]) == pytest.approx([p1, p2], rel=1e-13)
    assert p2 == pytest.approx(0.8654394, abs=1e-7)


def test_adam_first_step_moves_every_parameter_by_about_lr():
    ps = [Value(0.0), Value(0.0)]
    ps[0].grad, ps[1].grad = 1e-4, -50.0
    nn.Adam(ps, lr=0.01).step()
    assert [p.data for p in ps] == pytest.approx([-0.01, 0.01], rel=1e-3)


def test_optimizers_train_a_quadratic():
    for make in (lambda ps: nn.SGD(ps, lr=0.1, momentum=0.5), lambda ps: nn.Adam(ps, lr=0.1)):
        x = Value(3.0)
        optimizer = make([x])
        for _ in range(200):
            optimizer.zero_grad()
            ((x - 1.0) ** 2).backward()
            optimizer.step()
        assert x.data == pytest.approx(1.0, abs=1e-3)


def test_optimizer_zero_grad_and_parameters_from_a_model():
    mlp = nn.MLP(2, [2, 1], seed=0)
    optimizer = nn.SGD(mlp.parameters(), lr=0.1)
    nn.losses.mse(mlp([1.0, 1.0]), 0.0).backward()
    optimizer.zero_grad()
    assert all(p.grad == 0.0 for p in mlp.parameters())


@pytest.mark.parametrize("call", [
    lambda: nn.SGD([], lr=0.1),
    lambda: nn.SGD([Value(1.0)], lr=0.0),
    lambda: nn.SGD([Value(1.0)], lr=math.nan),
    lambda: nn.SGD([Value(1.0)], lr=0.1, momentum=1.0),
    lambda: nn.Adam([Value(1.0)], lr=-1e-3),
    lambda: nn.Adam([Value(1.0)], betas=(0.9, 1.0)),
])
def test_bad_hyperparameters_are_refused(call):
    with pytest.raises(ValueError):
        call()


def test_parameters_must_be_values():
    with pytest.raises(TypeError, match="SGD"):
        nn.SGD([1.0], lr=0.1)
