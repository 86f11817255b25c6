"""What every chapter's reproduction shares: the row type, timers, and a quiet ``fit``."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TypeVar

from numpy import ndarray

from lincoln.train import History, TrainerBase

T = TypeVar("T")


@dataclass
class Row:
    """One line of the table: chapter | experiment | book's figure | ours | seconds."""

    chapter: str
    experiment: str
    book: str
    ours: str
    seconds: float


class Stopwatch:
    """``with watch.running(): ...`` adds the block's wall-clock time to ``watch.seconds``."""

    def __init__(self) -> None:
        self.seconds = 0.0

    @contextmanager
    def running(self) -> Iterator[None]:
        start = time.perf_counter()
        try:
            yield
        finally:
            self.seconds += time.perf_counter() - start


def timed(work: Callable[[], T]) -> tuple[T, float]:
    """``work()`` and the seconds it took."""
    watch = Stopwatch()
    with watch.running():
        value = work()
    return value, watch.seconds


def fit_quietly(
    trainer: TrainerBase,
    data: tuple[ndarray, ndarray, ndarray, ndarray],
    *,
    epochs: int,
    batch_size: int,
    seed: int,
    eval_every: int | None = None,
    early_stopping: bool = False,
) -> History:
    """``trainer.fit`` on ``(X_train, y_train, X_test, y_test)`` with nothing printed.

    Evaluates every ``eval_every`` epochs (by default once, after the last epoch).
    """
    X_train, y_train, X_test, y_test = data
    return trainer.fit(
        X_train,
        y_train,
        X_test,
        y_test,
        epochs=epochs,
        eval_every=epochs if eval_every is None else eval_every,
        batch_size=batch_size,
        seed=seed,
        early_stopping=early_stopping,
        verbose=False,
        progress=False,
    )
