"""Layers: ordered lists of Operations that set themselves up on their first forward pass."""

from __future__ import annotations

import copy

import numpy as np
from numpy import ndarray

from lincoln.activations import Linear, get_activation
from lincoln.base import Operation, ParamOperation
from lincoln.conv import (
    AvgPool2D_Op,
    Conv2D_Op,
    ConvBiasAdd,
    MaxPool2D_Op,
    check_images,
    check_positive_int,
    padding_amounts,
)
from lincoln.dense import BiasAdd, WeightMultiply
from lincoln.dropout import Dropout
from lincoln.reshape import Flatten
from lincoln.utils.np_utils import assert_same_shape, float_dtype

WEIGHT_INITS = ("standard", "glorot")
CONV_WEIGHT_INITS = ("normal", "glorot")


class Layer:
    """A sequence of Operations applied one after the other.

    ``forward`` runs the operations in order; ``backward`` runs their backward passes in reverse and
    collects each ParamOperation's gradient into ``param_grads`` (same order as ``params``).
    Subclasses implement ``_setup_layer``, which creates the parameters once the input's shape (and
    dtype) is known. ``rng`` supplies every random number the layer needs; a NeuralNetwork gives
    each of its layers its own generator derived from the network's seed.

    ``neurons`` is the layer's width: units for Dense, output channels for Conv2D. A layer whose
    width is that of its input (pooling) passes ``None`` and sets ``neurons`` in
    ``_setup_layer``.
    """

    neurons: int

    def __init__(self, neurons: int | None) -> None:
        if neurons is not None:
            if not isinstance(neurons, (int, np.integer)) or neurons <= 0:
                raise ValueError(f"neurons must be a positive integer, received {neurons!r}.")
            self.neurons = int(neurons)
        self.first = True
        self.params: list[ndarray] = []
        self.param_grads: list[ndarray] = []
        self.operations: list[Operation] = []
        self.rng = np.random.default_rng()

    def _setup_layer(self, input_: ndarray) -> None:
        raise NotImplementedError

    def forward(self, input_: ndarray, inference: bool = False) -> ndarray:
        """Pass ``input_`` through each operation in turn (setting the layer up the first time)."""
        if self.first:
            self._setup_layer(input_)
            self.first = False
        self.input_ = input_
        for operation in self.operations:
            input_ = operation.forward(input_, inference)
        self.output = input_
        return self.output

    def backward(self, output_grad: ndarray) -> ndarray:
        """Backpropagate ``output_grad`` through the operations; return the input gradient."""
        assert_same_shape(self.output, output_grad, f"{type(self).__name__}.backward")
        for operation in reversed(self.operations):
            output_grad = operation.backward(output_grad)
        self._param_grads()
        return output_grad

    def _param_grads(self) -> None:
        self.param_grads = [
            op.param_grad for op in self.operations if isinstance(op, ParamOperation)
        ]

    def _params(self) -> None:
        self.params = [op.param for op in self.operations if isinstance(op, ParamOperation)]


class Dense(Layer):
    """A fully connected layer: ``activation(X W + B)``, then optional dropout.

    ``W`` has shape ``(in_features, neurons)`` and ``B`` shape ``(1, neurons)``. ``weight_init``
    is ``"standard"`` (``W ~ N(0, 1)``, the book's default) or ``"glorot"``
    (``W ~ N(0, 2 / (in_features + neurons))``, i.e. standard deviation
    ``sqrt(2 / (in_features + neurons))``); biases start at zero. ``dropout`` is the probability
    of *keeping* a unit, as in the book; 1.0 means no dropout. ``activation`` may be an Operation
    (``Sigmoid()``) or its name (``"sigmoid"``); the layer works on its own copy of it.
    """

    def __init__(
        self,
        neurons: int,
        activation: Operation | str = Linear(),  # noqa: B008 (copied in __init__)
        weight_init: str = "standard",
        dropout: float = 1.0,
    ) -> None:
        super().__init__(neurons)
        self.activation = copy.deepcopy(get_activation(activation))
        if weight_init not in WEIGHT_INITS:
            raise ValueError(
                f"unknown weight_init {weight_init!r}: expected one of {WEIGHT_INITS}."
            )
        self.weight_init = weight_init
        if not 0.0 < dropout <= 1.0:
            raise ValueError(
                f"dropout is the keep probability and must be in (0, 1], received {dropout}."
            )
        self.dropout = dropout

    def _setup_layer(self, input_: ndarray) -> None:
        if input_.ndim != 2:
            raise ValueError(
                f"Dense expects a 2-D input (batch, features), received shape {input_.shape}; "
                "flatten images first (Conv2D(..., flatten=True) or a Flatten operation)."
            )
        dtype = float_dtype(input_)
        fan_in = input_.shape[1]
        scale = 1.0 if self.weight_init == "standard" else np.sqrt(2.0 / (fan_in + self.neurons))
        W = (self.rng.standard_normal((fan_in, self.neurons)) * scale).astype(dtype)
        B = np.zeros((1, self.neurons), dtype=dtype)
        self.operations = [WeightMultiply(W), BiasAdd(B), self.activation]
        if self.dropout < 1.0:
            self.operations.append(Dropout(self.dropout, self.rng))
        self._params()


class Conv2D(Layer):
    """A convolutional layer: ``activation(conv(X, W) + B)``, then optional flatten and dropout.

    Inputs are ``(batch, in_channels, height, width)``; ``W`` has shape
    ``(in_channels, out_channels, param_size, param_size)`` and ``B`` shape
    ``(1, out_channels, 1, 1)`` (see ``lincoln.conv``). ``weight_init`` is ``"normal"``
    (``W ~ N(0, 1)``, the book's default) or ``"glorot"``: standard deviation
    ``sqrt(2 / (fan_in + fan_out))`` with ``fan_in = in_channels·k²`` and
    ``fan_out = out_channels·k²``, the number of inputs and outputs each weight is shared by
    (the book's version forgets the square root and ``k²``). The bias starts at zero.
    ``dropout`` is the keep probability; ``flatten=True`` reshapes the output to
    ``(batch, out_channels·out_h·out_w)`` for a following Dense layer (before dropout).

    Beyond the book (keyword-only): ``padding`` (``"same"``, ``"valid"`` or zeros per side),
    ``stride``, and ``bias=False`` to drop ``B``. ``params`` is ``[W, B]`` (or ``[W]``).
    """

    def __init__(
        self,
        out_channels: int,
        param_size: int,
        dropout: float = 1.0,
        weight_init: str = "normal",
        activation: Operation | str = Linear(),  # noqa: B008 (copied in __init__)
        flatten: bool = False,
        *,
        padding: str | int = "same",
        stride: int = 1,
        bias: bool = True,
    ) -> None:
        super().__init__(check_positive_int(out_channels, "out_channels"))
        self.param_size = check_positive_int(param_size, "param_size")
        if not 0.0 < dropout <= 1.0:
            raise ValueError(
                f"dropout is the keep probability and must be in (0, 1], received {dropout}."
            )
        self.dropout = dropout
        if weight_init not in CONV_WEIGHT_INITS:
            raise ValueError(
                f"unknown weight_init {weight_init!r}: expected one of {CONV_WEIGHT_INITS}."
            )
        self.weight_init = weight_init
        self.activation = copy.deepcopy(get_activation(activation))
        self.flatten = flatten
        padding_amounts(self.param_size, padding)
        self.padding = padding
        self.stride = check_positive_int(stride, "stride")
        self.bias = bias

    def _setup_layer(self, input_: ndarray) -> None:
        check_images(input_, "Conv2D")
        dtype = float_dtype(input_)
        in_channels, k = input_.shape[1], self.param_size
        scale = 1.0
        if self.weight_init == "glorot":
            scale = np.sqrt(2.0 / ((in_channels + self.neurons) * k * k))
        W = (self.rng.standard_normal((in_channels, self.neurons, k, k)) * scale).astype(dtype)
        self.operations = [Conv2D_Op(W, self.padding, self.stride)]
        if self.bias:
            self.operations.append(ConvBiasAdd(np.zeros((1, self.neurons, 1, 1), dtype=dtype)))
        self.operations.append(self.activation)
        if self.flatten:
            self.operations.append(Flatten())
        if self.dropout < 1.0:
            self.operations.append(Dropout(self.dropout, self.rng))
        self._params()


class _Pooling(Layer):
    """A layer holding one pooling Operation (and optionally Flatten); it has no parameters.

    Its ``neurons`` is the number of channels of its input, which pooling keeps.
    """

    def __init__(self, pool: Operation, flatten: bool) -> None:
        super().__init__(None)
        self.pool = pool
        self.flatten = flatten

    def _setup_layer(self, input_: ndarray) -> None:
        check_images(input_, type(self).__name__)
        self.neurons = input_.shape[1]
        self.operations = [self.pool, Flatten()] if self.flatten else [self.pool]
        self._params()


class MaxPool2D(_Pooling):
    """Max pooling over ``size × size`` windows every ``stride`` pixels (default: ``size``).

    See ``lincoln.conv.MaxPool2D_Op``; ``flatten=True`` flattens the output for a Dense layer.
    """

    def __init__(self, size: int = 2, stride: int | None = None, flatten: bool = False) -> None:
        super().__init__(MaxPool2D_Op(size, stride), flatten)


class AvgPool2D(_Pooling):
    """Average pooling over ``size × size`` windows every ``stride`` pixels (default: ``size``).

    See ``lincoln.conv.AvgPool2D_Op``; ``flatten=True`` flattens the output for a Dense layer.
    """

    def __init__(self, size: int = 2, stride: int | None = None, flatten: bool = False) -> None:
        super().__init__(AvgPool2D_Op(size, stride), flatten)
