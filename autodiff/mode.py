"""Global switches that change how operations are recorded: `no_grad`."""

from __future__ import annotations

from contextlib import ContextDecorator


class _Mode:
    """The switches every operation reads. One shared instance, `mode`."""

    __slots__ = ("grad_enabled", "detect_anomaly")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.detect_anomaly = False  # see anomaly.py


mode = _Mode()


class no_grad(ContextDecorator):
    """Compute values without recording the graph (inference, optimizer updates).

    Inside the block every result is a leaf: no parents, no local derivatives, nothing for
    `backward` to walk and nothing kept alive. Works as a decorator too, as in PyTorch.
    Not thread-local: the switch is global to the interpreter.
    """

    def _recreate_cm(self) -> no_grad:
        return type(self)()  # a fresh instance per decorated call, so nesting restores correctly

    def __enter__(self) -> no_grad:
        self._previous = mode.grad_enabled
        mode.grad_enabled = False
        return self

    def __exit__(self, *exc: object) -> None:
        mode.grad_enabled = self._previous


def is_grad_enabled() -> bool:
    """Whether operations currently record their parents."""
    return mode.grad_enabled
