"""Chapter 5: the book's CNN and a deeper CNN with pooling on MNIST, beside the book's 90.3%.

Both models train with the book's optimizer (SGD, learning rate 0.1, momentum 0.9), batches of 60
standardised 28 × 28 images and the book's seed, without early stopping; accuracy is measured on
the test digits.

* The book's model: Conv2D(16 filters 5 × 5, "same" padding, Glorot, tanh, flatten, keep
  probability 0.8) + Dense(10) with the book's N(0, 1) initialisation. The book reports 90.3%
  after one epoch of the full MNIST, trained with convolution gradients that are wrong whenever
  the batch holds more than one image (see ``shared/reference/book_repo.md``).
* A deeper model (not in the book): Conv2D(16, 3 × 3, tanh) → MaxPool2D(2) → Conv2D(32, 3 × 3,
  tanh) → MaxPool2D(2) → Dense(10), Glorot throughout.

``full_mnist=False`` (default): the offline 4,000 / 1,000 ``mnist_sample`` split, each model for
its ``sample_epochs`` (the settings of ``chapters/05_cnn``). ``full_mnist=True``: one epoch of the
full 60,000-image training set (1,000 batches, the book's protocol), tested on 10,000 digits.
The last row converts the book model's training time into seconds per 60,000 images, beside the
book repository's convolution layer as measured on a 2-core machine.

Training runs with one BLAS thread: the matrix products of a batch of 60 are small, and two
threads that wait for each other on a busy 2-core machine cost far more than they gain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from numpy import ndarray
from threadpoolctl import threadpool_limits

from lincoln.activations import Linear, Tanh
from lincoln.datasets import mnist, mnist_sample
from lincoln.layers import Conv2D, Dense, Layer, MaxPool2D
from lincoln.losses import SoftmaxCrossEntropy
from lincoln.metrics import accuracy
from lincoln.network import NeuralNetwork
from lincoln.optimizers import SGDMomentum
from lincoln.train import Trainer
from reproduce.chapter_04 import standardise
from reproduce.common import Row, Stopwatch, fit_quietly

SEED = 20190402  # the book's seed for chapter 5
BATCH_SIZE = 60
FULL_EPOCHS = 1  # the book trains its CNN for one epoch of the full MNIST
BOOK_EPOCH_SECONDS = 360  # the book repository's conv layer: about 6 minutes per 60,000 images


@dataclass(frozen=True)
class Model:
    """One of the chapter's CNNs: its layers, the book's accuracy and the epochs on the sample."""

    experiment: str
    book: str
    layers: Callable[[], list[Layer]]
    sample_epochs: int


def book_cnn() -> list[Layer]:
    """The book's chapter 5 model."""
    return [
        Conv2D(16, 5, dropout=0.8, weight_init="glorot", activation=Tanh(), flatten=True),
        Dense(10, Linear()),
    ]


def pooled_cnn() -> list[Layer]:
    """Two 3 × 3 convolutions, each followed by 2 × 2 max pooling, then Dense(10)."""
    return [
        Conv2D(16, 3, weight_init="glorot", activation=Tanh()),
        MaxPool2D(2),
        Conv2D(32, 3, weight_init="glorot", activation=Tanh()),
        MaxPool2D(2, flatten=True),
        Dense(10, weight_init="glorot"),
    ]


BOOK_MODEL = Model(
    "book's CNN: conv 16@5x5 tanh (keep 0.8) + dense 10", "90.3% (full MNIST, 1 epoch)", book_cnn, 5
)
POOLED_MODEL = Model("conv 16@3x3 > maxpool > conv 32@3x3 > maxpool > dense 10", "—", pooled_cnn, 5)
MODELS = (BOOK_MODEL, POOLED_MODEL)


def mnist_images(full_mnist: bool) -> tuple[ndarray, ndarray, ndarray, ndarray]:
    """Standardised float32 images ``(n, 1, 28, 28)`` and integer labels: train, then test."""
    X_train_raw, y_train, X_test_raw, y_test = mnist() if full_mnist else mnist_sample()
    X_train, X_test = standardise(X_train_raw, X_test_raw)
    return X_train.reshape(-1, 1, 28, 28), y_train, X_test.reshape(-1, 1, 28, 28), y_test


def train(
    model: Model, data: tuple[ndarray, ndarray, ndarray, ndarray], epochs: int
) -> tuple[float, float]:
    """Train ``model`` for ``epochs`` epochs; its test accuracy and the seconds ``fit`` took."""
    X_test, y_test = data[2], data[3]
    net = NeuralNetwork(model.layers(), SoftmaxCrossEntropy(), seed=SEED)
    watch = Stopwatch()
    with threadpool_limits(1), watch.running():
        fit_quietly(
            Trainer(net, SGDMomentum(0.1, momentum=0.9)),
            data,
            epochs=epochs,
            batch_size=BATCH_SIZE,
            seed=SEED,
        )
    with threadpool_limits(1):
        test_accuracy = accuracy(net.predict(X_test), y_test)
    return test_accuracy, watch.seconds


def rows(full_mnist: bool) -> list[Row]:
    """Both CNNs on the sample (or one epoch of the full MNIST), and the book CNN's speed."""
    data = mnist_images(full_mnist)
    n_train, n_test = len(data[1]), len(data[3])
    result = []
    book_seconds_per_image = 0.0
    for model in MODELS:
        epochs = FULL_EPOCHS if full_mnist else model.sample_epochs
        test_accuracy, seconds = train(model, data, epochs)
        where = "full MNIST" if full_mnist else f"sample: {n_train:,} train / {n_test:,} test"
        result.append(
            Row(
                "05",
                model.experiment,
                model.book,
                f"{test_accuracy:.1%} ({where}, {epochs} ep.)",
                seconds,
            )
        )
        if model is BOOK_MODEL:
            book_seconds_per_image = seconds / (epochs * n_train)
    result.append(
        Row(
            "05",
            "book's CNN: training seconds per 60,000 images (one evaluation included)",
            f"≈ {BOOK_EPOCH_SECONDS} s (book repo's conv layer; its loop version ≈ 25 h)",
            f"{book_seconds_per_image * 60_000:.0f} s",
            0.0,
        )
    )
    return result
