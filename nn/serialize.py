"""`save` and `load`: an MLP as JSON, never pickle, so loading a file cannot run code.

    {"format": "autodiff-mlp", "version": 1,
     "architecture": {"nin": 2, "nouts": [16, 16, 1], "activations": ["tanh", "tanh", "linear"]},
     "parameters": {"layers.0.neurons.0.w.0": -0.28, ...}}

Floats are written with `repr`, which Python reads back to the same bits. A save replaces the
file atomically, so a reader never sees half of one. Anything malformed is refused with
ValueError before a model is built, and a file's declared architecture must match the parameters
it holds, so a few bytes declaring a huge network cost nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import stat
from typing import Union

from . import _validate
from .mlp import MLP

FORMAT = "autodiff-mlp"
VERSION = 1
MAX_PARAMETERS = 10**7  # ~5 GB as Values: far beyond what a scalar engine can train

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
    _replace(path, text + "\n")


def _replace(path: Path, text: str) -> None:
    """Write `text` to a new file beside `path`, then rename it over `path`: a reader sees the
    old file or the new one, never half of one, and a failed write (a full disk) keeps the old.
    """
    target = os.path.realpath(path)  # through a symlink, which keeps pointing at the model
    directory, name = os.path.split(target)
    temporary = os.path.join(directory, f".{name}.{secrets.token_hex(8)}.tmp")
    try:  # the old file's permissions, never wider; a new file's as open(path, "w") gives
        mode = stat.S_IMODE(os.stat(target).st_mode)
    except FileNotFoundError:
        mode = 0o666
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    try:
        with open(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(temporary, target)
    except BaseException:
        os.unlink(temporary)
        raise


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
    except RecursionError:
        raise ValueError(f"{where}: not an {FORMAT} JSON file (nested too deeply)") from None
    _expect_keys(document, {"format", "version", "architecture", "parameters"}, where)
    version = document["version"]
    if document["format"] != FORMAT or type(version) is not int or version != VERSION:
        raise ValueError(
            f"{where}: expected format {FORMAT!r} version {VERSION}, "
            f"got {document['format']!r} version {version!r}"
        )
    parameters = document["parameters"]
    if not isinstance(parameters, dict):
        raise ValueError(f"{where}: parameters must be an object, got {type(parameters).__name__}")
    nin, nouts, activations = _architecture(document["architecture"], len(parameters), where)
    try:
        model = MLP(nin, nouts, activations[:-1], activations[-1], seed=0)
    except (TypeError, ValueError) as error:
        raise ValueError(f"{where}: bad architecture: {error}") from None
    try:
        model.load_state_dict(parameters)
    except ValueError as error:
        raise ValueError(f"{where}: {error}") from None
    return model


def _architecture(architecture: object, held: int, where: str) -> tuple[int, list, list]:
    """`(nin, nouts, activations)`, once the widths are known to need exactly the `held`
    parameters: checked on the numbers alone, before anything is built."""
    _expect_keys(architecture, {"nin", "nouts", "activations"}, f"{where}: architecture")
    nin, nouts, activations = (architecture[key] for key in ("nin", "nouts", "activations"))
    if not (isinstance(nouts, list) and isinstance(activations, list)) or (
        not nouts or len(activations) != len(nouts)
    ):
        raise ValueError(f"{where}: architecture needs one activation per layer: {architecture!r}")
    try:
        sizes = [_validate.positive_int(n, "nin and each width", where) for n in [nin, *nouts]]
    except TypeError as error:
        raise ValueError(str(error)) from None
    needed = sum((fan_in + 1) * width for fan_in, width in itertools.pairwise(sizes))
    if needed > MAX_PARAMETERS:
        raise ValueError(
            f"{where}: the architecture needs more than {MAX_PARAMETERS:,} parameters, "
            "the most a model may have"
        )
    if needed != held:
        raise ValueError(
            f"{where}: the architecture needs {needed} parameters but the file holds {held}"
        )
    return nin, nouts, activations


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
