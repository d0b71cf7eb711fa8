"""The colours of drawings and of the stepper page: light for paper and screens, dark for
dark slides. Each pair of fill and text colours keeps a contrast that reads on a projector.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Theme:
    """Colours by role. `kinds` maps a kind of value (input, constant, parameter, intermediate,
    output) to its (fill, border)."""

    background: str
    text: str
    muted: str  # keys, expressions, pending gradients
    edge: str
    local: str  # local derivatives on edges
    current: str  # the node a step is at, and the edges it sends gradient along
    current_fill: str
    cluster_fill: str
    cluster_border: str
    kinds: dict[str, tuple[str, str]]


LIGHT = Theme(
    background="#ffffff", text="#111827", muted="#4b5563", edge="#4b5563", local="#1d4ed8",
    current="#c2410c", current_fill="#ffedd5", cluster_fill="#f9fafb", cluster_border="#9ca3af",
    kinds={
        "input": ("#dbeafe", "#2563eb"),
        "constant": ("#f3f4f6", "#6b7280"),
        "parameter": ("#fef3c7", "#b45309"),
        "intermediate": ("#ffffff", "#4b5563"),
        "output": ("#dcfce7", "#15803d"),
    },
)

DARK = Theme(
    background="#111827", text="#f9fafb", muted="#cbd5e1", edge="#94a3b8", local="#93c5fd",
    current="#fb923c", current_fill="#431407", cluster_fill="#1f2937", cluster_border="#6b7280",
    kinds={
        "input": ("#1e3a8a", "#93c5fd"),
        "constant": ("#374151", "#9ca3af"),
        "parameter": ("#78350f", "#fcd34d"),
        "intermediate": ("#1f2937", "#cbd5e1"),
        "output": ("#14532d", "#86efac"),
    },
)

THEMES = {"light": LIGHT, "dark": DARK}


def theme(name: str) -> Theme:
    """The theme called `name` ("light" or "dark")."""
    if not isinstance(name, str):
        raise TypeError(f"theme: a theme is named by a string, one of {tuple(THEMES)}; "
                        f"got {name!r}")
    if name not in THEMES:
        raise ValueError(f"theme: unknown theme {name!r}; choose one of {tuple(THEMES)}")
    return THEMES[name]
