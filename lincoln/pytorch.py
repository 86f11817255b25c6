"""PyTorch helpers for chapter 7: data conversion and a Trainer with lincoln's ``fit``.

Import this module only where PyTorch is installed (``pip install torch==2.13.0`` gives the CPU
build); ``import lincoln`` never imports it. ``PyTorchTrainer`` keeps lincoln's training loop —
shuffling, evaluation every ``eval_every`` epochs, the History, early stopping that restores the
best model in place — and lets PyTorch do the forward pass, the gradients and the update, so
the two libraries can be compared on exactly the same protocol.
"""

from __future__ import annotations

import numpy as np
import torch
from numpy import ndarray
from torch import nn

from lincoln.train import TrainerBase


def to_tensor(array: ndarray, dtype: torch.dtype | None = None) -> torch.Tensor:
    """A tensor with ``array``'s values: floats keep their precision unless ``dtype`` is given,
    integers become int64 (what PyTorch's losses expect for class labels)."""
    if dtype is None:
        dtype = torch.int64 if np.issubdtype(array.dtype, np.integer) else None
    return torch.as_tensor(np.ascontiguousarray(array), dtype=dtype)


def to_numpy(tensor: torch.Tensor) -> ndarray:
    """The tensor's values as a numpy array (detached from the graph, on the CPU)."""
    return tensor.detach().cpu().numpy()


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

    def _classifies(self) -> bool:
        return isinstance(self.loss_fn, nn.CrossEntropyLoss)

    def _inputs(self, X: ndarray) -> torch.Tensor:
        return to_tensor(X, self.dtype)

    def _targets(self, y: ndarray) -> torch.Tensor:
        if self._classifies() and np.issubdtype(y.dtype, np.integer):
            return to_tensor(y.reshape(-1))
        return to_tensor(y, self.dtype)

    def _correct(self, output: torch.Tensor, target: torch.Tensor) -> int:
        if not self._classifies():
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
        self.model.eval()
        chunk = max(batch_size, 1024)
        total_loss, correct = 0.0, 0
        with torch.no_grad():
            for start in range(0, X.shape[0], chunk):
                target = self._targets(y[start : start + chunk])
                output = self.model(self._inputs(X[start : start + chunk]))
                total_loss += float(self.loss_fn(output, target).item()) * output.shape[0]
                correct += self._correct(output, target)
        return total_loss / X.shape[0], correct / X.shape[0]

    def _snapshot(self) -> object:
        return {k: v.detach().clone() for k, v in self.model.state_dict().items()}

    def _restore(self, snapshot: object) -> None:
        assert isinstance(snapshot, dict)
        self.model.load_state_dict(snapshot)

    def predict(self, X: ndarray, batch_size: int = 1024) -> ndarray:
        """The model's outputs for ``X`` in evaluation mode, as a numpy array."""
        self.model.eval()
        with torch.no_grad():
            outputs = [
                to_numpy(self.model(self._inputs(X[start : start + batch_size])))
                for start in range(0, X.shape[0], batch_size)
            ]
        return np.concatenate(outputs, axis=0)
