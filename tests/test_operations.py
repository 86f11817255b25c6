"""Every Operation's backward pass checked against finite differences in float64."""

from __future__ import annotations

import numpy as np
import pytest
from numpy import ndarray

from lincoln.activations import LeakyReLU, Linear, ReLU, Sigmoid, Tanh, get_activation
from lincoln.base import Operation
from lincoln.dense import BiasAdd, WeightMultiply
from lincoln.dropout import Dropout
from lincoln.reshape import Flatten
from lincoln.utils.gradcheck import (
    GradientCheckError,
    check_operation,
    numerical_gradient,
    relative_error,
)

TOL = 1e-6


def away_from_zero(rng: np.random.Generator, shape: tuple[int, ...]) -> ndarray:
    """Normal values pushed away from 0, so finite differences never straddle a kink."""
    x = rng.standard_normal(shape)
    return x + np.sign(x) * 0.1


@pytest.mark.parametrize(
    "op", [Linear(), Sigmoid(), Tanh(), ReLU(), LeakyReLU(), LeakyReLU(0.2)], ids=repr
)
def test_activation_gradients(op: Operation) -> None:
    x = away_from_zero(np.random.default_rng(0), (6, 5))
    assert check_operation(op, x).input <= TOL


def test_weight_multiply_gradients() -> None:
    rng = np.random.default_rng(1)
    op = WeightMultiply(rng.standard_normal((5, 3)))
    result = check_operation(op, rng.standard_normal((4, 5)))
    assert result.input <= TOL
    assert result.param is not None and result.param <= TOL


def test_bias_add_gradients() -> None:
    rng = np.random.default_rng(2)
    op = BiasAdd(rng.standard_normal((1, 3)))
    result = check_operation(op, rng.standard_normal((4, 3)))
    assert result.param is not None and result.param <= TOL
    # The bias gradient sums over the batch: it is not the mean and not a scalar.
    op.forward(np.zeros((4, 3)))
    op.backward(np.ones((4, 3)))
    np.testing.assert_array_equal(op.param_grad, np.full((1, 3), 4.0))


def test_flatten_gradient() -> None:
    x = np.random.default_rng(3).standard_normal((2, 3, 4, 5))
    op = Flatten()
    assert op.forward(x).shape == (2, 60)
    assert check_operation(op, x).input <= TOL


class FixedMaskDropout(Dropout):
    """Dropout whose mask is drawn once, so finite differences see one deterministic function."""

    def _output(self, inference: bool) -> ndarray:
        if not hasattr(self, "mask"):
            return super()._output(inference)
        return self.input_ * self.mask


def test_dropout_gradient_with_fixed_mask() -> None:
    x = np.random.default_rng(4).standard_normal((8, 6))
    op = FixedMaskDropout(0.7, np.random.default_rng(0))
    assert check_operation(op, x).input <= TOL
    assert np.any(op.mask == 0) and np.any(op.mask > 0)


def test_dropout_training_and_inference() -> None:
    x = np.ones((2000, 50))
    op = Dropout(0.8, np.random.default_rng(5))
    out = op.forward(x)
    kept = out != 0
    assert abs(kept.mean() - 0.8) < 0.01
    np.testing.assert_allclose(out[kept], 1 / 0.8)  # inverted dropout keeps the expectation
    assert abs(out.mean() - 1.0) < 0.01
    np.testing.assert_array_equal(op.forward(x, inference=True), x)


def test_dropout_rejects_bad_keep_prob() -> None:
    with pytest.raises(ValueError, match="keep"):
        Dropout(0.0)
    with pytest.raises(ValueError, match="keep"):
        Dropout(1.5)


def test_relu_mask_is_input_positive() -> None:
    """The book's ReLU backward mask (output >= 0) is always true; ours blocks negative inputs."""
    op = ReLU()
    op.forward(np.array([[-2.0, -0.5, 0.5, 2.0]]))
    grad = op.backward(np.ones((1, 4)))
    np.testing.assert_array_equal(grad, [[0.0, 0.0, 1.0, 1.0]])


def test_sigmoid_is_stable_for_large_inputs() -> None:
    op = Sigmoid()
    with np.errstate(all="raise"):
        out = op.forward(np.array([[-1000.0, 0.0, 1000.0]]))
    np.testing.assert_allclose(out, [[0.0, 0.5, 1.0]])


def test_activations_keep_float32() -> None:
    x = np.random.default_rng(6).standard_normal((3, 4)).astype(np.float32)
    for op in (Linear(), Sigmoid(), Tanh(), ReLU(), LeakyReLU()):
        out = op.forward(x)
        assert out.dtype == np.float32, type(op).__name__
        assert op.backward(np.ones_like(out)).dtype == np.float32, type(op).__name__


def test_get_activation_by_name_and_unknown_name() -> None:
    assert isinstance(get_activation("tanh"), Tanh)
    assert isinstance(get_activation("ReLU"), ReLU)
    with pytest.raises(ValueError, match="unknown activation 'softplus'"):
        get_activation("softplus")


def test_backward_with_wrong_gradient_shape_names_operation() -> None:
    op = WeightMultiply(np.ones((3, 2)))
    op.forward(np.ones((4, 3)))
    with pytest.raises(ValueError, match=r"WeightMultiply.*\(4, 2\).*\(4, 3\)"):
        op.backward(np.ones((4, 3)))


def test_weight_multiply_rejects_wrong_input_width() -> None:
    op = WeightMultiply(np.ones((3, 2)))
    with pytest.raises(ValueError, match=r"\(batch, 3\).*\(4, 5\)"):
        op.forward(np.ones((4, 5)))


def test_gradcheck_catches_a_wrong_backward() -> None:
    """The checker itself must fail on a wrong gradient, e.g. the book's ReLU mask."""

    class BookReLU(ReLU):
        def _input_grad(self, output_grad: ndarray) -> ndarray:
            return output_grad * (self.output >= 0)

    x = away_from_zero(np.random.default_rng(7), (4, 4))
    with pytest.raises(GradientCheckError, match="BookReLU"):
        check_operation(BookReLU(), x)


def test_numerical_gradient_of_known_function() -> None:
    x = np.array([1.0, -2.0, 3.0])
    grad = numerical_gradient(lambda: float(np.sum(x**3)), x)
    np.testing.assert_allclose(grad, 3 * np.array([1.0, 4.0, 9.0]), rtol=1e-8)
    np.testing.assert_array_equal(x, [1.0, -2.0, 3.0])  # restored
    with pytest.raises(TypeError, match="float64"):
        numerical_gradient(lambda: 0.0, x.astype(np.float32))


def test_relative_error() -> None:
    a = np.array([1.0, 2.0])
    assert relative_error(a, a) == 0.0
    assert relative_error(a, -a) == pytest.approx(1.0)
    with pytest.raises(ValueError):
        relative_error(a, np.ones(3))
