"""`detect_anomaly`: stop at the first NaN or infinity, naming the operation and the user's line.

A NaN shows up far from its cause: one `inf * 0` and every gradient downstream is NaN. Under
`detect_anomaly()` the engine checks each value it records (in `_record`) and each step of the
chain rule (in `graph.py`), and raises `AnomalyError` at the first non-finite number. While
the mode is on, each node it records keeps the file and line of the user's code that created
it (in the node's own attributes, so nothing is shared between threads), and an error in
`backward` can point back at the forward code. When the mode is off the engine pays one flag
check per node and keeps nothing. Like `no_grad`, the mode holds per thread and per task.
"""

from __future__ import annotations

import linecache
import math
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

from .mode import Switch
from .value import Partial, Value, data_of

if TYPE_CHECKING:
    from .rules import Primitive

Site = tuple[str, int, str]  # file, line, function

_PACKAGE = os.path.dirname(os.path.abspath(__file__)) + os.sep


class AnomalyError(FloatingPointError):
    """The first NaN or infinity: `.op` made it from `.inputs`; `.site` is where, or None."""

    def __init__(self, message: str, op: str, inputs: Sequence[float], site: Site | None):
        super().__init__(message)
        self.op = op
        self.inputs = tuple(inputs)
        self.site = site


class detect_anomaly(Switch):
    """Raise `AnomalyError` at the first NaN or infinity in a forward value, a local derivative
    or a backward gradient. Nests, restoring the previous state on exit; works as a decorator.
    Slow, meant for debugging; per thread and per task, like `no_grad`.
    """

    def changes(self) -> dict[str, object]:
        return {"anomaly": True}


def check_forward(primitive: Primitive, node: Value, parents: Sequence[Value]) -> None:
    """For `_record`: remember where `node` was made; refuse a non-finite value."""
    site = _user_site()
    if node.parents:
        node._anomaly_site = site
    if not math.isfinite(node.data):
        inputs = [p.data for p in parents]
        op = primitive.name
        raise _error(f"'{op}' produced {node.data} in the forward pass", op, inputs, site)


def check_backward(node: Value, local_grads: Sequence[Partial], gradient: Partial) -> None:
    """For the chain rule: refuse a non-finite gradient, local derivative or product."""
    g = data_of(gradient)
    for k, local in enumerate(local_grads):
        d = data_of(local)
        if not math.isfinite(g):
            problem = f"the gradient reaching '{node.op}' is {g}"
        elif not math.isfinite(d):
            problem = f"the local derivative of '{node.op}' with respect to input {k} is {d}"
        elif not math.isfinite(d * g):
            problem = f"the local derivative {d} of '{node.op}' times the gradient {g} overflows"
        else:
            continue
        inputs = [p.data for p in node.parents]
        site = getattr(node, "_anomaly_site", None)
        raise _error(f"{problem} in the backward pass", node.op, inputs, site)


def _user_site() -> Site | None:
    """The innermost frame outside the autodiff package: the user's line that made the node."""
    frame = sys._getframe()
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE):
        frame = frame.f_back
    if frame is None:
        return None
    return frame.f_code.co_filename, frame.f_lineno, frame.f_code.co_name


def _error(problem: str, op: str, inputs: Sequence[float], site: Site | None) -> AnomalyError:
    if site is None:
        where = "  created outside detect_anomaly(), so where is unknown"
    else:
        file, line, function = site
        source = linecache.getline(file, line).strip()
        where = f"  created at {file}:{line}, in {function}" + (f"\n    {source}" if source else "")
    shown = ", ".join(repr(x) for x in inputs)
    message = f"{problem}\n  operation: {op!s}\n  inputs:    {shown}\n{where}"
    return AnomalyError(message, str(op), inputs, site)
