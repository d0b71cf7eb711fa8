"""save/load: exact JSON round trips; every malformed file is refused with ValueError."""

from __future__ import annotations

import contextlib
import errno
import io
import json
import math
import os
import pickle
import stat
import struct
import subprocess
import sys
import threading

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


def test_a_reader_during_repeated_saves_sees_only_whole_models(tmp_path):
    """Each save replaces the file whole: a reader never finds it empty or half written."""
    path = tmp_path / "model.json"
    small, large = nn.MLP(3, [2, 1], seed=1), nn.MLP(3, [16, 16, 1], seed=2)
    states = [small.state_dict(), large.state_dict()]
    nn.save(small, path)
    done, seen, failures = threading.Event(), [], []

    def read() -> None:
        while True:
            try:
                seen.append(nn.load(path).state_dict())
            except ValueError as error:
                failures.append(error)
            if done.is_set():
                return

    reader = threading.Thread(target=read)
    reader.start()
    try:
        for i in range(200):
            nn.save((small, large)[i % 2], path)
    finally:
        done.set()
        reader.join()
    assert failures == [] and seen and all(state in states for state in seen)
    assert os.listdir(tmp_path) == ["model.json"]


def _disk_full(*args, **kwargs):
    raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))


class _HalfWritten(io.StringIO):
    """A file on a disk that fills up half way through the write."""

    def __init__(self, real):
        super().__init__()
        self.real = real

    def write(self, text):
        self.real.write(text[: len(text) // 2])
        self.real.flush()
        _disk_full()


@contextlib.contextmanager
def _open_on_a_full_disk(*args, **kwargs):
    """open() as a context manager, on a disk that fills up half way through the write."""
    with open(*args, **kwargs) as real:
        yield _HalfWritten(real)


@pytest.mark.parametrize("failing", ["write", "fsync", "replace"])
def test_a_failed_save_keeps_the_previous_file_and_leaves_nothing_behind(
    model, tmp_path, monkeypatch, failing
):
    path = tmp_path / "model.json"
    nn.save(model, path)
    before = path.read_bytes()
    other = nn.MLP(3, [4, 2], seed=5)
    if failing == "write":
        monkeypatch.setattr(nn.serialize, "open", _open_on_a_full_disk, raising=False)
    else:
        monkeypatch.setattr(os, failing, _disk_full)
    with pytest.raises(OSError) as error:
        nn.save(other, path)
    assert error.value.errno == errno.ENOSPC
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.json"]


def test_save_keeps_the_permissions_and_the_symlink(model, tmp_path):
    target = tmp_path / "model.json"
    nn.save(nn.MLP(3, [4, 2], seed=5), target)
    target.chmod(0o600)
    link = tmp_path / "latest.json"
    link.symlink_to(target)
    nn.save(model, link)
    assert link.is_symlink() and stat.S_IMODE(target.stat().st_mode) == 0o600
    assert bits(nn.load(target).state_dict()) == bits(model.state_dict())
    assert sorted(os.listdir(tmp_path)) == ["latest.json", "model.json"]


# Run in a child under a 1 GB address-space limit: a load that builds the declared network
# would need gigabytes and die there of MemoryError instead of bringing this machine down.
_LOAD_UNDER_1GB = """
import resource, sys
resource.setrlimit(resource.RLIMIT_AS, (2**30, 2**30))
import nn
try:
    nn.load(sys.argv[1])
except ValueError as error:
    print("refused:", error)
"""


@pytest.mark.parametrize("nin", [10**6, 10**7, 10**100], ids=["1e6", "1e7", "1e100"])
def test_a_tiny_file_declaring_a_huge_network_is_refused_without_building_it(tmp_path, nin):
    pytest.importorskip("resource")
    path = tmp_path / "hostile.json"
    nn.save(nn.MLP(2, [3, 1], seed=0), path)
    document = json.loads(path.read_text())
    document["architecture"]["nin"] = nin
    path.write_text(json.dumps(document))
    assert path.stat().st_size < 1000
    child = subprocess.run(
        [sys.executable, "-c", _LOAD_UNDER_1GB, str(path)],
        capture_output=True, text=True, timeout=30,
    )
    assert child.returncode == 0 and child.stderr == ""
    assert child.stdout.startswith("refused: load(") and "parameters" in child.stdout


@pytest.mark.parametrize("opening", ["[", '{"a": '])
def test_deeply_nested_json_is_refused_with_value_error(tmp_path, opening):
    path = tmp_path / "nested.json"
    path.write_text(opening * 100_000)
    with pytest.raises(ValueError, match="nested too deeply"):
        nn.load(path)


def _fifo(path):
    os.mkfifo(path)


def _device(path):
    """A character device like /dev/null (1, 3), made in the test's own directory."""
    try:
        os.mknod(path, stat.S_IFCHR | 0o666, os.makedev(1, 3))
    except PermissionError:
        pytest.skip("making a device node needs root")


def _directory(path):
    os.mkdir(path)
    (path / "inside.txt").write_text("kept")


@pytest.mark.parametrize("make, kind", [(_fifo, "a FIFO"), (_device, "a device"),
                                        (_directory, "a directory")])
@pytest.mark.parametrize("through_a_link", [False, True], ids=["path", "symlink"])
def test_save_refuses_what_is_not_a_regular_file_and_leaves_it(
    model, tmp_path, make, kind, through_a_link
):
    """The rename replaced a FIFO by a file (and, as root, /dev/null and /dev/full)."""
    thing = tmp_path / "thing"
    make(thing)
    before = os.lstat(thing)
    path = thing
    if through_a_link:
        path = tmp_path / "link.json"
        path.symlink_to("thing")
    with pytest.raises(ValueError, match=rf"save: '{path}' is {kind}, not a file; it was left"):
        nn.save(model, path)
    after = os.lstat(thing)
    assert (after.st_mode, after.st_ino, after.st_rdev) == (
        before.st_mode, before.st_ino, before.st_rdev)
    assert sorted(os.listdir(tmp_path)) == sorted(["thing", *["link.json"] * through_a_link])


@pytest.mark.parametrize("mode", [0o444, 0o400, 0o555], ids=oct)
def test_save_refuses_a_read_only_file_even_as_root(model, tmp_path, mode):
    """No write bit for anyone: os.access alone says yes to root, and the rename needs only the
    directory's permission, so the read-only file was overwritten."""
    path = tmp_path / "model.json"
    nn.save(nn.MLP(3, [4, 2], seed=5), path)
    path.chmod(mode)
    before = path.read_bytes()
    with pytest.raises(PermissionError, match=rf"read-only \(mode {mode:#o}\)") as error:
        nn.save(model, path)
    assert error.value.errno == errno.EACCES and error.value.filename == str(path)
    assert path.read_bytes() == before and stat.S_IMODE(path.stat().st_mode) == mode
    assert os.listdir(tmp_path) == ["model.json"]


def test_save_asks_whether_this_user_may_write_the_file(model, tmp_path, monkeypatch):
    """A file the user may not write (another user's, mode 0o644) in a directory the user may:
    the rename needs only the directory's permission, so the file was replaced. Root may write
    any file, so here the system's answer for this one file is made "no"."""
    path = tmp_path / "model.json"
    nn.save(model, path)
    before = path.read_bytes()
    access = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **kw: (
        not (os.fspath(p) == str(path) and mode & os.W_OK) and access(p, mode, **kw)))
    with pytest.raises(PermissionError, match=r"this user may not write the file \(mode 0o6"):
        nn.save(nn.MLP(3, [4, 2], seed=5), path)
    assert path.read_bytes() == before and os.listdir(tmp_path) == ["model.json"]


def test_save_refuses_a_file_this_user_may_not_write(model, tmp_path):
    """The same as a user other than root, for real: the owner's write bit is off, the
    group's on."""
    if os.geteuid() == 0:
        pytest.skip("root may write any file with a write bit: the case above asks os.access")
    path = tmp_path / "model.json"
    nn.save(model, path)
    path.chmod(0o464)
    with pytest.raises(PermissionError, match="this user may not write the file"):
        nn.save(nn.MLP(3, [4, 2], seed=5), path)


@pytest.mark.parametrize("length", [240, 255])
def test_save_takes_the_longest_names(model, tmp_path, length):
    """The temporary name was the name plus 22 characters: over NAME_MAX past 233."""
    path = tmp_path / ("m" * (length - 5) + ".json")
    with open(path, "w"):  # open() takes the name
        pass
    nn.save(model, path)
    assert bits(nn.load(path).state_dict()) == bits(model.state_dict())
    assert os.listdir(tmp_path) == [path.name]


@pytest.mark.parametrize("dangling", [False, True], ids=["to a file", "dangling"])
def test_save_through_a_relative_symlink_writes_its_target_and_keeps_it(
    model, tmp_path, dangling
):
    (tmp_path / "models").mkdir()
    target = tmp_path / "models" / "model.json"
    if not dangling:
        nn.save(nn.MLP(3, [4, 2], seed=5), target)
    link = tmp_path / "latest.json"
    link.symlink_to(os.path.join("models", "model.json"))
    nn.save(model, link)
    assert link.is_symlink() and os.readlink(link) == os.path.join("models", "model.json")
    assert bits(nn.load(target).state_dict()) == bits(model.state_dict())
    assert os.listdir(tmp_path / "models") == ["model.json"]


def test_save_refuses_a_tied_mlp_that_load_could_not_give_back(tmp_path):
    mlp = nn.MLP(2, [2, 2], seed=0)
    mlp.layers[1].neurons[1].w[0] = mlp.layers[1].neurons[0].w[0]
    with pytest.raises(ValueError, match=r"tied weights: layers\.1\.neurons\.1\.w\.0 is "
                                         r"layers\.1\.neurons\.0\.w\.0"):
        nn.save(mlp, tmp_path / "tied.json")
    assert os.listdir(tmp_path) == []
