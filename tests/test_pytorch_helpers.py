"""lincoln.pytorch: conversions, and the PyTorch trainer running lincoln's exact protocol."""

from __future__ import annotations

import numpy as np
import pytest

from lincoln import SGD, Dense, NeuralNetwork, SoftmaxCrossEntropy, Tanh, Trainer

torch = pytest.importorskip("torch")
from lincoln.pytorch import PyTorchTrainer, to_numpy, to_tensor  # noqa: E402

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
