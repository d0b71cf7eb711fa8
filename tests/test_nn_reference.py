"""The engine's gradients against backpropagation derived by hand (`nn.reference`).

Backprop must emerge from the engine: nothing in `nn` computes a gradient by hand, so these
tests compare two computations that share no code.
"""

from __future__ import annotations

import math
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autodiff import Value
from nn import reference
from nn.activations import ACTIVATIONS, activate

REL, ABS = 1e-9, 1e-12


def close(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=REL, abs_tol=ABS)


def listed(outputs: Value | list[Value]) -> list[Value]:
    """A layer's outputs a^(l) as a vector, also when the layer has one node."""
    return outputs if isinstance(outputs, list) else [outputs]


@st.composite
def networks(draw, min_layers=1, max_layers=4, output=ACTIVATIONS):
    """A random MLP (every activation mix, random biases) with a sample and a target."""
    nin = draw(st.integers(1, 6))
    nouts = draw(st.lists(st.integers(1, 6), min_size=min_layers, max_size=max_layers))
    hidden = st.lists(st.sampled_from(ACTIVATIONS), min_size=len(nouts) - 1,
                      max_size=len(nouts) - 1)
    gs = [*draw(hidden), draw(st.sampled_from(output))]
    seed = draw(st.integers(0, 2**32))
    mlp = nn.MLP(nin, nouts, activation=gs[:-1], output_activation=gs[-1], seed=seed)
    rng = random.Random(seed)
    for layer in mlp.layers:
        for neuron in layer.neurons:
            neuron.b.data = rng.uniform(-1, 1)
    x = draw(st.lists(st.floats(-3, 3), min_size=nin, max_size=nin))
    y = draw(st.lists(st.floats(-2, 2), min_size=nouts[-1], max_size=nouts[-1]))
    return mlp, x, y


def engine_gradients(mlp: nn.MLP, x, y) -> dict[str, float]:
    mlp.zero_grad()
    nn.losses.sum_squared_error(mlp(x), y).backward()
    return {name: p.grad for name, p in mlp.named_parameters()}


@settings(max_examples=200)
@given(networks())
def test_engine_gradients_equal_the_four_equations(case):
    mlp, x, y = case
    expected = reference.gradients(mlp, x, y)
    got = engine_gradients(mlp, x, y)
    assert list(got) == list(expected)  # same names, same order
    for name in got:
        assert close(got[name], expected[name]), (name, got[name], expected[name])


@settings(max_examples=150)
@given(networks())
def test_engine_activation_gradients_equal_the_back_in_backprop(case):
    """∂C_0/∂a_k^(l) for every layer, including the inputs a^(0), read off the engine's nodes."""
    mlp, x, y = case
    a = [[Value(xk) for xk in x]]
    for layer in mlp.layers:
        a.append(listed(layer(a[-1])))
    nn.losses.sum_squared_error(a[-1], y).backward()
    _, a_ref = reference.forward(mlp, x)
    expected = reference.activation_gradients(mlp, x, y)
    assert len(expected) == len(a) == len(mlp.layers) + 1
    for l, (values, grads) in enumerate(zip(a, expected)):
        assert all(close(v.data, ak) for v, ak in zip(values, a_ref[l]))
        for k, (v, grad) in enumerate(zip(values, grads)):
            assert close(v.grad, grad), (l, k, v.grad, grad)


@settings(max_examples=150)
@given(networks())
def test_one_weights_chain_rule_term_by_term(case):
    """∂C_0/∂w_jk^(L) = 2(a_j − y_j) · g'(z_j) · a_k^(L−1), each factor a node's gradient,
    and ∂C_0/∂a_k^(L−1) = Σ_j 2(a_j − y_j) g'(z_j) w_jk (notebook 2's w_12^(L) and a_2^(L−1)
    among them).
    """
    mlp, x, y = case
    *hidden, output = mlp.layers
    a_prev = [Value(xk) for xk in x]
    for layer in hidden:
        a_prev = listed(layer(a_prev))
    z = [neuron.weighted_input(a_prev) for neuron in output.neurons]
    a = [activate(zj, output.activation) for zj in z]
    assert [aj.data for aj in a] == [out.data for out in listed(mlp(x))]
    nn.losses.sum_squared_error(a, y).backward()

    g_prime = [reference.g_prime(output.activation, zj.data) for zj in z]
    for j, neuron in enumerate(output.neurons):
        dC_da = 2 * (a[j].data - y[j])
        assert close(a[j].grad, dC_da)  # ∂C_0/∂a_j
        assert close(z[j].grad, dC_da * g_prime[j])  # × ∂a_j/∂z_j = g'(z_j)
        for k, w in enumerate(neuron.w):
            assert close(w.grad, dC_da * g_prime[j] * a_prev[k].data)  # × ∂z_j/∂w_jk = a_k
    for k, ak in enumerate(a_prev):
        terms = [2 * (a[j].data - y[j]) * g_prime[j] * n.w[k].data
                 for j, n in enumerate(output.neurons)]
        assert close(ak.grad, math.fsum(terms))


@settings(max_examples=100)
@given(networks(), st.integers(1, 5), st.randoms(use_true_random=False))
def test_the_gradient_of_a_batch_is_the_mean_of_per_sample_gradients(case, n, rng):
    mlp, x, y = case
    X = [x] + [[rng.uniform(-3, 3) for _ in x] for _ in range(n - 1)]
    Y = [y] + [[rng.uniform(-2, 2) for _ in y] for _ in range(n - 1)]
    mlp.zero_grad()
    nn.batch_loss([mlp(xi) for xi in X], Y, nn.losses.sum_squared_error).backward()
    per_sample = [reference.gradients(mlp, xi, yi) for xi, yi in zip(X, Y)]
    for name, p in mlp.named_parameters():
        mean = math.fsum(g[name] for g in per_sample) / n
        assert close(p.grad, mean), (name, p.grad, mean)


def test_reference_on_a_network_worked_by_hand():
    """One linear output neuron on one tanh neuron: every number by hand."""
    mlp = nn.MLP(1, [1, 1], activation="tanh", output_activation="linear", seed=0)
    hidden, out = mlp.layers[0].neurons[0], mlp.layers[1].neurons[0]
    hidden.w[0].data, hidden.b.data, out.w[0].data, out.b.data = 0.5, 0.1, -2.0, 0.3
    x, y = 2.0, 1.0
    a1 = math.tanh(0.5 * x + 0.1)
    a2 = -2.0 * a1 + 0.3
    d2 = 2 * (a2 - y)
    d1 = d2 * -2.0 * (1 - a1**2)
    expected = {
        "layers.0.neurons.0.w.0": d1 * x, "layers.0.neurons.0.b": d1,
        "layers.1.neurons.0.w.0": d2 * a1, "layers.1.neurons.0.b": d2,
    }
    assert reference.gradients(mlp, [x], y) == expected
    assert reference.activation_gradients(mlp, [x], y) == [[d1 * 0.5], [d2 * -2.0], [d2]]
    for name, grad in engine_gradients(mlp, [x], [y]).items():
        assert close(grad, expected[name])


def test_reference_activation_derivatives_against_central_differences():
    h = 1e-6
    for name in ACTIVATIONS:
        for z in (-2.5, -0.3, 0.4, 1.7):
            numeric = (reference.g(name, z + h) - reference.g(name, z - h)) / (2 * h)
            assert math.isclose(reference.g_prime(name, z), numeric, rel_tol=1e-6, abs_tol=1e-9)


# --- the book's two costs: quadratic, and cross-entropy on sigmoid outputs ----------------------


def close12(a: float, b: float) -> bool:
    return math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12)


@st.composite
def sigmoid_networks(draw):
    """A random network with sigmoid outputs (hidden layers of every kind) and 0/1 or soft
    targets, as the cross-entropy cost takes them."""
    mlp, x, _ = draw(networks(output=["sigmoid"]))
    n = mlp.nouts[-1]
    y = draw(st.lists(st.sampled_from([0.0, 1.0, 0.25]), min_size=n, max_size=n))
    return mlp, x, y


def engine(mlp, x, y, loss) -> dict[str, float]:
    mlp.zero_grad()
    loss(mlp(x), y).backward()
    return {name: p.grad for name, p in mlp.named_parameters()}


@settings(max_examples=150)
@given(networks())
def test_quadratic_cost_engine_equals_the_four_equations(case):
    mlp, x, y = case
    expected = reference.gradients(mlp, x, y, cost="quadratic")
    got = engine(mlp, x, y, nn.losses.quadratic)
    assert list(got) == list(expected)
    for name in got:
        assert close12(got[name], expected[name]), (name, got[name], expected[name])
        half = reference.gradients(mlp, x, y)[name] / 2  # C₀ = Σ(a − y)² is twice the book's
        assert close12(got[name], half)


@settings(max_examples=150)
@given(sigmoid_networks())
def test_cross_entropy_cost_engine_equals_the_four_equations(case):
    """BP1 for the cross-entropy cost on sigmoid outputs is δ^L = a − y."""
    mlp, x, y = case
    expected = reference.gradients(mlp, x, y, cost="cross_entropy")
    loss = lambda a, t: nn.losses.binary_cross_entropy(a, t, reduction="sum")
    got = engine(mlp, x, y, loss)
    assert list(got) == list(expected)
    for name in got:
        assert close12(got[name], expected[name]), (name, got[name], expected[name])
    z, a = reference.forward(mlp, x)
    delta_L = reference.output_error(mlp, z, a, y, "cross_entropy")
    assert delta_L == [aj - yj for aj, yj in zip(a[-1], y)]
    if all(0.01 < aj < 0.99 for aj in a[-1]):  # BP1 as the general product gives the same δ^L
        general = reference.deltas(mlp, z, reference.cost_gradient(a[-1], y, "cross_entropy"))
        assert all(close12(d, e) for d, e in zip(general[-1], delta_L))


@settings(max_examples=100)
@given(sigmoid_networks())
def test_cross_entropy_through_probabilities_equals_the_four_equations(case):
    """Outputs that are not a sigmoid node take the loss's ln a path: the same gradients."""
    mlp, x, y = case
    _, a = reference.forward(mlp, x)
    if not all(0.01 < aj < 0.99 for aj in a[-1]):
        return
    expected = reference.gradients(mlp, x, y, cost="cross_entropy")
    loss = lambda out, t: nn.losses.binary_cross_entropy(
        [o + 0.0 for o in listed(out)], t, reduction="sum")
    got = engine(mlp, x, y, loss)
    for name in got:
        assert math.isclose(got[name], expected[name], rel_tol=1e-10, abs_tol=1e-12), name


def test_the_costs_output_gradients_and_their_refusals():
    a, y = [0.25, 0.5], [1.0, 0.0]
    assert reference.cost_gradient(a, y, "sum_squared_error") == [-1.5, 1.0]
    assert reference.cost_gradient(a, y, "quadratic") == [-0.75, 0.5]
    assert reference.cost_gradient(a, y, "cross_entropy") == [-0.75 / 0.1875, 0.5 / 0.25]
    with pytest.raises(ValueError, match="unknown cost 'hinge'"):
        reference.cost_gradient(a, y, "hinge")
    with pytest.raises(ValueError, match=r"outputs in \(0, 1\), got 1.5"):
        reference.cost_gradient([1.5, 0.5], y, "cross_entropy")
    mlp = nn.MLP(2, [2], output_activation="sigmoid", seed=0)
    with pytest.raises(TypeError, match="output_gradient or delta_L"):
        reference.deltas(mlp, reference.forward(mlp, [0.0, 1.0])[0])


def test_the_reference_takes_numpy_columns_as_the_book_passes_them():
    np = pytest.importorskip("numpy")
    mlp = nn.MLP(3, [4, 2], activation="sigmoid", output_activation="sigmoid", seed=1)
    x, y = [0.5, -1.0, 2.0], [1.0, 0.0]
    for cost in reference.COSTS:
        expected = reference.gradients(mlp, x, y, cost=cost)
        assert reference.gradients(mlp, np.array(x)[:, None], np.array(y)[:, None],
                                   cost=cost) == expected
        assert reference.gradients(mlp, np.array(x), np.array(y), cost=cost) == expected
