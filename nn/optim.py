"""Optimizers: they read each parameter's `.grad` and change its `.data`, never the graph.

As in PyTorch, `params` is a list of parameters or a list of parameter groups, dicts with
`"params"` and any options that differ from the optimizer's own, so that some parameters (the
biases, say) can be left out of weight decay:

    SGD([{"params": weights, "weight_decay": lam / n}, {"params": biases}], lr=eta)

Each parameter is stepped once, however often it is listed.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping
from numbers import Real
from typing import Any

from autodiff import Value

Params = Iterable[Value] | Iterable[Mapping[str, Any]]


class Optimizer:
    """Holds the parameter groups to update (`param_groups`, each a dict of `"params"` and the
    group's options); `zero_grad` clears the gradients before a backward."""

    def __init__(
        self, params: Params, defaults: Mapping[str, Any] | float | None = None, *,
        lr: float | None = None,
    ) -> None:
        name = type(self).__name__
        if defaults is None:  # the earlier signature, Optimizer(params, lr=...)
            defaults = {"lr": lr}
        elif not isinstance(defaults, Mapping):  # and Optimizer(params, lr)
            defaults = {"lr": defaults}
        self.defaults = dict(defaults)
        self.param_groups: list[dict[str, Any]] = []
        seen: set[Value] = set()
        for group in _groups(params, name):
            unknown = sorted(set(group) - {"params", *self.defaults})
            if unknown:
                raise ValueError(
                    f"{name}: unknown option(s) {unknown} in a parameter group; the options are "
                    f"{sorted(self.defaults)}"
                )
            members = list(dict.fromkeys(_parameters(group["params"], name)))
            if seen.intersection(members):
                raise ValueError(f"{name}: a parameter appears in more than one parameter group")
            seen.update(members)
            options = self._checked({**self.defaults, **group})
            self.param_groups.append({**options, "params": members})
        if not seen:
            raise ValueError(f"{name}: no parameters to optimize")

    @property
    def params(self) -> list[Value]:
        """Every parameter, each once, group by group."""
        return [p for group in self.param_groups for p in group["params"]]

    @property
    def lr(self) -> float:
        """The first group's learning rate (all of them, without groups)."""
        return self.param_groups[0]["lr"]

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError

    def _checked(self, options: dict[str, Any]) -> dict[str, Any]:
        """A group's options, checked: each optimizer checks its own (here, only `lr`)."""
        return {**options, "lr": _positive(options.get("lr"), "lr", type(self).__name__)}


class SGD(Optimizer):
    """Gradient descent with momentum and weight decay as in PyTorch:
    d = g + λ p,  v ← μ v + d,  p ← p − lr · v.

    With μ = 0 (the default) this is p ← p − lr · (g + λ p) = (1 − lr λ) p − lr g: with
    λ = λ_book / n and g the mean gradient of a mini-batch, the regularised update of
    Nielsen's book, chapter 3.
    """

    def __init__(
        self, params: Params, lr: float, momentum: float = 0.0, weight_decay: float = 0.0
    ) -> None:
        super().__init__(params, {"lr": lr, "momentum": momentum, "weight_decay": weight_decay})
        self.velocity: dict[Value, float] = {}

    def _checked(self, options: dict[str, Any]) -> dict[str, Any]:
        momentum = options["momentum"]
        if not isinstance(momentum, Real) or not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        return {"lr": _positive(options["lr"], "lr", "SGD"), "momentum": float(momentum),
                "weight_decay": _decay(options["weight_decay"], "SGD")}

    def step(self) -> None:
        for group in self.param_groups:
            lr, momentum, decay = group["lr"], group["momentum"], group["weight_decay"]
            for p in group["params"]:
                d = _grad(p) + decay * p.data if decay else _grad(p)
                if momentum:
                    d = self.velocity[p] = momentum * self.velocity.get(p, 0.0) + d
                p.data -= lr * d


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as in PyTorch: with g = ∂C/∂p + λ p (weight decay λ),
    bias-corrected moving averages of g and g²,

    m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
    p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε).
    """

    def __init__(
        self,
        params: Params,
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
    ) -> None:
        super().__init__(params, {"lr": lr, "betas": betas, "eps": eps,
                                  "weight_decay": weight_decay})
        self.m: dict[Value, float] = {}
        self.v: dict[Value, float] = {}
        self.t = 0

    def _checked(self, options: dict[str, Any]) -> dict[str, Any]:
        betas = options["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2 or not all(
            isinstance(beta, Real) and 0 <= beta < 1 for beta in betas
        ):
            raise ValueError(f"Adam: betas must be two numbers in [0, 1), got {betas!r}")
        return {"lr": _positive(options["lr"], "lr", "Adam"),
                "betas": (float(betas[0]), float(betas[1])),
                "eps": _positive(options["eps"], "eps", "Adam"),
                "weight_decay": _decay(options["weight_decay"], "Adam")}

    def step(self) -> None:
        self.t += 1
        for group in self.param_groups:
            lr, (beta1, beta2), eps = group["lr"], group["betas"], group["eps"]
            decay = group["weight_decay"]
            correction1, correction2 = 1 - beta1**self.t, 1 - beta2**self.t
            for p in group["params"]:
                g = _grad(p) + decay * p.data if decay else _grad(p)
                m = self.m[p] = beta1 * self.m.get(p, 0.0) + (1 - beta1) * g
                v = self.v[p] = beta2 * self.v.get(p, 0.0) + (1 - beta2) * g * g
                p.data -= lr * (m / correction1) / (math.sqrt(v / correction2) + eps)


def _groups(params: Params, where: str) -> list[Mapping[str, Any]]:
    """`params` as parameter groups: one group of all of them, or the groups given."""
    if isinstance(params, (Value, Mapping, str, bytes)) or not isinstance(params, Iterable):
        raise TypeError(
            f"{where}: params must be a list of Values or of parameter groups (dicts with "
            f"'params'), got {params!r}"
        )
    items = list(params)
    if not items or not all(isinstance(item, Mapping) for item in items):
        if any(isinstance(item, Mapping) for item in items):
            raise TypeError(f"{where}: params mixes Values and parameter groups")
        return [{"params": items}]
    for group in items:
        if "params" not in group:
            raise ValueError(f"{where}: a parameter group needs 'params', got keys {list(group)}")
    return items


def _parameters(params: object, where: str) -> list[Value]:
    items = [params] if isinstance(params, Value) else params
    if not isinstance(items, Iterable) or isinstance(items, (str, bytes, Mapping)):
        raise TypeError(f"{where}: a group's 'params' must be a list of Values, got {params!r}")
    items = list(items)
    for p in items:
        if not isinstance(p, Value):
            raise TypeError(f"{where}: parameters must be Values, got {p!r}")
    return items


def _grad(p: Value) -> float:
    """The gradient as a float, also when `backward(create_graph=True)` left a Value."""
    return p.grad.data if isinstance(p.grad, Value) else p.grad


def _positive(x: object, what: str, where: str) -> float:
    if not isinstance(x, Real) or isinstance(x, bool) or not 0 < x < math.inf:
        raise ValueError(f"{where}: {what} must be a positive number, got {x!r}")
    return float(x)


def _decay(x: object, where: str) -> float:
    if not isinstance(x, Real) or isinstance(x, bool) or not 0 <= x < math.inf:
        raise ValueError(f"{where}: weight_decay must be a non-negative number, got {x!r}")
    return float(x)
