"""`Neuron`: a_j = g(z_j), z_j = Σ_k w_jk x_k + b_j, built from `Value` operations."""

from __future__ import annotations

import random
from collections.abc import Sequence

from autodiff import Value, weighted_sum

from . import _validate
from .activations import activate, check_activation, init_limit
from .module import Module


class Neuron(Module):
    """One unit: weights `w` (one per input), bias `b`, activation `activation`.

    Weights start uniform in ±`init_limit` for the activation (Glorot for tanh, sigmoid and
    linear, He for relu), with `fan_out` the width of the layer it belongs to; the bias starts
    at 0. The same `seed` gives the same weights.
    """

    def __init__(
        self, nin: int, activation: str = "tanh", seed: int | None = None, *, fan_out: int = 1
    ) -> None:
        _validate.positive_int(nin, "nin", "Neuron")
        _validate.positive_int(fan_out, "fan_out", "Neuron")
        self.activation = check_activation(activation, "Neuron")
        rng = random.Random(_validate.seed(seed, "Neuron"))
        limit = init_limit(activation, nin, fan_out)
        self.w = [Value(rng.uniform(-limit, limit)) for _ in range(nin)]
        self.b = Value(0.0)
        self.name_parameters()

    def weighted_input(self, x: Sequence[Value | float]) -> Value:
        """z = Σ_k w_k x_k + b: the one place a neuron's forward pass is built, as one node
        of the engine whose edges carry ∂z/∂w_k = x_k and ∂z/∂x_k = w_k."""
        _validate.inputs(x, len(self.w), "Neuron")
        return weighted_sum(self.w, x, self.b)

    def __call__(self, x: Sequence[Value | float]) -> Value:
        return activate(self.weighted_input(x), self.activation)

    def __repr__(self) -> str:
        return f"Neuron({len(self.w)}, activation={self.activation!r})"
