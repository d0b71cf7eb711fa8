"""`fit(..., compile=True)`: the same losses, accuracies and parameters as eager training."""

from __future__ import annotations

import math
import re

import pytest

import autodiff
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
    eager = {name: p.grad for name, p in model.named_parameters()}
    for name, g in eager.items():  # vectorised: matrix products add in BLAS's order
        assert compiled[name] == pytest.approx(g, rel=1e-12, abs=1e-15), name
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


def one_step(compile: bool, make_loss, model=None):
    model = model or nn.MLP(1, [1], activation="linear", seed=0)
    w = model.layers[0].neurons[0].w[0]
    w.data, model.layers[0].neurons[0].b.data = 1.0, 0.0
    nn.fit(model, [[0.0]], [0.0], make_loss(w), nn.SGD(model.parameters(), lr=0.1), 1,
           progress=False, compile=compile)
    return w.data


def test_a_loss_reading_a_parameter_directly_gives_it_its_gradient_as_eager():
    """The issue's numbers: an L2 penalty on w, one SGD step from w = 1 with lr 0.1."""
    penalty = lambda w: lambda out, y: (out - y) ** 2 + w * w
    assert one_step(False, penalty) == 0.8
    assert one_step(True, penalty) == pytest.approx(0.8, abs=1e-12)


def l2_training(compile: bool, decay_of):
    X, y = nn.data.make_moons(30, noise=0.1, seed=4)
    model = nn.MLP(2, [6, 1], activation="tanh", seed=2)
    params = model.parameters()
    loss = lambda out, t: losses.mse(out, t) + decay_of(params)
    history = nn.fit(model, X, y, loss, nn.Adam(params, lr=0.05), epochs=4, batch_size=10,
                     progress=False, seed=1, compile=compile)
    return history["loss"], [p.data for p in params]


@pytest.mark.parametrize("decay_of", [
    lambda ps: 0.01 * sum(p * p for p in ps),  # weight decay written as a penalty
    lambda ps: 0.1 * (ps[0] - ps[3]) ** 2 + ps[-1].abs() * 0.05,  # tying two weights softly
], ids=["l2", "tied"])
def test_regularised_training_compiled_equals_eager(decay_of):
    eager, compiled = l2_training(False, decay_of), l2_training(True, decay_of)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-12, abs=1e-12)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-12, abs=1e-12)


def test_a_model_with_tied_weights_and_a_penalty_on_them_trains_as_eager():
    class Tied(nn.Module):
        def __init__(self):
            self.w = Value(0.5)
            self.encoder = [self.w, Value(-0.3)]  # the same weight in two places
            self.decoder = self.w

        def __call__(self, x):
            return (self.encoder[0] * x[0] + self.encoder[1]).tanh() * self.decoder

    def run(compile):
        model = Tied()
        loss = lambda out, t: (out - t) ** 2 + 0.1 * model.w * model.w
        nn.fit(model, [[1.0], [-2.0], [0.5]], [0.2, -0.4, 0.1], loss,
               nn.SGD(list(dict.fromkeys(model.parameters())), lr=0.1), 5, progress=False,
               compile=compile, shuffle=False)
        return [p.data for p in model.parameters()]

    assert run(True) == pytest.approx(run(False), rel=1e-12, abs=1e-12)


def test_a_model_reading_a_value_that_is_not_its_parameter_is_refused_by_compiled_fit():
    hidden = {"scale": Value(2.0)}  # a dict: not a parameter, so compiled fit could not step it

    class Scaled(nn.Module):
        def __init__(self):
            self.w = Value(0.5)

        def __call__(self, x):
            return self.w * x[0] * hidden["scale"]

    model = Scaled()
    for optimizer in (nn.SGD([model.w, hidden["scale"]], lr=0.1),  # the loss eager
                      nn.SGD([model.w], lr=0.1)):  # the parameters in arrays
        with pytest.raises(ValueError, match=r"not among its parameters.*compile=False"):
            nn.fit(model, [[1.0]], [0.0], losses.mse, optimizer, 1, progress=False,
                   compile=True)
        assert model.w.data == 0.5


def test_a_compiled_step_records_once_per_batch_shape():
    X, y = nn.data.make_moons(12, seed=2)
    model = nn.MLP(2, [4, 1], activation="relu", seed=1)
    step = CompiledBatch(model, lambda o, t: nn.batch_loss(o, t, losses.hinge))
    for _ in range(3):
        step(X, y)
        step(X[:5], y[:5])
    assert step._outputs.recorded == 2 and step._outputs.replayed == 4


def test_a_model_whose_comparisons_change_every_batch_trains_eagerly_and_says_so():
    class Maxed(nn.Module):
        def __init__(self):
            self.w, self.b = Value(0.7), Value(-0.4)

        def __call__(self, x):
            return max(self.w * x[0], self.b * x[1]).tanh()  # a comparison per sample

    X, y = nn.data.make_moons(40, noise=0.3, seed=6)

    def run(compile):
        model = Maxed()
        history = nn.fit(model, X, y, losses.mse, nn.SGD(model.parameters(), lr=0.2), 6,
                         batch_size=8, progress=False, seed=2, compile=compile)
        return history["loss"], [p.data for p in model.parameters()]

    with pytest.warns(autodiff.CompileWarning, match="the comparison '(<|>)'"):
        compiled = run(True)
    eager = run(False)
    assert compiled[0] == pytest.approx(eager[0], rel=1e-12, abs=1e-12)
    assert compiled[1] == pytest.approx(eager[1], rel=1e-12, abs=1e-12)


# --- the parameters in arrays (nn.compiled.ArrayTraining) -------------------------------------

GROUPED = {
    "sgd, groups, decay": lambda model: nn.SGD(
        [{"params": [p for n, p in model.named_parameters() if n.endswith(".b")]},
         {"params": [p for n, p in model.named_parameters() if not n.endswith(".b")],
          "weight_decay": 0.01, "momentum": 0.5}], lr=0.2),
    "adam, groups, decay": lambda model: nn.Adam(
        [{"params": model.layers[0].parameters(), "lr": 0.01},
         {"params": model.layers[1].parameters(), "weight_decay": 0.1}], lr=0.03),
}
ARRAY_LOSSES = {"quadratic": losses.quadratic, "hinge": losses.hinge, "mse": losses.mse}


def array_steps(monkeypatch) -> list:
    """Count the steps fit takes with its parameters in arrays."""
    taken = []
    step = nn.compiled.ArrayTraining.step
    monkeypatch.setattr(nn.compiled.ArrayTraining, "step",
                        lambda self, X, y: taken.append(len(X)) or step(self, X, y))
    return taken


def fit_both(compile, loss, make_optimizer, batch_size, epochs=4, X=None, y=None):
    if X is None:
        X, y = nn.data.make_moons(30, noise=0.2, seed=1)
    model = nn.MLP(2, [6, 4, 1], activation="tanh", output_activation="sigmoid", seed=5)
    optimizer = make_optimizer(model)
    history = nn.fit(model, X, y, loss, optimizer, epochs, batch_size=batch_size,
                     progress=False, seed=3, compile=compile)
    return model, optimizer, history


def assert_same_training(a, b, rel=1e-9, grads=True):
    (model, optimizer, history), (eager_model, eager_optimizer, eager_history) = a, b
    assert history["accuracy"] == eager_history["accuracy"]
    assert history["loss"] == pytest.approx(eager_history["loss"], rel=rel)
    assert model.state_dict() == pytest.approx(eager_model.state_dict(), rel=rel, abs=1e-12)
    place = {p: i for i, p in enumerate(model.parameters())}
    eager_place = {p: i for i, p in enumerate(eager_model.parameters())}
    for key in ("velocity", "m", "v"):
        if hasattr(eager_optimizer, key):
            ours = {place[p]: x for p, x in getattr(optimizer, key).items()}
            theirs = {eager_place[p]: x for p, x in getattr(eager_optimizer, key).items()}
            assert ours == pytest.approx(theirs, rel=rel, abs=1e-12), key
    assert getattr(optimizer, "t", None) == getattr(eager_optimizer, "t", None)
    for p, q in zip(model.parameters(), eager_model.parameters()):  # the last batch's gradient
        assert not grads or p.grad == pytest.approx(q.grad, rel=rel, abs=1e-12, nan_ok=True)


@pytest.mark.parametrize("loss", sorted(ARRAY_LOSSES))
@pytest.mark.parametrize("optimizer", sorted(GROUPED))
@pytest.mark.parametrize("batch_size", [1, 10, None])
def test_training_in_arrays_equals_eager_training(monkeypatch, loss, optimizer, batch_size):
    taken = array_steps(monkeypatch)
    compiled = fit_both(True, ARRAY_LOSSES[loss], GROUPED[optimizer], batch_size)
    assert taken and taken[0] == (batch_size or 30)  # the array path, not a silent fallback
    assert_same_training(compiled, fit_both(False, ARRAY_LOSSES[loss], GROUPED[optimizer],
                                            batch_size))


def test_other_losses_and_optimizers_train_with_values(monkeypatch):
    taken = array_steps(monkeypatch)
    X, y = nn.data.make_moons(20, seed=1)
    labels = [[t, 1 - t] for t in y]
    model = nn.MLP(2, [4, 2], seed=0)
    nn.fit(model, X, list(y), losses.cross_entropy, nn.SGD(model.parameters(), 0.1), 1,
           progress=False, compile=True)
    nn.fit(model, X, labels, losses.quadratic, Plain(model.parameters(), 0.1), 1, progress=False,
           compile=True)
    assert taken == []


class Plain(nn.SGD):
    """An optimizer of the user's own: its step is Python, so it reads the Values."""


def make_model():
    return nn.MLP(2, [6, 4, 1], activation="tanh", output_activation="sigmoid", seed=5)


def fit_in_order(model, optimizer, X, y, compile, loss=losses.mse):
    nn.fit(model, X, y, loss, optimizer, 1, batch_size=10, shuffle=False, progress=False,
           compile=compile)


@pytest.mark.parametrize("make", [lambda ps: nn.SGD(ps, lr=1e300, momentum=0.9),
                                  lambda ps: nn.Adam(ps, lr=1e300)], ids=["sgd", "adam"])
def test_a_step_that_is_not_finite_is_not_taken_and_the_values_are_written_back(monkeypatch,
                                                                                 make):
    taken = array_steps(monkeypatch)
    X, y = nn.data.make_moons(40, noise=0.2, seed=1)
    model, eager = (nn.MLP(2, [16, 16, 1], seed=0) for _ in range(2))
    optimizer, eager_optimizer = make(model.parameters()), make(eager.parameters())
    with pytest.raises(FloatingPointError) as compiled_error:
        fit_in_order(model, optimizer, X, y, True)
    with pytest.raises(FloatingPointError) as eager_error:
        fit_in_order(eager, eager_optimizer, X, y, False)
    # the same batch stops both; which non-finite number (inf or nan) depends on sum order
    where = re.compile(r"^fit: epoch 1, batch (\d+): the loss is (nan|inf);")
    assert taken and where.match(str(compiled_error.value)).group(1) == \
        where.match(str(eager_error.value)).group(1)
    assert all(math.isfinite(w) for w in model.state_dict().values())
    assert_same_training((model, optimizer, {"accuracy": [], "loss": []}),
                         (eager, eager_optimizer, {"accuracy": [], "loss": []}), rel=1e-12,
                         grads=False)  # the failing batch's: inf or nan, by sum order
    assert not all(math.isfinite(p.grad) for p in model.parameters())


def test_an_interrupted_run_leaves_the_values_of_the_steps_taken(monkeypatch):
    X, y = nn.data.make_moons(40, noise=0.2, seed=1)
    update, calls = nn.compiled.ArrayTraining._update, []

    def interrupted(self, mean):
        calls.append(mean)
        if len(calls) == 3:
            raise KeyboardInterrupt
        return update(self, mean)

    monkeypatch.setattr(nn.compiled.ArrayTraining, "_update", interrupted)
    model, eager = make_model(), make_model()
    optimizer, eager_optimizer = (nn.Adam(m.parameters(), lr=0.05) for m in (model, eager))
    with pytest.raises(KeyboardInterrupt):
        fit_in_order(model, optimizer, X, y, True, losses.quadratic)
    fit_in_order(eager, eager_optimizer, X[:20], y[:20], False, losses.quadratic)  # two steps
    assert optimizer.t == 2
    assert model.state_dict() == pytest.approx(eager.state_dict(), rel=1e-12)


def test_samples_of_different_lengths_are_refused_by_training_in_arrays():
    model = nn.MLP(2, [3, 1], seed=0)
    with pytest.raises(ValueError, match="sample 1 has 3 inputs, sample 0 2"):
        nn.fit(model, [[1.0, 2.0], [1.0, 2.0, 3.0]], [0.0, 1.0], losses.mse,
               nn.SGD(model.parameters(), lr=0.1), 1, shuffle=False, progress=False,
               compile=True)
