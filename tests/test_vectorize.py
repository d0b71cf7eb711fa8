"""`compile` vectorises the layers it finds in a scalar graph: the array code against eager."""

from __future__ import annotations

import math
import random
from itertools import pairwise

import numpy as np
import pytest

import autodiff
import nn
from autodiff import Value, value_and_grad, weighted_sums
from autodiff.primitive import power
from nn import losses

ACTIVATIONS = {
    "tanh": Value.tanh, "sigmoid": Value.sigmoid, "relu": Value.relu, "exp": Value.exp,
    "sin": Value.sin, "cos": Value.cos, "abs": Value.abs, "square": lambda z: z ** 2,
    "negate": lambda z: -z, "identity": lambda z: z,
}
SIZES = (3, 5, 2)


def layers(params: list, tied: bool) -> list[tuple[list, list]]:
    """W and b of each layer, read from a flat list of parameters (with `tied`, the first
    layer's first two neurons share their weights, and both layers their first bias)."""
    out, k = [], 0
    for n_in, n_out in pairwise(SIZES):
        W = [params[k + j * n_in:k + (j + 1) * n_in] for j in range(n_out)]
        k += n_in * n_out
        out.append((W, params[k:k + n_out]))
        k += n_out
    if tied:
        out[0][0][1] = out[0][0][0]
        out[1][1][0] = out[0][1][0]
    return out


def count() -> int:
    return sum(n_in * n_out + n_out for n_in, n_out in pairwise(SIZES))


def network(activation, tied: bool, X: list, loss):
    g = ACTIVATIONS[activation]

    def f(params):
        total = 0.0
        for x, t in X:
            a = x
            for W, b in layers(params, tied):
                a = [g(z) for z in weighted_sums(W, a, b)]
            total = total + loss(a, t)
        return total / len(X)

    return f


def data(batch: int, seed: int = 0) -> tuple[list, list[float]]:
    rng = random.Random(seed)
    X = [([rng.uniform(-1, 1) for _ in range(SIZES[0])], rng.randrange(SIZES[-1]))
         for _ in range(batch)]
    return X, [rng.uniform(-0.8, 0.8) for _ in range(count())]


def assert_close(compiled, eager):
    """To rounding: the products add in BLAS's order, not one term after the other."""
    value, grads = compiled
    assert value == pytest.approx(eager[0], rel=1e-9, abs=1e-12)
    assert grads == pytest.approx(eager[1], rel=1e-9, abs=1e-12)


LOSSES = {
    "quadratic": lambda a, t: losses.quadratic(a, [float(t == j) for j in range(len(a))]),
    "mse": lambda a, t: losses.mse(a, [float(t == j) for j in range(len(a))]),
    "cross_entropy": lambda a, t: losses.cross_entropy(a, t),
    "binary_cross_entropy_with_logits": lambda a, t: losses.binary_cross_entropy_with_logits(
        a, [float(t == j) for j in range(len(a))]),
    "hinge": lambda a, t: losses.hinge(a, [float(t == j) for j in range(len(a))]),
}


@pytest.mark.parametrize("activation", sorted(ACTIVATIONS))
@pytest.mark.parametrize("batch", [1, 10, 100])
@pytest.mark.parametrize("tied", [False, True])
def test_vectorised_networks_equal_eager(activation, batch, tied):
    X, params = data(batch, seed=batch)
    f = network(activation, tied, X, LOSSES["quadratic"])
    compiled = autodiff.compile(f)
    for k in range(3):  # the recording's numbers, then others
        ps = [p * (1 + 0.1 * k) for p in params]
        assert_close(compiled.value_and_grad(ps), value_and_grad(f)(ps))
    groups = compiled.recordings[0].groups
    assert any(g.startswith(f"weighted_sums {batch}×5") for g in groups), groups
    assert compiled.recorded == 1


@pytest.mark.parametrize("loss", sorted(LOSSES))
def test_every_loss_is_held_to_eager(loss):
    X, params = data(10, seed=3)
    f = network("tanh", False, X, LOSSES[loss])
    compiled = autodiff.compile(f)
    for k in range(3):
        ps = [p * (1 - 0.2 * k) for p in params]
        assert_close(compiled.value_and_grad(ps), value_and_grad(f)(ps))
    assert any(g.startswith("tanh 10×") for g in compiled.recordings[0].groups)
    if loss in ("quadratic", "mse"):  # each sample's Σ over its outputs, then over the batch
        assert "running sum of 10 terms" in compiled.recordings[0].groups


def test_a_guard_that_flips_records_again_and_stays_vectorised():
    X, params = data(10, seed=4)
    base = network("relu", False, X, LOSSES["quadratic"])

    other = [p * 3 for p in params]
    threshold = (base(params).data + base(other).data) / 2

    def f(ps):
        out = base(ps)
        return out * 2.0 if out > threshold else out  # a guard, on the array code's output

    compiled = autodiff.compile(f)
    assert_close(compiled.value_and_grad(params), value_and_grad(f)(params))
    assert_close(compiled.value_and_grad(other), value_and_grad(f)(other))
    assert compiled.recorded == 2
    assert all(r.groups for r in compiled.recordings)


def test_a_domain_error_in_the_array_code_falls_back_to_f():
    X, params = data(10, seed=5)

    def f(ps):
        return sum(z.log() for z in weighted_sums([ps[:3]], X[0][0], [ps[3]]))

    params = [0.1, 0.1, 0.1, 5.0]
    compiled = autodiff.compile(f)
    assert_close(compiled.value_and_grad(params), value_and_grad(f)(params))
    with pytest.raises(ValueError, match="log"):
        compiled.value_and_grad([0.1, 0.1, 0.1, -5.0])  # as f itself refuses


def test_a_recurrent_network_stays_exact():
    """The same weights on a chain of inputs: each step reads the last, so no block forms
    over the steps, and the values still equal eager."""
    W = [[0.5, -0.3], [0.2, 0.4]]

    def f(ps):
        h = [0.1, -0.2]
        Wp = [ps[:2], ps[2:4]]
        for _ in range(5):
            h = [z.tanh() for z in weighted_sums(Wp, h, ps[4:6])]
        return h[0] + h[1]

    params = [*W[0], *W[1], 0.1, -0.1]
    compiled = autodiff.compile(f)
    assert_close(compiled.value_and_grad(params), value_and_grad(f)(params))


def test_captured_parameters_are_read_on_each_call_and_replacing_one_records_again():
    model = nn.MLP(3, [4, 2], activation="sigmoid", seed=0)
    X = [[0.1 * k, -0.2, 0.3] for k in range(10)]

    def f(scale):
        return sum(o for x in X for o in model(x)) * scale

    compiled = autodiff.compile(f)
    assert compiled(1.0) == pytest.approx(f(1.0).data, rel=1e-12)
    assert compiled.recordings[0].groups
    model.layers[0].neurons[0].w[0].data = 2.0  # read from .data
    assert compiled(1.0) == pytest.approx(f(1.0).data, rel=1e-12)
    model.layers[0].neurons[0].w[0] = Value(-1.0)  # replaced: records again
    assert compiled(1.0) == pytest.approx(f(1.0).data, rel=1e-12)
    assert compiled.recorded == 2


def test_a_network_of_one_sample_and_one_neuron_is_exact_at_infinities():
    def f(ps):
        return weighted_sums([ps[:2]], [math.inf, 1.0], [ps[2]])[0].sigmoid()

    compiled = autodiff.compile(f)
    for ps in ([1.0, 2.0, 3.0], [-1.0, 2.0, 3.0], [0.0, 2.0, 3.0]):
        value, grads = compiled.value_and_grad(ps)
        expected = value_and_grad(f)(ps)
        assert value == expected[0] or (math.isnan(value) and math.isnan(expected[0]))
        assert all(g == e or (math.isnan(g) and math.isnan(e)) for g, e in zip(grads, expected[1]))


@pytest.mark.parametrize("reorder", ["reversed", "skip connection", "doubled"])
def test_a_layer_reading_another_layer_out_of_order_equals_eager(reorder):
    """The second layer reads the first one's activations reversed (picked out of the group),
    beside the inputs (gathered element by element), or each twice (picked, repeated)."""
    rng = random.Random(7)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(10)]
    width = {"reversed": 4, "skip connection": 7, "doubled": 8}[reorder]
    count = 4 * 3 + 4 + 2 * width + 2

    def f(ps):
        W1, b1 = [ps[3 * j:3 * j + 3] for j in range(4)], ps[12:16]
        W2 = [ps[16 + width * j:16 + width * (j + 1)] for j in range(2)]
        b2, total = ps[16 + 2 * width:], 0.0
        for x in X:
            a = [z.tanh() for z in weighted_sums(W1, x, b1)]
            a = {"reversed": a[::-1], "skip connection": [*a, *x], "doubled": a + a}[reorder]
            total = total + sum(z.sigmoid() for z in weighted_sums(W2, a, b2))
        return total

    params = [rng.uniform(-1, 1) for _ in range(count)]
    compiled = autodiff.compile(f)
    for k in range(2):
        ps = [p * (1 + k) for p in params]
        assert_close(compiled.value_and_grad(ps), value_and_grad(f)(ps))
    assert sum(g.startswith("weighted_sums 10×") for g in compiled.recordings[0].groups) == 2


@pytest.mark.parametrize("activation", nn.activations.ACTIVATIONS)
@pytest.mark.parametrize("batch_size", [1, 10, 100])
def test_fit_compiled_equals_eager_for_every_activation(activation, batch_size):
    X, y = nn.data.make_moons(100, noise=0.2, seed=2)
    results = []
    for compile in (False, True):
        model = nn.MLP(2, [5, 1], activation=activation, seed=1)
        history = nn.fit(model, X, y, losses.mse, nn.SGD(model.parameters(), lr=0.05), 2,
                         batch_size=batch_size, progress=False, seed=0, compile=compile)
        results.append((history, model.state_dict()))
    (eager, eager_weights), (compiled, weights) = results
    assert compiled["loss"] == pytest.approx(eager["loss"], rel=1e-9)
    assert weights == pytest.approx(eager_weights, rel=1e-9, abs=1e-12)


def test_a_vectorised_function_that_never_replays_gives_up_and_stays_right():
    """Comparisons on every sample's output (Python's max): new numbers take a new path
    nearly every call, so compile gives up after its recordings, with a warning."""
    rng = random.Random(9)
    X = [[rng.uniform(-1, 1) for _ in range(3)] for _ in range(10)]

    def f(ps):
        W, b = [ps[3 * j:3 * j + 3] for j in range(4)], ps[12:16]
        return sum(max(z, 0.0 * z) for x in X for z in weighted_sums(W, x, b))

    compiled = autodiff.compile(f)
    with pytest.warns(autodiff.CompileWarning, match="comparison"):
        for _ in range(12):
            ps = [rng.uniform(-1, 1) for _ in range(16)]
            assert_close(compiled.value_and_grad(ps), value_and_grad(f)(ps))
    assert compiled.eager and compiled.recordings == ()


EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.5, 3.0, 709.0, 710.0, -710.0, 1e300, -1e-300,
         math.inf, -math.inf, math.nan]
ARRAY_PRIMITIVES = [
    *sorted((p for p in autodiff.PRIMITIVES.values() if p.array is not None),
            key=lambda p: p.name),
    power(2), power(3),
]


def _scalar(f, *xs):
    try:
        return f(*xs)
    except (ArithmeticError, ValueError) as error:
        return type(error)


def _same(a, b):
    if isinstance(a, type) or isinstance(b, type):
        return a is b
    return a == pytest.approx(b, rel=4e-16, abs=0.0, nan_ok=True) or a == b


@pytest.mark.parametrize("primitive", ARRAY_PRIMITIVES, ids=lambda p: p.name)
def test_an_array_form_is_its_scalar_rule_elementwise(primitive):
    """Each declared array form against the scalar rule beside it in the table: the same
    numbers (to the last bit or one unit of it), and the same inputs refused with the same
    error, so that a vectorised replay fails where f fails."""
    arity = primitive.arity
    cases = [(x,) for x in EDGES] if arity == 1 else [(a, b) for a in EDGES for b in EDGES]
    with np.errstate(all="ignore"):  # as the replay calls them (NumPy warns, floats do not)
        _compare_elementwise(primitive, cases)


def _compare_elementwise(primitive, cases):
    for xs in cases:
        expected = _scalar(primitive.forward, *xs)
        got = _scalar(lambda *a: primitive.array.forward(*map(np.array, a)).item(), *xs)
        assert _same(got, expected), (primitive.name, xs, got, expected)
        if isinstance(expected, type):
            continue
        scalar = _scalar(primitive.derivative, *xs, expected)
        if isinstance(scalar, type):
            continue
        arrays = primitive.array.derivative(*map(np.array, xs), np.array(expected))
        for s, a in zip(scalar, arrays):
            s = s.data if isinstance(s, Value) else s
            assert _same(float(np.asarray(a)), s), (primitive.name, xs, a, s)


def test_a_layer_beside_a_long_scalar_chain_is_replayed_by_loops():
    """What stays scalar is past what straight-line code compiles quickly: the rolled replay,
    exact, instead of arrays beside 25,000 lines."""
    X = [[0.1 * k, -0.2] for k in range(10)]

    def f(ps):
        total = sum(z for x in X for z in weighted_sums([ps[:2], ps[2:4]], x, ps[4:6]))
        for _ in range(25_000):
            total = total * 0.999 + 0.001
        return total

    params = [0.3, -0.2, 0.5, 0.1, 0.0, 0.2]
    compiled = autodiff.compile(f)
    assert compiled.value_and_grad(params) == value_and_grad(f)(params)  # to the bit
    assert compiled.recordings[0].groups == () and "for " in compiled.recordings[0].source
