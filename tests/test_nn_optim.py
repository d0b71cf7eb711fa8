"""SGD and Adam against updates computed by hand, two steps each."""

from __future__ import annotations

import math
import random
from functools import partial

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


# --- weight decay and parameter groups, as PyTorch spells them --------------------------------


def test_sgd_weight_decay_adds_lambda_p_to_the_gradient():
    # d = g + λp = 0.5 + 0.1·1 = 0.6, p = 1 − 0.1·0.6
    assert run(lambda ps: nn.SGD(ps, lr=0.1, weight_decay=0.1), [0.5]) == [1 - 0.1 * (0.5 + 0.1)]


def test_parameter_groups_take_their_own_options_and_the_defaults_otherwise():
    w, b = Value(1.0), Value(1.0)
    optimizer = nn.SGD([{"params": [w], "weight_decay": 0.5, "lr": 0.2}, {"params": [b]}],
                       lr=0.1)
    assert [g["lr"] for g in optimizer.param_groups] == [0.2, 0.1]
    assert [g["weight_decay"] for g in optimizer.param_groups] == [0.5, 0.0]
    w.grad = b.grad = 1.0
    optimizer.step()
    assert (w.data, b.data) == (1 - 0.2 * (1.0 + 0.5), 1 - 0.1 * 1.0)
    assert optimizer.params == [w, b]


def test_a_parameter_listed_twice_is_stepped_once():
    p = Value(1.0)
    for optimizer in (nn.SGD([p, p], lr=0.1), nn.Adam([p, p], lr=0.1)):
        p.data, p.grad = 1.0, 1.0
        optimizer.step()
        assert p.data == pytest.approx(0.9, rel=1e-7)


@pytest.mark.parametrize("call, words", [
    (lambda p: nn.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), "more than one parameter group"),
    (lambda p: nn.SGD([{"params": [p], "nesterov": True}], lr=0.1), r"unknown option.*nesterov"),
    (lambda p: nn.SGD([{"weights": [p]}], lr=0.1), "needs 'params'"),
    (lambda p: nn.SGD([{"params": [p]}, p], lr=0.1), "mixes Values and parameter groups"),
    (lambda p: nn.SGD([{"params": [1.0]}], lr=0.1), "must be Values"),
    (lambda p: nn.SGD([p], lr=0.1, weight_decay=-1.0), "weight_decay must be a non-negative"),
    (lambda p: nn.SGD([{"params": [p], "lr": 0}], lr=0.1), "lr must be a positive number"),
    (lambda p: nn.Adam([p], weight_decay=math.inf), "weight_decay must be a non-negative"),
    (lambda p: nn.Adam([{"params": [p], "betas": (0.9,)}]), "betas must be two numbers"),
    (lambda p: nn.SGD(p, lr=0.1), "params must be a list"),
    (lambda p: nn.SGD([{"params": []}], lr=0.1), "no parameters"),
])
def test_bad_groups_are_refused_naming_the_problem(call, words):
    with pytest.raises((TypeError, ValueError), match=words):
        call(Value(1.0))


def test_one_sgd_step_with_groups_is_the_books_regularised_update():
    """Nielsen, ch. 3: w → (1 − ηλ/n) w − (η/m) Σ_x ∂C_x/∂w and b → b − (η/m) Σ_x ∂C_x/∂b
    over a mini-batch of m samples from n, with the cross-entropy cost on sigmoid outputs;
    ∂C_x from the four backpropagation equations by hand (nn.reference)."""
    rng = random.Random(5)
    eta, lam, n, m = 0.5, 5.0, 1000, 10
    for _ in range(5):
        model = nn.MLP(4, [5, 3], activation="sigmoid", output_activation="sigmoid",
                       seed=rng.getrandbits(32))
        X = [[rng.uniform(-2, 2) for _ in range(4)] for _ in range(m)]
        Y = [[float(rng.random() < 0.5) for _ in range(3)] for _ in range(m)]
        per_sample = [nn.reference.gradients(model, x, y, cost="cross_entropy")
                      for x, y in zip(X, Y)]
        named = dict(model.named_parameters())
        expected = {}
        for name, p in named.items():
            total = math.fsum(g[name] for g in per_sample)
            decay = 1 - eta * lam / n if ".w." in name else 1.0
            expected[name] = decay * p.data - eta / m * total
        weights = [p for name, p in named.items() if ".w." in name]
        biases = [p for name, p in named.items() if name.endswith(".b")]
        optimizer = nn.SGD([{"params": weights, "weight_decay": lam / n}, {"params": biases}],
                           lr=eta)
        cost = nn.batch_loss([model(x) for x in X], Y, partial(
            nn.losses.binary_cross_entropy, reduction="sum"))
        optimizer.zero_grad()
        cost.backward()
        optimizer.step()
        for name, p in named.items():
            assert p.data == pytest.approx(expected[name], rel=1e-12, abs=1e-14), name


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the oracle here")


@pytest.mark.parametrize("kind", ["sgd", "sgd momentum", "adam"])
def test_weight_decay_and_groups_step_as_pytorchs_optimizers(torch, kind):
    rng = random.Random(kind)
    start = [[rng.uniform(-1, 1) for _ in range(3)], [rng.uniform(-1, 1) for _ in range(2)]]
    ours = [[Value(x) for x in row] for row in start]
    theirs = [torch.tensor(row, dtype=torch.float64, requires_grad=True) for row in start]
    options = {"sgd": ({"lr": 0.1}, nn.SGD, torch.optim.SGD),
               "sgd momentum": ({"lr": 0.05, "momentum": 0.9}, nn.SGD, torch.optim.SGD),
               "adam": ({"lr": 0.01, "betas": (0.8, 0.99)}, nn.Adam, torch.optim.Adam)}
    defaults, ours_class, theirs_class = options[kind]
    ours_optimizer = ours_class(
        [{"params": ours[0], "weight_decay": 0.3}, {"params": ours[1], "lr": 0.02}], **defaults)
    theirs_optimizer = theirs_class(
        [{"params": [theirs[0]], "weight_decay": 0.3}, {"params": [theirs[1]], "lr": 0.02}],
        **defaults)
    for _ in range(6):
        grads = [[rng.gauss(0, 1) for _ in row] for row in start]
        for values, tensor, g in zip(ours, theirs, grads):
            for v, gk in zip(values, g):
                v.grad = gk
            tensor.grad = torch.tensor(g, dtype=torch.float64)
        ours_optimizer.step()
        theirs_optimizer.step()
        for values, tensor in zip(ours, theirs):
            assert [v.data for v in values] == pytest.approx(tensor.tolist(), rel=1e-12,
                                                             abs=1e-15)


def test_an_optimizer_of_ones_own_on_the_base_class_as_before_groups():
    class Halving(nn.Optimizer):
        def step(self):
            for p in self.params:
                p.data -= self.lr * p.grad / 2

    p = Value(1.0)
    optimizer = Halving([p], 0.5)
    p.grad = 1.0
    optimizer.step()
    assert p.data == 0.75 and optimizer.param_groups[0]["lr"] == 0.5
    with pytest.raises(ValueError, match="Halving: lr must be a positive number"):
        Halving([p], -1.0)
