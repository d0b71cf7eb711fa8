"""Draw the README's pictures: `python docs/pictures.py [DIR]` (default: docs/).

The code here is the code the README shows, so the pictures are what a reader's own run draws.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nn
from autodiff import Value, backward_steps, draw_graph
from autodiff.draw.dot import Drawing


def neuron() -> Value:
    """o = tanh(x1·w1 + x2·w2 + b), after backward: the README's first example."""
    x1, w1 = Value(2.0, name="x1"), Value(-3.0, name="w1")
    x2, w2 = Value(0.0, name="x2"), Value(1.0, name="w2")
    b = Value(6.8813735870195432, name="b")
    n = x1 * w1 + x2 * w2 + b
    n.name = "n"
    o = n.tanh()
    o.name = "o"
    o.backward()
    return o


def network() -> Value:
    """C₀ of MLP(2, [3, 1]) on one sample, after backward: every value named by nn."""
    mlp = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    cost = nn.losses.sum_squared_error(mlp([0.5, -1.0]), [1.0])
    cost.backward()
    return cost


def step() -> Drawing:
    """The neuron at step 3 of backward_steps, as the stepper shows it."""
    o = neuron()
    o.zero_grad()
    steps = list(backward_steps(o))
    return draw_graph(o, step=steps[2])


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    drawings = {"graph": draw_graph(neuron()), "network": draw_graph(network()), "step": step()}
    for name, drawing in drawings.items():
        (directory / f"{name}.svg").write_bytes(drawing.pipe(format="svg"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
