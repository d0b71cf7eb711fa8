"""`fit`: the training loop. Each step averages the per-sample losses C_0 of a batch of n
samples, so the batch's gradient is the average of the n per-sample gradients.
"""

from __future__ import annotations

import copy
import math
import random
from collections.abc import Callable, Iterable, Sequence, Sized
from functools import partial
from numbers import Integral, Real

from tqdm.auto import tqdm

from autodiff import Value, no_grad

from . import _validate, losses
from .compiled import ArrayTraining, CompiledBatch
from .data import batches
from .module import Module
from .notation import BATCH_COST, sample_cost
from .optim import Optimizer

Loss = Callable[..., Value]
ATOMS = (bool, int, float, str, type(None))  # what a step can replace but not change
Classifier = Callable[[list[float], object], bool]


def batch_loss(outputs: Sequence, targets: Sequence, loss: Loss) -> Value:
    """The mean of `loss(output, target)` over a batch, C: its gradient is the average of the
    per-sample gradients."""
    costs = [loss(output, target) for output, target in zip(outputs, targets)]
    for i, cost in enumerate(costs):
        cost.name = sample_cost(i)
    total = costs[0]
    for cost in costs[1:]:
        total = total + cost
    mean = total / len(costs)
    mean.name = BATCH_COST
    return mean


def fit(
    model: Module, X: Sequence[Sequence[float]], y: Sequence, loss: Loss,
    optimizer: Optimizer, epochs: int, batch_size: int | None = None, progress: bool = True,
    shuffle: bool = True, seed: int | None = None, compile: bool = False,
) -> dict[str, list]:
    """Train `model` on samples `X` with targets `y`; return the history per epoch.

    `batch_size=None` takes the whole data set as one batch (one step per epoch). Each epoch
    visits the samples in a new shuffled order (reproducible with `seed`) unless
    `shuffle=False`. A scalar-output model takes scalar targets. `X` and `y` may be lists,
    tuples or numpy arrays; a NaN or infinity in them raises ValueError naming the sample.

    The history holds, for each epoch, `"loss"`, the mean loss of the samples, and
    `"accuracy"`, the fraction classified correctly, both measured on the forward passes of
    the epoch (before each batch's update), as Keras reports them; accuracy is None when the
    task is not classification (see `classifier`). `progress` shows a tqdm bar.

    `compile=True` trains through `autodiff.compile` (see `nn.compiled`, which holds the
    parameters in arrays for the whole call where it can): the same losses and parameters,
    faster after a first step that records the model. A model of your own may compare
    `Value`s (guarded) but not branch on their `.data`.

    Training stops with FloatingPointError, naming the epoch and the batch, at the first loss,
    gradient or step that is NaN or infinite (a learning rate far too large, say). That step
    is not taken: the parameters and the optimizer are as the last finite step left them.
    """
    X, y = _checked(X, y, "fit")
    _validate.count(epochs, "fit: epochs")
    correct = classifier(loss, y)
    rng = random.Random(_validate.seed(seed, "fit"))
    history: dict[str, list] = {"loss": [], "accuracy": []}
    arrays, step = _stepper(model, loss, optimizer, compile)
    bar = tqdm(range(epochs), desc="fit", unit="epoch", disable=not progress)
    try:
        for epoch in bar:
            total_loss, hits = 0.0, 0
            for batch, (Xb, yb) in enumerate(batches(X, y, batch_size, shuffle,
                                                     rng.getrandbits(64))):
                outputs, mean = step(Xb, yb, f"fit: epoch {epoch + 1}, batch {batch + 1}")
                total_loss += mean * len(Xb)
                if correct is not None:
                    hits += sum(correct(_data_of(out), t) for out, t in zip(outputs, yb))
            history["loss"].append(total_loss / len(X))
            history["accuracy"].append(None if correct is None else hits / len(X))
            _show(bar, history, correct is not None)
    finally:  # the numbers back into the Values, however fit ends
        if arrays is not None:
            arrays.write_back()
    return history


Step = Callable[[list, list, str], tuple[list, float]]


def _stepper(
    model: Module, loss: Loss, optimizer: Optimizer, compile: bool
) -> tuple[ArrayTraining | None, Step]:
    """How `fit` takes a batch's step, `step(Xb, yb, where)` giving its outputs and mean loss:
    with the parameters held in arrays (`nn.compiled`), through the compiled step, or eagerly."""
    mean_loss = partial(batch_loss, loss=loss)
    if compile and ArrayTraining.usable(model, loss, optimizer):
        arrays = ArrayTraining(model, loss, mean_loss, optimizer)
        return arrays, partial(_array_step, arrays)
    compiled = CompiledBatch(model, mean_loss) if compile else None
    return None, partial(_step, model, loss, optimizer, compiled, model.named_parameters())


def _array_step(arrays: ArrayTraining, Xb: list, yb: list, where: str) -> tuple[list, float]:
    """One batch's step with the parameters in arrays: its outputs and mean loss."""
    outputs, mean, problem = arrays.step(Xb, yb)
    if problem:
        raise _diverged(where, problem)
    return outputs, mean


def _step(
    model: Module, loss: Loss, optimizer: Optimizer, compiled: CompiledBatch | None,
    named: list[tuple[str, Value]], Xb: list, yb: list, where: str,
) -> tuple[list, float]:
    """One batch's step through `Value`s: its outputs and mean loss, eagerly or through the
    compiled step, the optimizer's step taken only if it stays finite (`_finite_step`)."""
    optimizer.zero_grad()
    if compiled is not None:
        outputs, mean = compiled(Xb, yb)
    else:
        outputs = [model(x) for x in Xb]
        mean = batch_loss(outputs, yb, loss)
        mean.backward()
    _finite_step(optimizer, named, mean.data, where)
    return outputs, mean.data


def _show(bar: tqdm, history: dict[str, list], classifies: bool) -> None:
    """The epoch's loss (and accuracy) beside the progress bar."""
    postfix = {"loss": f"{history['loss'][-1]:.4g}"}
    if classifies:
        postfix["acc"] = f"{history['accuracy'][-1]:.3f}"
    bar.set_postfix(postfix)


def _finite_step(
    optimizer: Optimizer, named: list[tuple[str, Value]], loss: float, where: str
) -> None:
    """`optimizer.step()` on a finite loss and finite gradients, kept only if the parameters
    and the optimizer's numbers stay finite; otherwise FloatingPointError, with the parameters
    and the optimizer as they were. One NaN reaches every weight within a step or two, and
    nothing could undo it then."""
    if not math.isfinite(loss):
        raise _diverged(where, f"the loss is {loss!r}")
    grads = [p.grad for _, p in named]
    if (i := _first_not_finite(grads)) is not None:
        raise _diverged(where, f"the gradient of {named[i][0]} is {grads[i]!r}")
    before = [p.data for _, p in named]
    state, numbers = _snapshot(optimizer, named)
    try:
        optimizer.step()
        problem = _made_non_finite(optimizer, named, before, numbers)
    except OverflowError as error:  # `**` raises where `*` gives an infinity
        problem = f"the step overflowed ({error})"
    except BaseException:  # a step stopped half way (Ctrl-C) is not taken either
        _put_back(optimizer, named, before, state)
        raise
    if problem:
        _put_back(optimizer, named, before, state)
        raise _diverged(where, problem)


def _made_non_finite(optimizer: Optimizer, named: list[tuple[str, Value]],
                     before: list[float], numbers: list[str]) -> str | None:
    """What the step made NaN or infinite: a parameter, or a number the optimizer keeps (Adam's
    g² overflows for |g| > 1e154, and then it stops moving that parameter)."""
    after = [p.data for _, p in named]
    if (i := _first_not_finite(after)) is not None:
        return f"the step would make {named[i][0]} {after[i]!r} (from {before[i]!r})"
    names = {p: name for name, p in named}
    for key in numbers:
        table = getattr(optimizer, key)
        places = list(table) if type(table) is dict else range(len(table))
        values = list(table.values()) if type(table) is dict else table
        if (i := _first_not_finite(values)) is not None:
            place = names.get(places[i], places[i])
            return f"the step would make {type(optimizer).__name__}.{key}[{place}] {values[i]!r}"
    return None


def _put_back(optimizer: Optimizer, named: list[tuple[str, Value]], before: list[float],
              state: dict[str, object]) -> None:
    for (_, p), value in zip(named, before):
        p.data = value
    _restore(optimizer, state)


def _first_not_finite(numbers: list[float]) -> int | None:
    """The index of the first NaN or infinity in `numbers`, or None."""
    if math.isfinite(sum(numbers)):  # one pass in C: a sum of floats is finite only if each is
        return None
    return next((i for i, x in enumerate(numbers) if not math.isfinite(x)), None)


def _diverged(where: str, problem: str) -> FloatingPointError:
    return FloatingPointError(
        f"{where}: {problem}; training stopped, the parameters and the optimizer are as the "
        "last finite step left them (try a smaller learning rate; autodiff.detect_anomaly() "
        "names the operation that gave the first NaN or infinity)"
    )


def _snapshot(
    optimizer: Optimizer, named: list[tuple[str, Value]]
) -> tuple[dict[str, object], list[str]]:
    """The optimizer's attributes, copied so that a step cannot change the copy, and the names
    of its tables of numbers (a momentum, the moments: lists, or dicts keyed by parameter).
    Such a table is copied flat and a number kept, which is quick; anything else (parameter
    groups, a dict of states) deep, keeping the parameters and those tables themselves."""
    attributes = vars(optimizer)
    numbers = [key for key, value in attributes.items() if _is_table(value, (float, int))]
    flat = [key for key, value in attributes.items()
            if _is_table(value, (float, int, Value))]
    state = {key: value.copy() if key in flat else value for key, value in attributes.items()}
    deep = [key for key, value in state.items() if key not in flat and type(value) not in ATOMS]
    if deep:
        memo: dict[int, object] = {id(p): p for _, p in named}
        memo.update((id(attributes[key]), attributes[key]) for key in flat)
        state.update((key, copy.deepcopy(state[key], memo)) for key in deep)
    return state, numbers


def _is_table(value: object, kinds: tuple[type, ...]) -> bool:
    """A list of `kinds`, or a dict from parameters to `kinds`."""
    if type(value) is list:
        return all(type(x) in kinds for x in value)
    return type(value) is dict and all(
        type(k) is Value and type(x) in kinds for k, x in value.items()
    )


def _restore(optimizer: Optimizer, state: dict[str, object]) -> None:
    for key in vars(optimizer).keys() - state.keys():
        delattr(optimizer, key)
    for key, value in state.items():
        current = getattr(optimizer, key, None)
        if type(value) is list and type(current) is list:
            current[:] = value  # in place, as other attributes may hold the same table
        elif type(value) is dict and type(current) is dict:
            current.clear()
            current.update(value)
        else:
            setattr(optimizer, key, value)


def accuracy(model: Module, X: Sequence, y: Sequence, loss: Loss) -> float | None:
    """The fraction of samples `model` classifies correctly (by `classifier`'s rule)."""
    X, y = _checked(X, y, "accuracy")
    correct = classifier(loss, y)
    if correct is None:
        return None
    with no_grad():
        return sum(correct(_data_of(model(x)), t) for x, t in zip(X, y)) / len(X)


def _checked(X: object, y: object, where: str) -> tuple[list[list[float]], list]:
    """Samples and targets as lists of Python numbers, whatever sequences held them (lists,
    tuples, numpy arrays), each checked finite. A target is a number or a list of them;
    integers stay integers (class indices)."""
    if len(X) != len(y) or len(X) == 0:
        raise ValueError(
            f"{where}: need as many targets as samples (>= 1), got {len(X)} and {len(y)}"
        )
    samples = [_numbers(x, f"X[{i}]", i, where) for i, x in enumerate(X)]
    targets = [(_number if isinstance(t, Real) else _numbers)(t, f"y[{i}]", i, where)
               for i, t in enumerate(y)]
    return samples, targets


def _numbers(x: object, what: str, sample: int, where: str) -> list[int | float]:
    if isinstance(x, (str, bytes)) or not isinstance(x, Sized) or not isinstance(x, Iterable):
        raise TypeError(
            f"{where}: {what} (sample {sample}) must be a sequence of numbers, got {x!r}"
        )
    return [_number(v, f"{what}[{k}]", sample, where) for k, v in enumerate(x)]


def _number(x: object, what: str, sample: int, where: str) -> int | float:
    if not isinstance(x, Real):
        raise TypeError(f"{where}: {what} (sample {sample}) must be a number, got {x!r}")
    if isinstance(x, Integral):
        return int(x)
    if not math.isfinite(x):
        raise ValueError(f"{where}: {what} (sample {sample}) is {x!r}; the data must be finite")
    return float(x)


def _data_of(outputs: Value | Sequence[Value]) -> list[float]:
    """The numbers of a model's outputs: a list of `Value`s, or one `Value` for one output."""
    return [o if type(o) is float else o.data for o in _listed(outputs)]


def classifier(loss: Loss, y: Sequence) -> Classifier | None:
    """How to tell whether outputs classify a target correctly, read from the loss:

    - `cross_entropy`: the largest output is the target class;
    - `binary_cross_entropy_with_logits`: each logit is > 0 exactly when its target is > 1/2;
    - `binary_cross_entropy`: each probability is > 1/2 exactly when its target is;
    - `hinge`: each output is > 0 exactly when its label is +1 (not 0 or −1);
    - `quadratic`, `sum_squared_error`, `mse`: when the targets take exactly two values
      (0/1, −1/+1, …), each output lies on its target's side of their midpoint;
    - otherwise (regression, or a loss of your own): None, no accuracy.

    A loss given as `partial(loss, reduction=...)` is read as the loss itself. Outputs that are
    NaN or infinite are never correct (a NaN compares false on every side, so it would pass for
    a negative, and for class 0).
    """
    rule = _rule(loss.func if isinstance(loss, partial) else loss, y)
    if rule is None:
        return None
    return lambda out, t: all(map(math.isfinite, out)) and rule(out, t)


def _rule(loss: Loss, y: Sequence) -> Classifier | None:
    if loss is losses.cross_entropy:
        return lambda out, t: _argmax(out) == (t if isinstance(t, int) else _argmax(t))
    if loss is losses.binary_cross_entropy_with_logits:
        return _sides(0.0, 0.5)
    if loss is losses.binary_cross_entropy:
        return _sides(0.5, 0.5)
    if loss is losses.hinge:
        return _sides(0.0, 0.0)
    if loss in (losses.quadratic, losses.sum_squared_error, losses.mse):
        labels = {t for target in y for t in _listed(target)}
        if len(labels) == 2:
            midpoint = sum(labels) / 2
            return _sides(midpoint, midpoint)
    return None


def _sides(output_threshold: float, target_threshold: float) -> Classifier:
    def correct(out: list[float], target: object) -> bool:
        return all(
            (o > output_threshold) == (t > target_threshold)
            for o, t in zip(out, _listed(target))
        )

    return correct


def _listed(target: object) -> list:
    return list(target) if isinstance(target, Sequence) else [target]


def _argmax(xs: Sequence[float]) -> int:
    return max(range(len(xs)), key=xs.__getitem__)
