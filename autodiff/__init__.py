"""autodiff: a scalar reverse-mode automatic differentiation engine.

A `Value` records its parents and its local derivatives; `backward()` applies the chain rule
over the graph in reverse topological order.
"""

from importlib.metadata import version as _installed_version

from . import testing
from .anomaly import AnomalyError, detect_anomaly
from .check.gradcheck import gradcheck
from .check.partials import check_partials
from .check.report import GradcheckError, Report
from .compiler.compiled import Compiled, CompileWarning, compile
from .draw.render import draw_dot, draw_graph
from .draw.stepper import step_through, stepper_html, write_step_svgs, write_stepper_html
from .draw.steps import Step, backward_steps
from .functional import grad, hessian, value_and_grad
from .graph import backpropagate, local_derivatives, topological_order
from .mode import enable_grad, is_grad_enabled, no_grad
from .primitive import primitive
from .rules import PRIMITIVES, Primitive, weighted_sum, weighted_sums
from .value import Value

__version__ = _installed_version("autodiff-scalar")  # pyproject.toml's, as pip installed it

__all__ = [
    "PRIMITIVES",
    "AnomalyError",
    "CompileWarning",
    "Compiled",
    "GradcheckError",
    "Primitive",
    "Report",
    "Step",
    "Value",
    "backpropagate",
    "backward_steps",
    "check_partials",
    "compile",
    "detect_anomaly",
    "draw_dot",
    "draw_graph",
    "enable_grad",
    "grad",
    "gradcheck",
    "hessian",
    "is_grad_enabled",
    "local_derivatives",
    "no_grad",
    "primitive",
    "step_through",
    "stepper_html",
    "testing",
    "topological_order",
    "value_and_grad",
    "weighted_sum",
    "weighted_sums",
    "write_step_svgs",
    "write_stepper_html",
]
