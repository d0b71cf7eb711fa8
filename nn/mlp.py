"""`MLP`: layers in sequence, indexed as in the backpropagation notation (w_jk^(l), b_j^(l)).

    mlp.layers[l - 1].neurons[j - 1].w[k - 1]   is   w_jk^(l)
    mlp.layers[l - 1].neurons[j - 1].b          is   b_j^(l)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from autodiff import Value

from . import _rng, _validate
from .activations import check_activation
from .layer import Layer
from .module import Module


class MLP(Module):
    """A multilayer perceptron with `nin` inputs and one layer per entry of `nouts`.

    `activation` is g^(l) of the hidden layers: one name for all, or a list with one name per
    hidden layer; `output_activation` is g^(L). The defaults, ReLU hidden layers and a linear
    output, are micrograd's, so its programs build the same network with only the import
    changed; the linear output suits the losses on logits and margins
    (`binary_cross_entropy_with_logits`, `cross_entropy`, `hinge`), a sigmoid output
    `binary_cross_entropy` and Nielsen's network (`MLP.from_matrices` builds it from his
    matrices). Without a `seed`, the weights come from Python's global `random`.
    """

    def __init__(
        self,
        nin: int,
        nouts: Sequence[int],
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
        seed: int | None = None,
    ) -> None:
        _validate.positive_int(nin, "nin", "MLP")
        if isinstance(nouts, (str, bytes)) or not isinstance(nouts, Sequence) or not nouts:
            raise ValueError(f"MLP: nouts must be a non-empty list of layer widths, got {nouts!r}")
        for nout in nouts:
            _validate.positive_int(nout, "each layer width in nouts", "MLP")
        hidden = [activation] * (len(nouts) - 1) if isinstance(activation, str) else activation
        if not isinstance(hidden, Sequence) or len(hidden) != len(nouts) - 1:
            raise ValueError(
                f"MLP: activation must be one name or one per hidden layer "
                f"({len(nouts) - 1}), got {activation!r}"
            )
        activations = [check_activation(g, "MLP") for g in [*hidden, output_activation]]
        sizes = [nin, *nouts]
        layer_seeds = _rng.seeds(seed, len(nouts), "MLP")
        self.layers = [
            Layer(n_in, n_out, g, layer_seed)
            for n_in, n_out, g, layer_seed in zip(sizes, sizes[1:], activations, layer_seeds)
        ]
        self.name_parameters()

    @classmethod
    def from_matrices(
        cls,
        weights: Sequence[object],
        biases: Sequence[object],
        activation: str | Sequence[str] = "relu",
        output_activation: str = "linear",
    ) -> MLP:
        """The network whose w^(l) and b^(l) are `weights[l − 1]` and `biases[l − 1]`, in the
        shapes of Nielsen's book: w^(l) is (n_l × n_(l−1)), b^(l) a column (n_l × 1) or a
        list; nested lists or NumPy arrays. The activations are named as for `MLP` (for the
        book's network: `activation="sigmoid", output_activation="sigmoid"`).
        `[layer.weight_matrix() for layer in model.layers]` gives the weights back exactly.
        """
        if isinstance(weights, np.ndarray) or not isinstance(weights, Sequence) or not weights:
            raise ValueError("MLP.from_matrices: weights must be a non-empty list of matrices")
        if not isinstance(biases, Sequence) or len(biases) != len(weights):
            got = len(biases) if isinstance(biases, Sequence) else type(biases).__name__
            raise ValueError(
                f"MLP.from_matrices: {len(weights)} weight matrices need as many bias vectors, "
                f"got {got}"
            )
        shapes = [_validate.matrix(w, f"weights[{l}]", "MLP.from_matrices").shape
                  for l, w in enumerate(weights)]
        for l, shape in enumerate(shapes):
            expected = shapes[l - 1][0] if l else None
            if len(shape) != 2 or 0 in shape or (expected is not None and shape[1] != expected):
                raise ValueError(
                    f"MLP.from_matrices: weights[{l}] must be (n_{l + 1} × n_{l}) with n_{l} = "
                    f"{expected if expected is not None else 'the number of inputs'}, got {shape}"
                )
        model = cls(shapes[0][1], [shape[0] for shape in shapes], activation, output_activation,
                    seed=0)
        for l, (layer, w, b) in enumerate(zip(model.layers, weights, biases)):
            try:
                layer.set_matrices(w, b)
            except ValueError as error:
                raise ValueError(f"MLP.from_matrices: layer {l + 1}: {error}") from None
        return model

    def name_parameters(self) -> None:
        """Name every value in the backpropagation notation: layer l's neurons as layer l."""
        for number, layer in enumerate(self.layers, 1):
            layer.name_parameters(number)

    @property
    def nin(self) -> int:
        return self.layers[0].nin

    @property
    def nouts(self) -> list[int]:
        return [len(layer.neurons) for layer in self.layers]

    @property
    def activations(self) -> list[str]:
        """g^(1), …, g^(L)."""
        return [layer.activation for layer in self.layers]

    def __call__(self, x: _validate.Inputs) -> Value | list[Value]:
        """The outputs a^(L) for one sample `x`: a list, or the output itself when there is one
        (as micrograd's MLP gives it, so `model(x).backward()` works)."""
        x = _validate.inputs(x, self.nin, "MLP")
        for layer in self.layers:
            x = layer(x)
        return x

    def __repr__(self) -> str:
        return f"MLP({self.nin}, {self.nouts}, activations={self.activations!r})"
