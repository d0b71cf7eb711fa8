"""Global switches that change how operations are recorded: `no_grad` (and `detect_anomaly`)."""

from __future__ import annotations

from contextlib import ContextDecorator


class _Mode:
    """The switches every operation reads. One shared instance, `mode`."""

    __slots__ = ("grad_enabled", "detect_anomaly")

    def __init__(self) -> None:
        self.grad_enabled = True
        self.detect_anomaly = False  # see anomaly.py


mode = _Mode()


class Switch(ContextDecorator):
    """Set one of `mode`'s switches for a block (or each call of a decorated function) and
    restore its previous setting on the way out, so blocks nest."""

    switch: str  # the attribute of `mode`
    setting: bool

    def _recreate_cm(self) -> Switch:
        return type(self)()  # a fresh instance per decorated call, so nesting restores correctly

    def __enter__(self) -> Switch:
        self._previous = getattr(mode, self.switch)
        setattr(mode, self.switch, self.setting)
        return self

    def __exit__(self, *exc: object) -> None:
        setattr(mode, self.switch, self._previous)


class no_grad(Switch):
    """Compute values without recording the graph (inference, optimizer updates).

    Inside the block every result is a leaf: no parents, no local derivatives, nothing for
    `backward` to walk and nothing kept alive. Works as a decorator too, as in PyTorch.
    Not thread-local: the switch is global to the interpreter.
    """

    switch, setting = "grad_enabled", False


def is_grad_enabled() -> bool:
    """Whether operations currently record their parents."""
    return mode.grad_enabled
