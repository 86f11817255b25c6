"""RNNModel, the RNN optimizers and RNNTrainer: loss, updates, training, vocabulary, sampling."""

from __future__ import annotations

import copy
import string

import numpy as np
import pytest

from lincoln.layers import Dense
from lincoln.losses import SoftmaxCrossEntropy
from lincoln.rnn import SGD, AdaGrad, GRULayer, LSTMLayer, RNNLayer, RNNModel, RNNTrainer
from lincoln.utils.np_utils import log_softmax

TEXT = "the cat sat on the mat. " * 20


def char_model(vocab: int, layer: type = LSTMLayer, hidden: int = 16, seq: int = 10) -> RNNModel:
    return RNNModel([layer(hidden, vocab)], seq, vocab, SoftmaxCrossEntropy(), seed=0)


def trainer(text: str = TEXT, layer: type = LSTMLayer, seed: int = 0) -> RNNTrainer:
    vocab = len(set(text))
    return RNNTrainer(text, char_model(vocab, layer), AdaGrad(lr=0.05), batch_size=8, seed=seed)


# --- RNNModel ----------------------------------------------------------------------------------


def test_loss_is_the_mean_cross_entropy_per_character() -> None:
    rng = np.random.default_rng(0)
    x = np.eye(5)[rng.integers(0, 5, (3, 4))]
    targets = rng.integers(0, 5, (3, 4))
    model = RNNModel([GRULayer(6, 5)], 4, 5, SoftmaxCrossEntropy())
    scores = model.forward(x)
    loss = model.single_step(x, targets)
    log_probs = log_softmax(scores, axis=2)
    expected = -np.mean(np.take_along_axis(log_probs, targets[..., None], axis=2))
    assert loss == pytest.approx(expected, rel=1e-12)
    assert model.loss_backward().shape == (3, 4, 5)
    one_hot_loss = model.single_step(x, np.eye(5)[targets])  # one-hot targets: same loss
    assert one_hot_loss == pytest.approx(loss, rel=1e-12)


def test_model_errors() -> None:
    loss = SoftmaxCrossEntropy()
    with pytest.raises(ValueError, match="output_size=62"):
        RNNModel([LSTMLayer(8, 10)], 5, 62, loss)
    with pytest.raises(TypeError, match="RNNLayer, GRULayer or LSTMLayer"):
        RNNModel([Dense(62)], 5, 62, loss)  # type: ignore[list-item]
    with pytest.raises(TypeError, match="Loss"):
        RNNModel([LSTMLayer(8, 62)], 5, 62, "cross-entropy")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="at least one layer"):
        RNNModel([], 5, 62, loss)
    with pytest.raises(ValueError, match="sequence_length"):
        RNNModel([LSTMLayer(8, 62)], 0, 62, loss)
    model = RNNModel([RNNLayer(8, 6)], 5, 6, loss)
    with pytest.raises(ValueError, match=r"\(batch, sequence, 6\)"):
        model.forward(np.zeros((2, 5, 7)))
    scores = model.forward(np.zeros((2, 5, 6)))
    with pytest.raises(ValueError, match="character indices"):
        model.loss_forward(scores, np.zeros((2, 4), dtype=int))


def test_reset_recreates_the_same_weights() -> None:
    model = char_model(6, GRULayer)
    x = np.eye(6)[np.zeros((1, 3), dtype=int)]
    model.forward(x)
    before = [p.copy() for p in model.params()]
    for param in model.params():
        param += 1.0
    model.reset()
    model.forward(x)
    for p, q in zip(model.params(), before, strict=True):
        np.testing.assert_array_equal(p, q)


# --- optimizers --------------------------------------------------------------------------------


def trained_step_model() -> tuple[RNNModel, np.ndarray, np.ndarray]:
    rng = np.random.default_rng(1)
    x = np.eye(4)[rng.integers(0, 4, (2, 3))]
    y = rng.integers(0, 4, (2, 3))
    model = RNNModel([RNNLayer(5, 4, weight_scale=3.0)], 3, 4, SoftmaxCrossEntropy())
    return model, x, y


@pytest.mark.parametrize("clipping", [True, False])
def test_sgd_update_with_and_without_clipping(clipping: bool) -> None:
    model, x, y = trained_step_model()
    model.single_step(x, y)
    grads = [g.copy() for g in model.param_grads()]
    before = [p.copy() for p in model.params()]
    optim = SGD(lr=0.5, gradient_clipping=clipping, clip_value=0.05)
    optim.model = model
    optim.step()
    assert max(np.abs(g).max() for g in grads) > 0.05  # so clipping matters here
    for p, p0, g in zip(model.params(), before, grads, strict=True):
        expected_grad = np.clip(g, -0.05, 0.05) if clipping else g
        np.testing.assert_allclose(p, p0 - 0.5 * expected_grad, rtol=1e-12)


def test_adagrad_matches_pytorch_with_value_clipping() -> None:
    torch = pytest.importorskip("torch")
    model, x, y = trained_step_model()
    model.forward(x)
    torch_params = [torch.tensor(p.copy(), requires_grad=True) for p in model.params()]
    optim = AdaGrad(lr=0.1, clip_value=0.05, eps=1e-7)
    optim.model = model
    torch_optim = torch.optim.Adagrad(torch_params, lr=0.1, eps=1e-7)
    for _ in range(3):
        model.single_step(x, y)
        for tp, g in zip(torch_params, model.param_grads(), strict=True):
            tp.grad = torch.tensor(g.copy())
        torch.nn.utils.clip_grad_value_(torch_params, 0.05)
        torch_optim.step()
        optim.step()
    for p, tp in zip(model.params(), torch_params, strict=True):
        np.testing.assert_allclose(p, tp.detach().numpy(), rtol=1e-10, atol=1e-12)


def test_optimizer_errors() -> None:
    with pytest.raises(ValueError, match="learning rate"):
        AdaGrad(lr=0)
    with pytest.raises(ValueError, match="clip_value"):
        SGD(clip_value=-1)
    with pytest.raises(RuntimeError, match="optim.model = model"):
        SGD().step()
    optim = SGD()
    optim.model = char_model(5)
    with pytest.raises(RuntimeError, match="no gradients yet"):
        optim.step()


# --- trainer -----------------------------------------------------------------------------------


@pytest.mark.parametrize("layer", [RNNLayer, GRULayer, LSTMLayer])
def test_loss_decreases_on_a_repetitive_text(layer: type) -> None:
    losses = trainer(layer=layer).train(150, sample_every=0)
    assert len(losses) == 150 and all(isinstance(v, float) for v in losses)
    assert np.mean(losses[:5]) > 1.5
    assert np.mean(losses[-10:]) < 0.5


def test_training_is_reproducible_and_float32() -> None:
    a, b = trainer(seed=3), trainer(seed=3)
    assert a.train(20, sample_every=0) == b.train(20, sample_every=0)
    assert all(p.dtype == np.float32 for p in a.model.params())
    assert trainer(seed=4).train(20, sample_every=0) != b.train(20, sample_every=0)


def test_vocabulary_is_sorted_and_deterministic() -> None:
    letters = list(string.ascii_letters + string.digits + " .,;:!?")
    np.random.default_rng(0).shuffle(letters)
    text = "".join(letters) * 2
    t = trainer(text)
    assert t.chars == sorted(letters)  # not the (hash-dependent) order of set(text)
    assert t.char_to_idx["A"] < t.char_to_idx["a"]
    assert t.decode(t.encode("Hello, world!")) == "Hello, world!"
    np.testing.assert_array_equal(
        t.one_hot(t.encode("ba")),
        np.eye(len(letters), dtype=np.float32)[[t.char_to_idx[c] for c in "ba"]],
    )


def test_batches_are_next_character_windows() -> None:
    t = trainer()
    x, y = t.batch()
    assert x.shape == (8, 10, t.vocab_size) and y.shape == (8, 10)
    inputs = x.argmax(axis=2)
    np.testing.assert_array_equal(inputs[:, 1:], y[:, :-1])
    for row_in, row_out in zip(inputs, y, strict=True):
        window = t.decode(row_in) + t.decode(row_out[-1:])
        assert window in TEXT


def test_sampling_is_reproducible_and_leaves_the_model_alone() -> None:
    t = trainer()
    t.train(150, sample_every=50, sample_length=20, verbose=False)
    assert [i for i, _ in t.samples] == [50, 100, 150]
    assert all(len(s) == 20 and set(s) <= set(TEXT) for _, s in t.samples)
    params = [p.copy() for p in t.model.params()]
    first = t.sample(60, start="the c", temperature=1.0, seed=7)
    assert t.sample(60, start="the c", temperature=1.0, seed=7) == first
    assert len(first) == 60
    for p, q in zip(t.model.params(), params, strict=True):
        np.testing.assert_array_equal(p, q)
    assert not any(layer.stateful for layer in t.model.layers)
    # a cold temperature follows the learned text
    greedy = t.sample(30, start="the cat sat on the ", temperature=0.05, seed=0)
    assert greedy.startswith("mat. the ")
    hot = [t.sample(60, start="the c", temperature=5.0, seed=s) for s in range(3)]
    assert len(set(hot)) == 3 and all(h not in TEXT for h in hot)


def test_sampling_with_a_stacked_model() -> None:
    vocab = len(set(TEXT))
    model = RNNModel([GRULayer(8, 8), LSTMLayer(8, vocab)], 10, vocab, SoftmaxCrossEntropy())
    t = RNNTrainer(TEXT, model, SGD(lr=0.5), batch_size=4)
    t.train(3, sample_every=0)
    assert len(t.sample(5)) == 5
    assert copy.deepcopy(t).sample(5, seed=1) == t.sample(5, seed=1)


def test_trainer_errors(capsys: pytest.CaptureFixture[str]) -> None:
    t = trainer()
    with pytest.raises(ValueError, match=r"\['X', 'z'\] are not in the vocabulary"):
        t.sample(5, start="zeta X")
    with pytest.raises(ValueError, match="temperature"):
        t.sample(5, temperature=0)
    with pytest.raises(ValueError, match="n_chars"):
        t.sample(-1)
    with pytest.raises(ValueError, match="num_iterations"):
        t.train(0)
    with pytest.raises(ValueError, match="sample_every"):
        t.train(1, sample_every=-5)
    vocab = len(set(TEXT))
    with pytest.raises(TypeError, match="read_text"):
        RNNTrainer(b"abc", char_model(3), SGD())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=f"vocab_size={vocab}"):
        RNNTrainer(TEXT, char_model(vocab + 1), SGD())
    with pytest.raises(ValueError, match="sequence_length"):
        RNNTrainer("abcab", char_model(3), SGD())
    with pytest.raises(ValueError, match="batch_size"):
        RNNTrainer(TEXT, char_model(vocab), SGD(), batch_size=0)
    t.train(2, sample_every=1, sample_length=4)
    assert "iteration 2: loss" in capsys.readouterr().out
