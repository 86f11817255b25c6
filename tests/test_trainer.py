"""Trainer.fit: reproducibility, history, early stopping, errors a learner can act on."""

from __future__ import annotations

import numpy as np
import pytest
from numpy import ndarray

from lincoln import (
    SGD,
    Dense,
    MeanSquaredError,
    NeuralNetwork,
    SGDMomentum,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    Trainer,
)


def blobs(n: int = 300, seed: int = 0) -> tuple[ndarray, ndarray, ndarray, ndarray]:
    """Three Gaussian clusters in 4-D: a small classification problem."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, 3, n)
    centres = rng.standard_normal((3, 4)) * 2.0
    X = centres[labels] + rng.standard_normal((n, 4))
    split = int(0.8 * n)
    return X[:split], labels[:split], X[split:], labels[split:]


def classifier(seed: int = 1) -> NeuralNetwork:
    return NeuralNetwork([Dense(8, Tanh()), Dense(3)], SoftmaxCrossEntropy(), seed=seed)


def fit(net: NeuralNetwork, **kwargs: object) -> tuple[Trainer, object]:
    trainer = Trainer(net, SGDMomentum(0.05))
    options: dict[str, object] = {
        "epochs": 10,
        "eval_every": 2,
        "verbose": False,
        "progress": False,
    }
    options.update(kwargs)
    return trainer, trainer.fit(*blobs(), **options)  # type: ignore[arg-type]


def test_same_seed_same_weights_and_history_other_seed_differs() -> None:
    a, b, c = classifier(1), classifier(1), classifier(2)
    _, history_a = fit(a)
    _, history_b = fit(b)
    _, history_c = fit(c)
    for pa, pb in zip(a.params(), b.params(), strict=True):
        np.testing.assert_array_equal(pa, pb)
    assert history_a == history_b
    assert not np.allclose(next(a.params()), next(c.params()))
    _, history_shuffled = fit(classifier(1), seed=5)
    assert history_shuffled != history_a


def test_history_contents() -> None:
    _, history = fit(classifier(), epochs=7, eval_every=3, early_stopping=False)
    assert history.epochs == [3, 6, 7]  # every eval_every epochs, and the last one
    assert len(history.train_loss) == len(history.val_loss) == 3
    assert len(history.train_accuracy) == len(history.val_accuracy) == 3
    assert history.val_loss[-1] < history.val_loss[0]
    assert history.val_accuracy[-1] > 0.9
    assert all(0.0 <= a <= 1.0 for a in history.train_accuracy)


def test_regression_history_has_no_accuracy() -> None:
    X = np.linspace(-1, 1, 40).reshape(-1, 1)
    y = 3 * X + 1
    net = NeuralNetwork([Dense(1)], MeanSquaredError(), seed=0)
    history = Trainer(net, SGD(0.1)).fit(
        X, y, X, y, epochs=20, eval_every=5, batch_size=8, verbose=False, progress=False
    )
    assert history.train_accuracy == [] and history.val_accuracy == []
    assert history.val_loss[-1] < 1e-3


def test_early_stopping_restores_best_model_in_callers_network() -> None:
    """Overfit a tiny set with a noisy target so the validation loss turns up, then check."""
    rng = np.random.default_rng(3)
    X_train, X_val = rng.standard_normal((20, 5)), rng.standard_normal((200, 5))
    y_train, y_val = rng.integers(0, 3, 20), rng.integers(0, 3, 200)
    net = NeuralNetwork([Dense(64, Tanh()), Dense(3)], SoftmaxCrossEntropy(), seed=0)
    trainer = Trainer(net, SGDMomentum(0.1))
    history = trainer.fit(
        X_train,
        y_train,
        X_val,
        y_val,
        epochs=200,
        eval_every=1,
        batch_size=5,
        verbose=False,
        progress=False,
    )
    assert history.stopped_early
    assert history.best_epoch == history.epochs[-2]  # the evaluation before the one that got worse
    assert history.val_loss[-1] >= history.val_loss[-2]
    assert trainer.net is net  # the caller's object holds the trained (restored) model
    restored_loss = net.loss.forward(net.predict(X_val), y_val)
    assert restored_loss == pytest.approx(history.val_loss[-2])


def test_restart_false_continues_training() -> None:
    net = classifier()
    trainer, first = fit(net, early_stopping=False)
    second = trainer.fit(
        *blobs(), epochs=10, eval_every=2, restart=False, verbose=False, progress=False
    )
    assert second.val_loss[0] < first.val_loss[0]
    third = trainer.fit(*blobs(), epochs=10, eval_every=2, verbose=False, progress=False)
    assert third.val_loss[0] == pytest.approx(first.val_loss[0])  # restart reproduces


def test_verbose_prints_validation_loss(capsys: pytest.CaptureFixture[str]) -> None:
    fit(classifier(), verbose=True)
    out = capsys.readouterr().out
    assert "Validation loss after 2 epochs is" in out


def test_nan_loss_names_epoch_batch_and_suggests_smaller_lr() -> None:
    X = np.random.default_rng(0).standard_normal((64, 3)) * 100
    y = X @ np.ones((3, 1))
    net = NeuralNetwork([Dense(1)], MeanSquaredError(), seed=0)
    with pytest.raises(FloatingPointError, match=r"epoch \d+, batch \d+.*smaller learning rate"):
        Trainer(net, SGD(1.0)).fit(
            X, y, X, y, epochs=50, eval_every=1, early_stopping=False, verbose=False, progress=False
        )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"epochs": 0}, "epochs must be a positive integer"),
        ({"batch_size": -1}, "batch_size must be a positive integer"),
        ({"eval_every": 0}, "eval_every must be a positive integer"),
        ({"epochs": 5, "eval_every": 10}, "eval_every=10 is larger than epochs=5"),
    ],
)
def test_bad_fit_arguments(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        fit(classifier(), **kwargs)


def test_row_count_mismatch_and_nan_inputs() -> None:
    X_train, y_train, X_test, y_test = blobs()
    trainer = Trainer(classifier(), SGD(0.1))
    with pytest.raises(ValueError, match="X_train has 240 rows but y_train has 239"):
        trainer.fit(X_train, y_train[:-1], X_test, y_test, epochs=1, eval_every=1)
    X_bad = X_train.copy()
    X_bad[3, 1] = np.nan
    with pytest.raises(ValueError, match="X_train contains 1 NaN"):
        trainer.fit(X_bad, y_train, X_test, y_test, epochs=1, eval_every=1)


def test_trainer_type_errors() -> None:
    with pytest.raises(TypeError, match="NeuralNetwork"):
        Trainer("net", SGD(0.1))  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="Optimizer"):
        Trainer(classifier(), "sgd")  # type: ignore[arg-type]


def test_learning_rate_decays_over_the_fit() -> None:
    net = classifier()
    optim = SGD(0.2, final_lr=0.05, decay_type="linear")
    Trainer(net, optim).fit(
        *blobs(), epochs=4, eval_every=4, early_stopping=False, verbose=False, progress=False
    )
    assert optim.lr == pytest.approx(0.05)  # the last epoch ran at final_lr


def test_accuracy_is_recorded_for_one_hot_targets_with_mse() -> None:
    """The book's first MNIST model uses MSE on one-hot targets: accuracy still means something."""
    X_train, y_train, X_test, y_test = blobs()
    net = NeuralNetwork([Dense(8, Tanh()), Dense(3, Sigmoid())], MeanSquaredError(), seed=1)
    history = Trainer(net, SGD(0.5)).fit(
        X_train,
        np.eye(3)[y_train],
        X_test,
        np.eye(3)[y_test],
        epochs=10,
        eval_every=5,
        verbose=False,
        progress=False,
    )
    assert len(history.val_accuracy) == 2 and history.val_accuracy[-1] > 0.8
    expected = np.mean(net.predict(X_test).argmax(axis=1) == y_test)
    assert history.val_accuracy[-1] == pytest.approx(expected)
