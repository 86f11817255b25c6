"""Optimizers: update rules by hand, learning-rate decay schedules, and argument errors."""

from __future__ import annotations

import numpy as np
import pytest

from lincoln import Dense, MeanSquaredError, NeuralNetwork
from lincoln.optimizers import SGD, AdaGrad, Adam, Optimizer, RegularizedSGD, SGDMomentum


def one_param_net(w: float, grad: float) -> NeuralNetwork:
    """A network whose single weight is ``w`` and whose gradient is set to ``grad`` by hand."""
    net = NeuralNetwork([Dense(1)], MeanSquaredError(), seed=0)
    net.forward(np.zeros((1, 1)))
    layer = net.layers[0]
    layer.params[0][...] = w
    layer.params[1][...] = 0.0
    layer.param_grads = [np.full((1, 1), grad), np.zeros((1, 1))]
    return net


def run(optim: Optimizer, w: float, grads: list[float]) -> float:
    net = one_param_net(w, grads[0])
    optim.net = net
    for g in grads:
        net.layers[0].param_grads[0][...] = g
        optim.step()
    return float(net.layers[0].params[0][0, 0])


def test_sgd() -> None:
    assert run(SGD(0.1), 1.0, [2.0, 2.0]) == pytest.approx(1.0 - 0.4)


def test_momentum() -> None:
    # v1 = 0.1*2 = 0.2, w = 0.8; v2 = 0.9*0.2 + 0.1*1 = 0.28, w = 0.52
    assert run(SGDMomentum(0.1, momentum=0.9), 1.0, [2.0, 1.0]) == pytest.approx(0.52)


def test_adagrad() -> None:
    # s1 = 4, w = 1 - 0.1*2/2 = 0.9; s2 = 4 + 1 = 5, w = 0.9 - 0.1/sqrt(5)
    expected = 0.9 - 0.1 / np.sqrt(5.0)
    assert run(AdaGrad(0.1, eps=1e-12), 1.0, [2.0, 1.0]) == pytest.approx(expected)


def test_regularized_sgd() -> None:
    assert run(RegularizedSGD(0.1, alpha=0.5), 2.0, [1.0]) == pytest.approx(2.0 - 0.1 * (1 + 1.0))


def test_adam_first_step_is_lr_times_sign() -> None:
    assert run(Adam(0.01), 1.0, [5.0]) == pytest.approx(0.99, abs=1e-8)


def test_decay_schedules_reach_final_lr_on_last_epoch() -> None:
    for decay_type in ("linear", "exponential"):
        optim = SGD(0.2, final_lr=0.05, decay_type=decay_type)
        optim.setup_decay(max_epochs=4)
        rates = [optim.lr]
        for _ in range(3):
            optim.decay_lr()
            rates.append(optim.lr)
        assert rates[0] == pytest.approx(0.2) and rates[-1] == pytest.approx(0.05)
        steps = np.diff(rates) if decay_type == "linear" else np.array(rates[1:]) / rates[:-1]
        np.testing.assert_allclose(steps, steps[0])


def test_setup_decay_restarts_from_initial_lr() -> None:
    optim = SGD(0.2, final_lr=0.05, decay_type="linear")
    optim.setup_decay(3)
    optim.decay_lr()
    optim.setup_decay(3)
    assert optim.lr == pytest.approx(0.2)


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"lr": 0.0}, "positive"),
        ({"lr": -1.0}, "positive"),
        ({"lr": 0.1, "decay_type": "cosine", "final_lr": 0.01}, "unknown decay_type"),
        ({"lr": 0.1, "decay_type": "linear"}, "needs final_lr"),
        ({"lr": 0.1, "final_lr": 0.01}, "no effect without decay_type"),
        ({"lr": 0.1, "final_lr": 0.0, "decay_type": "exponential"}, "final_lr must be positive"),
    ],
)
def test_optimizer_argument_errors(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises(ValueError, match=message):
        SGD(**kwargs)  # type: ignore[arg-type]


def test_momentum_range() -> None:
    with pytest.raises(ValueError, match="momentum"):
        SGDMomentum(0.1, momentum=1.0)


def test_adagrad_arguments_land_in_the_right_slots() -> None:
    """The book's AdaGrad passed its arguments into the wrong slots of Optimizer."""
    optim = AdaGrad(0.3, final_lr=0.1, decay_type="exponential")
    assert (optim.lr, optim.final_lr, optim.decay_type) == (0.3, 0.1, "exponential")


def test_step_before_backward_is_explained() -> None:
    net = NeuralNetwork([Dense(1)], MeanSquaredError())
    net.forward(np.zeros((1, 1)))
    optim = SGD(0.1)
    optim.net = net
    with pytest.raises(RuntimeError, match="train_batch"):
        optim.step()


def test_updates_keep_float32() -> None:
    net = NeuralNetwork([Dense(3)], MeanSquaredError(), seed=0)
    x = np.ones((2, 4), dtype=np.float32)
    for optim in (SGD(0.1), SGDMomentum(0.1), AdaGrad(0.1), RegularizedSGD(0.1), Adam(0.1)):
        optim.net = net
        net.train_batch(x, np.zeros((2, 3)))
        optim.step()
        assert all(p.dtype == np.float32 for p in net.params()), type(optim).__name__
