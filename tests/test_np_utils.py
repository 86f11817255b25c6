"""lincoln.utils.np_utils: the small helpers readers use from the book."""

from __future__ import annotations

import numpy as np
import pytest

from lincoln.utils.np_utils import (
    assert_finite,
    float_dtype,
    log_softmax,
    permute_data,
    softmax,
    to_2d,
)


def test_to_2d() -> None:
    a = np.arange(3)
    assert to_2d(a).shape == (3, 1)
    assert to_2d(a, "row").shape == (1, 3)
    with pytest.raises(ValueError, match="'col' or 'row'"):
        to_2d(a, "diag")
    with pytest.raises(ValueError, match="1 dimensions"):
        to_2d(np.zeros((2, 2)))


def test_permute_data_keeps_pairs_and_is_seeded() -> None:
    X, y = np.arange(10).reshape(5, 2), np.arange(5)
    Xp, yp = permute_data(X, y, np.random.default_rng(0))
    np.testing.assert_array_equal(Xp[:, 0] // 2, yp)  # rows and labels move together
    assert sorted(yp) == list(range(5))
    Xq, _ = permute_data(X, y, np.random.default_rng(0))
    np.testing.assert_array_equal(Xp, Xq)
    with pytest.raises(ValueError, match="same number of rows"):
        permute_data(X, y[:4])


def test_softmax_and_log_softmax_are_stable() -> None:
    z = np.array([[1000.0, 0.0, -1000.0], [1.0, 2.0, 3.0]])
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        p, log_p = softmax(z), log_softmax(z)
    np.testing.assert_allclose(p.sum(axis=1), 1.0)
    np.testing.assert_allclose(log_p[0], [0.0, -1000.0, -2000.0])
    np.testing.assert_allclose(np.exp(log_p[1]), p[1])


def test_assert_finite_names_the_array_and_counts() -> None:
    assert_finite(np.full((3, 3), 1e308))  # a sum that overflows is checked element by element
    bad = np.ones(4)
    bad[[1, 3]] = [np.nan, np.inf]
    with pytest.raises(ValueError, match="X_train contains 2 NaN or infinite"):
        assert_finite(bad, "X_train")


def test_float_dtype() -> None:
    assert float_dtype(np.zeros(1, np.float32)) == np.float32
    assert float_dtype(np.zeros(1, np.int64)) == np.float64
