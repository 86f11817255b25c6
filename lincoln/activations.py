"""Elementwise activation functions, each an Operation with its forward and backward math.

For an elementwise ``y = f(x)`` the chain rule is ``∂L/∂x = ∂L/∂y * f'(x)`` (elementwise product),
so each class only has to know ``f`` and ``f'``.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from lincoln.base import Operation


class Linear(Operation):
    """The identity, ``y = x``; backward: ``∂L/∂x = ∂L/∂y``."""

    def _output(self, inference: bool) -> ndarray:
        return self.input_

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad


class Sigmoid(Operation):
    """``y = σ(x) = 1 / (1 + e^{-x})``; backward: ``∂L/∂x = ∂L/∂y · y (1 - y)``.

    Computed as ``(1 + tanh(x/2)) / 2``, which is the same function but never overflows.
    """

    def _output(self, inference: bool) -> ndarray:
        out = np.tanh(0.5 * self.input_)
        out += 1.0
        out *= 0.5
        return out

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad * self.output * (1.0 - self.output)


class Tanh(Operation):
    """``y = tanh(x)``; backward: ``∂L/∂x = ∂L/∂y · (1 - y²)``."""

    def _output(self, inference: bool) -> ndarray:
        return np.tanh(self.input_)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad * (1.0 - self.output * self.output)


class ReLU(Operation):
    """``y = max(x, 0)``; backward: ``∂L/∂x = ∂L/∂y · [x > 0]``.

    The mask is ``x > 0`` (the book's ``output >= 0`` is always true, which turns ReLU's backward
    pass into the identity). At ``x = 0`` the derivative is taken to be 0, as in PyTorch.
    """

    def _output(self, inference: bool) -> ndarray:
        return np.maximum(self.input_, 0)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad * (self.input_ > 0)


class LeakyReLU(Operation):
    """``y = x`` for ``x > 0`` and ``y = a·x`` otherwise; backward: ``∂L/∂y`` times 1 or ``a``.

    ``negative_slope`` is ``a`` (0.01 by default, as in PyTorch).
    """

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def _output(self, inference: bool) -> ndarray:
        return np.where(self.input_ > 0, self.input_, self.negative_slope * self.input_)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return np.where(self.input_ > 0, output_grad, self.negative_slope * output_grad)


ACTIVATIONS: dict[str, type[Operation]] = {
    "linear": Linear,
    "sigmoid": Sigmoid,
    "tanh": Tanh,
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
}


def get_activation(activation: Operation | str) -> Operation:
    """Return ``activation`` itself, or a new activation from its name (``"tanh"``...)."""
    if isinstance(activation, Operation):
        return activation
    if isinstance(activation, str) and activation.lower() in ACTIVATIONS:
        return ACTIVATIONS[activation.lower()]()
    raise ValueError(
        f"unknown activation {activation!r}: expected an Operation such as Sigmoid() or one of the "
        f"names {sorted(ACTIVATIONS)}."
    )
