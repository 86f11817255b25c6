"""The book's CNN, one epoch: lincoln vs PyTorch CPU (2 threads), and vs the loop convolution.

Model (chapter 5): Conv2D(16 filters 5×5, "same" padding, tanh, flatten, glorot init, keep
probability 0.8) + Dense(10), softmax cross-entropy, SGD momentum (lr 0.1, momentum 0.9),
batch 60, one epoch over 60,000 float32 28×28 images (synthetic: speed does not depend on the
pixels). PyTorch runs the same architecture (Conv2d(1, 16, 5, padding=2), tanh, dropout 0.2,
flatten, Linear(12544, 10)) and the same loop in the same process.

Reported: the epoch (Trainer.fit for lincoln, a plain loop for PyTorch, both shuffling), forward
and backward per batch, and the speed-up of ``lincoln.conv.Conv2D_Op`` over the plain-loop
convolution of ``tests/conv_reference.py`` on a few images.
Run from the repository root: ``python -m benchmarks.bench_cnn [--batches N] [--repeat R]``;
``--batches N`` times N batches and extrapolates to the 1,000 batches of an epoch.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.common import (
    Timing,
    best_time,
    lincoln_momentum_epoch,
    load_torch,
    mnist_like,
    torch_momentum_epoch,
)
from lincoln import Conv2D, Dense, NeuralNetwork, SoftmaxCrossEntropy, Tanh
from lincoln.conv import Conv2D_Op
from tests.conv_reference import conv2d_loops, conv2d_loops_backward

BATCH_SIZE = 60
EPOCH_BATCHES = 1000
TARGET = 1.0


def lincoln_net() -> NeuralNetwork:
    """The book's chapter 5 model in lincoln."""
    conv = Conv2D(16, 5, dropout=0.8, weight_init="glorot", activation=Tanh(), flatten=True)
    return NeuralNetwork([conv, Dense(10, weight_init="glorot")], SoftmaxCrossEntropy(), seed=1)


def torch_model(torch: ModuleType) -> Any:
    """The same model in PyTorch."""
    torch.manual_seed(1)
    nn = torch.nn
    return nn.Sequential(
        nn.Conv2d(1, 16, 5, padding=2),
        nn.Tanh(),
        nn.Dropout(0.2),
        nn.Flatten(),
        nn.Linear(16 * 28 * 28, 10),
    )


def median_pass_times(
    forward: Callable[[int], None], backward: Callable[[], None], batches: int
) -> tuple[float, float]:
    """Median seconds of ``forward(start)`` and of the following ``backward()`` over batches."""
    forward_s, backward_s = [], []
    for b in range(batches + 1):
        start = time.perf_counter()
        forward(b * BATCH_SIZE)
        middle = time.perf_counter()
        backward()
        end = time.perf_counter()
        if b:  # the first batch sets lincoln's layers up: not timed
            forward_s.append(middle - start)
            backward_s.append(end - middle)
    return float(np.median(forward_s)), float(np.median(backward_s))


def lincoln_pass_times(X: np.ndarray, y: np.ndarray, batches: int) -> tuple[float, float]:
    """Forward (layers and loss, training mode) and backward seconds per batch in lincoln."""
    net = lincoln_net()

    def forward(start: int) -> None:
        stop = start + BATCH_SIZE
        net.loss.forward(net.forward(X[start:stop]), y[start:stop])

    def backward() -> None:
        net.backward(net.loss.backward())

    return median_pass_times(forward, backward, batches)


def torch_pass_times(
    torch: ModuleType, X: np.ndarray, y: np.ndarray, batches: int
) -> tuple[float, float]:
    """Forward (model and loss, training mode) and backward seconds per batch in PyTorch."""
    model = torch_model(torch)
    loss_fn = torch.nn.CrossEntropyLoss()
    X_t, y_t = torch.from_numpy(X), torch.from_numpy(y)
    losses = []

    def forward(start: int) -> None:
        stop = start + BATCH_SIZE
        model.zero_grad()
        losses.append(loss_fn(model(X_t[start:stop]), y_t[start:stop]))

    def backward() -> None:
        losses.pop().backward()

    return median_pass_times(forward, backward, batches)


def loop_speedup(images: int, repeat: int) -> tuple[float, float, float, float]:
    """Seconds of the loop and the vectorised convolution (forward, backward) on ``images``."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((images, 1, 28, 28), dtype=np.float32)
    W = rng.standard_normal((1, 16, 5, 5), dtype=np.float32)
    op = Conv2D_Op(W)
    grad = rng.standard_normal((images, 16, 28, 28), dtype=np.float32)
    loop_forward = best_time(lambda: conv2d_loops(x, W, (2, 2), (2, 2), 1), 1)
    loop_backward = best_time(lambda: conv2d_loops_backward(x, W, grad, (2, 2), (2, 2), 1), 1)
    fast_forward = best_time(lambda: op.forward(x), repeat * 10)
    fast_backward = best_time(lambda: op.backward(grad), repeat * 10)
    return loop_forward, loop_backward, fast_forward, fast_backward


def per_batch_line(name: str, lincoln_s: float, torch_s: float | None) -> str:
    """A per-batch row in milliseconds, with the ratio lincoln / PyTorch."""
    line = f"{name:<48} lincoln {lincoln_s * 1e3:8.2f} ms"
    if torch_s is not None:
        line += f"   PyTorch {torch_s * 1e3:8.2f} ms   ratio {lincoln_s / torch_s:5.2f}"
    return line


def main(argv: list[str] | None = None) -> Timing:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "--batches",
        type=int,
        default=EPOCH_BATCHES,
        help="batches to time; the epoch time is extrapolated to 1,000 batches (default 1000)",
    )
    parser.add_argument("--repeat", type=int, default=1, help="epochs timed, best kept")
    parser.add_argument("--loop-images", type=int, default=2, help="images for the loop ratio")
    args = parser.parse_args(argv)
    if not 0 < args.batches <= EPOCH_BATCHES:
        parser.error(f"--batches must be between 1 and {EPOCH_BATCHES}, received {args.batches}")
    X, y = mnist_like(EPOCH_BATCHES * BATCH_SIZE, image=True)
    X_part, y_part = X[: args.batches * BATCH_SIZE], y[: args.batches * BATCH_SIZE]
    scale = EPOCH_BATCHES / args.batches
    torch = load_torch()

    lincoln_s = scale * best_time(
        lambda: lincoln_momentum_epoch(lincoln_net(), X_part, y_part, BATCH_SIZE), args.repeat
    )
    torch_s = None
    if torch is not None:
        torch_s = scale * best_time(
            lambda: torch_momentum_epoch(torch, torch_model(torch), X_part, y_part, BATCH_SIZE),
            args.repeat,
        )
    extrapolated = f", x{scale:g} from {args.batches} batches" if scale != 1 else ""
    timing = Timing(f"CNN 16@5x5 + dense 10, 1 epoch{extrapolated}", lincoln_s, torch_s, TARGET)
    print(timing.line())

    pass_batches = min(args.batches, 50)
    lincoln_fwd, lincoln_bwd = lincoln_pass_times(X, y, pass_batches)
    torch_fwd, torch_bwd = (
        (None, None) if torch is None else torch_pass_times(torch, X, y, pass_batches)
    )
    print(per_batch_line("  forward + loss, per batch (median)", lincoln_fwd, torch_fwd))
    print(per_batch_line("  backward, per batch (median)", lincoln_bwd, torch_bwd))

    loop_fwd, loop_bwd, fast_fwd, fast_bwd = loop_speedup(args.loop_images, args.repeat)
    n = args.loop_images
    print(
        f"conv 1->16 5x5 on {n} images: loops forward {loop_fwd:.3f} s, backward {loop_bwd:.3f} s;"
        f" vectorised forward {fast_fwd * 1e3:.3f} ms, backward {fast_bwd * 1e3:.3f} ms"
    )
    print(
        f"  vectorised / loops: forward {fast_fwd / loop_fwd:.2e} ({loop_fwd / fast_fwd:,.0f}x "
        f"faster), backward {fast_bwd / loop_bwd:.2e} ({loop_bwd / fast_bwd:,.0f}x faster); "
        f"the loops would need {(loop_fwd + loop_bwd) / n * 60_000 / 3600:.1f} h per epoch"
    )
    return timing


if __name__ == "__main__":
    main()
