"""Dense layers, NeuralNetwork: parameter order, seeding, dtypes, prediction, save/load, errors."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lincoln import Dense, MeanSquaredError, NeuralNetwork, Sigmoid, SoftmaxCrossEntropy, Tanh
from lincoln.activations import Linear, ReLU
from lincoln.layers import Layer
from lincoln.utils.gradcheck import numerical_gradient, relative_error


def mlp(
    seed: int | None = 1, loss: MeanSquaredError | SoftmaxCrossEntropy | None = None
) -> NeuralNetwork:
    return NeuralNetwork(
        [Dense(4, Tanh()), Dense(4, Tanh()), Dense(3)], loss or SoftmaxCrossEntropy(), seed=seed
    )


def test_params_yield_w_then_b_layer_by_layer() -> None:
    net = mlp()
    net.forward(np.zeros((2, 5)))
    shapes = [p.shape for p in net.params()]
    assert shapes == [(5, 4), (1, 4), (4, 4), (1, 4), (4, 3), (1, 3)]


def test_same_seed_reproduces_other_seed_differs() -> None:
    a, b = mlp(seed=7), mlp(seed=7)
    x = np.random.default_rng(0).standard_normal((2, 4))
    a.forward(x)
    b.forward(x)
    pa, pb = list(a.params()), list(b.params())
    for u, v in zip(pa, pb, strict=True):
        np.testing.assert_array_equal(u, v)
    c = mlp(seed=8)
    c.forward(x)
    assert not np.allclose(next(c.params()), pa[0])


def test_identical_layers_in_one_network_differ() -> None:
    """The book re-seeds every layer with the same seed: identically shaped layers start equal."""
    net = NeuralNetwork([Dense(5), Dense(5), Dense(5)], MeanSquaredError(), seed=3)
    net.forward(np.zeros((1, 5)))
    w = [layer.params[0] for layer in net.layers]
    assert not np.allclose(w[1], w[2])


def test_glorot_scale_uses_square_root() -> None:
    net = NeuralNetwork([Dense(300, weight_init="glorot")], MeanSquaredError(), seed=0)
    net.forward(np.zeros((1, 500)))
    assert np.std(net.layers[0].params[0]) == pytest.approx(np.sqrt(2 / 800), rel=0.02)
    np.testing.assert_array_equal(net.layers[0].params[1], 0.0)
    standard = NeuralNetwork([Dense(300)], MeanSquaredError(), seed=0)
    standard.forward(np.zeros((1, 500)))
    assert np.std(standard.layers[0].params[0]) == pytest.approx(1.0, rel=0.02)


def test_shared_activation_instance_is_copied() -> None:
    act = Sigmoid()
    net = NeuralNetwork([Dense(3, act), Dense(2, act)], MeanSquaredError(), seed=0)
    assert net.layers[0].activation is not net.layers[1].activation
    x = np.random.default_rng(0).standard_normal((4, 3))
    net.train_batch(x, np.zeros((4, 2)))  # would corrupt the first layer's stored output if shared


@pytest.mark.parametrize("activation", [Linear(), Sigmoid(), Tanh(), ReLU()], ids=repr)
def test_network_parameter_gradients_by_finite_differences(activation: object) -> None:
    rng = np.random.default_rng(1)
    net = NeuralNetwork(
        [Dense(5, activation), Dense(3, activation)],
        SoftmaxCrossEntropy(),
        seed=2,  # type: ignore[arg-type]
    )
    x, y = rng.standard_normal((6, 4)), rng.integers(0, 3, 6)
    net.train_batch(x, y)
    analytic = [g.copy() for g in net.param_grads()]

    def loss() -> float:
        return net.loss.forward(net.forward(x), y)

    for param, grad in zip(net.params(), analytic, strict=True):
        assert relative_error(grad, numerical_gradient(loss, param)) <= 1e-6


def test_network_input_gradient() -> None:
    rng = np.random.default_rng(2)
    net = NeuralNetwork([Dense(5, Tanh()), Dense(2)], MeanSquaredError(), seed=2)
    x, y = rng.standard_normal((3, 4)), rng.standard_normal((3, 2))
    net.train_batch(x, y)
    input_grad = net.backward(net.loss.backward())
    numeric = numerical_gradient(lambda: net.loss.forward(net.forward(x), y), x)
    assert relative_error(input_grad, numeric) <= 1e-6


def test_float32_stays_float32() -> None:
    net = NeuralNetwork([Dense(8, Sigmoid(), dropout=0.8), Dense(3)], SoftmaxCrossEntropy(), seed=0)
    x = np.random.default_rng(0).standard_normal((5, 6)).astype(np.float32)
    net.train_batch(x, np.array([0, 1, 2, 0, 1]))
    assert all(p.dtype == np.float32 for p in net.params())
    assert all(g.dtype == np.float32 for g in net.param_grads())
    assert net.forward(x).dtype == np.float32


def test_integer_inputs_compute_in_float64() -> None:
    net = NeuralNetwork([Dense(2)], MeanSquaredError(), seed=0)
    out = net.forward(np.arange(6).reshape(3, 2))
    assert out.dtype == np.float64


def test_predict_in_batches_equals_one_forward() -> None:
    net = NeuralNetwork([Dense(6, Tanh(), dropout=0.5), Dense(2)], MeanSquaredError(), seed=0)
    x = np.random.default_rng(1).standard_normal((100, 3))
    full = net.forward(x, inference=True)
    np.testing.assert_allclose(net.predict(x, batch_size=7), full)
    with pytest.raises(ValueError, match="batch_size"):
        net.predict(x, batch_size=0)


def test_save_load_round_trip(tmp_path: Path) -> None:
    x = np.random.default_rng(2).standard_normal((4, 5))
    a, b = mlp(seed=1), mlp(seed=2)
    a.forward(x)
    b.forward(x)
    path = tmp_path / "model.npz"
    a.save(path)
    b.load(path)
    np.testing.assert_array_equal(a.forward(x, True), b.forward(x, True))
    with np.load(path, allow_pickle=False) as data:
        assert len(data.files) == 6


def test_load_shape_mismatch_is_clear(tmp_path: Path) -> None:
    a = mlp()
    a.forward(np.zeros((1, 5)))
    a.save(tmp_path / "a.npz")
    b = mlp()
    b.forward(np.zeros((1, 6)))
    with pytest.raises(ValueError, match=r"parameter 0 .* shape \(5, 4\).*expects \(6, 4\)"):
        b.load(tmp_path / "a.npz")
    c = NeuralNetwork([Dense(4)], SoftmaxCrossEntropy())
    c.forward(np.zeros((1, 5)))
    with pytest.raises(ValueError, match="holds 6 parameter arrays"):
        c.load(tmp_path / "a.npz")


def test_save_before_setup_says_what_to_do(tmp_path: Path) -> None:
    with pytest.raises(RuntimeError, match="forward pass first"):
        mlp().save(tmp_path / "x.npz")


def test_layer_errors() -> None:
    with pytest.raises(ValueError, match="weight_init"):
        Dense(3, weight_init="xavier")
    with pytest.raises(ValueError, match="keep probability"):
        Dense(3, dropout=0.0)
    with pytest.raises(ValueError, match="positive integer"):
        Dense(0)
    with pytest.raises(ValueError, match="flatten"):
        NeuralNetwork([Dense(3)], MeanSquaredError()).forward(np.zeros((2, 1, 4, 4)))
    with pytest.raises(TypeError, match="Loss"):
        NeuralNetwork([Dense(3)], "mse")  # type: ignore[arg-type]


def test_wrong_feature_count_after_setup_names_shapes() -> None:
    net = NeuralNetwork([Dense(3)], MeanSquaredError())
    net.forward(np.zeros((2, 4)))
    with pytest.raises(ValueError, match=r"\(batch, 4\).*\(2, 5\)"):
        net.forward(np.zeros((2, 5)))


def test_reset_reinitialises_from_seed() -> None:
    net = mlp(seed=4)
    x = np.ones((2, 5))
    first = net.forward(x).copy()
    for p in net.params():
        p += 1.0
    net.reset()
    np.testing.assert_array_equal(net.forward(x), first)


def test_base_layer_must_be_subclassed() -> None:
    layer = Layer(3)
    with pytest.raises(NotImplementedError):
        layer.forward(np.zeros((1, 2)))
