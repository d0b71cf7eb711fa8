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
        listed[package] = set(re.findall(r"^\| `([\w./]+\.py)` \|", section, flags=re.M))
    return listed


def modules_of(package: str) -> list[Path]:
    """Every module of `package`, its folders' included."""
    return sorted((ROOT / package).rglob("*.py"))


@pytest.mark.parametrize("package", PACKAGES)
def test_architecture_lists_exactly_the_modules_of_each_package(package):
    modules = {path.relative_to(ROOT / package).as_posix() for path in modules_of(package)}
    assert documented()[package] == modules


@pytest.mark.parametrize("package", PACKAGES)
def test_no_package_imports_one_above_it(package):
    for path in modules_of(package):
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
               *(path for package in PACKAGES for path in modules_of(package)),
               *ROOT.glob("tests/*.py"), *ROOT.glob("benchmarks/*")]
    marker = re.compile(r"^(<{7}|>{7}|={7})( |$)", flags=re.M)
    assert [p.name for p in shipped if p.is_file() and marker.search(p.read_text("utf-8"))] == []


MAX_FUNCTION_LINES, MAX_MODULE_LINES, MAX_TOP_LEVEL_MODULES = 50, 400, 10


def library_modules() -> list[Path]:
    return [path for package in PACKAGES for path in modules_of(package)]


def test_autodiff_keeps_at_most_ten_modules_at_its_top_level():
    assert len(list((ROOT / "autodiff").glob("*.py"))) <= MAX_TOP_LEVEL_MODULES


@pytest.mark.parametrize("path", library_modules(), ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_module_is_over_400_lines_nor_any_function_over_50(path):
    text = path.read_text(encoding="utf-8")
    assert len(text.splitlines()) <= MAX_MODULE_LINES
    assert _too_long(text) == []


def _too_long(text: str) -> list[str]:
    return [
        f"{node.name}: {node.end_lineno - node.lineno + 1} lines"
        for node in ast.walk(ast.parse(text))
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_every_module_dot_name_the_page_mentions_exists():
    """`graph.chain_rule`, `value.build`, …: the page's references to code stay true."""
    import importlib

    text = (ROOT / "ARCHITECTURE.md").read_text(encoding="utf-8")
    mentioned = {(m, n) for m, n in re.findall(r"`(\w+)\.(\w+)`", text) if n != "py"}
    checked = 0
    for module, name in mentioned:
        for package in ("autodiff", "autodiff.draw", "autodiff.check", "autodiff.compiler",
                        "nn"):
            if (ROOT / package.replace(".", "/") / f"{module}.py").is_file():
                assert hasattr(importlib.import_module(f"{package}.{module}"), name), (
                    f"ARCHITECTURE.md mentions {module}.{name}, which does not exist"
                )
                checked += 1
                break
    assert checked >= 5
