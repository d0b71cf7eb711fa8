"""Programs written for micrograd run unchanged and agree with it.

PyTorch agrees too, where it is installed.
"""

from __future__ import annotations

import math
import random

import pytest

from autodiff import Value

micrograd_engine = pytest.importorskip("micrograd.engine")


def micrograd_program(V, seed: int):
    """A small network and loss in micrograd's style, using only micrograd's API."""
    rng = random.Random(seed)
    weights = [[V(rng.uniform(-1, 1)) for _ in range(3)] for _ in range(4)]
    biases = [V(rng.uniform(-1, 1)) for _ in range(4)]
    x = [rng.uniform(-2, 2) for _ in range(3)]
    hidden = [sum((wi * xi for wi, xi in zip(w, x)), b).relu() for w, b in zip(weights, biases)]
    out = sum(h * (k + 1) / 3 for k, h in enumerate(hidden)) - 0.5
    loss = (1 + -out).relu() + (out - 2) ** 2 + 2 ** 0.5 * out / (1 + hidden[0] ** 2)
    loss.backward()
    return loss, [p for row in weights for p in row] + biases


@pytest.mark.parametrize("seed", range(10))
def test_micrograd_programs_run_unchanged_and_give_the_same_numbers(seed):
    ours, our_params = micrograd_program(Value, seed)
    theirs, their_params = micrograd_program(micrograd_engine.Value, seed)
    assert ours.data == pytest.approx(theirs.data, rel=1e-12, abs=1e-12)
    for p, q in zip(our_params, their_params):
        assert p.data == q.data
        assert p.grad == pytest.approx(q.grad, rel=1e-12, abs=1e-12)
    assert {type(p.grad) for p in our_params} == {float}


def test_micrograd_attributes_are_available():
    x, y = Value(2.0), Value(3.0)
    z = x * y
    assert z._prev == {x, y} and z._op == "*"


def test_pytorch_agrees_to_second_order():
    torch = pytest.importorskip("torch")
    a0, b0 = 0.8, -1.3

    def f(a, b, exp, tanh, sigmoid, sin):
        return tanh(a * b) + sigmoid(a) * exp(b / 3) - sin(a) ** 2 / (1 + b * b)

    a, b = Value(a0), Value(b0)
    out = f(a, b, Value.exp, Value.tanh, Value.sigmoid, Value.sin)
    out.backward(create_graph=True)
    da = a.grad
    a.grad = b.grad = 0.0
    da.backward()

    ta = torch.tensor(a0, dtype=torch.float64, requires_grad=True)
    tb = torch.tensor(b0, dtype=torch.float64, requires_grad=True)
    tout = f(ta, tb, torch.exp, torch.tanh, torch.sigmoid, torch.sin)
    (tda, _tdb) = torch.autograd.grad(tout, (ta, tb), create_graph=True)
    tdaa, tdab = torch.autograd.grad(tda, (ta, tb))
    assert out.data == pytest.approx(tout.item(), rel=1e-14)
    assert da.data == pytest.approx(tda.item(), rel=1e-13)
    assert a.grad == pytest.approx(tdaa.item(), rel=1e-12)
    assert b.grad == pytest.approx(tdab.item(), rel=1e-12)
    assert math.isfinite(a.grad)
