"""A tiny neural network built from ``NumberWithGrad`` scalars: neurons, layers, an MLP.

The same ideas lincoln's ``Dense`` layer implements with arrays, one number at a time. A neuron
with weights ``w_1 … w_n`` and bias ``b`` computes

    y = f(Σ_i w_i x_i + b)

with an activation ``f`` (``"tanh"``, ``"sigmoid"``, ``"relu"`` or ``"linear"``). A ``Layer`` of
``neurons`` such neurons reading the same inputs is ``Dense(neurons)``: its weights, laid out as a
matrix ``W[i, j] = w_i`` of neuron ``j``, are the ``(in_features, neurons)`` matrix of
``WeightMultiply``, and its biases are ``BiasAdd``'s ``B``. An ``MLP`` chains layers.

No backward pass is written here: the loss is a ``NumberWithGrad`` built from the parameters,
and ``loss.backward()`` fills every parameter's ``grad``. A training step is therefore::

    model.zero_grad()                          # gradients accumulate: clear them first
    loss = sum((y_hat[0] - y) ** 2 for y_hat, y in zip(map(model, xs), ys))
    loss.backward()
    for p in model.parameters():
        p.num -= learning_rate * p.grad

Weights start uniform in ``[-1, 1]`` and biases at 0, drawn from ``seed`` (an int, or a
``np.random.Generator`` to share one stream of random numbers).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from typing import Literal, get_args

import numpy as np

from lincoln.autograd import NumberWithGrad

Activation = Literal["tanh", "sigmoid", "relu", "linear"]
ACTIVATIONS: tuple[str, ...] = get_args(Activation)


class Module(ABC):
    """Anything with parameters: ``parameters()`` lists them, ``zero_grad()`` clears their grads."""

    @abstractmethod
    def parameters(self) -> list[NumberWithGrad]:
        """Every trainable ``NumberWithGrad`` of the module."""

    def zero_grad(self) -> None:
        """Set every parameter's ``grad`` to 0.0 (call before each ``backward()``)."""
        for p in self.parameters():
            p.grad = 0.0


class Neuron(Module):
    """``y = f(Σ_i w_i x_i + b)`` on ``n_inputs`` inputs; ``f`` is the ``activation``.

    Parameters: ``w`` (``n_inputs`` weights, uniform in ``[-1, 1]``) and ``b`` (0.0).
    """

    def __init__(
        self,
        n_inputs: int,
        activation: Activation = "tanh",
        seed: int | np.random.Generator = 1,
    ) -> None:
        if not isinstance(n_inputs, int) or isinstance(n_inputs, bool) or n_inputs <= 0:
            raise ValueError(f"n_inputs must be a positive integer, received {n_inputs!r}.")
        if activation not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}: expected one of {ACTIVATIONS}.")
        rng = np.random.default_rng(seed)
        self.w = [NumberWithGrad(float(v)) for v in rng.uniform(-1.0, 1.0, n_inputs)]
        self.b = NumberWithGrad(0.0)
        self.activation: Activation = activation

    def __call__(self, x: Sequence[NumberWithGrad | float]) -> NumberWithGrad:
        """The neuron's output for one example ``x`` (numbers or ``NumberWithGrad``)."""
        if len(x) != len(self.w):
            raise ValueError(
                f"this neuron has {len(self.w)} inputs, received an example with {len(x)} "
                "values; pass one example (a list of numbers) at a time."
            )
        total = self.b
        for w_i, x_i in zip(self.w, x, strict=True):
            total = total + w_i * x_i
        if self.activation == "tanh":
            return total.tanh()
        if self.activation == "sigmoid":
            return total.sigmoid()
        if self.activation == "relu":
            return total.relu()
        return total

    def parameters(self) -> list[NumberWithGrad]:
        """The weights followed by the bias."""
        return [*self.w, self.b]

    def __repr__(self) -> str:
        return f"Neuron(n_inputs={len(self.w)}, activation={self.activation!r})"


class Layer(Module):
    """``neurons`` neurons reading the same ``n_inputs`` inputs: the scalar ``Dense(neurons)``."""

    def __init__(
        self,
        n_inputs: int,
        neurons: int,
        activation: Activation = "tanh",
        seed: int | np.random.Generator = 1,
    ) -> None:
        if not isinstance(neurons, int) or isinstance(neurons, bool) or neurons <= 0:
            raise ValueError(f"neurons must be a positive integer, received {neurons!r}.")
        rng = np.random.default_rng(seed)
        self.neurons = [Neuron(n_inputs, activation, rng) for _ in range(neurons)]

    def __call__(self, x: Sequence[NumberWithGrad | float]) -> list[NumberWithGrad]:
        """The outputs of all neurons for one example ``x``."""
        return [neuron(x) for neuron in self.neurons]

    def parameters(self) -> list[NumberWithGrad]:
        """The parameters of each neuron in turn."""
        return [p for neuron in self.neurons for p in neuron.parameters()]

    def __repr__(self) -> str:
        first = self.neurons[0]
        return (
            f"Layer(n_inputs={len(first.w)}, neurons={len(self.neurons)}, "
            f"activation={first.activation!r})"
        )


class MLP(Module):
    """A multi-layer perceptron: ``layer_sizes[k]`` neurons in layer ``k``, applied in order.

    Hidden layers use ``activation``; the last layer uses ``output_activation`` (``"linear"``
    for regression as in lincoln's ``Dense(1)``, or ``"tanh"`` for targets in ``[-1, 1]``).
    ``seed`` fixes the initial weights; every neuron draws from the same generator, so no two
    start alike. Calling the model on one example returns the list of its outputs.
    """

    def __init__(
        self,
        n_inputs: int,
        layer_sizes: Sequence[int],
        activation: Activation = "tanh",
        output_activation: Activation = "linear",
        seed: int | np.random.Generator = 1,
    ) -> None:
        if not layer_sizes:
            raise ValueError("layer_sizes must list at least one layer size, e.g. [4, 4, 1].")
        rng = np.random.default_rng(seed)
        sizes = [n_inputs, *layer_sizes]
        self.layers = [
            Layer(
                sizes[k],
                sizes[k + 1],
                activation if k < len(layer_sizes) - 1 else output_activation,
                rng,
            )
            for k in range(len(layer_sizes))
        ]

    def __call__(self, x: Sequence[NumberWithGrad | float]) -> list[NumberWithGrad]:
        """Pass one example through every layer; return the last layer's outputs."""
        outputs = self.layers[0](x)
        for layer in self.layers[1:]:
            outputs = layer(outputs)
        return outputs

    def parameters(self) -> list[NumberWithGrad]:
        """The parameters of each layer in turn."""
        return [p for layer in self.layers for p in layer.parameters()]

    def __repr__(self) -> str:
        return f"MLP({', '.join(repr(layer) for layer in self.layers)})"
