"""A real headless Chromium, driven by selenium, for the tests that need a browser.

Debian's `chromium` and `chromium-driver` packages (`.ci/run` installs them); where they or
selenium are missing, the tests that use the `chromium` fixture (conftest.py) skip and say why.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

BROWSER = shutil.which("chromium") or shutil.which("chromium-browser")
DRIVER = shutil.which("chromedriver")


def start() -> object:
    """A headless Chromium that records the network requests of the pages it loads."""
    webdriver = pytest.importorskip("selenium.webdriver", reason="selenium is not installed")
    if not (BROWSER and DRIVER):
        pytest.skip("no Chromium here: apt-get install chromium chromium-driver (as .ci/run does)")
    from selenium.webdriver.chrome.options import Options
    from selenium.webdriver.chrome.service import Service

    options = Options()
    for argument in ("--headless=new", "--no-sandbox", "--window-size=1280,900"):
        options.add_argument(argument)
    options.binary_location = BROWSER
    options.set_capability("goog:loggingPrefs", {"performance": "ALL", "browser": "ALL"})
    return webdriver.Chrome(options=options, service=Service(DRIVER))


def requested(driver) -> list[str]:
    """Every URL the pages loaded so far asked for."""
    messages = (json.loads(entry["message"])["message"] for entry in driver.get_log("performance"))
    return [m["params"]["request"]["url"] for m in messages
            if m["method"] == "Network.requestWillBeSent"]


def errors(driver) -> list[str]:
    """What the pages wrote to the console as errors."""
    return [entry["message"] for entry in driver.get_log("browser") if entry["level"] == "SEVERE"]


def local(path: Path) -> str:
    return path.resolve().as_uri()
