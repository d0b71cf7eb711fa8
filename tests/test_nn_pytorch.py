"""The way on to PyTorch: `nn.to_torch` and `nn.from_torch` carry a network across and back,
computing the same function, with the same numbers."""

from __future__ import annotations

import builtins
import random

import pytest

import nn
from nn.activations import ACTIVATIONS


def random_mlp(rng: random.Random) -> nn.MLP:
    nin = rng.randint(1, 6)
    nouts = [rng.randint(1, 6) for _ in range(rng.randint(1, 4))]
    gs = [rng.choice(ACTIVATIONS) for _ in nouts]
    model = nn.MLP(nin, nouts, activation=gs[:-1], output_activation=gs[-1],
                   seed=rng.getrandbits(32))
    for p in model.parameters():
        p.data += rng.uniform(-0.5, 0.5)  # the biases too, so none is 0
    return model


def listed(out):
    return [o.data for o in (out if isinstance(out, list) else [out])]


def test_without_pytorch_both_say_how_to_install_it(monkeypatch):
    real_import = builtins.__import__

    def no_torch(name, *args, **kwargs):
        if name == "torch" or name.startswith("torch."):
            raise ModuleNotFoundError("No module named 'torch'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_torch)
    for call in (lambda: nn.to_torch(nn.MLP(2, [1], seed=0)), lambda: nn.from_torch(None)):
        with pytest.raises(ImportError, match=r"pip install 'autodiff-scalar\[torch\]'"):
            call()


@pytest.fixture(scope="module")
def torch():
    return pytest.importorskip("torch", reason="the PyTorch extra is not installed")


def test_to_torch_computes_the_same_function_in_float64(torch):
    rng = random.Random(0)
    for _ in range(20):
        model = random_mlp(rng)
        module = nn.to_torch(model)
        assert isinstance(module, torch.nn.Sequential)
        assert all(p.dtype == torch.float64 for p in module.parameters())
        linears = [m for m in module if isinstance(m, torch.nn.Linear)]
        assert len(linears) == len(model.layers)
        for layer, linear in zip(model.layers, linears):
            assert linear.weight.tolist() == layer.weight_matrix().tolist()
            assert linear.bias.tolist() == layer.biases().reshape(-1).tolist()
        for _ in range(5):
            x = [rng.uniform(-3, 3) for _ in range(model.nin)]
            theirs = module(torch.tensor([x], dtype=torch.float64))[0].tolist()
            assert listed(model(x)) == pytest.approx(theirs, rel=1e-12, abs=1e-14)


def test_from_torch_gives_back_an_identical_network(torch):
    rng = random.Random(1)
    for _ in range(20):
        model = random_mlp(rng)
        back = nn.from_torch(nn.to_torch(model))
        assert back.activations == model.activations and back.nouts == model.nouts
        assert back.state_dict() == model.state_dict()  # every float, exactly


def test_a_network_trained_in_pytorch_comes_back_computing_what_it_computes(torch):
    torch.manual_seed(0)
    module = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                                 torch.nn.ReLU(), torch.nn.Linear(4, 2), torch.nn.Sigmoid())
    x = torch.randn(16, 3)
    optimizer = torch.optim.SGD(module.parameters(), lr=0.1)
    for _ in range(5):
        optimizer.zero_grad()
        module(x).pow(2).sum().backward()
        optimizer.step()
    model = nn.from_torch(module)  # float32 weights, exactly as float64
    assert model.activations == ["tanh", "relu", "sigmoid"]
    expected = module.double()(x.double())
    for row, want in zip(x.double().tolist(), expected.tolist()):
        assert listed(model(row)) == pytest.approx(want, rel=1e-12, abs=1e-14)


def test_from_torch_reads_identity_and_a_linear_without_bias(torch):
    module = torch.nn.Sequential(torch.nn.Linear(2, 3, bias=False), torch.nn.Identity(),
                                 torch.nn.Linear(3, 1))
    model = nn.from_torch(module)
    assert model.activations == ["linear", "linear"]
    assert [n.b.data for n in model.layers[0].neurons] == [0.0, 0.0, 0.0]


@pytest.mark.parametrize("make, error, words", [
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.GELU()), ValueError,
     "cannot translate GELU"),
    (lambda t: t.nn.Sequential(t.nn.Tanh(), t.nn.Linear(2, 3)), ValueError, "must follow a Linear"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Tanh(), t.nn.ReLU()), ValueError,
     "must follow a Linear"),
    (lambda t: t.nn.Sequential(t.nn.Linear(2, 3), t.nn.Linear(4, 1)), ValueError,
     r"weights\[1\] must be"),
    (lambda t: t.nn.Sequential(), ValueError, "no Linear layer"),
    (lambda t: t.nn.Linear(2, 3), TypeError, "takes a torch.nn.Sequential"),
])
def test_from_torch_refuses_what_an_mlp_cannot_be(torch, make, error, words):
    with pytest.raises(error, match=words):
        nn.from_torch(make(torch))


def test_to_torch_takes_an_mlp(torch):
    with pytest.raises(TypeError, match=r"takes an nn\.MLP, got Layer"):
        nn.to_torch(nn.Layer(2, 2, seed=0))
