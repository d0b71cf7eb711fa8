"""The stepper page and the drawings in a real browser (headless Chromium at 1280 × 900): its
buttons, its counter, its text, what it fits on screen, and no network."""

from __future__ import annotations

import pytest
from browser import errors, local, requested
from drawings import parse

import nn
from autodiff import Value, backward_steps, draw_graph, write_stepper_html

# Each node's grad cell (its last text), read from the page as it stands.
GRADS = """return Array.from(document.querySelectorAll(".drawing g.node")).map(function (g) {
    var texts = g.getElementsByTagName("text");
    return [g.querySelector("title").textContent, texts[texts.length - 1].textContent,
            g.classList.contains("current")]; });"""


def neuron() -> Value:
    x, w, b = Value(0.5, name="x"), Value(-1.5, name="w"), Value(0.2, name="b")
    return (w * x + b).tanh()


def network(nouts: list[int]) -> Value:
    mlp = nn.MLP(2, nouts, activation="tanh", seed=0)
    return nn.losses.sum_squared_error(mlp([0.5, -1.0]), [1.0])


def shown(driver) -> tuple[str, str]:
    """The counter and the chain rule beside it, read in one script so that a tick of Play
    cannot land between the reads."""
    return tuple(driver.execute_script("""
        var rule = document.querySelector(".now .chain-rule");
        return [document.querySelector(".counter").innerText, rule ? rule.innerText : ""];"""))


def press(driver, label: str) -> None:
    from selenium.webdriver.common.by import By

    driver.find_element(By.CSS_SELECTOR, f'button[aria-label="{label}"]').click()


def test_previous_next_and_play_step_through_backward_offline(chromium, tmp_path):
    from selenium.webdriver.support.ui import WebDriverWait

    path = write_stepper_html(neuron(), tmp_path / "stepper.html")
    steps = [str(step) for step in backward_steps(neuron())]  # the same numbers, a fresh graph
    chromium.get(local(path))
    assert shown(chromium) == ("step 0 of 3", "")
    press(chromium, "Previous")  # nothing before the forward pass
    assert shown(chromium) == ("step 0 of 3", "")
    for k in (1, 2, 3):
        press(chromium, "Next")
        assert shown(chromium) == (f"step {k} of 3", steps[k - 1])
    press(chromium, "Next")  # nothing after the last step
    assert shown(chromium)[0] == "step 3 of 3"
    press(chromium, "Previous")
    assert shown(chromium)[0] == "step 2 of 3"
    press(chromium, "Play")  # from step 2 it plays on to the end and stops there
    WebDriverWait(chromium, 30).until(lambda d: shown(d)[0] == "step 3 of 3")
    WebDriverWait(chromium, 30).until(
        lambda d: d.find_element("css selector", ".play").get_attribute("aria-label") == "Play")
    assert all(url.startswith("file:") for url in requested(chromium))
    assert errors(chromium) == []


def test_each_step_shows_what_its_own_drawing_shows(chromium, tmp_path):
    """The page's one drawing, stepped by its script, against draw_graph at each step, forwards
    and backwards."""
    root = network([3, 1])
    steps = list(backward_steps(network([3, 1])))
    frames = [steps[0].trace, *steps]
    expected = []
    for frame in frames:
        drawn = parse(draw_graph(steps[0].trace.root, step=frame).pipe(format="svg"))
        expected.append(sorted([title, shape.texts[-1], "current" in shape.classes]
                               for title, shape in drawn.nodes.items()))
    chromium.get(local(write_stepper_html(root, tmp_path / "stepper.html")))
    last = len(frames) - 1
    assert sorted(chromium.execute_script(GRADS)) == expected[0]
    for k, label in [*((k, "Next") for k in range(1, last + 1)),
                     *((k, "Previous") for k in range(last - 1, -1, -1))]:
        press(chromium, label)
        assert shown(chromium)[0] == f"step {k} of {last}"
        assert sorted(chromium.execute_script(GRADS)) == expected[k], (label, k)
    assert errors(chromium) == []


def test_without_javascript_the_drawing_and_every_step_are_shown(chromium, tmp_path):
    from selenium.webdriver.common.by import By

    path = write_stepper_html(neuron(), tmp_path / "stepper.html")
    chromium.execute_cdp_cmd("Emulation.setScriptExecutionDisabled", {"value": True})
    chromium.get(local(path))
    items = chromium.find_elements(By.CSS_SELECTOR, ".steps li")
    assert [item.is_displayed() for item in items] == [True] * 4
    assert chromium.find_element(By.CSS_SELECTOR, ".drawing svg").is_displayed()
    assert not chromium.find_element(By.CSS_SELECTOR, ".controls").is_displayed()


@pytest.mark.parametrize("theme", ["light", "dark"])
def test_the_drawing_fits_the_page_in_either_theme(chromium, tmp_path, theme):
    from selenium.webdriver.common.by import By

    path = write_stepper_html(neuron(), tmp_path / f"{theme}.html", theme=theme)
    chromium.get(local(path))
    svg = chromium.find_element(By.CSS_SELECTOR, ".drawing svg")
    page = chromium.find_element(By.CSS_SELECTOR, ".autodiff-stepper")
    assert 0 < svg.size["width"] <= page.size["width"]
    chromium.save_screenshot(str(tmp_path / f"{theme}.png"))  # to look at, with --basetemp


def test_a_network_page_at_1280_by_900(chromium, tmp_path):
    """Issue 19: the 2-3-1 page shrank its drawing and its buttons scrolled away; the 16-16-1
    page was 101 MB and took Chromium 18–26 s to open."""
    path = write_stepper_html(network([16, 16, 1]), tmp_path / "network.html")
    chromium.get(local(path))
    width = chromium.execute_script("return document.documentElement.clientWidth")
    assert chromium.execute_script(
        "return document.querySelector('.drawing svg').getBoundingClientRect().width") <= width
    press(chromium, "Next")
    counter = chromium.find_element("css selector", ".counter")
    assert counter.text.startswith("step 1 of ")
    chromium.execute_script("window.scrollTo(0, document.body.scrollHeight)")
    bar = chromium.execute_script("""var r = document.querySelector('.bar').getBoundingClientRect();
        return [r.top, r.bottom, window.innerHeight, window.scrollY];""")
    assert bar[3] > 1000 and 0 <= bar[0] < bar[1] <= bar[2]  # scrolled far; the bar on screen
    assert chromium.execute_script("""
        var c = document.querySelector('.counter').getBoundingClientRect(),
            r = document.querySelector('.now').getBoundingClientRect();
        return c.top >= 0 && r.top >= 0 && r.top < window.innerHeight / 2;""")  # the rule near
    chromium.save_screenshot(str(tmp_path / "scrolled.png"))
    press(chromium, "Show at 100 %")
    actual = chromium.execute_script(
        "return document.querySelector('.drawing svg').getBoundingClientRect().width")
    assert actual > width  # its own size, scrolled sideways
    press(chromium, "Fit to the width")
    assert chromium.execute_script(
        "return document.querySelector('.drawing svg').getBoundingClientRect().width") <= width
    assert errors(chromium) == []


def test_a_drawing_wider_than_its_output_area_scales_to_fit(chromium, tmp_path):
    """Issue 19: in notebook 2 a 1,484 px drawing was cut off in a 1,158 px output area."""
    svg = draw_graph(network([3, 1]))._repr_mimebundle_()["text/html"]
    page = tmp_path / "output.html"
    page.write_text(f'<div style="width: 600px; overflow: hidden">{svg}</div>', encoding="utf-8")
    chromium.get(local(page))
    assert 300 < chromium.execute_script(
        "return document.querySelector('svg').getBoundingClientRect().width") <= 600


def test_subscripts_and_superscripts_sit_tight(chromium, tmp_path):
    """Issue 19: under Graphviz's `dot`, w₁₁⁽³⁾ came out as "w 11 (3)", and "data 0.5" as
    "data0.5": the renderer measured a wider font than the browser draws, and browsers drop
    a text's leading space. Each script starts at most a point after the text before it ends
    (or up to 2 points before: renderers round their measures), counting after ASCII text
    only (graphviz-pure measures other characters by their UTF-8 bytes); the number after
    "data" starts a space's width after it."""
    page = tmp_path / "drawing.svg"
    page.write_bytes(draw_graph(network([3, 1])).pipe(format="svg"))
    chromium.get(local(page))
    gaps = chromium.execute_script(r"""
        var gaps = [], texts = Array.from(document.querySelectorAll("text"));
        for (var i = 1; i < texts.length; i++) {
            var before = texts[i - 1], text = texts[i];
            if (before.getAttribute("y") !== text.getAttribute("y")) continue;
            var end = before.getBBox().x + before.getBBox().width;
            var ink = text.getExtentOfChar(Math.max(0, text.textContent.search(/\S/))).x;
            gaps.push([before.textContent, text.textContent,
                       text.getAttribute("baseline-shift") || "", ink - end]);
        }
        return gaps;""")
    scripts = [gap for gap in gaps if gap[2] in ("sub", "super") and gap[0].isascii()]
    assert len(scripts) > 20
    loose = [g for g in scripts if not -2.0 <= g[3] <= 1.0]  # a script may tuck under a script
    assert not loose
    spaced = [gap for before, after, _, gap in gaps if before == "data"]
    assert spaced and all(gap >= 2.0 for gap in spaced)
