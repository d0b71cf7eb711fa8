"""The way on to PyTorch and back: an `MLP` as a `torch.nn.Sequential` of `Linear` layers and
activations, in float64, and such a module as an `MLP`.

PyTorch is optional (`pip install 'autodiff-scalar[torch]'`) and imported only when these are
called. A `Linear` layer's weight is (out × in), the book's w^(l), so the matrices pass as they
are.
"""

from __future__ import annotations

from typing import Any

from .mlp import MLP

# our activation name ↔ the name of PyTorch's module for it ("linear" adds no module)
_MODULES = {"tanh": "Tanh", "sigmoid": "Sigmoid", "relu": "ReLU"}
_NAMES = {module: name for name, module in _MODULES.items()}


def to_torch(model: MLP) -> Any:
    """`model` as `torch.nn.Sequential(Linear, activation, Linear, …)` with float64 weights
    equal to the model's: the same function, ready for PyTorch's training loops. The model
    and the module share nothing afterwards."""
    torch = _torch("to_torch")
    if not isinstance(model, MLP):
        raise TypeError(f"to_torch: takes an nn.MLP, got {type(model).__name__}")
    modules = []
    for layer in model.layers:
        linear = torch.nn.Linear(layer.nin, len(layer.neurons), dtype=torch.float64)
        with torch.no_grad():
            linear.weight.copy_(torch.from_numpy(layer.weight_matrix()))
            linear.bias.copy_(torch.from_numpy(layer.biases().reshape(-1)))
        modules.append(linear)
        if layer.activation != "linear":
            modules.append(getattr(torch.nn, _MODULES[layer.activation])())
    return torch.nn.Sequential(*modules)


def from_torch(module: Any) -> MLP:
    """The `MLP` computing what `module` computes: a `torch.nn.Sequential` of `Linear` layers,
    each followed by at most one of `Tanh`, `Sigmoid`, `ReLU` (or `Identity`), as `to_torch`
    makes them. Its weights are copied as float64 (exactly, from float32 or float64)."""
    torch = _torch("from_torch")
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(f"from_torch: takes a torch.nn.Sequential, got {type(module).__name__}")
    weights, biases, activations = [], [], []
    awaiting = False  # whether the last module was a Linear layer, which an activation may follow
    for child in module:
        kind = type(child).__name__
        if isinstance(child, torch.nn.Linear):
            weights.append(child.weight.detach().to(torch.float64).cpu().numpy())
            bias = child.bias
            biases.append([0.0] * child.out_features if bias is None
                          else bias.detach().to(torch.float64).cpu().numpy())
            activations.append("linear")
            awaiting = True
        elif kind in _NAMES or isinstance(child, torch.nn.Identity):
            if not awaiting:
                raise ValueError(f"from_torch: {kind} must follow a Linear layer, once")
            activations[-1] = _NAMES.get(kind, "linear")
            awaiting = False
        else:
            raise ValueError(
                f"from_torch: cannot translate {kind}; an MLP is Linear layers each followed by "
                f"at most one of {sorted(_NAMES)} or Identity"
            )
    if not weights:
        raise ValueError("from_torch: the module has no Linear layer")
    *hidden, output = activations
    return MLP.from_matrices(weights, biases, activation=hidden, output_activation=output)


def _torch(where: str) -> Any:
    try:
        import torch
    except ImportError:
        raise ImportError(
            f"nn.{where} needs PyTorch, an optional extra: pip install 'autodiff-scalar[torch]' "
            "(or, for the CPU build alone, pip install torch==2.13.0)"
        ) from None
    return torch
