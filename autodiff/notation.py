"""How nodes, operations and numbers are written, so the step text and the drawing agree.

Nodes are called by their `name`; parameters named by `nn` ("layers.0.neurons.1.w.2") are
written in the backpropagation notation, 1-based (w₂₃⁽¹⁾: into neuron 2 of layer 1 from input 3);
unnamed nodes get v<i>, i their position in topological order; an unnamed output is L.
"""

from __future__ import annotations

import math
import re
from typing import NamedTuple, Sequence

from .value import Value, _data

_SUB = str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉")
_SUP = str.maketrans("0123456789-()", "⁰¹²³⁴⁵⁶⁷⁸⁹⁻⁽⁾")

_PARAMETER = re.compile(
    r"(?:(?:layers\.(?P<layer>\d+)\.)?neurons\.(?P<neuron>\d+)\.)?(?:w\.(?P<input>\d+)|b)"
)


class Parameter(NamedTuple):
    """Where an `nn` parameter sits: 1-based layer and neuron (None when not part of one)."""

    layer: int | None
    neuron: int | None
    symbol: str


def parameter(name: str | None) -> Parameter | None:
    """An `nn` parameter name read as w_jk^(l) or b_j^(l), or None for any other name."""
    match = _PARAMETER.fullmatch(name or "")
    if match is None:
        return None
    layer, neuron, k = (
        None if i is None else int(i) + 1 for i in match.group("layer", "neuron", "input")
    )
    indices = [i for i in (neuron, k) if i is not None]
    separator = "," if any(i > 9 for i in indices) else ""
    symbol = ("b" if k is None else "w") + separator.join(map(str, indices)).translate(_SUB)
    if layer is not None:
        symbol += f"({layer})".translate(_SUP)
    return Parameter(layer, neuron, symbol)


def parameters(order: Sequence[Value]) -> dict[Value, Parameter]:
    """The `nn` parameters among `order`'s nodes.

    A bare "b" is a stand-alone neuron's bias only beside that neuron's weights "w.<k>";
    otherwise it is just a variable called b.
    """
    found = {node: p for node in order if (p := parameter(node.name)) is not None}
    if not any(node.name.startswith("w.") for node in found):
        found = {node: p for node, p in found.items() if node.name != "b"}
    return found


def node_names(order: Sequence[Value]) -> dict[Value, str]:
    """The name each node of a graph in topological `order` (output last) is shown with."""
    params = parameters(order)
    names = {}
    for i, node in enumerate(order):
        if node in params:
            names[node] = params[node].symbol
        elif node.name is not None:
            names[node] = node.name
        else:
            names[node] = "L" if i == len(order) - 1 else f"v{i}"
    return names


def expression(node: Value, names: dict[Value, str]) -> str:
    """How `node` was computed from its parents, in their names: "x × y", "tanh(n)", "a²",
    as its primitive's notation writes it."""
    return node.primitive.notation([names[p] for p in node.parents])


def number(x: float | Value) -> str:
    """`x` in at most 4 significant digits: 0.3333, 1.235e6, 2e-7, ∞, nan. A `Value` (a
    gradient built by `backward(create_graph=True)`) is shown by its data."""
    x = _data(x)
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "∞" if x > 0 else "-∞"
    mantissa, _, exponent = f"{x:.4g}".partition("e")
    return f"{mantissa}e{int(exponent)}" if exponent else mantissa


def factor(x: float) -> str:
    """`number(x)` fit to multiply by: (-3) in parentheses, so "0.5 · (-3)" reads right."""
    return f"({number(x)})" if x < 0 else number(x)
