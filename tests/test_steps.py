"""backward_steps: the chain rule one node at a time, ending exactly where backward() ends."""

from __future__ import annotations

import math
import re

import pytest
from graphs import build, leaves, operations
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, backpropagate, backward_steps, topological_order
from autodiff.draw.notation import number


def gradients(root: Value) -> list[str]:
    """Every gradient in the graph, bit for bit (float.hex tells -0.0 from 0.0, keeps nan)."""
    return [float.hex(node.grad) for node in topological_order(root)]


@given(leaves, operations, st.integers(1, 2))
def test_exhausting_the_steps_gives_exactly_backwards_gradients(data, ops, passes):
    by_backward, by_steps = build(data, ops), build(data, ops)
    for _ in range(passes):  # the second pass starts from accumulated gradients
        by_backward.backward()
        for _ in backward_steps(by_steps):
            pass
    assert gradients(by_steps) == gradients(by_backward)


@given(leaves, operations)
def test_the_last_steps_totals_are_backpropagates_gradients(data, ops):
    root = build(data, ops)
    expected = {node: float.hex(g) for node, g in backpropagate(root).items()}
    steps = list(backward_steps(root))
    if steps:
        assert {node: float.hex(g) for node, g in steps[-1].totals().items()} == expected


def chain() -> tuple[Value, Value, Value, Value]:
    """L = 0.36 · z with z = x · y: the chain rule's example numbers."""
    x, y = Value(2.0, name="x"), Value(3.0, name="y")
    z = x * y
    z.name = "z"
    return z * 0.36, x, y, z


def test_a_step_reads_as_the_chain_rule():
    loss, _x, _y, z = chain()
    first, second = backward_steps(loss)
    assert first.node is loss and first.grad == 1.0
    assert str(first).splitlines()[0] == "∂L/∂z += ∂L/∂L · ∂(z × 0.36)/∂z = 1 · 0.36 = 0.36"
    assert second.node is z and second.grad == 0.36
    assert str(second).splitlines() == [
        "∂L/∂x += ∂L/∂z · ∂(x × y)/∂x = 0.36 · 3 = 1.08",
        "∂L/∂y += ∂L/∂z · ∂(x × y)/∂y = 0.36 · 2 = 0.72",
    ]
    assert repr(second) == "<Step index=1 at z: ∂L/∂z = 0.36>"


def test_unnamed_nodes_are_named_by_their_expression_and_the_output_by_its_name():
    x = Value(-2.0, name="x")
    loss = (x * x).tanh()
    loss.name = "loss"
    first, second = backward_steps(loss)
    assert str(first).startswith("∂loss/∂(x × x) += ∂loss/∂loss · ∂tanh(x × x)/∂(x × x) = 1 · ")
    line_1, line_2 = str(second).splitlines()
    assert line_1.startswith("∂loss/∂x += ∂loss/∂(x × x) · ∂(x × x)/∂x = ")
    assert " · (-2) = " in line_1  # negative factors in parentheses
    assert ", so ∂loss/∂x = " in line_2  # the second use of x adds to the first


def test_a_long_unnamed_expression_is_elided_or_named_by_position():
    x = Value(0.5, name="x")
    left = x * x + x * 2.0 + x * 3.0
    right = x * 4.0 + x * 5.0 + x * 6.0
    loss = ((left + x * 4.0) * (left + right)).exp()
    loss.name = "loss"
    names = [step.trace.names[step.node] for step in backward_steps(loss)]
    assert "x × x + x × 2 + x × 3" in names
    assert "… + x × 4" in names  # the sum so far elided
    assert [name for name in names if name.startswith("v")] == ["v19"]  # left + right: too long
    assert "(… + x × 4) × v19" in names
    assert all(len(name) <= 24 for name in names)


@given(leaves, operations)
def test_the_local_derivative_never_shares_a_symbol_with_a_gradient(data, ops):
    """The output's own step used to read ∂L/∂x += ∂L/∂L · ∂L/∂x = 1 · 1: one symbol for the
    gradient being accumulated and for the local derivative it multiplies by."""
    for step in backward_steps(build(data, ops)):
        loss = step.trace.names[step.trace.root]
        for line in str(step).splitlines():
            accumulated, _, product = line.partition(" += ")
            gradient, local = product.split(" = ")[0].split(" · ")
            assert gradient.startswith(f"∂{loss}/∂") and accumulated.startswith(f"∂{loss}/∂")
            assert not local.startswith(f"∂{loss}/")


def test_terms_record_local_derivative_contribution_and_the_gradient_after():
    x = Value(2.0, name="x")
    y = x * 3.0
    loss = y + x
    steps = list(backward_steps(loss))
    (to_y, to_x), (to_x_again, _) = steps[0].terms, steps[1].terms
    assert (to_y.parent, to_y.local, to_y.contribution, to_y.before, to_y.total) == (
        y, 1.0, 1.0, None, 1.0)
    assert (to_x.parent, to_x.before, to_x.total, to_x.grad) == (x, None, 1.0, 1.0)
    assert (to_x_again.parent, to_x_again.local, to_x_again.contribution) == (x, 3.0, 3.0)
    assert (to_x_again.before, to_x_again.total, to_x_again.grad) == (1.0, 4.0, 4.0)
    assert x.grad == 4.0


def test_each_step_carries_the_gradients_on_top_of_earlier_passes():
    loss, x, _y, z = chain()
    loss.backward()
    steps = backward_steps(loss)
    first = next(steps)
    assert first.terms[0].grad == 0.72  # z: 0.36 from this pass on top of 0.36 from the first
    step = next(steps)
    assert step.terms[0].total == 1.08 and step.terms[0].grad == 2.16
    for _ in steps:
        pass
    assert (loss.grad, z.grad, x.grad) == (2.0, 0.72, 2.16)


def test_steps_stopped_early_leave_every_grad_as_it_was_like_backward():
    loss, x, y, z = chain()
    loss.backward()
    steps = backward_steps(loss)
    next(steps)
    steps.close()  # as a `break` out of the loop does
    assert (loss.grad, z.grad, x.grad, y.grad) == (1.0, 0.36, 1.08, 0.72)


def test_a_leaf_output_gets_gradient_one_and_no_steps():
    x = Value(5.0)
    assert list(backward_steps(x)) == []
    assert x.grad == 1.0


def test_a_long_chain_steps_without_recursion():
    x = Value(1.0, name="x")
    y = x
    for _ in range(20_000):
        y = y * 1.0
    count = sum(1 for _ in backward_steps(y))
    assert count == 20_000 and x.grad == 1.0


def test_non_finite_numbers_are_written_compactly():
    x = Value(0.0, name="x")
    root = x.sqrt()
    (step,) = backward_steps(root)
    assert str(step) == "∂L/∂x += ∂L/∂L · ∂√x/∂x = 1 · ∞ = ∞"
    assert math.isinf(x.grad)


@pytest.mark.parametrize(
    "x, text",
    [(1 / 3, "0.3333"), (3.0, "3"), (-0.5, "-0.5"), (1234567.0, "1.235e6"), (2e-7, "2e-7"),
     (12345.0, "1.234e4"), (math.inf, "∞"), (-math.inf, "-∞"), (math.nan, "nan")],
)
def test_numbers_have_four_significant_digits(x, text):
    assert number(x) == text


def test_constants_the_program_wrote_get_no_line_of_their_own():
    """Issue 19: (out - 1) ** 2 stepped "∂L/∂1 += …", which teaches nothing."""
    out = Value(0.25, name="out")
    loss = (out - 1) ** 2 + 3.0 * out
    lines = [line for step in backward_steps(loss) for line in str(step).splitlines()]
    assert lines and not [line for line in lines if re.match(r"∂L/∂\(?-?[\d.]+\)? \+=", line)]
    assert sum(line.startswith("∂L/∂out += ") for line in lines) == 2
    assert out.grad == 2 * (0.25 - 1) + 3.0  # their gradients are still computed
    constants = Value(2.0) * 3.0  # a step that reaches constants alone says so
    (_, second) = backward_steps(constants * Value(1.0, name="q"))
    assert str(second) == "∂L/∂(2 × 3) = 1 goes on to constants alone"
