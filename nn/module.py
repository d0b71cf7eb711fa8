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
    A parameter held in two places (tied weights) is one parameter, listed once under the
    first of its paths, as in PyTorch: an optimizer steps it once, by its whole gradient.
    """

    def parameters(self) -> list[Value]:
        return [p for _, p in self.named_parameters()]

    def named_parameters(self, *, remove_duplicate: bool = True) -> list[tuple[str, Value]]:
        """`(path, parameter)` pairs; a tied parameter under its first path only, unless
        `remove_duplicate=False` (as in PyTorch), which lists every path that holds one."""
        named = [pair for attr, member in vars(self).items() for pair in _named(attr, member)]
        if not remove_duplicate:
            return named
        first = {}
        for name, p in named:
            first.setdefault(p, name)
        return [(name, p) for p, name in first.items()]

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
        """Each parameter's number under its name in `named_parameters()`.

        A tied parameter appears once, under its first path (PyTorch's `state_dict` repeats it
        under every path, and its `load_state_dict` keeps the last of two different numbers):
        one number per parameter, so a state can never hold two for the same weight.
        """
        return {name: p.data for name, p in self.named_parameters()}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state`; a malformed state raises ValueError, changing nothing.

        The keys must be exactly those of `state_dict()` and every value a finite real number;
        a tied parameter's second path is refused, naming the first.
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
            tied = [f"{key} is {first}" for key, first in tied_paths(self).items() if key in extra]
            raise ValueError(
                f"{where}: missing keys {missing[:5]}, unexpected keys {extra[:5]}"
                + (f" (a tied parameter is kept under its first path: {', '.join(tied[:5])})"
                   if tied else "")
            )
        values = [_weight(state[name], name, where) for name, _ in named]
        for (_, p), value in zip(named, values):
            p.data = value


def tied_paths(model: Module) -> dict[str, str]:
    """Each second path of a tied parameter, with the first path it is listed under."""
    first = {p: name for name, p in model.named_parameters()}
    return {name: first[p] for name, p in model.named_parameters(remove_duplicate=False)
            if first[p] != name}


def functional_call(model: Module, params: Sequence[Value], *args: Any, **kwargs: Any) -> Any:
    """`model(*args, **kwargs)` with `params[i]` in place of its i-th parameter (in
    `parameters()` order), as `torch.func.functional_call`: the model as a function of its
    parameters, for the transforms (`grad(lambda ps: loss(functional_call(model, ps, x)))`)
    and `autodiff.compile`. The model holds its own parameters again afterwards.
    """
    own = model.parameters()
    if len(params) != len(own):
        raise ValueError(
            f"functional_call: the model has {len(own)} parameters, got {len(params)} values"
        )
    replacement = dict(zip(own, params))
    places = model.named_parameters(remove_duplicate=False)  # a tied one: in each place
    try:
        for path, p in places:
            _put(model, path, replacement[p])
        return model(*args, **kwargs)
    finally:
        for path, p in places:
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
        for name, p in member.named_parameters(remove_duplicate=False):
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
