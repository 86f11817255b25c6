"""Chapter 6: automatic differentiation's known answers, and the character models' final losses.

Autograd: the book's ``(4a + 3)(a + 2)`` at ``a = 3`` (``de/da = 35``), and the reused intermediate
``b = 2a, c = b · b`` (``dc/da = 8a = 24``), where the book's recursive ``NumberWithGrad`` reports
36; both with the book's version (``NaiveNumberWithGrad``) beside ours.

Character models: the settings of the chapter notebook, which shrink the book's (hidden 256,
sequences of 10-25, 1000-2000 iterations) to fit a 2-core machine: Python's ``help()`` topics
(offline), hidden 64, sequences of 25, batches of 32, 1000 iterations of AdaGrad (learning rate
0.05, gradients clipped into [-2, 2]), seed 1. "Final loss" is the mean cross-entropy per
character over the last 100 training iterations. The book shows only loss plots for these models.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from functools import partial
from typing import TypeVar

from threadpoolctl import threadpool_limits

from lincoln.autograd import NaiveNumberWithGrad, NumberWithGrad
from lincoln.datasets import python_help_text
from lincoln.losses import SoftmaxCrossEntropy
from lincoln.rnn import AdaGrad, GRULayer, LSTMLayer, RecurrentLayer, RNNLayer, RNNModel, RNNTrainer
from reproduce.common import Row, timed

SEED = 1
HIDDEN = 64
SEQUENCE_LENGTH = 25
BATCH_SIZE = 32
ITERATIONS = 1000
LEARNING_RATE = 0.05
FINAL = 100  # iterations averaged for the final loss

# Either implementation; mypy checks each function once per class.
N = TypeVar("N", NumberWithGrad, NaiveNumberWithGrad)


def book_example(cls: type[N]) -> float:
    """``de/da`` for ``e = (4a + 3)(a + 2)`` at ``a = 3`` (35), with either implementation."""
    a = cls(3)
    e = (a * 4 + 3) * (a + 2)
    e.backward()
    assert a.grad is not None
    return a.grad


def reused_intermediate(cls: type[N]) -> float:
    """``dc/da`` for ``b = 2a``, ``c = b · b`` at ``a = 3`` (24; the book's version gives 36)."""
    a = cls(3)
    b = a * 2
    c = b * b
    c.backward()
    assert a.grad is not None
    return a.grad


def models(vocab_size: int) -> dict[str, Callable[[], list[RecurrentLayer]]]:
    """The notebook's five models, by name."""
    return {
        "RNN": lambda: [RNNLayer(HIDDEN, vocab_size)],
        "GRU": lambda: [GRULayer(HIDDEN, vocab_size)],
        "LSTM": lambda: [LSTMLayer(HIDDEN, vocab_size)],
        "GRU + LSTM": lambda: [GRULayer(HIDDEN, HIDDEN), LSTMLayer(HIDDEN, vocab_size)],
        "LSTM + LSTM": lambda: [LSTMLayer(HIDDEN, HIDDEN), LSTMLayer(HIDDEN, vocab_size)],
    }


def final_loss(text: str, layers: list[RecurrentLayer], vocab_size: int) -> float:
    """Train one character model with the notebook's settings; its final loss."""
    model = RNNModel(layers, SEQUENCE_LENGTH, vocab_size, SoftmaxCrossEntropy(), seed=SEED)
    trainer = RNNTrainer(
        text, model, AdaGrad(LEARNING_RATE, gradient_clipping=True), BATCH_SIZE, seed=SEED
    )
    # Steps multiply 32 x 64 matrices: one BLAS thread is faster than two fighting over them.
    with threadpool_limits(1):
        losses = trainer.train(ITERATIONS, sample_every=0, verbose=False)
    return sum(losses[-FINAL:]) / FINAL


def rows(full_mnist: bool) -> list[Row]:
    result: list[Row] = []
    (book, ours), seconds = timed(
        lambda: (book_example(NaiveNumberWithGrad), book_example(NumberWithGrad))
    )
    result.append(
        Row(
            "06",
            "autograd: d/da of (4a + 3)(a + 2) at a = 3",
            f"{book:g}",
            f"{ours:g}",
            seconds,
        )
    )
    (book, ours), seconds = timed(
        lambda: (reused_intermediate(NaiveNumberWithGrad), reused_intermediate(NumberWithGrad))
    )
    result.append(
        Row(
            "06",
            "autograd: reused intermediate b = 2a, c = b·b, dc/da at a = 3 (exact: 24)",
            f"{book:g} (recursive backward over-counts)",
            f"{ours:g}",
            seconds,
        )
    )

    text = python_help_text()
    vocab_size = len(set(text))
    for name, build in models(vocab_size).items():
        loss, seconds = timed(partial(final_loss, text, build(), vocab_size))
        result.append(
            Row(
                "06",
                f"{name} character model, hidden {HIDDEN}, {ITERATIONS} iterations: final loss "
                f"(nats/char; log V = {math.log(vocab_size):.2f})",
                "plots only",
                f"{loss:.3f}",
                seconds,
            )
        )
    return result
