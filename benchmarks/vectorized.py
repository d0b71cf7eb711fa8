"""Vectorised compile against NumPy written by hand: issue 22's three targets, side by side.

    python benchmarks/vectorized.py          # 15 alternating rounds, medians and ratios
    python benchmarks/vectorized.py --quick

1. A digits epoch (the book's 64-30-10 sigmoid network, quadratic cost, SGD with mini-batches
   of 10, η = 3.0, on the 1,437 training digits scaled to [0, 1]): `fit(compile=True)`'s steps
   (`nn.compiled.ArrayTraining`, recording excluded: the first epoch records) against the
   book's algorithm, one sample at a time inside each mini-batch, in NumPy (`book_epoch`).
2. The full-batch MLP(2, [16, 16, 1]) step on 100 points (relu, mean hinge loss, SGD) as `fit`
   runs it under compile=True, against the hand-written scalar step (`handwritten.py`).
3. The same network written with `autodiff.weighted_sums` (no nn) and compiled with
   `autodiff.compile`: `value_and_grad` and a plain SGD update, against the hand-written step.

Each round runs every contender once, in turn; the medians and their ratios are printed, with
the first call (recording and code generation) beside them. Timing in a benchmark, never a test.
"""

from __future__ import annotations

import argparse
import statistics
import sys
import time
from functools import partial
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).parent))
sys.path.insert(0, str(Path(__file__).parent.parent))

import handwritten
from run import LR, SIZES, moons, rounds

import autodiff
import nn
from nn.compiled import ArrayTraining
from nn.data import batches

ETA, BATCH = 3.0, 10


def digits() -> tuple[list, list]:
    images, labels = nn.data.load_digits()
    X = (images.reshape(len(images), 64) / 16.0).tolist()
    Y = [[float(k == label) for k in range(10)] for label in labels]
    X_train, _, Y_train, _ = nn.data.train_test_split(X, Y, test_size=360, seed=0)
    return list(X_train), list(Y_train)


def book_epoch(weights: list, biases: list, X: np.ndarray, Y: np.ndarray, order: list) -> None:
    """One epoch of the book's SGD: per mini-batch, backpropagation one sample at a time
    (column vectors), the gradients summed, then w ← w − η/m Σ ∇w."""
    for start in range(0, len(order), BATCH):
        chunk = order[start:start + BATCH]
        nabla_w = [np.zeros_like(w) for w in weights]
        nabla_b = [np.zeros_like(b) for b in biases]
        for k in chunk:
            activation, activations, zs = X[k], [X[k]], []
            for w, b in zip(weights, biases):
                z = w @ activation + b
                zs.append(z)
                activation = 1.0 / (1.0 + np.exp(-z))
                activations.append(activation)
            delta = (activation - Y[k]) * activation * (1 - activation)  # BP1, quadratic cost
            nabla_b[-1] += delta
            nabla_w[-1] += delta @ activations[-2].T
            for layer in range(2, len(weights) + 1):  # BP2, then BP3 and BP4
                a = activations[-layer]  # σ'(z) = a (1 − a)
                delta = (weights[-layer + 1].T @ delta) * a * (1 - a)
                nabla_b[-layer] += delta
                nabla_w[-layer] += delta @ activations[-layer - 1].T
        for w, b, nw, nb in zip(weights, biases, nabla_w, nabla_b):
            w -= ETA / len(chunk) * nw
            b -= ETA / len(chunk) * nb


class Contender:
    """A name, and `run()`: one epoch or one step."""

    def __init__(self, name: str, run, first: float = float("nan")) -> None:
        self.name, self.run, self.first = name, run, first


def digits_contenders() -> list[Contender]:
    X, Y = digits()
    model = nn.MLP(64, [30, 10], activation="sigmoid", output_activation="sigmoid", seed=0)
    optimizer = nn.SGD(model.parameters(), lr=ETA)
    loss = nn.losses.quadratic
    arrays = ArrayTraining(model, loss, partial(nn.batch_loss, loss=loss), optimizer)
    seed = iter(range(10**6))

    def compiled_epoch() -> None:
        for Xb, yb in batches(X, Y, BATCH, True, next(seed)):
            arrays.step(Xb, yb)

    start = time.perf_counter()
    compiled_epoch()  # records (batches of 10 and the last of 7), then replays
    first = time.perf_counter() - start
    weights = [layer.weight_matrix() for layer in model.layers]
    biases = [layer.biases() for layer in model.layers]
    columns = np.array(X)[:, :, None], np.array(Y)[:, :, None]
    rng = np.random.default_rng(0)

    def book() -> None:
        book_epoch(weights, biases, *columns, rng.permutation(len(X)).tolist())

    return [Contender("book's algorithm in NumPy", book),
            Contender("fit(compile=True)", compiled_epoch, first)]


def weighted_sums_network(X: list, y: list):
    """MLP(2, [16, 16, 1]) and its mean hinge loss written with autodiff alone."""
    shapes = list(zip([2, *SIZES], SIZES))

    def loss(params: list) -> autodiff.Value:
        layers, k = [], 0
        for n_in, n_out in shapes:
            W = [params[k + j * n_in:k + (j + 1) * n_in] for j in range(n_out)]
            k += n_in * n_out
            layers.append((W, params[k:k + n_out]))
            k += n_out
        total = 0.0
        for x, t in zip(X, y):
            a = x
            for i, (W, b) in enumerate(layers):
                z = autodiff.weighted_sums(W, a, b)
                a = z if i == len(layers) - 1 else [zj.relu() for zj in z]
            total = total + (1 - t * a[0]).relu()
        return total / len(X)

    size = sum(n_in * n_out + n_out for n_in, n_out in shapes)
    return loss, size


def step_contenders() -> list[Contender]:
    X, y = moons()
    model = nn.MLP(2, SIZES, activation="relu", output_activation="linear", seed=0)
    layers = handwritten.from_model(model)
    hand = Contender("hand-written", lambda: handwritten.train_step(layers, X, y, LR))
    loss = nn.losses.hinge
    arrays = ArrayTraining(model, loss, partial(nn.batch_loss, loss=loss),
                           nn.SGD(model.parameters(), lr=LR))
    start = time.perf_counter()
    arrays.step(X, y)
    fit_step = Contender("fit(compile=True)", lambda: arrays.step(X, y),
                         time.perf_counter() - start)
    f, size = weighted_sums_network(X, y)
    compiled = autodiff.compile(f)
    params = [float(v) for v in np.random.default_rng(0).uniform(-0.5, 0.5, size)]
    start = time.perf_counter()
    compiled.value_and_grad(params)
    first = time.perf_counter() - start

    def plain() -> None:
        _, grads = compiled.value_and_grad(params)
        params[:] = [p - LR * g for p, g in zip(params, grads)]

    return [hand, fit_step, Contender("weighted_sums + autodiff.compile", plain, first)]


def table(title: str, contenders: list[Contender], base: str, repeats: int) -> None:
    def measure(contender: Contender) -> float:
        start = time.perf_counter()
        contender.run()
        return time.perf_counter() - start

    samples = rounds(contenders, repeats, measure)
    base_median = statistics.median(samples[base])
    print(f"\n{title}\n| engine | median | vs {base} | first call |\n|---|---|---|---|")
    for c in contenders:
        median = statistics.median(samples[c.name])
        ratio = "" if c.name == base else f"{median / base_median:.2f}×"
        first = "" if c.first != c.first else f"{c.first * 1e3:.0f} ms"
        print(f"| {c.name} | {median * 1e3:.2f} ms | {ratio} | {first} |")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    repeats = 5 if parser.parse_args().quick else 15
    table("digits epoch (64-30-10 sigmoid, quadratic, mini-batches of 10, η = 3)",
          digits_contenders(), "book's algorithm in NumPy", repeats)
    table("full-batch MLP(2, [16, 16, 1]) step, 100 points, hinge, SGD",
          step_contenders(), "hand-written", repeats * 4)


if __name__ == "__main__":
    main()
