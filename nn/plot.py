"""Pictures of training: the loss curve and a binary classifier's decision boundary.

Needs matplotlib (the `demo` or `notebook` extra). Both functions draw on a given `Axes` or
on a new `Figure` (no pyplot state, so they work in scripts, servers and notebooks alike).
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff import no_grad

from .module import Module


def _axes(ax):
    if ax is not None:
        return ax
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError(
            "nn.plot needs matplotlib: pip install 'autodiff-scalar[demo]'"
        ) from None
    return Figure(figsize=(5, 4), layout="constrained").subplots()


def plot_history(history: dict[str, list], ax=None):
    """The mean training loss per epoch (log scale), from `nn.fit`'s history."""
    ax = _axes(ax)
    ax.plot(range(1, len(history["loss"]) + 1), history["loss"], color="#2563eb")
    ax.set(xlabel="epoch", ylabel="mean loss", yscale="log", title="training loss")
    ax.grid(alpha=0.3)
    return ax


def plot_decision_boundary(
    model: Module, X: Sequence[Sequence[float]], y: Sequence[int], ax=None,
    resolution: int = 60, threshold: float = 0.0,
):
    """Where a 2-input, 1-output model's output crosses `threshold`, with the samples on top.

    The model is evaluated on a `resolution`² grid under `no_grad` (no graph is kept).
    """
    ax = _axes(ax)
    xs = [p[0] for p in X]
    ys = [p[1] for p in X]
    pad = 0.5
    x0, x1, y0, y1 = min(xs) - pad, max(xs) + pad, min(ys) - pad, max(ys) + pad
    gx = [x0 + (x1 - x0) * i / (resolution - 1) for i in range(resolution)]
    gy = [y0 + (y1 - y0) * j / (resolution - 1) for j in range(resolution)]
    with no_grad():
        scores = [[model([u, v]).data for u in gx] for v in gy]
    ax.contourf(gx, gy, scores, levels=[-1e300, threshold, 1e300], colors=["#fde68a", "#bfdbfe"])
    ax.contour(gx, gy, scores, levels=[threshold], colors="#374151", linewidths=1)
    colours = ["#d97706" if label == 0 else "#1d4ed8" for label in y]
    ax.scatter(xs, ys, c=colours, s=14, edgecolors="white", linewidths=0.5)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal", title="decision boundary")
    return ax
