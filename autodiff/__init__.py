"""autodiff: a scalar reverse-mode automatic differentiation engine.

A `Value` records its parents and its local derivatives; `backward()` applies the chain rule
over the graph in reverse topological order.
"""

from . import testing
from .anomaly import AnomalyError, detect_anomaly
from .functional import grad, hessian, value_and_grad
from .gradcheck import gradcheck
from .graph import backpropagate, topological_order
from .mode import is_grad_enabled, no_grad
from .partials import check_partials
from .primitive import primitive
from .report import GradcheckError, Report
from .value import Op, Value

__all__ = [
    "AnomalyError",
    "GradcheckError",
    "Op",
    "Report",
    "Value",
    "backpropagate",
    "check_partials",
    "detect_anomaly",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "primitive",
    "testing",
    "topological_order",
    "value_and_grad",
]
