"""A full-batch training step written by hand on lists of floats: the physical limit of Python.

The same work as `nn.fit`'s step with `nn.losses.hinge` and `nn.SGD` on an MLP with relu hidden
layers and a linear output: forward pass, mean hinge loss, the four backpropagation equations,
gradient descent. No graph, no nodes, no calls per operation: what is left is Python's own cost
of each float operation, which a compiled replay cannot beat, only approach.
"""

from __future__ import annotations

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
    n = len(X)
    grads = [([[0.0] * len(W[0]) for _ in W], [0.0] * len(b)) for W, b in layers]
    last = len(layers) - 1
    total = 0.0
    for x, t in zip(X, y):
        activations = [x]
        for l, (W, b) in enumerate(layers):  # z = W a + b; a = relu(z), linear at the output
            a = activations[-1]
            z = [bj + sum([w * ak for w, ak in zip(row, a)]) for row, bj in zip(W, b)]
            activations.append(z if l == last else [zj if zj > 0.0 else 0.0 for zj in z])
        margin = 1.0 - t * activations[-1][0]
        if margin <= 0.0:
            continue  # relu(margin) is flat here: no loss, no gradient
        total += margin
        delta = [-t / n]  # ∂E/∂z at the output: the mean's 1/n times ∂relu(1 − t s)/∂s
        for l in range(last, -1, -1):
            W, _ = layers[l]
            gW, gb = grads[l]
            a = activations[l]
            for j, dj in enumerate(delta):  # ∂E/∂w_jk = δ_j a_k, ∂E/∂b_j = δ_j
                row = gW[j]
                for k, ak in enumerate(a):
                    row[k] += dj * ak
                gb[j] += dj
            if l:  # δ^(l-1) = (W^l)ᵀ δ^l ⊙ relu'(z^(l-1))
                delta = [
                    sum([W[j][k] * delta[j] for j in range(len(delta))]) if ak > 0.0 else 0.0
                    for k, ak in enumerate(a)
                ]
    for (W, b), (gW, gb) in zip(layers, grads):
        for row, grow in zip(W, gW):
            for k, g in enumerate(grow):
                row[k] -= lr * g
        for j, g in enumerate(gb):
            b[j] -= lr * g
    return total / n
