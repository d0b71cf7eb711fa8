"""The node, backward's semantics, no_grad, and every refused input."""

from __future__ import annotations

import contextlib
import inspect
import math
import re
import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import PRIMITIVES, Value, backpropagate, no_grad, primitive, topological_order


def test_a_node_records_parents_local_derivatives_op_and_name():
    x = Value(2.0, name="x")
    w = Value(-3.0, name="w")
    z = x * w
    assert (z.data, z.op, z.parents, z.local_grads) == (-6.0, "*", (x, w), (-3.0, 2.0))
    assert x.name == "x" and z.name is None and x.op == "" and x.parents == ()
    t = z.tanh()
    assert t.parents == (z,) and t.op == "tanh"
    assert t.local_grads[0] == pytest.approx(1 - math.tanh(-6.0) ** 2, rel=1e-15)
    assert "x" in repr(x) and "2.0" in repr(x)


def test_values_take_attributes_of_a_program_own():
    x = Value(1.0)
    x.colour, x.m = "red", 0.0  # a drawing's colour, an optimizer's state
    assert (x.colour, x.m) == ("red", 0.0) and vars(x) == {"colour": "red", "m": 0.0}
    assert not hasattr(Value(1.0), "colour")


_BYTES_PER_NODE = """
import tracemalloc
from autodiff import Value

class Slotted:  # the same fields, and no room for any other
    __slots__ = tuple(slot for slot in Value.__slots__ if slot != "__dict__")

def slotted():
    node = Slotted()
    for slot in Slotted.__slots__:  # every field filled, with objects shared as Value's are
        setattr(node, slot, None)
    return node

def bytes_per_node(make):
    tracemalloc.start()
    nodes = [make() for _ in range(10_000)]
    size = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return size / len(nodes)

print(bytes_per_node(lambda: Value(1.0)), bytes_per_node(slotted))
"""


def test_the_room_for_attributes_costs_a_value_a_header_not_a_dictionary():
    """The attribute dictionary is made only for the values that get one (measured in a fresh
    interpreter: how much CPython sets aside depends on what the process did before)."""
    import subprocess

    measured = subprocess.run([sys.executable, "-c", _BYTES_PER_NODE], capture_output=True,
                              text=True, check=True).stdout.split()
    ours, reference = map(float, measured)
    # CPython's header for a dictionary not made yet: two pointers, 32 bytes once aligned
    # (an empty dictionary alone would be 64).
    assert ours - reference < 40


def test_numbers_are_stored_as_floats():
    for number in (2, True, np.float32(1.5), np.int64(7), np.float64(0.25)):
        v = Value(number)
        assert type(v.data) is float and v.data == float(number)


def test_chain_rule_through_a_small_expression():
    x = Value(2.0, name="x")
    y = (x * 3 + 1).tanh()
    y.backward()
    assert y.grad == 1.0
    assert x.grad == pytest.approx(3 * (1 - math.tanh(7.0) ** 2), rel=1e-12)


def test_a_node_used_twice_collects_both_contributions():
    x = Value(3.0)
    y = x * x + x  # dy/dx = 2x + 1
    y.backward()
    assert x.grad == 7.0


def test_two_backward_calls_give_exactly_twice_the_gradients_everywhere():
    a = Value(1.5)
    b = a * a
    c = b * b  # depth two: micrograd would give three times
    c.backward()
    first = {id(n): n.grad for n in topological_order(c)}
    c.backward()
    for node in topological_order(c):
        assert node.grad == 2 * first[id(node)]
    assert a.grad == 2 * 4 * 1.5**3


def test_gradients_accumulate_across_graphs_and_zero_grad_resets():
    x = Value(2.0)
    (x * 5).backward()
    (x * x).backward()
    assert x.grad == 5 + 4
    y = x.exp() * x
    y.zero_grad()
    assert x.grad == 0.0 and y.grad == 0.0


def test_backward_order_is_deterministic():
    def build():
        x, y = Value(0.3, name="x"), Value(-1.2, name="y")
        return ((x * y).sin() + (x + y).exp() * x).tanh()

    orders = [[n.op for n in topological_order(build())] for _ in range(3)]
    assert orders[0] == orders[1] == orders[2]
    order = topological_order(build())
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        assert all(position[id(p)] < position[id(node)] for p in node.parents)


def test_a_walk_short_of_recursion_gives_the_same_order_with_an_explicit_stack():
    """Called with little recursion left, the walk starts again with a stack of its own."""
    def build():
        z = Value(0.3)
        for k in range(50):
            z = (z * Value(k) + Value(-k)).sin()
        return z

    root = build()
    expected = [id(n) for n in topological_order(root)]

    def deep(levels):
        return deep(levels - 1) if levels else [id(n) for n in topological_order(root)]

    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)
    try:
        here = len(inspect.stack())
        assert deep(200 - here - 20) == expected  # 20 levels left: fewer than the graph's depth
    finally:
        sys.setrecursionlimit(limit)


@pytest.mark.parametrize("start", [None, 0, 0.0, -0.0, 2.5, float("nan")])
def test_backward_adds_to_whatever_gradient_a_program_left(start):
    """micrograd's zero_grad leaves int 0, PyTorch's set_to_none leaves None; the sum starts
    from nothing for None, else adds to what is there."""
    x = Value(3.0)
    x.grad = start
    (x * x).backward()
    expected = 6.0 if start is None else start + 6.0
    assert x.grad == expected or (math.isnan(x.grad) and math.isnan(expected))
    assert type(x.grad) is float


def test_a_chain_of_a_million_operations_differentiates():
    """Far deeper than the recursion limit. Negation is the cheapest operation (one parent,
    no constant node); an odd count makes ∂y/∂x = −1, which only a complete pass gives."""
    import gc

    n = 10**6 + 1
    gc.disable()  # else most of the time goes to rescanning the growing graph; it has no cycles
    try:
        x = Value(2.0)
        y = x
        for _ in range(n):
            y = -y
        depth, node = 0, y
        while node.parents:
            depth, node = depth + 1, node.parents[0]
        assert depth == n > sys.getrecursionlimit() and node is x
        y.backward()
        assert (y.data, x.grad) == (-2.0, -1.0)
    finally:
        gc.enable()


def test_graphs_are_freed_by_reference_counting_alone():
    import gc
    import weakref

    class Probe:  # Values have no __weakref__ slot; a probe in a closure-free list tells
        pass

    gc.collect()  # what earlier tests left
    gc.disable()
    try:
        x = Value(1.0)
        y = (x * 2 + 1).tanh()
        y.backward()
        referrers_before = len(gc.get_referrers(x))
        del y
        assert len(gc.get_referrers(x)) < referrers_before  # the graph let go of x
        probe = Probe()
        ref = weakref.ref(probe)
        del probe
        assert ref() is None
        assert gc.collect() == 0  # nothing was left waiting in a cycle
    finally:
        gc.enable()


def test_create_graph_gives_differentiable_gradients():
    x = Value(0.7)
    y = x.sin() * x
    y.backward(create_graph=True)
    dx = x.grad
    assert isinstance(dx, Value)
    assert dx.data == pytest.approx(math.cos(0.7) * 0.7 + math.sin(0.7), rel=1e-14)
    x.grad = 0.0
    dx.backward()
    assert x.grad == pytest.approx(-math.sin(0.7) * 0.7 + 2 * math.cos(0.7), rel=1e-13)


def test_no_grad_records_nothing_and_restores_the_previous_mode():
    x = Value(2.0)
    with no_grad():
        y = (x * 3).exp()
        with no_grad():
            pass
        z = x + 1
    assert y.parents == () and y.local_grads == () and z.parents == ()
    assert y.data == pytest.approx(math.exp(6.0))
    assert (x * 2).parents[0] is x

    @no_grad()
    def predict(v):
        return v * v

    assert predict(x).parents == () and (x * x).parents == (x, x)


def test_no_grad_is_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError), no_grad():
        Value(1.0) / 0
    assert (Value(1.0) + 1).parents != ()


# --- edge cases stay finite and differentiable -------------------------------------------


@pytest.mark.parametrize(
    "make, value, derivative",
    [
        (lambda x: x.sigmoid(), 1000.0, 0.0),
        (lambda x: x.sigmoid(), -1000.0, 0.0),
        (lambda x: x.tanh(), 1000.0, 0.0),
        (lambda x: x.exp(), -1000.0, 0.0),
        (lambda x: x**3, -8.0, 192.0),
        (lambda x: x * True, 2.0, 1.0),
        (lambda x: np.float64(2.5) * x, 2.0, 2.5),
        (lambda x: x * np.float32(0.5), 2.0, 0.5),
    ],
)
def test_edge_cases_are_finite(make, value, derivative):
    x = Value(value)
    y = make(x)
    y.backward()
    assert math.isfinite(y.data) and x.grad == pytest.approx(derivative)


def test_sigmoid_is_accurate_in_both_tails():
    tail = math.exp(-40)
    assert Value(-40.0).sigmoid().data == pytest.approx(tail / (1 + tail), rel=1e-14)
    assert Value(40.0).sigmoid().data == pytest.approx(1 / (1 + tail), rel=1e-15)


def test_power_derivatives_at_the_edges_of_floats():
    assert (Value(5e-324) ** 0).local_grads == (0.0,)  # not 0 · (5e-324)**-1, which overflows
    assert (Value(1e-300) ** -1).local_grads == (-math.inf,)  # -1 · 1e600
    assert (Value(-1e-300) ** -1).local_grads == (-math.inf,)  # -1 · (+1e600)
    assert (Value(-1e-120) ** -2).local_grads == (math.inf,)  # -2 · (-1e360)
    assert (Value(1e-120) ** -2).local_grads == (-math.inf,)  # -2 · (+1e360)


def test_sqrt_at_zero_is_allowed_with_an_infinite_derivative():
    x = Value(0.0)
    y = x.sqrt()
    assert y.data == 0.0 and y.local_grads == (math.inf,)
    assert (x**0.5).local_grads == (math.inf,)


# --- refused input -----------------------------------------------------------------------


@pytest.mark.parametrize("bad", ["1.0", None, 1j, [1.0], (2,), {"a": 1}])
def test_value_refuses_non_real_data(bad):
    with pytest.raises(TypeError, match=r"Value\(\).*" + type(bad).__name__):
        Value(bad)


def test_value_refuses_a_value_and_a_non_string_name():
    with pytest.raises(TypeError):
        Value(Value(1.0))
    with pytest.raises(TypeError, match="name"):
        Value(1.0, name=3)


@pytest.mark.parametrize("op, symbol", [
    (lambda a, b: a + b, r"\+"), (lambda a, b: b + a, r"\+"),
    (lambda a, b: a - b, "-"), (lambda a, b: b - a, "-"),
    (lambda a, b: a * b, r"\*"), (lambda a, b: b * a, r"\*"),
    (lambda a, b: a / b, "/"), (lambda a, b: b / a, "/"),
    (lambda a, b: a ** b, r"\*\*"), (lambda a, b: b ** a, r"\*\*"),
])
@pytest.mark.parametrize("bad", ["2", None])
def test_string_and_none_operands_are_refused_naming_the_operation(op, symbol, bad):
    with pytest.raises(TypeError) as error:
        op(Value(1.5), bad)
    assert re.match(rf"{symbol}: ", str(error.value)) and repr(bad) in str(error.value)


@pytest.mark.parametrize(
    "compute, error, words",
    [
        (lambda: Value(0.0).log(), ValueError, "log(0.0)"),
        (lambda: Value(-2.0).log(), ValueError, "log(-2.0)"),
        (lambda: Value(-1.0).sqrt(), ValueError, "sqrt(-1.0)"),
        (lambda: Value(-8.0) ** 0.5, ValueError, "-8.0 ** 0.5"),
        (lambda: Value(-8.0) ** Value(1.5), ValueError, "-8.0 ** 1.5"),
        (lambda: (-8.0) ** Value(3.0), ValueError, "negative base"),
        (lambda: Value(1.0) / 0, ZeroDivisionError, "1.0 / 0.0"),
        (lambda: 1 / Value(0.0), ZeroDivisionError, "1.0 / 0.0"),
        (lambda: Value(3.0) / Value(0.0), ZeroDivisionError, "division by zero"),
        (lambda: Value(0.0) ** -1, ZeroDivisionError, "0.0 ** -1"),
        (lambda: Value(0.0) ** Value(-2.0), ZeroDivisionError, "0.0 ** -2.0"),
        (lambda: Value(1000.0).exp(), OverflowError, "exp(1000.0)"),
        (lambda: Value(10.0) ** 400, OverflowError, "10.0 ** 400"),
    ],
)
def test_bad_input_is_refused_naming_the_operation_and_value(compute, error, words):
    with pytest.raises(error) as raised:
        compute()
    assert words in str(raised.value)


def test_the_exponent_must_be_a_number_or_value():
    with pytest.raises(TypeError, match=r"\*\*.*'3'"):
        Value(2.0) ** "3"


# --- property: the engine is exact on polynomials ----------------------------------------


@given(st.lists(st.floats(-10, 10), min_size=1, max_size=8), st.floats(-3, 3))
def test_polynomial_derivative_is_exact_to_rounding(coefficients, point):
    x = Value(point)
    y = sum(c * x**k for k, c in enumerate(coefficients))
    y.backward()
    expected = sum(k * c * point ** (k - 1) for k, c in enumerate(coefficients) if k)
    scale = sum(abs(k * c * point ** (k - 1)) for k, c in enumerate(coefficients) if k)
    assert x.grad == pytest.approx(expected, abs=1e-12 * (1 + scale))


def test_weighted_sum_is_one_node_carrying_dz_dw_and_dz_da():
    from autodiff import weighted_sum

    w1, w2, a1, a2, b = (Value(v, name=n) for v, n in
                         [(0.5, "w1"), (-2.0, "w2"), (3.0, "a1"), (0.25, "a2"), (0.1, "b")])
    z = weighted_sum([w1, w2], [a1, a2], b)
    assert z.op == "weighted_sum" and z.parents == (w1, w2, a1, a2, b)
    assert z.local_grads == (3.0, 0.25, 0.5, -2.0, 1.0)  # ∂z/∂w_k = a_k, ∂z/∂a_k = w_k, ∂z/∂b = 1
    assert z.data == 0.1 + 0.5 * 3.0 + -2.0 * 0.25
    z.backward()
    assert (w1.grad, a1.grad, w2.grad, a2.grad, b.grad) == (3.0, 0.5, 0.25, -2.0, 1.0)


def test_weighted_sum_takes_numbers_and_a_value_used_twice():
    from autodiff import weighted_sum

    x = Value(1.5)
    z = weighted_sum([x, 2.0], [x, x])  # x·x + 2x, bias 0
    z.backward()
    assert z.data == 1.5 * 1.5 + 3.0 and x.grad == 2 * 1.5 + 2.0
    with no_grad():
        assert weighted_sum([x], [x], 1.0).parents == ()


def test_weighted_sum_refuses_bad_input():
    from autodiff import weighted_sum

    with pytest.raises(ValueError, match="weighted_sum: 2 weights but 1 inputs"):
        weighted_sum([1.0, 2.0], [Value(1.0)])
    with pytest.raises(TypeError, match=r"weighted_sum.*'a'"):
        weighted_sum([Value(1.0)], ["a"])
    with pytest.raises(TypeError, match=r"weighted_sum.*None"):
        weighted_sum([Value(1.0)], [1.0], None)


_FLOATS = st.floats(-1e3, 1e3, allow_nan=False)


@given(st.lists(st.tuples(st.lists(_FLOATS, min_size=3, max_size=3), _FLOATS), max_size=4),
       st.lists(_FLOATS, min_size=3, max_size=3))
def test_weighted_sums_give_each_row_what_binary_operations_give(rows, inputs):
    """Each row against the same sum written with + and ×: its number (summed in that order),
    its local derivatives ∂z/∂w_k = x_k, ∂z/∂x_k = w_k, ∂z/∂b = 1, and the gradients."""
    from autodiff import detect_anomaly, enable_grad, weighted_sums

    x = [Value(v) for v in inputs]
    weights = [[Value(v) for v in w] for w, _ in rows]
    biases = [Value(b) for _, b in rows]
    for mode in (enable_grad, detect_anomaly, None):  # the same nodes in every mode
        with mode() if mode else contextlib.nullcontext():
            sums = weighted_sums(weights, x, biases)
        assert len(sums) == len(rows)
        for z, w, b in zip(sums, weights, biases):
            binary = b + w[0] * x[0] + w[1] * x[1] + w[2] * x[2]  # the same order of sums
            assert z.data == binary.data
            assert (z.op, z.parents) == ("weighted_sum", (*w, *x, b))
            assert z.local_grads == (*inputs, *(p.data for p in w), 1.0)
            assert backpropagate(z) == {
                node: g for node, g in backpropagate(binary).items() if node in z.parents
            } | {z: 1.0}
    with no_grad():
        assert all(z.parents == () for z in weighted_sums(weights, x, biases))


def test_weighted_sums_read_numbers_as_constants_and_refuse_what_does_not_pair_up():
    from autodiff import weighted_sums

    x = Value(2.0)
    z1, z2 = weighted_sums([[x, 3.0], [1.0, -1.0]], [x, 0.5], [0.0, Value(1.0)])
    assert (z1.data, z2.data) == (2.0 * 2.0 + 3.0 * 0.5, 1.0 + 2.0 - 0.5)
    (z1 + z2).backward()
    assert x.grad == 2 * 2.0 + 1.0  # as w and as x in z1, as x in z2
    with pytest.raises(ValueError, match="weighted_sums: 2 rows of weights but 1 biases"):
        weighted_sums([[x], [x]], [x], [0.0])
    with pytest.raises(ValueError, match="weighted_sum: 1 weights but 2 inputs"):
        weighted_sums([[x, x], [x]], [x, x], [0.0, 0.0])
    with pytest.raises(TypeError, match=r"weighted_sum.*'w'"):
        weighted_sums([[x, "w"]], [x, x], [0.0])
    with pytest.raises(TypeError, match=r"weighted_sum.*None"):
        weighted_sums([[x]], [None], [0.0])
    with pytest.raises(TypeError, match="weighted_sum: weights, inputs and biases must be lists"):
        weighted_sums([(w for w in [x, x])], [x, x], [0.0])  # read once, it would lose weights


@given(st.lists(_FLOATS, min_size=12, max_size=12), st.lists(_FLOATS, min_size=3, max_size=3))
def test_wide_nodes_behind_a_relu_at_rest_give_the_gradients_of_binary_operations(params, inputs):
    """backward passes nothing on from a wide node (weighted_sum) whose gradient is 0: the same
    gradients, to the bit and the sign of zero, as the graph of binary operations, where every
    0 · local is added."""
    from autodiff import weighted_sum

    def gradients(wide: bool) -> list[str]:
        w = [Value(v) for v in params]
        x = [Value(v) for v in inputs]
        hidden = []
        for j in range(3):  # three relu units, some at rest, feeding one more
            row, b = w[3 * j : 3 * j + 3], w[9 + j]
            if wide:
                z = weighted_sum(row, x, b)
            else:
                z = b + row[0] * x[0] + row[1] * x[1] + row[2] * x[2]
            hidden.append(z.relu())
        out = weighted_sum(hidden, hidden, 0.0) if wide else sum(h * h for h in hidden)
        out.backward()
        return [repr(v.grad) for v in w + x]

    assert gradients(wide=True) == gradients(wide=False)


def test_a_wide_node_at_rest_still_multiplies_an_infinite_local_derivative():
    """0 · ∞ is NaN, as PyTorch and the binary operations give it: the shortcut for a gradient
    of 0 is taken only when every local derivative is finite."""
    from autodiff import weighted_sum

    w, x, b = Value(-1.0), Value(math.inf), Value(0.0)
    weighted_sum([w, b], [x, b], b).relu().backward()  # z = −∞, a relu at rest
    assert math.isnan(w.grad) and x.grad == 0.0


# --- copies: a graph survives deepcopy and pickle, and differentiates the same -------------


def test_copies_and_pickles_carry_no_walk_mark_and_are_walked_afresh():
    import copy
    import pickle

    x = Value(2.0)
    y = x * x
    y.backward()  # marks y and x with that walk
    for restored in (copy.deepcopy(y), pickle.loads(pickle.dumps(y))):
        assert restored._walk is None and restored.parents[0]._walk is None
        restored.backward()
        assert restored.parents[0].grad == 4.0 + 4.0  # the copy's x kept its 4, then got 4
    assert x.grad == 4.0


@primitive(lambda t: 2.0 / math.sqrt(math.pi) * PRIMITIVES["exp"](-t * t))  # floats or Values
def erf(t):
    return math.erf(t)


def every_kind_of_node() -> tuple[Value, Value, Value]:
    from autodiff import weighted_sum

    x, y = Value(0.7, name="x"), Value(1.3, name="y")
    x.colour = "red"  # a program's own attribute travels along
    a = (x * y - x / y + (-x)).exp() + (x + 1).log() + x.tanh() * y.sigmoid()
    b = (x - 0.2).relu() + x.sin() * y.cos() + y.sqrt() + abs(x - y) + x**2 + y**0.5
    c = x**y + weighted_sum([x, y], [y, 2.0], 0.5) + erf(x)
    return x, y, a * b + c


@pytest.mark.parametrize("copy_of", [
    lambda obj: __import__("copy").deepcopy(obj),
    lambda obj: __import__("pickle").loads(__import__("pickle").dumps(obj)),
], ids=["deepcopy", "pickle"])
def test_a_graph_survives_copying_and_differentiates_the_same(copy_of):
    x, y, root = every_kind_of_node()
    x2, _y2, root2 = copy_of((x, y, root))
    assert root2 is not root and root2.data == root.data and x2.colour == "red"
    assert [n.op for n in topological_order(root2)] == [n.op for n in topological_order(root)]
    assert x2 in topological_order(root2)  # shared nodes stay shared
    root.backward()
    root2.backward()
    assert [n.grad for n in topological_order(root2)] == [n.grad for n in topological_order(root)]
    second = copy_of(root)
    second.backward(create_graph=True)  # the rules survive: a second derivative works too
    assert all(isinstance(n.grad, Value) for n in topological_order(second) if n.parents)


def chain(n: int) -> tuple[Value, Value]:
    x = Value(0.3, name="x")
    v = x
    for k in range(n):
        v = (v * 0.5 + 0.5).tanh() if k % 2 else v * 0.999 + x
    return x, v


@pytest.mark.parametrize("copy_of", [
    lambda obj: __import__("copy").deepcopy(obj),
    lambda obj: __import__("pickle").loads(__import__("pickle").dumps(obj)),
], ids=["deepcopy", "pickle"])
def test_a_graph_of_a_hundred_thousand_nodes_is_copied_without_deep_recursion(copy_of):
    import sys

    x, root = chain(50_000)  # 125,000 operations and 100,000 constants
    root.name, x.group = "root", ("a box",)
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(200)  # a recursion as deep as the graph would need 10^5 levels
    try:
        x2, root2 = copy_of((x, root))
    finally:
        sys.setrecursionlimit(limit)
    order, order2 = topological_order(root), topological_order(root2)
    assert len(order2) == len(order) and x2 in order2 and x2 is not x
    assert [(n.data, n.op, n.local_grads, n.name) for n in order2] == [
        (n.data, n.op, n.local_grads, n.name) for n in order]
    assert x2.group == ("a box",)
    root.backward()
    root2.backward()
    assert x2.grad == x.grad != 0.0


def test_copies_of_several_nodes_of_one_graph_keep_them_shared():
    import copy
    import pickle

    x, root = chain(300)
    middle = topological_order(root)[400]
    for copied in (copy.deepcopy([middle, root, x]), pickle.loads(pickle.dumps([middle, root, x]))):
        middle2, root2, x2 = copied
        assert middle2 in topological_order(root2) and x2 in topological_order(middle2)
        assert len(topological_order(root2)) == len(topological_order(root))
    again = pickle.loads(pickle.dumps(middle))  # nothing is left listed from the copies before
    assert again.data == middle.data


def test_a_batch_loss_of_a_hundred_samples_is_copied_with_every_number():
    import copy
    import pickle

    import nn

    X, y = nn.data.make_moons(100, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    loss = nn.batch_loss([model(x) for x in X], y, nn.losses.hinge)
    loss.backward()
    for copied in (copy.deepcopy(loss), pickle.loads(pickle.dumps(loss))):
        assert [(n.data, n.grad, n.name, n.group) for n in topological_order(copied)] == [
            (n.data, n.grad, n.name, n.group) for n in topological_order(loss)]


def test_micrograd_closures_are_copied_by_deepcopy_as_before_and_pickle_refuses_them():
    import copy
    import pickle

    a = Value(2.0)
    out = Value(a.data * 3, (a,), "triple")

    def _backward():
        a.grad += 3 * out.grad

    out._backward = _backward
    twin = copy.deepcopy(out)
    assert twin._backward is _backward and twin.op == "triple" and twin.parents[0] is not a
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(out)


def test_primitives_made_on_the_fly_are_not_kept_for_dropped_graphs():
    import gc
    import tracemalloc

    tracemalloc.start()
    try:
        gc.collect()
        before = tracemalloc.get_traced_memory()[0]
        x = Value(1.5)
        nodes = [Value(x.data ** (1 + k / 1e5), (x,), f"**{1 + k / 1e5}") for k in range(50_000)]
        nodes += [x ** (2 + k / 1e5) for k in range(50_000)]  # the engine's own x ** constant
        assert nodes[0].op == "**1.0" and nodes[-1].op == f"**{2 + 49_999 / 1e5}"
        del nodes
        gc.collect()
        left = tracemalloc.get_traced_memory()[0] - before
    finally:
        tracemalloc.stop()
    assert left < 1_000_000  # bytes: a bounded table of them, not 50,000 per kind


def test_a_shallow_copy_shares_the_parents_and_lists_nothing():
    import copy
    import pickle

    _, root = chain(2_000)
    twin = copy.copy(root)
    assert twin is not root and twin.parents == root.parents and twin.data == root.data
    middle = topological_order(root)[1000]
    assert pickle.loads(pickle.dumps(middle)).data == middle.data  # walked as a root


def test_a_deep_copy_of_every_node_of_a_graph_keeps_them_one_graph():
    import copy

    _, root = chain(3_000)
    order = topological_order(root)
    copied = copy.deepcopy(order)
    assert topological_order(copied[-1]) == copied  # the same nodes, in the same order
    assert [n.data for n in copied] == [n.data for n in order]
