"""Watching backward run, step by step: one HTML page, a notebook view, or one SVG per step.

Each runs `backward_steps(root)` to the end first (so, like `backward()`, it adds this pass's
gradients into `.grad`), then draws the graph as it stood before the first step (the forward
pass alone) and after each step. The page needs no kernel and no network: every drawing is
inline, a few lines of JavaScript show one at a time, and without JavaScript (a sanitized
viewer, GitHub) every step is shown one under the other.
"""

from __future__ import annotations

import uuid
from html import escape
from pathlib import Path
from typing import Any

from .render import draw_graph
from .steps import Step, Trace, backward_steps
from .theme import theme as find_theme
from .value import Value


def _frames(root: Value, options: dict[str, Any]) -> list[Step | Trace]:
    """The forward pass, then every step of a backward pass from `root`."""
    draw_graph(root, **options)  # refuse a graph too large to draw before running backward
    steps = list(backward_steps(root))
    if not steps:
        raise ValueError("nothing to step through: the output is a leaf, with no parents")
    return [steps[0].trace, *steps]


def stepper_html(root: Value, **options: Any) -> str:
    """The steps of backward from `root` as one self-contained piece of HTML.

    Previous / Next buttons, a play button, "step k of n" and each step's chain rule under
    its drawing; step 0 is the forward pass. It fetches nothing, so it works saved in a
    notebook, in nbconvert's HTML, in slides, or on its own (`write_stepper_html`).
    `options` go to `draw_graph` (`theme="dark"`, `fontsize=...`).
    """
    frames = _frames(root, options)
    colours = find_theme(options.get("theme", "light"))
    last = len(frames) - 1
    figures = []
    for k, frame in enumerate(frames):
        svg = draw_graph(root, step=frame, caption=False, **options).pipe(
            format="svg", encoding="utf-8")
        heading = f"step {k} of {last}: " + (
            "the forward pass, every value computed, no gradient yet" if k == 0
            else f"at {frame.trace.names[frame.node]}")
        text = "" if k == 0 else f'<pre class="chain-rule">{escape(str(frame))}</pre>'
        figures.append(
            f'<figure class="frame" data-step="{k}"><figcaption>{escape(heading)}'
            f"</figcaption>{svg[svg.index('<svg'):]}{text}</figure>"
        )
    page = f"autodiff-stepper-{uuid.uuid4().hex[:12]}"  # several may share a page
    return _TEMPLATE.format(
        id=page, last=last, frames="".join(figures), background=colours.background,
        text=colours.text, muted=colours.muted, border=colours.cluster_border,
    )


def write_stepper_html(root: Value, path: str | Path, **options: Any) -> Path:
    """Write `stepper_html(root, **options)` as a page of its own to `path`; returns the path."""
    path = Path(path)
    body = stepper_html(root, **options)
    background = find_theme(options.get("theme", "light")).background
    path.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        "<title>backward, step by step</title>\n</head>\n"
        f'<body style="background: {background}">\n{body}\n</body>\n</html>\n',
        encoding="utf-8",
    )
    return path


class Stepper:
    """The stepper as a notebook shows it: its HTML, which an executed notebook keeps."""

    def __init__(self, html: str) -> None:
        self.html = html

    def _repr_html_(self) -> str:
        return self.html


def step_through(root: Value, **options: Any) -> Stepper:
    """The stepper in a notebook: put `step_through(root)` last in a cell.

    The same view as `stepper_html`, so it survives saving, nbconvert and viewers without a
    kernel. `options` go to `draw_graph`.
    """
    return Stepper(stepper_html(root, **options))


def write_step_svgs(root: Value, directory: str | Path, **options: Any) -> list[Path]:
    """Write step_000.svg (the forward pass), step_001.svg, ... into `directory`.

    For slides: each drawing has its step's chain rule under it, and every node sits where it
    sits in all the others. `options` go to `draw_graph`.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, frame in enumerate(_frames(root, options)):
        path = directory / f"step_{k:03d}.svg"
        path.write_bytes(draw_graph(root, step=frame, **options).pipe(format="svg"))
        paths.append(path)
    return paths


# The container's own id scopes the style and the script, so several steppers can share a page.
# Without JavaScript the controls stay hidden and every step is shown.
_TEMPLATE = """<div class="autodiff-stepper" id="{id}">
<style>
#{id} {{ font-family: Helvetica, Arial, sans-serif; color: {text}; background: {background};
  padding: 0.5em; border: 1px solid {border}; border-radius: 6px; }}
#{id} .controls {{ display: none; gap: 0.5em; align-items: center; margin-bottom: 0.5em; }}
#{id}.live .controls {{ display: flex; }}
#{id}.live .frame {{ display: none; }}
#{id}.live .frame.shown {{ display: block; }}
#{id} .frame {{ margin: 0 0 1em 0; }}
#{id} .frame svg {{ max-width: 100%; height: auto; }}
#{id} button {{ font-size: 1em; padding: 0.25em 0.75em; }}
#{id} .counter {{ font-weight: bold; }}
#{id} figcaption {{ color: {muted}; margin-bottom: 0.25em; }}
#{id} .chain-rule {{ font-family: Menlo, Consolas, monospace; white-space: pre-wrap;
  margin: 0.5em 0 0 0; }}
</style>
<div class="controls">
<button type="button" class="previous" aria-label="Previous">&#9664; Previous</button>
<button type="button" class="play" aria-label="Play">&#9654; Play</button>
<button type="button" class="next" aria-label="Next">Next &#9654;</button>
<span class="counter" aria-live="polite">step 0 of {last}</span>
</div>
{frames}
<script>
(function (stepper) {{
  var frames = stepper.querySelectorAll(".frame"), last = frames.length - 1, k = 0, timer = null;
  var play = stepper.querySelector(".play"), counter = stepper.querySelector(".counter");
  function show(step) {{
    k = Math.max(0, Math.min(last, step));
    frames.forEach(function (frame, i) {{ frame.classList.toggle("shown", i === k); }});
    counter.textContent = "step " + k + " of " + last;
  }}
  function stop() {{
    clearInterval(timer); timer = null;
    play.innerHTML = "&#9654; Play"; play.setAttribute("aria-label", "Play");
  }}
  stepper.querySelector(".previous").onclick = function () {{ stop(); show(k - 1); }};
  stepper.querySelector(".next").onclick = function () {{ stop(); show(k + 1); }};
  play.onclick = function () {{
    if (timer) {{ stop(); return; }}
    if (k === last) show(0);
    play.innerHTML = "&#10074;&#10074; Pause"; play.setAttribute("aria-label", "Pause");
    timer = setInterval(function () {{ if (k === last) stop(); else show(k + 1); }}, 1500);
  }};
  stepper.classList.add("live");
  show(0);
}})(document.getElementById("{id}"));
</script>
</div>"""
