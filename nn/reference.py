"""Backpropagation derived by hand and computed on plain floats.

This module exists only to check the engine: it reads an `MLP`'s numbers and applies the four
backpropagation equations for the costs in `COSTS`, sharing no code with `autodiff` (its
activation derivatives are written out here). Lists are indexed by layer as in the notation:
`z[l][j]` is z_j^(l) and `a[l][j]` is a_j^(l) for l = 1 … L, `a[0]` is the input; 0-based
within a layer (j − 1, k − 1).
With δ_j^(l) = ∂C/∂z_j^(l), the error of neuron j of layer l, for a cost C of the outputs:

    (BP1)  δ^(L) = ∂C/∂a^(L) ⊙ g'(z^(L))
    (BP2)  δ^(l) = (W^(l+1))ᵀ δ^(l+1) ⊙ g'(z^(l))
    (BP3)  ∂C/∂b_j^(l) = δ_j^(l)
    (BP4)  ∂C/∂w_jk^(l) = δ_j^(l) a_k^(l−1)
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from . import _validate
from .mlp import MLP

Vector = list[float]


def g(activation: str, z: float) -> float:
    """a = g(z) for the named activation."""
    if activation == "tanh":
        return math.tanh(z)
    if activation == "sigmoid":
        return 1.0 / (1.0 + math.exp(-z)) if z >= 0 else math.exp(z) / (1.0 + math.exp(z))
    if activation == "relu":
        return max(z, 0.0)
    if activation == "linear":
        return z
    raise ValueError(f"reference.g: unknown activation {activation!r}")


def g_prime(activation: str, z: float) -> float:
    """g'(z): 1 − tanh², σ(1 − σ), the step (0 at z = 0), or 1."""
    if activation == "tanh":
        return 1.0 - math.tanh(z) ** 2
    if activation == "sigmoid":
        s = g("sigmoid", z)
        return s * (1.0 - s)
    if activation == "relu":
        return 1.0 if z > 0 else 0.0
    if activation == "linear":
        return 1.0
    raise ValueError(f"reference.g_prime: unknown activation {activation!r}")


def weights(mlp: MLP) -> tuple[list[list[Vector]], list[Vector]]:
    """(W, b) as floats: W[l][j][k] = w_jk^(l), b[l][j] = b_j^(l); W[0], b[0] are empty."""
    W = [[]] + [[[w.data for w in n.w] for n in layer.neurons] for layer in mlp.layers]
    b = [[]] + [[n.b.data for n in layer.neurons] for layer in mlp.layers]
    return W, b


def forward(mlp: MLP, x: Sequence[float]) -> tuple[list[Vector], list[Vector]]:
    """(z, a), keeping every layer: z_j^(l) = Σ_k w_jk^(l) a_k^(l−1) + b_j^(l), a = g(z)."""
    W, b = weights(mlp)
    z: list[Vector] = [[]]
    a: list[Vector] = [[float(xk) for xk in _validate.array_as_list(x, "reference", "x")]]
    for l, layer in enumerate(mlp.layers, start=1):
        z.append([sum(w * ak for w, ak in zip(W[l][j], a[l - 1])) + b[l][j]
                  for j in range(len(W[l]))])
        a.append([g(layer.activation, zj) for zj in z[l]])
    return z, a


COSTS = ("sum_squared_error", "quadratic", "cross_entropy")
"""The costs C of one sample the reference knows, by the name of their loss in `nn.losses`:
Σ_j (a_j − y_j)² (the derivation's C₀), ½ Σ_j (a_j − y_j)² (Nielsen's quadratic cost) and
−Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)] (Nielsen's cross-entropy cost, the loss
`binary_cross_entropy(a, y, reduction="sum")`)."""


def cost_gradient(output: Vector, y: float | Sequence[float], cost: str) -> Vector:
    """∂C/∂a_j^(L): 2(a_j − y_j), a_j − y_j, or (a_j − y_j) / (a_j (1 − a_j))."""
    targets = _targets(output, y)
    if cost == "sum_squared_error":
        return [2.0 * (aj - yj) for aj, yj in zip(output, targets)]
    if cost == "quadratic":
        return [aj - yj for aj, yj in zip(output, targets)]
    if cost == "cross_entropy":
        for aj in output:
            if not 0 < aj < 1:
                raise ValueError(
                    f"reference: the cross-entropy cost needs outputs in (0, 1), got {aj!r}"
                )
        return [(aj - yj) / (aj * (1.0 - aj)) for aj, yj in zip(output, targets)]
    raise ValueError(f"reference: unknown cost {cost!r}; choose one of {COSTS}")


def output_error(mlp: MLP, z: list[Vector], a: list[Vector], y: float | Sequence[float],
                 cost: str) -> Vector:
    """δ^(L) by BP1, ∂C/∂a^(L) ⊙ g'(z^(L)); for the cross-entropy cost on sigmoid outputs the
    two factors' denominators cancel, a(1 − a), and δ^(L) = a^(L) − y (Nielsen, ch. 3)."""
    g_L = mlp.layers[-1].activation
    if cost == "cross_entropy" and g_L == "sigmoid":
        return [aj - yj for aj, yj in zip(a[-1], _targets(a[-1], y))]
    return [dC * g_prime(g_L, zj) for dC, zj in zip(cost_gradient(a[-1], y, cost), z[-1])]


def deltas(mlp: MLP, z: list[Vector], output_gradient: Sequence[float] | None = None, *,
           delta_L: Sequence[float] | None = None) -> list[Vector]:
    """δ[l][j] = ∂C/∂z_j^(l): δ^(L) given (`delta_L`, see `output_error`) or by BP1 from
    ∂C/∂a^(L) (`output_gradient`), then BP2 from the output backwards."""
    W, _ = weights(mlp)
    L = len(mlp.layers)
    g_of = [""] + [layer.activation for layer in mlp.layers]
    delta: list[Vector] = [[] for _ in range(L + 1)]
    if (output_gradient is None) == (delta_L is None):
        raise TypeError("reference.deltas: give output_gradient or delta_L, one of them")
    delta[L] = list(delta_L) if delta_L is not None else [
        dC * g_prime(g_of[L], zj) for dC, zj in zip(output_gradient, z[L])]
    for l in range(L - 1, 0, -1):
        delta[l] = [
            sum(W[l + 1][k][j] * delta[l + 1][k] for k in range(len(W[l + 1])))
            * g_prime(g_of[l], z[l][j])
            for j in range(len(z[l]))
        ]
    return delta


def gradients(mlp: MLP, x: Sequence[float], y: float | Sequence[float],
              cost: str = "sum_squared_error") -> dict[str, float]:
    """∂C/∂w_jk^(l) by BP4 and ∂C/∂b_j^(l) by BP3 for the cost of one sample (one of
    `COSTS`), keyed like `mlp.named_parameters()`."""
    z, a = forward(mlp, x)
    delta = deltas(mlp, z, delta_L=output_error(mlp, z, a, y, cost))
    grads = {}
    for l in range(1, len(delta)):
        for j, dj in enumerate(delta[l]):
            for k, ak in enumerate(a[l - 1]):
                grads[f"layers.{l - 1}.neurons.{j}.w.{k}"] = dj * ak
            grads[f"layers.{l - 1}.neurons.{j}.b"] = dj
    return grads


def activation_gradients(mlp: MLP, x: Sequence[float], y: float | Sequence[float],
                         cost: str = "sum_squared_error") -> list[Vector]:
    """∂C/∂a_k^(l) for l = 0 … L (the back in backprop): ∂C/∂a^(L) at the output (2(a − y)
    for C₀), and ∂C/∂a_k^(l−1) = Σ_j w_jk^(l) δ_j^(l) for each layer before it."""
    z, a = forward(mlp, x)
    output_gradient = cost_gradient(a[-1], y, cost)
    delta = deltas(mlp, z, delta_L=output_error(mlp, z, a, y, cost))
    W, _ = weights(mlp)
    return [
        [sum(W[l][j][k] * delta[l][j] for j in range(len(W[l]))) for k in range(len(a[l - 1]))]
        for l in range(1, len(delta))
    ] + [output_gradient]


def _targets(output: Vector, y: float | Sequence[float]) -> list[float]:
    y = _validate.array_as_list(y, "reference", "y")
    targets = list(y) if isinstance(y, Sequence) else [y]
    if len(targets) != len(output):
        raise ValueError(f"reference: {len(output)} outputs but {len(targets)} targets")
    return [float(t) for t in targets]
