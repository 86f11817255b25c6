"""LayerBlock and NeuralNetwork: layers chained together, with a loss on top."""

from __future__ import annotations

import os
from collections.abc import Iterator, Sequence
from typing import Protocol

import numpy as np
from numpy import ndarray

from lincoln.layers import Layer
from lincoln.losses import Loss


class Reinitialisable(Protocol):
    """A layer that creates its parameters from ``rng`` on its next forward pass if ``first``."""

    rng: np.random.Generator
    first: bool
    params: list[ndarray]
    param_grads: list[ndarray]


def reinitialise(layers: Sequence[Reinitialisable], seed: int | None) -> None:
    """Give each layer its own generator derived from ``seed`` and forget its parameters.

    ``SeedSequence(seed).spawn`` makes independent streams: layers of the same shape start with
    different weights, while the same seed always reproduces every layer.
    """
    children = np.random.SeedSequence(seed).spawn(len(layers))
    for layer, child in zip(layers, children, strict=True):
        layer.rng = np.random.default_rng(child)
        layer.first = True
        layer.params = []
        layer.param_grads = []


class LayerBlock:
    """A sequence of layers: ``forward`` runs them in order, ``backward`` in reverse."""

    def __init__(self, layers: Sequence[Layer]) -> None:
        self.layers = list(layers)

    def forward(self, x_batch: ndarray, inference: bool = False) -> ndarray:
        """Pass ``x_batch`` through every layer."""
        x_out = x_batch
        for layer in self.layers:
            x_out = layer.forward(x_out, inference)
        return x_out

    def backward(self, loss_grad: ndarray) -> ndarray:
        """Backpropagate ``loss_grad`` through the layers, last first; return the input gradient."""
        grad = loss_grad
        for layer in reversed(self.layers):
            grad = layer.backward(grad)
        return grad

    def params(self) -> Iterator[ndarray]:
        """Yield every parameter array, layer by layer (a Dense layer yields ``W`` then ``B``)."""
        for layer in self.layers:
            yield from layer.params

    def param_grads(self) -> Iterator[ndarray]:
        """Yield the gradient of every parameter, in the same order as ``params()``."""
        for layer in self.layers:
            yield from layer.param_grads


class NeuralNetwork(LayerBlock):
    """Layers plus a Loss: ``train_batch`` runs forward, loss, and backward in one call.

    ``seed`` makes the network reproducible: each layer receives its own random generator derived
    from it (so two layers of the same shape start with different weights, while the same seed
    always gives the same weights and the same dropout masks). ``seed=None`` draws fresh entropy.
    """

    def __init__(self, layers: Sequence[Layer], loss: Loss, seed: int | None = 1) -> None:
        super().__init__(layers)
        if not isinstance(loss, Loss):
            raise TypeError(
                f"loss must be a lincoln Loss such as MeanSquaredError(), received {loss!r}."
            )
        self.loss = loss
        self.seed = seed
        self.reset()

    def reset(self) -> None:
        """Forget the parameters: the next forward pass re-initialises them from ``seed``."""
        reinitialise(self.layers, self.seed)

    def train_batch(self, x_batch: ndarray, y_batch: ndarray, inference: bool = False) -> float:
        """Forward ``x_batch``, compute the loss against ``y_batch``, backpropagate; return it."""
        predictions = self.forward(x_batch, inference)
        loss = self.loss.forward(predictions, y_batch)
        self.backward(self.loss.backward())
        return loss

    def predict(self, X: ndarray, batch_size: int = 256) -> ndarray:
        """Inference-mode predictions for ``X``, computed ``batch_size`` rows at a time.

        Chunks bound the memory of the intermediate arrays: a convolution's patch matrix for 256
        MNIST images is tens of megabytes, where 10,000 images at once would need gigabytes.
        """
        if batch_size <= 0:
            raise ValueError(f"batch_size must be positive, received {batch_size}.")
        if X.shape[0] == 0:
            raise ValueError("predict received an empty array (0 rows).")
        outputs = [
            self.forward(X[start : start + batch_size], inference=True)
            for start in range(0, X.shape[0], batch_size)
        ]
        return np.concatenate(outputs, axis=0)

    def save(self, path: str | os.PathLike[str]) -> None:
        """Save every parameter to a ``.npz`` file (no pickle)."""
        self._check_set_up("save")
        np.savez(path, *self.params())

    def load(self, path: str | os.PathLike[str]) -> None:
        """Load parameters saved by ``save`` into this (already set-up) network, in place."""
        self._check_set_up("load")
        params = list(self.params())
        with np.load(path, allow_pickle=False) as data:
            if len(data.files) != len(params):
                raise ValueError(
                    f"{os.fspath(path)} holds {len(data.files)} parameter arrays but this network "
                    f"has {len(params)}; was it saved from a network with the same layers?"
                )
            for i, param in enumerate(params):
                saved = data[f"arr_{i}"]
                if saved.shape != param.shape:
                    raise ValueError(
                        f"parameter {i} in {os.fspath(path)} has shape {saved.shape}, but this "
                        f"network expects {param.shape}; build the network with the same layer "
                        "sizes as the saved one."
                    )
                param[...] = saved

    def _check_set_up(self, action: str) -> None:
        if any(layer.first for layer in self.layers):
            raise RuntimeError(
                f"cannot {action} parameters before the network has created them: run one forward "
                "pass first, e.g. net.forward(X[:1])."
            )
