"""`Layer`: `nout` neurons reading the same inputs, sharing one activation g^(l)."""

from __future__ import annotations

import numpy as np

from autodiff import Value, weighted_sums

from . import _rng, _validate
from .activations import choose_activation
from .module import Module
from .neuron import Neuron
from .notation import input_name


class Layer(Module):
    """`layer.neurons[j - 1].w[k - 1]` is w_jk: the weight into neuron j from input k.

    The activation is named (relu by default) or given as micrograd's `nonlin`, as for `Neuron`.
    """

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str | None = None,
        seed: int | None = None,
        *,
        nonlin: bool | None = None,
    ) -> None:
        _validate.positive_int(nin, "nin", "Layer")
        _validate.positive_int(nout, "nout", "Layer")
        self.activation = choose_activation(activation, nonlin, "Layer")
        self.neurons = [
            Neuron(nin, self.activation, neuron_seed, fan_out=nout)
            for neuron_seed in _rng.seeds(seed, nout, "Layer")
        ]
        self.name_parameters()

    def name_parameters(self, layer: int | None = None) -> None:
        """Name each neuron's values in the backpropagation notation, as layer `layer`."""
        for j, neuron in enumerate(self.neurons, 1):
            neuron.name_parameters(layer, j)

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    def weight_matrix(self) -> np.ndarray:
        """w^(l) as Nielsen's book holds it: an (n_l × n_(l−1)) array whose [j − 1, k − 1] is
        w_jk^(l). A copy of the numbers: change the layer with `set_matrices`."""
        return np.array([[w.data for w in neuron.w] for neuron in self.neurons], dtype=float)

    def biases(self) -> np.ndarray:
        """b^(l) as the book holds it: an (n_l × 1) column (a copy of the numbers)."""
        return np.array([[neuron.b.data] for neuron in self.neurons], dtype=float)

    def set_matrices(self, weights: object, biases: object) -> None:
        """Set w^(l) and b^(l) from the book's matrices (nested lists or arrays; the biases a
        list, a 1-D array or a column), all checked before anything changes."""
        n_out, n_in = len(self.neurons), self.nin
        w = _validate.matrix(weights, "weights", "Layer.set_matrices")
        if w.shape != (n_out, n_in):
            raise ValueError(
                f"Layer.set_matrices: weights must be ({n_out} × {n_in}) for {n_out} neurons "
                f"of {n_in} inputs, got {w.shape}"
            )
        b = _validate.matrix(biases, "biases", "Layer.set_matrices")
        if b.shape not in ((n_out,), (n_out, 1)):
            raise ValueError(
                f"Layer.set_matrices: biases must hold {n_out} numbers ({n_out},) or "
                f"({n_out}, 1), got {b.shape}"
            )
        for neuron, row, bias in zip(self.neurons, w.tolist(), b.reshape(-1).tolist()):
            for weight, value in zip(neuron.w, row):
                weight.data = value
            neuron.b.data = bias

    def __call__(self, x: _validate.Inputs) -> Value | list[Value]:
        """Every neuron's output; a one-neuron layer's output itself, as micrograd's layer gives it.

        Numbers become input nodes x₁, x₂, … once, shared by all the neurons, so the graph shows
        one a_k^(l-1) feeding each neuron (not a copy per neuron).
        """
        x = _validate.inputs(x, self.nin, "Layer")
        x = [xk if isinstance(xk, Value) else Value(xk, name=input_name(k))
             for k, xk in enumerate(x, 1)]
        neurons = self.neurons
        z = weighted_sums([n.w for n in neurons], x, [n.b for n in neurons])
        out = [neuron.activate(zj) for neuron, zj in zip(neurons, z)]
        return out[0] if len(out) == 1 else out

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {len(self.neurons)}, activation={self.activation!r})"
