"""Shared test settings: every run draws the same random cases.

Models, data and shuffles in the tests take a fixed `seed`. Hypothesis runs derandomized:
each property test tries the same examples on every run and every machine (for a given
Hypothesis version and test source), so a failure reproduces on a rerun and a green run is
not luck. The price is that plain runs find no new counterexamples; to hunt for them, run
`pytest --hypothesis-profile=explore`, which draws fresh examples each time and keeps the
failing ones in `.hypothesis/`. No deadlines: these shared machines are noisy.
"""

from collections.abc import Iterator

import browser
import pytest
from hypothesis import HealthCheck, settings


def pytest_report_header() -> str:
    """Which renderer draws in this run: the drawing tests ask it, and .ci/run runs both."""
    from autodiff.draw.dot import DotNotFound, find_dot

    try:
        return f"renderer: {find_dot()}"
    except DotNotFound:
        return "renderer: none"


common = {"deadline": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
settings.register_profile("repeatable", derandomize=True, **common)
settings.register_profile("explore", derandomize=False, **common)
settings.load_profile("repeatable")


@pytest.fixture
def chromium() -> Iterator[object]:
    """A real headless Chromium (see browser.py); skips where there is none."""
    driver = browser.start()
    try:
        yield driver
    finally:
        driver.quit()
