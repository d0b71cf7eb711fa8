"""Optimizers: they read each parameter's `.grad` and change its `.data`, never the graph."""

from __future__ import annotations

import math
from collections.abc import Iterable
from numbers import Real

from autodiff import Value


class Optimizer:
    """Holds the parameters to update; `zero_grad` clears their gradients before a backward."""

    def __init__(self, params: Iterable[Value], lr: float) -> None:
        name = type(self).__name__
        self.params = list(params)
        if not self.params:
            raise ValueError(f"{name}: no parameters to optimize")
        for p in self.params:
            if not isinstance(p, Value):
                raise TypeError(f"{name}: parameters must be Values, got {p!r}")
        self.lr = _positive(lr, "lr", name)

    def zero_grad(self) -> None:
        for p in self.params:
            p.grad = 0.0

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Gradient descent with momentum as in PyTorch: v ← μ v + g, p ← p − lr · v.

    With μ = 0 (the default) this is p ← p − lr · g.
    """

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params, lr)
        if not isinstance(momentum, Real) or not 0 <= momentum < 1:
            raise ValueError(f"SGD: momentum must be in [0, 1), got {momentum!r}")
        self.momentum = float(momentum)
        self.velocity = [0.0] * len(self.params)

    def step(self) -> None:
        for i, p in enumerate(self.params):
            self.velocity[i] = self.momentum * self.velocity[i] + _grad(p)
            p.data -= self.lr * self.velocity[i]


class Adam(Optimizer):
    """Adam (Kingma & Ba, 2015), as in PyTorch: bias-corrected moving averages of g and g²,

    m ← β1 m + (1 − β1) g,  v ← β2 v + (1 − β2) g²,
    p ← p − lr · (m / (1 − β1^t)) / (sqrt(v / (1 − β2^t)) + ε).
    """

    def __init__(
        self,
        params: Iterable[Value],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ) -> None:
        super().__init__(params, lr)
        beta1, beta2 = betas
        for beta in betas:
            if not isinstance(beta, Real) or not 0 <= beta < 1:
                raise ValueError(f"Adam: betas must be in [0, 1), got {betas!r}")
        self.beta1, self.beta2 = float(beta1), float(beta2)
        self.eps = _positive(eps, "eps", "Adam")
        self.m = [0.0] * len(self.params)
        self.v = [0.0] * len(self.params)
        self.t = 0

    def step(self) -> None:
        self.t += 1
        correction1 = 1 - self.beta1**self.t
        correction2 = 1 - self.beta2**self.t
        for i, p in enumerate(self.params):
            g = _grad(p)
            self.m[i] = self.beta1 * self.m[i] + (1 - self.beta1) * g
            self.v[i] = self.beta2 * self.v[i] + (1 - self.beta2) * g * g
            p.data -= self.lr * (self.m[i] / correction1) / (
                math.sqrt(self.v[i] / correction2) + self.eps
            )


def _grad(p: Value) -> float:
    """The gradient as a float, also when `backward(create_graph=True)` left a Value."""
    return p.grad.data if isinstance(p.grad, Value) else p.grad


def _positive(x: object, what: str, where: str) -> float:
    if not isinstance(x, Real) or isinstance(x, bool) or not 0 < x < math.inf:
        raise ValueError(f"{where}: {what} must be a positive number, got {x!r}")
    return float(x)
