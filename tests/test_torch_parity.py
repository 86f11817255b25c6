"""PyTorch parity in float64: layers, losses, a two-layer network and one step of each optimizer.

Skipped, not failed, where torch is not installed.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest

from lincoln import (
    SGD,
    AdaGrad,
    Adam,
    Dense,
    LeakyReLU,
    Linear,
    MeanSquaredError,
    NeuralNetwork,
    Operation,
    Optimizer,
    RegularizedSGD,
    ReLU,
    SGDMomentum,
    Sigmoid,
    SoftmaxCrossEntropy,
    Tanh,
)

torch = pytest.importorskip("torch")
F = torch.nn.functional
ATOL = 1e-8

ACTIVATIONS: list[tuple[Operation, Callable[..., object]]] = [
    (Linear(), lambda t: t),
    (Sigmoid(), torch.sigmoid),
    (Tanh(), torch.tanh),
    (ReLU(), torch.relu),
    (LeakyReLU(0.01), lambda t: F.leaky_relu(t, 0.01)),
]


def tensor(a: np.ndarray, grad: bool = False) -> object:
    return torch.tensor(a, dtype=torch.float64, requires_grad=grad)


@pytest.mark.parametrize(("activation", "torch_fn"), ACTIVATIONS, ids=lambda v: type(v).__name__)
def test_dense_matches_torch(activation: Operation, torch_fn: Callable[..., object]) -> None:
    rng = np.random.default_rng(0)
    x, upstream = rng.standard_normal((6, 5)), rng.standard_normal((6, 4))
    layer = Dense(4, activation)
    out = layer.forward(x)
    input_grad = layer.backward(upstream)
    W, B = layer.params

    tx, tW, tB = tensor(x, True), tensor(W, True), tensor(B, True)
    t_out = torch_fn(tx @ tW + tB)
    t_out.backward(tensor(upstream))
    np.testing.assert_allclose(out, t_out.detach().numpy(), atol=ATOL)
    np.testing.assert_allclose(input_grad, tx.grad.numpy(), atol=ATOL)
    np.testing.assert_allclose(layer.param_grads[0], tW.grad.numpy(), atol=ATOL)
    np.testing.assert_allclose(layer.param_grads[1], tB.grad.numpy(), atol=ATOL)


def test_mse_matches_torch_sum_over_batch() -> None:
    rng = np.random.default_rng(1)
    p, y = rng.standard_normal((5, 3)), rng.standard_normal((5, 3))
    loss = MeanSquaredError()
    value = loss.forward(p, y)
    tp = tensor(p, True)
    t_loss = F.mse_loss(tp, tensor(y), reduction="sum") / 5  # lincoln averages over rows only
    t_loss.backward()
    assert value == pytest.approx(t_loss.item(), abs=ATOL)
    np.testing.assert_allclose(loss.backward(), tp.grad.numpy(), atol=ATOL)


def test_softmax_cross_entropy_matches_torch() -> None:
    rng = np.random.default_rng(2)
    z, labels = rng.standard_normal((7, 4)) * 3, rng.integers(0, 4, 7)
    loss = SoftmaxCrossEntropy()
    value = loss.forward(z, labels)
    tz = tensor(z, True)
    t_loss = F.cross_entropy(tz, torch.tensor(labels))
    t_loss.backward()
    assert value == pytest.approx(t_loss.item(), abs=ATOL)
    np.testing.assert_allclose(loss.backward(), tz.grad.numpy(), atol=ATOL)


def two_layer_net(seed: int = 3) -> NeuralNetwork:
    return NeuralNetwork([Dense(6, Sigmoid()), Dense(3)], SoftmaxCrossEntropy(), seed=seed)


def torch_two_layer(net: NeuralNetwork) -> tuple[object, list[object]]:
    """The same network in PyTorch, with lincoln's parameters copied (W is (in, out) in both)."""
    params = [tensor(p.copy(), True) for p in net.params()]
    W1, B1, W2, B2 = params

    def forward(x: object) -> object:
        return torch.sigmoid(x @ W1 + B1) @ W2 + B2

    return forward, params


def test_two_layer_network_parameter_gradients_match_torch() -> None:
    rng = np.random.default_rng(4)
    x, labels = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    net = two_layer_net()
    value = net.train_batch(x, labels)
    forward, params = torch_two_layer(net)
    t_loss = F.cross_entropy(forward(tensor(x)), torch.tensor(labels))
    t_loss.backward()
    assert value == pytest.approx(t_loss.item(), abs=ATOL)
    for grad, t_param in zip(net.param_grads(), params, strict=True):
        np.testing.assert_allclose(grad, t_param.grad.numpy(), atol=ATOL)


OPTIMIZERS: list[tuple[Callable[[], Optimizer], Callable[[list[object]], object]]] = [
    (lambda: SGD(0.1), lambda p: torch.optim.SGD(p, lr=0.1)),
    (lambda: SGDMomentum(0.1, momentum=0.9), lambda p: torch.optim.SGD(p, lr=0.1, momentum=0.9)),
    (lambda: AdaGrad(0.1, eps=1e-10), lambda p: torch.optim.Adagrad(p, lr=0.1, eps=1e-10)),
    (
        lambda: RegularizedSGD(0.1, alpha=0.01),
        lambda p: torch.optim.SGD(p, lr=0.1, weight_decay=0.01),
    ),
    (lambda: Adam(0.01), lambda p: torch.optim.Adam(p, lr=0.01)),
]


@pytest.mark.parametrize(
    ("make_ours", "make_torch"),
    OPTIMIZERS,
    ids=["SGD", "SGDMomentum", "AdaGrad", "RegularizedSGD", "Adam"],
)
def test_optimizer_steps_match_torch(
    make_ours: Callable[[], Optimizer], make_torch: Callable[[list[object]], object]
) -> None:
    """Three steps, so that momentum and accumulated state are exercised too."""
    rng = np.random.default_rng(5)
    x, labels = rng.standard_normal((8, 5)), rng.integers(0, 3, 8)
    net = two_layer_net()
    net.forward(x)
    forward, params = torch_two_layer(net)
    optim, t_optim = make_ours(), make_torch(params)
    optim.net = net
    for _ in range(3):
        net.train_batch(x, labels)
        optim.step()
        t_optim.zero_grad()
        F.cross_entropy(forward(tensor(x)), torch.tensor(labels)).backward()
        t_optim.step()
    for ours, theirs in zip(net.params(), params, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), atol=ATOL)
