"""The Trainer: fits a NeuralNetwork with an Optimizer, evaluates it, and stops early."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from numpy import ndarray
from tqdm import tqdm

from lincoln.losses import SoftmaxCrossEntropy, is_one_hot
from lincoln.network import NeuralNetwork
from lincoln.optimizers import Optimizer
from lincoln.utils.np_utils import assert_finite


@dataclass
class History:
    """What happened during ``Trainer.fit``, one entry per evaluation.

    ``train_loss`` is the mean batch loss over the evaluated epoch (measured while training, so
    with dropout active); ``val_loss`` is the loss on the validation data in inference mode.
    ``train_accuracy`` and ``val_accuracy`` are filled when the loss is SoftmaxCrossEntropy
    (labels are classes). ``best_epoch`` is the evaluated epoch with the lowest validation loss;
    with early stopping the network ends up holding that epoch's parameters.
    """

    epochs: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    train_accuracy: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    best_epoch: int | None = None
    stopped_early: bool = False


class TrainerBase:
    """The training loop shared by lincoln's Trainer and the PyTorch trainer of chapter 7.

    ``fit`` shuffles, batches, evaluates, records a History and stops early; subclasses supply
    the library-specific steps (``_train_step``, ``_evaluate``, ``_snapshot``...).
    """

    classify: bool

    def fit(
        self,
        X_train: ndarray,
        y_train: ndarray,
        X_test: ndarray,
        y_test: ndarray,
        epochs: int = 100,
        eval_every: int = 10,
        batch_size: int = 32,
        seed: int = 1,
        restart: bool = True,
        early_stopping: bool = True,
        *,
        verbose: bool = True,
        progress: bool = True,
    ) -> History:
        """Train for ``epochs`` epochs of shuffled mini-batches; evaluate every ``eval_every``.

        Each epoch visits the training rows in a new random order (gathered batch by batch, which
        is faster than copying a shuffled dataset); ``seed`` fixes that order. ``restart=True``
        re-initialises the network from its own seed and clears the optimizer's state, so that a
        fit is reproducible; ``restart=False`` carries on from the current weights. With
        ``early_stopping``, training stops at the first evaluation whose validation loss is not
        lower than the best so far, and the network is restored, in place, to the parameters of
        the best evaluated epoch (``history.best_epoch``).
        ``verbose`` prints the validation loss at each evaluation; ``progress`` shows a progress
        bar on fits that last more than two seconds. Overflow inside a training step is not
        reported as a numpy warning: the loss becomes infinite or NaN and ``fit`` stops with a
        FloatingPointError that names the epoch and batch.
        """
        self._validate(X_train, y_train, X_test, y_test, epochs, eval_every, batch_size)
        if restart:
            self._restart()
        self._begin(epochs, seed)
        self.classify = classify = self._classifies(y_train)
        rng = np.random.default_rng(seed)
        history = History()
        best_loss = np.inf
        best_state: object = None
        batches_per_epoch = -(-X_train.shape[0] // batch_size)
        bar = tqdm(
            total=epochs * batches_per_epoch,
            disable=not progress,
            delay=2.0,
            leave=False,
            unit="batch",
        )
        try:
            for epoch in range(1, epochs + 1):
                order = rng.permutation(X_train.shape[0])
                total_loss, correct = 0.0, 0
                for batch, start in enumerate(range(0, X_train.shape[0], batch_size), start=1):
                    rows = order[start : start + batch_size]
                    try:
                        loss, batch_correct = self._train_step(X_train[rows], y_train[rows])
                    except FloatingPointError as error:
                        raise FloatingPointError(
                            f"the training loss became NaN or infinite at epoch {epoch}, batch "
                            f"{batch} (learning rate {self._learning_rate():g}); try a smaller "
                            "learning rate, or standardise the inputs."
                        ) from error
                    total_loss += loss * rows.shape[0]
                    correct += batch_correct
                    bar.update(1)
                if epoch < epochs:
                    self._end_epoch()

                if epoch % eval_every and epoch != epochs:
                    continue
                val_loss, val_acc = self._evaluate(X_test, y_test, batch_size)
                history.epochs.append(epoch)
                history.train_loss.append(total_loss / X_train.shape[0])
                history.val_loss.append(val_loss)
                if classify:
                    history.train_accuracy.append(correct / X_train.shape[0])
                    history.val_accuracy.append(val_acc)
                if verbose:
                    _log(bar, f"Validation loss after {epoch} epochs is {val_loss:.3f}")
                if val_loss < best_loss:
                    best_loss = val_loss
                    history.best_epoch = epoch
                    best_state = self._snapshot()
                elif early_stopping:
                    self._restore(best_state)
                    history.stopped_early = True
                    if verbose:
                        _log(
                            bar,
                            f"Loss increased after epoch {epoch}, final loss was "
                            f"{best_loss:.3f}, using the model from epoch {history.best_epoch}",
                        )
                    break
        finally:
            bar.close()
        return history

    @staticmethod
    def _validate(
        X_train: ndarray,
        y_train: ndarray,
        X_test: ndarray,
        y_test: ndarray,
        epochs: int,
        eval_every: int,
        batch_size: int,
    ) -> None:
        for name, value in (
            ("epochs", epochs),
            ("eval_every", eval_every),
            ("batch_size", batch_size),
        ):
            if not isinstance(value, (int, np.integer)) or value <= 0:
                raise ValueError(f"{name} must be a positive integer, received {value!r}.")
        if eval_every > epochs:
            raise ValueError(
                f"eval_every={eval_every} is larger than epochs={epochs}: the model would never be "
                "evaluated. Use eval_every <= epochs."
            )
        for X_name, X, y_name, y in (
            ("X_train", X_train, "y_train", y_train),
            ("X_test", X_test, "y_test", y_test),
        ):
            if X.shape[0] != y.shape[0]:
                raise ValueError(
                    f"{X_name} has {X.shape[0]} rows but {y_name} has {y.shape[0]}; each input "
                    "row needs exactly one target row."
                )
            if X.shape[0] == 0:
                raise ValueError(f"{X_name} is empty.")
            assert_finite(X, X_name)
            assert_finite(y, y_name)

    def _restart(self) -> None:
        """Re-initialise the model and clear the optimizer's state."""
        raise NotImplementedError

    def _begin(self, epochs: int, seed: int) -> None:
        """Prepare a fit of ``epochs`` epochs (learning-rate schedule, random state)."""
        raise NotImplementedError

    def _classifies(self, y_train: ndarray) -> bool:
        """Whether the targets are classes, so that accuracy is recorded (in ``self.classify``)."""
        raise NotImplementedError

    def _train_step(self, X_batch: ndarray, y_batch: ndarray) -> tuple[float, int]:
        """Train on one batch; return its loss and its number of correct predictions."""
        raise NotImplementedError

    def _end_epoch(self) -> None:
        """Called after every epoch but the last (learning-rate decay)."""
        raise NotImplementedError

    def _learning_rate(self) -> float:
        """The current learning rate, for error messages."""
        raise NotImplementedError

    def _evaluate(self, X: ndarray, y: ndarray, batch_size: int) -> tuple[float, float]:
        """Loss and accuracy on ``X``, ``y`` in inference mode."""
        raise NotImplementedError

    def _snapshot(self) -> object:
        """A copy of the model's parameters."""
        raise NotImplementedError

    def _restore(self, snapshot: object) -> None:
        """Put a snapshot's parameters back into the model, in place."""
        raise NotImplementedError


class Trainer(TrainerBase):
    """Trains ``net`` with ``optim``; ``fit`` has the book's signature and returns a History."""

    def __init__(self, net: NeuralNetwork, optim: Optimizer) -> None:
        if not isinstance(net, NeuralNetwork):
            raise TypeError(f"net must be a NeuralNetwork, received {type(net).__name__}.")
        if not isinstance(optim, Optimizer):
            raise TypeError(f"optim must be a lincoln Optimizer, received {type(optim).__name__}.")
        self.net = net
        self.optim = optim
        self.optim.net = net

    def _restart(self) -> None:
        """Re-initialise the model from its seed and clear the optimizer's state."""
        self.net.reset()
        self.optim.reset()

    def _begin(self, epochs: int, seed: int) -> None:
        """Prepare the learning-rate schedule for a fit of ``epochs`` epochs."""
        self.optim.setup_decay(epochs)

    def _classifies(self, y_train: ndarray) -> bool:
        """Classes: the loss is SoftmaxCrossEntropy, or the targets are one-hot rows."""
        return isinstance(self.net.loss, SoftmaxCrossEntropy) or is_one_hot(y_train)

    def _train_step(self, X_batch: ndarray, y_batch: ndarray) -> tuple[float, int]:
        """Forward, loss, backward and update on one batch; return the loss and #correct."""
        with np.errstate(over="ignore", invalid="ignore"):
            loss = self.net.train_batch(X_batch, y_batch)
        self.optim.step()
        if not self.classify:
            return loss, 0
        return loss, _count_correct(self.net.loss.prediction, self.net.loss.target)

    def _end_epoch(self) -> None:
        """Apply one epoch of learning-rate decay."""
        self.optim.decay_lr()

    def _learning_rate(self) -> float:
        return self.optim.lr

    def _evaluate(self, X: ndarray, y: ndarray, batch_size: int) -> tuple[float, float]:
        """Validation loss and, for classes, accuracy: ``net.predict`` (inference mode, in
        chunks), then the loss over all rows."""
        predictions = self.net.predict(X, max(batch_size, 256))
        loss = self.net.loss.forward(predictions, y)
        if not self.classify:
            return loss, 0.0
        return loss, _count_correct(predictions, self.net.loss.target) / X.shape[0]

    def _snapshot(self) -> object:
        """A copy of the current parameters."""
        return [p.copy() for p in self.net.params()]

    def _restore(self, snapshot: object) -> None:
        """Put the parameters of ``snapshot`` back into the network, in place."""
        assert isinstance(snapshot, list)
        for param, best in zip(self.net.params(), snapshot, strict=True):
            param[...] = best


def _count_correct(predictions: ndarray, one_hot_target: ndarray) -> int:
    return int(np.sum(predictions.argmax(axis=1) == one_hot_target.argmax(axis=1)))


def _log(bar: tqdm, message: str) -> None:
    """Print ``message`` above the progress bar if it is on screen, plainly otherwise."""
    shown = not bar.disable and getattr(bar, "last_print_t", 0.0) >= bar.start_t + bar.delay
    if shown:
        bar.write(message)
    else:
        print(message)
