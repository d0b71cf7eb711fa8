"""`fit(..., compile=True)`: the same losses, accuracies and parameters as eager training."""

from __future__ import annotations

import pytest

import nn
from autodiff import Value, grad
from nn import losses
from nn.compiled import CompiledBatch


def train(compile: bool, loss, y, sizes, batch_size, make_optimizer, activation="relu"):
    X, _ = nn.data.make_moons(24, noise=0.2, seed=1)
    model = nn.MLP(2, sizes, activation=activation, seed=5)
    history = nn.fit(model, X, y, loss, make_optimizer(model.parameters()), epochs=6,
                     batch_size=batch_size, progress=False, seed=3, compile=compile)
    return history, model.state_dict()


LABELS = nn.data.make_moons(24, noise=0.2, seed=1)[1]
CASES = {
    "hinge": (losses.hinge, LABELS, [8, 8, 1]),
    "mse": (losses.mse, LABELS, [8, 1]),
    "binary_cross_entropy": (losses.binary_cross_entropy_with_logits, LABELS, [6, 1]),
    "cross_entropy": (losses.cross_entropy, [i % 3 for i in range(24)], [8, 3]),
    "sum_squared_error, two outputs": (
        losses.sum_squared_error, [[t, 1 - t] for t in LABELS], [5, 2]),
}
OPTIMIZERS = {
    "sgd": lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
    "adam": lambda ps: nn.Adam(ps, lr=0.05),
}


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("batch_size", [None, 7])
@pytest.mark.parametrize("optimizer", sorted(OPTIMIZERS))
def test_compiled_training_equals_eager_training(case, batch_size, optimizer):
    loss, y, sizes = CASES[case]
    eager = train(False, loss, y, sizes, batch_size, OPTIMIZERS[optimizer])
    compiled = train(True, loss, y, sizes, batch_size, OPTIMIZERS[optimizer])
    assert compiled[0]["accuracy"] == eager[0]["accuracy"]
    assert compiled[0]["loss"] == pytest.approx(eager[0]["loss"], rel=1e-9, abs=1e-12)
    for name, weight in eager[1].items():
        assert compiled[1][name] == pytest.approx(weight, rel=1e-9, abs=1e-12), name


def test_a_step_adds_the_gradients_that_backward_adds_and_restores_the_model():
    X, y = nn.data.make_moons(10, seed=2)
    model = nn.MLP(2, [4, 1], activation="tanh", seed=1)
    params = model.parameters()
    for p in params:
        p.grad = 1.0  # gradients accumulate, as after a backward without zero_grad
    outputs, loss = CompiledBatch(model, lambda o, t: nn.batch_loss(o, t, losses.mse))(X, y)
    compiled = {name: p.grad for name, p in model.named_parameters()}
    assert model.parameters() == params  # the model holds its own parameters again
    for p in params:
        p.grad = 1.0
    nn.batch_loss([model(x) for x in X], y, losses.mse).backward()
    assert compiled == {name: p.grad for name, p in model.named_parameters()}
    assert type(outputs[0]) is type(model(X[0])) and isinstance(loss, Value)  # shaped as eager


def test_a_model_with_a_parameter_in_a_tuple_is_refused():
    class Pair(nn.Module):
        def __init__(self):
            self.ws = (Value(1.0), Value(2.0))

        def __call__(self, x):
            return self.ws[0] * x[0] + self.ws[1]

    with pytest.raises(TypeError, match=r"parameter model\.ws\.0 is held in a tuple"):
        nn.fit(Pair(), [[1.0]], [1.0], losses.mse, nn.SGD([Value(0.0)], lr=0.1), 1,
               progress=False, compile=True)


def test_functional_call_makes_a_model_a_function_of_its_parameters():
    model = nn.MLP(2, [3, 1], activation="tanh", seed=2)
    x, target = [0.5, -1.0], 0.25
    params = model.parameters()
    loss = lambda ps: losses.mse(nn.functional_call(model, ps, x), target)
    gradient = grad(loss)([p.data for p in params])
    losses.mse(model(x), target).backward()
    assert gradient == [p.grad for p in params] and model.parameters() == params
    with pytest.raises(ValueError, match="has 13 parameters, got 2"):
        nn.functional_call(model, [Value(1.0), Value(2.0)], x)
