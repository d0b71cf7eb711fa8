"""save/load: exact JSON round trips; every malformed file is refused with ValueError."""

from __future__ import annotations

import json
import math
import pickle
import struct

import pytest

import nn


def bits(state: dict[str, float]) -> dict[str, bytes]:
    return {name: struct.pack("<d", value) for name, value in state.items()}


@pytest.fixture
def model():
    mlp = nn.MLP(3, [4, 2], activation="relu", output_activation="sigmoid", seed=11)
    awkward = [0.1 + 0.2, 1 / 3, 5e-324, -0.0, 1e308, -2.5e-310, math.pi, 123456789.123456789]
    for p, value in zip(mlp.parameters(), awkward):
        p.data = value
    return mlp


def test_round_trip_is_exact_and_records_the_architecture(model, tmp_path):
    path = tmp_path / "model.json"
    nn.save(model, path)
    document = json.loads(path.read_text())
    assert document["format"] == "autodiff-mlp" and document["version"] == 1
    assert document["architecture"] == {
        "nin": 3, "nouts": [4, 2], "activations": ["relu", "sigmoid"]}
    assert list(document["parameters"]) == [n for n, _ in model.named_parameters()]

    loaded = nn.load(str(path))
    assert isinstance(loaded, nn.MLP)
    assert loaded.activations == model.activations and loaded.nouts == model.nouts
    assert bits(loaded.state_dict()) == bits(model.state_dict())
    assert [p.name for p in loaded.parameters()] == [p.name for p in model.parameters()]
    x = [0.3, -1.2, 2.0]
    assert [o.data for o in loaded(x)] == [o.data for o in model(x)]


def test_save_refuses_a_non_finite_weight_and_writes_nothing(model, tmp_path):
    model.parameters()[0].data = math.nan
    path = tmp_path / "model.json"
    with pytest.raises(ValueError, match="NaN"):
        nn.save(model, path)
    assert not path.exists()


def _malformed(text: str):
    """(label, bytes) for each way a saved file can be wrong."""
    document = json.loads(text)
    first = next(iter(document["parameters"]))

    def edited(change):
        d = json.loads(text)
        change(d)
        return json.dumps(d).encode()

    yield "empty", b""
    yield "truncated", text.encode()[: len(text) // 2]
    yield "not JSON", b"layers.0.neurons.0.w.0 = 0.5\n"
    yield "a pickle", pickle.dumps(document)
    yield "a text pickle", pickle.dumps(document, protocol=0)
    yield "binary", bytes(range(256))
    yield "a list", b"[1, 2, 3]"
    yield "NaN weight", text.replace(str(document["parameters"][first]), "NaN", 1).encode()
    yield "Infinity weight", text.replace(str(document["parameters"][first]), "-Infinity",
                                          1).encode()
    yield "huge weight", text.replace(str(document["parameters"][first]), "1e999", 1).encode()
    yield "string weight", edited(lambda d: d["parameters"].update({first: "0.5"}))
    yield "null weight", edited(lambda d: d["parameters"].update({first: None}))
    yield "bool weight", edited(lambda d: d["parameters"].update({first: True}))
    yield "missing parameter", edited(lambda d: d["parameters"].pop(first))
    yield "extra parameter", edited(lambda d: d["parameters"].update({"layers.0.x": 1.0}))
    yield "missing key", edited(lambda d: d.pop("version"))
    yield "extra key", edited(lambda d: d.update({"pickle": "x"}))
    yield "other format", edited(lambda d: d.update({"format": "torch"}))
    yield "future version", edited(lambda d: d.update({"version": 2}))
    yield "bool version", edited(lambda d: d.update({"version": True}))
    yield "wider layer", edited(lambda d: d["architecture"].update({"nouts": [5, 2]}))
    yield "fewer inputs", edited(lambda d: d["architecture"].update({"nin": 2}))
    yield "zero width", edited(lambda d: d["architecture"].update({"nouts": [0, 2]}))
    yield "no layers", edited(lambda d: d["architecture"].update({"nouts": [], "activations": []}))
    yield "activation count", edited(lambda d: d["architecture"].update({"activations": ["relu"]}))
    yield "unknown activation", edited(
        lambda d: d["architecture"].update({"activations": ["relu", "gelu"]}))
    yield "string nin", edited(lambda d: d["architecture"].update({"nin": "3"}))
    yield "parameters a list", edited(lambda d: d.update({"parameters": [1.0]}))
    yield "duplicate key", text.replace('"parameters": {', f'"parameters": {{"{first}": 0.0, ',
                                        1).encode()


def test_the_malformed_cases_differ_from_a_good_file(model, tmp_path):
    path = tmp_path / "good.json"
    nn.save(model, path)
    text = path.read_text()
    cases = list(_malformed(text))
    assert len({data for _, data in cases}) == len(cases)
    assert all(data != text.encode() for _, data in cases)


def test_load_refuses_every_malformed_file(model, tmp_path):
    good = tmp_path / "good.json"
    nn.save(model, good)
    path = tmp_path / "model.json"
    for label, data in _malformed(good.read_text()):
        path.write_bytes(data)
        with pytest.raises(ValueError, match="load") as error:
            nn.load(path)
        print(f"{label}: {error.value}")  # shown with -s: each message says what is wrong
        assert path.read_bytes() == data


def test_save_takes_an_mlp(tmp_path):
    with pytest.raises(TypeError, match="MLP"):
        nn.save(nn.Neuron(2, seed=0), tmp_path / "neuron.json")
