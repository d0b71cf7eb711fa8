"""`Layer`: `nout` neurons reading the same inputs, sharing one activation g^(l)."""

from __future__ import annotations

import random
from collections.abc import Sequence

from autodiff import Value

from . import _validate
from .activations import check_activation
from .module import Module
from .neuron import Neuron
from .notation import input_name


class Layer(Module):
    """`layer.neurons[j - 1].w[k - 1]` is w_jk: the weight into neuron j from input k."""

    def __init__(
        self, nin: int, nout: int, activation: str = "tanh", seed: int | None = None
    ) -> None:
        _validate.positive_int(nin, "nin", "Layer")
        _validate.positive_int(nout, "nout", "Layer")
        self.activation = check_activation(activation, "Layer")
        rng = random.Random(_validate.seed(seed, "Layer"))
        self.neurons = [
            Neuron(nin, activation, seed=rng.getrandbits(64), fan_out=nout) for _ in range(nout)
        ]
        self.name_parameters()

    def name_parameters(self, layer: int | None = None) -> None:
        """Name each neuron's values in the backpropagation notation, as layer `layer`."""
        for j, neuron in enumerate(self.neurons, 1):
            neuron.name_parameters(layer, j)

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    def __call__(self, x: Sequence[Value | float]) -> list[Value]:
        """Every neuron's output. Numbers become input nodes x1, x2, … once, shared by all the
        neurons, so the graph shows one a_k^(l-1) feeding each neuron (not a copy per neuron)."""
        _validate.inputs(x, self.nin, "Layer")
        x = [xk if isinstance(xk, Value) else Value(xk, name=input_name(k))
             for k, xk in enumerate(x, 1)]
        return [neuron(x) for neuron in self.neurons]

    def __repr__(self) -> str:
        return f"Layer({self.nin}, {len(self.neurons)}, activation={self.activation!r})"
