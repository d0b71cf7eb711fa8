"""The activation functions g^(l), applied with the engine's own operations.

Each also sets how widely a neuron's initial weights are spread (`init_limit`), because the
scale that keeps signals and gradients alive depends on the activation.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autodiff import Value

APPLY: dict[str, Callable[[Value], Value]] = {
    "tanh": Value.tanh,
    "sigmoid": Value.sigmoid,
    "relu": Value.relu,
    "linear": lambda z: z,  # adds no node: a is z itself
}

ACTIVATIONS: tuple[str, ...] = tuple(APPLY)


def check_activation(name: object, where: str) -> str:
    """`name` if it is a known activation; a ValueError listing the valid ones otherwise."""
    if name not in APPLY:
        raise ValueError(f"{where}: unknown activation {name!r}; choose one of {ACTIVATIONS}")
    return name


def choose_activation(activation: object, nonlin: object, where: str) -> str:
    """The activation named by ours (`activation=`, relu by default as in micrograd) or by
    micrograd's `nonlin=` (True: relu, False: linear), refusing both at once."""
    if isinstance(activation, bool):
        raise TypeError(
            f"{where}: activation must be a name such as 'relu', got {activation!r}; "
            f"micrograd's flag is a keyword: nonlin={activation!r}"
        )
    if nonlin is None:
        return check_activation("relu" if activation is None else activation, where)
    if activation is not None:
        raise TypeError(
            f"{where}: give activation={activation!r} or micrograd's nonlin={nonlin!r}, not both"
        )
    if nonlin not in (True, False):
        raise TypeError(f"{where}: nonlin must be True (relu) or False (linear), got {nonlin!r}")
    return "relu" if nonlin else "linear"


def activate(z: Value, name: str) -> Value:
    """a = g(z)."""
    return APPLY[name](z)


def init_limit(name: str, fan_in: int, fan_out: int) -> float:
    """The half-width of the uniform initial weights.

    Glorot/Xavier, sqrt(6 / (fan_in + fan_out)), for tanh, sigmoid and linear (keeps the
    variance of activations and of gradients about constant across layers); He,
    sqrt(6 / fan_in), for relu, which zeroes half of its inputs.
    """
    if name == "relu":
        return math.sqrt(6.0 / fan_in)
    return math.sqrt(6.0 / (fan_in + fan_out))
