"""How nodes, operations and numbers are written, so the step text and the drawing agree.

A node is called by its `name`. An unnamed node is called by what it is when that is short: a
constant by its number, an operation by its expression in its parents' names ("a₁ − y₁",
"x × 3"), or, when that is long, with its unnamed operands written … ("… + (a₂ − y₂)²", a sum
so far plus one more term). The unnamed output is L, and any other node v<i>, i its position
in topological order.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

from ..value import Value, data_of

SHORT = 24  # the longest expression used as a name
ELIDED = "…"  # an unnamed operand in a name that would be too long with it written out

# Parentheses only where precedence needs them: (x + y)², x × (y + z), −(x × y), as each
# primitive's `binding` says. A name, a function, tanh(x) or |x|, binds tightest.
_ATOM = 9


def is_constant(node: Value) -> bool:
    """A number the program wrote (the 1 in `x - 1`): an unnamed leaf, called by its number."""
    return not node.parents and node.name is None


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """The name each node of a graph in topological `order` (output last) is shown with."""
    names: dict[Value, str] = {}
    for i, node in enumerate(order):
        if node.name is not None:
            names[node] = node.name
        elif node is order[-1]:
            names[node] = "L"
        elif is_constant(node):
            names[node] = number(node.data)
        else:
            names[node] = _short(node, names) or f"v{i}"
    return names


def _short(node: Value, names: dict[Value, str]) -> str | None:
    """`node`'s expression if it is short, else with unnamed operands elided, longest first,
    until it is, as long as one operand is still written out."""
    unnamed = sorted({p for p in node.parents if p.name is None and p.parents},
                     key=lambda p: -len(names[p]))
    shown = {p: names[p] for p in node.parents}  # the names this expression reads, not all
    text = expression(node, shown)
    for operand in unnamed[: len(set(node.parents)) - 1]:
        if len(text) <= SHORT:
            break
        shown[operand] = ELIDED
        text = expression(node, shown)
    return text if len(text) <= SHORT else None


def expression(node: Value, names: dict[Value, str]) -> str:
    """How `node` was computed from its parents, in their names: "x × y", "tanh(n)", "(a − y)²",
    as its primitive's notation writes it, with the parentheses precedence needs."""
    binding = node.primitive.binding
    need, need_last = binding.operands, binding.last
    last = len(node.parents) - 1
    operands = []
    for i, parent in enumerate(node.parents):
        name = names[parent]
        looser = _tightness(parent, name) < (need_last if i == last else need)
        operands.append(f"({name})" if looser else name)
    return node.primitive.notation(operands)


def operand(node: Value, names: dict[Value, str]) -> str:
    """`node`'s name fit to differentiate by, as in ∂L/∂(a − y): in parentheses unless atomic."""
    name = names[node]
    return name if _tightness(node, name) == _ATOM else f"({name})"


def local(node: Value, parent: Value, names: dict[Value, str]) -> str:
    """∂node/∂parent written with the operation, ∂(x × y)/∂x: it never reads as a gradient of
    the output such as ∂L/∂x, even at the output itself."""
    written = expression(node, names)
    if node.primitive.binding.own != _ATOM:
        written = f"({written})"
    return f"∂{written}/∂{operand(parent, names)}"


def _tightness(node: Value, name: str) -> int:
    """How tightly `node` binds when written as `name`: as its operation when the name is its
    expression (unnamed and not v<i> or L), loosest for a negative constant, x × (-3), else
    atomically."""
    if node.name is not None or name.isidentifier() or name == ELIDED:
        return _ATOM
    if not node.parents:
        return 0 if name.startswith("-") else _ATOM
    return node.primitive.binding.own


def number(x: float | Value) -> str:
    """`x` in at most 4 significant digits: 0.3333, 1.235e6, 2e-7, ∞, nan. A `Value` (a
    gradient built by `backward(create_graph=True)`) is shown by its data."""
    x = data_of(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    mantissa, _, exponent = f"{x:.4g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def factor(x: float) -> str:
    """`number(x)` fit to multiply by: (-3) in parentheses, so "0.5 · (-3)" reads right."""
    return f"({number(x)})" if x < 0 else number(x)
