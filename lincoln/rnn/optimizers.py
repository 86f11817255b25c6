"""Optimizers for RNNModel: SGD and AdaGrad, with the gradients clipped first, as in the book.

Recurrent networks multiply by the same ``W_h`` at every step, so a gradient can grow very large
over a long sequence ("exploding gradients"). Before each update, ``gradient_clipping=True``
clips every gradient element, in place, into ``[-clip_value, clip_value]`` (the book's
``[-2, 2]`` by default; PyTorch's ``clip_grad_value_``). The optimizer updates the parameters
of ``self.model``, which ``RNNTrainer`` sets (``optim.model = model``).

With the model's mean-per-character loss, gradients are ``batch · sequence`` times smaller than
with the book's summed loss: AdaGrad does not notice (its step is scale-free), but SGD needs a
learning rate about that much larger than the book's.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np
from numpy import ndarray

if TYPE_CHECKING:
    from lincoln.rnn.model import RNNModel


class RNNOptimizer:
    """Base class: learning rate, gradient clipping, and the per-parameter state.

    Subclasses implement ``_update_rule(i, param, grad)`` for the ``i``-th parameter of the model,
    updating ``param`` in place.
    """

    model: RNNModel

    def __init__(
        self, lr: float = 0.01, gradient_clipping: bool = True, clip_value: float = 2.0
    ) -> None:
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, received lr={lr}.")
        if not clip_value > 0:
            raise ValueError(f"clip_value must be positive, received {clip_value}.")
        self.lr = lr
        self.gradient_clipping = gradient_clipping
        self.clip_value = clip_value
        self.state: list[dict[str, ndarray]] = []

    def reset(self) -> None:
        """Forget the per-parameter state (AdaGrad's accumulated squares)."""
        self.state = []

    def step(self) -> None:
        """Clip (if enabled) and apply the update to every parameter of ``self.model``."""
        if not hasattr(self, "model"):
            raise RuntimeError(
                f"{type(self).__name__} has no model to update: set optim.model = model, or pass "
                "the optimizer to RNNTrainer, which does it."
            )
        params = list(self.model.params())
        grads = list(self.model.param_grads())
        if len(grads) != len(params) or not params:
            raise RuntimeError(
                "the model has no gradients yet: call model.single_step(x_batch, y_batch) before "
                "optim.step()."
            )
        if len(self.state) != len(params):
            self.state = [{} for _ in params]
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            if self.gradient_clipping:
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)
            self._update_rule(i, param, grad)

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        raise NotImplementedError


class SGD(RNNOptimizer):
    """Stochastic gradient descent: ``W ← W - lr · ∂L/∂W`` (after clipping)."""

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        param -= self.lr * grad


class AdaGrad(RNNOptimizer):
    """AdaGrad: ``S ← S + (∂L/∂W)²``, ``W ← W - lr · ∂L/∂W / (√S + eps)`` (after clipping).

    The same update as ``lincoln.optimizers.AdaGrad`` and PyTorch's ``Adagrad(lr, eps=eps)``:
    each parameter gets its own step size, smaller where the gradients have been large.
    """

    def __init__(
        self,
        lr: float = 0.01,
        gradient_clipping: bool = True,
        clip_value: float = 2.0,
        eps: float = 1e-7,
    ) -> None:
        super().__init__(lr, gradient_clipping, clip_value)
        if not eps > 0:
            raise ValueError(f"eps must be positive, received {eps}.")
        self.eps = eps

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        state = self.state[i]
        if "sum_squares" not in state:
            state["sum_squares"] = np.zeros_like(param)
        sum_squares = state["sum_squares"]
        step = grad * grad
        sum_squares += step
        np.sqrt(sum_squares, out=step)
        step += self.eps
        np.divide(grad, step, out=step)
        step *= self.lr
        param -= step
