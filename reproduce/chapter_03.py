"""Chapter 3: the book's three Boston models built with lincoln, plus XOR and FizzBuzz.

Boston: SGD with learning rate 0.01, 50 epochs, batches of 32, evaluation every 10 epochs, early
stopping, seed 20190501 — the book's protocol — on the split of ``reproduce.chapter_02``.
XOR and FizzBuzz are the small demos the chapter notebook adds (they are not in the book).
"""

from __future__ import annotations

from functools import partial

import numpy as np
from numpy import ndarray

from lincoln import (
    SGD,
    Dense,
    Layer,
    Linear,
    MeanSquaredError,
    NeuralNetwork,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
    Trainer,
)
from reproduce.chapter_02 import boston_split, mae_rmse
from reproduce.common import Row, fit_quietly, timed

SEED = 20190501  # the book's seed for the networks and the training loop

# model name -> (hidden sigmoid layers of 13 units, the book's "MAE / RMSE")
BOSTON_MODELS = {
    "linear regression": (0, "3.52 / 5.01"),
    "Dense(13, sigmoid) + Dense(1)": (1, "2.60 / 4.03"),
    "two Dense(13, sigmoid) + Dense(1)": (2, "2.45 / 3.83"),
}


def boston_mae_rmse(hidden_layers: int, data: tuple[ndarray, ...]) -> tuple[float, float]:
    """Train one of the book's Boston models with its protocol; test MAE and RMSE."""
    X_train, X_test, y_train, y_test = data
    layers: list[Layer] = [Dense(13, Sigmoid()) for _ in range(hidden_layers)]
    net = NeuralNetwork([*layers, Dense(1, Linear())], MeanSquaredError(), seed=SEED)
    fit_quietly(
        Trainer(net, SGD(lr=0.01)),
        (X_train, y_train, X_test, y_test),
        epochs=50,
        eval_every=10,
        batch_size=32,
        seed=SEED,
        early_stopping=True,
    )
    return mae_rmse(net.predict(X_test), y_test)


def xor_correct() -> int:
    """Rows of XOR right after training a 2-2(tanh)-1 network with full-batch SGD."""
    X = np.array([[0, 0], [0, 1], [1, 0], [1, 1]], dtype=float)
    y = np.array([[0], [1], [1], [0]], dtype=float)
    net = NeuralNetwork([Dense(2, Tanh()), Dense(1, Linear())], MeanSquaredError(), seed=0)
    fit_quietly(Trainer(net, SGD(lr=0.1)), (X, y, X, y), epochs=1000, batch_size=4, seed=0)
    return int(np.sum((net.predict(X) > 0.5) == (y == 1)))


def fizz_buzz_data(numbers: range) -> tuple[ndarray, ndarray]:
    """10 binary digits of each number, and its class: 0 number, 1 fizz, 2 buzz, 3 fizzbuzz."""
    n = np.array(numbers)
    X = ((n[:, None] >> np.arange(10)) & 1).astype(float)
    y = np.where(n % 15 == 0, 3, np.where(n % 5 == 0, 2, np.where(n % 3 == 0, 1, 0)))
    return X, y


def fizz_buzz_correct() -> int:
    """Numbers 1-100 classified right by the 10-50(tanh)-4 network trained on 101-1023."""
    X_train, y_train = fizz_buzz_data(range(101, 1024))
    X_test, y_test = fizz_buzz_data(range(1, 101))
    net = NeuralNetwork(
        [Dense(50, Tanh(), weight_init="glorot"), Dense(4, Linear(), weight_init="glorot")],
        SoftmaxCrossEntropy(),
        seed=0,
    )
    fit_quietly(
        Trainer(net, SGD(lr=0.5)),
        (X_train, y_train, X_test, y_test),
        epochs=1000,
        eval_every=50,
        batch_size=32,
        seed=0,
    )
    return int(np.sum(net.predict(X_test).argmax(axis=1) == y_test))


def rows(full_mnist: bool) -> list[Row]:
    data = boston_split()
    result: list[Row] = []
    for name, (hidden_layers, book) in BOSTON_MODELS.items():
        (mae, rmse), seconds = timed(partial(boston_mae_rmse, hidden_layers, data))
        ours = f"{mae:.2f} / {rmse:.2f}"
        result.append(Row("03", f"Boston, {name}: test MAE / RMSE", book, ours, seconds))
    xor, seconds = timed(xor_correct)
    result.append(Row("03", "XOR, one tanh hidden layer of 2 units", "—", f"{xor}/4", seconds))
    fizz_buzz, seconds = timed(fizz_buzz_correct)
    experiment = "FizzBuzz 10-50-4 tanh, SGD 0.5, 1000 epochs: correct on 1-100"
    result.append(Row("03", experiment, "—", f"{fizz_buzz}/100", seconds))
    return result
