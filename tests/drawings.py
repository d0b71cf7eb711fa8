"""A rendered drawing read back from its SVG: nodes, edges and boxes, placed as on screen."""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections import defaultdict
from dataclasses import dataclass

SVG = "{http://www.w3.org/2000/svg}"
_NUMBER = re.compile(r"-?\d+(?:\.\d+)?")


@dataclass
class Shape:
    """One node, edge or cluster: its classes, its texts in order, the stroke of its outline and
    its outline's bounding box (left, top, right, bottom) in screen coordinates (y down)."""

    classes: set[str]
    texts: list[str]
    stroke: str | None
    box: tuple[float, float, float, float]
    spots: list[tuple[str, float, float]]  # each text with the point it is written at
    end: tuple[float, float]  # the last point of the outline: where an edge arrives
    title: str | None  # a node's name: the last bold text above its data

    @property
    def centre(self) -> tuple[float, float]:
        left, top, right, bottom = self.box
        return (left + right) / 2, (top + bottom) / 2


@dataclass
class Drawing:
    nodes: dict[str, Shape]  # by node id (n0, n1, ...)
    edges: dict[str, list[Shape]]  # by "tail->head" (renderers differ in writing the port)
    clusters: dict[str, Shape]  # by their label

    def named(self, name: str) -> Shape:
        """The node whose bold title is `name`."""
        (found,) = [n for n in self.nodes.values() if n.title == name]
        return found


def parse(svg: bytes | str) -> Drawing:
    root = ET.fromstring(svg)
    graph = next(g for g in root.iter(f"{SVG}g") if "graph" in g.get("class", "").split())
    shift = _translation(graph.get("transform", ""))
    nodes, edges, clusters = {}, defaultdict(list), {}
    for group in graph.iter(f"{SVG}g"):
        classes = set(group.get("class", "").split())
        title = group.findtext(f"{SVG}title")
        written = _runs(group.iter(f"{SVG}text"))
        outline = next((e for e in group.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon")),
                       None)
        if outline is None:
            continue
        points = _points(outline, shift)
        spots = [(t.text.strip(), float(t.get("x")) + shift[0], float(t.get("y")) + shift[1])
                 for t in written if t.text.strip()]
        xs, ys = [x for x, _ in points], [y for _, y in points]
        texts = [text for text, _, _ in spots]
        above = [t for t in written if t.text.strip()]
        above = above[: texts.index("data")] if "data" in texts else []
        bold = [t.text.strip() for t in above if t.get("font-weight") == "bold"]
        shape = Shape(classes, texts, outline.get("stroke"), (min(xs), min(ys), max(xs), max(ys)),
                      spots, points[-1], bold[-1] if bold else None)
        if "node" in classes:
            nodes[title] = shape
        elif "edge" in classes:
            edges[re.sub(r":[^-]*$", "", title)].append(shape)
        elif "cluster" in classes:
            clusters[shape.texts[0]] = shape
    return Drawing(nodes, dict(edges), clusters)


_SCRIPT = {"sub": str.maketrans("0123456789", "₀₁₂₃₄₅₆₇₈₉"),
           "super": str.maketrans("0123456789()-", "⁰¹²³⁴⁵⁶⁷⁸⁹⁽⁾⁻")}


def _runs(texts) -> list[ET.Element]:
    """The texts as written: a subscript or superscript (drawn as its own text, shifted) is
    joined, in Unicode's small digits, to the text before it, and so is the text after it."""
    runs: list[ET.Element] = []
    joining = False
    for text in texts:
        shift = text.get("baseline-shift")
        content = (text.text or "").translate(_SCRIPT[shift]) if shift in _SCRIPT else text.text
        if runs and (shift in _SCRIPT or joining) and text.get("y") == runs[-1].get("y"):
            runs[-1].text = (runs[-1].text or "") + (content or "")
        else:
            runs.append(ET.Element("text", dict(text.attrib)))
            runs[-1].text = content or ""
        joining = shift in _SCRIPT
    return runs


def _translation(transform: str) -> tuple[float, float]:
    found = re.search(r"translate\(([-\d.]+)[ ,]+([-\d.]+)\)", transform)
    return (float(found.group(1)), float(found.group(2))) if found else (0.0, 0.0)


def _points(outline: ET.Element, shift: tuple[float, float]) -> list[tuple[float, float]]:
    numbers = [float(n) for n in _NUMBER.findall(outline.get("d") or outline.get("points"))]
    return [(round(x + shift[0], 2), round(y + shift[1], 2))  # SVG's precision
            for x, y in zip(numbers[0::2], numbers[1::2])]
