"""Random expression trees evaluated two ways: with the engine and with SymPy.

A tree is a leaf name ("x", "y"), a constant ("const", c), or (op, child, ...). The same tree
builds a `Value` expression and a SymPy expression, so SymPy's symbolic derivatives are an
oracle independent of the engine.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from autodiff import PRIMITIVES, Value

X, Y = sp.symbols("x y", real=True)
SYMBOLS = {"x": X, "y": Y}

# The one table of the engine's operations beside SymPy's: name -> (on a Value, on a SymPy
# expression, the special points where tests/test_rules.py compares them). relu and abs are
# written piecewise, taking the engine's (and PyTorch's) slope at the kink: 0.
UNARY = {
    "neg": (lambda v: -v, lambda s: -s, [0, 1, -1]),
    "exp": (lambda v: v.exp(), sp.exp, [0, 1, -1]),
    "log": (lambda v: v.log(), sp.log, [1, sp.E, sp.Rational(1, 2)]),
    "tanh": (lambda v: v.tanh(), sp.tanh, [0, 1, -1]),
    "sigmoid": (lambda v: v.sigmoid(), lambda s: 1 / (1 + sp.exp(-s)), [0, 1, -1]),
    "softplus": (PRIMITIVES["softplus"], lambda s: sp.log(1 + sp.exp(s)), [0, 1, -1, 40, -40]),
    "relu": (lambda v: v.relu(), lambda s: sp.Piecewise((s, s > 0), (0, True)), [0, 1, -1]),
    "sin": (lambda v: v.sin(), sp.sin, [0, 1, -1, sp.pi / 2]),
    "cos": (lambda v: v.cos(), sp.cos, [0, 1, -1, sp.pi]),
    "sqrt": (lambda v: v.sqrt(), sp.sqrt, [1, 4, sp.Rational(1, 4)]),
    "abs": (lambda v: abs(v), lambda s: sp.Piecewise((s, s > 0), (-s, s < 0), (0, True)),
            [0, 1, -1]),
    "square": (lambda v: v**2, lambda s: s**2, [0, 1, -1]),
    "cube": (lambda v: v**3, lambda s: s**3, [0, 1, -1]),
    "reciprocal": (lambda v: v**-1, lambda s: s**-1, [1, -1, 2]),
    "root": (lambda v: v**0.5, lambda s: s ** sp.Rational(1, 2), [1, 4, sp.Rational(1, 4)]),
}
# name -> (the operation, the special points (a, b) where tests/test_rules.py compares it)
BINARY = {
    "+": (lambda a, b: a + b, [(0, 1), (1, -1), (-1, 0)]),
    "-": (lambda a, b: a - b, [(0, 1), (1, -1), (-1, 0)]),
    "*": (lambda a, b: a * b, [(0, 1), (1, -1), (0, 0), (-1, 2)]),
    "/": (lambda a, b: a / b, [(0, 1), (1, -1), (-1, 2), (1, 1)]),
    "**": (lambda a, b: a**b, [(2, 0), (2, 1), (1, 0), (1, 2), (sp.Rational(1, 2), -1),
                               (2, -2), (3, sp.Rational(1, 2)), (1, 1), (sp.E, 0)]),
}
# Operations whose derivative jumps at 0: points too close to the jump are not compared.
KINKS = {"relu", "abs"}

constants = st.tuples(
    st.just("const"),
    st.floats(-3, 3, allow_nan=False).filter(lambda c: abs(c) > 0.1).map(lambda c: round(c, 2)),
)


def _extend(children):
    return st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), children),
        st.tuples(st.sampled_from(sorted(BINARY)), children, children),
        st.tuples(st.sampled_from(sorted(BINARY)), children, constants),
        st.tuples(st.sampled_from(sorted(BINARY)), constants, children),
    )


trees = st.recursive(st.sampled_from(["x", "y"]), _extend, max_leaves=6)
points = st.floats(-2.5, 2.5, allow_nan=False).filter(lambda v: abs(v) > 1e-3)


def build(tree, leaves: dict, numbers_as=float):
    """Evaluate `tree` with `leaves` for the names; constants become `numbers_as(c)`."""
    if isinstance(tree, str):
        return leaves[tree]
    op, *children = tree
    if op == "const":
        return numbers_as(children[0])
    args = [build(child, leaves, numbers_as) for child in children]
    if op in UNARY:
        engine, symbolic, _ = UNARY[op]
        return engine(args[0]) if isinstance(args[0], Value) else symbolic(args[0])
    return BINARY[op][0](*args)


def sympy_expr(tree):
    return build(tree, SYMBOLS, numbers_as=lambda c: sp.Rational(str(c)))


def evaluate(expr, x: float, y: float) -> float:
    return float(expr.evalf(30, subs={X: sp.Float(x, 30), Y: sp.Float(y, 30)}))
