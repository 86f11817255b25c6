"""lincoln.pytorch: conversions (arrays and whole networks), and the PyTorch trainer running
lincoln's exact protocol."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from lincoln import (
    SGD,
    AvgPool2D,
    Conv2D,
    Dense,
    Layer,
    LeakyReLU,
    MaxPool2D,
    NeuralNetwork,
    ReLU,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    Trainer,
)
from lincoln.base import Operation

torch = pytest.importorskip("torch")
from lincoln.pytorch import (  # noqa: E402
    PyTorchTrainer,
    lincoln_param_grads,
    to_numpy,
    to_tensor,
    to_torch,
)

nn = torch.nn


def data(seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, 200)
    X = rng.standard_normal((3, 4))[labels] * 2 + rng.standard_normal((200, 4))
    return X[:150], labels[:150], X[150:], labels[150:]


def torch_copy(net: NeuralNetwork) -> nn.Module:
    """nn.Sequential with the lincoln network's weights (Linear stores W transposed)."""
    W1, B1, W2, B2 = (torch.tensor(p) for p in net.params())
    model = nn.Sequential(nn.Linear(4, 8), nn.Tanh(), nn.Linear(8, 3)).double()
    with torch.no_grad():
        model[0].weight.copy_(W1.T)
        model[0].bias.copy_(B1[0])
        model[2].weight.copy_(W2.T)
        model[2].bias.copy_(B2[0])
    return model


def test_conversions_keep_values_and_types() -> None:
    a = np.arange(6, dtype=np.float32).reshape(2, 3)
    assert to_tensor(a).dtype == torch.float32
    assert to_tensor(np.array([1, 2])).dtype == torch.int64
    assert to_tensor(a, torch.float64).dtype == torch.float64
    np.testing.assert_array_equal(to_numpy(to_tensor(a)), a)


def test_same_protocol_same_history_as_lincoln() -> None:
    """Same weights, same shuffling, plain SGD: both libraries record the same history."""
    X_train, y_train, X_test, y_test = data()
    net = NeuralNetwork([Dense(8, Tanh()), Dense(3)], SoftmaxCrossEntropy(), seed=1)
    net.forward(X_train[:1])
    model = torch_copy(net)
    options = {"epochs": 6, "eval_every": 2, "batch_size": 16, "seed": 3, "restart": False}
    ours = Trainer(net, SGD(0.1)).fit(
        X_train, y_train, X_test, y_test, verbose=False, progress=False, **options
    )
    trainer = PyTorchTrainer(
        model, torch.optim.SGD(model.parameters(), lr=0.1), nn.CrossEntropyLoss()
    )
    theirs = trainer.fit(X_train, y_train, X_test, y_test, verbose=False, progress=False, **options)
    assert theirs.epochs == ours.epochs
    np.testing.assert_allclose(theirs.train_loss, ours.train_loss, atol=1e-10)
    np.testing.assert_allclose(theirs.val_loss, ours.val_loss, atol=1e-10)
    assert theirs.val_accuracy == ours.val_accuracy
    np.testing.assert_allclose(trainer.predict(X_test), net.predict(X_test), atol=1e-10)


def test_restart_reproduces_and_early_stopping_restores() -> None:
    X_train, y_train, X_test, y_test = data(1)
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(4, 64), nn.Tanh(), nn.Linear(64, 3)).double()
    trainer = PyTorchTrainer(
        model, torch.optim.SGD(model.parameters(), lr=0.5), nn.CrossEntropyLoss()
    )
    noisy = np.random.default_rng(0).integers(0, 3, 150)  # random labels: it must overfit
    first = trainer.fit(
        X_train, noisy, X_test, y_test, epochs=60, eval_every=1, verbose=False, progress=False
    )
    second = trainer.fit(
        X_train, noisy, X_test, y_test, epochs=60, eval_every=1, verbose=False, progress=False
    )
    assert first == second
    assert first.stopped_early and first.best_epoch == first.epochs[-2]
    restored = trainer._evaluate(X_test, y_test, 32)[0]
    assert restored == pytest.approx(first.val_loss[-2])


def test_nan_loss_is_reported_with_epoch_and_batch() -> None:
    X = np.random.default_rng(0).standard_normal((64, 3)) * 1e3
    y = X @ np.ones((3, 1))
    model = nn.Linear(3, 1).double()
    trainer = PyTorchTrainer(model, torch.optim.SGD(model.parameters(), lr=10.0), nn.MSELoss())
    with pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+"):
        trainer.fit(
            X, y, X, y, epochs=20, eval_every=1, early_stopping=False, verbose=False, progress=False
        )


def mlp(keep: float = 1.0) -> NeuralNetwork:
    return NeuralNetwork(
        [
            Dense(8, Sigmoid(), dropout=keep),
            Dense(7, Tanh(), weight_init="glorot"),
            Dense(6, ReLU()),
            Dense(5, LeakyReLU(0.1)),
            Dense(3),
        ],
        SoftmaxCrossEntropy(),
        seed=2,
    )


def cnn(keep: float = 1.0) -> NeuralNetwork:
    """Every convertible convolutional piece: biases or not, odd and even kernels ("same"
    padding is uneven for an even kernel), stride and integer padding, both poolings, flatten,
    dropout with keep probability ``keep``."""
    return NeuralNetwork(
        [
            Conv2D(3, 3, activation=ReLU(), weight_init="glorot"),
            MaxPool2D(2),
            Conv2D(4, 2, activation=Tanh(), dropout=keep),
            Conv2D(2, 3, activation="leaky_relu", padding=1, stride=2, bias=False),
            AvgPool2D(2, stride=1, flatten=True),
            Dense(5, Sigmoid()),
            Dense(3),
        ],
        SoftmaxCrossEntropy(),
        seed=3,
    )


@pytest.mark.parametrize(
    ("build", "shape"), [(mlp, (12, 4)), (cnn, (6, 2, 10, 10))], ids=["mlp", "cnn"]
)
def test_to_torch_computes_the_same_predictions_and_gradients(
    build: Callable[[], NeuralNetwork], shape: tuple[int, ...]
) -> None:
    rng = np.random.default_rng(0)
    X = rng.standard_normal(shape)
    y = rng.integers(0, 3, shape[0])
    net = build()
    net.forward(X[:1])
    for param in net.params():  # the biases start at zero: make them matter
        param += 0.1 * rng.standard_normal(param.shape)
    model = to_torch(net)

    prediction = net.forward(X)  # a training pass (no dropout in these networks)
    loss = net.loss.forward(prediction, y)
    input_grad = net.backward(net.loss.backward())

    x = to_tensor(X).requires_grad_()
    output = model(x)
    torch_loss = nn.CrossEntropyLoss()(output, to_tensor(y))
    torch_loss.backward()

    assert output.dtype == torch.float64
    np.testing.assert_allclose(to_numpy(output), prediction, rtol=0, atol=1e-10)
    assert torch_loss.item() == pytest.approx(loss, abs=1e-10)
    np.testing.assert_allclose(to_numpy(x.grad), input_grad, rtol=0, atol=1e-10)
    ours = list(net.param_grads())
    theirs = lincoln_param_grads(model, net)
    assert len(ours) == len(theirs) == len(list(model.parameters()))
    for mine, torch_grad in zip(ours, theirs, strict=True):
        assert torch_grad.shape == mine.shape
        assert np.abs(mine).max() > 1e-6  # a gradient that is all zeros would prove nothing
        np.testing.assert_allclose(torch_grad, mine, rtol=0, atol=1e-10)


@pytest.mark.parametrize(
    ("build", "shape"), [(mlp, (12, 4)), (cnn, (6, 2, 10, 10))], ids=["mlp", "cnn"]
)
def test_to_torch_with_dropout_predicts_the_same_in_inference_mode(
    build: Callable[[float], NeuralNetwork], shape: tuple[int, ...]
) -> None:
    X = np.random.default_rng(1).standard_normal(shape)
    net = build(0.7)
    net.forward(X[:1])
    model = to_torch(net).eval()  # dropout is the identity in both
    with torch.no_grad():
        np.testing.assert_allclose(to_numpy(model(to_tensor(X))), net.predict(X), atol=1e-12)
    model.train()  # while training, both drop about 30% and scale the rest by 1 / 0.7
    with torch.no_grad():
        first_dropout = next(m for m in model if isinstance(m, nn.Dropout))
        kept = first_dropout(torch.ones(100_000, dtype=torch.float64))
    np.testing.assert_allclose(np.unique(to_numpy(kept)), [0.0, 1 / 0.7])  # lincoln's scaling
    assert (to_numpy(kept) > 0).mean() == pytest.approx(0.7, abs=0.01)


def test_to_torch_maps_each_operation_to_its_module() -> None:
    net = cnn(keep=0.8)
    net.forward(np.zeros((1, 2, 10, 10), dtype=np.float32))
    model = to_torch(net)
    names = [type(module).__name__ for module in model]
    assert names == [
        "Conv2d", "ReLU", "MaxPool2d",
        "ZeroPad2d", "Conv2d", "Tanh", "Dropout",
        "Conv2d", "LeakyReLU",
        "AvgPool2d", "Flatten",
        "Linear", "Sigmoid",
        "Linear",
    ]  # fmt: skip
    assert model[6].p == pytest.approx(0.2)  # keep 0.8 = drop 0.2
    assert model[3].padding == (0, 1, 0, 1)  # a 2x2 "same" kernel pads one zero after
    assert model[7].stride == (2, 2) and model[7].padding == (1, 1) and model[7].bias is None
    assert model[8].negative_slope == pytest.approx(0.01)
    assert next(model.parameters()).dtype == torch.float32  # the network's own dtype...
    assert next(to_torch(net, torch.float64).parameters()).dtype == torch.float64  # ...or asked


def test_to_torch_explains_what_it_cannot_do() -> None:
    with pytest.raises(ValueError, match="first forward pass"):
        to_torch(mlp())
    with pytest.raises(TypeError, match="NeuralNetwork"):
        to_torch(nn.Linear(2, 2))  # type: ignore[arg-type]

    class Square(Operation):
        def _output(self, inference: bool) -> np.ndarray:
            return self.input_**2

    class SquareLayer(Layer):
        def _setup_layer(self, input_: np.ndarray) -> None:
            self.operations = [Square()]

    net = NeuralNetwork([Dense(2), SquareLayer(2)], SoftmaxCrossEntropy())
    net.forward(np.ones((1, 3)))
    with pytest.raises(TypeError, match=r"cannot convert Square \(layer 1 \(SquareLayer\)"):
        to_torch(net)


def test_lincoln_param_grads_needs_the_matching_module_and_a_backward_pass() -> None:
    net = mlp()
    net.forward(np.ones((1, 4)))
    model = to_torch(net)
    with pytest.raises(ValueError, match="loss.backward"):
        lincoln_param_grads(model, net)
    with pytest.raises(ValueError, match="to_torch"):
        lincoln_param_grads(nn.Linear(4, 8).double(), net)
