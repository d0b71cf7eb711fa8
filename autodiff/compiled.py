"""`compile`: record a function's graph once, then replay it on new numbers without `Value`s.

A replay runs straight-line Python generated from the recorded graph: one generator function
per recording whose first half is the forward pass (each primitive's `forward`) and whose
second half, resumed with the output's gradient, is the backward pass: the local derivatives
from each primitive's `derivative` rule on the replayed floats, summed into each node's
gradient in the order `graph.backward_pass` adds them. The same float operations in the same
order give the same bits as `value_and_grad`.

The generated code calls nothing per node where it can help it. Each forward function and
derivative rule is run once per recording on symbols that write the code of what they compute
(`_trace`): + − × ÷ become Python operators on local variables, each comparison a conditional
expression (every outcome is explored), and anything else (a `math` function, `**`, a raised
error) a call to the primitive's own function. No primitive is known to the compiler by name,
so a new one, built in or made with `@primitive`, needs no change here.

What a recording holds, and what is checked on each call (see `compile`):

- every comparison of `Value`s (`<`, `<=`, `>`, `>=`, also inside `max`, `min`, `sorted`)
  made while recording is a guard, checked on the replayed numbers; when one comes out
  otherwise, `f` is recorded again (up to `MAX_RECORDINGS` recordings are kept);
- branches inside primitives (relu's step, abs's sign, a domain error) are re-evaluated,
  since the replay runs the primitives' own rules;
- leaves that `f` did not make from its arguments (a captured `Value`, a model's parameter,
  a constant) are read from their `.data` on each call;
- the shapes of the differentiated arguments and the values of the other arguments (compared
  with `==`) select the recording.

Not guarded, so frozen into a recording: numbers `f` reads from `.data` or `.grad`, from
globals, closures or arrays, and Python branches on them; exceptions `f` catches (a `try`
around a `log`); `==`, `!=` and `bool` of a `Value` (identity and always true, as eagerly);
randomness and side effects of `f` (they happen when it is recorded). A replay
makes none of `detect_anomaly`'s checks (the recording does): to find a NaN, run `f` itself.
"""

from __future__ import annotations

import builtins
import math
import operator
import threading
from collections.abc import Callable, Sequence
from numbers import Real
from typing import Any

from .functional import ArgNums, Gradient, _argnums, _evaluate, _flat, _shape, _shaped
from .graph import topological_order
from .mode import Switch
from .value import COMPARISONS, Primitive, Value

MAX_RECORDINGS = 8  # recordings kept per compiled function, the most recently used first
_MAX_TERMS = 200  # terms per generated expression: CPython's compiler recurses on long chains
_MAX_BRANCHES = 4  # comparisons explored per traced rule (up to 2**4 paths)

Output = Any  # a float, or a list of floats for a function returning a list


def compile(f: Callable[..., Any], argnums: ArgNums = 0) -> Compiled:
    """Record `f` on its first call and replay the recording on later calls, without `Value`s.

    `cf = compile(f)`; `cf(*args)` is f's value, `cf.value_and_grad(*args)` and
    `cf.grad(*args)` what `value_and_grad(f, argnums)` and `grad(f, argnums)` give, bit for
    bit; `cf.vjp(*args)` gives the outputs and a function from the outputs' gradient to the
    arguments'. The arguments named by `argnums` are numbers or flat lists (tuples) of numbers,
    and their gradients have the same shape; the other arguments and the keyword arguments are
    passed to `f` as they are and select the recording (compared with `==`), so they must be
    hashable (lists and tuples of hashables are fine). `f` returns a scalar (`Value` or
    number) or a flat list of them.

    Every comparison of `Value`s made while recording is a guard: a call whose numbers make one
    come out otherwise records `f` again, keeping up to `MAX_RECORDINGS` recordings. Numbers
    read from `.data` (or from outside `f`'s arguments) are not guarded: they are constants of
    the recording. Inside `f`, `no_grad` and differentiating again (`hessian`, a nested
    `grad`, `create_graph`) are refused. The module docstring lists exactly what is checked.
    """
    return Compiled(f, argnums)


class Recording:
    """One recorded path through `f`: the generated code and what selects it."""

    def __init__(self, key: tuple, source: str, replay: Callable, outputs: int | None):
        self.key = key
        self.source = source  # the generated code, for reading
        self.replay = replay
        self.outputs = outputs  # None for a scalar output, else the length of the list


class Compiled:
    """`f` compiled (see `compile`): call it, or ask for its gradient or its vjp."""

    def __init__(self, f: Callable[..., Any], argnums: ArgNums = 0) -> None:
        self.f = f
        self.argnums = argnums
        self._recordings: list[Recording] = []
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
        recording, run, value, indices = self._replay(args, kwargs)
        if recording.outputs is not None:
            run.close()
            raise TypeError(
                f"compile: value_and_grad needs f to return a scalar, but it returned a list of "
                f"{recording.outputs}; use vjp"
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
        recording, run, outputs, indices = self._replay(args, kwargs)
        pulled = False

        def pullback(cotangent: Any) -> Gradient:
            nonlocal pulled
            if pulled:
                raise RuntimeError("compile: a vjp's pullback can be called once")
            pulled = True
            return self._gradient(_resume(run, _cotangent(cotangent, recording)), args, indices)

        return outputs, pullback

    # --- finding or making the recording for a call ----------------------------------------

    def _replay(self, args: tuple, kwargs: dict) -> tuple[Recording, Any, Output, tuple]:
        """The recording that applies to these arguments, its replay run up to the outputs."""
        indices = _argnums(self.argnums, len(args), "compile")
        key, numbers = _key(args, kwargs, indices)
        for recording in self.recordings:
            if recording.key != key:
                continue
            run = recording.replay(*numbers)
            try:
                outputs = next(run)
            except StopIteration:  # a guard came out otherwise: another path through f
                continue
            except Exception:  # as a path f does not take here would fail: record again
                continue
            self._keep(recording)
            return recording, run, outputs, indices
        recording = _record(self.f, self.argnums, args, kwargs, key)
        self._keep(recording)
        run = recording.replay(*numbers)
        try:
            outputs = next(run)
        except StopIteration:
            raise RuntimeError(
                "compile: f took another path on the very numbers it was recorded with; "
                "is it deterministic?"
            ) from None
        return recording, run, outputs, indices

    def _keep(self, recording: Recording) -> None:
        """Put `recording` first, dropping the least recently used past `MAX_RECORDINGS`."""
        with self._lock:
            if recording in self._recordings:
                self._recordings.remove(recording)
            self._recordings.insert(0, recording)
            del self._recordings[MAX_RECORDINGS:]

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


def _cotangent(cotangent: Any, recording: Recording) -> Any:
    if recording.outputs is None:
        return _number(cotangent, "the pullback's gradient")
    if not isinstance(cotangent, (list, tuple)) or len(cotangent) != recording.outputs:
        raise ValueError(
            f"compile: the pullback needs a gradient for each of the {recording.outputs} "
            f"outputs, got {cotangent!r}"
        )
    return tuple(_number(c, "the pullback's gradient") for c in cotangent)


# --- what selects a recording -----------------------------------------------------------------


def _key(args: tuple, kwargs: dict, indices: tuple) -> tuple[tuple, list[float]]:
    """What a recording must match (the shapes of the differentiated arguments, the others'
    values) and the numbers to replay it on, in the order of the recording's inputs."""
    differentiated = dict.fromkeys(indices)
    numbers: list[float] = []
    for i in differentiated:
        a = args[i]
        items = a if isinstance(a, (list, tuple)) else (a,)
        numbers += [e if type(e) is float else _number(e, f"argument {i}") for e in items]
    key = tuple(
        _shape_of(a) if i in differentiated else _frozen(a, f"argument {i}")
        for i, a in enumerate(args)
    )
    static = tuple(sorted((name, _frozen(v, f"keyword argument {name}"))
                          for name, v in kwargs.items()))
    return (key, static), numbers


def _shape_of(a: Any) -> Any:
    return (type(a), len(a)) if isinstance(a, (list, tuple)) else float


def _number(x: Any, what: str) -> float:
    if isinstance(x, Value):
        raise TypeError(
            f"compile: {what} is a Value; a compiled function replays numbers (to differentiate "
            "through Values, call f or value_and_grad)"
        )
    if not isinstance(x, Real):
        raise TypeError(f"compile: {what} must be a number or a flat list of numbers, got {x!r}")
    return float(x)


def _frozen(x: Any, what: str) -> Any:
    """`x` as part of a recording's key: typed (1 and 1.0 may send f different ways), lists and
    tuples by their items."""
    if isinstance(x, Value):
        raise TypeError(
            f"compile: {what} is a Value; a compiled function replays numbers (close over "
            "Values instead: their .data is read on each call)"
        )
    if isinstance(x, (list, tuple)):
        return type(x), tuple(_frozen(e, what) for e in x)
    try:
        hash(x)
    except TypeError:
        raise TypeError(
            f"compile: {what} is not differentiated, so the recording depends on its value and "
            f"it must be hashable (or a list of hashables), got {type(x).__name__}"
        ) from None
    return type(x), x


# --- recording --------------------------------------------------------------------------------


class _recording(Switch):
    """While `compile` runs f: what the operations report beside the graph, for the code."""

    def __init__(self) -> None:
        self.guards: list[tuple[str, Value, Value, bool]] = []  # (op, a, b, outcome)
        self.constants: set[Value] = set()  # leaves made from numbers inside f

    def changes(self) -> dict[str, object]:
        return {"recording": self}


def _record(f: Callable, argnums: ArgNums, args: tuple, kwargs: dict, key: tuple) -> Recording:
    with _recording() as recorded:
        out, inputs, _ = _evaluate(f, argnums, args, kwargs, "compile")
    if isinstance(out, (list, tuple)):
        outputs = list(out)
        for o in outputs:
            _output(o)
        count: int | None = len(outputs)
    else:
        outputs, count = [_output(out)], None
    source, namespace = _generate(list(dict.fromkeys(_flat(inputs))), outputs, count, recorded)
    exec(builtins.compile(source, "<autodiff.compile>", "exec"), namespace)
    return Recording(key, source, namespace["replay"], count)


def _output(o: Any) -> Any:
    if not isinstance(o, (Value, Real)):
        raise TypeError(
            f"compile: f must return a scalar Value or number, or a flat list of them, got {o!r}"
        )
    return o


# --- code generation ----------------------------------------------------------------------------


def _generate(
    inputs: list[Value], outputs: list, count: int | None, recorded: _recording
) -> tuple[str, dict[str, Any]]:
    """The source of `replay(*inputs)` and the names it uses (functions, leaves, constants).

    The forward half computes every node of one walk from the outputs and the guards' operands,
    checks the guards and yields the outputs; the backward half, resumed with their gradient,
    sums into each node's gradient, once it is complete, the terms the chain rule adds into
    it, in the order `graph.backward_pass` adds them, and returns the inputs' gradients.
    """
    guards = recorded.guards
    top = Value(0.0)
    top.parents = tuple(o for o in outputs if isinstance(o, Value)) + tuple(
        v for _, a, b, _ in guards for v in (a, b)
    )
    order = topological_order(top)[:-1]  # from the outputs first, as backward walks them
    at = {node: i for i, node in enumerate(order)}
    code = _Code()
    is_input = set(inputs)
    params = [f"v{at[x]}" if x in at else f"unused{k}" for k, x in enumerate(inputs)]
    lines = [f"def replay({', '.join(params)}):"]

    needs = [False] * len(order)  # whether an input lies upstream, so its gradient is wanted
    name = [f"v{i}" for i in range(len(order))]  # a variable, or a constant's literal
    for i, node in enumerate(order):
        if node in is_input:
            needs[i] = True
        elif node in recorded.constants:
            name[i] = code.literal(node.data).text
        elif not node.parents:  # made outside f: read on each call
            lines.append(f"    v{i} = {code.bind(node)}.data")
        else:
            forward = code.forward(_compilable(node), len(node.parents))
            lines.append(f"    v{i} = {forward.format(*(name[at[p]] for p in node.parents))}")
            needs[i] = any(needs[at[p]] for p in node.parents)
    for op, a, b, outcome in guards:
        test = f"{name[at[a]]} {_comparison(op)} {name[at[b]]}"
        lines.append(f"    if {'not ' if outcome else ''}({test}): return")
    shown = [name[at[o]] if isinstance(o, Value) else code.literal(float(o)).text
             for o in outputs]
    lines.append(f"    cotangent = yield {shown[0] if count is None else _listed(shown, '[]')}")

    terms: dict[int, list[_Symbol]] = {}  # what the chain rule adds into each gradient, in order
    given = ["cotangent"] if count is None else [f"c{k}" for k in range(count)]
    if count:
        lines.append(f"    {_listed(given)} = cotangent")
    for gradient, o in zip(given, outputs):  # the outputs' gradients start the chain rule
        if isinstance(o, Value) and needs[at[o]]:
            terms.setdefault(at[o], []).append(_Symbol(gradient))
    for i in reversed(range(len(order))):
        node = order[i]
        if i not in terms:
            continue
        lines += _sum(f"g{i}", terms[i])
        if not node.parents:
            continue
        names = [name[at[p]] for p in node.parents] + [name[i]]
        rule = code.derivative(node.primitive, len(node.parents))
        if rule is None:  # the rule's own call, once for all the parents
            rule = [_Symbol(f"d{i}_{k}") for k in range(len(node.parents))]
            lines.append(f"    {_listed([d.text for d in rule])} = "
                         f"{code.call(node.primitive.derivative, names)}")
        for k, parent in enumerate(node.parents):
            if needs[at[parent]]:
                local = _Symbol(rule[k].text.format(*names), rule[k].precedence)
                terms.setdefault(at[parent], []).append(_product(local, f"g{i}"))
    grads = [f"g{at[x]}" if x in at and at[x] in terms else "0.0" for x in inputs]
    lines.append(f"    return {_listed(grads, '()')}")
    return "\n".join(lines) + "\n", code.namespace


def _listed(items: list[str], brackets: str = "") -> str:
    """Items separated by commas, a one-item tuple or target list marked by its comma."""
    text = ", ".join(items) + ("," if len(items) == 1 and brackets != "[]" else "")
    return f"{brackets[:1]}{text}{brackets[1:]}"


def _product(local: _Symbol, gradient: str) -> _Symbol:
    """`local * gradient`, the chain rule's term."""
    unit = _unit_product(local, _Symbol(gradient))
    if unit is not None:
        return unit
    text = local.text if local.precedence >= _PRODUCT else f"({local.text})"
    return _Symbol(f"{text} * {gradient}", _PRODUCT)


def _unit_product(one: _Symbol, other: _Symbol) -> _Symbol | None:
    """1·x is x and −1·x is −x, exactly, for every float: no need to multiply."""
    if one.text in ("1.0", "1"):
        return other
    if one.text in ("-1.0", "-1"):
        return -other
    return None


def _compilable(node: Value) -> Primitive:
    primitive = node.primitive
    if node.local_grads is None or primitive is None or primitive.derivative is None:
        raise TypeError(
            f"compile: f's graph has a node '{node.op}' made micrograd's way, Value(data, "
            "children, op), whose chain rule is a _backward closure that cannot be replayed; "
            "build it from the engine's operations or with @primitive"
        )
    return primitive


def _comparison(op: str) -> str:
    if op not in COMPARISONS:
        raise AssertionError(f"unknown comparison {op!r}")
    return op


def _sum(name: str, terms: list[_Symbol]) -> list[str]:
    """`name = t1 + t2 + …`, added left to right as the chain rule adds them, in statements
    of at most `_MAX_TERMS` terms."""
    lines = []
    for start in range(0, len(terms), _MAX_TERMS):
        texts = [name] if start else []
        for term in terms[start:start + _MAX_TERMS]:
            bare = term.precedence > _SUM or (not texts and term.precedence == _SUM)
            texts.append(term.text if bare else f"({term.text})")
        lines.append(f"    {name} = {' + '.join(texts)}")
    return lines


class _Code:
    """The names the generated code uses for objects, and the traced code of each rule."""

    def __init__(self) -> None:
        self.namespace: dict[str, Any] = {"__builtins__": {}}
        self._names: dict[int, str] = {}
        self._traces: dict[tuple, Any] = {}

    def bind(self, obj: Any, prefix: str = "L") -> str:
        """A name in the generated code for `obj` (a leaf, a function, a constant)."""
        name = self._names.get(id(obj))
        if name is None:
            name = self._names[id(obj)] = f"{prefix}{len(self._names)}"
            self.namespace[name] = obj
        return name

    def literal(self, x: float | int) -> _Symbol:
        if type(x) in (float, int) and math.isfinite(x):
            text = repr(x)
            return _Symbol(text, _UNARY if text.startswith("-") else _ATOM)
        return _Symbol(self.bind(x, "K"))

    def call(self, function: Callable, names: Sequence[str]) -> str:
        return f"{self.bind(function, 'F')}({', '.join(names)})"

    def forward(self, primitive: Primitive, arity: int) -> str:
        """The expression computing the node from its parents {0}, {1}, …"""
        key = (primitive, arity, "forward")
        if key not in self._traces:
            function = _OPERATORS.get(primitive.forward, primitive.forward)
            traced = _trace(function, arity, self)
            self._traces[key] = (
                traced[0].text if traced is not None and len(traced) == 1
                else self.call(primitive.forward, [f"{{{k}}}" for k in range(arity)])
            )
        return self._traces[key]

    def derivative(self, primitive: Primitive, arity: int) -> list[_Symbol] | None:
        """The local derivatives in parents {0}, {1}, … and output {arity}, or None when the
        rule must be called."""
        key = (primitive, arity, "derivative")
        if key not in self._traces:
            traced = _trace(primitive.derivative, arity + 1, self)
            self._traces[key] = traced if traced is not None and len(traced) == arity else None
        return self._traces[key]


# Python's float methods, which symbols cannot enter, as the operators that are the same
# operations on floats.
_OPERATORS: dict[Callable, Callable] = {
    float.__add__: operator.add, float.__sub__: operator.sub, float.__mul__: operator.mul,
    float.__truediv__: operator.truediv, float.__neg__: operator.neg,
}


# --- tracing a rule into code -------------------------------------------------------------------


_CONDITIONAL, _COMPARISON, _SUM, _PRODUCT, _UNARY, _ATOM = range(6)  # Python's precedences


class _Untraceable(BaseException):
    """A symbol asked for what the tracer does not write as code. A BaseException, so that no
    `except Exception` in a rule mistakes it for a float error and carries on."""


class _Branch(BaseException):
    """The first comparison past the outcomes decided so far: explore both ways from here."""

    def __init__(self, condition: _Symbol) -> None:
        self.condition = condition


class _Path:
    """The outcomes decided for the comparisons a run through a rule meets, in order."""

    def __init__(self, taken: list[bool], code: _Code) -> None:
        self.taken = taken
        self.met = 0
        self.code = code

    def decide(self, condition: _Symbol) -> bool:
        if self.met == len(self.taken):
            raise _Branch(condition)
        self.met += 1
        return self.taken[self.met - 1]


def _trace(function: Callable, arity: int, code: _Code) -> list[_Symbol] | None:
    """`function`'s result (a tuple: each item) as expressions in placeholders {0}, {1}, … for
    its arguments, with a conditional expression for each comparison it meets; None when
    some path through it needs more than arithmetic (then the code calls it)."""

    def run(taken: list[bool]) -> list[_Symbol] | None:
        path = _Path(taken, code)
        symbols = [_Symbol(f"{{{k}}}", _ATOM, 0, path) for k in range(arity)]
        try:
            result = function(*symbols)
            items = result if isinstance(result, tuple) else (result,)
            return [x if isinstance(x, _Symbol) else _constant(x, code) for x in items]
        except _Branch as branch:
            if len(taken) == _MAX_BRANCHES:
                return None
            yes, no = run([*taken, True]), run([*taken, False])
            if yes is None or no is None or len(yes) != len(no):
                return None
            return [_Symbol.conditional(y, branch.condition, n) for y, n in zip(yes, no)]
        except (Exception, _Untraceable):
            return None

    return run([])


def _constant(x: Any, code: _Code) -> _Symbol:
    if type(x) not in (float, int):
        raise _Untraceable
    return code.literal(x)


class _Symbol:
    """A float of the generated code, as the text of an expression: arithmetic on it writes
    the expression of the result (parenthesized where Python's precedence needs it, so that
    it evaluates in the same order), comparisons ask the path which way to go."""

    __slots__ = ("text", "precedence", "depth", "path")

    def __init__(
        self, text: str, precedence: int = _ATOM, depth: int = 0, path: _Path | None = None
    ) -> None:
        self.text = text
        self.precedence = precedence
        self.depth = depth
        self.path = path

    def _wrap(self, x: Any) -> _Symbol:
        if isinstance(x, _Symbol):
            return x
        if self.path is None or type(x) not in (float, int):
            raise _Untraceable
        return self.path.code.literal(x)

    def _binary(self, symbol: str, precedence: int, left: Any, right: Any) -> _Symbol:
        left, right = self._wrap(left), self._wrap(right)
        if _COMPARISON in (left.precedence, right.precedence):  # a truth value as a number
            raise _Untraceable
        if symbol == "*":
            for one, other in ((left, right), (right, left)):
                unit = _unit_product(one, other)
                if unit is not None:
                    return unit
        depth = max(left.depth, right.depth) + 1
        if depth > _MAX_TERMS:
            raise _Untraceable
        a = left.text if left.precedence >= precedence else f"({left.text})"
        b = right.text if right.precedence > precedence else f"({right.text})"
        return _Symbol(f"{a} {symbol} {b}", precedence, depth, left.path or right.path)

    def __add__(self, other: Any) -> _Symbol:
        return self._binary("+", _SUM, self, other)

    def __radd__(self, other: Any) -> _Symbol:
        return self._binary("+", _SUM, other, self)

    def __sub__(self, other: Any) -> _Symbol:
        return self._binary("-", _SUM, self, other)

    def __rsub__(self, other: Any) -> _Symbol:
        return self._binary("-", _SUM, other, self)

    def __mul__(self, other: Any) -> _Symbol:
        return self._binary("*", _PRODUCT, self, other)

    def __rmul__(self, other: Any) -> _Symbol:
        return self._binary("*", _PRODUCT, other, self)

    def __truediv__(self, other: Any) -> _Symbol:
        return self._binary("/", _PRODUCT, self, other)

    def __rtruediv__(self, other: Any) -> _Symbol:
        return self._binary("/", _PRODUCT, other, self)

    def __neg__(self) -> _Symbol:
        if self.precedence == _COMPARISON:
            raise _Untraceable
        text = self.text if self.precedence == _ATOM else f"({self.text})"
        return _Symbol(f"-{text}", _UNARY, self.depth + 1, self.path)

    def __pos__(self) -> _Symbol:
        return self

    def _compare(self, symbol: str, other: Any) -> _Symbol:
        left, right = self, self._wrap(other)
        if left.precedence <= _COMPARISON or right.precedence <= _COMPARISON:
            raise _Untraceable
        return _Symbol(f"{left.text} {symbol} {right.text}", _COMPARISON,
                       max(left.depth, right.depth) + 1, self.path)

    def __lt__(self, other: Any) -> _Symbol:
        return self._compare("<", other)

    def __le__(self, other: Any) -> _Symbol:
        return self._compare("<=", other)

    def __gt__(self, other: Any) -> _Symbol:
        return self._compare(">", other)

    def __ge__(self, other: Any) -> _Symbol:
        return self._compare(">=", other)

    def __eq__(self, other: Any) -> _Symbol:  # type: ignore[override]
        return self._compare("==", other)

    def __ne__(self, other: Any) -> _Symbol:  # type: ignore[override]
        return self._compare("!=", other)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        if self.precedence != _COMPARISON or self.path is None:
            raise _Untraceable
        return self.path.decide(self)

    @staticmethod
    def conditional(yes: _Symbol, condition: _Symbol, no: _Symbol) -> _Symbol:
        a = yes.text if yes.precedence > _CONDITIONAL else f"({yes.text})"
        b = no.text if no.precedence > _CONDITIONAL else f"({no.text})"
        depth = max(yes.depth, condition.depth, no.depth) + 1
        return _Symbol(f"{a} if {condition.text} else {b}", _CONDITIONAL, depth, condition.path)

    def _refuse(self, *args: Any) -> Any:
        raise _Untraceable

    # everything else a rule might ask of a float: a call, a conversion, a message
    __float__ = __int__ = __index__ = __complex__ = __round__ = __abs__ = _refuse
    __pow__ = __rpow__ = __mod__ = __rmod__ = __floordiv__ = __rfloordiv__ = _refuse
    __repr__ = __str__ = __format__ = __iter__ = __len__ = __getattr__ = _refuse
