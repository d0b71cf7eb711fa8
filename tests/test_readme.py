"""The README's Quickstart and examples are what a new user runs first: hold them true."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

README = (Path(__file__).parent.parent / "README.md").read_text()


def code_blocks(language: str) -> list[str]:
    return re.findall(rf"```{language}\n(.*?)```", README, re.S)


def test_quickstart_is_two_one_line_commands_demo_then_tests():
    quickstart = README.split("## Quickstart", 1)[1]
    first_block = re.search(r"```\w*\n(.*?)```", quickstart, re.S).group(1)
    demo, tests = first_block.strip().splitlines()
    assert "autodiff demo" in demo and "pytest" in tests
    assert ".ci/run" not in tests and "'.[dev]'" in tests


def test_ci_runs_the_readmes_test_command():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    tests = README.split("## Quickstart", 1)[1].split("```")[1].strip().splitlines()[-1]
    for step in tests.split(" && "):
        assert step in ci, step


def test_ci_installs_a_browser_so_that_the_stepper_is_tested_in_one():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    assert "apt-get install -y -qq chromium chromium-driver" in ci
    assert ci.index("chromium-driver") < ci.index("pytest")


def test_ci_draws_with_graphviz_and_again_without_it():
    """Issue 19: the suite failed where Graphviz was installed, and CI never had it."""
    root = Path(__file__).parent.parent
    ci = (root / ".ci" / "run").read_text()
    assert "chromium-driver graphviz" in ci and "set -euo pipefail" in ci and "|| true" not in ci
    second = ci[ci.index("run_tests no_dot"):]
    assert "! -name dot" in ci and 'PATH="$PWD/.venv/bin:$without_dot"' in ci
    drawing = ["test_render.py", "test_render_dot.py", "test_steps_stepper.py",
               "test_stepper_browser.py", "test_cli.py"]
    assert all(f"tests/{name}" in second and (root / "tests" / name).exists() for name in drawing)


def test_every_python_example_runs_and_prints_what_the_readme_says(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    for block in code_blocks("python"):
        printed = io.StringIO()
        with contextlib.redirect_stdout(printed):
            exec(compile(block, "README.md", "exec"), {})
        shown = [line[2:] for line in block.splitlines() if line.startswith("# ∂")]
        assert shown == [line for line in printed.getvalue().splitlines() if line.startswith("∂")]


def test_the_readmes_pictures_exist_and_their_script_draws_them(tmp_path):
    import runpy

    root = Path(__file__).parent.parent
    pictures = re.findall(r"!\[[^]]*\]\((docs/[^)]+)\)", README)
    assert len(pictures) >= 2 and all((root / p).exists() for p in pictures)
    runpy.run_path(str(root / "docs" / "pictures.py"))["main"](tmp_path)
    assert {p.name for p in tmp_path.iterdir()} == {Path(p).name for p in pictures}


def test_ci_installs_the_pytorch_extra_and_scikit_learn_so_their_oracles_run():
    ci = (Path(__file__).parent.parent / ".ci" / "run").read_text()
    line = ".venv/bin/pip install -q -e '.[torch]' scikit-learn"
    assert line in ci and ci.index(line) < ci.index("pytest")
    pyproject = (Path(__file__).parent.parent / "pyproject.toml").read_text()
    assert re.search(r'^torch = \[\n    "torch==2\.13\.0",\n\]', pyproject, re.M)
