"""RNNTrainer: trains a character-level RNNModel on a text and samples new text from it."""

from __future__ import annotations

import copy

import numpy as np
import numpy.typing as npt
from numpy import ndarray

from lincoln.rnn.layers import positive_int
from lincoln.rnn.model import RNNModel
from lincoln.rnn.optimizers import RNNOptimizer
from lincoln.utils.np_utils import softmax


class RNNTrainer:
    """Trains ``model`` with ``optim`` to predict each next character of ``text``.

    The vocabulary is the sorted list of the distinct characters of ``text`` (``chars``), so the
    index of a character never changes from run to run; the model's ``vocab_size`` must equal its
    length. Characters enter the model one-hot encoded in ``dtype`` (float32 by default, which is
    what the layers then compute in).

    Each training iteration cuts ``batch_size`` windows of ``model.sequence_length + 1``
    characters at random positions of the text: the first ``sequence_length`` characters are the
    input and the same window shifted by one is the target, so at every step the model learns to
    predict the next character. Every sequence starts from a zero state. ``seed`` fixes the
    windows and the sampling.
    """

    def __init__(
        self,
        text: str,
        model: RNNModel,
        optim: RNNOptimizer,
        batch_size: int = 32,
        *,
        seed: int | None = 1,
        dtype: npt.DTypeLike = np.float32,
    ) -> None:
        if not isinstance(text, str):
            raise TypeError(
                f"text must be the text itself (a str), received {type(text).__name__}; to train "
                "on a file, pass its contents: RNNTrainer(Path(path).read_text(), ...)."
            )
        if not isinstance(model, RNNModel):
            raise TypeError(f"model must be an RNNModel, received {type(model).__name__}.")
        if not isinstance(optim, RNNOptimizer):
            raise TypeError(
                f"optim must be an RNN optimizer (lincoln.rnn.SGD or lincoln.rnn.AdaGrad), "
                f"received {type(optim).__name__}."
            )
        self.text = text
        self.model = model
        self.optim = optim
        self.optim.model = model
        self.batch_size = positive_int(batch_size, "batch_size")
        self.sequence_length = model.sequence_length
        if len(text) < self.sequence_length + 1:
            raise ValueError(
                f"the text has {len(text)} characters but training windows need "
                f"sequence_length + 1 = {self.sequence_length + 1}; use a longer text or a "
                "shorter sequence_length."
            )
        self.chars = sorted(set(text))
        self.vocab_size = len(self.chars)
        if self.vocab_size != model.vocab_size:
            raise ValueError(
                f"the text has {self.vocab_size} distinct characters but the model was built with "
                f"vocab_size={model.vocab_size}; build it with vocab_size={self.vocab_size} (and "
                f"the last layer's output_size={self.vocab_size})."
            )
        self.char_to_idx = {char: i for i, char in enumerate(self.chars)}
        self.idx_to_char = dict(enumerate(self.chars))
        self.indices = self.encode(text)
        self.one_hot_rows = np.eye(self.vocab_size, dtype=dtype)
        batch_seed, sample_seed = np.random.SeedSequence(seed).spawn(2)
        self.batch_rng = np.random.default_rng(batch_seed)
        self.sample_rng = np.random.default_rng(sample_seed)
        self.iteration = 0
        self.samples: list[tuple[int, str]] = []

    def encode(self, text: str) -> ndarray:
        """The vocabulary indices of the characters of ``text``; unknown characters raise."""
        unknown = sorted(set(text) - self.char_to_idx.keys())
        if unknown:
            raise ValueError(
                f"characters {unknown} are not in the vocabulary of the training text; use only "
                f"characters from {''.join(self.chars)!r}."
            )
        return np.array([self.char_to_idx[char] for char in text], dtype=np.intp)

    def decode(self, indices: ndarray) -> str:
        """The text whose vocabulary indices are ``indices``."""
        return "".join(self.idx_to_char[int(i)] for i in indices)

    def one_hot(self, indices: ndarray) -> ndarray:
        """One-hot rows for an array of indices: shape ``indices.shape + (vocab_size,)``."""
        return self.one_hot_rows[indices]

    def batch(self) -> tuple[ndarray, ndarray]:
        """Random windows: one-hot inputs ``(B, T, V)`` and next-character indices ``(B, T)``."""
        starts = self.batch_rng.integers(
            0, len(self.indices) - self.sequence_length, self.batch_size
        )
        windows = self.indices[starts[:, np.newaxis] + np.arange(self.sequence_length + 1)]
        return self.one_hot(windows[:, :-1]), windows[:, 1:]

    def train(
        self,
        num_iterations: int,
        sample_every: int = 100,
        *,
        sample_length: int = 100,
        temperature: float = 1.0,
        verbose: bool = True,
    ) -> list[float]:
        """Run ``num_iterations`` training steps; return the loss of each one.

        Each step is ``model.single_step`` on a fresh batch followed by ``optim.step()``. Every
        ``sample_every`` iterations (0 for never) a sample of ``sample_length`` characters is
        appended to ``self.samples`` as ``(iteration, text)`` and, with ``verbose``, printed with
        the mean loss since the previous sample. Calling ``train`` again continues from the
        current weights.
        """
        positive_int(num_iterations, "num_iterations")
        if isinstance(sample_every, bool) or not isinstance(sample_every, int) or sample_every < 0:
            raise ValueError(
                "sample_every must be a non-negative integer (0: never), received "
                f"{sample_every!r}."
            )
        losses: list[float] = []
        for _ in range(num_iterations):
            x_batch, y_batch = self.batch()
            losses.append(self.model.single_step(x_batch, y_batch))
            self.optim.step()
            self.iteration += 1
            if sample_every and self.iteration % sample_every == 0:
                sample = self.sample(sample_length, temperature=temperature)
                self.samples.append((self.iteration, sample))
                if verbose:
                    recent = float(np.mean(losses[-sample_every:]))
                    print(f"iteration {self.iteration}: loss {recent:.3f}\n{sample}\n")
        return losses

    def sample(
        self,
        n_chars: int,
        start: str | None = None,
        temperature: float = 1.0,
        seed: int | None = None,
    ) -> str:
        """Generate ``n_chars`` characters following ``start`` (default: the first of the text).

        The model reads ``start`` and then, one character at a time, draws the next character
        from ``softmax(scores / temperature)`` and feeds it back, carrying its state. Low
        temperatures (e.g. 0.5) pick likely characters, high ones (e.g. 1.5) flatter choices.
        ``seed=None`` draws from the trainer's own sampling generator (reproducible over a whole
        run from the trainer's seed); an integer makes this one call reproducible. The model is
        not changed (a copy is run). Returns the generated characters only.
        """
        if isinstance(n_chars, bool) or not isinstance(n_chars, int) or n_chars < 0:
            raise ValueError(f"n_chars must be a non-negative integer, received {n_chars!r}.")
        if not temperature > 0:
            raise ValueError(
                f"temperature must be positive, received {temperature}; use a small value such "
                "as 0.1 for nearly greedy sampling."
            )
        start = self.text[0] if start is None else start
        if not start:
            raise ValueError("start must hold at least one character for the model to read.")
        rng = self.sample_rng if seed is None else np.random.default_rng(seed)
        sampler = copy.deepcopy(self.model)
        for layer in sampler.layers:
            layer.stateful = True
        sampler.reset_state()
        scores = sampler.forward(self.one_hot(self.encode(start))[np.newaxis])
        generated = np.empty(n_chars, dtype=np.intp)
        for k in range(n_chars):
            logits = scores[0, -1].astype(np.float64) / temperature
            generated[k] = rng.choice(self.vocab_size, p=softmax(logits, axis=0))
            scores = sampler.forward(self.one_hot(generated[k : k + 1])[np.newaxis])
        return self.decode(generated)
