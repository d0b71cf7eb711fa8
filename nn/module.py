"""`Module`: a model's parameters found by walking its attributes, named by their path."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from numbers import Real
from typing import Any

from autodiff import Value


class Module:
    """Base of every model: parameters, their names, their gradients and their state.

    A `Value` attribute is a parameter, a `Module` attribute a submodule, and a list of either
    is indexed, so a parameter's path is its attribute path: `layers.0.neurons.1.w.2`.
    Attributes are walked in the order they were set, so the names and their order are stable.
    """

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def named_parameters(self) -> list[tuple[str, Value]]:
        return [pair for attr, member in vars(self).items() for pair in _named(attr, member)]

    def name_parameters(self) -> None:
        """Set each parameter's `.name` to its path, for drawings and reports.

        The constructors call it; `Neuron`, `Layer` and `MLP` name theirs in the
        backpropagation notation instead (w₁₂⁽¹⁾). Call it on a model built from other modules
        to name everything by its path.
        """
        for name, p in self.named_parameters():
            p.name = name

    def zero_grad(self) -> None:
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state`; a malformed state raises ValueError, changing nothing.

        The keys must be exactly those of `state_dict()` and every value a finite real number.
        """
        where = f"{type(self).__name__}.load_state_dict"
        if not isinstance(state, Mapping):
            raise ValueError(
                f"{where}: expected a mapping of names to numbers, got {type(state).__name__}"
            )
        named = self.named_parameters()
        missing = [name for name, _ in named if name not in state]
        expected = {name for name, _ in named}
        extra = [key for key in state if key not in expected]
        if missing or extra:
            raise ValueError(f"{where}: missing keys {missing[:5]}, unexpected keys {extra[:5]}")
        values = [_weight(state[name], name, where) for name, _ in named]
        for (_, p), value in zip(named, values):
            p.data = value


def functional_call(model: Module, params: Sequence[Value], *args: Any, **kwargs: Any) -> Any:
    """`model(*args, **kwargs)` with `params[i]` in place of its i-th parameter (in
    `parameters()` order), as `torch.func.functional_call`: the model as a function of its
    parameters, for the transforms (`grad(lambda ps: loss(functional_call(model, ps, x)))`)
    and `autodiff.compile`. The model holds its own parameters again afterwards.
    """
    named = model.named_parameters()
    if len(params) != len(named):
        raise ValueError(
            f"functional_call: the model has {len(named)} parameters, got {len(params)} values"
        )
    replacement: dict[Value, Value] = {}
    for (_, p), value in zip(named, params):
        replacement.setdefault(p, value)  # a parameter listed twice (tied): its first value
    try:
        for path, p in named:
            _put(model, path, replacement[p])
        return model(*args, **kwargs)
    finally:
        for path, p in named:
            _put(model, path, p)


def _put(model: Module, path: str, value: Value) -> None:
    """Set the parameter at `path` (as `named_parameters` names it: attributes and indices)."""
    *steps, last = path.split(".")
    holder: Any = model
    for step in steps:
        holder = holder[int(step)] if isinstance(holder, (list, tuple)) else getattr(holder, step)
    if isinstance(holder, tuple):
        raise TypeError(f"functional_call: parameter {path} is held in a tuple; use a list")
    if isinstance(holder, list):
        holder[int(last)] = value
    else:
        setattr(holder, last, value)


def _named(prefix: str, member: object) -> Iterator[tuple[str, Value]]:
    if isinstance(member, Value):
        yield prefix, member
    elif isinstance(member, Module):
        for name, p in member.named_parameters():
            yield f"{prefix}.{name}", p
    elif isinstance(member, (list, tuple)):
        for i, item in enumerate(member):
            yield from _named(f"{prefix}.{i}", item)


def _weight(value: object, name: str, where: str) -> float:
    if not isinstance(value, Real) or isinstance(value, bool):
        raise ValueError(f"{where}: {name} must be a number, got {value!r}")
    try:
        weight = float(value)
    except OverflowError:
        weight = math.inf
    if not math.isfinite(weight):
        raise ValueError(f"{where}: {name} must be finite, got {value!r}")
    return weight
