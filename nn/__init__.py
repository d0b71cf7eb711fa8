"""nn: neural networks built only from `autodiff.Value` operations.

Backpropagation is not written here: a model's loss is an ordinary expression graph and
`backward()` differentiates it. The four backpropagation equations, derived by hand, live in
`nn.reference`, only to check the engine against.
"""

from . import data, losses, plot, reference
from .layer import Layer
from .mlp import MLP
from .module import Module, functional_call
from .neuron import Neuron
from .optim import SGD, Adam, Optimizer
from .pytorch import from_torch, to_torch
from .serialize import load, save
from .train import accuracy, batch_loss, fit

__all__ = [
    "MLP",
    "SGD",
    "Adam",
    "Layer",
    "Module",
    "Neuron",
    "Optimizer",
    "accuracy",
    "batch_loss",
    "data",
    "fit",
    "from_torch",
    "functional_call",
    "load",
    "losses",
    "plot",
    "reference",
    "save",
    "to_torch",
]
