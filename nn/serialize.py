"""`save` and `load`: an MLP as JSON, never pickle, so loading a file cannot run code.

    {"format": "autodiff-mlp", "version": 1,
     "architecture": {"nin": 2, "nouts": [16, 16, 1], "activations": ["tanh", "tanh", "linear"]},
     "parameters": {"layers.0.neurons.0.w.0": -0.28, ...}}

Floats are written with `repr`, which Python reads back to the same bits. A save replaces the
file atomically, so a reader never sees half of one, and replaces nothing but a regular file the
user may write. Anything malformed is refused with
ValueError before a model is built, and a file's declared architecture must match the parameters
it holds, so a few bytes declaring a huge network cost nothing.
"""

from __future__ import annotations

import errno
import itertools
import json
import os
import secrets
import stat
from typing import Union

from . import _validate
from .mlp import MLP
from .module import tied_paths

FORMAT = "autodiff-mlp"
VERSION = 1
MAX_PARAMETERS = 10**7  # ~5 GB as Values: far beyond what a scalar engine can train

Path = Union[str, "os.PathLike[str]"]
KINDS = {stat.S_IFDIR: "a directory", stat.S_IFIFO: "a FIFO", stat.S_IFCHR: "a device",
         stat.S_IFBLK: "a device", stat.S_IFSOCK: "a socket"}


def save(model: MLP, path: Path) -> None:
    """Write `model` to `path`, atomically, creating it or replacing a file.

    Writes nothing and raises ValueError for a non-finite or tied weight, or when `path` is
    not a file (a directory, a FIFO, a device: the rename would put a file in its place), and
    PermissionError when the file is read-only. Through a symlink, the file it points to is
    replaced and the link kept.
    """
    if not isinstance(model, MLP):
        raise TypeError(f"save: can only save an MLP, got {type(model).__name__}")
    tied = [f"{path} is {first}" for path, first in tied_paths(model).items()]
    if tied:  # the file holds a number for each weight of the architecture, each its own
        raise ValueError(f"save: the format cannot hold tied weights: {', '.join(tied[:5])}")
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
    mode = _replaceable(target, path)
    # A short name: beside a name of NAME_MAX (255) characters, it must still be a name.
    temporary = os.path.join(os.path.dirname(target), f".{secrets.token_hex(8)}.tmp")
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


def _replaceable(target: str, path: Path) -> int:
    """The mode for the new file: the old file's permissions (never wider), or those
    `open(path, "w")` gives a new file. Only a regular file the user may write is replaced: the
    rename would put a file in place of a FIFO or a device (as root, /dev/null), and over a
    read-only file, which it may do whenever the directory is writable."""
    try:
        status = os.stat(target)
    except FileNotFoundError:
        return 0o666
    if not stat.S_ISREG(status.st_mode):
        kind = KINDS.get(stat.S_IFMT(status.st_mode), "not a regular file")
        raise ValueError(f"save: {os.fspath(path)!r} is {kind}, not a file; it was left as it was")
    mode = stat.S_IMODE(status.st_mode)
    if not (mode & 0o222 and os.access(target, os.W_OK)):  # root may write any file: ask both
        who = "the file is read-only" if not mode & 0o222 else "this user may not write the file"
        raise PermissionError(
            errno.EACCES, f"save: {who} (mode {mode:#o}); it was left as it was", os.fspath(path)
        )
    return mode


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
