"""Losses of one sample, built from engine operations so their gradients come from `backward`.

Each takes the model's outputs (a `Value`, a list of them, or a NumPy array; plain numbers are
treated as constants) and the targets (a number, a list or a NumPy array, 1-D or an (n, 1)
column, one per output) and refuses mismatched lengths. A loss with a term per output takes
`reduction="sum"` (Σ_j, the book's cost of one sample) or `"mean"` (the average over the
outputs), as PyTorch's losses do; averaging over the n samples of a batch is `fit`'s job.

The numerically stable forms are primitives of the engine (`softplus`, `logsumexp`), not
branches on `.data`, so a loss compiled with `autodiff.compile` gives what it gives eagerly at
every input.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Integral, Real
from typing import Literal

import numpy as np

from autodiff import PRIMITIVES, Value

from . import _validate
from .notation import SAMPLE_COST, target_name

Prediction = Value | float | Sequence[Value | float]
Target = float | Sequence[float]
Reduction = Literal["sum", "mean"]

_SIGMOID, _SOFTPLUS, _LOG_SUM_EXP = (PRIMITIVES[name] for name in ("sigmoid", "softplus",
                                                                   "logsumexp"))


def quadratic(a: Prediction, y: Target, reduction: Reduction = "sum") -> Value:
    """C_x = ½ Σ_j (a_j − y_j)², the quadratic cost of one sample in Nielsen's book, whose
    gradient is a − y (`reduction="mean"`: ½ times the mean over the outputs)."""
    a, y = _pair(a, y, "quadratic", values=True)
    return _cost(_reduce([(aj - yj) ** 2 for aj, yj in zip(a, _named(y))], reduction,
                         "quadratic") * 0.5)


def sum_squared_error(prediction: Prediction, target: Target, reduction: Reduction = "sum"
                      ) -> Value:
    """C_0 = Σ_j (a_j − y_j)², the cost of one sample in the backpropagation derivation."""
    a, y = _pair(prediction, target, "sum_squared_error", values=True)
    return _cost(_reduce([(aj - yj) ** 2 for aj, yj in zip(a, _named(y))], reduction,
                         "sum_squared_error"))


def mse(prediction: Prediction, target: Target, reduction: Reduction = "mean") -> Value:
    """The mean over the outputs of (a_j − y_j)² (`reduction="sum"`: their sum)."""
    a, y = _pair(prediction, target, "mse", values=True)
    return _cost(_reduce([(aj - yj) ** 2 for aj, yj in zip(a, _named(y))], reduction, "mse"))


def hinge(prediction: Prediction, target: Target, reduction: Reduction = "mean") -> Value:
    """The max-margin loss: the mean over the outputs of max(0, 1 − t_j s_j).

    Labels may be −1/+1 or 0/1 (0 is read as −1), so the same 0/1 labels serve every loss.
    """
    s, y = _pair(prediction, target, "hinge", values=True)
    signs = [yj if isinstance(yj, Value) else _sign(yj) for yj in y]  # a Value: a sign already
    margins = [(1 - sj * tj).relu() for sj, tj in zip(s, signs)]
    return _cost(_reduce(margins, reduction, "hinge"))


def _sign(label: float) -> float:
    """A hinge label as the sign it stands for: +1 for 1, −1 for 0 and −1."""
    if label not in (-1, 0, 1):
        raise ValueError(f"hinge: labels must be -1, 0 or 1, got {label!r}")
    return 1.0 if label == 1 else -1.0


def _signs(labels: np.ndarray) -> np.ndarray:
    """Hinge labels as their signs, an array at a time (see `_sign`)."""
    bad = ~np.isin(labels, (-1.0, 0.0, 1.0))
    if bad.any():
        raise ValueError(f"hinge: labels must be -1, 0 or 1, got {labels[bad][0]!r}")
    return np.where(labels == 1.0, 1.0, -1.0)


# What compiled training (nn.compiled) may replay these losses on: targets that are inputs of
# its recording (an array of a batch's targets), as the numbers each loss reads them as; the
# losses that only do arithmetic on their targets have it, the others branch on them.
quadratic.replayed_targets = sum_squared_error.replayed_targets = mse.replayed_targets = (
    lambda targets: targets)
hinge.replayed_targets = _signs


def binary_cross_entropy(
    probabilities: Prediction, targets: Target, reduction: Reduction = "mean"
) -> Value:
    """−Σ_j [y_j ln a_j + (1 − y_j) ln(1 − a_j)] for probabilities a_j in [0, 1], as PyTorch's
    `binary_cross_entropy` (`reduction="sum"` is the cross-entropy cost of Nielsen's book).

    An a_j made by `sigmoid` is read through its weighted input z_j, as softplus(z_j) − y_j z_j
    (the same cost, exactly differentiable, finite for any z_j): at z = −40 and y = 1 the cost
    is 40 and ∂C/∂z = σ(z) − y = −1, where ln σ(z) of a rounded σ would lose everything. The
    gradient then flows to z_j directly, so a_j's own `.grad` stays 0. (Under `no_grad`, and
    on numbers, a_j is all there is: a rounded a_j = 1 with y_j = 0 is an infinite cost, refused.)
    Logits go to `binary_cross_entropy_with_logits`.
    """
    a, y = _pair(probabilities, targets, "binary_cross_entropy")
    _check_probabilities(y, "targets", "binary_cross_entropy")
    for aj in a:
        if not (aj >= 0 and aj <= 1):  # comparisons of Values: guards when compiled
            raise ValueError(
                f"binary_cross_entropy: takes probabilities in [0, 1], got {aj.data!r}; for "
                "logits (a linear output layer) use binary_cross_entropy_with_logits"
            )
    terms = [_from_logit(aj.parents[0], yj) if aj.primitive is _SIGMOID
             else _from_probability(aj, yj) for aj, yj in zip(a, _named(y))]
    return _cost(_reduce(terms, reduction, "binary_cross_entropy"))


def binary_cross_entropy_with_logits(
    logits: Prediction, targets: Target, reduction: Reduction = "mean"
) -> Value:
    """−Σ_j [y_j ln σ(z_j) + (1 − y_j) ln(1 − σ(z_j))] from the logits z_j, as PyTorch's
    `binary_cross_entropy_with_logits`: softplus(z) − y z, finite and accurate for any |z|.
    Targets are probabilities in [0, 1]."""
    z, y = _pair(logits, targets, "binary_cross_entropy_with_logits")
    _check_probabilities(y, "targets", "binary_cross_entropy_with_logits")
    terms = [_from_logit(zj, yj) for zj, yj in zip(z, _named(y))]
    return _cost(_reduce(terms, reduction, "binary_cross_entropy_with_logits"))


def cross_entropy(logits: Prediction, target: int | Sequence[float]) -> Value:
    """−log softmax(z)_c for the class index c, or −Σ_k p_k log softmax(z)_k for a
    distribution p over the classes: log Σ_k exp(z_k) − Σ_k p_k z_k.

    log Σ_k exp(z_k) is the engine's `logsumexp` primitive, which never overflows.
    """
    z = _values(logits, "cross_entropy")
    target = _validate.array_as_list(target, "cross_entropy", "target")
    if isinstance(target, Integral) and not isinstance(target, bool):
        if not 0 <= target < len(z):
            raise ValueError(
                f"cross_entropy: class index {target!r} is out of range for {len(z)} logits"
            )
        p = [1.0 if k == target else 0.0 for k in range(len(z))]
    else:
        p = _targets(target, len(z), "cross_entropy")
        if min(p) < 0 or abs(sum(p) - 1) > 1e-9:
            raise ValueError(
                f"cross_entropy: target must be a class index or a distribution, got {target!r}"
            )
    weighted = [zk if pk == 1 else pk * zk for pk, zk in zip(p, z) if pk]  # no node for 1 × z
    return _cost(_LOG_SUM_EXP(*z) - _sum(weighted))


def _from_logit(z: Value, y: Value) -> Value:
    """−[y ln σ(z) + (1 − y) ln(1 − σ(z))] = softplus(z) − y z."""
    return _SOFTPLUS(z) - z * y


def _from_probability(a: Value, y: Value) -> Value:
    """−[y ln a + (1 − y) ln(1 − a)], leaving out a term whose factor is 0 (0 · ln 0 is 0)."""
    if (a <= 0 and y.data > 0) or (a >= 1 and y.data < 1):  # guards, as above
        raise ValueError(
            f"binary_cross_entropy: probability {a.data!r} with target {y.data!r} has an "
            "infinite cost; give the logits to binary_cross_entropy_with_logits (or the "
            "sigmoid node itself, which is read through its logit)"
        )
    terms = []
    if y.data != 0:
        terms.append(-y * a.log())
    if y.data != 1:
        terms.append(-(1 - y) * (1 - a).log())
    return _sum(terms)


def _check_probabilities(p: list[float], what: str, where: str) -> None:
    for pj in p:
        if not 0 <= pj <= 1:
            raise ValueError(f"{where}: {what} must be in [0, 1], got {pj!r}")


def _reduce(terms: list[Value], reduction: object, where: str) -> Value:
    """Σ terms, or their mean."""
    if reduction == "sum":
        return _sum(terms)
    if reduction == "mean":
        return _sum(terms) / len(terms) if len(terms) > 1 else terms[0]  # no node for ÷ 1
    raise ValueError(f"{where}: reduction must be 'sum' or 'mean', got {reduction!r}")


def _cost(loss: Value) -> Value:
    """`loss`, named as the cost of one sample, C₀."""
    loss.name = SAMPLE_COST
    return loss


def _named(targets: list[float]) -> list[Value]:
    """The targets as nodes y₁, y₂, … (constants, named so a drawing reads a₁ − y₁)."""
    return [yj if isinstance(yj, Value) else Value(yj, name=target_name(j))
            for j, yj in enumerate(targets, 1)]


def _sum(terms: list[Value]) -> Value:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _values(prediction: Prediction, where: str) -> list[Value]:
    if type(prediction) is Value:  # one output, the usual case: the checks below are slower
        return [prediction]
    prediction = _validate.array_as_list(prediction, where, "predictions")
    items = list(prediction) if isinstance(prediction, Sequence) else [prediction]
    if not items:
        raise ValueError(f"{where}: no predictions")
    for item in items:
        if not isinstance(item, (Value, Real)):
            raise TypeError(f"{where}: predictions must be Values or numbers, got {item!r}")
    return [item if isinstance(item, Value) else Value(item) for item in items]


def _targets(target: Target, n: int, where: str, values: bool = False) -> list[float]:
    """The targets as floats; with `values`, a `Value` stays itself (compiled training replays
    the squared losses, which only subtract their targets, on targets that are inputs of its
    recording: `nn.compiled`)."""
    if type(target) in (int, float) and n == 1:  # as in _values
        return [float(target)]
    target = _validate.array_as_list(target, where, "targets")
    items = list(target) if isinstance(target, Sequence) else [target]
    for item in items:
        if not isinstance(item, (Real, Value) if values else Real):
            raise TypeError(f"{where}: targets must be numbers, got {item!r}")
    if len(items) != n:
        raise ValueError(f"{where}: {n} prediction(s) but {len(items)} target(s): {target!r}")
    return [item if isinstance(item, Value) else float(item) for item in items]


def _pair(prediction: Prediction, target: Target, where: str, values: bool = False
          ) -> tuple[list[Value], list[float]]:
    a = _values(prediction, where)
    return a, _targets(target, len(a), where, values)
