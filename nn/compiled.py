"""`CompiledBatch`: a training step's forward and backward pass through `autodiff.compile`
(what `fit(..., compile=True)` runs).

The model's outputs over a batch are compiled as a function of its parameters' values, one
recording per batch shape; the batch's inputs are leaves the recording reads on each call. The
loss stays eager, on the outputs' numbers: a loss's Python code depends on its targets (hinge's
labels, a class index), so recording it would need a recording per order of the targets.
`backward` on the loss gives the outputs' gradients, which flow back through the compiled model
(`vjp`), and adds into the parameters what the loss reads from them itself (a penalty, a tied
weight), so each parameter gets the whole gradient eager training gives it (the same floats
when the loss reads each sample's outputs in order, as `nn.losses` do; otherwise they differ by
rounding). A model reading Values that are not its parameters is refused: compiled, they would
get no gradient."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from functools import partial
from numbers import Real
from typing import Any
from weakref import WeakSet

import numpy as np

from autodiff import Value
from autodiff import compile as compile_function
from autodiff.graph import added

from .module import Module, functional_call
from .optim import SGD, Adam
from .optim_arrays import ArrayOptimizer

BatchLoss = Callable[[list, Sequence], Value]


class CompiledBatch:
    """Called on a batch `(X, y)`: the model's outputs on `X` (leaves holding their numbers,
    shaped as the model returns them) and `batch_loss(outputs, y)`, with ∂loss/∂p added into
    each parameter's `.grad` as `loss.backward()` on the eager graph adds it."""

    def __init__(self, model: Module, batch_loss: BatchLoss) -> None:
        self.model = model
        self.batch_loss = batch_loss
        self.params = model.parameters()
        self._inputs: dict[tuple[int, int], list[list[Value]]] = {}
        self._single = False  # whether the model returns one Value rather than a list
        self._outputs = compile_function(self._outputs_of)
        self._checked: WeakSet = WeakSet()  # recordings whose captured Values were looked at

    def __call__(self, X: Sequence[Sequence[float]], y: Sequence) -> tuple[list, Value]:
        shape = (len(X), len(X[0]))
        inputs = self._inputs.setdefault(
            shape, [[Value(0.0) for _ in range(shape[1])] for _ in range(shape[0])]
        )
        for k, (row, x) in enumerate(zip(inputs, X)):
            if len(x) != shape[1]:
                raise ValueError(f"fit: sample {k} has {len(x)} inputs, sample 0 {shape[1]}")
            for leaf, xk in zip(row, x):
                leaf.data = _number(xk)
        numbers, pullback = self._outputs.vjp([p.data for p in self.params], shape)
        self._refuse_captured(inputs)
        leaves = [Value(o) for o in numbers]
        per_sample = len(leaves) // shape[0]
        outputs = [leaves[i] if self._single else leaves[i:i + per_sample]
                   for i in range(0, len(leaves), per_sample)]
        loss = self.batch_loss(outputs, y)
        # Into .grad as eager training adds it: what the loss reads from the parameters itself
        # (a penalty, a tied weight) by backward on the loss, what reaches them through the
        # model's outputs by the compiled model's pullback.
        loss.backward()
        pulled: dict[Value, float] = {}
        for p, g in zip(self.params, pullback([o.grad for o in leaves])):
            pulled.setdefault(p, g)  # a tied parameter's gradient is its first place's
        for p, g in pulled.items():
            p.grad = added(p.grad, g)
        return outputs, loss

    def _refuse_captured(self, inputs: list[list[Value]]) -> None:
        recordings = self._outputs.recordings
        if not recordings or recordings[0] in self._checked:
            return
        self._checked.add(recordings[0])
        own = {id(leaf) for row in inputs for leaf in row}
        _refuse_others([v for v in recordings[0].captured if id(v) not in own])

    def _outputs_of(self, params: list[Value], shape: tuple[int, int]) -> list[Value]:
        """The model's outputs over the batch, flat, with `params` for its parameters."""
        outputs = functional_call(Batched(self.model), params, self._inputs[shape])
        self._single = isinstance(outputs[0], Value)
        return [o for out in outputs for o in ([out] if self._single else out)]


class Batched(Module):
    """The model applied to each sample of a batch: its outputs, one per sample. With the
    model's parameters, so `functional_call(Batched(model), params, X)` swaps them once."""

    def __init__(self, model: Module) -> None:
        self.model = model

    def __call__(self, X: list) -> list:
        return [self.model(x) for x in X]


def _number(x: object) -> float:
    if type(x) is float or isinstance(x, Real):
        return float(x)
    raise TypeError(f"fit: inputs must be numbers, got {x!r}")


# --- training with the parameters in one array ---------------------------------------------


class ArrayTraining:
    """`fit(compile=True)`'s steps with the parameters, the optimizer's state and each batch in
    NumPy arrays: the model and its loss replayed as one compiled function of one array (the
    parameters, the batch's inputs, its targets), so a vectorised recording (`autodiff
    .vectorize`) reads its matrices from it directly, and the update an array operation
    (`ArrayOptimizer`). `write_back` puts the numbers into the `Value`s (and the optimizer),
    which `fit` does whenever the user could look. For the losses that only do arithmetic on
    their targets (`replayed_targets` in `nn.losses`: the squared losses, hinge), so that one
    recording serves every batch, and SGD or Adam; `usable` says."""

    def __init__(self, model: Module, loss: Callable, batch_loss: BatchLoss,
                 optimizer: Any) -> None:
        self.model, self.loss, self.batch_loss = model, loss, batch_loss
        self.params = model.parameters()
        self.names = [name for name, _ in model.named_parameters()]
        self.P = np.array([p.data for p in self.params], dtype=float)
        self.G = np.zeros_like(self.P)
        self.optimizer = ArrayOptimizer(optimizer, self.params)
        # what backward adds into .grad of a parameter the optimizer does not zero
        self.added = np.array([p.grad for p in self.params], dtype=float)
        self.stepped = np.isin(np.arange(len(self.params)), self.optimizer.index)
        self._compiled: dict[tuple[int, int, int], Any] = {}
        self._cores: dict[tuple[int, int, int], Callable] = {}

    @staticmethod
    def usable(model: Module, loss: Callable, optimizer: Any) -> bool:
        params = model.parameters()
        return (hasattr(_function_of(loss), "replayed_targets")
                and type(optimizer) in (SGD, Adam)
                and len(set(params)) == len(params)
                and set(optimizer.params) <= set(params))

    def step(self, X: Sequence, y: Sequence) -> tuple[list, float, str | None]:
        """One step on a batch: the outputs (numbers per sample), the loss, and what was not
        finite (then the step is not taken)."""
        for k, x in enumerate(X):
            if len(x) != len(X[0]):
                raise ValueError(f"fit: sample {k} has {len(x)} inputs, sample 0 {len(X[0])}")
        targets = np.asarray(y, dtype=float).reshape(len(y), -1)
        shape = (len(X), len(X[0]), targets.shape[1])
        flat = np.concatenate([self.P, np.asarray(X, dtype=float).ravel(),
                               _function_of(self.loss).replayed_targets(targets).ravel()])
        outputs, grads = self._run(shape, flat)
        self.G = grads[:len(self.P)]
        self.added += self.G
        mean = outputs[0]
        per_sample = (len(outputs) - 1) // shape[0]
        sample_outputs = [outputs[1 + k:1 + k + per_sample]
                          for k in range(0, len(outputs) - 1, per_sample)]
        return sample_outputs, mean, self._update(mean)

    def _run(self, shape: tuple[int, int, int], flat: np.ndarray) -> tuple[list, np.ndarray]:
        """The compiled function's outputs and gradient: its vectorised replay called on the
        array itself, or (the first time, after a check failed, or when nothing vectorised)
        through `compile`, which records again as it must."""
        cotangent = [1.0] + [0.0] * (shape[0] * shape[2])
        core = self._cores.get(shape)
        if core is not None:
            run = core(flat)
            try:
                outputs = next(run)
            except StopIteration:  # a check came out otherwise: compile records again
                outputs = None
            except Exception:  # as a path f does not take here would: compile decides
                outputs = None
            if outputs is not None:
                try:
                    run.send(cotangent)
                except StopIteration as done:
                    return outputs, done.value
                raise AssertionError("a replay yields once")
        compiled = self._compiled.get(shape)
        if compiled is None:
            compiled = self._compiled[shape] = compile_function(self._function(shape))
        outputs, pullback = compiled.vjp(flat.tolist())
        grads = np.array(pullback(cotangent), dtype=float)
        recordings = compiled.recordings
        if recordings:  # (the batch's inputs and targets are arguments: all else is foreign)
            _refuse_others(recordings[0].captured)
        self._cores[shape] = getattr(recordings[0].replay, "core", None) if recordings else None
        return outputs, grads

    def _function(self, shape: tuple[int, int, int]) -> Callable:
        """[mean loss, *outputs] of a batch as a function of one flat list: the parameters,
        then each sample's inputs, then each sample's targets."""
        n, (size, inputs, outputs) = len(self.P), shape
        batched = Batched(self.model)

        def f(flat: list[Value]) -> list[Value]:
            X, Y = flat[n:n + size * inputs], flat[n + size * inputs:]
            samples = [X[k * inputs:(k + 1) * inputs] for k in range(size)]
            out = functional_call(batched, flat[:n], samples)
            targets = [Y[k * outputs:(k + 1) * outputs] for k in range(size)]
            mean = self.batch_loss(out, [t[0] if outputs == 1 else t for t in targets])
            return [mean, *(o for sample in out for o in _listed(sample))]

        return f

    def _update(self, mean: float) -> str | None:
        """The optimizer's step on the arrays, kept only if everything stays finite; else
        what was not."""
        if not math.isfinite(mean):
            return f"the loss is {mean!r}"
        if not np.isfinite(self.G).all():
            i = int(np.argmin(np.isfinite(self.G)))
            return f"the gradient of {self.names[i]} is {float(self.G[i])!r}"
        P, state = self.optimizer.step(self.P, self.G)
        if not np.isfinite(P).all():
            i = int(np.argmin(np.isfinite(P)))
            return (f"the step would make {self.names[i]} {float(P[i])!r} "
                    f"(from {float(self.P[i])!r})")
        problem = self.optimizer.keep(state)
        if problem is None:
            self.P = P
        return problem

    def write_back(self) -> None:
        """The parameters' numbers, their last gradients and the optimizer's state into the
        `Value`s and the optimizer, as eager training leaves them."""
        grads = np.where(self.stepped, self.G, self.added)  # zeroed before each step, or not
        for p, value, g in zip(self.params, self.P.tolist(), grads.tolist()):
            p.data, p.grad = value, g
        self.optimizer.write_back()


def _refuse_others(others: Sequence[Value]) -> None:
    """Refuse a model that reads Values other than its parameters: compiled, they would be
    read as constants and get no gradient, where eager training gives them one."""
    if others:
        raise ValueError(
            f"fit(compile=True): the model reads {len(others)} Value(s) not among its "
            f"parameters (the first: {others[0]!r}), which compiled training would not "
            "differentiate; make them parameters (attributes of a Module, or lists of "
            "Values), write constants as numbers, or train with compile=False"
        )


def _function_of(loss: Callable) -> Callable:
    """The loss function itself, also of a loss given as `partial(loss, reduction=...)`."""
    return loss.func if isinstance(loss, partial) else loss


def _listed(x: Any) -> list:
    return list(x) if isinstance(x, (list, tuple, np.ndarray)) else [x]
