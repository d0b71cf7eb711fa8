"""ARCHITECTURE.md names every module that exists and no other, and the layering it states
holds: autodiff ← nn ← autodiff_cli, never upward."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ["autodiff", "nn", "autodiff_cli"]
LAYER = {name: i for i, name in enumerate(PACKAGES)}


def documented() -> dict[str, set[str]]:
    """The modules each package's section of ARCHITECTURE.md lists."""
    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    sections = re.split(r"^## ", text, flags=re.M)
    listed = {}
    for package in PACKAGES:
        (section,) = [s for s in sections if s.startswith(f"`{package}/`")]
        listed[package] = set(re.findall(r"^\| `([\w.]+\.py)` \|", section, flags=re.M))
    return listed


@pytest.mark.parametrize("package", PACKAGES)
def test_architecture_lists_exactly_the_modules_of_each_package(package):
    modules = {path.name for path in (ROOT / package).glob("*.py")}
    assert documented()[package] == modules


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_one_above_it(package):
    for path in (ROOT / package).glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.level == 0:
                names = [node.module or ""]
            else:
                continue
            for name in names:
                top = name.split(".")[0]
                assert LAYER.get(top, -1) <= LAYER[package], f"{path.name} imports {name}"


def test_no_file_keeps_a_merge_conflict_marker():
    shipped = [*ROOT.glob("*.md"), *ROOT.glob("*.toml"), *ROOT.glob("notebooks/*.ipynb"),
               *(path for package in PACKAGES for path in (ROOT / package).glob("*.py")),
               *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*")]
    marker = re.compile(r"^(<{7}|>{7}|={7})( |$)", flags=re.M)
    assert [p.name for p in shipped if p.is_file() and marker.search(p.read_text("utf-8"))] == []
