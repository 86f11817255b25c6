"""The row type every chapter's reproduction returns, and a timer to fill its ``seconds``."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass


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
