"""`save` and `load`: an MLP as JSON, never pickle, so loading a file cannot run code.

    {"format": "autodiff-mlp", "version": 1,
     "architecture": {"nin": 2, "nouts": [16, 16, 1], "activations": ["tanh", "tanh", "linear"]},
     "parameters": {"layers.0.neurons.0.w.0": -0.28, ...}}

Floats are written with `repr`, which Python reads back to the same bits. Anything malformed is
refused with ValueError before a model is built.
"""

from __future__ import annotations

import json
import os
from typing import Union

from .mlp import MLP

FORMAT = "autodiff-mlp"
VERSION = 1

Path = Union[str, "os.PathLike[str]"]


def save(model: MLP, path: Path) -> None:
    """Write `model` to `path`; a non-finite weight raises ValueError and writes nothing."""
    if not isinstance(model, MLP):
        raise TypeError(f"save: can only save an MLP, got {type(model).__name__}")
    document = {
        "format": FORMAT,
        "version": VERSION,
        "architecture": {
            "nin": model.nin,
            "nouts": model.nouts,
            "activations": model.activations,
        },
        "parameters": model.state_dict(),
    }
    try:
        text = json.dumps(document, indent=1, allow_nan=False)
    except ValueError:
        raise ValueError(f"save: {model!r} has a NaN or infinite weight") from None
    with open(path, "w", encoding="utf-8") as f:
        f.write(text + "\n")


def load(path: Path) -> MLP:
    """The MLP saved at `path`, exactly; ValueError if the file is not a valid save."""
    where = f"load({os.fspath(path)!r})"
    with open(path, "rb") as f:
        raw = f.read()
    try:
        document = json.loads(
            raw.decode("utf-8"),
            parse_constant=_refuse_constant,
            object_pairs_hook=_unique_keys,
        )
    except ValueError as error:  # also UnicodeDecodeError: a pickle or other binary file
        raise ValueError(f"{where}: not an {FORMAT} JSON file ({error})") from None
    _expect_keys(document, {"format", "version", "architecture", "parameters"}, where)
    version = document["version"]
    if document["format"] != FORMAT or type(version) is not int or version != VERSION:
        raise ValueError(
            f"{where}: expected format {FORMAT!r} version {VERSION}, "
            f"got {document['format']!r} version {version!r}"
        )
    architecture = document["architecture"]
    _expect_keys(architecture, {"nin", "nouts", "activations"}, f"{where}: architecture")
    nouts, activations = architecture["nouts"], architecture["activations"]
    if not (isinstance(nouts, list) and isinstance(activations, list)) or (
        not nouts or len(activations) != len(nouts)
    ):
        raise ValueError(f"{where}: architecture needs one activation per layer: {architecture!r}")
    try:
        model = MLP(architecture["nin"], nouts, activations[:-1], activations[-1], seed=0)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: bad architecture: {error}") from None
    try:
        model.load_state_dict(document["parameters"])
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return model


def _refuse_constant(name: str) -> None:
    raise ValueError(f"{name} is not a weight")


def _unique_keys(pairs: list[tuple[str, object]]) -> dict[str, object]:
    keys = [key for key, _ in pairs]
    if len(set(keys)) != len(keys):
        raise ValueError(f"duplicate keys in {keys[:5]}…")
    return dict(pairs)


def _expect_keys(obj: object, keys: set[str], where: str) -> None:
    if not isinstance(obj, dict) or set(obj) != keys:
        found = sorted(obj) if isinstance(obj, dict) else type(obj).__name__
        raise ValueError(f"{where}: expected an object with keys {sorted(keys)}, got {found}")
