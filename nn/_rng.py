"""Where initial weights come from: a seed's own generator, or else Python's global `random`.

Without a seed, weights are drawn from the global generator, one `uniform` per weight in
parameter order as micrograd draws them, so `random.seed(1337)` before building a model makes it
reproducible, as in micrograd and the tutorials built on it. With a seed, a model draws from
generators of its own, whatever else uses `random`.
"""

from __future__ import annotations

import random
from collections.abc import Callable

from . import _validate


def uniform(seed: int | None, where: str) -> Callable[[float, float], float]:
    """The `uniform(a, b)` one neuron draws its weights with."""
    if _validate.seed(seed, where) is None:
        return random.uniform
    return random.Random(seed).uniform


def seeds(seed: int | None, n: int, where: str) -> list[int | None]:
    """A seed for each of `n` parts, derived from `seed`; all None when `seed` is None, so the
    parts draw from the global generator in turn."""
    if _validate.seed(seed, where) is None:
        return [None] * n
    rng = random.Random(seed)
    return [rng.getrandbits(64) for _ in range(n)]
