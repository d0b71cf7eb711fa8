"""Programs written for micrograd 0.1.0 and for its lecture run on our `Value` with only the
import changed, and give the same numbers (1e-12) as on micrograd itself and on a scalar
written the lecture's way (`lecture_value.py`).

The programs are our own, in the styles those users write: labels, a neuron by hand, `a + a`,
tanh from exp and division, `_backward` called node by node, operations of their own made with
closures, a network of their own trained with `p.data += -0.05 * p.grad`.
"""

from __future__ import annotations

import math
import random

import pytest
from lecture_value import LectureValue

import autodiff
from autodiff import Value, backward_steps, draw_graph

micrograd = pytest.importorskip("micrograd.engine", reason="micrograd==0.1.0 is the oracle")
MicroValue = micrograd.Value

ENGINES = {"lecture": LectureValue, "autodiff": Value}


def same(ours: list[float], theirs: list[float]) -> bool:
    return len(ours) == len(theirs) and all(
        math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-12) for a, b in zip(ours, theirs)
    )


def run_everywhere(program, engines=ENGINES):
    results = {name: program(V) for name, V in engines.items()}
    reference = results.pop(next(iter(results)))
    for name, numbers in results.items():
        assert same(numbers, reference), (name, numbers, reference)
    return reference


# --- the first half: one neuron, by hand -------------------------------------------------------


def neuron(V, activation=lambda n: n.tanh()):
    """Two inputs, two weights and the bias that puts the output at tanh(0.8814) = 1/√2."""
    x1, x2 = V(2.0, label="x1"), V(0.0, label="x2")
    w1, w2 = V(-3.0, label="w1"), V(1.0, label="w2")
    b = V(6.8813735870195432, label="b")
    x1w1 = x1 * w1
    x1w1.label = "x1*w1"
    x2w2 = x2 * w2
    x2w2.label = "x2*w2"
    s = x1w1 + x2w2
    s.label = "x1*w1 + x2*w2"
    n = s + b
    n.label = "n"
    o = activation(n)
    o.label = "o"
    return o, [x1, x2, w1, w2, b, x1w1, x2w2, s, n]


def test_a_neuron_differentiated_with_backward():
    def program(V):
        o, nodes = neuron(V)
        o.backward()
        return [o.data] + [v.grad for v in nodes]

    numbers = run_everywhere(program)
    assert math.isclose(numbers[0], math.sqrt(0.5), rel_tol=1e-12)
    assert math.isclose(numbers[3], 1.0, rel_tol=1e-12)  # ∂o/∂w1 = x1 · (1 − o²) = 2 · 0.5


def test_labels_read_and_written_as_the_lecture_does():
    o, nodes = neuron(Value)
    assert [v.label for v in nodes[:5]] == ["x1", "x2", "w1", "w2", "b"]
    assert o.label == o.name == "o" and Value(1.0).label == ""
    assert Value(1.0, label="k").name == "k"


def test_a_neuron_differentiated_by_calling_backward_node_by_node():
    def program(V):
        o, nodes = neuron(V)
        x1, x2, w1, w2, b, x1w1, x2w2, s, n = nodes
        o.grad = 1.0
        for node in (o, n, b, s, x2w2, x1w1, x1, x2, w1, w2):  # leaves do nothing
            node._backward()
        return [v.grad for v in nodes]

    run_everywhere(program)


def test_backward_written_by_the_program_over_prev():
    def program(V):
        o, nodes = neuron(V)
        order, seen = [], set()

        def visit(node):
            if node not in seen:
                seen.add(node)
                for parent in node._prev:
                    visit(parent)
                order.append(node)

        visit(o)
        o.grad = 1.0
        for node in reversed(order):
            node._backward()
        return [v.grad for v in nodes]

    run_everywhere(program)


def test_a_value_used_twice_gets_both_contributions():
    def program(V):
        a = V(3.0, label="a")
        b = a + a
        b.backward()
        c, d = V(-2.0), V(3.0)
        e = c * d
        f = c + d
        g = e * f
        g.backward()
        return [a.grad, c.grad, d.grad]

    assert run_everywhere(program)[0] == 2.0


def test_tanh_built_from_exp_and_division_gives_the_same_gradients():
    def by_parts(n):
        e = (2 * n).exp()
        return (e - 1) / (e + 1)

    def program(V):
        o, nodes = neuron(V, by_parts)
        o.backward()
        return [o.data] + [v.grad for v in nodes[:5]]

    by_exp = run_everywhere(program)
    o, nodes = neuron(Value)
    o.backward()
    assert same(by_exp, [o.data] + [v.grad for v in nodes[:5]])


# --- operations a program makes itself, with closures ---------------------------------------


def cube(v):
    out = type(v)(v.data**3, (v,), "cube")

    def _backward():
        v.grad += 3 * v.data**2 * out.grad

    out._backward = _backward
    return out


def product(a, b):
    out = type(a)(a.data * b.data, (a, b), "times")

    def _backward():
        a.grad += b.data * out.grad
        b.grad += a.data * out.grad

    out._backward = _backward
    return out


def with_own_operations(V):
    x, y = V(1.5), V(-0.5)
    z = cube(product(x, y) + x) * y + product(x, x)  # x twice: one parent, both contributions
    z.backward()
    return [z.data, x.grad, y.grad]


def test_operations_made_with_closures_take_part_in_backward():
    numbers = run_everywhere(with_own_operations, {**ENGINES, "micrograd": MicroValue})
    x, y = 1.5, -0.5
    assert math.isclose(numbers[1], 3 * (x * y + x) ** 2 * (y + 1) * y + 2 * x, rel_tol=1e-12)


def test_such_operations_are_drawn_and_stepped_by_their_op_name():
    x = Value(2.0, name="x")
    z = cube(x) * 3
    z.name = "z"
    source = draw_graph(z).source
    assert "cube(x)" in source and ">12</FONT></TD>" in source  # the edge x → cube: 3x² = 12
    assert autodiff.draw_dot(z).source == source
    steps = list(backward_steps(z))
    assert [s.node.op for s in steps] == ["*", "cube"]
    assert str(steps[1]) == "∂z/∂x += ∂z/∂cube(x) · ∂cube(x)/∂x = 3 · 12 = 36"
    assert x.grad == 36.0


def test_such_operations_refuse_a_second_derivative_with_a_reason():
    x = Value(2.0)
    y = cube(x)
    with pytest.raises(TypeError, match=r"'cube'.*micrograd's way.*cannot be differentiated twice"):
        y.backward(create_graph=True)
    with pytest.raises(TypeError, match="'cube'"):
        autodiff.grad(autodiff.grad(lambda t: cube(t)))(2.0)
    assert autodiff.grad(lambda t: cube(t))(2.0) == 12.0  # the first derivative is fine


def test_children_must_be_values_and_a_name_is_not_a_child():
    with pytest.raises(TypeError, match=r"_children must be a tuple of Values.*name="):
        Value(1.0, "x")
    with pytest.raises(TypeError, match="each of _children must be a Value"):
        Value(1.0, (2.0,), "op")


# --- micrograd 0.1.0's own operations ---------------------------------------------------------


def every_operation(V):
    p, q = V(-3.0), V(1.5)
    r = p * q + q**3 - p / 4.0
    r = r + (q - p).relu() * 2 - (-p + q * 0.5).relu()
    s = 7.0 / (r * r + 1) + 2 * p - 1 - r**2 / 3
    s.backward()
    return [s.data, p.grad, q.grad]


def test_micrograd_operations_give_micrograds_numbers():
    run_everywhere(every_operation, {"micrograd": MicroValue, **ENGINES})


# --- the second half: a network of the program's own, trained by hand -----------------------


def train_a_network_of_its_own(V, seed=3):
    rng = random.Random(seed)

    class Neuron:
        def __init__(self, nin):
            self.w = [V(rng.uniform(-1, 1)) for _ in range(nin)]
            self.b = V(rng.uniform(-1, 1))

        def __call__(self, x):
            return sum((wi * xi for wi, xi in zip(self.w, x)), self.b).tanh()

        def parameters(self):
            return [*self.w, self.b]

    class Layer:
        def __init__(self, nin, nout):
            self.neurons = [Neuron(nin) for _ in range(nout)]

        def __call__(self, x):
            outs = [n(x) for n in self.neurons]
            return outs[0] if len(outs) == 1 else outs

        def parameters(self):
            return [p for n in self.neurons for p in n.parameters()]

    class Network:
        def __init__(self, nin, nouts):
            sizes = [nin, *nouts]
            self.layers = [Layer(sizes[i], sizes[i + 1]) for i in range(len(nouts))]

        def __call__(self, x):
            for layer in self.layers:
                x = layer(x)
            return x

        def parameters(self):
            return [p for layer in self.layers for p in layer.parameters()]

    xs = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
    ys = [1.0, -1.0, -1.0, 1.0]
    net = Network(3, [4, 4, 1])
    losses = []
    for _ in range(20):
        predictions = [net(x) for x in xs]
        loss = sum((out - target) ** 2 for target, out in zip(ys, predictions))
        for p in net.parameters():
            p.grad = 0.0
        loss.backward()
        for p in net.parameters():
            p.data += -0.05 * p.grad
        losses.append(loss.data)
    return losses + [p.data for p in net.parameters()]


def test_a_network_of_the_programs_own_trains_to_the_same_numbers():
    numbers = run_everywhere(train_a_network_of_its_own)
    assert numbers[19] < numbers[0] / 2  # and it learns


def test_programs_keep_their_own_state_on_values():
    x = Value(0.5)
    x.m, x.v = 0.0, 0.0  # an optimizer's moments, as a program keeps them
    for _ in range(3):
        x.grad = 0.0
        (x * x).backward()
        x.m = 0.9 * x.m + 0.1 * x.grad
        x.data -= 0.1 * x.m
    assert x.m > 0 and x.data < 0.5
