"""Chapter 7: the book's PyTorch results, with lincoln trained the same way beside them.

Each experiment is the one of ``chapters/07_pytorch``; the book's figures are its PyTorch results.

* Boston housing: Dense(13, sigmoid) + Dense(1), Glorot, SGD 0.01, batches of 32, 100 epochs
  without early stopping, on the book's 70 / 30 split (scaler fitted on the training rows); test
  MSE. Both libraries train through lincoln's ``fit`` loop (``PyTorchTrainer`` on the PyTorch
  side), each from its own random draw.
* MNIST CNN: the book's chapter 7 network (conv 14@5x5 → conv 7@5x5 → dense 32 → 10, tanh, keep
  probability 0.8), SGD 0.01 with momentum 0.9, batches of 60, one epoch; test accuracy. On the
  4,000 / 1,000 sample unless ``full_mnist`` (then 60,000 / 10,000, the book's protocol).
* LSTM character model: 128 hidden units, windows of 25 characters, batches of 32, AdaGrad 0.1
  with gradients clipped into [-2, 2], 300 iterations on the first 90% of
  ``python_help_text()``; mean cross-entropy per character on the last 10%. Both libraries see
  the same batches and start from the same weights (lincoln's, copied into ``nn.LSTM``).
* Convolutional autoencoder (PyTorch only) with a 28-number code, Adam 0.003, 8 epochs on the
  MNIST sample; test MSE per pixel with pixels scaled to [-1, 1].

Both libraries run on one thread (one BLAS thread for lincoln, as in chapters 5 and 6;
``torch.set_num_threads(1)``): the matrix products of these small batches gain little from a
second thread, and on a busy 2-core machine two threads that wait for each other cost far more
than they gain (PyTorch's Boston fit: 0.4 s on one thread, 10 to 15 s on two at a load average
of 7). Without PyTorch installed the chapter contributes no rows (and says so).
"""

from __future__ import annotations

import importlib.util
import time
from typing import TYPE_CHECKING

import numpy as np
from numpy import ndarray
from sklearn.model_selection import train_test_split
from sklearn.preprocessing import StandardScaler
from threadpoolctl import threadpool_limits

from lincoln.activations import Sigmoid, Tanh
from lincoln.datasets import load_boston, mnist, mnist_sample, python_help_text
from lincoln.layers import Conv2D, Dense
from lincoln.losses import MeanSquaredError, SoftmaxCrossEntropy
from lincoln.network import NeuralNetwork
from lincoln.optimizers import SGD, SGDMomentum
from lincoln.rnn import AdaGrad, LSTMLayer, RNNModel
from lincoln.train import History, Trainer, TrainerBase
from reproduce.common import Row, fit_quietly

if TYPE_CHECKING:
    from torch import nn


BOSTON_SPLIT_SEED = 80718  # the book's random_state
HIDDEN, SEQUENCE_LENGTH, BATCH_SIZE, ITERATIONS, LSTM_LR = 128, 25, 32, 300, 0.1


def glorot(module: nn.Linear | nn.Conv2d) -> nn.Linear | nn.Conv2d:
    """``module`` with lincoln's Glorot initialisation: N(0, 2 / (fan_in + fan_out)), zero bias."""
    from torch import nn

    nn.init.xavier_normal_(module.weight)
    assert module.bias is not None
    nn.init.zeros_(module.bias)
    return module


def boston() -> Row:
    """Test MSE of the Boston network in both libraries."""
    import torch
    from torch import nn

    from lincoln.pytorch import PyTorchTrainer

    start = time.perf_counter()
    data = load_boston()
    X_train, X_test, y_train, y_test = train_test_split(
        data.data, data.target.reshape(-1, 1), test_size=0.3, random_state=BOSTON_SPLIT_SEED
    )
    scaler = StandardScaler().fit(X_train)
    X_train, X_test = (scaler.transform(X).astype(np.float32) for X in (X_train, X_test))
    y_train, y_test = y_train.astype(np.float32), y_test.astype(np.float32)

    def fit(trainer: TrainerBase) -> History:
        data = (X_train, y_train, X_test, y_test)
        return fit_quietly(trainer, data, epochs=100, eval_every=10, batch_size=32, seed=1)

    net = NeuralNetwork(
        [Dense(13, Sigmoid(), weight_init="glorot"), Dense(1, weight_init="glorot")],
        MeanSquaredError(),
        seed=20190501,
    )
    ours = fit(Trainer(net, SGD(0.01)))

    torch.manual_seed(1)
    model = nn.Sequential(glorot(nn.Linear(13, 13)), nn.Sigmoid(), glorot(nn.Linear(13, 1)))
    theirs = fit(PyTorchTrainer(model, torch.optim.SGD(model.parameters(), lr=0.01), nn.MSELoss()))
    return Row(
        "07",
        "PyTorch: Boston Dense(13, sigmoid) + Dense(1), test MSE",
        "14.4",
        f"PyTorch {theirs.val_loss[-1]:.1f}, lincoln {ours.val_loss[-1]:.1f} (same protocol)",
        time.perf_counter() - start,
    )


def cnn(full_mnist: bool) -> Row:
    """Test accuracy of the book's chapter 7 CNN after one epoch, in both libraries."""
    import torch
    from torch import nn

    from lincoln.pytorch import PyTorchTrainer

    start = time.perf_counter()
    X_train, y_train, X_test, y_test = mnist() if full_mnist else mnist_sample()
    mean, std = X_train.mean(), X_train.std()

    def images(X: ndarray) -> ndarray:
        return ((X.astype(np.float32) - mean) / std).reshape(-1, 1, 28, 28)

    images_train, images_test = images(X_train), images(X_test)

    def fit(trainer: TrainerBase) -> History:
        data = (images_train, y_train, images_test, y_test)
        return fit_quietly(trainer, data, epochs=1, batch_size=60, seed=1)

    net = NeuralNetwork(
        [
            Conv2D(14, 5, dropout=0.8, weight_init="glorot", activation=Tanh()),
            Conv2D(7, 5, dropout=0.8, weight_init="glorot", activation=Tanh(), flatten=True),
            Dense(32, Tanh(), weight_init="glorot", dropout=0.8),
            Dense(10, weight_init="glorot"),
        ],
        SoftmaxCrossEntropy(),
        seed=20190402,
    )
    ours = fit(Trainer(net, SGDMomentum(0.01, momentum=0.9)))

    torch.manual_seed(2)
    model = nn.Sequential(
        glorot(nn.Conv2d(1, 14, 5, padding=2)), nn.Tanh(), nn.Dropout(0.2),
        glorot(nn.Conv2d(14, 7, 5, padding=2)), nn.Tanh(), nn.Flatten(), nn.Dropout(0.2),
        glorot(nn.Linear(7 * 28 * 28, 32)), nn.Tanh(), nn.Dropout(0.2),
        glorot(nn.Linear(32, 10)),
    )  # fmt: skip
    torch_optim = torch.optim.SGD(model.parameters(), lr=0.01, momentum=0.9)
    theirs = fit(PyTorchTrainer(model, torch_optim, nn.CrossEntropyLoss()))
    data = "full MNIST" if full_mnist else "4,000-digit sample"
    return Row(
        "07",
        "PyTorch: MNIST CNN conv 14, conv 7, dense 32, 10; accuracy after 1 epoch",
        "~97% (full MNIST)",
        f"PyTorch {theirs.val_accuracy[-1]:.1%}, lincoln {ours.val_accuracy[-1]:.1%} ({data})",
        time.perf_counter() - start,
    )


def lstm() -> Row:
    """Validation loss of the LSTM character model, lincoln's LSTMLayer and ``nn.LSTM``."""
    import torch
    from torch import nn

    from lincoln.pytorch import to_tensor

    start = time.perf_counter()
    text = python_help_text()
    chars = sorted(set(text))
    vocab = len(chars)
    index = {char: i for i, char in enumerate(chars)}
    codes = np.array([index[char] for char in text])
    split = int(0.9 * len(codes))
    train_codes, val_codes = codes[:split], codes[split:]
    one_hot = np.eye(vocab, dtype=np.float32)
    starts = np.random.default_rng(7).integers(
        0, len(train_codes) - SEQUENCE_LENGTH, (ITERATIONS, BATCH_SIZE)
    )
    windows = train_codes[starts[..., np.newaxis] + np.arange(SEQUENCE_LENGTH + 1)]
    n_val = (len(val_codes) - 1) // SEQUENCE_LENGTH
    val_inputs = one_hot[val_codes[: n_val * SEQUENCE_LENGTH].reshape(n_val, SEQUENCE_LENGTH)]
    val_targets = val_codes[1 : n_val * SEQUENCE_LENGTH + 1].reshape(n_val, SEQUENCE_LENGTH)

    model = RNNModel([LSTMLayer(HIDDEN, vocab)], SEQUENCE_LENGTH, vocab, SoftmaxCrossEntropy(), 6)
    model.forward(one_hot[windows[0, :, :-1]])  # creates the weights
    layer = model.layers[0]
    lstm = nn.LSTM(vocab, HIDDEN, batch_first=True)
    out = nn.Linear(HIDDEN, vocab)
    with torch.no_grad():  # the same starting point: lincoln's weights in nn.LSTM's layout
        lstm.get_parameter("weight_ih_l0").copy_(to_tensor(layer.W_x.T))
        lstm.get_parameter("weight_hh_l0").copy_(to_tensor(layer.W_h.T))
        lstm.get_parameter("bias_ih_l0").copy_(to_tensor(layer.B_x[0]))
        lstm.get_parameter("bias_hh_l0").zero_()
        out.weight.copy_(to_tensor(layer.W_v.T))
        out.bias.copy_(to_tensor(layer.B_v[0]))

    optim = AdaGrad(LSTM_LR, clip_value=2.0, eps=1e-7)
    optim.model = model
    parameters = [*lstm.parameters(), *out.parameters()]
    torch_optim = torch.optim.Adagrad(parameters, lr=LSTM_LR, eps=1e-7)
    cross_entropy = nn.CrossEntropyLoss()

    def scores(x: ndarray) -> torch.Tensor:
        return out(lstm(to_tensor(x))[0]).reshape(-1, vocab)

    for window in windows:
        model.single_step(one_hot[window[:, :-1]], window[:, 1:])
        optim.step()
        torch_optim.zero_grad()
        cross_entropy(
            scores(one_hot[window[:, :-1]]), to_tensor(window[:, 1:].reshape(-1))
        ).backward()
        nn.utils.clip_grad_value_(parameters, 2.0)
        torch_optim.step()

    ours = model.loss_forward(model.forward(val_inputs), val_targets)
    with torch.no_grad():
        theirs = cross_entropy(scores(val_inputs), to_tensor(val_targets.reshape(-1))).item()
    return Row(
        "07",
        f"PyTorch: LSTM({HIDDEN}) character model, validation loss after {ITERATIONS} iterations",
        "2.33",
        f"PyTorch {theirs:.2f}, lincoln {ours:.2f} (Python help text)",
        time.perf_counter() - start,
    )


def autoencoder() -> Row:
    """Test reconstruction loss of the convolutional autoencoder with a 28-number code."""
    import torch
    from torch import nn

    from lincoln.pytorch import PyTorchTrainer

    start = time.perf_counter()
    X_train, _, X_test, _ = mnist_sample()

    def unit_range(X: ndarray) -> ndarray:
        return (X.astype(np.float32) / 255 * 2 - 1).reshape(-1, 1, 28, 28)

    train, test = unit_range(X_train), unit_range(X_test)
    torch.manual_seed(4)
    model = nn.Sequential(
        nn.Conv2d(1, 16, 3, stride=2, padding=1), nn.Tanh(),
        nn.Conv2d(16, 32, 3, stride=2, padding=1), nn.Tanh(),
        nn.Flatten(), nn.Linear(32 * 7 * 7, 28), nn.Tanh(),
        nn.Linear(28, 32 * 7 * 7), nn.Tanh(), nn.Unflatten(1, (32, 7, 7)),
        nn.ConvTranspose2d(32, 16, 3, stride=2, padding=1, output_padding=1), nn.Tanh(),
        nn.ConvTranspose2d(16, 1, 3, stride=2, padding=1, output_padding=1), nn.Tanh(),
    )  # fmt: skip
    trainer = PyTorchTrainer(model, torch.optim.Adam(model.parameters(), lr=0.003), nn.MSELoss())
    history = trainer.fit(
        train, train, test, test, epochs=8, eval_every=1, batch_size=60, seed=1,
        early_stopping=False, verbose=False, progress=False,
    )  # fmt: skip
    return Row(
        "07",
        "PyTorch: conv autoencoder, 28-number code, test reconstruction loss",
        "0.069 (its own scaling)",
        f"{history.val_loss[-1]:.3f} (MSE per pixel, pixels in [-1, 1]; MNIST sample)",
        time.perf_counter() - start,
    )


def rows(full_mnist: bool) -> list[Row]:
    if importlib.util.find_spec("torch") is None:
        print("chapter 07 skipped: PyTorch is not installed (pip install torch==2.13.0).")
        return []
    import torch

    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        with threadpool_limits(1):
            return [boston(), cnn(full_mnist), lstm(), autoencoder()]
    finally:
        torch.set_num_threads(threads)
