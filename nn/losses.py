"""Losses of one sample, built from engine operations so their gradients come from `backward`.

Each takes the model's outputs (a `Value` or a list of them; plain numbers are treated as
constants) and the targets (a number or a list of numbers, one per output) and refuses
mismatched lengths. Averaging over the n samples of a batch is `fit`'s job.
"""

from __future__ import annotations

from collections.abc import Sequence
from numbers import Real

from autodiff import Value

from .notation import SAMPLE_COST, target_name

Prediction = Value | float | Sequence[Value | float]
Target = float | Sequence[float]


def sum_squared_error(prediction: Prediction, target: Target) -> Value:
    """C_0 = Σ_j (a_j − y_j)², the cost of one sample in the backpropagation derivation."""
    a, y = _pair(prediction, target, "sum_squared_error")
    return _cost(_sum([(aj - yj) ** 2 for aj, yj in zip(a, _named(y))]))


def mse(prediction: Prediction, target: Target) -> Value:
    """The mean over the outputs of (a_j − y_j)²."""
    a, y = _pair(prediction, target, "mse")
    return _cost(_sum([(aj - yj) ** 2 for aj, yj in zip(a, _named(y))]) / len(a))


def hinge(prediction: Prediction, target: Target) -> Value:
    """The max-margin loss: the mean over the outputs of max(0, 1 − t_j s_j).

    Labels may be −1/+1 or 0/1 (0 is read as −1), so the same 0/1 labels serve every loss.
    """
    s, y = _pair(prediction, target, "hinge")
    for yj in y:
        if yj not in (-1, 0, 1):
            raise ValueError(f"hinge: labels must be -1, 0 or 1, got {yj!r}")
    margins = [(1 - sj * (1.0 if yj == 1 else -1.0)).relu() for sj, yj in zip(s, y)]
    return _cost(_sum(margins) / len(s))


def binary_cross_entropy(logits: Prediction, target: Target) -> Value:
    """−[y log σ(z) + (1 − y) log(1 − σ(z))] from the logit z, averaged over the outputs.

    Written as softplus(z) − y z, which never takes the log of a rounded-off σ(z), so it stays
    finite and accurate for any |z|. Targets are probabilities in [0, 1].
    """
    z, y = _pair(logits, target, "binary_cross_entropy")
    for yj in y:
        if not 0 <= yj <= 1:
            raise ValueError(f"binary_cross_entropy: targets must be in [0, 1], got {yj!r}")
    return _cost(_sum([_softplus(zj) - zj * yj for zj, yj in zip(z, _named(y))]) / len(z))


def cross_entropy(logits: Prediction, target: int | Sequence[float]) -> Value:
    """−log softmax(z)_c for the class index c, or −Σ_k p_k log softmax(z)_k for a
    distribution p over the classes.

    log Σ_k exp(z_k) is computed as m + log Σ_k exp(z_k − m) with m = max z (a constant, so
    the gradient is unchanged), which never overflows.
    """
    z = _values(logits, "cross_entropy")
    if isinstance(target, int) and not isinstance(target, bool):
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
    m = max(zk.data for zk in z)
    exps = _sum([(zk - m).exp() for zk in z])
    exps.name = "Σₖ exp(aₖ − max a)"
    log_sum_exp = m + exps.log()
    return _cost(log_sum_exp - _sum([pk * zk for pk, zk in zip(p, z) if pk]))


def _cost(loss: Value) -> Value:
    """`loss`, named as the cost of one sample, C₀."""
    loss.name = SAMPLE_COST
    return loss


def _named(targets: list[float]) -> list[Value]:
    """The targets as nodes y₁, y₂, … (constants, named so a drawing reads a₁ − y₁)."""
    return [Value(yj, name=target_name(j)) for j, yj in enumerate(targets, 1)]


def _softplus(z: Value) -> Value:
    """log(1 + exp(z)), with exp of a non-positive number only."""
    if z.data > 0:
        return z + (1 + (-z).exp()).log()
    return (1 + z.exp()).log()


def _sum(terms: list[Value]) -> Value:
    total = terms[0]
    for term in terms[1:]:
        total = total + term
    return total


def _values(prediction: Prediction, where: str) -> list[Value]:
    if type(prediction) is Value:  # one output, the usual case: the checks below are slower
        return [prediction]
    items = list(prediction) if isinstance(prediction, Sequence) else [prediction]
    if not items:
        raise ValueError(f"{where}: no predictions")
    for item in items:
        if not isinstance(item, (Value, Real)):
            raise TypeError(f"{where}: predictions must be Values or numbers, got {item!r}")
    return [item if isinstance(item, Value) else Value(item) for item in items]


def _targets(target: Target, n: int, where: str) -> list[float]:
    if type(target) in (int, float) and n == 1:  # as in _values
        return [float(target)]
    items = list(target) if isinstance(target, Sequence) else [target]
    for item in items:
        if not isinstance(item, Real):
            raise TypeError(f"{where}: targets must be numbers, got {item!r}")
    if len(items) != n:
        raise ValueError(f"{where}: {n} prediction(s) but {len(items)} target(s): {target!r}")
    return [float(item) for item in items]


def _pair(prediction: Prediction, target: Target, where: str) -> tuple[list[Value], list[float]]:
    a = _values(prediction, where)
    return a, _targets(target, len(a), where)
