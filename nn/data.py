"""Small data sets, and batching.

Each generator returns `(X, y)`: `X` a list of [x1, x2] samples, `y` their labels 0/1. The
same `seed` gives the same data. `load_digits` reads the 8 × 8 handwritten digits shipped
beside this module; `train_test_split` holds some samples out.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from importlib.resources import files
from numbers import Integral, Real
from typing import TypeVar

import numpy as np

from . import _validate

Sample = list[float]
T = TypeVar("T")


def make_moons(
    n: int = 100, noise: float = 0.1, seed: int | None = 0
) -> tuple[list[Sample], list[int]]:
    """Two interleaving half circles (as scikit-learn's), shuffled, with Gaussian noise."""
    rng = _rng(n, noise, seed, "make_moons")
    outer = [(math.cos(t), math.sin(t)) for t in _linspace(0.0, math.pi, n // 2)]
    inner = [(1 - math.cos(t), 0.5 - math.sin(t)) for t in _linspace(0.0, math.pi, n - n // 2)]
    return _finish([*outer, *inner], [0] * len(outer) + [1] * len(inner), noise, rng)


def make_xor(
    n: int = 4, noise: float = 0.0, seed: int | None = 0
) -> tuple[list[Sample], list[int]]:
    """The corners of the unit square in truth-table order (repeated up to `n`), labelled
    x1 XOR x2: the classic problem no single neuron can solve."""
    rng = _rng(n, noise, seed, "make_xor")
    corners = [(0.0, 0.0), (0.0, 1.0), (1.0, 0.0), (1.0, 1.0)]
    points = [corners[i % 4] for i in range(n)]
    labels = [int(a) ^ int(b) for a, b in points]
    return [[a + rng.gauss(0, noise), b + rng.gauss(0, noise)] for a, b in points], labels


def make_spirals(
    n: int = 100, noise: float = 0.0, seed: int | None = 0, turns: float = 1.0
) -> tuple[list[Sample], list[int]]:
    """Two interleaved spirals turning `turns` times around the origin, shuffled."""
    rng = _rng(n, noise, seed, "make_spirals")
    points, labels = [], []
    for label, count in ((0, n // 2), (1, n - n // 2)):
        for r in _linspace(0.05, 1.0, count):
            angle = 2 * math.pi * turns * r + math.pi * label
            points.append((r * math.cos(angle), r * math.sin(angle)))
            labels.append(label)
    return _finish(points, labels, noise, rng)


def load_digits() -> tuple[np.ndarray, np.ndarray]:
    """The 1,797 handwritten digits of the UCI "optdigits" test set, as scikit-learn's
    `load_digits()` gives them: `(images, labels)`, images a (1797, 8, 8) float array of pixel
    values 0–16 (divide by 16 for 0–1) and labels a (1797,) integer array of the digits 0–9.

    Read from `digits.npz` beside this module (CC BY 4.0, E. Alpaydin and C. Kaynak; see
    `digits-attribution.txt`), without unpickling anything. Flattened,
    `images.reshape(-1, 64)` are the inputs of a 64-input network.
    """
    with (files(__package__) / "digits.npz").open("rb") as file, \
            np.load(file, allow_pickle=False) as stored:
        return stored["images"].astype(float), stored["target"].astype(np.int64)


def train_test_split(
    X: Sequence[T], y: Sequence, test_size: float | int = 0.2, seed: int | None = 0
) -> tuple[Sequence[T], Sequence[T], Sequence, Sequence]:
    """`(X_train, X_test, y_train, y_test)`: the samples shuffled by `seed` and the last
    `test_size` of them (a fraction, rounded up, or a count) held out, as scikit-learn's
    function of that name orders its results. Lists give lists, NumPy arrays arrays."""
    if len(X) != len(y):
        raise ValueError(f"train_test_split: {len(X)} samples but {len(y)} targets")
    n = len(X)
    if isinstance(test_size, Integral) and not isinstance(test_size, bool):
        n_test = int(test_size)
    elif isinstance(test_size, Real) and 0 < test_size < 1:
        n_test = math.ceil(test_size * n)
    else:
        raise ValueError(
            f"train_test_split: test_size must be a fraction in (0, 1) or a count, got "
            f"{test_size!r}"
        )
    if not 0 < n_test < n:
        raise ValueError(
            f"train_test_split: test_size {test_size!r} leaves no samples to train on or to "
            f"test with ({n} samples)"
        )
    order = list(range(n))
    random.Random(_validate.seed(seed, "train_test_split")).shuffle(order)
    train, test = order[: n - n_test], order[n - n_test :]
    return _take(X, train), _take(X, test), _take(y, train), _take(y, test)


def batches(
    X: Sequence[T], y: Sequence, batch_size: int | None = None, shuffle: bool = False,
    seed: int | None = None,
) -> Iterator[tuple[list[T], list]]:
    """Consecutive `(X_batch, y_batch)` pairs of `batch_size` samples (the last may be
    smaller; `None` means one batch of everything), in a shuffled order if `shuffle`."""
    if len(X) != len(y):
        raise ValueError(f"batches: {len(X)} samples but {len(y)} targets")
    if batch_size is not None:
        _validate.positive_int(batch_size, "batch_size", "batches")
    size = batch_size or max(len(X), 1)
    order = list(range(len(X)))
    if shuffle:
        random.Random(seed).shuffle(order)
    for start in range(0, len(order), size):
        chunk = order[start : start + size]
        yield [X[i] for i in chunk], [y[i] for i in chunk]


def _take(items: Sequence[T], indices: list[int]) -> Sequence[T]:
    if isinstance(items, np.ndarray):
        return items[indices]
    return [items[i] for i in indices]


def _rng(n: object, noise: object, seed: object, where: str) -> random.Random:
    _validate.positive_int(n, "n", where)
    if not isinstance(noise, Real) or not 0 <= noise < math.inf:
        raise ValueError(f"{where}: noise must be a non-negative number, got {noise!r}")
    return random.Random(_validate.seed(seed, where))


def _linspace(start: float, stop: float, count: int) -> list[float]:
    if count == 1:
        return [start]
    return [start + (stop - start) * i / (count - 1) for i in range(count)]


def _finish(
    points: list[tuple[float, float]], labels: list[int], noise: float, rng: random.Random
) -> tuple[list[Sample], list[int]]:
    """Add the noise and shuffle, both from `rng`, so the seed fixes everything."""
    X = [[a + rng.gauss(0, noise), b + rng.gauss(0, noise)] for a, b in points]
    order = list(range(len(X)))
    rng.shuffle(order)
    return [X[i] for i in order], [labels[i] for i in order]
