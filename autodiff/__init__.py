"""autodiff: a scalar reverse-mode automatic differentiation engine.

A `Value` records its parents and its local derivatives; `backward()` applies the chain rule
over the graph in reverse topological order.
"""

from .functional import grad, hessian, value_and_grad
from .graph import backpropagate, topological_order
from .mode import is_grad_enabled, no_grad
from .value import Op, Value

__all__ = [
    "Op",
    "Value",
    "backpropagate",
    "grad",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "topological_order",
    "value_and_grad",
]
