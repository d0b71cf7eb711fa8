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


# --- the digits ---------------------------------------------------------------------------------


def test_digits_are_scikit_learns():
    sklearn_datasets = pytest.importorskip("sklearn.datasets", reason="scikit-learn is the oracle")
    np = pytest.importorskip("numpy")
    images, labels = data.load_digits()
    theirs = sklearn_datasets.load_digits()
    assert images.dtype == theirs.images.dtype and images.shape == (1797, 8, 8)
    assert np.array_equal(images, theirs.images)
    assert np.array_equal(labels, theirs.target) and labels.dtype.kind == "i"
    assert np.array_equal(images.reshape(-1, 64), theirs.data)


def test_digits_are_what_their_docstring_says():
    np = pytest.importorskip("numpy")
    images, labels = data.load_digits()
    assert images.shape == (1797, 8, 8) and labels.shape == (1797,)
    assert images.min() == 0 and images.max() == 16 and (images == images.round()).all()
    assert sorted(set(labels.tolist())) == list(range(10))
    assert min(np.bincount(labels)) >= 170 and max(np.bincount(labels)) <= 190
    images[0, 0, 0] = 99  # a copy each time: the caller may change it
    assert data.load_digits()[0][0, 0, 0] == 0


def test_the_digits_file_holds_plain_arrays_and_loads_without_pickle():
    from pathlib import Path

    np = pytest.importorskip("numpy")
    folder = Path(data.__file__).parent
    with np.load(folder / "digits.npz", allow_pickle=False) as stored:
        assert sorted(stored.files) == ["images", "target"]
        assert {stored[name].dtype for name in stored.files} == {np.dtype(np.uint8)}
    attribution = (folder / "digits-attribution.txt").read_text()
    assert "CC BY 4.0" in attribution and "10.24432/C50P49" in attribution


def test_train_test_split_is_seeded_disjoint_and_complete():
    np = pytest.importorskip("numpy")
    images, labels = data.load_digits()
    X = images.reshape(-1, 64)
    X_train, X_test, y_train, y_test = data.train_test_split(X, labels, test_size=0.2, seed=0)
    assert (len(X_train), len(X_test), len(y_train), len(y_test)) == (1437, 360, 1437, 360)
    again = data.train_test_split(X, labels, test_size=0.2, seed=0)
    assert all(np.array_equal(a, b) for a, b in zip(again, (X_train, X_test, y_train, y_test)))
    other = data.train_test_split(X, labels, test_size=0.2, seed=1)
    assert not np.array_equal(other[1], X_test)
    index_train, index_test, _, _ = data.train_test_split(np.arange(1797), labels, seed=0)
    assert sorted([*index_train, *index_test]) == list(range(1797))
    assert np.array_equal(X[index_test], X_test) and np.array_equal(labels[index_train], y_train)
    as_lists = data.train_test_split(X.tolist(), labels.tolist(), test_size=360, seed=0)
    assert as_lists[1] == X_test.tolist() and as_lists[3] == y_test.tolist()


@pytest.mark.parametrize("size", [0, 1.0, -0.5, 10, "0.2", True])
def test_train_test_split_refuses_sizes_that_leave_nothing(size):
    with pytest.raises(ValueError, match="train_test_split: test_size"):
        data.train_test_split(list(range(10)), list(range(10)), test_size=size)
