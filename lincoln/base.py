"""The two building blocks of every lincoln model: ``Operation`` and ``ParamOperation``.

An Operation is a function ``y = f(x)`` that remembers its input during ``forward`` so that, given
the gradient of the loss with respect to its output, ∂L/∂y, its
``backward`` can return ∂L/∂x by the chain rule. A ParamOperation also
owns a parameter ``W`` and, in ``backward``, fills ∂L/∂W.
"""

from __future__ import annotations

from numpy import ndarray

from lincoln.utils.np_utils import assert_same_shape


class Operation:
    """A differentiable function of one array.

    Subclasses implement ``_output`` (the forward math, reading ``self.input_``) and
    ``_input_grad`` (the backward math: output gradient in, input gradient out).
    """

    input_: ndarray
    output: ndarray
    input_grad: ndarray

    def forward(self, input_: ndarray, inference: bool = False) -> ndarray:
        """Store ``input_`` and return the output of the operation."""
        self.input_ = input_
        self.output = self._output(inference)
        return self.output

    def backward(self, output_grad: ndarray) -> ndarray:
        """Return ∂L/∂x given ∂L/∂y (``output_grad``)."""
        assert_same_shape(self.output, output_grad, f"{type(self).__name__}.backward")
        self.input_grad = self._input_grad(output_grad)
        assert_same_shape(self.input_, self.input_grad, f"{type(self).__name__}._input_grad")
        return self.input_grad

    def _output(self, inference: bool) -> ndarray:
        raise NotImplementedError

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        raise NotImplementedError


class ParamOperation(Operation):
    """An Operation with a parameter array ``param``; ``backward`` also sets ``param_grad``."""

    param_grad: ndarray

    def __init__(self, param: ndarray) -> None:
        super().__init__()
        self.param = param

    def backward(self, output_grad: ndarray) -> ndarray:
        """Return the input gradient and store ∂L/∂W in ``param_grad``."""
        input_grad = super().backward(output_grad)
        self.param_grad = self._param_grad(output_grad)
        assert_same_shape(self.param, self.param_grad, f"{type(self).__name__}._param_grad")
        return input_grad

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        raise NotImplementedError
