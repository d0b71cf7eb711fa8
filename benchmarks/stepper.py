"""The stepper page's size and time: made, written and opened in a real browser.

Two graphs: one sample through MLP(2, [16, 16, 1]) with its loss, and a chain of 481 nodes
(v ← tanh(v · 0.9), 160 times). For each renderer found here (Graphviz's `dot`, graphviz-pure),
the page `write_stepper_html` makes (one drawing plus what changes per step) beside the whole
SVG per step that `write_step_svgs` writes (what the page used to hold): bytes, seconds to
make, and seconds for headless Chromium at 1280 × 900 to open the page (when selenium and
Chromium are installed). A script, not a test: nothing asserts on time.

    python benchmarks/stepper.py            # three rounds, medians
    python benchmarks/stepper.py --quick    # one round, no step files
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import tempfile
import time
from pathlib import Path

import nn
from autodiff import Value, write_step_svgs, write_stepper_html
from autodiff.draw.dot import CHOICE, DotNotFound, find_dot


def network() -> Value:
    model = nn.MLP(2, [16, 16, 1], activation="tanh", seed=0)
    return nn.losses.sum_squared_error(model([0.5, -1.0]), [1.0])


def chain() -> Value:
    v = Value(0.5, name="x")
    for _ in range(160):
        v = (v * 0.9).tanh()
    return v


def renderers() -> list[str]:
    """The renderers to compare: Graphviz's `dot` where installed, and graphviz-pure."""
    found = ["dot"] if shutil.which("dot") else []
    os.environ[CHOICE] = "graphviz-pure"
    try:
        find_dot()
        found.append("graphviz-pure")
    except DotNotFound:
        pass
    return found


def browser():
    """Headless Chromium at 1280 × 900, or None where selenium or Chromium is missing."""
    try:
        from selenium import webdriver
        from selenium.webdriver.chrome.options import Options
        from selenium.webdriver.chrome.service import Service
    except ImportError:
        return None
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    driver = shutil.which("chromedriver")
    if not (chromium and driver):
        return None
    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--window-size=1280,900"):
        options.add_argument(argument)
    options.binary_location = chromium
    return webdriver.Chrome(options=options, service=Service(driver))


def opened(path: Path) -> float | None:
    """Seconds from asking a fresh Chromium for the page to its stepper showing step 0."""
    driver = browser()
    if driver is None:
        return None
    try:
        start = time.perf_counter()
        driver.get(path.resolve().as_uri())  # returns after the load event: scripts have run
        counter = driver.execute_script("return document.querySelector('.counter').textContent")
        seconds = time.perf_counter() - start
        assert counter.startswith("step 0 of "), counter
        return seconds
    finally:
        driver.quit()


def measure(build, rounds: int, folder: Path, files: bool) -> dict[str, float | None]:
    made, opens = [], []
    for _ in range(rounds):
        root = build()
        start = time.perf_counter()
        page = write_stepper_html(root, folder / "page.html")
        made.append(time.perf_counter() - start)
        opens.append(opened(page))
    row = {"page MB": page.stat().st_size / 1e6, "page s": statistics.median(made),
           "open s": None if None in opens else statistics.median(opens)}
    if files:
        start = time.perf_counter()
        paths = write_step_svgs(build(), folder / "steps")
        row["files s"] = time.perf_counter() - start
        row["files MB"] = sum(p.stat().st_size for p in paths) / 1e6
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="one round, no step files")
    args = parser.parse_args()
    rounds = 1 if args.quick else 3
    print("| graph | renderer | page | made in | opened in | step files | made in "
          "| page against files |")
    print("|---|---|---|---|---|---|---|---|")
    for name, build in (("MLP(2, [16, 16, 1]), one sample", network), ("481-node chain", chain)):
        for renderer in renderers():
            os.environ[CHOICE] = renderer
            with tempfile.TemporaryDirectory() as folder:
                row = measure(build, rounds, Path(folder), not args.quick)
            opened_in = "–" if row["open s"] is None else f"{row['open s']:.2f} s"
            files = "– | – | –" if "files s" not in row else (
                f"{row['files MB']:.1f} MB | {row['files s']:.1f} s | "
                f"{row['files MB'] / row['page MB']:.0f}× smaller, "
                f"{row['files s'] / row['page s']:.0f}× faster")
            print(f"| {name} | {renderer} | {row['page MB']:.2f} MB | {row['page s']:.2f} s | "
                  f"{opened_in} | {files} |")


if __name__ == "__main__":
    main()
