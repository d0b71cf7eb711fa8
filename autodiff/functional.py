"""Function transforms in the style of JAX: `grad`, `value_and_grad`, `hessian`.

Each call differentiates with respect to fresh nodes of its own and never touches `.grad`,
so transforms nest: inside another transform (or when given `Value`s) a transform builds its
gradient as a graph (`create_graph`) and returns `Value`s that the outer one differentiates.
That also keeps perturbations apart: `grad(lambda x: x * grad(lambda y: x + y)(1.0))(1.0)` is 1.
A transform records what it needs whatever the caller's mode (inside `no_grad` too), as
`torch.func` and JAX do; its nesting depth is per thread and per task, like the modes.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from functools import wraps
from numbers import Real
from typing import Any

from .graph import backpropagate
from .mode import Switch, current
from .rules import IDENTITY
from .value import Partial, Value

ArgNums = int | Sequence[int]
Argument = Value | list[Value] | tuple[Value, ...]
Gradient = Partial | list[Partial] | tuple


class _transforming(Switch):
    """While a transform evaluates its function: record, one level deeper."""

    def changes(self) -> dict[str, object]:
        return {"grad_enabled": True, "nested": current().nested + 1}


def _argnums(argnums: ArgNums, nargs: int, transform: str) -> tuple[int, ...]:
    indices = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    for i in indices:
        if not isinstance(i, int) or isinstance(i, bool):
            raise TypeError(f"{transform}: argnums must be integers, got {i!r}")
        if not -nargs <= i < nargs:
            raise ValueError(f"{transform}: argnums {i} is out of range for {nargs} argument(s)")
    return tuple(i % nargs for i in indices)


def _fresh(x: Any, transform: str, position: int) -> Argument:
    """New nodes to differentiate with respect to: one for a number or a `Value` (linked to it),
    a list or tuple of them for a flat list or tuple."""
    if isinstance(x, (list, tuple)):
        nodes = [_fresh_scalar(e, transform, f"{position}[{k}]") for k, e in enumerate(x)]
        return tuple(nodes) if isinstance(x, tuple) else nodes
    return _fresh_scalar(x, transform, position)


def _fresh_scalar(x: Any, transform: str, position: object) -> Value:
    if isinstance(x, Value):
        return IDENTITY(x)
    if isinstance(x, Real):
        return Value(x)
    raise TypeError(
        f"{transform}: argument {position} must be a number, a Value or a flat list of them, "
        f"got {x!r}"
    )


def _flat(arguments: Sequence[Any]) -> list:
    """The scalars of `arguments` (each a scalar or a flat list or tuple of them), in order."""
    return [e for a in arguments for e in (a if isinstance(a, (list, tuple)) else (a,))]


def _shaped(scalars: Iterable[Any], like: Sequence[Any]) -> list:
    """`scalars` regrouped as `like` is: a list (tuple) for each list (tuple), one for a scalar."""
    it = iter(scalars)
    return [
        type(a)(next(it) for _ in a) if isinstance(a, (list, tuple)) else next(it) for a in like
    ]


def _evaluate(
    f: Callable[..., Any], argnums: ArgNums, args: tuple, kwargs: dict, transform: str
) -> tuple[Any, list[Argument], bool]:
    """Run `f` on fresh inputs (keyword arguments passed through, never differentiated);
    return (output, the input node(s) of each argnum, whether to build a graph).

    An argnum given twice names one input, so each gets the whole gradient, as in JAX.
    """
    indices = _argnums(argnums, len(args), transform)
    nested = current().nested > 0 or any(isinstance(e, Value) for e in _flat(args))
    call_args = list(args)
    with _transforming():
        for i in dict.fromkeys(indices):
            call_args[i] = _fresh(args[i], transform, i)
        out = f(*call_args, **kwargs)
    return out, [call_args[i] for i in indices], nested


def _scalar(out: Any, transform: str) -> Value | Real:
    if not isinstance(out, (Value, Real)):
        raise TypeError(f"{transform}: f must return a scalar Value or number, got {out!r}")
    return out


def _gradients(out: Value | Real, inputs: list[Value], nested: bool) -> list[Partial]:
    if not isinstance(out, Value):  # f ignored its inputs
        return [0.0] * len(inputs)
    grads = backpropagate(out, create_graph=nested)
    if nested:
        return [grads.get(x, 0.0) for x in inputs]
    return [_float(grads.get(x, 0.0)) for x in inputs]


def _float(x: Partial) -> float:
    return x.data if isinstance(x, Value) else float(x)


def _shape(values: list, argnums: ArgNums) -> Gradient:
    return values[0] if isinstance(argnums, int) else tuple(values)


def value_and_grad(
    f: Callable[..., Any], argnums: ArgNums = 0
) -> Callable[..., tuple[Partial, Gradient]]:
    """`f` and its gradient in one evaluation: `(f(*args), ∂f/∂args[argnums])`.

    A float for one `argnums`, a tuple for a sequence of them, as `jax.value_and_grad`; the
    gradient for an argument that is a flat list (tuple) of numbers is a list (tuple).
    """

    @wraps(f)
    def value_and_gradient(*args: Any, **kwargs: Any) -> tuple[Partial, Gradient]:
        out, inputs, nested = _evaluate(f, argnums, args, kwargs, "value_and_grad")
        out = _scalar(out, "value_and_grad")
        grads = _gradients(out, _flat(inputs), nested)
        value = out if nested else _float(out)
        return value, _shape(_shaped(grads, inputs), argnums)

    return value_and_gradient


def grad(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Gradient]:
    """The function giving ∂f/∂args[argnums] at the given numbers, as `jax.grad`.

    `grad(grad(f))` is the second derivative.
    """
    value_and_gradient = value_and_grad(f, argnums)

    @wraps(f)
    def gradient(*args: Any, **kwargs: Any) -> Gradient:
        return value_and_gradient(*args, **kwargs)[1]

    return gradient


def hessian(f: Callable[..., Any], argnums: ArgNums = 0) -> Callable[..., Any]:
    """The matrix of second derivatives H[i][j] = ∂²f/∂args[i]∂args[j], as `jax.hessian`.

    A float for one `argnums`; a tuple of tuples for a sequence. An argument that is a flat
    list stands for its elements: its rows and columns are lists, so for one list argument of
    n numbers H is n lists of n. One forward pass, one backward pass that builds the gradient
    as a graph, then one backward pass per row.
    """

    @wraps(f)
    def second_derivatives(*args: Any, **kwargs: Any) -> Any:
        out, inputs, nested = _evaluate(f, argnums, args, kwargs, "hessian")
        out = _scalar(out, "hessian")
        nodes = _flat(inputs)
        first = _gradients(out, nodes, nested=True)
        # per argument i: its row (a scalar) or its rows (a list), each row shaped as the inputs
        rows = _shaped([_shaped(_gradients(g, nodes, nested), inputs) for g in first], inputs)

        def block(i: int, j: int) -> Any:  # ∂²f/∂args[i]∂args[j]
            if isinstance(inputs[i], (list, tuple)):
                return type(inputs[i])(row[j] for row in rows[i])
            return rows[i][j]

        m = len(inputs)
        return _shape([_shape([block(i, j) for j in range(m)], argnums) for i in range(m)],
                      argnums)

    return second_derivatives
