"""Pictures of training: the loss curve and a binary classifier's decision boundary.

Needs matplotlib (the `demo` or `notebook` extra). Both functions draw on a given `Axes` or
on a new `Figure` (no pyplot state, so they work in scripts, servers and notebooks alike).
The two classes are orange and blue (Okabe and Ito's pair, which colour-blind readers tell
apart), strong for the samples and pale for the regions, so they read on a projector too.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff import no_grad

from .module import Module

STRONG = ("#d55e00", "#0072b2")  # class 0, class 1
PALE = ("#fbe0cc", "#cce3f0")


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
    ax.plot(range(1, len(history["loss"]) + 1), history["loss"], color=STRONG[1], linewidth=2)
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
    ax.contourf(gx, gy, scores, levels=[-1e300, threshold, 1e300], colors=[PALE[0], PALE[1]])
    ax.contour(gx, gy, scores, levels=[threshold], colors="#111827", linewidths=2)
    for label in (0, 1):
        points = [p for p, t in zip(X, y) if t == label]
        ax.scatter([p[0] for p in points], [p[1] for p in points], c=STRONG[label], s=36,
                   edgecolors="white", linewidths=0.8, label=f"class {label}")
    ax.plot([], [], color="#111827", linewidth=2, label="decision boundary")
    ax.legend(loc="best", framealpha=0.9)
    ax.set(xlim=(x0, x1), ylim=(y0, y1), aspect="equal", xlabel="x₁", ylabel="x₂",
           title="decision boundary")
    return ax
