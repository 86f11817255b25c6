"""Loss functions: a number that says how wrong the predictions are, and its gradient."""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from lincoln.utils.np_utils import assert_same_shape


class Loss:
    """Base class: ``forward(prediction, target)`` returns the loss, ``backward()`` its gradient.

    The value returned by ``forward`` is exactly the function whose gradient ``backward`` returns
    with respect to ``prediction``. Subclasses implement ``_output`` and ``_input_grad``.
    """

    prediction: ndarray
    target: ndarray
    input_grad: ndarray

    def forward(self, prediction: ndarray, target: ndarray) -> float:
        """Compute the loss of ``prediction`` against ``target``."""
        self.prediction = prediction
        self.target = self._prepare_target(prediction, target)
        assert_same_shape(self.prediction, self.target, f"{type(self).__name__}.forward")
        loss_value = self._output()
        if not np.isfinite(loss_value):
            raise FloatingPointError(
                f"{type(self).__name__} is {loss_value}: the predictions contain NaN or infinite "
                "values. This usually means the learning rate is too large; try a smaller one."
            )
        return loss_value

    def backward(self) -> ndarray:
        """Return ∂loss/∂prediction, an array shaped like the prediction."""
        self.input_grad = self._input_grad()
        assert_same_shape(self.prediction, self.input_grad, f"{type(self).__name__}.backward")
        return self.input_grad

    def _prepare_target(self, prediction: ndarray, target: ndarray) -> ndarray:
        if not np.all(np.isfinite(target)):
            raise ValueError("the targets contain NaN or infinite values; clean the labels.")
        return target.astype(prediction.dtype, copy=False)

    def _output(self) -> float:
        raise NotImplementedError

    def _input_grad(self) -> ndarray:
        raise NotImplementedError


class MeanSquaredError(Loss):
    """``L = Σ (P - Y)² / N`` over a batch of ``N`` rows; ``∂L/∂P = 2 (P - Y) / N``.

    With ``normalize=True`` each row of the prediction is first divided by its sum,
    ``Q = P / S`` with ``S_n = Σ_j P_nj``, and ``L = Σ (Q - Y)² / N``. Its gradient goes through the
    normalisation: with ``G = 2 (Q - Y) / N``, ``∂L/∂P_nk = G_nk / S_n - Σ_j G_nj P_nj / S_n²``.
    """

    def __init__(self, normalize: bool = False) -> None:
        super().__init__()
        self.normalize = normalize

    def _output(self) -> float:
        if self.normalize:
            self.row_sums = self.prediction.sum(axis=1, keepdims=True)
            self.compared = self.prediction / self.row_sums
        else:
            self.compared = self.prediction
        self.difference = self.compared - self.target
        return float(np.sum(self.difference * self.difference) / self.prediction.shape[0])

    def _input_grad(self) -> ndarray:
        grad = (2.0 / self.prediction.shape[0]) * self.difference
        if not self.normalize:
            return grad
        weighted = np.sum(grad * self.prediction, axis=1, keepdims=True)
        return grad / self.row_sums - weighted / (self.row_sums * self.row_sums)


class SoftmaxCrossEntropy(Loss):
    """Softmax followed by categorical cross-entropy, computed from the logits ``Z``.

    ``L = -Σ_n Σ_k Y_nk log softmax(Z_n)_k / N`` with ``log softmax(z)_k = z_k - log Σ_j e^{z_j}``
    (log-sum-exp with the row maximum subtracted, so logits of 1000 do not overflow), and
    ``∂L/∂Z = (softmax(Z) - Y) / N``.

    ``target`` may be one-hot rows of shape ``(N, K)`` or integer class labels of shape ``(N,)``
    (or ``(N, 1)``) with values in ``0..K-1``. ``eps`` is kept for the book's signature: the
    log-sum-exp form needs no clipping of probabilities.
    """

    def __init__(self, eps: float = 1e-9) -> None:
        super().__init__()
        self.eps = eps

    def _prepare_target(self, prediction: ndarray, target: ndarray) -> ndarray:
        if prediction.ndim != 2 or prediction.shape[1] < 2:
            raise ValueError(
                "SoftmaxCrossEntropy expects logits of shape (batch, classes) with at least 2 "
                f"classes, received {prediction.shape}. For one output use MeanSquaredError."
            )
        return to_one_hot(target, prediction.shape[1], prediction.shape[0], prediction.dtype)

    def _output(self) -> float:
        shifted = self.prediction - self.prediction.max(axis=1, keepdims=True)
        exps = np.exp(shifted)
        sums = exps.sum(axis=1, keepdims=True)
        self.softmax_preds = exps / sums
        log_probs = shifted - np.log(sums)
        return float(-np.sum(self.target * log_probs) / self.prediction.shape[0])

    def _input_grad(self) -> ndarray:
        return (self.softmax_preds - self.target) / self.prediction.shape[0]


def is_one_hot(target: ndarray) -> bool:
    """Whether ``target`` is 2-D with at least two columns, each row a single 1 and zeros."""
    return bool(
        target.ndim == 2
        and target.shape[1] > 1
        and np.all((target == 0) | (target == 1))
        and np.all(target.sum(axis=1) == 1)
    )


def to_one_hot(
    target: ndarray, num_classes: int, num_rows: int, dtype: np.dtype | type = np.float64
) -> ndarray:
    """Return ``target`` as one-hot rows of shape ``(num_rows, num_classes)``.

    Accepts integer class labels ``(N,)`` or ``(N, 1)`` with values in ``0..num_classes-1``, or
    one-hot rows ``(N, num_classes)`` (each row a single 1, the rest 0). Anything else raises a
    ``ValueError`` that says what was expected.
    """
    target = np.asarray(target)
    if target.shape[0] != num_rows:
        raise ValueError(
            f"expected {num_rows} labels (one per prediction row), received {target.shape[0]} "
            f"(target shape {target.shape})."
        )
    if target.ndim == 2 and target.shape[1] == num_classes and num_classes > 1:
        if not is_one_hot(target):
            raise ValueError(
                f"targets of shape {target.shape} must be one-hot (each row a single 1 and "
                f"{num_classes - 1} zeros) or integer class labels of shape ({num_rows},); "
                "received rows that are neither."
            )
        return target.astype(dtype, copy=False)
    if target.ndim == 1 or (target.ndim == 2 and target.shape[1] == 1):
        labels = target.reshape(-1)
        if not np.all(np.isfinite(labels)) or not np.all(labels == np.round(labels)):
            raise ValueError(
                "integer class labels must be whole numbers; received non-integer values such "
                f"as {labels[labels != np.round(labels)][:3]}. Pass one-hot rows or class indices."
            )
        if labels.size and (labels.min() < 0 or labels.max() >= num_classes):
            raise ValueError(
                f"class labels must be in 0..{num_classes - 1} for {num_classes} outputs; "
                f"received labels from {labels.min()} to {labels.max()}."
            )
        one_hot = np.zeros((num_rows, num_classes), dtype=dtype)
        one_hot[np.arange(num_rows), labels.astype(np.intp)] = 1
        return one_hot
    raise ValueError(
        f"targets must be one-hot of shape ({num_rows}, {num_classes}) or integer labels of shape "
        f"({num_rows},); received shape {target.shape}."
    )
