"""Optimizers: update every parameter of a network from its gradient, with learning-rate decay.

The Trainer gives the optimizer its network (``optim.net``), calls ``setup_decay(epochs)`` at
the start of a fit, ``step()`` after every batch and ``decay_lr()`` after every epoch.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

import numpy as np
from numpy import ndarray

DECAY_TYPES = ("linear", "exponential")


class Parametrised(Protocol):
    """What an optimizer updates: a NeuralNetwork, an RNNModel, anything with these two methods."""

    def params(self) -> Iterator[ndarray]: ...

    def param_grads(self) -> Iterator[ndarray]: ...


class Optimizer:
    """Base class holding the learning rate and its per-epoch decay.

    ``decay_type="linear"`` lowers the rate by the same amount after each epoch and
    ``"exponential"`` multiplies it by the same factor, so that it goes from ``lr`` on the first
    epoch to ``final_lr`` on the last. Subclasses implement ``_update_rule(i, param, grad)`` for
    the ``i``-th parameter, updating ``param`` in place.
    """

    net: Parametrised

    def __init__(
        self, lr: float = 0.01, final_lr: float | None = None, decay_type: str | None = None
    ) -> None:
        if not lr > 0:
            raise ValueError(f"the learning rate must be positive, received lr={lr}.")
        if decay_type is not None and decay_type not in DECAY_TYPES:
            raise ValueError(
                f"unknown decay_type {decay_type!r}: expected one of {DECAY_TYPES} or None."
            )
        if decay_type is not None and final_lr is None:
            raise ValueError(
                f"decay_type={decay_type!r} needs final_lr, the learning rate to reach at the "
                "last epoch, e.g. final_lr=0.05."
            )
        if decay_type is None and final_lr is not None:
            raise ValueError(
                f"final_lr={final_lr} has no effect without decay_type; pass "
                "decay_type='linear' or 'exponential', or drop final_lr."
            )
        if final_lr is not None and not final_lr > 0:
            raise ValueError(f"final_lr must be positive, received {final_lr}.")
        self.initial_lr = lr
        self.lr = lr
        self.final_lr = final_lr
        self.decay_type = decay_type
        self.decay_per_epoch = 0.0
        self.state: list[dict[str, ndarray]] = []

    def setup_decay(self, max_epochs: int) -> None:
        """Reset the learning rate to ``lr`` and compute the per-epoch decay for ``max_epochs``."""
        self.lr = self.initial_lr
        if self.decay_type is None or self.final_lr is None or max_epochs < 2:
            self.decay_per_epoch = 0.0
        elif self.decay_type == "exponential":
            self.decay_per_epoch = float(
                np.power(self.final_lr / self.initial_lr, 1.0 / (max_epochs - 1))
            )
        else:
            self.decay_per_epoch = (self.initial_lr - self.final_lr) / (max_epochs - 1)

    def decay_lr(self) -> None:
        """Apply one epoch's decay to the learning rate."""
        if self.decay_type == "exponential" and self.decay_per_epoch:
            self.lr *= self.decay_per_epoch
        elif self.decay_type == "linear":
            self.lr -= self.decay_per_epoch

    def reset(self) -> None:
        """Forget per-parameter state (velocities, accumulated squares) and the decayed rate."""
        self.lr = self.initial_lr
        self.state = []

    def step(self) -> None:
        """Update every parameter of ``self.net`` from its current gradient."""
        params = list(self.net.params())
        grads = list(self.net.param_grads())
        if not params or len(grads) != len(params):
            raise RuntimeError(
                "the network has no gradients yet: call net.train_batch (or forward, the loss "
                "and backward) before optimizer.step()."
            )
        if len(self.state) != len(params):
            self.state = [{} for _ in params]
        for i, (param, grad) in enumerate(zip(params, grads, strict=True)):
            self._update_rule(i, param, grad)

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent: ``W ← W - lr · ∂L/∂W``."""

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        param -= self.lr * grad


class SGDMomentum(Optimizer):
    """SGD with momentum, as in the book: ``v ← μ v + lr · ∂L/∂W``, then ``W ← W - v``.

    With a constant learning rate this is the same update as PyTorch's ``SGD(momentum=μ)``.
    """

    def __init__(
        self,
        lr: float = 0.01,
        final_lr: float | None = None,
        decay_type: str | None = None,
        momentum: float = 0.9,
    ) -> None:
        super().__init__(lr, final_lr, decay_type)
        if not 0.0 <= momentum < 1.0:
            raise ValueError(f"momentum must be in [0, 1), received {momentum}.")
        self.momentum = momentum

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        state = self.state[i]
        if "velocity" not in state:
            state["velocity"] = np.zeros_like(param)
        velocity = state["velocity"]
        velocity *= self.momentum
        velocity += self.lr * grad
        param -= velocity


class AdaGrad(Optimizer):
    """AdaGrad: ``S ← S + (∂L/∂W)²``, ``W ← W - lr · ∂L/∂W / (√S + eps)``.

    Each parameter gets its own effective learning rate, smaller where gradients have been large.
    """

    def __init__(
        self,
        lr: float = 0.01,
        final_lr: float | None = None,
        decay_type: str | None = None,
        eps: float = 1e-7,
    ) -> None:
        super().__init__(lr, final_lr, decay_type)
        self.eps = eps

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        state = self.state[i]
        if "sum_squares" not in state:
            state["sum_squares"] = np.zeros_like(param)
        sum_squares = state["sum_squares"]
        step = grad * grad
        sum_squares += step
        np.sqrt(sum_squares, out=step)  # reuse one temporary: lr · g / (√S + eps)
        step += self.eps
        np.divide(grad, step, out=step)
        step *= self.lr
        param -= step


class RegularizedSGD(Optimizer):
    """SGD with L2 regularisation (weight decay): ``W ← W - lr · (∂L/∂W + α W)``.

    This is gradient descent on ``L + α/2 · ||W||²`` (PyTorch's ``SGD(weight_decay=α)``).
    """

    def __init__(
        self,
        lr: float = 0.01,
        alpha: float = 0.1,
        final_lr: float | None = None,
        decay_type: str | None = None,
    ) -> None:
        super().__init__(lr, final_lr, decay_type)
        if alpha < 0:
            raise ValueError(f"alpha must be non-negative, received {alpha}.")
        self.alpha = alpha

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        param -= self.lr * (grad + self.alpha * param)


class Adam(Optimizer):
    """Adam: moving averages of the gradient and its square, with bias correction.

    ``m ← β₁ m + (1-β₁) g``, ``v ← β₂ v + (1-β₂) g²``, ``m̂ = m / (1-β₁ᵗ)``, ``v̂ = v / (1-β₂ᵗ)``,
    ``W ← W - lr · m̂ / (√v̂ + eps)`` (the same update as PyTorch's ``Adam``).
    """

    def __init__(
        self,
        lr: float = 0.001,
        final_lr: float | None = None,
        decay_type: str | None = None,
        beta1: float = 0.9,
        beta2: float = 0.999,
        eps: float = 1e-8,
    ) -> None:
        super().__init__(lr, final_lr, decay_type)
        self.beta1 = beta1
        self.beta2 = beta2
        self.eps = eps

    def _update_rule(self, i: int, param: ndarray, grad: ndarray) -> None:
        state = self.state[i]
        if "m" not in state:
            state["m"] = np.zeros_like(param)
            state["v"] = np.zeros_like(param)
            state["t"] = np.zeros((), dtype=np.int64)
        state["t"] += 1
        t = int(state["t"])
        m, v = state["m"], state["v"]
        m *= self.beta1
        m += (1.0 - self.beta1) * grad
        v *= self.beta2
        v += (1.0 - self.beta2) * grad * grad
        m_hat = m / (1.0 - self.beta1**t)
        v_hat = v / (1.0 - self.beta2**t)
        param -= self.lr * m_hat / (np.sqrt(v_hat) + self.eps)
