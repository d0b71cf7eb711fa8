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

from collections.abc import Callable, Sequence
from numbers import Real
from weakref import WeakSet

from autodiff import Value
from autodiff import compile as compile_function

from .module import Module, functional_call

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
        added: dict[Value, float] = {}
        for p, g in zip(self.params, pullback([o.grad for o in leaves])):
            added.setdefault(p, g)  # a tied parameter's gradient is its first place's
        for p, g in added.items():
            p.grad = p.grad + g if p.grad else g
        return outputs, loss

    def _refuse_captured(self, inputs: list[list[Value]]) -> None:
        """Refuse a model that reads Values other than its parameters: compiled, they would be
        read as constants and get no gradient, where eager training gives them one."""
        recordings = self._outputs.recordings
        if not recordings or recordings[0] in self._checked:
            return
        self._checked.add(recordings[0])
        own = {id(leaf) for row in inputs for leaf in row}
        others = [v for v in recordings[0].captured if id(v) not in own]
        if others:
            raise ValueError(
                f"fit(compile=True): the model reads {len(others)} Value(s) not among its "
                f"parameters (the first: {others[0]!r}), which compiled training would not "
                "differentiate; make them parameters (attributes of a Module, or lists of "
                "Values), write constants as numbers, or train with compile=False"
            )

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
