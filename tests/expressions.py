"""Random expression trees evaluated two ways: with the engine and with SymPy.

A tree is a leaf name ("x", "y"), a constant ("const", c), or (op, child, ...). The same tree
builds a `Value` expression and a SymPy expression, so SymPy's symbolic derivatives are an
oracle independent of the engine.
"""

from __future__ import annotations

import sympy as sp
from hypothesis import strategies as st

from autodiff import Value

X, Y = sp.symbols("x y", real=True)
SYMBOLS = {"x": X, "y": Y}

# name -> (on a Value, on a SymPy expression)
UNARY = {
    "neg": (lambda v: -v, lambda s: -s),
    "exp": (lambda v: v.exp(), sp.exp),
    "log": (lambda v: v.log(), sp.log),
    "tanh": (lambda v: v.tanh(), sp.tanh),
    "sigmoid": (lambda v: v.sigmoid(), lambda s: 1 / (1 + sp.exp(-s))),
    "relu": (lambda v: v.relu(), lambda s: (s + sp.sqrt(s**2)) / 2),
    "sin": (lambda v: v.sin(), sp.sin),
    "cos": (lambda v: v.cos(), sp.cos),
    "sqrt": (lambda v: v.sqrt(), sp.sqrt),
    "abs": (lambda v: abs(v), lambda s: sp.sqrt(s**2)),
    "square": (lambda v: v**2, lambda s: s**2),
    "cube": (lambda v: v**3, lambda s: s**3),
    "reciprocal": (lambda v: v**-1, lambda s: s**-1),
    "root": (lambda v: v**0.5, lambda s: s ** sp.Rational(1, 2)),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b,
    "**": lambda a, b: a**b,
}
# |s| is written as sqrt(s**2) and relu(s) as (s + |s|)/2: the same functions, whose
# symbolic derivatives SymPy takes by the chain rule (Abs and Max give unevaluated re/im
# and Heaviside terms on expressions that SymPy cannot prove real).
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
        engine, symbolic = UNARY[op]
        return engine(args[0]) if isinstance(args[0], Value) else symbolic(args[0])
    return BINARY[op](*args)


def sympy_expr(tree):
    return build(tree, SYMBOLS, numbers_as=lambda c: sp.Rational(str(c)))


def evaluate(expr, x: float, y: float) -> float:
    return float(expr.evalf(30, subs={X: sp.Float(x, 30), Y: sp.Float(y, 30)}))
