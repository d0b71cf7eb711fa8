"""Training end to end: moons and XOR are learned; `fit`'s history, progress bar and rules."""

from __future__ import annotations

import math
from functools import partial

import pytest

import nn
from autodiff import Value
from nn import losses

BCE_WITH_LOGITS = losses.binary_cross_entropy_with_logits


def test_mlp_learns_moons_with_sgd():
    """MLP(2, [16, 16, 1]) on make_moons(100): 30 epochs of 10 SGD steps (300 steps)."""
    X, y = nn.data.make_moons(100)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(model, X, y, BCE_WITH_LOGITS, optimizer, epochs=30,
                     batch_size=10, progress=False, seed=0)
    assert nn.accuracy(model, X, y, BCE_WITH_LOGITS) >= 0.97
    assert history["loss"][-1] < 0.5 * history["loss"][0]


@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
def test_mlp_learns_xor_from_any_initialisation(seed, optimizer):
    X, y = nn.data.make_xor()
    model = nn.MLP(2, [8, 1], activation="tanh", seed=seed)
    make = {"sgd": lambda ps: nn.SGD(ps, lr=0.5, momentum=0.9), "adam": lambda ps: nn.Adam(ps, 0.1)}
    history = nn.fit(model, X, y, BCE_WITH_LOGITS, make[optimizer](model.parameters()),
                     epochs=100, progress=False, seed=seed)
    assert nn.accuracy(model, X, y, BCE_WITH_LOGITS) == 1.0
    assert history["loss"][-1] < 0.05


def test_fit_takes_the_mean_over_the_batch():
    """One full-batch SGD step moves each weight by −lr × the mean per-sample gradient."""
    X, y = nn.data.make_moons(6, seed=2)
    model = nn.MLP(2, [3, 1], seed=4)
    before = model.state_dict()
    per_sample = [nn.reference.gradients(model, x, t) for x, t in zip(X, y)]
    nn.fit(model, X, y, losses.sum_squared_error, nn.SGD(model.parameters(), lr=0.1), 1,
           progress=False, seed=0)
    for name, value in model.state_dict().items():
        mean = math.fsum(g[name] for g in per_sample) / len(X)
        assert math.isclose(value, before[name] - 0.1 * mean, rel_tol=1e-12, abs_tol=1e-15)


def test_history_holds_the_loss_and_accuracy_of_each_epoch():
    X, y = nn.data.make_moons(20, seed=1)
    model = nn.MLP(2, [4, 1], seed=0)
    start = nn.accuracy(model, X, y, losses.hinge)
    first_loss = nn.batch_loss([model(x) for x in X], y, losses.hinge).data
    history = nn.fit(model, X, y, losses.hinge, nn.SGD(model.parameters(), lr=0.05), 5,
                     progress=False, seed=0)
    assert set(history) == {"loss", "accuracy"}
    assert len(history["loss"]) == len(history["accuracy"]) == 5
    # full batch: epoch 1 reports the model as it was before its only step
    assert history["loss"][0] == pytest.approx(first_loss, rel=1e-12)
    assert history["accuracy"][0] == start
    assert history["loss"][-1] < history["loss"][0]


def test_accuracy_rules():
    X = [[0.0], [1.0], [2.0], [3.0]]
    model = nn.MLP(1, [1], seed=0)
    model.layers[0].neurons[0].w[0].data, model.layers[0].neurons[0].b.data = 1.0, -1.5
    # outputs: −1.5, −0.5, 0.5, 1.5
    assert nn.accuracy(model, X, [0, 0, 1, 1], BCE_WITH_LOGITS) == 1.0
    assert nn.accuracy(model, X, [0, 0, 0, 1], losses.binary_cross_entropy) == 1.0  # a > 0.5
    assert nn.accuracy(model, X, [0, 0, 0, 1], losses.quadratic) == 1.0
    summed = partial(losses.binary_cross_entropy, reduction="sum")  # the book's cost
    assert nn.accuracy(model, X, [0, 0, 0, 1], summed) == 1.0
    assert nn.accuracy(model, X, [-1, 0, 1, 1], losses.hinge) == 1.0
    assert nn.accuracy(model, X, [0, 0, 0, 1], losses.mse) == 1.0  # midpoint 0.5, strictly
    assert nn.accuracy(model, X, [0, 1, 1, 1], losses.mse) == 0.5
    assert nn.accuracy(model, X, [-1, -1, 1, 1], losses.sum_squared_error) == 1.0  # midpoint 0
    assert nn.accuracy(model, X, [0.1, 0.2, 0.3, 0.4], losses.mse) is None  # regression
    three = nn.MLP(1, [3], seed=0)
    outputs = [[o.data for o in three(x)] for x in X]
    labels = [max(range(3), key=out.__getitem__) for out in outputs]
    assert nn.accuracy(three, X, labels, losses.cross_entropy) == 1.0


def test_multiclass_and_regression_fit():
    X, y = nn.data.make_spirals(30, turns=0.5)
    model = nn.MLP(2, [8, 2], seed=0)
    history = nn.fit(model, X, y, losses.cross_entropy, nn.Adam(model.parameters(), 0.05), 20,
                     batch_size=10, progress=False, seed=0)
    assert history["accuracy"][-1] > 0.8
    targets = [x[0] - 2 * x[1] for x in X]
    reg = nn.MLP(2, [1], seed=0)
    history = nn.fit(reg, X, targets, losses.mse, nn.SGD(reg.parameters(), 0.3), 30,
                     progress=False, seed=0)
    assert history["accuracy"] == [None] * 30 and history["loss"][-1] < 1e-3


def test_progress_bar_can_be_switched_off(capsys):
    X, y = nn.data.make_xor()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, losses.mse, nn.SGD(model.parameters(), 0.1), 3, progress=False, seed=0)
    assert capsys.readouterr().err == ""
    nn.fit(model, X, y, losses.mse, nn.SGD(model.parameters(), 0.1), 3, progress=True, seed=0)
    err = capsys.readouterr().err
    assert "3/3" in err and "loss=" in err


def test_fit_leaves_no_graph_on_the_parameters():
    X, y = nn.data.make_xor()
    model = nn.MLP(2, [2, 1], seed=0)
    nn.fit(model, X, y, losses.mse, nn.Adam(model.parameters()), 2, progress=False, seed=0)
    assert all(p.parents == () and isinstance(p, Value) for p in model.parameters())


@pytest.mark.parametrize("call", [
    lambda m, opt: nn.fit(m, [[0.0, 1.0]], [1, 0], losses.mse, opt, 1, progress=False),
    lambda m, opt: nn.fit(m, [], [], losses.mse, opt, 1, progress=False),
    lambda m, opt: nn.fit(m, [[0.0, 1.0]], [1], losses.mse, opt, -1, progress=False),
    lambda m, opt: nn.fit(m, [[0.0, 1.0]], [1], losses.mse, opt, 1, batch_size=0,
                          progress=False),
])
def test_fit_refuses_bad_arguments(call):
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(ValueError):
        call(model, nn.SGD(model.parameters(), 0.1))


def _trained(X, y, loss, nouts):
    """The history and weights of a short run from fixed seeds, whatever holds X and y."""
    model = nn.MLP(2, nouts, seed=3)
    history = nn.fit(model, X, y, loss, nn.SGD(model.parameters(), 0.1), 3, batch_size=4,
                     progress=False, seed=1)
    return history, model.state_dict(), nn.accuracy(model, X, y, loss)


@pytest.mark.parametrize("loss, nouts, targets", [
    (BCE_WITH_LOGITS, [4, 1], lambda y: y),
    (losses.cross_entropy, [4, 2], lambda y: y),
    (losses.mse, [4, 1], lambda y: [[float(t)] for t in y]),
], ids=["binary_cross_entropy_with_logits", "cross_entropy", "mse on rows"])
def test_fit_takes_numpy_arrays_and_tuples_as_it_takes_lists(loss, nouts, targets):
    np = pytest.importorskip("numpy")
    X, y = nn.data.make_moons(10, seed=0)
    y = targets(y)
    expected = _trained(X, y, loss, nouts)
    assert _trained(np.array(X), np.array(y), loss, nouts) == expected
    assert _trained(tuple(map(tuple, X)), tuple(y), loss, nouts) == expected


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
@pytest.mark.parametrize("where", ["X", "y", "y row"])
def test_fit_refuses_non_finite_data_naming_the_sample(bad, where):
    X, y = nn.data.make_moons(8, seed=0)
    y = [[t] for t in y] if where == "y row" else [float(t) for t in y]
    if where == "X":
        X[5][1] = bad
    elif where == "y":
        y[5] = bad
    else:
        y[5][0] = bad
    model = nn.MLP(2, [1], seed=0)
    before = model.state_dict()
    with pytest.raises(ValueError, match=r"^fit: .*\(sample 5\) is (nan|inf|-inf)") as error:
        nn.fit(model, X, y, losses.mse, nn.SGD(model.parameters(), 0.1), 1, progress=False)
    assert repr(bad) in str(error.value) and model.state_dict() == before


@pytest.mark.parametrize("X, y, words", [
    ([[0.0, 1.0], "ab"], [0, 1], r"X\[1\] \(sample 1\) must be a sequence"),
    ([[0.0, 1.0], [0.0, None]], [0, 1], r"X\[1\]\[1\] \(sample 1\) must be a number"),
    ([[0.0, 1.0], [1.0, 0.0]], [0, "1"], r"y\[1\] \(sample 1\) must be a sequence"),
], ids=["string sample", "None input", "string target"])
def test_fit_refuses_data_that_is_not_numbers(X, y, words):
    model = nn.MLP(2, [1], seed=0)
    with pytest.raises(TypeError, match=words):
        nn.fit(model, X, y, losses.mse, nn.SGD(model.parameters(), 0.1), 1, progress=False)


class _ListOfOne(nn.Module):
    """A one-output model that returns its output in a list of one, not as the `Value` itself
    (as `nn.MLP` and micrograd's MLP do)."""

    def __init__(self):
        self.mlp = nn.MLP(2, [4, 1], seed=3)

    def __call__(self, x):
        return [self.mlp(x)]


def test_fit_and_accuracy_take_one_output_as_a_value_or_as_a_list_of_one():
    X, y = nn.data.make_moons(10, seed=0)
    model = _ListOfOne()
    history = nn.fit(model, X, y, BCE_WITH_LOGITS, nn.SGD(model.parameters(), 0.1),
                     3, batch_size=4, progress=False, seed=1)
    expected = _trained(X, y, BCE_WITH_LOGITS, [4, 1])
    assert history == expected[0] and model.mlp.state_dict() == expected[1]
    assert nn.accuracy(model, X, y, BCE_WITH_LOGITS) == expected[2]


def _outputs_set_to(model: nn.MLP, bias: float) -> nn.MLP:
    """`model` with every output neuron's weights 0 and its bias `bias`: all outputs `bias`."""
    for neuron in model.layers[-1].neurons:
        for w in neuron.w:
            w.data = 0.0
        neuron.b.data = bias
    return model


@pytest.mark.parametrize("bad", [math.nan, math.inf, -math.inf])
def test_non_finite_outputs_are_never_correct(bad):
    """NaN compares false on every side (it passed for a negative and for class 0: all-NaN
    outputs scored 90-100 %); an infinite output is no classification either."""
    X = [[0.5, -1.0], [1.0, 2.0], [-0.5, 0.25], [2.0, 0.0]]
    one = _outputs_set_to(nn.MLP(2, [3, 1], seed=0), bad)
    for loss, y in [(BCE_WITH_LOGITS, [0, 0, 1, 1]), (losses.hinge, [-1, -1, 1, 1]),
                    (losses.mse, [0, 0, 1, 1])]:
        assert nn.accuracy(one, X, y, loss) == 0.0
        assert nn.accuracy(_outputs_set_to(one, 5.0), X, y, loss) == 0.5  # the rule still holds
        _outputs_set_to(one, bad)
    three = _outputs_set_to(nn.MLP(2, [3, 3], seed=0), bad)
    assert nn.accuracy(three, X, [0, 0, 1, 2], losses.cross_entropy) == 0.0
    three.layers[-1].neurons[2].b.data = 1.0  # one output finite, the others not
    assert nn.accuracy(three, X, [2, 2, 2, 2], losses.cross_entropy) == 0.0


def _first_steps(compile: bool, optimizer, steps: int, X, y, loss, seed=0):
    """The state of MLP(2, [16, 16, 1]) and of `optimizer` after `steps` batches of 10."""
    model = nn.MLP(2, [16, 16, 1], seed=seed)
    opt = optimizer(model.parameters())
    if steps:
            nn.fit(model, X[:10 * steps], y[:10 * steps], loss, opt, 1, batch_size=10,
               progress=False, shuffle=False, compile=compile)
    return model, opt


@pytest.mark.parametrize("compile", [False, True], ids=["eager", "compiled"])
def test_fit_stops_at_the_first_non_finite_loss_keeping_the_last_finite_step(compile):
    """`fit(..., SGD(lr=1e300))` trained every weight to NaN and returned a history of NaNs."""
    X, y = nn.data.make_moons(100)
    make = lambda ps: nn.SGD(ps, lr=1e300, momentum=0.9)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    optimizer = make(model.parameters())
    with pytest.raises(FloatingPointError, match=r"^fit: epoch 1, batch 2: the loss is nan; "):
        nn.fit(model, X, y, BCE_WITH_LOGITS, optimizer, 5, batch_size=10,
               progress=False, shuffle=False, compile=compile)
    after_one, reference = _first_steps(False, make, 1, X, y, BCE_WITH_LOGITS)
    assert model.state_dict() == after_one.state_dict()  # the first step kept, the second not
    assert all(math.isfinite(w) for w in model.state_dict().values())
    assert _by_position(optimizer, model) == _by_position(reference, after_one)  # one step's
    with pytest.raises(FloatingPointError, match="epoch 1, batch 1: the loss is nan"):
        nn.fit(model, X, y, BCE_WITH_LOGITS, optimizer, 1, batch_size=10,
               progress=False, shuffle=False, compile=compile)  # nothing moves on a retry


def test_fit_stops_at_a_gradient_that_is_not_finite():
    """|e| written as sqrt(e²): a finite loss of 0 whose derivative is ∞ · 0 = NaN."""
    model = _outputs_set_to(nn.MLP(2, [2, 1], seed=0), 0.0)
    before = model.state_dict()
    with pytest.raises(FloatingPointError, match=r"epoch 1, batch 1: the gradient of layers\."
                                                 r"0\.neurons\.0\.w\.0 is nan"):
        nn.fit(model, [[1.0, 2.0]], [0.0], lambda out, t: ((out - t) ** 2) ** 0.5,
               nn.SGD(model.parameters(), 0.1), 1, progress=False)
    assert model.state_dict() == before


@pytest.mark.parametrize("make, scale, steps, made", [
    (lambda ps: nn.SGD(ps, lr=1e300, momentum=0.9), 1e9, 0, r"layers\.\S+ -?inf \(from -?\d"),
    (lambda ps: nn.Adam(ps, lr=0.1), 1e160, 0, r"Adam\.v\[layers\.\S+\] inf"),  # g² > 1e308
], ids=["sgd", "adam"])
def test_a_step_that_would_overflow_is_not_taken(make, scale, steps, made):
    """The loss and the gradients are finite; the update is not. The parameters and the
    optimizer's state (momentum, moments, step count) stay as the last finite step left them."""
    X, y = nn.data.make_moons(100)
    loss = lambda out, t: scale * losses.mse(out, t)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    optimizer = make(model.parameters())
    with pytest.raises(FloatingPointError, match=rf"epoch 1, batch {steps + 1}: the step would "
                                                 rf"make {made}"):
        nn.fit(model, X, y, loss, optimizer, 1, batch_size=10, progress=False, shuffle=False)
    expected, reference = _first_steps(False, make, steps, X, y, loss)
    assert model.state_dict() == expected.state_dict()
    assert all(math.isfinite(w) for w in model.state_dict().values())
    assert _by_position(optimizer, model) == _by_position(reference, expected)
    assert optimizer.params == model.parameters()  # still the model's own Values


def _by_position(optimizer, model) -> dict:
    """The optimizer's state with each parameter replaced by its place in `model`, so that two
    optimizers of two equal models compare."""
    place = {p: i for i, p in enumerate(model.parameters())}
    state = {}
    for key, value in vars(optimizer).items():
        if key == "param_groups":
            value = [{**g, "params": [place[p] for p in g["params"]]} for g in value]
        elif isinstance(value, dict) and all(isinstance(p, Value) for p in value):
            value = {place[p]: x for p, x in value.items()}
        state[key] = value
    return state


class _MomentumInGroups(nn.Optimizer):
    """Momentum kept as PyTorch keeps it: parameter groups and a dict of states per parameter,
    changed in place by each step (what a snapshot must copy deep, keeping the parameters)."""

    def __init__(self, params, lr):
        super().__init__(params, lr)
        self.members = self.params
        self.groups = [{"params": self.members, "lr": lr}]
        self.state = {p: {"velocity": 0.0} for p in self.params}
        self.steps = 0

    def step(self):
        self.steps += 1
        for group in self.groups:
            for p in group["params"]:
                state = self.state[p]
                state["velocity"] = 0.9 * state["velocity"] + p.grad
                p.data -= group["lr"] * state["velocity"]


def test_a_step_not_taken_leaves_nested_optimizer_state_as_it_was():
    X, y = nn.data.make_moons(30)
    model = nn.MLP(2, [4, 1], seed=0)
    optimizer = _MomentumInGroups(model.parameters(), lr=1e-3)
    nn.fit(model, X, y, losses.mse, optimizer, 1, batch_size=10, progress=False, shuffle=False)
    weights = model.state_dict()
    velocities = {p: dict(s) for p, s in optimizer.state.items()}
    optimizer.groups[0]["lr"] = 1e300
    with pytest.raises(FloatingPointError, match="epoch 1, batch 1: the step would make"):
        nn.fit(model, X, y, lambda out, t: 1e9 * losses.mse(out, t), optimizer, 1,
               batch_size=10, progress=False, shuffle=False)
    assert model.state_dict() == weights and optimizer.steps == 3  # the 4th put back
    assert optimizer.state == velocities and optimizer.groups[0]["lr"] == 1e300
    assert list(optimizer.state) == model.parameters()  # keyed by the model's own Values
    assert optimizer.groups[0]["params"] is optimizer.members  # still one list


class _StopsHalfWay(nn.Optimizer):
    """Moves the first parameters, then fails: an overflow of `**`, or Ctrl-C."""

    def __init__(self, params, error):
        super().__init__(params, lr=0.1)
        self.error = error

    def step(self):
        for i, p in enumerate(self.params):
            p.data -= self.lr * p.grad
            if i == 3:
                if self.error is OverflowError:
                    10.0 ** 400  # noqa: B018
                raise self.error


@pytest.mark.parametrize("error, raised", [(OverflowError, FloatingPointError),
                                           (KeyboardInterrupt, KeyboardInterrupt)])
def test_a_step_that_fails_half_way_is_not_taken(error, raised):
    X, y = nn.data.make_moons(10)
    model = nn.MLP(2, [3, 1], seed=0)
    before = model.state_dict()
    with pytest.raises(raised) as caught:
        nn.fit(model, X, y, losses.mse, _StopsHalfWay(model.parameters(), error), 1,
               progress=False)
    assert model.state_dict() == before
    if raised is FloatingPointError:
        assert "epoch 1, batch 1: the step overflowed (" in str(caught.value)
