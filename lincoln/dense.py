"""The two ParamOperations of a Dense layer: a matrix multiplication and a bias addition."""

from __future__ import annotations

import numpy as np
from numpy import ndarray

from lincoln.base import ParamOperation


class WeightMultiply(ParamOperation):
    """``Y = X W`` with ``X`` of shape ``(batch, in)`` and ``W`` of shape ``(in, out)``.

    Backward: ``∂L/∂X = ∂L/∂Y · Wᵀ`` and ``∂L/∂W = Xᵀ · ∂L/∂Y``.
    """

    def __init__(self, W: ndarray) -> None:
        super().__init__(W)

    def _output(self, inference: bool) -> ndarray:
        if self.input_.ndim != 2 or self.input_.shape[1] != self.param.shape[0]:
            raise ValueError(
                f"WeightMultiply expected an input of shape (batch, {self.param.shape[0]}), "
                f"received {self.input_.shape}; the number of input features must match the "
                "first dimension of W. Check the data, or flatten images before a Dense layer."
            )
        return self.input_ @ self.param

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad @ self.param.T

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return self.input_.T @ output_grad


class BiasAdd(ParamOperation):
    """``Y = X + B`` with ``B`` of shape ``(1, out)`` broadcast over the batch.

    Backward: ``∂L/∂X = ∂L/∂Y`` and ``∂L/∂B = Σ_rows ∂L/∂Y`` (a sum, because ``B`` was broadcast).
    """

    def __init__(self, B: ndarray) -> None:
        if B.ndim != 2 or B.shape[0] != 1:
            raise ValueError(f"BiasAdd expects B of shape (1, neurons), received {B.shape}.")
        super().__init__(B)

    def _output(self, inference: bool) -> ndarray:
        return self.input_ + self.param

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return np.sum(output_grad, axis=0, keepdims=True)
