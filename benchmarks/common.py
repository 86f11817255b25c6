"""Shared pieces of the benchmarks: timing, PyTorch thread setup, synthetic data, the report."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from types import ModuleType
from typing import Any

import numpy as np

from lincoln import NeuralNetwork, SGDMomentum, Trainer

TORCH_THREADS = 2


def load_torch() -> ModuleType | None:
    """Import PyTorch limited to ``TORCH_THREADS`` threads, or return None if it is missing."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(TORCH_THREADS)
    return torch


def best_time(work: Callable[[], object], repeat: int = 3) -> float:
    """The fastest of ``repeat`` wall-clock timings of ``work()``, in seconds."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        work()
        times.append(time.perf_counter() - start)
    return min(times)


def mnist_like(n: int, seed: int = 0, image: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """``n`` float32 standardised "images" and integer labels of MNIST's shape, made up here.

    Speed does not depend on what the pixels show, so benchmarks need no download.
    """
    rng = np.random.default_rng(seed)
    X = rng.standard_normal((n, 1, 28, 28) if image else (n, 784), dtype=np.float32)
    y = rng.integers(0, 10, n)
    return X, y


@dataclass
class Timing:
    """One row of a benchmark report."""

    workload: str
    lincoln_s: float
    torch_s: float | None
    target: float

    def line(self) -> str:
        """The row as text: times, ratio lincoln/PyTorch, and whether it meets the target."""
        if self.torch_s is None:
            return f"{self.workload:<48} lincoln {self.lincoln_s:8.3f} s   (PyTorch not installed)"
        ratio = self.lincoln_s / self.torch_s
        verdict = "meets" if ratio <= self.target else "MISSES"
        return (
            f"{self.workload:<48} lincoln {self.lincoln_s:8.3f} s   PyTorch {self.torch_s:8.3f} s"
            f"   ratio {ratio:5.2f}  ({verdict} target <= {self.target})"
        )


def lincoln_momentum_epoch(
    net: NeuralNetwork, X: np.ndarray, y: np.ndarray, batch_size: int
) -> None:
    """One shuffled epoch of lincoln's Trainer with ``SGDMomentum(0.1, momentum=0.9)``.

    Evaluation runs on a single batch, so that the time is the training's.
    """
    Trainer(net, SGDMomentum(0.1, momentum=0.9)).fit(
        X,
        y,
        X[:batch_size],
        y[:batch_size],
        epochs=1,
        eval_every=1,
        batch_size=batch_size,
        verbose=False,
        progress=False,
    )


def torch_momentum_epoch(
    torch: ModuleType, model: Any, X: np.ndarray, y: np.ndarray, batch_size: int
) -> None:
    """One shuffled epoch of ``model`` in PyTorch: cross-entropy, SGD lr 0.1 with momentum 0.9.

    The same work as lincoln's ``Trainer.fit`` with ``SGDMomentum(0.1, momentum=0.9)``.
    """
    optim = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    perm = torch.randperm(X_t.shape[0])
    X_t, y_t = X_t[perm], y_t[perm]
    for start in range(0, X_t.shape[0], batch_size):
        optim.zero_grad()
        loss = loss_fn(model(X_t[start : start + batch_size]), y_t[start : start + batch_size])
        loss.backward()
        optim.step()
