"""Random computation graphs with shared nodes, for hypothesis."""

from __future__ import annotations

from hypothesis import strategies as st

from autodiff import Value

# Operations that never raise: a huge base is squashed instead of squared, and a tiny
# denominator is added instead of divided by.
UNARY = {
    "tanh": Value.tanh, "sigmoid": Value.sigmoid, "sin": Value.sin, "cos": Value.cos,
    "relu": Value.relu, "abs": Value.abs, "neg": Value.__neg__,
    "square": lambda v: v**2 if abs(v.data) < 1e100 else v.tanh(),
}
BINARY = {
    "+": lambda a, b: a + b,
    "-": lambda a, b: a - b,
    "*": lambda a, b: a * b,
    "/": lambda a, b: a / b if abs(b.data) > 1e-3 else a + b,
}

# A graph: leaf values, then operations whose operands are any earlier node, so nodes are
# shared (a node feeding several others, or both sides of one operation).
operations = st.lists(
    st.one_of(
        st.tuples(st.sampled_from(sorted(UNARY)), st.integers(0, 10**6)),
        st.tuples(st.sampled_from(sorted(BINARY)), st.integers(0, 10**6), st.integers(0, 10**6)),
    ),
    min_size=1,
    max_size=25,
)
leaves = st.lists(st.floats(-3, 3, allow_nan=False), min_size=1, max_size=4)


def build(data: list[float], ops: list[tuple]) -> Value:
    nodes = [Value(x, name=f"x{i}") for i, x in enumerate(data)]
    for op, *operands in ops:
        args = [nodes[i % len(nodes)] for i in operands]
        nodes.append((UNARY | BINARY)[op](*args))
    return nodes[-1]
