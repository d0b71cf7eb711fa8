"""A full-batch training step written by hand on lists of floats: the physical limit of Python.

The same work as `nn.fit`'s step with `nn.losses.hinge` and `nn.SGD` on an MLP with relu hidden
layers and a linear output: forward pass, mean hinge loss, the four backpropagation equations,
gradient descent. No graph and no call per operation: each inner product is `sum(map(mul, …))`,
a loop that runs in C (1.4× faster than the same step written as a loop over samples), so
what is left is close to Python's own cost of the float operations.
"""

from __future__ import annotations

from operator import mul

Layer = tuple[list[list[float]], list[float]]  # W[j][k] (into neuron j from input k), b[j]


def from_model(model) -> list[Layer]:
    """The weights and biases of an `nn.MLP`, copied into lists."""
    return [
        ([[w.data for w in neuron.w] for neuron in layer.neurons],
         [neuron.b.data for neuron in layer.neurons])
        for layer in model.layers
    ]


def train_step(layers: list[Layer], X: list[list[float]], y: list[float], lr: float) -> float:
    """One step of gradient descent on the mean hinge loss over (X, y); the loss before it."""
    n, last = len(X), len(layers) - 1
    activations = [X]  # per layer, one list per sample: a^(0) = x, …, a^(L)
    for l, (W, b) in enumerate(layers):
        Z = [[sum(map(mul, row, a), bj) for row, bj in zip(W, b)] for a in activations[-1]]
        activations.append(Z if l == last else [[z if z > 0.0 else 0.0 for z in zs] for zs in Z])
    total, delta = 0.0, []  # δ^L = ∂E/∂z^L per sample: the mean's 1/n times ∂relu(1 − t s)/∂s
    for (s,), t in zip(activations[-1], y):
        margin = 1.0 - t * s
        total += margin if margin > 0.0 else 0.0
        delta.append([-t / n if margin > 0.0 else 0.0])
    for l in range(last, -1, -1):
        W, b = layers[l]
        A = activations[l]
        by_neuron, by_input = list(zip(*delta)), list(zip(*A))
        gW = [[sum(map(mul, dj, ak)) for ak in by_input] for dj in by_neuron]  # Σ δ_j a_k
        gb = [sum(dj) for dj in by_neuron]  # Σ δ_j
        if l:  # δ^(l-1) = (W^l)ᵀ δ^l ⊙ relu'(z^(l-1)), relu' read off a^(l-1) > 0
            columns = list(zip(*W))
            delta = [[sum(map(mul, c, d)) if ak > 0.0 else 0.0 for c, ak in zip(columns, a)]
                     for d, a in zip(delta, A)]
        for row, grow in zip(W, gW):
            row[:] = [w - lr * g for w, g in zip(row, grow)]
        b[:] = [bj - lr * g for bj, g in zip(b, gb)]
    return total / n
