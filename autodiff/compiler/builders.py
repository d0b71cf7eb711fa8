"""Node builders generated from the table: `value.build`, specialised to one primitive.

The usual operators (+ − × ÷, tanh, relu, …) run once per operation, so each runs a builder
written at import from its table entry: the entry's forward function and derivative rule traced
into expressions (`tracing.py`, as `compile` does; a rule that cannot be traced is called), put
into the steps `build` takes, in the same order. `build` stays the general builder and the
reference: tests compare every generated builder with it to the bit.
"""

from __future__ import annotations

import os
from collections.abc import Callable

from ..mode import PLAIN, current
from ..rules import Primitive
from ..value import Value, _new, _report, operand
from .codegen import Code

_UNPACK = {
    1: "    x = a.data\n",
    2: "    if type(a) is not Value or type(b) is not Value:  # a number beside a Value\n"
       "        a, b = operand(a, NAME), operand(b, NAME)\n"
       "    x, y = a.data, b.data\n",
}
_TEMPLATE = """def build({arguments}):
{unpack}    data = {forward}
    mode = current()
    local_grads = {local_grads} if mode.grad_enabled else None
    node = _new(Value)
    node.data = data
    node.grad = 0.0
    node.name = node._walk = None
    if local_grads is None:
        node.parents = node.local_grads = ()
        node.primitive = None
    else:
        node.parents = {parents}
        node.local_grads = local_grads
        node.primitive = PRIMITIVE
    if mode is not PLAIN:
        _report(mode, PRIMITIVE, node, {parents})
    return node
"""


def generated_builder(primitive: Primitive) -> Callable[..., Value]:
    """`lambda *parents: build(primitive, parents)` for a primitive of one or two inputs,
    written out with its forward pass and local derivatives inline."""
    arity = primitive.arity
    if arity not in _UNPACK:
        raise ValueError(f"a builder is generated for 1 or 2 inputs, not {arity} ({primitive})")
    code = Code()
    names = ("x", "y")[:arity]
    rule = code.derivative(primitive, arity)
    if rule is None:
        local_grads = code.call(primitive.derivative, [*names, "data"])
    else:
        items = [symbol.text.format(*names, "data") for symbol in rule]
        local_grads = f"({', '.join(items)},)"
    parents = ("a", "b")[:arity]
    source = _TEMPLATE.format(
        arguments=", ".join(parents),
        unpack=_UNPACK[arity],
        forward=code.forward(primitive, arity).format(*names),
        local_grads=local_grads,
        parents=f"({', '.join(parents)},)",
    )
    namespace = code.namespace
    namespace.update(type=type, Value=Value, _new=_new, _report=_report, operand=operand,
                     current=current, PLAIN=PLAIN, PRIMITIVE=primitive, NAME=primitive.name)
    # named inside the package, so that detect_anomaly looks past it for the user's line
    where = os.path.join(os.path.dirname(os.path.abspath(__file__)), f"<build {primitive.name}>")
    exec(compile(source, where, "exec"), namespace)
    builder = namespace["build"]
    builder.primitive = primitive
    builder.source = source
    return builder
