"""Modes that change how operations are recorded: `no_grad`, `detect_anomaly`, the
transforms' own (gradients on, one level deeper) and `compile`'s (recording a function).

The modes live in one context variable, so a mode holds in the thread or asyncio task that set
it and in no other: a thread sitting in `no_grad()` never zeroes another thread's gradients.
A new thread starts with the defaults; an asyncio task starts with its creator's modes.
"""

from __future__ import annotations

from contextlib import ContextDecorator
from contextvars import ContextVar
from typing import Any


class Mode:
    """The switches every operation reads, as one immutable record (replace it, never change it).

    `nested` counts the transforms (`grad`, `hessian`, …) evaluating their function here, so a
    transform inside another builds its gradient as a graph for the outer one to differentiate.
    `recording` is, while `compile` records a function, where the operations report what a
    graph does not show: comparisons of values and constants made from numbers (None
    otherwise). `outer` is the mode this one was entered from, which leaving restores.
    """

    __slots__ = ("grad_enabled", "anomaly", "nested", "recording", "outer")

    def __init__(
        self, grad_enabled: bool = True, anomaly: bool = False, nested: int = 0,
        recording: Any = None, outer: Mode | None = None,
    ) -> None:
        self.grad_enabled = grad_enabled
        self.anomaly = anomaly
        self.nested = nested
        self.recording = recording
        self.outer = outer

    def entered(self, **changes: object) -> Mode:
        """This mode with `changes`, remembering this one to return to."""
        settings = {"grad_enabled": self.grad_enabled, "anomaly": self.anomaly,
                    "nested": self.nested, "recording": self.recording, **changes}
        return Mode(**settings, outer=self)


PLAIN = Mode()  # what a program runs in unless it asks otherwise: the operations' fast path
_MODE: ContextVar[Mode] = ContextVar("autodiff_mode", default=PLAIN)  # PLAIN is never changed
current = _MODE.get  # a bound method: read on every operation, so no Python frame of its own


class Switch(ContextDecorator):
    """Enter a changed mode for a block (or each call of a decorated function) and leave it on
    the way out. The instance keeps no state, so one instance may be entered again, nested, in
    several threads or tasks at once."""

    def changes(self) -> dict[str, object]:
        raise NotImplementedError

    def __enter__(self) -> Switch:
        mode = current()
        _MODE.set(mode.entered(**self.changes()))
        return self

    def __exit__(self, *exc: object) -> None:
        _MODE.set(current().outer)


class no_grad(Switch):
    """Compute values without recording the graph (inference, optimizer updates).

    Inside the block every result is a leaf: no parents, no local derivatives, nothing for
    `backward` to walk and nothing kept alive. Works as a decorator too, as in PyTorch. Per
    thread and per asyncio task. The transforms (`grad`, `hessian`, `gradcheck`, …) record
    what they need whatever this says, as `torch.func` and JAX do.
    """

    def changes(self) -> dict[str, object]:
        if current().recording is not None:
            raise RuntimeError(
                "no_grad inside a function that compile records: its results would be frozen "
                "into the recording as constants; compute them outside f and pass them in"
            )
        return {"grad_enabled": False}


class enable_grad(Switch):
    """Record the graph inside the block even within `no_grad` (as `torch.enable_grad`)."""

    def changes(self) -> dict[str, object]:
        return {"grad_enabled": True}


def is_grad_enabled() -> bool:
    """Whether operations record their parents in this thread or task now."""
    return current().grad_enabled
