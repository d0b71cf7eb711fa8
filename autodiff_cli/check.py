"""`autodiff check`: the four backpropagation equations against the engine on a random network."""

from __future__ import annotations

import argparse
import random
from collections.abc import Callable

import nn
from autodiff.check.report import Report, Row

ACTIVATIONS = ("tanh", "sigmoid", "relu", "linear")
RTOL = 1e-9
ATOL = 1e-12


def add_parser(new_command: Callable[..., argparse.ArgumentParser]) -> None:
    parser = new_command(
        "check",
        help="check the four backpropagation equations, derived by hand, against the engine",
        description=(
            "Build a random network (1-4 layers, widths 1-6, random activations), take a "
            "random sample and target, and compare the gradients of the cost C_0 of that "
            "sample from the four backpropagation equations (nn.reference) with the engine's "
            "backward, for every weight and bias. "
            "Exit status 1 on any disagreement."
        ),
    )
    parser.add_argument("--seed", type=int, default=None, metavar="S",
                        help="seed of the network, sample and target (default: random)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace) -> int:
    seed = random.randrange(2**32) if args.seed is None else args.seed
    report = compare(seed)
    print(report)
    print(f"(seed {seed}; agreement means |engine − reference| ≤ {RTOL:g}·|reference| + {ATOL:g})")
    return 0 if report.ok else 1


def compare(seed: int) -> Report:
    """Engine against reference for every parameter of a random network and sample."""
    rng = random.Random(seed)
    nin = rng.randint(1, 4)
    widths = [rng.randint(1, 6) for _ in range(rng.randint(1, 4))]
    activations = [rng.choice(ACTIVATIONS) for _ in widths]
    mlp = nn.MLP(nin, widths, activation=activations[:-1], output_activation=activations[-1],
                 seed=rng.getrandbits(32))
    x = [rng.uniform(-2, 2) for _ in range(nin)]
    y = [rng.uniform(-1, 1) for _ in range(widths[-1])]

    nn.losses.sum_squared_error(mlp(x), y).backward()
    reference = nn.reference.gradients(mlp, x, y)
    rows = []
    for name, weight in mlp.named_parameters():
        expected, engine = reference[name], weight.grad
        error = abs(engine - expected)
        rows.append(Row(
            f"{weight.name} ({name})",
            {"reference": expected, "engine": engine, "abs error": error},
            error <= RTOL * abs(expected) + ATOL,
        ))
    title = f"MLP({nin}, {widths}, activations {activations}): δ equations vs engine"
    return Report(title, tuple(rows), label="parameter")
