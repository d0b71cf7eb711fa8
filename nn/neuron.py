"""`Neuron`: a_j = g(z_j), z_j = Σ_k w_jk x_k + b_j, built from `Value` operations."""

from __future__ import annotations

from autodiff import Value, weighted_sum

from . import _rng, _validate
from .activations import activate, choose_activation, init_limit
from .module import Module


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

    def weighted_input(self, x: _validate.Inputs) -> Value:
        """z = Σ_k w_k x_k + b: the one place a neuron's forward pass is built, as one node
        of the engine whose edges carry ∂z/∂w_k = x_k and ∂z/∂x_k = w_k."""
        return weighted_sum(self.w, _validate.inputs(x, len(self.w), "Neuron"), self.b)

    def __call__(self, x: _validate.Inputs) -> Value:
        return activate(self.weighted_input(x), self.activation)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"
