"""autodiff: a scalar reverse-mode automatic differentiation engine.

A `Value` records its parents and its local derivatives; `backward()` applies the chain rule
over the graph in reverse topological order.
"""

from importlib.metadata import version as _installed_version

from . import testing
from .anomaly import AnomalyError, detect_anomaly
from .functional import grad, hessian, value_and_grad
from .gradcheck import gradcheck
from .graph import backpropagate, topological_order
from .mode import is_grad_enabled, no_grad
from .partials import check_partials
from .primitive import primitive
from .render import draw_graph
from .report import GradcheckError, Report
from .stepper import step_through, write_step_svgs
from .steps import Step, backward_steps
from .value import Op, Value, weighted_sum

__version__ = _installed_version("autodiff-scalar")  # pyproject.toml's, as pip installed it

__all__ = [
    "AnomalyError",
    "GradcheckError",
    "Op",
    "Report",
    "Step",
    "Value",
    "backpropagate",
    "backward_steps",
    "check_partials",
    "detect_anomaly",
    "draw_graph",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "no_grad",
    "primitive",
    "step_through",
    "testing",
    "topological_order",
    "value_and_grad",
    "weighted_sum",
    "write_step_svgs",
]
