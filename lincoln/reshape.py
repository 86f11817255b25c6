"""Flatten: the bridge from image-shaped activations to a Dense layer."""

from __future__ import annotations

from numpy import ndarray

from lincoln.base import Operation


class Flatten(Operation):
    """``(batch, d1, d2, ...) -> (batch, d1·d2·...)``; backward reshapes the gradient back."""

    def _output(self, inference: bool) -> ndarray:
        return self.input_.reshape(self.input_.shape[0], -1)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad.reshape(self.input_.shape)
