"""What pip users get: the licence, the version, and a wheel that carries the notebooks."""

from __future__ import annotations

import importlib.metadata
import os
import subprocess
import sys
import sysconfig
import zipfile
from pathlib import Path

import pytest

import autodiff
from autodiff_cli.main import main

ROOT = Path(__file__).parent.parent
NOTEBOOKS = sorted((ROOT / "notebooks").glob("*.ipynb"))


def test_the_licence_is_the_mit_licence_pyproject_declares():
    tomllib = pytest.importorskip("tomllib")
    licence = (ROOT / "LICENSE").read_text(encoding="utf-8")
    assert licence.startswith("MIT License\n\nCopyright (c) 2026 the autodiff authors\n")
    assert "Permission is hereby granted, free of charge" in licence
    assert tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["license"] == "MIT"


def test_version_is_pyprojects_as_installed(capsys):
    tomllib = pytest.importorskip("tomllib")
    declared = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert autodiff.__version__ == importlib.metadata.version("autodiff-scalar") == declared
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out == f"autodiff {declared}\n"


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """The wheel pip builds from this checkout (with the installed hatchling: no download)."""
    pytest.importorskip("hatchling")
    out = tmp_path_factory.mktemp("dist")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
         str(ROOT), "-w", str(out)],
        check=True, capture_output=True,
    )
    (built,) = out.glob("autodiff_scalar-*.whl")
    return built


def test_the_wheel_ships_the_notebooks_and_the_licence(wheel):
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        shipped = {Path(n).name: archive.read(n) for n in names
                   if n.startswith("autodiff_cli/notebooks/")}
        licence = archive.read(f"autodiff_scalar-{autodiff.__version__}.dist-info/licenses/LICENSE")
    assert len(NOTEBOOKS) >= 3
    assert shipped == {path.name: path.read_bytes() for path in NOTEBOOKS}
    assert licence == (ROOT / "LICENSE").read_bytes()
    assert not [n for n in names if "checkpoint" in n or "__pycache__" in n]


def test_the_command_copies_the_notebooks_of_an_installed_wheel(wheel, tmp_path):
    site = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--no-index",
         "--target", str(site), str(wheel)],
        check=True, capture_output=True,
    )
    # -S: no .pth files, so the editable checkout is not importable; the dependencies are.
    path = os.pathsep.join([str(site), sysconfig.get_paths()["purelib"]])
    done = subprocess.run(
        [sys.executable, "-S", "-m", "autodiff_cli", "notebooks", "mine"],
        cwd=tmp_path, env={**os.environ, "PYTHONPATH": path}, capture_output=True, text=True,
    )
    assert done.returncode == 0, done.stderr
    copied = sorted((tmp_path / "mine").iterdir())
    assert [p.name for p in copied] == [p.name for p in NOTEBOOKS]
    assert all(c.read_bytes() == n.read_bytes() for c, n in zip(copied, NOTEBOOKS))


def test_the_wheel_ships_the_digits_with_their_attribution(wheel):
    with zipfile.ZipFile(wheel) as archive:
        assert archive.read("nn/digits.npz") == (ROOT / "nn" / "digits.npz").read_bytes()
        attribution = archive.read("nn/digits-attribution.txt").decode()
    assert "CC BY 4.0" in attribution and "Alpaydin" in attribution
