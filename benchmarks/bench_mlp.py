"""MLP 784-89-10 (sigmoid hidden, softmax cross-entropy), batch 60, SGD momentum, one epoch.

lincoln's Trainer and the same loop in PyTorch CPU (2 threads) do identical work on 60,000 float32
samples in one process: shuffle, then per batch forward, loss, backward and update.
Run: ``python -m benchmarks.bench_mlp [--samples N] [--repeat R]``.
"""

from __future__ import annotations

import argparse
from types import ModuleType
from typing import Any

from benchmarks.common import (
    Timing,
    best_time,
    lincoln_momentum_epoch,
    load_torch,
    mnist_like,
    torch_momentum_epoch,
)
from lincoln import Dense, NeuralNetwork, Sigmoid, SoftmaxCrossEntropy

BATCH_SIZE = 60
TARGET = 1.5


def lincoln_net() -> NeuralNetwork:
    """The MLP in lincoln."""
    return NeuralNetwork([Dense(89, Sigmoid()), Dense(10)], SoftmaxCrossEntropy(), seed=1)


def torch_model(torch: ModuleType) -> Any:
    """The same MLP in PyTorch."""
    torch.manual_seed(1)
    return torch.nn.Sequential(
        torch.nn.Linear(784, 89), torch.nn.Sigmoid(), torch.nn.Linear(89, 10)
    )


def main(argv: list[str] | None = None) -> Timing:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--samples", type=int, default=60_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    X, y = mnist_like(args.samples)
    torch = load_torch()
    lincoln_s = best_time(
        lambda: lincoln_momentum_epoch(lincoln_net(), X, y, BATCH_SIZE), args.repeat
    )
    torch_s = (
        None
        if torch is None
        else best_time(
            lambda: torch_momentum_epoch(torch, torch_model(torch), X, y, BATCH_SIZE), args.repeat
        )
    )
    timing = Timing(f"MLP 784-89-10, batch 60, {args.samples} samples", lincoln_s, torch_s, TARGET)
    print(timing.line())
    return timing


if __name__ == "__main__":
    main()
