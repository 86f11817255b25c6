"""Convolution and pooling, checked three ways: finite differences, plain loops and PyTorch.

Also the Conv2D and pooling layers: lazy set-up, float32 throughout, glorot scale, the order of
the parameters, and the errors a learner sees for badly shaped inputs.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from conv_reference import conv2d_loops, conv2d_loops_backward, pool2d_loops
from numpy import ndarray

from lincoln import (
    AvgPool2D,
    Conv2D,
    Dense,
    MaxPool2D,
    NeuralNetwork,
    SGDMomentum,
    SoftmaxCrossEntropy,
    Tanh,
)
from lincoln.base import Operation
from lincoln.conv import AvgPool2D_Op, Conv2D_Op, ConvBiasAdd, MaxPool2D_Op, padding_amounts
from lincoln.dropout import Dropout
from lincoln.reshape import Flatten
from lincoln.utils.gradcheck import check_operation

TOL = 1e-6

# (batch, in_channels, out_channels, height, width, (k_h, k_w), padding, stride)
ConvCase = tuple[int, int, int, int, int, tuple[int, int], str | int, int]
CONV_CASES: list[ConvCase] = [
    (2, 3, 4, 7, 6, (3, 3), "same", 1),
    (3, 2, 3, 8, 9, (5, 5), "valid", 2),
    (2, 2, 2, 9, 7, (5, 5), "same", 1),
    (2, 1, 3, 6, 8, (2, 2), "same", 1),
    (2, 2, 2, 9, 8, (3, 3), 1, 2),
    (2, 2, 3, 7, 10, (4, 4), "valid", 3),
    (2, 2, 2, 6, 7, (3, 2), "same", 1),
    (2, 3, 2, 8, 5, (3, 3), "same", 2),
    # fewer output than input channels, stride 1: input gradient by the flipped kernel
    (2, 4, 2, 7, 6, (3, 3), "same", 1),
    (2, 3, 1, 8, 7, (5, 5), "valid", 1),
    (2, 4, 2, 6, 8, (4, 4), "same", 1),
    (2, 3, 2, 7, 7, (3, 3), 1, 1),
    (1, 5, 2, 6, 6, (3, 2), 2, 1),
]


def random_conv_case(seed: int) -> ConvCase:
    """A random small case: any kernel from 1 to 4, any padding, stride 1 to 3."""
    rng = np.random.default_rng(100 + seed)
    k_h, k_w = (int(k) for k in rng.integers(1, 5, 2))
    paddings: list[str | int] = ["same", "valid", int(rng.integers(0, 3))]
    padding = paddings[seed % 3]
    odd = k_h % 2 == 1 and k_w % 2 == 1
    stride = int(rng.integers(1, 4)) if padding != "same" or odd else 1
    batch, c_in, c_out = (int(c) for c in rng.integers(1, 4, 3))
    height, width = (int(d) for d in rng.integers(max(k_h, k_w), 10, 2))
    return (batch, c_in, c_out, height, width, (k_h, k_w), padding, stride)


ALL_CONV_CASES = CONV_CASES + [random_conv_case(seed) for seed in range(6)]


def conv_inputs(case: ConvCase, seed: int = 0) -> tuple[ndarray, ndarray]:
    """A float64 batch of images and a weight array for ``case``."""
    batch, c_in, c_out, height, width, (k_h, k_w), _, _ = case
    rng = np.random.default_rng(seed)
    return rng.standard_normal((batch, c_in, height, width)), rng.standard_normal(
        (c_in, c_out, k_h, k_w)
    )


def untied_images(shape: tuple[int, ...], seed: int = 0) -> ndarray:
    """Distinct values at least 0.1 apart, so no window of a max pool has a tie (or a near one)."""
    values = np.random.default_rng(seed).permutation(int(np.prod(shape))) * 0.1
    return values.reshape(shape) - values.mean()


# --- finite differences ----------------------------------------------------------------------


@pytest.mark.parametrize("case", ALL_CONV_CASES, ids=str)
def test_conv_gradients(case: ConvCase) -> None:
    x, W = conv_inputs(case)
    result = check_operation(Conv2D_Op(W, padding=case[6], stride=case[7]), x)
    assert result.input <= TOL
    assert result.param is not None and result.param <= TOL


def test_conv_bias_gradients() -> None:
    rng = np.random.default_rng(1)
    op = ConvBiasAdd(rng.standard_normal((1, 3, 1, 1)))
    result = check_operation(op, rng.standard_normal((2, 3, 4, 5)))
    assert result.input <= TOL
    assert result.param is not None and result.param <= TOL
    # One bias per channel, shared by every sample and pixel: its gradient sums over all of them.
    op.forward(np.zeros((2, 3, 4, 5)))
    op.backward(np.ones((2, 3, 4, 5)))
    np.testing.assert_array_equal(op.param_grad, np.full((1, 3, 1, 1), 40.0))


POOL_CASES = [
    ((2, 3, 6, 8), 2, None),
    ((2, 2, 7, 9), 3, 2),
    ((1, 2, 5, 7), 2, 1),
    ((2, 1, 9, 6), 3, None),
]


@pytest.mark.parametrize(("shape", "size", "stride"), POOL_CASES, ids=str)
@pytest.mark.parametrize("pool", [MaxPool2D_Op, AvgPool2D_Op])
def test_pool_gradients(
    pool: type[MaxPool2D_Op | AvgPool2D_Op],
    shape: tuple[int, int, int, int],
    size: int,
    stride: int | None,
) -> None:
    assert check_operation(pool(size, stride), untied_images(shape)).input <= TOL


# --- the plain-loop oracle -------------------------------------------------------------------


@pytest.mark.parametrize("case", ALL_CONV_CASES, ids=str)
def test_conv_matches_loops(case: ConvCase) -> None:
    x, W = conv_inputs(case, seed=2)
    padding, stride = case[6], case[7]
    op = Conv2D_Op(W, padding=padding, stride=stride)
    out = op.forward(x)
    pad_h, pad_w = padding_amounts(W.shape[2], padding), padding_amounts(W.shape[3], padding)
    np.testing.assert_allclose(out, conv2d_loops(x, W, pad_h, pad_w, stride), atol=1e-12)
    grad = np.random.default_rng(3).standard_normal(out.shape)
    grad_x, grad_W = conv2d_loops_backward(x, W, grad, pad_h, pad_w, stride)
    np.testing.assert_allclose(op.backward(grad), grad_x, atol=1e-12)
    np.testing.assert_allclose(op.param_grad, grad_W, atol=1e-12)


@pytest.mark.parametrize(("shape", "size", "stride"), POOL_CASES, ids=str)
def test_pooling_matches_loops(
    shape: tuple[int, int, int, int], size: int, stride: int | None
) -> None:
    x = np.random.default_rng(4).standard_normal(shape)
    step = size if stride is None else stride
    np.testing.assert_allclose(
        MaxPool2D_Op(size, stride).forward(x), pool2d_loops(x, size, step, "max"), atol=1e-14
    )
    np.testing.assert_allclose(
        AvgPool2D_Op(size, stride).forward(x), pool2d_loops(x, size, step, "avg"), atol=1e-14
    )


def test_max_pool_sends_gradient_to_the_first_maximum() -> None:
    x = np.zeros((1, 1, 2, 2))  # one window, all four values tied
    op = MaxPool2D_Op(2)
    op.forward(x)
    grad = op.backward(np.ones((1, 1, 1, 1)))
    np.testing.assert_array_equal(grad, [[[[1.0, 0.0], [0.0, 0.0]]]])


# --- PyTorch parity --------------------------------------------------------------------------


def torch_conv_padding(padding: str | int, k_h: int, k_w: int, stride: int) -> Any:
    """PyTorch's ``padding`` argument for ours (its "same" only exists for stride 1)."""
    if padding == "same" and stride > 1:
        assert k_h % 2 == 1 and k_w % 2 == 1, "symmetric padding needs an odd kernel"
        return (k_h // 2, k_w // 2)
    return padding


@pytest.mark.filterwarnings("ignore:Using padding='same' with even kernel:UserWarning")
@pytest.mark.parametrize("case", ALL_CONV_CASES, ids=str)
def test_conv_matches_torch(case: ConvCase) -> None:
    torch = pytest.importorskip("torch")
    x, W = conv_inputs(case, seed=5)
    rng = np.random.default_rng(6)
    B = rng.standard_normal((1, W.shape[1], 1, 1))
    padding, stride = case[6], case[7]
    conv, bias = Conv2D_Op(W, padding=padding, stride=stride), ConvBiasAdd(B)
    out = bias.forward(conv.forward(x))
    grad = rng.standard_normal(out.shape)
    grad_x = conv.backward(bias.backward(grad))

    x_t = torch.tensor(x, requires_grad=True)
    W_t = torch.tensor(W.transpose(1, 0, 2, 3).copy(), requires_grad=True)  # (out, in, k, k)
    B_t = torch.tensor(B.reshape(-1), requires_grad=True)
    k_h, k_w = W.shape[2:]
    out_t = torch.nn.functional.conv2d(
        x_t, W_t, B_t, stride=stride, padding=torch_conv_padding(padding, k_h, k_w, stride)
    )
    out_t.backward(torch.tensor(grad))
    np.testing.assert_allclose(out, out_t.detach().numpy(), atol=1e-8)
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), atol=1e-8)
    np.testing.assert_allclose(conv.param_grad, W_t.grad.numpy().transpose(1, 0, 2, 3), atol=1e-8)
    np.testing.assert_allclose(bias.param_grad.reshape(-1), B_t.grad.numpy(), atol=1e-8)


@pytest.mark.parametrize("seed", range(6))
def test_pooling_matches_torch_on_random_shapes(seed: int) -> None:
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(seed)
    size, stride = int(rng.integers(1, 4)), int(rng.integers(1, 4))
    shape = (int(rng.integers(1, 4)), int(rng.integers(1, 4)), *rng.integers(size, 10, 2))
    x = untied_images(tuple(int(d) for d in shape), seed)
    for ours, theirs in [
        (MaxPool2D_Op(size, stride), torch.nn.functional.max_pool2d),
        (AvgPool2D_Op(size, stride), torch.nn.functional.avg_pool2d),
    ]:
        out = ours.forward(x)
        grad = rng.standard_normal(out.shape)
        x_t = torch.tensor(x, requires_grad=True)
        out_t = theirs(x_t, size, stride)
        out_t.backward(torch.tensor(grad))
        np.testing.assert_allclose(out, out_t.detach().numpy(), atol=1e-8)
        np.testing.assert_allclose(ours.backward(grad), x_t.grad.numpy(), atol=1e-8)


# --- float32 and memory ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "op",
    [
        Conv2D_Op(np.ones((2, 3, 3, 3), dtype=np.float32)),
        ConvBiasAdd(np.ones((1, 2, 1, 1), dtype=np.float32)),
        MaxPool2D_Op(2),
        AvgPool2D_Op(3, 1),
    ],
    ids=lambda op: type(op).__name__,
)
def test_float32_stays_float32(op: Operation) -> None:
    x = np.random.default_rng(7).standard_normal((2, 2, 6, 6), dtype=np.float32)
    out = op.forward(x)
    assert out.dtype == np.float32
    assert op.backward(np.ones_like(out)).dtype == np.float32
    if isinstance(op, (Conv2D_Op, ConvBiasAdd)):
        assert op.param_grad.dtype == np.float32


def test_inference_keeps_no_patch_matrix() -> None:
    x = np.random.default_rng(8).standard_normal((3, 2, 6, 5))
    op = Conv2D_Op(np.random.default_rng(9).standard_normal((2, 4, 3, 3)))
    training = op.forward(x)
    assert op._patches is not None and op._patches.shape == (3, 2 * 3 * 3, 6 * 5)
    grad = np.ones_like(training)
    op.backward(grad)
    expected = op.param_grad.copy()
    np.testing.assert_array_equal(op.forward(x, inference=True), training)
    assert op._patches is None
    op.backward(grad)  # the weight gradient still works: the patches are rebuilt
    np.testing.assert_allclose(op.param_grad, expected)


# --- errors ----------------------------------------------------------------------------------


def test_conv_op_errors() -> None:
    with pytest.raises(ValueError, match="in_channels, out_channels"):
        Conv2D_Op(np.ones((3, 3, 3)))
    with pytest.raises(ValueError, match="padding must be one of"):
        Conv2D_Op(np.ones((1, 1, 3, 3)), padding="full")
    with pytest.raises(ValueError, match="stride must be a positive integer"):
        Conv2D_Op(np.ones((1, 1, 3, 3)), stride=0)
    op = Conv2D_Op(np.ones((2, 1, 3, 3)))
    with pytest.raises(ValueError, match=r"4-D input .*reshape"):
        op.forward(np.ones((2, 5, 5)))
    with pytest.raises(ValueError, match=r"2 channel\(s\).*shape \(1, 3, 5, 5\)"):
        op.forward(np.ones((1, 3, 5, 5)))
    with pytest.raises(ValueError, match="does not fit"):
        Conv2D_Op(np.ones((1, 1, 5, 5)), padding="valid").forward(np.ones((1, 1, 4, 8)))
    with pytest.raises(ValueError, match="size must be a positive integer"):
        MaxPool2D_Op(0)
    with pytest.raises(ValueError, match="do not fit"):
        AvgPool2D_Op(3).forward(np.ones((1, 1, 2, 5)))


# --- layers ----------------------------------------------------------------------------------


def test_conv_layer_sets_up_lazily_in_float32() -> None:
    layer = Conv2D(4, 3, activation=Tanh())
    assert layer.first and layer.params == []
    x = np.random.default_rng(10).standard_normal((2, 3, 8, 7), dtype=np.float32)
    out = layer.forward(x)
    assert out.shape == (2, 4, 8, 7) and out.dtype == np.float32
    W, B = layer.params  # W first, then B
    assert W.shape == (3, 4, 3, 3) and B.shape == (1, 4, 1, 1)
    assert W.dtype == B.dtype == np.float32
    assert not np.any(B)
    assert layer.backward(np.ones_like(out)).dtype == np.float32
    assert [g.shape for g in layer.param_grads] == [W.shape, B.shape]
    assert all(g.dtype == np.float32 for g in layer.param_grads)


def test_conv_layer_weight_inits() -> None:
    x = np.zeros((1, 8, 6, 6))
    glorot = Conv2D(16, 5, weight_init="glorot")
    glorot.rng = np.random.default_rng(11)
    glorot.forward(x)
    expected = np.sqrt(2.0 / ((8 + 16) * 5 * 5))
    assert glorot.params[0].std() == pytest.approx(expected, rel=0.05)
    normal = Conv2D(16, 5)
    normal.rng = np.random.default_rng(11)
    normal.forward(x)
    assert normal.params[0].std() == pytest.approx(1.0, rel=0.05)


def test_conv_layer_options() -> None:
    x = np.random.default_rng(12).standard_normal((2, 1, 9, 9))
    layer = Conv2D(3, 3, dropout=0.8, flatten=True, padding="valid", stride=2, bias=False)
    out = layer.forward(x)
    assert out.shape == (2, 3 * 4 * 4)
    assert len(layer.params) == 1 and layer.params[0].shape == (1, 3, 3, 3)
    assert [type(op) for op in layer.operations][-2:] == [Flatten, Dropout]
    assert layer.forward(x, inference=True).shape == (2, 48)


def test_conv_layer_errors() -> None:
    with pytest.raises(ValueError, match="unknown weight_init"):
        Conv2D(4, 3, weight_init="standard_normal")
    with pytest.raises(ValueError, match="keep probability"):
        Conv2D(4, 3, dropout=0.0)
    with pytest.raises(ValueError, match="out_channels must be a positive integer"):
        Conv2D(0, 3)
    with pytest.raises(ValueError, match="param_size must be a positive integer"):
        Conv2D(4, 0)
    with pytest.raises(ValueError, match="padding must be one of"):
        Conv2D(4, 3, padding="full")
    with pytest.raises(ValueError, match=r"Conv2D expects a 4-D input .*\(60, 28, 28\)"):
        Conv2D(4, 3).forward(np.ones((60, 28, 28)))
    layer = Conv2D(4, 3)
    layer.forward(np.ones((2, 1, 5, 5)))
    with pytest.raises(ValueError, match=r"1 channel\(s\)"):
        layer.forward(np.ones((2, 3, 5, 5)))
    with pytest.raises(ValueError, match="4-D input"):
        MaxPool2D().forward(np.ones((2, 8)))


def test_pooling_layers_in_a_network() -> None:
    rng = np.random.default_rng(13)
    X = rng.standard_normal((12, 1, 8, 8), dtype=np.float32)
    y = rng.integers(0, 3, 12)
    layers = [
        Conv2D(4, 3, activation=Tanh(), weight_init="glorot"),
        MaxPool2D(2),
        Conv2D(6, 3, activation=Tanh(), weight_init="glorot"),
        AvgPool2D(2, flatten=True),
        Dense(3, weight_init="glorot"),
    ]
    net = NeuralNetwork(layers, SoftmaxCrossEntropy(), seed=3)
    assert net.predict(X, batch_size=5).shape == (12, 3)
    assert layers[1].neurons == 4 and layers[3].neurons == 6
    assert [p.shape for p in net.params()] == [
        (1, 4, 3, 3),
        (1, 4, 1, 1),
        (4, 6, 3, 3),
        (1, 6, 1, 1),
        (24, 3),
        (1, 3),
    ]
    assert all(p.dtype == np.float32 for p in net.params())
    optim = SGDMomentum(0.05, momentum=0.9)
    optim.net = net
    losses = []
    for _ in range(30):
        losses.append(net.train_batch(X, y))
        optim.step()
    assert losses[-1] < 0.5 * losses[0]


def test_max_pool_gradient_after_an_inference_forward() -> None:
    """Backward after ``forward(..., inference=True)`` uses that pass's maxima, not an older one."""
    rng = np.random.default_rng(11)
    op = MaxPool2D_Op(2)
    op.forward(rng.standard_normal((1, 2, 4, 4)))  # an earlier pass with another batch
    assert check_operation(op, rng.standard_normal((3, 2, 4, 4)), inference=True).input <= 1e-6


@pytest.mark.parametrize("padding", ["same", "valid", 1])
def test_both_input_gradient_routes_agree(padding: str | int) -> None:
    """Folding patches back (col2im) and convolving with the flipped kernel give one gradient."""
    rng = np.random.default_rng(12)
    op = Conv2D_Op(rng.standard_normal((5, 2, 3, 3)), padding=padding)
    out = op.forward(rng.standard_normal((3, 5, 8, 7)))
    grad = rng.standard_normal(out.shape)
    by_flipped_kernel = op.backward(grad)
    batch, out_channels, out_h, out_w = grad.shape
    folded = op._col2im(np.matmul(op._weight_matrix().T, grad.reshape(batch, out_channels, -1)))
    np.testing.assert_allclose(by_flipped_kernel, folded, atol=1e-12)
