"""Layers: ordered lists of Operations that set themselves up on their first forward pass."""

from __future__ import annotations

import copy

import numpy as np
from numpy import ndarray

from lincoln.activations import Linear, get_activation
from lincoln.base import Operation, ParamOperation
from lincoln.dense import BiasAdd, WeightMultiply
from lincoln.dropout import Dropout
from lincoln.utils.np_utils import assert_same_shape, float_dtype

WEIGHT_INITS = ("standard", "glorot")


class Layer:
    """A sequence of Operations applied one after the other.

    ``forward`` runs the operations in order; ``backward`` runs their backward passes in reverse and
    collects each ParamOperation's gradient into ``param_grads`` (same order as ``params``).
    Subclasses implement ``_setup_layer``, which creates the parameters once the input's shape (and
    dtype) is known. ``rng`` supplies every random number the layer needs; a NeuralNetwork gives
    each of its layers its own generator derived from the network's seed.
    """

    def __init__(self, neurons: int) -> None:
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
