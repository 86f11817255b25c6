"""Classification metrics: accuracy and the confusion matrix.

Both take what a network produces and what a dataset holds, in whichever form is at hand:

* predictions: scores of shape ``(N, K)`` (logits or probabilities; the predicted class of row
  ``n`` is ``argmax_k P_nk``), or predicted class indices of shape ``(N,)`` or ``(N, 1)``;
* labels: integer class indices of shape ``(N,)`` or ``(N, 1)``, or one-hot rows ``(N, K)``.

Labels are validated by :func:`lincoln.losses.to_one_hot`, the same check the softmax
cross-entropy loss applies to its targets, so a label the loss would refuse is refused here too.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from numpy import ndarray

from lincoln.losses import to_one_hot
from lincoln.utils.np_utils import assert_finite


def accuracy(predictions: npt.ArrayLike, labels: npt.ArrayLike) -> float:
    """The fraction of rows whose predicted class equals the true class.

    ``accuracy = (1/N) Σ_n [ŷ_n = y_n]`` with ``ŷ_n = argmax_k P_nk`` for scores ``P``.
    ``predictions`` may be logits, probabilities or class indices; ``labels`` integer classes or
    one-hot rows (see the module docstring). Returns a float in ``[0, 1]``.
    """
    predicted, true, _ = _classes(predictions, labels, None)
    return float(np.mean(predicted == true))


def confusion_matrix(
    predictions: npt.ArrayLike, labels: npt.ArrayLike, num_classes: int | None = None
) -> ndarray:
    """Counts ``C[i, j]`` of examples of true class ``i`` predicted as class ``j``.

    Rows are true classes, columns predicted classes (the convention of scikit-learn), so the
    diagonal holds the correct predictions, ``C.sum() == N`` and
    ``np.trace(C) / N == accuracy(predictions, labels)``. The matrix is ``K × K`` with ``K``
    given by ``num_classes``, or else by the width of score predictions or one-hot labels, or
    else by the largest class index seen plus one. Returns an int64 array.
    """
    predicted, true, k = _classes(predictions, labels, num_classes)
    counts = np.bincount(true * k + predicted, minlength=k * k)
    return counts.reshape(k, k).astype(np.int64, copy=False)


def _classes(
    predictions: npt.ArrayLike, labels: npt.ArrayLike, num_classes: int | None
) -> tuple[ndarray, ndarray, int]:
    """Predicted and true class indices (``intp`` arrays of length N) and the class count K."""
    scores = np.asarray(predictions)
    target = np.asarray(labels)
    for name, array in (("predictions", scores), ("labels", target)):
        if array.ndim not in (1, 2):
            raise ValueError(
                f"{name} must be 1-D (class indices) or 2-D (scores or one-hot rows, one row per "
                f"example); received shape {array.shape}."
            )
        if array.shape[0] == 0:
            raise ValueError(f"{name} is empty: there is nothing to score.")
        assert_finite(array, name)
    if scores.shape[0] != target.shape[0]:
        raise ValueError(
            f"predictions has {scores.shape[0]} rows but labels has {target.shape[0]}; pass one "
            "label per predicted example (e.g. the labels of the same test split)."
        )
    if num_classes is not None and (
        not isinstance(num_classes, (int, np.integer)) or num_classes < 1
    ):
        raise ValueError(f"num_classes must be a positive integer, received {num_classes!r}.")

    scores_given = scores.ndim == 2 and scores.shape[1] > 1
    one_hot_given = target.ndim == 2 and target.shape[1] > 1
    widths = {
        name: width
        for name, width in (
            ("num_classes", num_classes),
            ("the score columns of predictions", scores.shape[1] if scores_given else None),
            ("the one-hot columns of labels", target.shape[1] if one_hot_given else None),
        )
        if width is not None
    }
    if len(set(widths.values())) > 1:
        described = ", ".join(f"{name} = {width}" for name, width in widths.items())
        raise ValueError(
            f"the number of classes disagrees: {described}. Scores, one-hot labels and "
            "num_classes must all describe the same K classes."
        )
    if widths:
        k = int(next(iter(widths.values())))
    else:
        k = max(int(max(scores.max(), target.max())) + 1, 1)

    n = scores.shape[0]
    predicted = scores.argmax(axis=1) if scores_given else _indices(scores, k, n, "predictions")
    true = _indices(target, k, n, "labels")
    return predicted.astype(np.intp, copy=False), true, k


def _indices(classes: ndarray, num_classes: int, num_rows: int, name: str) -> ndarray:
    """Validate class indices or one-hot rows with ``to_one_hot`` and return class indices."""
    try:
        one_hot = to_one_hot(classes, num_classes, num_rows)
    except ValueError as error:
        hint = (
            " Predictions with one column are read as class indices: for a single probability "
            "per example, pass (probabilities > 0.5).astype(int)."
            if name == "predictions"
            else ""
        )
        raise ValueError(f"{name}: {error}{hint}") from error
    return one_hot.argmax(axis=1).astype(np.intp, copy=False)
