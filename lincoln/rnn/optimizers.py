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

from typing import TYPE_CHECKING, cast

import numpy as np

from lincoln import optimizers

if TYPE_CHECKING:
    from lincoln.rnn.model import RNNModel


class RNNOptimizer(optimizers.Optimizer):
    """Base class: a lincoln Optimizer that clips every gradient before its update.

    The update rules are lincoln's own (``lincoln.optimizers``); this class adds the clipping and
    the book's name for what it updates, ``model`` (the same object as ``net``).
    """

    def __init__(
        self, lr: float = 0.01, gradient_clipping: bool = True, clip_value: float = 2.0
    ) -> None:
        super().__init__(lr)
        if not clip_value > 0:
            raise ValueError(f"clip_value must be positive, received {clip_value}.")
        self.gradient_clipping = gradient_clipping
        self.clip_value = clip_value

    @property
    def model(self) -> RNNModel:
        """The RNNModel whose parameters are updated (``RNNTrainer`` sets it)."""
        return cast("RNNModel", self.net)

    @model.setter
    def model(self, model: RNNModel) -> None:
        self.net = model

    def step(self) -> None:
        """Clip (if enabled), then apply the update to every parameter of ``self.model``."""
        if not hasattr(self, "net"):
            raise RuntimeError(
                f"{type(self).__name__} has no model to update: set optim.model = model, or pass "
                "the optimizer to RNNTrainer, which does it."
            )
        if self.gradient_clipping:
            for grad in self.net.param_grads():
                np.clip(grad, -self.clip_value, self.clip_value, out=grad)
        super().step()


class SGD(RNNOptimizer, optimizers.SGD):
    """Stochastic gradient descent, ``W ← W - lr · ∂L/∂W``, after clipping."""


class AdaGrad(RNNOptimizer, optimizers.AdaGrad):
    """AdaGrad, ``S ← S + (∂L/∂W)²``, ``W ← W - lr · ∂L/∂W / (√S + eps)``, after clipping.

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
