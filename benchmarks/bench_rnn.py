"""Character model: one training iteration of an RNN, GRU and LSTM layer, lincoln vs PyTorch CPU.

The model of chapter 6: one-hot characters (vocab 62) → recurrent layer (hidden 256) → linear
projection to 62 scores, sequence 25, batch 32, float32, softmax cross-entropy averaged over the
characters, AdaGrad (lr 0.01) with the gradients clipped elementwise to [-2, 2]. One iteration is
forward, loss, backward and the optimizer step; both libraries do it on the same data in this
process, PyTorch with 2 threads.

Run with ``python -m benchmarks.bench_rnn``.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from types import ModuleType
from typing import Any

import numpy as np

from benchmarks.common import Timing, best_time, load_torch
from lincoln.losses import SoftmaxCrossEntropy
from lincoln.rnn import AdaGrad, GRULayer, LSTMLayer, RecurrentLayer, RNNLayer, RNNModel

VOCAB, HIDDEN, SEQUENCE, BATCH = 62, 256, 25, 32
LR, CLIP = 0.01, 2.0
ITERATIONS = 20
REPEAT = 5
TARGET = 2.0
LAYERS: dict[str, type[RecurrentLayer]] = {"RNN": RNNLayer, "GRU": GRULayer, "LSTM": LSTMLayer}


def char_batch(seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A batch of random one-hot float32 characters ``(B, T, V)`` and next-character indices."""
    rng = np.random.default_rng(seed)
    inputs = rng.integers(0, VOCAB, (BATCH, SEQUENCE))
    targets = rng.integers(0, VOCAB, (BATCH, SEQUENCE))
    return np.eye(VOCAB, dtype=np.float32)[inputs], targets


def lincoln_iterations(kind: str, x: np.ndarray, y: np.ndarray) -> Callable[[], object]:
    """``ITERATIONS`` training iterations of the lincoln character model (after a warm-up)."""
    model = RNNModel([LAYERS[kind](HIDDEN, VOCAB)], SEQUENCE, VOCAB, SoftmaxCrossEntropy(), seed=0)
    optim = AdaGrad(lr=LR, gradient_clipping=True, clip_value=CLIP)
    optim.model = model

    def work() -> None:
        for _ in range(ITERATIONS):
            model.single_step(x, y)
            optim.step()

    work()
    return work


def torch_iterations(
    torch: ModuleType, kind: str, x: np.ndarray, y: np.ndarray
) -> Callable[[], object]:
    """The same iterations with ``nn.RNN``/``nn.GRU``/``nn.LSTM`` + ``nn.Linear`` in PyTorch."""
    nn = torch.nn
    recurrent = {"RNN": nn.RNN, "GRU": nn.GRU, "LSTM": nn.LSTM}[kind](
        VOCAB, HIDDEN, batch_first=True
    )
    linear = nn.Linear(HIDDEN, VOCAB)
    params = [*recurrent.parameters(), *linear.parameters()]
    optim = torch.optim.Adagrad(params, lr=LR, eps=1e-7)
    loss_fn = nn.CrossEntropyLoss()
    x_t, y_t = torch.from_numpy(x), torch.from_numpy(y).reshape(-1)

    def work() -> None:
        for _ in range(ITERATIONS):
            optim.zero_grad()
            scores: Any = linear(recurrent(x_t)[0])
            loss = loss_fn(scores.reshape(-1, VOCAB), y_t)
            loss.backward()
            nn.utils.clip_grad_value_(params, CLIP)
            optim.step()

    work()
    return work


def interleaved_best(works: list[Callable[[], object]], repeat: int) -> list[float]:
    """The best of ``repeat`` timings of each ``work``, taken in turn so both see the same load."""
    best = [math.inf] * len(works)
    for _ in range(repeat):
        for i, work in enumerate(works):
            best[i] = min(best[i], best_time(work, repeat=1))
    return best


def main() -> None:
    """Time each model in both libraries and print the ratios."""
    torch = load_torch()
    x, y = char_batch()
    print(
        f"char model: vocab {VOCAB}, hidden {HIDDEN}, sequence {SEQUENCE}, batch {BATCH}, float32, "
        f"AdaGrad + clipping; best of {REPEAT} runs of {ITERATIONS} iterations, taken in turn"
    )
    for kind in LAYERS:
        works = [lincoln_iterations(kind, x, y)]
        if torch is not None:
            works.append(torch_iterations(torch, kind, x, y))
        times = interleaved_best(works, REPEAT)
        lincoln_s, torch_s = times[0], (times[1] if torch is not None else None)
        timing = Timing(f"{kind} char model, {ITERATIONS} iterations", lincoln_s, torch_s, TARGET)
        print(timing.line())
        per_step = f"lincoln {1e3 * lincoln_s / ITERATIONS:.1f} ms"
        if torch_s is not None:
            per_step += f", PyTorch {1e3 * torch_s / ITERATIONS:.1f} ms"
        print(f"{'':<48} per iteration: {per_step}")


if __name__ == "__main__":
    main()
