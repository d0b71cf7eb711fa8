"""`compile`: record a function's graph once, then replay it on new numbers without `Value`s.

A replay runs Python generated from the recorded graph (`codegen.py`; a graph above
`rolled.ROLL_ABOVE` nodes as loops, `rolled.py`), which does the same float operations in the
same order as `value_and_grad`, so it gives the same bits. Where the graph holds layers
(`weighted_sums` over a batch, and elementwise primitives over them), they run as NumPy array
operations (`vectorize.py`), equal to rounding: a matrix product adds in its own order. What a
recording holds, and what is checked on each call (see `compile`):

- every comparison of `Value`s (`<`, `<=`, `>`, `>=`, also inside `max`, `min`, `sorted`)
  made while recording is a guard, checked on the replayed numbers; when one comes out
  otherwise, `f` is recorded again (up to `MAX_RECORDINGS` recordings are kept);
- branches inside primitives (relu's step, abs's sign, a domain error) are re-evaluated,
  since the replay runs the primitives' own rules;
- `Value`s that `f` did not make from its arguments (a captured `Value`, leaf or not, a
  model's parameter) are read from their `.data` on each call, after checking that the way
  `f` finds them (an attribute, a list item, a closure, a global) still leads to the same
  object (`captures.py`); constants made from numbers inside `f` are written into the code;
- the shapes of the differentiated arguments and the other arguments select the recording,
  numbers by their bits (0.0 and -0.0 apart, NaN equal to NaN), other values with `==`.

When recording does not pay (after `GIVE_UP_AFTER` recordings that were replayed fewer than
`REPLAYS_PER_RECORDING` times each), the function runs eagerly from then on, and a
`CompileWarning` says once which check kept sending calls back to recording.

Not guarded, so frozen into a recording: numbers `f` reads from `.data` or `.grad`, from
globals, closures or arrays, and Python branches on them; exceptions `f` catches (a `try`
around a `log`); `==`, `!=` and `bool` of a `Value` (identity and always true, as eagerly);
randomness and side effects of `f` (they happen when it is recorded). A replay makes none of
`detect_anomaly`'s checks (the recording does): to find a NaN, run `f` itself.
"""

from __future__ import annotations

import builtins
import threading
import warnings
from collections import Counter
from collections.abc import Callable
from numbers import Real
from typing import Any

from ..anomaly import _user_site
from ..functional import ArgNums, Gradient, _argnums, _evaluate, _flat, _shape, _shaped
from ..graph import backpropagate, collector_paused
from ..mode import Switch, enable_grad
from ..rules import weighted_sum
from ..value import Value
from . import keys
from .captures import ways_to
from .codegen import Guard, RecordedGraph, write_replay
from .rolled import ROLL_ABOVE, write_rolled_replay
from .vectorize import write_vectorized_replay

MAX_RECORDINGS = 8  # recordings kept per compiled function, the most recently used first
GIVE_UP_AFTER = MAX_RECORDINGS  # recordings made before compile may judge they do not pay
REPLAYS_PER_RECORDING = 4  # fewer replays than this per recording made: it does not pay

Output = Any  # a float, or a list of floats for a function returning a list


class CompileWarning(RuntimeWarning):
    """A compiled function stopped recording and runs eagerly: its recordings did not pay."""


def compile(f: Callable[..., Any], argnums: ArgNums = 0) -> Compiled:
    """Record `f` on its first call and replay the recording on later calls, without `Value`s.

    `cf = compile(f)`; `cf(*args)` is f's value, `cf.value_and_grad(*args)` and
    `cf.grad(*args)` what `value_and_grad(f, argnums)` and `grad(f, argnums)` give, bit for
    bit (to rounding where layers run as arrays, `recording.groups`); `cf.vjp(*args)` gives
    the outputs and a function from the outputs' gradient to the arguments'. The arguments
    named by `argnums` are numbers or flat lists (tuples) of numbers, and their gradients
    have the same shape; the other arguments and the keyword arguments are passed to `f` as
    they are and select the recording (numbers by their bits, other values with `==`), so
    they must be hashable (lists and tuples of hashables are fine). `f` returns a scalar
    (`Value` or number) or a flat list of them.

    Every comparison of `Value`s made while recording is a guard: a call whose numbers make one
    come out otherwise records `f` again, keeping up to `MAX_RECORDINGS` recordings. Values `f`
    captures are read from their `.data` on every call; numbers it reads from `.data` itself
    are constants of the recording. Inside `f`, `no_grad` and differentiating again
    (`hessian`, a nested `grad`, `create_graph`) are refused. The module docstring lists
    exactly what is checked, and when compile gives up and runs `f` eagerly.
    """
    return Compiled(f, argnums)


class Recording:
    """One recorded path through `f`: the generated code and what selects it."""

    __slots__ = ("key", "source", "replay", "outputs", "captured", "checks", "groups",
                 "__weakref__")

    def __init__(self, key: tuple, source: str, replay: Callable, outputs: int | None,
                 captured: list[Value], checks: list[str], groups: list[str]) -> None:
        self.key = key
        self.source = source  # the generated code, for reading
        self.replay = replay
        self.outputs = outputs  # None for a scalar output, else the length of the list
        self.captured = tuple(captured)  # the Values it reads from .data on each call
        self.checks = checks  # what each check is (a guard, a captured Value's place)
        self.groups = tuple(groups)  # the array operations it runs (vectorize.py), described


class Compiled:
    """`f` compiled (see `compile`): call it, or ask for its gradient or its vjp.

    Slots only, so that `captures` never looks for a captured Value among its recordings."""

    __slots__ = ("f", "argnums", "eager", "recorded", "replayed", "_recordings", "_missed",
                 "_lock", "__weakref__")

    def __init__(self, f: Callable[..., Any], argnums: ArgNums = 0) -> None:
        self.f = f
        self.argnums = argnums
        self.eager = False  # whether recording did not pay, so f now runs eagerly
        self.recorded = 0  # recordings made
        self.replayed = 0  # calls a recording served
        self._recordings: list[Recording] = []
        self._missed: Counter[str] = Counter()  # why calls found no recording to replay
        self._lock = threading.Lock()  # for the list of recordings; replays run unlocked

    @property
    def recordings(self) -> tuple[Recording, ...]:
        """The recordings kept, the most recently used first."""
        return tuple(self._recordings)

    def __call__(self, *args: Any, **kwargs: Any) -> Output:
        _, run, outputs, _ = self._replay(args, kwargs)
        run.close()
        return outputs

    def value_and_grad(self, *args: Any, **kwargs: Any) -> tuple[float, Gradient]:
        """`(f(*args), ∂f/∂args[argnums])`, as `value_and_grad(f, argnums)` gives them."""
        count, run, value, indices = self._replay(args, kwargs)
        if count is not None:
            run.close()
            raise TypeError(
                f"compile: value_and_grad needs f to return a scalar, but it returned a list of "
                f"{count}; use vjp"
            )
        return value, self._gradient(_resume(run, 1.0), args, indices)

    def grad(self, *args: Any, **kwargs: Any) -> Gradient:
        """∂f/∂args[argnums], as `grad(f, argnums)` gives it."""
        return self.value_and_grad(*args, **kwargs)[1]

    def vjp(self, *args: Any, **kwargs: Any) -> tuple[Output, Callable[[Any], Gradient]]:
        """f's outputs and its pullback: the function taking the outputs' gradient (a number,
        or a list for a list of outputs) to Σ gradient·∂output/∂args[argnums].

        For a loss computed from the outputs elsewhere (as `nn.fit` does with its targets).
        The pullback may be called once.
        """
        count, run, outputs, indices = self._replay(args, kwargs)
        pulled = False

        def pullback(cotangent: Any) -> Gradient:
            nonlocal pulled
            if pulled:
                raise RuntimeError("compile: a vjp's pullback can be called once")
            pulled = True
            return self._gradient(_resume(run, _cotangent(cotangent, count)), args, indices)

        return outputs, pullback

    # --- finding or making the recording for a call ----------------------------------------

    def _replay(self, args: tuple, kwargs: dict) -> tuple[int | None, Any, Output, tuple]:
        """The replay that applies to these arguments, run up to the outputs: (the number of
        outputs or None, the replay, its outputs, the argnums)."""
        indices = _argnums(self.argnums, len(args), "compile")
        if self.eager:
            return (*_eagerly(self.f, self.argnums, args, kwargs), indices)
        key, numbers = keys.key(args, kwargs, indices)
        found = False
        for recording in self.recordings:
            if recording.key != key:
                continue
            found = True
            run = recording.replay(*numbers)
            try:
                outputs = next(run)
            except StopIteration as stop:  # a check came out otherwise: another path
                self._missed[recording.checks[stop.value]] += 1
                continue
            except Exception:  # as a path f does not take here would fail: record again
                self._missed["an error on the path recorded"] += 1
                continue
            self._keep(recording, replayed=True)
            return recording.outputs, run, outputs, indices
        if not found:
            self._missed["the arguments that select a recording"] += 1
        if not self._pays():
            self._give_up()
            return self._replay(args, kwargs)
        return self._record(args, kwargs, key, numbers, indices)

    def _record(self, args: tuple, kwargs: dict, key: tuple, numbers: list[float],
                indices: tuple) -> tuple[int | None, Any, Output, tuple]:
        recording = _record(self.f, self.argnums, args, kwargs, key)
        self._keep(recording)
        self.recorded += 1
        run = recording.replay(*numbers)
        try:
            outputs = next(run)
        except StopIteration:
            raise RuntimeError(
                "compile: f took another path on the very numbers it was recorded with; "
                "is it deterministic?"
            ) from None
        return recording.outputs, run, outputs, indices

    def _keep(self, recording: Recording, replayed: bool = False) -> None:
        """Put `recording` first, dropping the least recently used past `MAX_RECORDINGS`."""
        with self._lock:
            self.replayed += replayed
            if recording in self._recordings:
                self._recordings.remove(recording)
            self._recordings.insert(0, recording)
            del self._recordings[MAX_RECORDINGS:]

    def _pays(self) -> bool:
        """Whether recording once more is worth it: the recordings so far were replayed."""
        return (self.recorded < GIVE_UP_AFTER
                or self.replayed >= REPLAYS_PER_RECORDING * self.recorded)

    def _give_up(self) -> None:
        """Run f eagerly from now on, and say why, once."""
        with self._lock:
            self.eager = True
            self._recordings.clear()
        reason, times = self._missed.most_common(1)[0]
        name = getattr(self.f, "__qualname__", repr(self.f))
        warnings.warn(
            f"compile: {name} was recorded {self.recorded} times and its recordings replayed "
            f"{self.replayed} times: {reason} kept sending calls back to recording ({times} "
            "times); it runs eagerly from now on, as fast as without compile",
            CompileWarning, stacklevel=4,
        )

    def _gradient(self, grads: tuple, args: tuple, indices: tuple) -> Gradient:
        """The replay's gradients (one per number of each distinct argnum) in argnums' shape."""
        start, at = 0, {}
        for i in dict.fromkeys(indices):
            size = len(args[i]) if isinstance(args[i], (list, tuple)) else 1
            at[i] = grads[start:start + size]
            start += size
        like = [args[i] for i in indices]
        return _shape(_shaped((g for i in indices for g in at[i]), like), self.argnums)


def _resume(run: Any, cotangent: Any) -> tuple:
    """Run the backward half of a replay from the outputs' gradient; its gradients."""
    try:
        run.send(cotangent)
    except StopIteration as done:
        return done.value
    raise AssertionError("a replay yields once")


def _cotangent(cotangent: Any, count: int | None) -> Any:
    if count is None:
        return keys.number(cotangent, "the pullback's gradient")
    if not isinstance(cotangent, (list, tuple)) or len(cotangent) != count:
        raise ValueError(
            f"compile: the pullback needs a gradient for each of the {count} "
            f"outputs, got {cotangent!r}"
        )
    return tuple(keys.number(c, "the pullback's gradient") for c in cotangent)


# --- recording --------------------------------------------------------------------------------


class _recording(Switch):
    """While `compile` runs f: what the operations report beside the graph, for the code."""

    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.constants: set[Value] = set()  # leaves made from numbers inside f
        self.made: set[int] = set()  # the ids of the nodes operations made inside f

    def guard(self, op: str, a: Value, b: Value, outcome: bool) -> None:
        """A comparison of values: a guard, kept with the program's line that made it."""
        self.guards.append(Guard(op, a, b, outcome, _user_site()))

    def changes(self) -> dict[str, object]:
        return {"recording": self}


def _record(f: Callable, argnums: ArgNums, args: tuple, kwargs: dict, key: tuple) -> Recording:
    with _recording() as recorded:
        out, inputs, _ = _evaluate(f, argnums, args, kwargs, "compile")
    outputs, count = _outputs(out)
    with collector_paused():  # walking and writing make no cycles, but would set off collections
        graph = RecordedGraph(list(dict.fromkeys(_flat(inputs))), outputs, recorded.guards,
                              recorded.constants, recorded.made)
        ways = ways_to(f, graph.captured)
        replay, groups = write_vectorized_replay(graph, ways, count) or (None, [])
        if replay is None:
            write = write_rolled_replay if len(graph.order) > ROLL_ABOVE else write_replay
            replay = write(graph, ways, count)
        exec(builtins.compile(replay.source, "<autodiff.compile>", "exec"), replay.namespace)
    return Recording(key, replay.source, replay.namespace["replay"], count, graph.captured,
                     replay.checks, groups)


def _outputs(out: Any) -> tuple[list, int | None]:
    """f's outputs as a list, and their number (None for a scalar)."""
    listed = isinstance(out, (list, tuple))
    outputs = list(out) if listed else [out]
    for o in outputs:
        if not isinstance(o, (Value, Real)):
            raise TypeError(
                f"compile: f must return a scalar Value or number, or a flat list of them, got "
                f"{o!r}"
            )
    return outputs, len(outputs) if listed else None


# --- running f eagerly, once recording did not pay --------------------------------------------


def _eagerly(f: Callable, argnums: ArgNums, args: tuple, kwargs: dict) -> tuple:
    """What a replay gives (the number of outputs, the run, the outputs), from f itself."""
    for i in dict.fromkeys(_argnums(argnums, len(args), "compile")):
        for e in args[i] if isinstance(args[i], (list, tuple)) else (args[i],):
            keys.number(e, f"argument {i}")
    out, inputs, _ = _evaluate(f, argnums, args, kwargs, "compile")
    outputs, count = _outputs(out)
    run = _backward(outputs, list(dict.fromkeys(_flat(inputs))), count)
    numbers = [o.data if isinstance(o, Value) else float(o) for o in outputs]
    next(run)
    return count, run, numbers[0] if count is None else numbers


def _backward(outputs: list, inputs: list[Value], count: int | None) -> Any:
    """A run's backward half on f's graph: the inputs' gradients from the outputs'."""
    cotangent = yield
    seeds = (cotangent,) if count is None else cotangent
    pairs = [(c, o) for c, o in zip(seeds, outputs) if isinstance(o, Value)]
    if not pairs:
        return (0.0,) * len(inputs)
    if count is None and cotangent == 1.0:  # value_and_grad's own pass
        root = pairs[0][1]
    else:
        with enable_grad():  # Σ cotangent·output, whose gradient into output k is cotangent k
            root = weighted_sum([c for c, _ in pairs], [o for _, o in pairs])
    grads = backpropagate(root)
    return tuple(float(grads.get(x, 0.0)) for x in inputs)
