"""Tracing a rule into code: a forward function or a derivative rule run on symbols that write
the Python expression of what they compute.

`compile` writes each primitive's arithmetic inline this way: + − × ÷ on a `Symbol` give the
text of the result (parenthesized where Python's precedence needs it, so that it evaluates in
the same order, and so to the same bits), and each comparison a conditional expression, every
outcome explored. Anything else (a `math` function, `**`, a raised error) makes the trace give
up, and the generated code calls the rule itself. No primitive is known here by name.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol

MAX_TERMS = 200  # operations per expression: CPython's compiler recurses on long chains
_MAX_BRANCHES = 4  # comparisons explored per traced rule (up to 2**4 paths)


class Literals(Protocol):
    """Where the trace gets a number written as code (a literal, or a name bound to it)."""

    def literal(self, x: float | int) -> Symbol: ...


CONDITIONAL, COMPARISON, SUM, PRODUCT, UNARY, ATOM = range(6)  # Python's precedences


class _Untraceable(BaseException):
    """A symbol asked for what the tracer does not write as code. A BaseException, so that no
    `except Exception` in a rule mistakes it for a float error and carries on."""


class _Branch(BaseException):
    """The first comparison past the outcomes decided so far: explore both ways from here."""

    def __init__(self, condition: Symbol) -> None:
        self.condition = condition


class _Path:
    """The outcomes decided for the comparisons a run through a rule meets, in order."""

    def __init__(self, taken: list[bool], code: Literals) -> None:
        self.taken = taken
        self.met = 0
        self.code = code

    def decide(self, condition: Symbol) -> bool:
        if self.met == len(self.taken):
            raise _Branch(condition)
        self.met += 1
        return self.taken[self.met - 1]


def trace(function: Callable, arity: int, code: Literals) -> list[Symbol] | None:
    """`function`'s result (a tuple: each item) as expressions in placeholders {0}, {1}, … for
    its arguments, with a conditional expression for each comparison it meets; None when
    some path through it needs more than arithmetic (then the code calls it)."""

    def run(taken: list[bool]) -> list[Symbol] | None:
        path = _Path(taken, code)
        symbols = [Symbol(f"{{{k}}}", ATOM, 0, path) for k in range(arity)]
        try:
            result = function(*symbols)
            items = result if isinstance(result, tuple) else (result,)
            return [x if isinstance(x, Symbol) else _constant(x, code) for x in items]
        except _Branch as branch:
            if len(taken) == _MAX_BRANCHES:
                return None
            yes, no = run([*taken, True]), run([*taken, False])
            if yes is None or no is None or len(yes) != len(no):
                return None
            return [Symbol.conditional(y, branch.condition, n) for y, n in zip(yes, no)]
        except (Exception, _Untraceable):
            return None

    return run([])


def _constant(x: Any, code: Literals) -> Symbol:
    if type(x) not in (float, int):
        raise _Untraceable
    return code.literal(x)


class Symbol:
    """A float of the generated code, as the text of an expression: arithmetic on it writes
    the expression of the result (parenthesized where Python's precedence needs it, so that
    it evaluates in the same order), comparisons ask the path which way to go."""

    __slots__ = ("text", "precedence", "depth", "path")

    def __init__(
        self, text: str, precedence: int = ATOM, depth: int = 0, path: _Path | None = None
    ) -> None:
        self.text = text
        self.precedence = precedence
        self.depth = depth
        self.path = path

    def _wrap(self, x: Any) -> Symbol:
        if isinstance(x, Symbol):
            return x
        if self.path is None or type(x) not in (float, int):
            raise _Untraceable
        return self.path.code.literal(x)

    def _binary(self, symbol: str, precedence: int, left: Any, right: Any) -> Symbol:
        left, right = self._wrap(left), self._wrap(right)
        if COMPARISON in (left.precedence, right.precedence):  # a truth value as a number
            raise _Untraceable
        if symbol == "*":
            for one, other in ((left, right), (right, left)):
                unit = unit_product(one, other)
                if unit is not None:
                    return unit
        depth = max(left.depth, right.depth) + 1
        if depth > MAX_TERMS:
            raise _Untraceable
        a = left.text if left.precedence >= precedence else f"({left.text})"
        b = right.text if right.precedence > precedence else f"({right.text})"
        return Symbol(f"{a} {symbol} {b}", precedence, depth, left.path or right.path)

    def __add__(self, other: Any) -> Symbol:
        return self._binary("+", SUM, self, other)

    def __radd__(self, other: Any) -> Symbol:
        return self._binary("+", SUM, other, self)

    def __sub__(self, other: Any) -> Symbol:
        return self._binary("-", SUM, self, other)

    def __rsub__(self, other: Any) -> Symbol:
        return self._binary("-", SUM, other, self)

    def __mul__(self, other: Any) -> Symbol:
        return self._binary("*", PRODUCT, self, other)

    def __rmul__(self, other: Any) -> Symbol:
        return self._binary("*", PRODUCT, other, self)

    def __truediv__(self, other: Any) -> Symbol:
        return self._binary("/", PRODUCT, self, other)

    def __rtruediv__(self, other: Any) -> Symbol:
        return self._binary("/", PRODUCT, other, self)

    def __neg__(self) -> Symbol:
        if self.precedence == COMPARISON:
            raise _Untraceable
        text = self.text if self.precedence == ATOM else f"({self.text})"
        return Symbol(f"-{text}", UNARY, self.depth + 1, self.path)

    def __pos__(self) -> Symbol:
        return self

    def _compare(self, symbol: str, other: Any) -> Symbol:
        left, right = self, self._wrap(other)
        if left.precedence <= COMPARISON or right.precedence <= COMPARISON:
            raise _Untraceable
        return Symbol(f"{left.text} {symbol} {right.text}", COMPARISON,
                       max(left.depth, right.depth) + 1, self.path)

    def __lt__(self, other: Any) -> Symbol:
        return self._compare("<", other)

    def __le__(self, other: Any) -> Symbol:
        return self._compare("<=", other)

    def __gt__(self, other: Any) -> Symbol:
        return self._compare(">", other)

    def __ge__(self, other: Any) -> Symbol:
        return self._compare(">=", other)

    def __eq__(self, other: Any) -> Symbol:  # type: ignore[override]
        return self._compare("==", other)

    def __ne__(self, other: Any) -> Symbol:  # type: ignore[override]
        return self._compare("!=", other)

    __hash__ = None  # type: ignore[assignment]

    def __bool__(self) -> bool:
        if self.precedence != COMPARISON or self.path is None:
            raise _Untraceable
        return self.path.decide(self)

    @staticmethod
    def conditional(yes: Symbol, condition: Symbol, no: Symbol) -> Symbol:
        a = yes.text if yes.precedence > CONDITIONAL else f"({yes.text})"
        b = no.text if no.precedence > CONDITIONAL else f"({no.text})"
        depth = max(yes.depth, condition.depth, no.depth) + 1
        return Symbol(f"{a} if {condition.text} else {b}", CONDITIONAL, depth, condition.path)

    def _refuse(self, *args: Any) -> Any:
        raise _Untraceable

    # everything else a rule might ask of a float: a call, a conversion, a message
    __float__ = __int__ = __index__ = __complex__ = __round__ = __abs__ = _refuse
    __pow__ = __rpow__ = __mod__ = __rmod__ = __floordiv__ = __rfloordiv__ = _refuse
    __repr__ = __str__ = __format__ = __iter__ = __len__ = __getattr__ = _refuse


def unit_product(one: Symbol, other: Symbol) -> Symbol | None:
    """1·x is x and −1·x is −x, exactly, for every float: no need to multiply."""
    if one.text in ("1.0", "1"):
        return other
    if one.text in ("-1.0", "-1"):
        return -other
    return None


