"""PyTorch helpers for chapter 7: converting arrays and networks, and lincoln's ``fit`` loop.

Import this module only where PyTorch is installed (``pip install torch==2.13.0`` gives the CPU
build); ``import lincoln`` never imports it. ``PyTorchTrainer`` keeps lincoln's training loop —
shuffling, evaluation every ``eval_every`` epochs, the History, early stopping that restores the
best model in place — and lets PyTorch do the forward pass, the gradients and the update, so
the two libraries can be compared on exactly the same protocol. ``to_torch`` builds the PyTorch
module that computes exactly what a (trained) lincoln network computes, and
``lincoln_param_grads`` reads that module's gradients back in lincoln's layouts, so the two can be
compared number for number.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy import ndarray
from torch import nn

from lincoln.activations import LeakyReLU, Linear, ReLU, Sigmoid, Tanh
from lincoln.base import Operation
from lincoln.conv import AvgPool2D_Op, Conv2D_Op, ConvBiasAdd, MaxPool2D_Op
from lincoln.dense import BiasAdd, WeightMultiply
from lincoln.dropout import Dropout
from lincoln.losses import is_one_hot
from lincoln.network import LayerBlock
from lincoln.reshape import Flatten
from lincoln.train import TrainerBase

CONVERTIBLE = (
    "WeightMultiply (+ BiasAdd), Conv2D_Op (+ ConvBiasAdd), MaxPool2D_Op, AvgPool2D_Op, Flatten, "
    "Dropout, Linear, Sigmoid, Tanh, ReLU, LeakyReLU"
)


def to_tensor(array: ndarray, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A tensor with ``array``'s values: floats keep their precision unless ``dtype`` is given,
    integers become int64 (what PyTorch's losses expect for class labels)."""
    if dtype is None:
        dtype = torch.int64 if np.issubdtype(array.dtype, np.integer) else None
    return torch.as_tensor(np.ascontiguousarray(array), dtype=dtype)


def to_numpy(tensor: torch.Tensor) -> ndarray:
    """The tensor's values as a numpy array (detached from the graph, on the CPU)."""
    return tensor.detach().cpu().numpy()


def to_torch(net: LayerBlock, dtype: torch.dtype | None = None) -> nn.Sequential:
    """The ``nn.Sequential`` computing what ``net`` computes, holding copies of its parameters.

    ``net`` must be set up (its parameters exist after its first forward pass, e.g. after
    training). Each layer's ``operations`` become modules, in order:

    - ``WeightMultiply(W)`` + ``BiasAdd(B)`` → ``nn.Linear`` with ``weight = Wᵀ`` and
      ``bias = B[0]`` (lincoln computes ``X W + B``, PyTorch ``X weightᵀ + bias``);
    - ``Conv2D_Op(W)`` + ``ConvBiasAdd(B)`` → ``nn.Conv2d`` with
      ``weight = W.transpose(1, 0, 2, 3)`` (PyTorch stores ``(out, in, k, k)``), the same stride
      and padding (an uneven ``"same"`` padding, for even kernels, becomes an ``nn.ZeroPad2d``
      before an unpadded convolution);
    - ``MaxPool2D_Op`` / ``AvgPool2D_Op`` → ``nn.MaxPool2d`` / ``nn.AvgPool2d``, ``Flatten`` →
      ``nn.Flatten``, ``Dropout(keep_prob)`` → ``nn.Dropout(1 - keep_prob)`` (PyTorch's argument
      is the probability of *dropping*; both scale by ``1 / keep_prob`` while training);
    - ``Sigmoid``, ``Tanh``, ``ReLU``, ``LeakyReLU`` → the module of the same name; ``Linear``
      (the identity) adds nothing.

    The module's parameters come in the order of ``net.params()`` and have its dtype unless
    ``dtype`` is given. The loss is not part of the module: lincoln's ``SoftmaxCrossEntropy``
    is ``nn.CrossEntropyLoss()``, and ``MeanSquaredError()`` (a sum over columns, a mean over
    rows) is ``nn.MSELoss()`` times the number of columns. Dropout draws different masks in the
    two libraries, so compare them in inference mode (``model.eval()``).
    """
    if not isinstance(net, LayerBlock):
        raise TypeError(
            f"to_torch converts a lincoln NeuralNetwork (or LayerBlock), received "
            f"{type(net).__name__}."
        )
    not_set_up = [i for i, layer in enumerate(net.layers) if layer.first]
    if not_set_up:
        raise ValueError(
            f"layer(s) {not_set_up} of the network have no parameters yet: lincoln layers create "
            "them on their first forward pass. Train the network, or call net.forward(X[:1]), "
            "before converting it."
        )
    modules: list[nn.Module] = []
    for index, layer in enumerate(net.layers):
        operations = layer.operations
        position = 0
        while position < len(operations):
            operation = operations[position]
            following = operations[position + 1] if position + 1 < len(operations) else None
            where = f"layer {index} ({type(layer).__name__}), operation {position}"
            if isinstance(operation, WeightMultiply):
                dense_bias = following if isinstance(following, BiasAdd) else None
                modules.append(_linear(operation, dense_bias))
                position += 1 if dense_bias is None else 2
            elif isinstance(operation, Conv2D_Op):
                conv_bias = following if isinstance(following, ConvBiasAdd) else None
                modules += _conv2d(operation, conv_bias)
                position += 1 if conv_bias is None else 2
            else:
                modules += _parameter_free(operation, where)
                position += 1
    model = nn.Sequential(*modules)
    return model if dtype is None else model.to(dtype)


def lincoln_param_grads(model: nn.Module, net: LayerBlock) -> list[ndarray]:
    """The gradients held by ``model = to_torch(net)``, in lincoln's layouts.

    Same order and shapes as ``net.param_grads()``: a Linear weight's gradient is transposed back
    to ``(in_features, neurons)``, a Conv2d weight's to ``(in_channels, out_channels, k, k)``, and
    biases are reshaped to ``(1, neurons)`` or ``(1, channels, 1, 1)``. Call it after
    ``loss.backward()``.
    """
    params = list(net.params())
    tensors = list(model.parameters())
    if len(tensors) != len(params):
        raise ValueError(
            f"the module has {len(tensors)} parameter tensors but the network has {len(params)} "
            "parameters; pass the module that to_torch(net) built from this network."
        )
    grads = []
    for tensor, param in zip(tensors, params, strict=True):
        if tensor.grad is None:
            raise ValueError(
                "the module holds no gradients: compute a loss with it and call loss.backward() "
                "first."
            )
        grad = to_numpy(tensor.grad)
        if grad.ndim == 2:
            grad = grad.T
        elif grad.ndim == 4:
            grad = grad.transpose(1, 0, 2, 3)
        grads.append(grad.reshape(param.shape))
    return grads


def _copy(target: torch.Tensor, value: ndarray) -> None:
    with torch.no_grad():
        target.copy_(torch.from_numpy(np.ascontiguousarray(value)))


def _linear(multiply: WeightMultiply, bias: BiasAdd | None) -> nn.Linear:
    W = multiply.param
    dtype = torch.from_numpy(W[:0]).dtype
    linear = nn.Linear(W.shape[0], W.shape[1], bias=bias is not None, dtype=dtype)
    _copy(linear.weight, W.T)
    if bias is not None:
        _copy(linear.bias, bias.param[0])
    return linear


def _conv2d(conv: Conv2D_Op, bias: ConvBiasAdd | None) -> list[nn.Module]:
    W = conv.param
    in_channels, out_channels, k_h, k_w = W.shape
    (top, bottom), (left, right) = conv.pad_h, conv.pad_w
    symmetric = top == bottom and left == right
    conv2d = nn.Conv2d(
        in_channels,
        out_channels,
        (k_h, k_w),
        stride=conv.stride,
        padding=(top, left) if symmetric else 0,
        bias=bias is not None,
        dtype=torch.from_numpy(W[:0]).dtype,
    )
    _copy(conv2d.weight, W.transpose(1, 0, 2, 3))
    if bias is not None:
        assert conv2d.bias is not None  # built with bias=True
        _copy(conv2d.bias, bias.param.reshape(-1))
    if symmetric:
        return [conv2d]
    return [nn.ZeroPad2d((left, right, top, bottom)), conv2d]


def _parameter_free(operation: Operation, where: str) -> list[nn.Module]:
    if isinstance(operation, Linear):
        return []
    if isinstance(operation, Sigmoid):
        return [nn.Sigmoid()]
    if isinstance(operation, Tanh):
        return [nn.Tanh()]
    if isinstance(operation, ReLU):
        return [nn.ReLU()]
    if isinstance(operation, LeakyReLU):
        return [nn.LeakyReLU(operation.negative_slope)]
    if isinstance(operation, Dropout):
        return [nn.Dropout(1.0 - operation.keep_prob)]
    if isinstance(operation, Flatten):
        return [nn.Flatten()]
    if isinstance(operation, MaxPool2D_Op):
        return [nn.MaxPool2d(operation.size, operation.stride)]
    if isinstance(operation, AvgPool2D_Op):
        return [nn.AvgPool2d(operation.size, operation.stride)]
    raise TypeError(
        f"to_torch cannot convert {type(operation).__name__} ({where}): it converts {CONVERTIBLE}. "
        "Build the PyTorch module for this network by hand, or convert a network made of these "
        "operations."
    )


class PyTorchTrainer(TrainerBase):
    """Trains a PyTorch ``model`` with ``optim`` and ``loss_fn`` through lincoln's ``fit``.

    Inputs are converted to the dtype of the model's parameters, class labels to int64.
    ``restart=True`` puts back the weights the model had when the trainer was built and clears the
    optimizer's state; ``seed`` fixes both the shuffling and PyTorch's generator (dropout).
    ``scheduler``, if given, is stepped after every epoch but the last, like lincoln's decay.
    Accuracy is recorded when ``loss_fn`` is ``nn.CrossEntropyLoss``.
    """

    def __init__(
        self,
        model: nn.Module,
        optim: torch.optim.Optimizer,
        loss_fn: nn.Module,
        scheduler: torch.optim.lr_scheduler.LRScheduler | None = None,
    ) -> None:
        self.model = model
        self.optim = optim
        self.loss_fn = loss_fn
        self.scheduler = scheduler
        self.initial_state = self._snapshot()
        self.dtype = next(model.parameters()).dtype

    def _restart(self) -> None:
        self._restore(self.initial_state)
        self.optim.state.clear()

    def _begin(self, epochs: int, seed: int) -> None:
        torch.manual_seed(seed)

    def _classifies(self, y_train: ndarray) -> bool:
        """Classes: the loss is ``nn.CrossEntropyLoss``, or the targets are one-hot rows."""
        return isinstance(self.loss_fn, nn.CrossEntropyLoss) or is_one_hot(y_train)

    def _inputs(self, X: ndarray) -> torch.Tensor:
        return to_tensor(X, self.dtype)

    def _targets(self, y: ndarray) -> torch.Tensor:
        if self.classify and np.issubdtype(y.dtype, np.integer):
            return to_tensor(y.reshape(-1))
        return to_tensor(y, self.dtype)

    def _correct(self, output: torch.Tensor, target: torch.Tensor) -> int:
        if not self.classify:
            return 0
        labels = target if target.ndim == 1 else target.argmax(dim=1)
        return int((output.argmax(dim=1) == labels).sum().item())

    def _train_step(self, X_batch: ndarray, y_batch: ndarray) -> tuple[float, int]:
        self.model.train()
        target = self._targets(y_batch)
        self.optim.zero_grad()
        output = self.model(self._inputs(X_batch))
        loss = self.loss_fn(output, target)
        value = float(loss.item())
        if not np.isfinite(value):
            raise FloatingPointError(f"the loss is {value}")
        loss.backward()
        self.optim.step()
        return value, self._correct(output, target)

    def _end_epoch(self) -> None:
        if self.scheduler is not None:
            self.scheduler.step()

    def _learning_rate(self) -> float:
        return float(self.optim.param_groups[0]["lr"])

    def _evaluate(self, X: ndarray, y: ndarray, batch_size: int) -> tuple[float, float]:
        output = to_tensor(self.predict(X, max(batch_size, 256)))
        target = self._targets(y)
        with torch.no_grad():
            loss = float(self.loss_fn(output, target).item())
        return loss, self._correct(output, target) / X.shape[0]

    def _snapshot(self) -> object:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def _restore(self, snapshot: object) -> None:
        assert isinstance(snapshot, dict)
        self.model.load_state_dict(snapshot)

    def predict(self, X: ndarray, batch_size: int = 256) -> ndarray:
        """The model's outputs for ``X`` in evaluation mode, as a numpy array."""
        self.model.eval()
        with torch.no_grad():
            outputs = [
                to_numpy(self.model(self._inputs(X[start : start + batch_size])))
                for start in range(0, X.shape[0], batch_size)
            ]
        return np.concatenate(outputs, axis=0)
