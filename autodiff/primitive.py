"""`primitive`: a plain float function made into an operation on `Value`s, with a given derivative.

For functions the engine lacks (erf, softplus, a special function from a library): the forward
pass calls the float function, and the user's derivative fills the node's local derivatives.
The result is a `Primitive` like the built-in ones, with the same rule signature, so
`backward`, the transforms, drawing and stepping treat it alike. `gradcheck` is the way to
verify such a derivative.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from numbers import Integral, Real
from typing import Any, TypeVar

from .compiler import arrays
from .rules import (
    SUPERSCRIPT,
    Binding,
    Notation,
    Primitive,
    builtin,
    function,
    pow_,
    power_slope,
)
from .value import Number, Partial, Value

F = TypeVar("F", bound=Callable[..., Any])


def primitive(derivative: Callable[..., Any]) -> Callable[[F], F]:
    """Decorate a float function `f(*inputs)` so it also takes `Value`s and is differentiable.

    `derivative(*inputs)` returns ∂f/∂input: one partial for one input, a tuple of partials
    (one per input) for several. Called with numbers only, `f` stays the plain function;
    with at least one `Value` (numbers mixed in are constants) it returns a node whose op is
    `f.__name__`.

    First derivatives work with any `derivative` written for floats. Differentiating twice
    (`hessian`, nested `grad`, `backward(create_graph=True)`) runs `derivative` on `Value`s, so
    it must then be written with operations that accept them (`x.cos()`, `x ** 2`, other
    primitives); one that does not gets a `TypeError` that says so.

        @primitive(lambda x: 2 / math.sqrt(math.pi) * math.exp(-x * x))
        def erf(x):
            return math.erf(x)
    """

    def decorate(f: F) -> F:
        name = f.__name__

        def forward(*inputs: float) -> float:
            out = f(*inputs)
            if not isinstance(out, Real):
                raise TypeError(f"{name} must return a real number, got {out!r}")
            return float(out)

        @wraps(f)
        def apply(*args: Any) -> Any:
            for i, x in enumerate(args):
                if not isinstance(x, (Value, Real)):
                    raise TypeError(
                        f"{name}: argument {i} must be a number or a Value, "
                        f"got {x!r} of type {type(x).__name__}"
                    )
            if not any(isinstance(x, Value) for x in args):
                return f(*args)
            return apply.primitive(*args)

        # pickle finds the primitive again through the decorated function, by its name
        apply.primitive = Primitive(  # type: ignore[attr-defined]
            name, None, forward, _rule(name, derivative), function(name),
            (getattr, (apply, "primitive")),
        )
        return apply  # type: ignore[return-value]

    return decorate


def _rule(name: str, derivative: Callable[..., Any]) -> Callable[..., tuple[Partial, ...]]:
    """The primitive's rule `(*inputs, out) -> partials` around the user's `derivative(*inputs)`."""

    def rule(*inputs_and_out: Partial) -> tuple[Partial, ...]:
        inputs = inputs_and_out[:-1]
        try:
            partials = derivative(*inputs)
        except (TypeError, AttributeError) as error:
            if any(isinstance(x, Value) for x in inputs):
                raise TypeError(
                    f"{name}: its derivative works on floats only, so {name} cannot be "
                    "differentiated twice (hessian, nested grad, create_graph); write the "
                    "derivative with operations that also accept Values (x.cos(), x ** 2, "
                    "other primitives)"
                ) from error
            raise
        if not isinstance(partials, (tuple, list)):
            partials = (partials,)
        if len(partials) != len(inputs):
            raise TypeError(
                f"{name}: its derivative returned {len(partials)} partial(s) "
                f"for {len(inputs)} input(s)"
            )
        for p in partials:
            if not isinstance(p, (Value, Real)):
                raise TypeError(f"{name}: its derivative returned {p!r}, not a number")
        return tuple(p if isinstance(p, Value) else float(p) for p in partials)

    return rule


def _power_notation(n: Number) -> Notation:
    text = f"{n:g}"
    if float(n).is_integer() and "e" not in text:
        return lambda args: args[0] + text.translate(SUPERSCRIPT)
    return lambda args: f"{args[0]}^{text}"


# --- the primitives made on the fly: x ** n for each constant n, micrograd's named nodes -----

_POWERS: dict[str, Primitive] = {}
_CUSTOM: dict[str, Primitive] = {}
_MADE_ON_THE_FLY = 256  # entries per table: exponents and op names are usually a handful


def _kept(table: dict[str, Primitive], primitive: Primitive) -> Primitive:
    """`primitive`, kept in `table` under its name; a full table is emptied first, so that a
    program making endless names (micrograd's f"**{e}" for every exponent e) keeps at most
    `_MADE_ON_THE_FLY` primitives alive beyond the nodes that use them."""
    if len(table) >= _MADE_ON_THE_FLY:
        table.clear()
    table[primitive.name] = primitive
    return primitive


def power(n: Number) -> Primitive:
    """x ** n for a constant n: the exponent is part of the primitive, not a parent.

    Named as micrograd names it ("**2", "**0.5"), so the name alone finds it again.
    """
    n = int(n) if isinstance(n, Integral) else float(n)
    name = f"**{n}"
    found = _POWERS.get(name)
    if found is not None:
        return found
    return _kept(_POWERS, builtin(
        name, 1, lambda x: pow_(x, n), lambda x, out: (power_slope(x, n),),
        _power_notation(n), Binding(4, 5, 5), arrays.power(n),
    ))


def custom(op: str) -> Primitive:
    """The primitive of nodes a program made micrograd's way: a name, and no rule of its own."""
    found = _CUSTOM.get(op)
    if found is not None:
        return found
    return _kept(_CUSTOM, Primitive(op, None, None, None, function(op or "op"), (custom, (op,))))
