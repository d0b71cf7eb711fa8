"""The stepper page in a real browser: its buttons, its counter, its text, and no network."""

from __future__ import annotations

import pytest
from browser import errors, local, requested

from autodiff import Value, backward_steps, write_stepper_html


def neuron() -> Value:
    x, w, b = Value(0.5, name="x"), Value(-1.5, name="w"), Value(0.2, name="b")
    return (w * x + b).tanh()


def shown(driver) -> tuple[str, str, str]:
    """The counter, the step of the frame on view, and its chain-rule text.

    Read in one script, so a tick of Play cannot land between the reads (CI once saw two frames
    "displayed" because the page moved on between two WebDriver calls).
    """
    counter, steps, texts = driver.execute_script("""
        var frames = Array.from(document.querySelectorAll(".frame"))
            .filter(function (f) { return f.checkVisibility(); });
        return [document.querySelector(".counter").innerText,
                frames.map(function (f) { return f.dataset.step; }),
                frames.map(function (f) {
                    var text = f.querySelector(".chain-rule");
                    return text ? text.innerText : ""; })];
    """)
    assert len(steps) == 1, f"{len(steps)} frames on view: {steps}"
    return counter, steps[0], texts[0]


def press(driver, label: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f'button[aria-label="{label}"]').click()


def test_previous_next_and_play_step_through_backward_offline(chromium, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    root = neuron()
    path = write_stepper_html(root, tmp_path / "stepper.html")
    steps = [str(step) for step in backward_steps(neuron())]  # the same numbers, a fresh graph
    chromium.get(local(path))
    assert shown(chromium) == ("step 0 of 3", "0", "")
    press(chromium, "Previous")  # nothing before the forward pass
    assert shown(chromium)[:2] == ("step 0 of 3", "0")
    for k in (1, 2, 3):
        press(chromium, "Next")
        assert shown(chromium) == (f"step {k} of 3", str(k), steps[k - 1])
    press(chromium, "Next")  # nothing after the last step
    assert shown(chromium)[:2] == ("step 3 of 3", "3")
    press(chromium, "Previous")
    assert shown(chromium)[:2] == ("step 2 of 3", "2")
    press(chromium, "Play")  # from step 2 it plays on to the end and stops there
    WebDriverWait(chromium, 30).until(lambda d: shown(d)[0] == "step 3 of 3")
    WebDriverWait(chromium, 30).until(
        lambda d: d.find_element("css selector", ".play").get_attribute("aria-label") == "Play")
    assert all(url.startswith("file:") for url in requested(chromium))
    assert errors(chromium) == []


def test_without_javascript_every_step_is_shown(chromium, tmp_path):
    root = neuron()
    path = write_stepper_html(root, tmp_path / "stepper.html")
    chromium.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    chromium.get(local(path))
    from selenium.webdriver.common.by import By

    frames = chromium.find_elements(By.CSS_SELECTOR, ".frame")
    assert [f.is_displayed() for f in frames] == [True] * 4
    assert not chromium.find_element(By.CSS_SELECTOR, ".controls").is_displayed()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_drawing_fits_the_page_in_either_theme(chromium, tmp_path, theme):
    from selenium.webdriver.common.by import By

    path = write_stepper_html(neuron(), tmp_path / f"{theme}.html", theme=theme)
    chromium.get(local(path))
    svg = chromium.find_element(By.CSS_SELECTOR, ".frame.shown svg")
    page = chromium.find_element(By.CSS_SELECTOR, ".autodiff-stepper")
    assert 0 < svg.size["width"] <= page.size["width"]
    chromium.save_screenshot(str(tmp_path / f"{theme}.png"))  # to look at, with --basetemp
