"""Small numpy helpers used across lincoln: shape checks, reshaping, shuffling, softmax.

Every helper raises an error that names what was expected and what arrived, so that a learner who
passes the wrong array can see at once what to change.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray


def assert_same_shape(array: ndarray, array_grad: ndarray, where: str = "") -> None:
    """Raise ``ValueError`` unless ``array`` and ``array_grad`` have the same shape.

    ``where`` names the operation or layer doing the check, so the message can point at it.
    """
    if array.shape != array_grad.shape:
        place = f" in {where}" if where else ""
        raise ValueError(
            f"shape mismatch{place}: expected an array of shape {array.shape}, "
            f"received shape {array_grad.shape}. A gradient must have the shape of the array it is "
            "the gradient of; check the layer sizes and the shape of the targets."
        )


def assert_dim(array: ndarray, dim: int, name: str = "array") -> None:
    """Raise ``ValueError`` unless ``array`` has exactly ``dim`` dimensions."""
    if array.ndim != dim:
        raise ValueError(
            f"{name} must have {dim} dimensions, received {array.ndim} (shape {array.shape})."
        )


def assert_finite(array: ndarray, name: str = "array") -> None:
    """Raise ``ValueError`` if ``array`` holds NaN or infinite values.

    NaN and infinity propagate through a sum, so a finite float64 sum proves the array is clean
    (one fast pass, no boolean copy); only a non-finite sum needs the elementwise look.
    """
    with np.errstate(over="ignore"):  # an overflowing sum only sends us to the elementwise look
        total = np.sum(array, dtype=np.float64)
    if np.isfinite(total):
        return
    if not np.all(np.isfinite(array)):
        bad = int(array.size - np.count_nonzero(np.isfinite(array)))
        raise ValueError(
            f"{name} contains {bad} NaN or infinite value(s) out of {array.size}; "
            "clean or impute the data before training."
        )


def to_2d(a: ndarray, type: str = "col") -> ndarray:
    """Turn a 1-D array into a column (``type="col"``) or a row (``type="row"``) 2-D array."""
    assert_dim(a, 1, "to_2d input")
    if type == "col":
        return a.reshape(-1, 1)
    if type == "row":
        return a.reshape(1, -1)
    raise ValueError(f"type must be 'col' or 'row', received {type!r}.")


def permute_data(
    X: ndarray, y: ndarray, rng: np.random.Generator | None = None
) -> tuple[ndarray, ndarray]:
    """Shuffle the rows of ``X`` and ``y`` with the same permutation."""
    if X.shape[0] != y.shape[0]:
        raise ValueError(
            f"X and y must have the same number of rows, received {X.shape[0]} and {y.shape[0]}."
        )
    perm = (rng if rng is not None else np.random.default_rng()).permutation(X.shape[0])
    return X[perm], y[perm]


def logsumexp(x: ndarray, axis: int = 1) -> ndarray:
    r"""Stable :math:`\log\sum_j e^{x_j}` along ``axis`` (kept as a length-1 axis).

    The row maximum ``m`` is subtracted first,
    :math:`\log\sum_j e^{x_j} = m + \log\sum_j e^{x_j-m}`, so logits of 1000 do not overflow.
    """
    m = x.max(axis=axis, keepdims=True)
    return m + np.log(np.exp(x - m).sum(axis=axis, keepdims=True))


def log_softmax(x: ndarray, axis: int = 1) -> ndarray:
    r""":math:`\log \mathrm{softmax}(x)_i = x_i - \log\sum_j e^{x_j}`, computed stably."""
    return x - logsumexp(x, axis=axis)


def softmax(x: ndarray, axis: int = 1) -> ndarray:
    r""":math:`\mathrm{softmax}(x)_i = e^{x_i} / \sum_j e^{x_j}`, computed stably along ``axis``."""
    e = np.exp(x - x.max(axis=axis, keepdims=True))
    return e / e.sum(axis=axis, keepdims=True)


def float_dtype(array: ndarray) -> np.dtype:
    """The floating dtype lincoln computes in for ``array``: its own if floating, else float64."""
    return array.dtype if np.issubdtype(array.dtype, np.floating) else np.dtype(np.float64)
