"""Watching backward run, step by step: one HTML page, a notebook view, or one SVG per step.

Each runs a backward pass of its own from `root`, every gradient from 0, and leaves every
`.grad` as it was: looking at backward never changes the graph. The page carries one drawing
(every gradient as the pass leaves it) and, per step, only what changes: which boxes are
pending, partial, complete or current, the numbers in their grad cells, and the step's chain
rule. A few lines of JavaScript apply them; without JavaScript (a sanitized viewer, GitHub)
the page shows the finished drawing and every step's chain rule under it. It fetches nothing.
"""

from __future__ import annotations

import json
import re
import uuid
from html import escape
from pathlib import Path
from typing import Any

from ..graph import topological_order
from ..value import Value
from .progress import Progress
from .render import draw_graph
from .steps import BackwardPass, Step
from .theme import theme as find_theme

STEP_FILE = re.compile(r"step_\d{3,}\.svg")  # what write_step_svgs writes, and only that


def _trace(root: Value, options: dict[str, Any]) -> BackwardPass:
    """A backward pass of its own from `root`, every gradient from 0, `.grad` left alone."""
    draw_graph(root, **options)  # refuse bad options or a graph too large before the pass
    trace = BackwardPass.fresh(root)
    if not trace.steps:
        raise ValueError("nothing to step through: the output is a leaf, with no parents")
    return trace


def _frames(trace: BackwardPass) -> list[Step | BackwardPass]:
    """The forward pass, then every step of the pass."""
    return [trace, *trace.steps]


def _heading(frame: Step | BackwardPass, last: int) -> str:
    if isinstance(frame, BackwardPass):
        return f"step 0 of {last}: the forward pass, every value computed, no gradient yet"
    return f"step {frame.index + 1} of {last}: at {frame.trace.names[frame.node]}"


def _changes(root: Value, trace: BackwardPass, show_grad: bool) -> list[list]:
    """Per frame: the index of the current node (-1 for none), then [node index, state, grad
    text] for every node whose state or text differs from the frame before (all at frame 0)."""
    order = topological_order(root)
    index = {node: i for i, node in enumerate(order)}
    frames, before = [], {}
    for frame in _frames(trace):
        progress = Progress(order, frame)
        now = {}
        for i, node in enumerate(order):
            state = progress.state(node)
            now[i] = [i, state, progress.shown(node, state)] if show_grad else [i, state]
        current = index[frame.node] if isinstance(frame, Step) else -1
        frames.append([current, [change for i, change in now.items() if before.get(i) != change]])
        before = now
    return frames


def stepper_html(root: Value, **options: Any) -> str:
    """The steps of backward from `root` as one self-contained piece of HTML.

    Previous / Next / Play buttons, "step k of n" and the step's chain rule stay at the top
    while the drawing scrolls under them; the drawing fits the width, or shows at 100 %.
    Step 0 is the forward pass. It fetches nothing, so it works saved in a notebook, in
    nbconvert's HTML, in slides, or on its own (`write_stepper_html`). `options` go to
    `draw_graph` (`theme="dark"`, `fontsize=...`); `.grad` is left as it was.
    """
    trace = _trace(root, options)
    colours = find_theme(options.get("theme", "light"))
    svg = draw_graph(root, step=trace.steps[-1], caption=False, **options).pipe(
        format="svg", encoding="utf-8")
    frames = _frames(trace)
    last = len(frames) - 1
    steps = "".join(
        f'<li data-step="{k}"><p class="heading">{escape(_heading(frame, last))}</p>'
        + ("" if k == 0 else f'<pre class="chain-rule">{escape(str(frame))}</pre>') + "</li>"
        for k, frame in enumerate(frames))
    changes = json.dumps({"frames": _changes(root, trace, options.get("show_grad", True))},
                         ensure_ascii=False, separators=(",", ":"))
    page = f"autodiff-stepper-{uuid.uuid4().hex[:12]}"  # several may share a page
    kinds = "".join(
        f"#{page} g.node.{kind}:not(.current) path {{ fill: {fill}; stroke: {border}; }}\n"
        for kind, (fill, border) in colours.kinds.items())
    return _TEMPLATE.format(
        id=page, kinds=kinds, last=last, svg=svg[svg.index("<svg"):], steps=steps,
        changes=changes.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026"),
        background=colours.background, text=colours.text, muted=colours.muted,
        border=colours.cluster_border, edge=colours.edge, local=colours.local,
        current=colours.current, current_fill=colours.current_fill,
    )


def write_stepper_html(root: Value, path: str | Path, **options: Any) -> Path:
    """Write `stepper_html(root, **options)` as a page of its own to `path`; returns the path."""
    path = Path(path)
    body = stepper_html(root, **options)
    background = find_theme(options.get("theme", "light")).background
    path.write_text(
        '<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
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

    The same page as `stepper_html`, so it survives saving, nbconvert and viewers without a
    kernel. `options` go to `draw_graph`.
    """
    return Stepper(stepper_html(root, **options))


def write_step_svgs(root: Value, directory: str | Path, **options: Any) -> list[Path]:
    """Write step_000.svg (the forward pass), step_001.svg, ... into `directory`, and remove
    the step_*.svg files an earlier run left there, so it holds exactly this run's frames.

    For slides: each drawing has its step's chain rule under it, and every node sits where it
    sits in all the others. `options` go to `draw_graph`; `.grad` is left as it was.
    """
    trace = _trace(root, options)
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for k, frame in enumerate(_frames(trace)):
        path = directory / f"step_{k:03d}.svg"
        path.write_bytes(draw_graph(root, step=frame, **options).pipe(format="svg"))
        paths.append(path)
    for stale in set(directory.iterdir()) - set(paths):
        if STEP_FILE.fullmatch(stale.name) and stale.is_file():
            stale.unlink()
    return paths


# The container's own id scopes the style and the script, so several steppers can share a page.
# Without JavaScript the controls stay hidden and every step's chain rule is listed. The
# drawing's colours follow its classes, so the script only moves classes and texts.
_TEMPLATE = """<div class="autodiff-stepper" id="{id}">
<style>
#{id} {{ font-family: Helvetica, Arial, sans-serif; color: {text}; background: {background};
  padding: 0 0.5em 0.5em 0.5em; border: 1px solid {border}; border-radius: 6px; }}
#{id} .bar {{ display: none; }}
#{id}.live .bar {{ display: block; position: sticky; top: 0; z-index: 1; padding: 0.5em 0;
  background: {background}; border-bottom: 1px solid {border}; }}
#{id} .controls {{ display: flex; flex-wrap: wrap; gap: 0.5em; align-items: center; }}
#{id} button {{ font-size: 1em; padding: 0.25em 0.75em; }}
#{id} .counter {{ font-weight: bold; }}
#{id} .now {{ max-height: 30vh; overflow: auto; }}
#{id} .heading {{ color: {muted}; margin: 0.5em 0 0.25em 0; }}
#{id} .chain-rule {{ font-family: inherit; white-space: pre-wrap;
  margin: 0; }}
#{id} .drawing {{ overflow-x: auto; margin-top: 0.5em; }}
#{id} .drawing svg {{ max-width: 100%; height: auto; display: block; }}
#{id}.actual .drawing svg {{ max-width: none; }}
#{id} .steps {{ list-style: none; padding: 0; }}
#{id}.live .steps {{ display: none; }}
{kinds}#{id} g.node.current path {{ fill: {current_fill}; stroke: {current}; }}
#{id} g.node.current text[fill="{local}"] {{ fill: {current}; font-weight: bold; }}
#{id} g.node:not(.current) text[fill="{current}"] {{ fill: {local}; font-weight: normal; }}
#{id} g.edge.local-grad path {{ stroke: {edge}; stroke-width: 1; }}
#{id} g.edge.local-grad polygon {{ fill: {edge}; stroke: {edge}; stroke-width: 1; }}
#{id} g.edge.local-grad.current path {{ stroke: {current}; stroke-width: 2.5; }}
#{id} g.edge.local-grad.current polygon {{ fill: {current}; stroke: {current}; }}
</style>
<div class="bar">
<div class="controls">
<button type="button" class="previous" aria-label="Previous">&#9664; Previous</button>
<button type="button" class="play" aria-label="Play">&#9654; Play</button>
<button type="button" class="next" aria-label="Next">Next &#9654;</button>
<span class="counter" aria-live="polite">step 0 of {last}</span>
<button type="button" class="zoom" aria-label="Show at 100 %">100 %</button>
</div>
<div class="now"></div>
</div>
<div class="drawing">{svg}</div>
<ol class="steps">{steps}</ol>
<script type="application/json" class="changes">{changes}</script>
<script>
(function (stepper) {{
  var frames = JSON.parse(stepper.querySelector(".changes").textContent).frames;
  var last = frames.length - 1, at = -1, lit = frames[last][0], timer = null;
  var items = stepper.querySelectorAll(".steps li"), now = stepper.querySelector(".now");
  var play = stepper.querySelector(".play"), counter = stepper.querySelector(".counter");
  var zoom = stepper.querySelector(".zoom"), nodes = {{}}, edges = {{}};
  function title(g) {{ return g.querySelector("title").textContent; }}
  stepper.querySelectorAll(".drawing g.node").forEach(function (g) {{ nodes[title(g)] = g; }});
  stepper.querySelectorAll(".drawing g.edge.local-grad").forEach(function (g) {{
    var head = title(g).split("->")[1].split(":")[0];
    (edges[head] = edges[head] || []).push(g);
  }});
  function set(change) {{
    var g = nodes["n" + change[0]], complete = change[1] === "complete";
    g.classList.remove("pending", "partial", "complete");
    g.classList.add(change[1]);
    if (change.length < 3) return;
    var texts = g.getElementsByTagName("text"), grad = texts[texts.length - 1];
    grad.textContent = change[2];
    grad.setAttribute("fill", complete ? "{text}" : "{muted}");
    grad.setAttribute("font-weight", complete ? "bold" : "normal");
  }}
  function light(index, on) {{
    if (index < 0) return;
    nodes["n" + index].classList.toggle("current", on);
    (edges["n" + index] || []).forEach(function (e) {{ e.classList.toggle("current", on); }});
  }}
  function show(step) {{
    step = Math.max(0, Math.min(last, step));
    for (var i = step > at ? at + 1 : 0; i <= step; i++) frames[i][1].forEach(set);
    light(lit, false); lit = frames[step][0]; light(lit, true);
    at = step;
    counter.textContent = "step " + at + " of " + last;
    now.innerHTML = items[at].innerHTML;
  }}
  function stop() {{
    clearInterval(timer); timer = null;
    play.innerHTML = "&#9654; Play"; play.setAttribute("aria-label", "Play");
  }}
  stepper.querySelector(".previous").onclick = function () {{ stop(); show(at - 1); }};
  stepper.querySelector(".next").onclick = function () {{ stop(); show(at + 1); }};
  play.onclick = function () {{
    if (timer) {{ stop(); return; }}
    if (at === last) show(0);
    play.innerHTML = "&#10074;&#10074; Pause"; play.setAttribute("aria-label", "Pause");
    timer = setInterval(function () {{ if (at === last) stop(); else show(at + 1); }}, 1500);
  }};
  zoom.onclick = function () {{
    var actual = stepper.classList.toggle("actual");
    zoom.textContent = actual ? "Fit width" : "100 %";
    zoom.setAttribute("aria-label", actual ? "Fit to the width" : "Show at 100 %");
  }};
  stepper.classList.add("live");
  show(0);
}})(document.getElementById("{id}"));
</script>
</div>"""
