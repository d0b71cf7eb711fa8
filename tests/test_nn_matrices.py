"""The book's matrices and NumPy arrays: a network read and written as Nielsen's book holds it
(w^(l) an (n_l × n_(l−1)) array, b^(l) a column), fed its (n, 1) column vectors, and held to
the book's vectorised forward pass and backpropagation written here in NumPy."""

from __future__ import annotations

import math
from itertools import pairwise

import numpy as np
import pytest

import nn
from autodiff import Value


def sigmoid(z):
    return 1.0 / (1.0 + np.exp(-z))


def book_feedforward(weights, biases, a):
    """The book's feedforward: a ← σ(w a + b), layer by layer, on columns."""
    for w, b in zip(weights, biases):
        a = sigmoid(w @ a + b)
    return a


def book_backprop(weights, biases, x, y, cost):
    """The book's backprop for one sample (x, y columns): the gradients of the weights and
    biases, layer by layer, for the quadratic or the cross-entropy cost on sigmoid outputs."""
    activations, zs = [x], []
    for w, b in zip(weights, biases):
        zs.append(w @ activations[-1] + b)
        activations.append(sigmoid(zs[-1]))
    a = activations[-1]
    delta = (a - y) * a * (1 - a) if cost == "quadratic" else a - y
    grads_w, grads_b = [delta @ activations[-2].T], [delta]
    for l in range(2, len(weights) + 1):
        s = sigmoid(zs[-l])
        delta = (weights[-l + 1].T @ delta) * s * (1 - s)
        grads_w.insert(0, delta @ activations[-l - 1].T)
        grads_b.insert(0, delta)
    return grads_w, grads_b


def random_book_network(rng, sizes):
    weights = [rng.standard_normal((n, m)) for m, n in pairwise(sizes)]
    biases = [rng.standard_normal((n, 1)) for n in sizes[1:]]
    return weights, biases


def test_from_matrices_and_back_round_trip_exactly():
    rng = np.random.default_rng(0)
    weights, biases = random_book_network(rng, [5, 4, 3, 2])
    model = nn.MLP.from_matrices(weights, biases, activation="tanh", output_activation="sigmoid")
    assert model.nouts == [4, 3, 2] and model.activations == ["tanh", "tanh", "sigmoid"]
    for layer, w, b in zip(model.layers, weights, biases):
        assert layer.weight_matrix().shape == w.shape and layer.biases().shape == b.shape
        assert (layer.weight_matrix() == w).all() and (layer.biases() == b).all()
    assert model.layers[1].neurons[2].w[0].data == weights[1][2, 0]  # w_31^(2)
    lists = nn.MLP.from_matrices([w.tolist() for w in weights],
                                 [b.reshape(-1).tolist() for b in biases],
                                 activation="tanh", output_activation="sigmoid")
    assert lists.state_dict() == model.state_dict()


def test_the_book_network_computes_the_books_feedforward_on_columns():
    rng = np.random.default_rng(1)
    weights, biases = random_book_network(rng, [6, 5, 3])
    model = nn.MLP.from_matrices(weights, biases, activation="sigmoid",
                                 output_activation="sigmoid")
    for _ in range(5):
        x = rng.standard_normal((6, 1))
        expected = book_feedforward(weights, biases, x).reshape(-1)
        for given in (x, x.reshape(-1), x.reshape(-1).tolist()):
            got = [a.data for a in model(given)]
            assert got == pytest.approx(expected.tolist(), rel=1e-14, abs=1e-16)


@pytest.mark.parametrize("cost", ["quadratic", "cross_entropy"])
def test_engine_gradients_equal_the_books_backprop(cost):
    rng = np.random.default_rng(2)
    loss = (nn.losses.quadratic if cost == "quadratic"
            else lambda a, y: nn.losses.binary_cross_entropy(a, y, reduction="sum"))
    for _ in range(5):
        sizes = [int(n) for n in rng.integers(1, 6, size=int(rng.integers(2, 5)))]
        weights, biases = random_book_network(rng, sizes)
        model = nn.MLP.from_matrices(weights, biases, activation="sigmoid",
                                     output_activation="sigmoid")
        x = rng.standard_normal((sizes[0], 1))
        y = (rng.random((sizes[-1], 1)) < 0.5).astype(float)
        loss(model(x), y).backward()
        grads_w, grads_b = book_backprop(weights, biases, x, y, cost)
        for layer, gw, gb in zip(model.layers, grads_w, grads_b):
            for j, neuron in enumerate(layer.neurons):
                assert [w.grad for w in neuron.w] == pytest.approx(gw[j].tolist(), rel=1e-12,
                                                                    abs=1e-15)
                assert neuron.b.grad == pytest.approx(gb[j, 0], rel=1e-12, abs=1e-15)


def test_models_take_numpy_arrays_of_any_number_type():
    model = nn.MLP(3, [2], seed=0)
    expected = [a.data for a in model([1.0, 2.0, 3.0])]
    for x in (np.array([1, 2, 3], dtype=np.uint8), np.array([[1.0], [2.0], [3.0]]),
              np.array([1.0, 2.0, 3.0], dtype=np.float32)):
        assert [a.data for a in model(x)] == expected
    layer = nn.Layer(3, 2, seed=0)
    assert [a.data for a in layer(np.ones((3, 1)))] == [a.data for a in layer([1.0] * 3)]
    neuron = nn.Neuron(3, seed=0)
    assert neuron(np.ones(3)).data == neuron([1.0] * 3).data


@pytest.mark.parametrize("x, error, words", [
    (np.ones((1, 3)), ValueError, r"MLP: the input must be a 1-D array or an \(n, 1\) column, "
                                  r"got an array of shape \(1, 3\)"),
    (np.ones(4), ValueError, "expected 3 inputs, got 4"),
    (np.ones((3, 1, 1)), ValueError, r"shape \(3, 1, 1\)"),
])
def test_arrays_of_the_wrong_shape_are_refused(x, error, words):
    with pytest.raises(error, match=words):
        nn.MLP(3, [2], seed=0)(x)


@pytest.mark.parametrize("weights, biases, words", [
    ([], [], "non-empty list"),
    ([np.ones((2, 3))], [], "need as many bias vectors"),
    ([np.ones((2, 3)), np.ones((1, 3))], [np.ones(2), np.ones(1)], r"weights\[1\] must be"),
    ([np.ones(3)], [np.ones(1)], r"weights\[0\] must be"),
    ([np.ones((2, 3))], [np.ones(3)], r"layer 1: .*biases must hold 2 numbers"),
    ([[[1.0, 2.0], [3.0]]], [[0.0, 0.0]], "must be a matrix of numbers"),
    ([np.array([[1.0, math.nan]])], [[0.0]], r"weights\[0\] must be finite, got nan at \(0, 1\)"),
    ([[["1.0", "2.0"]]], [[0.0]], "must be a matrix of numbers"),
    ([np.ones((1, 2))], [[math.inf]], r"layer 1: .*biases must be finite, got inf at \(0,\)"),
])
def test_from_matrices_refuses_the_wrong_shapes(weights, biases, words):
    with pytest.raises(ValueError, match=words):
        nn.MLP.from_matrices(weights, biases)


def test_set_matrices_changes_nothing_when_it_refuses():
    layer = nn.Layer(2, 2, seed=0)
    before = layer.state_dict()
    with pytest.raises(ValueError, match="biases"):
        layer.set_matrices(np.zeros((2, 2)), np.zeros(3))
    assert layer.state_dict() == before
    layer.set_matrices([[1.0, 2.0], [3.0, 4.0]], [[5.0], [6.0]])
    assert [n.b.data for n in layer.neurons] == [5.0, 6.0]
    assert isinstance(layer.neurons[1].w[0], Value) and layer.neurons[1].w[0].data == 3.0
