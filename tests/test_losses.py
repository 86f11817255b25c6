"""Losses: values against direct formulas, gradients against finite differences, label handling."""

from __future__ import annotations

import numpy as np
import pytest

from lincoln.losses import MeanSquaredError, SoftmaxCrossEntropy, to_one_hot
from lincoln.utils.gradcheck import check_loss

TOL = 1e-6


def test_mse_value_and_gradient() -> None:
    rng = np.random.default_rng(0)
    p, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    assert MeanSquaredError().forward(p, y) == pytest.approx(np.sum((p - y) ** 2) / 5)
    assert check_loss(MeanSquaredError(), p, y) <= TOL


def test_mse_normalize_gradient_goes_through_normalisation() -> None:
    """The book's normalised MSE ignores the normalisation in its gradient; ours does not."""
    rng = np.random.default_rng(1)
    p = rng.uniform(0.1, 1.0, (4, 3))
    y = np.eye(3)[[0, 1, 2, 0]]
    loss = MeanSquaredError(normalize=True)
    q = p / p.sum(axis=1, keepdims=True)
    assert loss.forward(p, y) == pytest.approx(np.sum((q - y) ** 2) / 4)
    assert check_loss(loss, p, y) <= TOL


def test_softmax_cross_entropy_known_answer() -> None:
    """Known answer: logits [0.5, 1, 1.5], label 1 give 1.1802, gradient [.1863, -.6928, .5064]."""
    loss = SoftmaxCrossEntropy()
    value = loss.forward(np.array([[0.5, 1.0, 1.5]]), np.array([1]))
    assert value == pytest.approx(1.1802, abs=1e-4)
    np.testing.assert_allclose(loss.backward(), [[0.1863, -0.6928, 0.5064]], atol=1e-4)


def test_softmax_cross_entropy_is_categorical_cross_entropy() -> None:
    """The reported value is -mean log p(true class), the function whose gradient is returned."""
    rng = np.random.default_rng(2)
    z, labels = rng.standard_normal((6, 4)), rng.integers(0, 4, 6)
    p = np.exp(z) / np.exp(z).sum(axis=1, keepdims=True)
    expected = -np.mean(np.log(p[np.arange(6), labels]))
    assert SoftmaxCrossEntropy().forward(z, labels) == pytest.approx(expected, rel=1e-12)
    assert check_loss(SoftmaxCrossEntropy(), z, labels) <= TOL
    assert check_loss(SoftmaxCrossEntropy(), z, np.eye(4)[labels]) <= TOL


def test_softmax_cross_entropy_stable_on_huge_logits() -> None:
    loss = SoftmaxCrossEntropy()
    with np.errstate(over="raise", invalid="raise", divide="raise"):
        value = loss.forward(
            np.array([[1000.0, 0.0, -1000.0], [0.0, 1000.0, 0.0]]), np.array([0, 0])
        )
        grad = loss.backward()
    assert value == pytest.approx(1000.0 / 2)  # first row is right (loss 0), second costs 1000
    np.testing.assert_allclose(grad, [[0, 0, 0], [-0.5, 0.5, 0]], atol=1e-12)


def test_integer_and_one_hot_labels_agree() -> None:
    rng = np.random.default_rng(3)
    z, labels = rng.standard_normal((5, 3)), rng.integers(0, 3, 5)
    a, b = SoftmaxCrossEntropy(), SoftmaxCrossEntropy()
    assert a.forward(z, labels) == b.forward(z, np.eye(3)[labels])
    np.testing.assert_array_equal(a.backward(), b.backward())
    assert a.forward(z, labels.reshape(-1, 1)) == b.forward(z, np.eye(3)[labels])


@pytest.mark.parametrize(
    ("target", "message"),
    [
        (np.array([[1.0, 1.0, 0.0], [0.0, 1.0, 0.0]]), "one-hot"),
        (np.array([[0.5, 0.5, 0.0], [0.0, 1.0, 0.0]]), "one-hot"),
        (np.array([0, 3]), r"0\.\.2"),
        (np.array([0, -1]), r"0\.\.2"),
        (np.array([0.5, 1.0]), "whole numbers"),
        (np.array([0, 1, 2]), "expected 2 labels"),
        (np.zeros((2, 3, 1)), "one-hot"),
    ],
)
def test_bad_labels_raise_clear_errors(target: np.ndarray, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SoftmaxCrossEntropy().forward(np.zeros((2, 3)), target)


def test_single_output_is_rejected_with_advice() -> None:
    with pytest.raises(ValueError, match="MeanSquaredError"):
        SoftmaxCrossEntropy().forward(np.zeros((2, 1)), np.array([0, 0]))


def test_shape_mismatch_names_both_shapes() -> None:
    with pytest.raises(ValueError, match=r"\(3, 1\).*\(3,\)"):
        MeanSquaredError().forward(np.zeros((3, 1)), np.zeros(3))


def test_nan_prediction_raises_floating_point_error() -> None:
    with pytest.raises(FloatingPointError, match="learning rate"):
        MeanSquaredError().forward(np.array([[np.nan]]), np.array([[1.0]]))


def test_nan_target_raises() -> None:
    with pytest.raises(ValueError, match="NaN"):
        MeanSquaredError().forward(np.array([[1.0]]), np.array([[np.inf]]))


def test_loss_gradient_keeps_float32() -> None:
    z = np.random.default_rng(4).standard_normal((4, 3)).astype(np.float32)
    loss = SoftmaxCrossEntropy()
    loss.forward(z, np.array([0, 1, 2, 0]))
    assert loss.backward().dtype == np.float32
    mse = MeanSquaredError()
    mse.forward(z, np.zeros((4, 3)))  # float64 target must not upcast the gradient
    assert mse.backward().dtype == np.float32


def test_to_one_hot() -> None:
    np.testing.assert_array_equal(to_one_hot(np.array([2, 0]), 3, 2), [[0, 0, 1], [1, 0, 0]])
