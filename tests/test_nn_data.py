"""The toy data sets (deterministic, labels 0/1) and batching."""

from __future__ import annotations

import math

import pytest

from nn import data

GENERATORS = [data.make_moons, data.make_xor, data.make_spirals]


@pytest.mark.parametrize("make", GENERATORS)
def test_deterministic_two_class_data(make):
    X, y = make(40, noise=0.1, seed=3)
    assert (X, y) == make(40, noise=0.1, seed=3)
    assert make(40, noise=0.1, seed=4)[0] != X
    assert len(X) == len(y) == 40
    assert all(len(x) == 2 and all(isinstance(c, float) for c in x) for x in X)
    assert sorted(set(y)) == [0, 1] and y.count(1) == 20


def test_moons_without_noise_lie_on_two_half_circles():
    X, y = data.make_moons(50, noise=0.0)
    for (a, b), label in zip(X, y):
        centre = (0.0, 0.0) if label == 0 else (1.0, 0.5)
        assert math.isclose(math.hypot(a - centre[0], b - centre[1]), 1.0, rel_tol=1e-12)
        assert (b >= -1e-12) if label == 0 else (b <= 0.5 + 1e-12)


def test_xor_is_the_truth_table():
    assert data.make_xor() == ([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]], [0, 1, 1, 0])


def test_spirals_interleave():
    X, y = data.make_spirals(200, turns=1.5)
    radii = {label: sorted(math.hypot(*x) for x, t in zip(X, y) if t == label) for label in (0, 1)}
    assert radii[0] == pytest.approx(radii[1], rel=1e-12)  # same radii, half a turn apart


def test_batches_cover_every_sample_once():
    X, y = list(range(10)), [i * i for i in range(10)]
    chunks = list(data.batches(X, y, batch_size=4, shuffle=True, seed=1))
    assert [len(xb) for xb, _ in chunks] == [4, 4, 2]
    assert sorted(x for xb, _ in chunks for x in xb) == X
    assert all(yi == xi * xi for xb, yb in chunks for xi, yi in zip(xb, yb))
    assert chunks == list(data.batches(X, y, batch_size=4, shuffle=True, seed=1))
    assert list(data.batches(X, y)) == [(X, y)]


@pytest.mark.parametrize("call", [
    lambda: data.make_moons(0),
    lambda: data.make_moons(10, noise=-1.0),
    lambda: list(data.batches([1, 2], [1])),
    lambda: list(data.batches([1, 2], [1, 2], batch_size=0)),
])
def test_bad_arguments_are_refused(call):
    with pytest.raises(ValueError):
        call()
