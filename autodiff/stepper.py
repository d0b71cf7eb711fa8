"""Watching backward run: a notebook control that steps through the graph, or one SVG per step.

Both run `backward_steps(root)` to the end first (so, like `backward()`, they add this pass's
gradients into `.grad`), then draw the graph as it stood at each step.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .render import draw_graph
from .steps import Step, backward_steps
from .value import Value


def _steps(root: Value, options: dict[str, Any]) -> list[Step]:
    draw_graph(root, **options)  # refuse a graph too large to draw before running backward
    steps = list(backward_steps(root))
    if not steps:
        raise ValueError("nothing to step through: the output is a leaf, with no parents")
    return steps


def step_through(root: Value, **options: Any) -> Any:
    """An ipywidgets control (play, slider) that redraws the graph at each backward step.

    `options` go to `draw_graph`. Needs ipywidgets: `pip install "autodiff-scalar[notebook]"`;
    without a live kernel, use `write_step_svgs`.
    """
    try:
        import ipywidgets as widgets
    except ImportError as error:
        raise ImportError(
            'step_through needs ipywidgets: pip install "autodiff-scalar[notebook]" '
            "(or pip install ipywidgets); write_step_svgs works without it"
        ) from error
    steps = _steps(root, options)
    last = len(steps) - 1
    play = widgets.Play(min=0, max=last, interval=1500, description="play")
    slider = widgets.IntSlider(min=0, max=last, description="step", readout=False)
    widgets.jslink((play, "value"), (slider, "value"))
    picture = widgets.HTML()

    def show(_: object = None) -> None:
        svg = draw_graph(root, step=steps[slider.value], **options).pipe(
            format="svg", encoding="utf-8"
        )
        picture.value = svg[svg.index("<svg"):]

    slider.observe(show, names="value")
    show()
    return widgets.VBox([widgets.HBox([play, slider]), picture])


def write_step_svgs(root: Value, directory: str | Path, **options: Any) -> list[Path]:
    """Write step_001.svg, step_002.svg, ... into `directory`, one per backward step.

    For slides, and for readers without a live kernel. `options` go to `draw_graph`.
    """
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    paths = []
    for step in _steps(root, options):
        path = directory / f"step_{step.index + 1:03d}.svg"
        path.write_bytes(draw_graph(root, step=step, **options).pipe(format="svg"))
        paths.append(path)
    return paths
