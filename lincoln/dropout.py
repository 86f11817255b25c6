"""Dropout: randomly silence units during training so that no unit can rely on another."""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from lincoln.base import Operation


class Dropout(Operation):
    """Inverted dropout with keep probability ``keep_prob`` (the book's ``dropout`` argument).

    Training: draw a mask ``M`` with ``M_ij = 1/p`` with probability ``p = keep_prob`` and ``0``
    otherwise; forward ``Y = X ⊙ M`` and backward ``∂L/∂X = ∂L/∂Y ⊙ M``. Dividing by ``p`` keeps the
    expected activation unchanged, so inference is the identity ``Y = X`` (the book instead
    scales by ``p`` at inference; the two are equivalent up to a rescaling of the next layer's
    weights).
    """

    def __init__(self, keep_prob: float = 0.8, rng: np.random.Generator | None = None) -> None:
        super().__init__()
        if not 0.0 < keep_prob <= 1.0:
            raise ValueError(
                f"keep_prob is the probability of keeping a unit and must be in (0, 1], "
                f"received {keep_prob}."
            )
        self.keep_prob = keep_prob
        self.rng = rng if rng is not None else np.random.default_rng()

    def _output(self, inference: bool) -> ndarray:
        if inference:
            self.mask = np.ones((), dtype=self.input_.dtype)
            return self.input_
        keep = self.rng.random(self.input_.shape, dtype=np.float32) < self.keep_prob
        self.mask = keep * self.input_.dtype.type(1.0 / self.keep_prob)
        return self.input_ * self.mask

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad * self.mask
