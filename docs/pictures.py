"""Draw the README's pictures: `python docs/pictures.py [DIR]` (default: docs/).

The code here is the code the README shows, so the pictures are what a reader's own run draws.
"""

from __future__ import annotations

import sys
from pathlib import Path

import nn
from autodiff import Value, draw_graph


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
    """C₀ of MLP(2, [3, 1]) on one sample, after backward: parameters named w_jk^(l), b_j^(l)."""
    mlp = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    loss = nn.losses.sum_squared_error(mlp([0.5, -1.0]), [1.0])
    loss.name = "C₀"
    loss.backward()
    return loss


def main(directory: Path) -> None:
    directory.mkdir(parents=True, exist_ok=True)
    for name, root in (("graph", neuron()), ("network", network())):
        (directory / f"{name}.svg").write_bytes(draw_graph(root).pipe(format="svg"))


if __name__ == "__main__":
    main(Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).parent)
