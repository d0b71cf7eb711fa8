"""Small two-class data sets in pure Python, and batching.

Each generator returns `(X, y)`: `X` a list of [x1, x2] samples, `y` their labels 0/1. The
same `seed` gives the same data.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterator, Sequence
from numbers import Real
from typing import TypeVar

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
