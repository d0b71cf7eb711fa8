"""`autodiff demo`: train a small network on two moons, then draw a neuron and the boundary."""

from __future__ import annotations

import argparse
import math
import tempfile
from collections.abc import Callable
from pathlib import Path

import nn
from autodiff import draw_graph, no_grad
from autodiff.draw.dot import Drawing
from nn.plot import plot_decision_boundary, plot_history

from .errors import CommandError

SAMPLES = 100
BATCH_SIZE = 10


def add_parser(new_command: Callable[..., argparse.ArgumentParser]) -> None:
    parser = new_command(
        "demo",
        help="train an MLP on two moons and write a neuron's graph and the decision boundary",
        description=(
            f"Train MLP(2, [16, 16, 1]) on {SAMPLES} two-moons points with SGD (batches of "
            f"{BATCH_SIZE}, binary cross-entropy), print the final loss and accuracy, and "
            "write the graph of one neuron (SVG) and the decision boundary (PNG)."
        ),
    )
    parser.add_argument("--out", type=Path, default=Path("autodiff-demo"), metavar="DIR",
                        help="where to write the pictures (default: ./autodiff-demo)")
    parser.add_argument("--steps", type=int, default=300, metavar="N",
                        help="optimizer steps (default: 300)")
    parser.add_argument("--seed", type=int, default=0, metavar="S",
                        help="seed of the data and the initial weights (default: 0)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    if args.steps < 1:
        raise CommandError(f"--steps must be at least 1, got {args.steps}")
    try:
        from matplotlib.figure import Figure
    except ImportError:  # before training, so nobody waits for a picture that cannot be drawn
        raise CommandError(
            "the demo draws with matplotlib: pip install 'autodiff-scalar[demo]'"
        ) from None
    try:  # a file made and removed there: before training, so nobody waits for a failure
        args.out.mkdir(parents=True, exist_ok=True)
        tempfile.TemporaryFile(dir=args.out).close()
    except OSError as error:
        raise CommandError(f"cannot write to {args.out}: {error.strerror or error}") from None

    X, y = nn.data.make_moons(SAMPLES, seed=args.seed)
    model = nn.MLP(2, [16, 16, 1], seed=args.seed)
    loss = nn.losses.binary_cross_entropy_with_logits
    epochs = math.ceil(args.steps / math.ceil(SAMPLES / BATCH_SIZE))
    print(f"training {model} on {SAMPLES} two-moons points for {epochs} epochs")
    optimizer = nn.SGD(model.parameters(), lr=0.1, momentum=0.9)
    history = nn.fit(model, X, y, loss, optimizer, epochs, batch_size=BATCH_SIZE, seed=args.seed)
    final_loss = nn.batch_loss([model(x) for x in X], y, loss).data
    print(f"final loss {final_loss:.4f}, accuracy {nn.accuracy(model, X, y, loss):.1%}")

    neuron_svg = args.out / "neuron.svg"
    boundary_png = args.out / "decision_boundary.png"
    figure = Figure(figsize=(11, 4.6), layout="constrained")
    left, right = figure.subplots(1, 2)
    plot_history(history, ax=left)
    plot_decision_boundary(model, X, y, ax=right)
    worst = _worst_fit(model, X, y, loss)
    j, neuron = _neuron_graph(model, X[worst], y[worst], loss)
    try:  # still possible: the disk fills up, or a picture's name is taken by a directory
        neuron_svg.write_bytes(neuron.pipe(format="svg"))
        figure.savefig(boundary_png, dpi=150)
    except OSError as error:
        raise CommandError(f"cannot write the pictures: {error}") from None
    print(f"wrote {neuron_svg} (neuron {j} of layer 1 on sample {worst}, the one the model fits "
          "worst, with ∂C₀/∂node)")
    print(f"wrote {boundary_png} (loss curve and decision boundary)")
    return 0


def _worst_fit(model: nn.MLP, X, y, loss) -> int:
    """The sample with the largest loss: where the gradients are largest, so they teach most."""
    with no_grad():
        costs = [loss(model(x), target).data for x, target in zip(X, y)]
    return max(range(len(costs)), key=costs.__getitem__)


def _neuron_graph(model: nn.MLP, x, target, loss) -> tuple[int, Drawing]:
    """The neuron j of layer 1 with the largest gradients on sample `x` (a ReLU that is off
    passes none back), drawn with the gradients of the sample's whole cost; and j."""
    hidden = model.layers[0](x)
    out = hidden
    for layer in model.layers[1:]:
        out = layer(out)
    model.zero_grad()
    loss(out, target).backward()
    j = max(range(len(hidden)), key=lambda j: abs(model.layers[0].neurons[j].b.grad))
    return j + 1, draw_graph(hidden[j])
