"""The optimizers' updates as array operations, for compiled training (`nn.compiled`).

`ArrayOptimizer(optimizer, params)` reads an `SGD` or `Adam` (its parameter groups and its
state) into arrays over `params`; `step(P, G)` gives the new parameters and state without
keeping them, `keep(state)` keeps the state once the caller has checked the step, and
`write_back` puts the state into the optimizer's own dicts. Elementwise the same float
operations, in the same order, as the optimizers' loops.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from autodiff import Value

from .optim import SGD, Adam


class ArrayOptimizer:
    """An `SGD` or `Adam` over the parameters `params`, as arrays."""

    def __init__(self, optimizer: SGD | Adam, params: list[Value]) -> None:
        self.optimizer = optimizer
        at = {p: i for i, p in enumerate(params)}
        stepped = [p for group in optimizer.param_groups for p in group["params"]]
        self.stepped = stepped
        self.index = np.array([at[p] for p in stepped], dtype=np.intp)
        self.options = {key: np.array([group[key] for group in optimizer.param_groups
                                       for _ in group["params"]], dtype=float)
                        for key in ("lr", "weight_decay", "momentum") if key in
                        optimizer.param_groups[0]}
        if isinstance(optimizer, Adam):
            betas = [group["betas"] for group in optimizer.param_groups for _ in group["params"]]
            self.options["beta1"], self.options["beta2"] = np.array(betas, dtype=float).T
            self.options["eps"] = np.array([group["eps"] for group in optimizer.param_groups
                                            for _ in group["params"]], dtype=float)
            self.state = {"m": self._read(optimizer.m), "v": self._read(optimizer.v),
                          "t": optimizer.t}
        else:
            self.state = {"velocity": self._read(optimizer.velocity)}
        self.stepped_once = False
        self.every = len(params) == len(stepped) and (self.index == np.arange(len(params))).all()
        self.decay = bool(self.options["weight_decay"].any())
        self.momentum = bool(self.options.get("momentum", np.zeros(1)).any())

    def _read(self, kept: dict[Value, float]) -> np.ndarray:
        return np.array([kept.get(p, 0.0) for p in self.stepped], dtype=float)

    def step(self, P: np.ndarray, G: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        """The parameters after one step from gradients G, and the state it leaves."""
        p, g, o = (P, G, self.options) if self.every else (P[self.index], G[self.index],
                                                            self.options)
        with np.errstate(all="ignore"):  # a non-finite result is the caller's to refuse
            if self.decay:  # (where λ = 0, g itself, as the loops take it)
                g = np.where(o["weight_decay"] != 0.0, g + o["weight_decay"] * p, g)
            if isinstance(self.optimizer, Adam):
                p, state = self._adam(p, g)
            elif self.momentum:
                v = np.where(o["momentum"] != 0.0,
                             o["momentum"] * self.state["velocity"] + g, 0.0)
                d = np.where(o["momentum"] != 0.0, v, g)
                p, state = p - o["lr"] * d, {"velocity": v}
            else:
                p, state = p - o["lr"] * g, self.state
        if self.every:
            return p, state
        after = P.copy()
        after[self.index] = p
        return after, state

    def _adam(self, p: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, dict[str, Any]]:
        o, t = self.options, self.state["t"] + 1
        beta1, beta2 = o["beta1"], o["beta2"]
        m = beta1 * self.state["m"] + (1 - beta1) * g
        v = beta2 * self.state["v"] + (1 - beta2) * g * g
        correction1, correction2 = 1 - beta1**t, 1 - beta2**t
        p = p - o["lr"] * (m / correction1) / (np.sqrt(v / correction2) + o["eps"])
        return p, {"m": m, "v": v, "t": t}

    def keep(self, state: dict[str, Any]) -> str | None:
        """Keep the state a step left, or say what in it is not finite (then keep nothing)."""
        for key, numbers in state.items():
            if key != "t" and not np.isfinite(numbers).all():
                i = int(np.argmin(np.isfinite(numbers)))
                return (f"the step would make {type(self.optimizer).__name__}.{key}[{i}] "
                        f"{float(numbers[i])!r}")
        self.state, self.stepped_once = state, True
        return None

    def write_back(self) -> None:
        """The state into the optimizer's dicts, keyed by the parameters it has stepped."""
        if not self.stepped_once:
            return
        optimizer, state = self.optimizer, self.state
        if isinstance(optimizer, Adam):
            optimizer.m.update(zip(self.stepped, state["m"].tolist()))
            optimizer.v.update(zip(self.stepped, state["v"].tolist()))
            optimizer.t = state["t"]
        else:
            momentum = self.options["momentum"].tolist()
            optimizer.velocity.update((p, v) for p, v, mu in zip(
                self.stepped, state["velocity"].tolist(), momentum) if mu)


