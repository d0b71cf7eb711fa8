"""nn.plot: pictures of training that read on a projector."""

from __future__ import annotations

import pytest

import nn

pytest.importorskip("matplotlib", reason="nn.plot draws with matplotlib (the demo extra)")


def test_the_decision_boundary_has_axis_labels_and_a_legend():
    """Issue 12: the plot had neither, and its pale colours vanished on a projector."""
    X, y = nn.data.make_moons(40, seed=0)
    model = nn.MLP(2, [4, 1], seed=0)
    ax = nn.plot.plot_decision_boundary(model, X, y, resolution=10)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x₁", "x₂")
    legend = ax.get_legend()
    assert [t.get_text() for t in legend.get_texts()] == ["class 0", "class 1",
                                                          "decision boundary"]
    samples = [c for c in ax.collections if c.get_label() in ("class 0", "class 1")]
    colours = {c.get_label(): tuple(c.get_facecolor()[0][:3]) for c in samples}
    for label, colour in colours.items():  # strong on white: at least 3:1 (WCAG, graphics)
        assert contrast(colour, (1.0, 1.0, 1.0)) >= 3, label


def test_the_loss_curve_has_axis_labels():
    ax = nn.plot.plot_history({"loss": [1.0, 0.5, 0.25], "accuracy": [None] * 3})
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("epoch", "mean loss")


def contrast(a: tuple[float, ...], b: tuple[float, ...]) -> float:
    """The WCAG contrast ratio of two sRGB colours."""
    def luminance(rgb):
        linear = [c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4 for c in rgb]
        return 0.2126 * linear[0] + 0.7152 * linear[1] + 0.0722 * linear[2]

    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)
