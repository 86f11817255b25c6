"""RNNModel: recurrent layers chained together, with a loss over every time step."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import numpy as np
from numpy import ndarray

from lincoln.losses import Loss
from lincoln.network import reinitialise
from lincoln.rnn.layers import RecurrentLayer, positive_int


class RNNModel:
    """Recurrent layers plus a Loss, with the book's signature.

    ``forward`` maps ``(batch, sequence, vocab_size)`` inputs (one-hot characters) through the
    layers to ``(batch, sequence, vocab_size)`` scores. The loss sees the ``batch · sequence``
    time steps as rows: the scores are reshaped to ``(batch · sequence, vocab_size)`` and the
    targets, one-hot ``(batch, sequence, vocab_size)`` or character indices ``(batch, sequence)``,
    likewise. With ``SoftmaxCrossEntropy`` the loss is therefore the mean cross-entropy per
    character,

        L = -1/(N T) Σ_n Σ_t log softmax(y_nt)[target_nt],

    and its gradient ``(softmax(y) - Y) / (N T)`` is reshaped back to ``(N, T, vocab_size)``.

    ``sequence_length`` is the length of the training windows (the trainer cuts the text into
    windows of that length); ``forward`` itself accepts any length, e.g. one character when
    sampling. ``seed`` makes the model reproducible: each layer receives its own generator derived
    from it, and the weights are created on the first forward pass.
    """

    prediction_shape: tuple[int, ...]

    def __init__(
        self,
        layers: Sequence[RecurrentLayer],
        sequence_length: int,
        vocab_size: int,
        loss: Loss,
        seed: int | None = 1,
    ) -> None:
        self.layers = list(layers)
        if not self.layers:
            raise ValueError(
                "RNNModel needs at least one layer, e.g. [LSTMLayer(256, vocab_size)]."
            )
        for layer in self.layers:
            if not isinstance(layer, RecurrentLayer):
                raise TypeError(
                    f"RNNModel layers must be RNNLayer, GRULayer or LSTMLayer, received "
                    f"{type(layer).__name__}."
                )
        self.sequence_length = positive_int(sequence_length, "sequence_length")
        self.vocab_size = positive_int(vocab_size, "vocab_size")
        if self.layers[-1].output_size != self.vocab_size:
            raise ValueError(
                f"the last layer has output_size={self.layers[-1].output_size} but the model "
                f"predicts one score per character, vocab_size={self.vocab_size}; build the last "
                f"layer with output_size={self.vocab_size}."
            )
        if not isinstance(loss, Loss):
            raise TypeError(
                f"loss must be a lincoln Loss such as SoftmaxCrossEntropy(), received {loss!r}."
            )
        self.loss = loss
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget the parameters: the next forward pass re-initialises them from ``seed``."""
        reinitialise(self.layers, self.seed)
        self.reset_state()

    def reset_state(self) -> None:
        """Zero the carried state of every (stateful) layer."""
        for layer in self.layers:
            layer.reset_state()

    def forward(self, x_batch: ndarray) -> ndarray:
        """Pass ``x_batch`` of shape ``(batch, sequence, vocab_size)`` through every layer."""
        shape = np.shape(x_batch)
        if len(shape) != 3 or shape[2] != self.vocab_size:
            raise ValueError(
                f"RNNModel expects one-hot inputs of shape (batch, sequence, {self.vocab_size}), "
                f"received shape {shape}."
            )
        for layer in self.layers:
            x_batch = layer.forward(x_batch)
        return x_batch

    def backward(self, loss_grad: ndarray) -> ndarray:
        """Backpropagate ``loss_grad`` through the layers, last first; return the input gradient."""
        for layer in reversed(self.layers):
            loss_grad = layer.backward(loss_grad)
        return loss_grad

    def loss_forward(self, prediction: ndarray, target: ndarray) -> float:
        """The loss of ``(N, T, V)`` scores against one-hot ``(N, T, V)`` or index ``(N, T)``."""
        self.prediction_shape = prediction.shape
        rows = prediction.shape[0] * prediction.shape[1]
        if target.shape == prediction.shape:
            flat_target = target.reshape(rows, self.vocab_size)
        elif target.shape == prediction.shape[:2]:
            flat_target = target.reshape(rows)
        else:
            raise ValueError(
                f"targets must be one-hot of shape {prediction.shape} or character indices of "
                f"shape {prediction.shape[:2]}, received shape {target.shape}."
            )
        return self.loss.forward(prediction.reshape(rows, self.vocab_size), flat_target)

    def loss_backward(self) -> ndarray:
        """The gradient of the last ``loss_forward`` with respect to its ``(N, T, V)`` scores."""
        return self.loss.backward().reshape(self.prediction_shape)

    def single_step(self, x_batch: ndarray, y_batch: ndarray) -> float:
        """Forward ``x_batch``, compute the loss against ``y_batch``, backpropagate; return it."""
        prediction = self.forward(x_batch)
        loss = self.loss_forward(prediction, y_batch)
        self.backward(self.loss_backward())
        return loss

    def params(self) -> Iterator[ndarray]:
        """Yield every parameter array, layer by layer (in each layer's ``param_names`` order)."""
        for layer in self.layers:
            yield from layer.params

    def param_grads(self) -> Iterator[ndarray]:
        """Yield the gradient of every parameter, in the same order as ``params()``."""
        for layer in self.layers:
            yield from layer.param_grads
