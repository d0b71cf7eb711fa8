"""Models: parameter names and order, the w_jk^(l) indexing, initialisation, state, bad input."""

from __future__ import annotations

import math
import re
import subprocess
import sys
from pathlib import Path

import pytest

import nn
from autodiff import Value, topological_order
from nn.activations import ACTIVATIONS
from nn.notation import symbol

NAME = re.compile(r"layers\.(\d+)\.neurons\.(\d+)\.(?:w\.(\d+)|b)")


def test_mlp_parameter_names_follow_the_backprop_indexing():
    mlp = nn.MLP(3, [4, 2], seed=0)
    named = mlp.named_parameters()
    assert len(named) == (3 + 1) * 4 + (4 + 1) * 2
    for name, p in named:
        l, j, k = NAME.fullmatch(name).groups()
        neuron = mlp.layers[int(l)].neurons[int(j)]
        assert p is (neuron.b if k is None else neuron.w[int(k)])
        letter, indices = ("b", [int(j) + 1]) if k is None else ("w", [int(j) + 1, int(k) + 1])
        assert p.name == symbol(letter, *indices, layer=int(l) + 1)  # w₂₃⁽¹⁾
        assert p.group == (f"layer {int(l) + 1}", f"neuron {int(j) + 1}")
    assert named[:4] == [
        ("layers.0.neurons.0.w.0", mlp.layers[0].neurons[0].w[0]),
        ("layers.0.neurons.0.w.1", mlp.layers[0].neurons[0].w[1]),
        ("layers.0.neurons.0.w.2", mlp.layers[0].neurons[0].w[2]),
        ("layers.0.neurons.0.b", mlp.layers[0].neurons[0].b),
    ]
    assert mlp.parameters() == [p for _, p in named]


def test_stand_alone_neuron_and_layer_names():
    neuron = nn.Neuron(2, seed=0)
    assert [n for n, _ in neuron.named_parameters()] == ["w.0", "w.1", "b"]
    assert [p.name for p in neuron.parameters()] == ["w₁", "w₂", "b"]
    layer = nn.Layer(2, 2, seed=0)
    assert [p.name for p in layer.parameters()] == ["w₁₁", "w₁₂", "b₁", "w₂₁", "w₂₂", "b₂"]
    assert {p.group for p in layer.neurons[1].parameters()} == {("neuron 2",)}
    assert symbol("w", 10, 2, layer=3) == "w₁₀,₂⁽³⁾"  # a comma once an index has two digits


def test_every_value_a_network_makes_is_named_in_the_notation():
    mlp = nn.MLP(2, [2, 2], activation="tanh", seed=0)
    cost = nn.losses.sum_squared_error(mlp([0.5, -1.0]), [1.0, 0.0])
    named = {node.name: node for node in topological_order(cost) if node.name}
    assert {"x₁", "x₂", "z₁⁽¹⁾", "a₁⁽¹⁾", "z₂⁽¹⁾", "a₂⁽¹⁾", "a₁⁽²⁾", "a₂⁽²⁾", "y₁", "y₂", "C₀",
            } <= set(named)  # a linear output's activation is its weighted input: a, not z
    assert named["x₂"].group == named["y₂"].group == ()
    assert named["z₂⁽¹⁾"].group == named["a₂⁽¹⁾"].group == ("layer 1", "neuron 2")
    assert named["a₁⁽²⁾"].parents[0] is named["w₁₁⁽²⁾"]
    batch = nn.batch_loss([mlp([0.5, -1.0]), mlp([1.0, 2.0])], [[1.0, 0.0]] * 2,
                          nn.losses.sum_squared_error)
    assert (batch.name, batch.parents[0].parents[0].name) == ("C", "C₀")


def test_a_custom_module_names_its_parts_by_attribute_path():
    class Pair(nn.Module):
        def __init__(self):
            self.scale = Value(2.0)
            self.body = nn.MLP(1, [1], seed=0)
            self.name_parameters()

    assert [p.name for p in Pair().parameters()] == [
        "scale", "body.layers.0.neurons.0.w.0", "body.layers.0.neurons.0.b",
    ]


def test_w_jk_is_the_weight_into_neuron_j_from_input_k():
    """With hand-set weights, z_j^(1) = Σ_k w_jk x_k + b_j for a linear layer."""
    mlp = nn.MLP(3, [2], output_activation="linear", seed=0)
    W = [[1.0, 2.0, 3.0], [-1.0, 0.5, 0.0]]
    b = [0.25, -4.0]
    for j in range(2):
        for k in range(3):
            mlp.layers[0].neurons[j].w[k].data = W[j][k]  # w_{j+1, k+1}^(1)
        mlp.layers[0].neurons[j].b.data = b[j]
    out = mlp([1.0, 10.0, 100.0])
    assert [o.data for o in out] == [1 + 20 + 300 + 0.25, -1 + 5 + 0 - 4.0]


def test_calling_a_layer_or_network_returns_its_outputs():
    layer = nn.Layer(2, 3, seed=1)
    out = layer([Value(0.5), 1.0])
    assert len(out) == 3 and all(isinstance(o, Value) for o in out)
    mlp = nn.MLP(2, [3, 1], seed=1)
    y = mlp([0.5, -1.0])
    assert isinstance(y, Value)  # one output: the Value itself
    assert y.data == mlp.layers[1](mlp.layers[0]([0.5, -1.0])).data


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_activation_is_applied_with_the_engine_and_linear_adds_no_node(activation):
    neuron = nn.Neuron(2, activation, seed=3)
    assert neuron.activation == activation
    z = neuron.weighted_input([0.5, -0.25])
    a = neuron([0.5, -0.25])
    if activation == "linear":
        assert a.op == "weighted_sum" and a.data == z.data  # z itself: Σ w·x + b
    else:
        assert a.op == activation and a.parents[0].op == "weighted_sum"
        assert a.data == getattr(Value(z.data), activation)().data


def test_a_layer_feeds_one_shared_input_node_to_all_its_neurons():
    layer = nn.Layer(3, 4, activation="linear", seed=0)
    outputs = layer([0.5, -1.0, 2.0])
    for k in range(3):
        inputs = {
            id(node) for z in outputs for node in _ancestors(z)
            if node.name == f"x{k + 1}".translate(str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"))
        }
        assert len(inputs) == 1  # one x_k node, read by every neuron
    x = Value(0.5, name="mine")
    assert _ancestors(layer([x, 1.0, 2.0])[0]).count(x) == 1  # a Value input is used as it is


def _ancestors(root: Value) -> list[Value]:
    from autodiff import topological_order

    return topological_order(root)


def test_per_layer_activations():
    mlp = nn.MLP(2, [3, 3, 1], activation=["relu", "sigmoid"], output_activation="tanh", seed=0)
    assert mlp.activations == [layer.activation for layer in mlp.layers] == [
        "relu", "sigmoid", "tanh"]
    assert all(n.activation == "relu" for n in mlp.layers[0].neurons)
    assert nn.MLP(2, [3, 1], seed=0).activations == ["relu", "linear"]  # micrograd's defaults
    assert nn.Layer(2, 3, seed=0).activation == nn.Neuron(2, seed=0).activation == "relu"


def test_seeded_initialisation_is_deterministic():
    assert nn.MLP(2, [5, 3, 1], seed=7).state_dict() == nn.MLP(2, [5, 3, 1], seed=7).state_dict()
    assert nn.MLP(2, [5, 1], seed=7).state_dict() != nn.MLP(2, [5, 1], seed=8).state_dict()
    assert nn.MLP(2, [5, 1]).state_dict() != nn.MLP(2, [5, 1]).state_dict()  # unseeded: fresh
    assert nn.Neuron(4, seed=1).state_dict() == nn.Neuron(4, seed=1).state_dict()


def test_initial_weights_are_glorot_for_tanh_and_he_for_relu():
    for activation, limit in [("tanh", math.sqrt(6 / (20 + 30))),
                              ("relu", math.sqrt(6 / 20))]:
        weights = [w.data for n in nn.Layer(20, 30, activation, seed=0).neurons for w in n.w]
        assert max(map(abs, weights)) <= limit
        assert max(map(abs, weights)) > 0.9 * limit  # uses the range, not a narrower one
        assert abs(sum(weights) / len(weights)) < 0.05 * limit
    assert all(n.b.data == 0.0 for n in nn.Layer(3, 4, seed=0).neurons)


def test_zero_grad():
    mlp = nn.MLP(2, [2, 1], seed=0)
    nn.losses.mse(mlp([1.0, 2.0]), 1.0).backward()
    assert any(p.grad != 0 for p in mlp.parameters())
    mlp.zero_grad()
    assert all(p.grad == 0 for p in mlp.parameters())


def test_state_dict_round_trip():
    a, b = nn.MLP(2, [3, 1], seed=0), nn.MLP(2, [3, 1], seed=1)
    state = a.state_dict()
    assert all(isinstance(v, float) for v in state.values())
    b.load_state_dict(state)
    assert b.state_dict() == state
    assert b([0.3, 0.4]).data == a([0.3, 0.4]).data


def _malformed_states():
    good = nn.MLP(2, [3, 1], seed=0).state_dict()
    first = next(iter(good))
    yield "missing key", {k: v for k, v in good.items() if k != first}
    yield "extra key", {**good, "layers.9.neurons.0.b": 0.0}
    for bad in ["0.5", None, [0.5], True, math.nan, math.inf, -math.inf, 10**400]:
        yield f"weight {bad!r}", {**good, first: bad}
    yield "wrong shapes", nn.MLP(2, [4, 1], seed=0).state_dict()
    yield "not a mapping", list(good.items())


@pytest.mark.parametrize("label, state", list(_malformed_states()))
def test_load_state_dict_refuses_malformed_state_and_changes_nothing(label, state):
    mlp = nn.MLP(2, [3, 1], seed=5)
    before = mlp.state_dict()
    with pytest.raises(ValueError, match="load_state_dict"):
        mlp.load_state_dict(state)
    assert mlp.state_dict() == before


@pytest.mark.parametrize("call, error, message", [
    (lambda: nn.MLP(0, [3]), ValueError, "nin"),
    (lambda: nn.MLP(2, []), ValueError, "nouts"),
    (lambda: nn.MLP(2, [3, 0]), ValueError, "width"),
    (lambda: nn.MLP(2, [3, 1], activation="softplus"), ValueError, "tanh"),
    (lambda: nn.MLP(2, [3, 1], output_activation="soft"), ValueError, "'soft'"),
    (lambda: nn.MLP(2, [3, 3, 1], activation=["tanh"]), ValueError, "hidden"),
    (lambda: nn.MLP(2.0, [3]), TypeError, "nin"),
    (lambda: nn.MLP(2, [3], seed="x"), TypeError, "seed"),
    (lambda: nn.Neuron(2, "Tanh"), ValueError, "sigmoid"),
    (lambda: nn.Layer(2, 0), ValueError, "nout"),
    (lambda: nn.MLP(2, [3], seed=0)([1.0]), ValueError, "expected 2 inputs"),
    (lambda: nn.Layer(2, 3, seed=0)([1.0, 2.0, 3.0]), ValueError, "Layer"),
    (lambda: nn.Neuron(2, seed=0)("ab"), TypeError, "Neuron"),
    (lambda: nn.Neuron(2, seed=0)([1.0, "a"]), TypeError, "'a'"),
])
def test_bad_arguments_are_refused_clearly(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_autodiff_never_imports_nn_and_nn_never_pickles():
    package = Path(nn.__file__).parent
    code = "import sys, autodiff; assert 'nn' not in sys.modules"
    subprocess.run([sys.executable, "-c", code], check=True, cwd=package.parent)
    for source in package.glob("*.py"):
        imports = re.findall(r"^\s*(?:import|from)\s+(\w+)", source.read_text(), re.M)
        assert not {"pickle", "marshal", "shelve", "dill"} & set(imports), source


class _Tied(nn.Module):
    """`w` held by two attributes, as an encoder and a decoder share a weight matrix."""

    def __init__(self):
        self.encode = Value(1.0)
        self.scale = Value(0.5)
        self.decode = self.encode

    def __call__(self, x):
        return self.decode * (self.encode * x[0]) * self.scale


def _tied_step(optimizer):
    """One step of `optimizer` on C = w² (dC/dw = 2 at w = 1, read through both places)."""
    model = _Tied()
    opt = optimizer(model.parameters())
    opt.zero_grad()
    (model.encode * model.decode).backward()
    opt.step()
    return model.encode.data


@pytest.mark.parametrize("optimizer", [
    lambda ps: nn.SGD(ps, lr=0.1), lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
    lambda ps: nn.Adam(ps, lr=0.2),
], ids=["sgd", "momentum", "adam"])
def test_a_tied_parameter_is_listed_once_and_stepped_once(optimizer):
    model = _Tied()
    assert model.named_parameters() == [("encode", model.encode), ("scale", model.scale)]
    assert model.parameters() == [model.encode, model.scale]
    assert [n for n, _ in model.named_parameters(remove_duplicate=False)] == [
        "encode", "scale", "decode"]
    assert _tied_step(optimizer) == pytest.approx(0.8, abs=1e-7)  # 0.6 when stepped twice


def test_tied_weights_step_as_pytorch_steps_them():
    torch = pytest.importorskip("torch")
    w = torch.nn.Parameter(torch.tensor(1.0, dtype=torch.float64))
    holder = torch.nn.Module()
    holder.encode, holder.decode = w, w  # one Parameter, registered under two names
    assert [n for n, _ in holder.named_parameters()] == ["encode"]
    for ours, theirs in [(lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9),
                          lambda ps: torch.optim.SGD(ps, lr=0.1, momentum=0.9)),
                         (lambda ps: nn.Adam(ps, lr=0.2), lambda ps: torch.optim.Adam(ps, lr=0.2))]:
        with torch.no_grad():
            w.fill_(1.0)
        opt = theirs(holder.parameters())
        opt.zero_grad()
        (holder.encode * holder.decode).backward()
        opt.step()
        assert _tied_step(ours) == pytest.approx(w.item(), rel=1e-15)


def test_tied_state_holds_each_parameter_once_and_round_trips():
    model = _Tied()
    assert model.state_dict() == {"encode": 1.0, "scale": 0.5}
    other = _Tied()
    other.load_state_dict({"encode": -2.0, "scale": 3.0})
    assert other.decode is other.encode and other.decode.data == -2.0  # still tied
    model.load_state_dict(other.state_dict())
    assert model.state_dict() == other.state_dict() and model.decode.data == -2.0
    with pytest.raises(ValueError, match="decode is encode"):  # two numbers for one weight
        model.load_state_dict({"encode": 1.0, "scale": 0.5, "decode": 7.0})
    assert model.state_dict() == other.state_dict()


def test_a_tied_model_trains_as_one_parameter_eagerly_and_compiled():
    """fit steps a tied weight once by the gradient of both its uses; functional_call puts one
    value in both places, so the compiled step gives the same numbers."""
    X, y = [[1.0], [-0.5], [2.0]], [0.3, -0.2, 1.1]
    trained = []
    for compile in (False, True):
        model = _Tied()
        nn.fit(model, X, y, nn.losses.mse, nn.SGD(model.parameters(), lr=0.01), 1,
               progress=False, shuffle=False, compile=compile)
        trained.append(model.state_dict())
    w, s = 1.0, 0.5  # the model is s w² x: dC/dw = mean(2 (s w² x - y) · 2 s w x)
    grad_w = sum(2 * (s * w * w * x - t) * 2 * s * w * x for [x], t in zip(X, y)) / 3
    grad_s = sum(2 * (s * w * w * x - t) * w * w * x for [x], t in zip(X, y)) / 3
    expected = {"encode": w - 0.01 * grad_w, "scale": s - 0.01 * grad_s}
    for state in trained:
        assert state == pytest.approx(expected, rel=1e-14)


def test_functional_call_puts_one_value_in_every_place_of_a_tied_parameter():
    from autodiff import grad

    model = _Tied()
    assert len(model.parameters()) == 2
    g = grad(lambda ps: nn.functional_call(model, ps, [3.0]))([Value(2.0), Value(0.5)])
    assert [v.data for v in g] == [2 * 2.0 * 3.0 * 0.5, 2.0 * 2.0 * 3.0]  # d(s w² x)/dw, /ds
    assert model.decode is model.encode and model.encode.data == 1.0  # given back, untouched
