"""The notebooks run top to bottom in a real kernel, so they never rot.

Each notebook asserts what it teaches (engine against hand derivation, numbers against
numbers), so a notebook that executes is also a notebook whose claims hold.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

NOTEBOOKS = sorted((Path(__file__).parent.parent / "notebooks").glob("*.ipynb"))


def test_the_three_notebooks_are_there():
    assert len(NOTEBOOKS) >= 3, NOTEBOOKS


@pytest.fixture(scope="module")
def executed(tmp_path_factory) -> Callable[[Path], nbformat.NotebookNode]:
    """Each notebook run top to bottom in a real kernel, once, with its outputs kept."""
    done: dict[Path, nbformat.NotebookNode] = {}

    def execute(path: Path) -> nbformat.NotebookNode:
        if path not in done:
            notebook = nbformat.read(path, as_version=4)
            directory = tmp_path_factory.mktemp(path.stem)
            NotebookClient(notebook, timeout=600, kernel_name="python3",
                           resources={"metadata": {"path": str(directory)}}).execute()
            done[path] = notebook
        return done[path]

    return execute


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, executed):
    notebook = executed(path)
    errors = [
        output for cell in notebook.cells if cell.cell_type == "code"
        for output in cell.get("outputs", []) if output.output_type == "error"
    ]
    assert not errors
    assert any(cell.get("outputs") for cell in notebook.cells if cell.cell_type == "code")


def test_notebook_01_keeps_its_stepper_in_the_saved_notebook(executed, tmp_path):
    """Issue 12: the stepper was an ipywidgets control, blank without a live kernel, and
    notebook 01 never showed it."""
    saved = tmp_path / "saved.ipynb"
    nbformat.write(executed(NOTEBOOKS[0]), saved)
    shown = [output["data"]["text/html"] for cell in nbformat.read(saved, as_version=4).cells
             if cell.cell_type == "code" for output in cell.outputs
             if "autodiff-stepper" in output.get("data", {}).get("text/html", "")]
    assert len(shown) == 1 and shown[0].count("<svg") == 1 and shown[0].count("<li ") > 1


def test_notebook_01_steps_in_its_nbconvert_html(executed, tmp_path, chromium):
    from nbconvert import HTMLExporter
    from selenium.webdriver.common.by import By

    notebook = executed(NOTEBOOKS[0])
    page = tmp_path / "exported.html"
    page.write_text(HTMLExporter().from_notebook_node(notebook)[0], encoding="utf-8")
    chromium.get(page.resolve().as_uri())
    stepper = chromium.find_element(By.CSS_SELECTOR, ".autodiff-stepper")
    counter = stepper.find_element(By.CSS_SELECTOR, ".counter")
    last = counter.text.rsplit(" ", 1)[1]
    assert counter.text == f"step 0 of {last}"
    stepper.find_element(By.CSS_SELECTOR, 'button[aria-label="Next"]').click()
    assert counter.text == f"step 1 of {last}"
    assert "∂" in stepper.find_element(By.CSS_SELECTOR, ".now .chain-rule").text


def test_notebook_04_trains_the_books_network_past_95_percent_on_held_out_digits(executed):
    """Issue 21: the book's network, the book's SGD, both costs, scored on digits it never saw."""
    (path,) = [p for p in NOTEBOOKS if p.stem.startswith("04_")]
    notebook = executed(path)
    printed = "".join(output.get("text", "") for cell in notebook.cells
                      if cell.cell_type == "code" for output in cell.outputs)
    epochs = re.findall(r"epoch +(\d+): ([\d.]+)% of 360 held-out digits", printed)
    assert [int(e) for e, _ in epochs] == [*range(1, 11), *range(1, 11)]  # two runs of 10
    final = re.search(r"quadratic ([\d.]+)%, cross-entropy with L2 ([\d.]+)%", printed)
    assert float(final.group(2)) >= 95.0 and float(final.group(2)) == float(epochs[-1][1])
    assert "agree on all 2260 gradients" in printed
    pictures = [output for cell in notebook.cells if cell.cell_type == "code"
                for output in cell.outputs if "image/png" in output.get("data", {})]
    assert len(pictures) == 3  # the digits, the accuracy per epoch, the misread digits
