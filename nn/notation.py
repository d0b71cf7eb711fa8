"""What `nn` calls the values it makes, in the backpropagation notation, and where drawings box
them.

w_jk^(l) is the weight into neuron j of layer l from neuron k of layer l − 1, b_j^(l) its bias,
z_j^(l) its weighted input and a_j^(l) its activation, all boxed as ("layer l", "neuron j");
x_k are the inputs, y_j the targets, C₀ the cost of one sample (C_i that of
sample i of a batch) and C the mean cost of a batch. Indices of the network are 1-based, as in
the notation; samples are counted from 0, so a lone sample's cost is C₀.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, cached_property

from autodiff.rules import SUBSCRIPT as _SUB
from autodiff.rules import SUPERSCRIPT as _SUP

SAMPLE_COST = "C₀"  # the cost of one sample; in a batch, sample i's is C_i
BATCH_COST = "C"


def symbol(letter: str, *indices: int | None, layer: int | None = None) -> str:
    """`letter` with its indices below and its layer above: w₁₂⁽¹⁾, b₃, x₂, w₁₀,₂⁽³⁾ (a comma
    once an index has two digits)."""
    shown = [i for i in indices if i is not None]
    separator = "," if any(i > 9 for i in shown) else ""
    written = letter + separator.join(map(str, shown)).translate(_SUB)
    return written if layer is None else written + f"({layer})".translate(_SUP)


def sample_cost(i: int) -> str:
    """C_i, the cost of sample i of a batch (0-based, so a lone sample's is C₀)."""
    return symbol("C", i)


@cache  # a layer names its inputs at every call
def input_name(k: int) -> str:
    """x_k."""
    return symbol("x", k)


def target_name(j: int) -> str:
    """y_j."""
    return symbol("y", j)


@dataclass(frozen=True)
class Place:
    """Where a neuron sits: neuron `index` of layer `layer`, each None when it stands alone.

    Its names are worked out once: a neuron reads them at every call."""

    layer: int | None = None
    index: int | None = None

    def weight(self, k: int) -> str:
        return symbol("w", self.index, k, layer=self.layer)

    @cached_property
    def bias(self) -> str:
        return symbol("b", self.index, layer=self.layer)

    @cached_property
    def weighted_input(self) -> str:
        return symbol("z", self.index, layer=self.layer)

    @cached_property
    def activation(self) -> str:
        return symbol("a", self.index, layer=self.layer)

    @cached_property
    def group(self) -> tuple[str, ...]:
        """("layer l", "neuron j"), or as much of it as is known."""
        neuron = "neuron" if self.index is None else f"neuron {self.index}"
        return (neuron,) if self.layer is None else (f"layer {self.layer}", neuron)
