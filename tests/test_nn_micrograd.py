"""Programs written for micrograd's `nn` run on ours with only the import changed.

micrograd 0.1.0 itself is the oracle: its `MLP`, `Layer` and `Neuron` give what ours give (one
output is a `Value`, `nonlin=` picks ReLU or linear, `random.seed` fixes the weights), and its
demo, a two-moons classifier trained with a max-margin loss, trains on ours at least as well.
"""

from __future__ import annotations

import random

import numpy as np
import pytest

import nn
from autodiff import Value, draw_graph

micrograd_nn = pytest.importorskip("micrograd.nn")
micrograd_engine = pytest.importorskip("micrograd.engine")


def moons() -> tuple[np.ndarray, np.ndarray]:
    """Two moons, 100 points, noise 0.1, labels −1/+1, as NumPy arrays like micrograd's demo."""
    X, y = nn.data.make_moons(100, noise=0.1, seed=0)
    return np.array(X), np.array(y) * 2 - 1


def max_margin_training(model, Value, X, y, steps: int) -> tuple[list[float], float]:
    """micrograd's demo loop in other words: each step, the mean of max(0, 1 − y·score) over
    all samples plus 1e-4 · Σ p², then SGD with a rate falling from 1.0 by 0.009 a step.

    Returns the loss of each step and the fraction of samples the trained model puts on the
    right side of 0. Only micrograd's API is used, so any engine and `MLP` can run it.
    """
    losses = []
    for step in range(steps):
        scores = [model([Value(a) for a in row]) for row in X]
        hinge = [(1 + -label * score).relu() for label, score in zip(y, scores)]
        loss = sum(hinge) * (1.0 / len(hinge)) + 1e-4 * sum(p * p for p in model.parameters())
        model.zero_grad()
        loss.backward()
        for p in model.parameters():
            p.data -= (1.0 - 0.9 * step / 100) * p.grad
        losses.append(loss.data)
    scores = [model([Value(a) for a in row]) for row in X]
    right = [(label > 0) == (score.data > 0) for label, score in zip(y, scores)]
    return losses, sum(right) / len(right)


MICROGRAD_ACCURACY = 0.99  # micrograd 0.1.0 on moons() from random.seed(1337): see __main__


def test_micrograds_demo_trains_on_nn_with_only_the_import_changed():
    """100 steps of micrograd's demo on `nn.MLP(2, [16, 16, 1])`: our defaults (ReLU hidden
    layers, linear output, as micrograd's) and our initial weights. Ours reaches 1.0."""
    X, y = moons()
    random.seed(1337)
    model = nn.MLP(2, [16, 16, 1])
    losses, accuracy = max_margin_training(model, Value, X, y, steps=100)
    assert accuracy >= MICROGRAD_ACCURACY
    assert losses[-1] < losses[0] / 10


def test_micrograds_demo_takes_the_same_steps_on_nn_from_the_same_weights():
    """Given micrograd's initial weights, our network is micrograd's network: the same loss at
    every step and the same weights at the end, so a full run differs only by the
    initialisation. (On 30 of the points: micrograd takes seconds a step on all of them.)"""
    X, y = (part[:30] for part in moons())
    random.seed(1337)
    theirs = micrograd_nn.MLP(2, [16, 16, 1])
    ours = nn.MLP(2, [16, 16, 1])
    _copy_weights(theirs, ours)
    their_losses, _ = max_margin_training(theirs, micrograd_engine.Value, X, y, steps=3)
    our_losses, _ = max_margin_training(ours, Value, X, y, steps=3)
    assert our_losses == pytest.approx(their_losses, rel=1e-12)
    assert _weights(ours) == pytest.approx(_weights(theirs), rel=1e-12, abs=1e-15)


def test_random_seed_fixes_the_weights_and_leaves_the_generator_where_micrograd_does():
    """Without a seed the weights come from Python's global `random`, one draw per weight."""
    random.seed(1337)
    first = nn.MLP(2, [16, 16, 1]).state_dict()
    after_ours = random.random()
    random.seed(1337)
    assert nn.MLP(2, [16, 16, 1]).state_dict() == first
    random.seed(1338)
    assert nn.MLP(2, [16, 16, 1]).state_dict() != first

    random.seed(1337)
    micrograd_nn.MLP(2, [16, 16, 1])
    assert random.random() == after_ours  # what the program draws next is what it drew before


def test_a_seeded_model_neither_reads_nor_moves_the_global_generator():
    random.seed(1)
    state = nn.MLP(2, [3, 1], seed=5).state_dict()
    next_draw = random.random()
    random.seed(2)
    assert nn.MLP(2, [3, 1], seed=5).state_dict() == state
    random.seed(1)
    nn.MLP(2, [3, 1], seed=5)
    assert random.random() == next_draw


@pytest.mark.parametrize("nouts", [[1], [4, 1], [3, 4, 1], [2], [4, 3]])
def test_one_output_is_a_value_several_are_a_list_as_in_micrograd(nouts):
    random.seed(0)
    theirs = micrograd_nn.MLP(3, nouts)
    ours = nn.MLP(3, nouts)
    _copy_weights(theirs, ours)
    x = [2.0, 3.0, -1.0]
    their_out, our_out = theirs(x), ours(x)
    if nouts[-1] == 1:
        assert isinstance(our_out, Value)
        assert our_out.data == pytest.approx(their_out.data, rel=1e-12)
    else:
        assert isinstance(our_out, list) and len(our_out) == len(their_out) == nouts[-1]
        assert [o.data for o in our_out] == pytest.approx([o.data for o in their_out], rel=1e-12)


def test_a_one_output_network_is_used_as_micrograd_users_use_it():
    model = nn.MLP(3, [4, 4, 1], seed=0)
    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0]]
    ys = [1.0, -1.0, -1.0]
    loss = sum((yout - ygt) ** 2 for ygt, yout in zip(ys, [model(x) for x in xs]))
    loss.backward()
    assert all(p.grad != 0 for p in model.layers[-1].parameters())
    model(xs[0]).backward()
    assert draw_graph(model(xs[0])).source.startswith("digraph")
    assert isinstance(nn.Layer(3, 1)(xs[0]), Value)
    assert len(nn.Layer(3, 2)(xs[0])) == 2


def test_a_one_node_layer_feeds_the_next_and_one_input_may_come_bare():
    """micrograd cannot chain a one-neuron hidden layer (its output is not a list); ours can."""
    model = nn.MLP(1, [1, 3, 1], seed=0)
    by_layers = model.layers[2](model.layers[1](model.layers[0]([0.5])))
    assert model(0.5).data == model([0.5]).data == by_layers.data
    with pytest.raises(TypeError, match="Layer: expected a list of 2"):
        nn.Layer(2, 3)(Value(0.5))


@pytest.mark.parametrize("nonlin", [True, False])
def test_nonlin_is_micrograds_relu_or_linear(nonlin):
    x = [2.0, -3.0, 0.5]
    random.seed(3)
    their_layer, their_neuron = micrograd_nn.Layer(3, 4, nonlin=nonlin), micrograd_nn.Neuron(3)
    our_layer, our_neuron = nn.Layer(3, 4, nonlin=nonlin), nn.Neuron(3)
    _copy_weights(their_layer, our_layer)
    _copy_weights(their_neuron, our_neuron)
    assert our_layer.activation == ("relu" if nonlin else "linear")
    assert [o.data for o in our_layer(x)] == pytest.approx([o.data for o in their_layer(x)])
    assert our_neuron.activation == "relu"  # micrograd's default, nonlin=True
    for n in (1.0, -1.0):  # the relu shows on either side of 0
        our_neuron.b.data = their_neuron.b.data = n * 10
        assert our_neuron(x).data == pytest.approx(their_neuron(x).data)


@pytest.mark.parametrize("call, message", [
    (lambda: nn.Neuron(3, "tanh", nonlin=True),
     "Neuron: give activation='tanh' or micrograd's nonlin=True, not both"),
    (lambda: nn.Layer(3, 4, activation="relu", nonlin=False), "Layer: give activation='relu' or"),
    (lambda: nn.Neuron(3, nonlin="yes"),
     r"Neuron: nonlin must be True \(relu\) or False \(linear\), got 'yes'"),
    (lambda: nn.Neuron(3, False), "nonlin=False"),
])
def test_activation_and_nonlin_are_not_given_together(call, message):
    with pytest.raises(TypeError, match=message):
        call()


def _copy_weights(source, target) -> None:
    """micrograd's and our parameters come in the same order: each neuron's w, then its b."""
    assert len(source.parameters()) == len(target.parameters())
    for theirs, ours in zip(source.parameters(), target.parameters()):
        ours.data = theirs.data


def _weights(model) -> list[float]:
    return [p.data for p in model.parameters()]


if __name__ == "__main__":  # the full demo on micrograd itself takes a minute or more
    X, y = moons()
    for name, MLP, V in [("micrograd", micrograd_nn.MLP, micrograd_engine.Value),
                         ("nn", nn.MLP, Value)]:
        random.seed(1337)
        losses, accuracy = max_margin_training(MLP(2, [16, 16, 1]), V, X, y, steps=100)
        print(f"{name}: final loss {losses[-1]:.4f}, accuracy {accuracy:.2f}")
