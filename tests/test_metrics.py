"""Tests for lincoln.metrics, and for SoftmaxCrossEntropy on saturated logits."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from lincoln.losses import SoftmaxCrossEntropy
from lincoln.metrics import accuracy, confusion_matrix
from lincoln.utils.gradcheck import check_loss

LOGITS = np.array(
    [
        [2.0, 0.1, -1.0],  # predicts 0
        [0.3, 0.2, 4.0],  # predicts 2
        [-1.0, 3.0, 0.0],  # predicts 1
        [0.5, 0.4, 0.1],  # predicts 0
    ]
)
LABELS = np.array([0, 2, 2, 1])  # rows 0 and 1 right, rows 2 and 3 wrong
ONE_HOT = np.eye(3)[LABELS]
EXPECTED_MATRIX = np.array(
    [
        [1, 0, 0],
        [1, 0, 0],
        [0, 1, 1],
    ]
)


# --- accuracy --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "labels", [LABELS, ONE_HOT, LABELS.reshape(-1, 1), LABELS.astype(np.float32), list(LABELS)]
)
def test_accuracy_accepts_every_label_format(labels: object) -> None:
    assert accuracy(LOGITS, labels) == 0.5


def test_accuracy_of_probabilities_equals_accuracy_of_logits() -> None:
    probabilities = np.exp(LOGITS) / np.exp(LOGITS).sum(axis=1, keepdims=True)
    assert accuracy(probabilities, LABELS) == accuracy(LOGITS, LABELS) == 0.5


@pytest.mark.parametrize("predictions", [np.array([0, 2, 1, 0]), np.array([[0], [2], [1], [0]])])
def test_accuracy_of_class_predictions(predictions: np.ndarray) -> None:
    assert accuracy(predictions, LABELS) == 0.5
    assert accuracy(predictions, ONE_HOT) == 0.5


def test_accuracy_extremes() -> None:
    assert accuracy(ONE_HOT, LABELS) == 1.0
    assert accuracy(LABELS, LABELS) == 1.0
    assert accuracy(np.array([1, 0, 0, 0]), LABELS) == 0.0


def test_accuracy_matches_a_python_loop() -> None:
    rng = np.random.default_rng(0)
    scores = rng.standard_normal((500, 7))
    labels = rng.integers(0, 7, 500)
    correct = sum(int(np.argmax(row) == label) for row, label in zip(scores, labels, strict=True))
    assert accuracy(scores, labels) == correct / 500


# --- confusion matrix ------------------------------------------------------------------------


@pytest.mark.parametrize("labels", [LABELS, ONE_HOT, LABELS.reshape(-1, 1)])
def test_confusion_matrix_known_answer(labels: np.ndarray) -> None:
    matrix = confusion_matrix(LOGITS, labels)
    np.testing.assert_array_equal(matrix, EXPECTED_MATRIX)
    assert matrix.dtype == np.int64


def test_confusion_matrix_of_class_predictions_infers_the_number_of_classes() -> None:
    matrix = confusion_matrix(np.array([0, 2, 1, 0]), LABELS)
    np.testing.assert_array_equal(matrix, EXPECTED_MATRIX)


def test_confusion_matrix_num_classes_pads_unseen_classes() -> None:
    matrix = confusion_matrix(np.array([0, 2, 1, 0]), LABELS, num_classes=5)
    assert matrix.shape == (5, 5)
    np.testing.assert_array_equal(matrix[:3, :3], EXPECTED_MATRIX)
    assert matrix[3:].sum() == 0 and matrix[:, 3:].sum() == 0


def test_confusion_matrix_agrees_with_accuracy_and_a_python_loop() -> None:
    rng = np.random.default_rng(1)
    scores = rng.standard_normal((1000, 10))
    labels = rng.integers(0, 10, 1000)
    matrix = confusion_matrix(scores, labels)
    expected = np.zeros((10, 10), dtype=np.int64)
    for row, label in zip(scores, labels, strict=True):
        expected[label, np.argmax(row)] += 1
    np.testing.assert_array_equal(matrix, expected)
    assert matrix.sum() == 1000
    assert np.trace(matrix) / 1000 == accuracy(scores, labels)


# --- errors a learner can act on -------------------------------------------------------------


@pytest.mark.parametrize("metric", [accuracy, confusion_matrix])
def test_mismatched_lengths_are_refused(metric: Callable[..., object]) -> None:
    with pytest.raises(ValueError, match="predictions has 4 rows but labels has 3"):
        metric(LOGITS, LABELS[:3])


@pytest.mark.parametrize(
    ("labels", "message"),
    [
        (np.array([0, 2, 3, 1]), r"labels: class labels must be in 0\.\.2"),
        (np.array([0, 2, -1, 1]), r"labels: class labels must be in 0\.\.2"),
        (np.array([0, 2, 1.5, 1]), "labels: integer class labels must be whole numbers"),
        (np.array([[1, 1, 0], [0, 0, 1], [0, 1, 0], [1, 0, 0]]), "labels: .* must be one-hot"),
        (np.array([0, 2, np.nan, 1]), "labels contains 1 NaN or infinite"),
        (np.zeros((4, 3, 1)), r"labels must be 1-D .* received shape \(4, 3, 1\)"),
    ],
)
def test_bad_labels_are_refused(labels: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        accuracy(LOGITS, labels)
    with pytest.raises(ValueError, match=message):
        confusion_matrix(LOGITS, labels)


def test_class_count_disagreement_is_refused() -> None:
    with pytest.raises(ValueError, match="the number of classes disagrees"):
        accuracy(LOGITS, np.eye(4)[LABELS])
    with pytest.raises(ValueError, match="num_classes = 4, the score columns of predictions = 3"):
        confusion_matrix(LOGITS, LABELS, num_classes=4)
    with pytest.raises(ValueError, match="num_classes must be a positive integer"):
        confusion_matrix(LABELS, LABELS, num_classes=0)


def test_bad_predictions_are_refused() -> None:
    with pytest.raises(ValueError, match="predictions contains 1 NaN"):
        accuracy(np.where(LOGITS == 4.0, np.nan, LOGITS), LABELS)
    with pytest.raises(ValueError, match=r"predictions: .* \(probabilities > 0\.5\)"):
        accuracy(np.array([0.9, 0.2, 0.7, 0.1]), np.array([1, 0, 1, 1]))
    with pytest.raises(ValueError, match="predictions is empty"):
        accuracy(np.zeros((0, 3)), np.zeros(0, dtype=int))


# --- SoftmaxCrossEntropy on saturated logits -------------------------------------------------


def _exact_cross_entropy(logits: np.ndarray, labels: np.ndarray) -> tuple[float, np.ndarray]:
    """Loss and gradient in extended precision, from the definition via log-sum-exp."""
    z = logits.astype(np.longdouble)
    m = z.max(axis=1, keepdims=True)
    log_sum = m + np.log(np.exp(z - m).sum(axis=1, keepdims=True))
    one_hot = np.eye(z.shape[1], dtype=np.longdouble)[labels]
    loss = np.sum(one_hot * (log_sum - z)) / z.shape[0]
    grad = (np.exp(z - log_sum) - one_hot) / z.shape[0]
    return float(loss), grad.astype(np.float64)


def test_softmax_cross_entropy_is_finite_and_exact_on_saturated_logits() -> None:
    logits = np.array(
        [
            [1000.0, -1000.0, 0.0],  # confidently right
            [1000.0, -1000.0, 0.0],  # confidently wrong: loss 2000
            [-1000.0, 1000.0, 999.0],  # right, with a close runner-up
            [-1000.0, -1000.0, -1000.0],  # a tie far below zero
        ]
    )
    labels = np.array([0, 1, 1, 2])
    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, labels)
    grad = loss.backward()
    expected_value, expected_grad = _exact_cross_entropy(logits, labels)
    assert np.isfinite(value) and np.all(np.isfinite(grad))
    assert value == pytest.approx(expected_value, rel=1e-12)
    assert value == pytest.approx((2000.0 + np.log1p(np.exp(-1.0)) + np.log(3.0)) / 4, rel=1e-12)
    np.testing.assert_allclose(grad, expected_grad, rtol=1e-12, atol=1e-15)


def test_softmax_cross_entropy_gradient_on_large_logits_matches_finite_differences() -> None:
    rng = np.random.default_rng(2)
    logits = 40.0 * rng.standard_normal((6, 5))  # probabilities close to 0 and 1
    labels = rng.integers(0, 5, 6)
    assert check_loss(SoftmaxCrossEntropy(), logits, labels) <= 1e-6


def test_softmax_cross_entropy_matches_pytorch_on_saturated_logits() -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(3)
    logits = 500.0 * rng.standard_normal((8, 10))
    labels = rng.integers(0, 10, 8)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(logits, labels)
    grad = loss.backward()
    z = torch.tensor(logits, dtype=torch.float64, requires_grad=True)
    reference = torch.nn.functional.cross_entropy(z, torch.tensor(labels))
    reference.backward()
    assert value == pytest.approx(reference.item(), rel=1e-12)
    np.testing.assert_allclose(grad, z.grad.numpy(), rtol=1e-8, atol=1e-12)
