"""`Neuron`: a_j = g(z_j), z_j = Σ_k w_jk x_k + b_j, built from `Value` operations."""

from __future__ import annotations

from autodiff import Value, weighted_sum

from . import _rng, _validate
from .activations import APPLY, choose_activation, init_limit
from .module import Module
from .notation import Place


class Neuron(Module):
    """One unit: weights `w` (one per input), bias `b`, activation `activation`.

    The activation is named (relu by default, as micrograd's), or given as micrograd's
    `nonlin` (True: relu, False: linear). Weights start uniform in ±`init_limit` for the
    activation (Glorot for tanh, sigmoid and linear, He for relu), with `fan_out` the width of
    the layer it belongs to; the bias starts at 0. The same `seed` gives the same weights;
    without one they come from Python's global `random`, so `random.seed` fixes them.
    """

    def __init__(
        self,
        nin: int,
        activation: str | None = None,
        seed: int | None = None,
        *,
        nonlin: bool | None = None,
        fan_out: int = 1,
    ) -> None:
        _validate.positive_int(nin, "nin", "Neuron")
        _validate.positive_int(fan_out, "fan_out", "Neuron")
        self.activation = choose_activation(activation, nonlin, "Neuron")
        uniform = _rng.uniform(seed, "Neuron")
        limit = init_limit(self.activation, nin, fan_out)
        self.w = [Value(uniform(-limit, limit)) for _ in range(nin)]
        self.b = Value(0.0)
        self.name_parameters()

    def name_parameters(self, layer: int | None = None, index: int | None = None) -> None:
        """Name the weights and bias w_jk^(l), b_j^(l), and the z_j^(l) and a_j^(l) each call
        makes, boxed as neuron j (`index`) of layer l (`layer`), for drawings and reports.
        A layer or network calls it with the neuron's place in it."""
        self.place = Place(layer, index)
        for k, w in enumerate(self.w, 1):
            w.name, w.group = self.place.weight(k), self.place.group
        self.b.name, self.b.group = self.place.bias, self.place.group

    def weighted_input(self, x: _validate.Inputs) -> Value:
        """z = Σ_k w_k x_k + b, one node of the engine whose edges carry ∂z/∂w_k = x_k and
        ∂z/∂x_k = w_k."""
        return weighted_sum(self.w, _validate.inputs(x, len(self.w), "Neuron"), self.b)

    def __call__(self, x: _validate.Inputs) -> Value:
        return self.activate(self.weighted_input(x))

    def activate(self, z: Value) -> Value:
        """a = g(z), from this neuron's z (a layer makes all its neurons' z at once): the one
        place where a neuron's values are named and activated."""
        place = self.place
        z.name, z.group = place.weighted_input, place.group
        a = APPLY[self.activation](z)
        a.name, a.group = place.activation, place.group  # a linear a is z itself
        return a

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"
