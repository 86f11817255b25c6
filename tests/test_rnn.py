"""Recurrent nodes and layers: gradients through time, carried state, PyTorch parity, dtypes."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from numpy import ndarray

from lincoln.losses import SoftmaxCrossEntropy
from lincoln.rnn import (
    GRULayer,
    GRUNode,
    LSTMLayer,
    LSTMNode,
    RecurrentLayer,
    RecurrentNode,
    RNNLayer,
    RNNModel,
    RNNNode,
)
from lincoln.utils.gradcheck import numerical_gradient, relative_error

LAYERS: dict[str, type[RecurrentLayer]] = {"RNN": RNNLayer, "GRU": GRULayer, "LSTM": LSTMLayer}
NODES: dict[str, type[RecurrentNode]] = {"RNN": RNNNode, "GRU": GRUNode, "LSTM": LSTMNode}
TOL = 1e-6


def set_up(layer: RecurrentLayer, x: ndarray, seed: int = 0) -> RecurrentLayer:
    """Create the layer's parameters from ``x`` and give every one of them non-trivial values."""
    layer.rng = np.random.default_rng(seed)
    layer.forward(x)
    rng = np.random.default_rng(seed + 1)
    for param in layer.params:
        param[...] = 0.5 * rng.standard_normal(param.shape)
    return layer


def gradient_errors(
    forward: Any, backward: Any, x: ndarray, params: list[ndarray], grads: Any, seed: int = 0
) -> dict[str, float]:
    """Relative errors of the input gradient and each parameter gradient vs finite differences.

    ``s = Σ forward(x) ⊙ G`` with a random upstream gradient ``G``; ``backward(G)`` must return
    ∂s/∂x and ``grads()`` must then list ∂s/∂param for every array of ``params``.
    """
    upstream = np.random.default_rng(seed).standard_normal(forward(x).shape)

    def scalar() -> float:
        return float(np.sum(forward(x) * upstream))

    forward(x)
    analytic_x = backward(upstream).copy()
    analytic_params = [g.copy() for g in grads()]
    errors = {"input": relative_error(analytic_x, numerical_gradient(scalar, x))}
    for i, (param, analytic) in enumerate(zip(params, analytic_params, strict=True)):
        errors[f"param {i}"] = relative_error(analytic, numerical_gradient(scalar, param))
    return errors


@pytest.mark.parametrize("kind", LAYERS)
def test_layer_gradients_through_time(kind: str) -> None:
    x = np.random.default_rng(3).standard_normal((3, 5, 2))
    layer = set_up(LAYERS[kind](4, 3), x)
    assert len(layer.params) == len(layer.param_names)
    errors = gradient_errors(
        layer.forward, layer.backward, x, layer.params, lambda: layer.param_grads
    )
    assert len(errors) == 1 + len(layer.params)
    assert max(errors.values()) <= TOL, errors


@pytest.mark.parametrize("kinds", [("LSTM", "GRU"), ("GRU", "RNN"), ("RNN", "LSTM")])
def test_stacked_layers_gradients_through_time(kinds: tuple[str, str]) -> None:
    x = np.random.default_rng(4).standard_normal((2, 4, 3))
    first, second = LAYERS[kinds[0]](4, 3), LAYERS[kinds[1]](3, 3)
    model = RNNModel([first, second], 4, 3, SoftmaxCrossEntropy(), seed=5)
    model.forward(x)
    rng = np.random.default_rng(6)
    for param in model.params():
        param[...] = 0.5 * rng.standard_normal(param.shape)
    errors = gradient_errors(
        model.forward, model.backward, x, list(model.params()), lambda: list(model.param_grads())
    )
    assert len(errors) == 1 + len(first.params) + len(second.params)
    assert max(errors.values()) <= TOL, errors


@pytest.mark.parametrize("kind", LAYERS)
def test_model_loss_gradient_is_the_mean_cross_entropy_gradient(kind: str) -> None:
    rng = np.random.default_rng(7)
    x = np.eye(4)[rng.integers(0, 4, (3, 5))]
    targets = rng.integers(0, 4, (3, 5))
    model = RNNModel([LAYERS[kind](5, 4, weight_scale=0.5)], 5, 4, SoftmaxCrossEntropy())
    model.single_step(x, targets)
    analytic = [g.copy() for g in model.param_grads()]

    def loss() -> float:
        return model.loss_forward(model.forward(x), targets)

    for param, grad in zip(list(model.params()), analytic, strict=True):
        assert relative_error(grad, numerical_gradient(loss, param)) <= TOL


@pytest.mark.parametrize("kind", LAYERS)
def test_step_by_step_equals_whole_sequence(kind: str) -> None:
    x = np.random.default_rng(8).standard_normal((3, 6, 2))
    whole = set_up(LAYERS[kind](4, 3), x).forward(x).copy()
    stepper = set_up(LAYERS[kind](4, 3, stateful=True), x)
    stepper.reset_state()
    steps = [stepper.forward(x[:, t : t + 1]).copy() for t in range(6)]
    np.testing.assert_allclose(np.concatenate(steps, axis=1), whole, rtol=1e-12, atol=1e-12)
    # in two chunks, too
    stepper.reset_state()
    chunks = [stepper.forward(x[:, :2]).copy(), stepper.forward(x[:, 2:]).copy()]
    np.testing.assert_allclose(np.concatenate(chunks, axis=1), whole, rtol=1e-12, atol=1e-12)


@pytest.mark.parametrize("kind", LAYERS)
def test_state_starts_at_zero_unless_stateful(kind: str) -> None:
    x = np.random.default_rng(9).standard_normal((2, 3, 2))
    layer = set_up(LAYERS[kind](4, 3), x)
    first = layer.forward(x).copy()
    np.testing.assert_array_equal(layer.forward(x), first)  # no state carried by default
    stateful = set_up(LAYERS[kind](4, 3, stateful=True), x)
    stateful.reset_state()
    np.testing.assert_allclose(stateful.forward(x), first, rtol=1e-12, atol=1e-12)
    assert not np.allclose(stateful.forward(x), first)  # continues from the carried state
    stateful.reset_state()
    np.testing.assert_allclose(stateful.forward(x), first, rtol=1e-12, atol=1e-12)


def test_stateful_layer_refuses_a_new_batch_size() -> None:
    layer = RNNLayer(4, 3, stateful=True)
    layer.forward(np.zeros((2, 3, 2)))
    with pytest.raises(ValueError, match="reset_state"):
        layer.forward(np.zeros((5, 3, 2)))
    layer.reset_state()
    assert layer.forward(np.zeros((5, 3, 2))).shape == (5, 3, 3)


@pytest.mark.parametrize("kind", LAYERS)
def test_float32_stays_float32(kind: str) -> None:
    x = np.random.default_rng(10).standard_normal((2, 4, 3)).astype(np.float32)
    layer = LAYERS[kind](5, 3)
    out = layer.forward(x)
    grad_in = layer.backward(np.ones_like(out))
    assert out.dtype == grad_in.dtype == np.float32
    assert all(p.dtype == np.float32 for p in layer.params)
    assert all(g.dtype == np.float32 for g in layer.param_grads)
    assert [g.shape for g in layer.param_grads] == [p.shape for p in layer.params]


def test_parameter_shapes_and_names() -> None:
    x = np.zeros((2, 3, 7))
    with pytest.raises(RuntimeError, match="first forward"):
        LSTMLayer(5, 4).named_params()
    for name, gates in (("RNN", 1), ("GRU", 3), ("LSTM", 4)):
        layer = LAYERS[name](5, 4)
        layer.forward(x)
        named = {k: v.shape for k, v in layer.named_params().items()}
        expected = {
            "W_x": (7, 5 * gates),
            "W_h": (5, 5 * gates),
            "B_x": (1, 5 * gates),
            "W_v": (5, 4),
            "B_v": (1, 4),
        }
        if name == "GRU":
            expected["B_h"] = (1, 15)
        assert named == expected


def test_weights_are_seeded_and_scaled() -> None:
    x = np.zeros((1, 2, 62))
    a = RNNModel([LSTMLayer(64, 62)], 2, 62, SoftmaxCrossEntropy(), seed=3)
    b = RNNModel([LSTMLayer(64, 62)], 2, 62, SoftmaxCrossEntropy(), seed=3)
    a.forward(x)
    b.forward(x)
    for p, q in zip(a.params(), b.params(), strict=True):
        np.testing.assert_array_equal(p, q)
    W_h = a.layers[0].named_params()["W_h"]
    assert W_h.std() == pytest.approx(np.sqrt(2 / (64 + 64)), rel=0.05)  # Glorot
    scaled = LSTMLayer(64, 62, weight_scale=0.01)
    scaled.forward(x)
    assert scaled.named_params()["W_h"].std() == pytest.approx(0.01, rel=0.05)
    two = RNNModel([GRULayer(8, 8), GRULayer(8, 62)], 2, 62, SoftmaxCrossEntropy(), seed=3)
    two.forward(np.zeros((1, 2, 62)))
    assert not np.allclose(two.layers[0].W_h, two.layers[1].W_h)  # own generator per layer


@pytest.mark.parametrize(
    ("args", "match"),
    [
        ((0, 3), "hidden_size"),
        ((4, -1), "output_size"),
        ((2.5, 3), "hidden_size"),
        ((True, 3), "hidden_size"),
        ((4, 3, 0.0), "weight_scale"),
    ],
)
def test_constructor_errors(args: tuple[Any, ...], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        LSTMLayer(*args)


def test_input_errors() -> None:
    layer = GRULayer(4, 3)
    with pytest.raises(RuntimeError, match="forward pass first"):
        layer.backward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="3-D input"):
        layer.forward(np.zeros((2, 5)))
    with pytest.raises(ValueError, match="empty"):
        layer.forward(np.zeros((2, 0, 3)))
    out = layer.forward(np.zeros((2, 5, 3)))
    with pytest.raises(ValueError, match="3 input features"):
        layer.forward(np.zeros((2, 5, 4)))
    with pytest.raises(ValueError, match="shape mismatch"):
        layer.backward(np.zeros(out.shape[:2] + (4,)))


def test_integer_inputs_are_computed_in_float64() -> None:
    layer = RNNLayer(3, 2)
    assert layer.forward(np.ones((1, 2, 2), dtype=np.int64)).dtype == np.float64


# --- PyTorch parity ----------------------------------------------------------------------------


def torch_weights(torch: Any, module: Any) -> dict[str, ndarray]:
    """Our parameters (as float64 arrays) from a PyTorch RNN/GRU/LSTM (cell) with one layer."""
    suffix = "" if hasattr(module, "weight_ih") else "_l0"
    w_ih, w_hh = getattr(module, "weight_ih" + suffix), getattr(module, "weight_hh" + suffix)
    b_ih, b_hh = getattr(module, "bias_ih" + suffix), getattr(module, "bias_hh" + suffix)
    weights = {"W_x": w_ih.detach().numpy().T.copy(), "W_h": w_hh.detach().numpy().T.copy()}
    if isinstance(module, (torch.nn.GRU, torch.nn.GRUCell)):
        weights["B_x"] = b_ih.detach().numpy()[None].copy()
        weights["B_h"] = b_hh.detach().numpy()[None].copy()
    else:
        weights["B_x"] = (b_ih + b_hh).detach().numpy()[None].copy()
    return weights


def torch_grads(torch: Any, module: Any) -> dict[str, ndarray]:
    """PyTorch's parameter gradients in our names and layouts."""
    suffix = "" if hasattr(module, "weight_ih") else "_l0"
    grads = {
        "W_x": getattr(module, "weight_ih" + suffix).grad.numpy().T,
        "W_h": getattr(module, "weight_hh" + suffix).grad.numpy().T,
    }
    b_ih = getattr(module, "bias_ih" + suffix).grad.numpy()[None]
    b_hh = getattr(module, "bias_hh" + suffix).grad.numpy()[None]
    if isinstance(module, (torch.nn.GRU, torch.nn.GRUCell)):
        grads |= {"B_x": b_ih, "B_h": b_hh}
    else:
        np.testing.assert_allclose(b_ih, b_hh)  # the two biases are the same sum
        grads["B_x"] = b_ih
    return grads


@pytest.mark.parametrize("kind", LAYERS)
def test_layer_matches_pytorch(kind: str) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    features, hidden, out_size = 3, 5, 4
    recurrent = getattr(torch.nn, kind)(features, hidden, batch_first=True).double()
    linear = torch.nn.Linear(hidden, out_size).double()
    rng = np.random.default_rng(11)
    x = rng.standard_normal((3, 5, features))
    upstream = rng.standard_normal((3, 5, out_size))

    x_t = torch.tensor(x, requires_grad=True)
    y_t = linear(recurrent(x_t)[0])
    (y_t * torch.tensor(upstream)).sum().backward()

    layer = LAYERS[kind](hidden, out_size)
    layer.forward(x)
    params = layer.named_params()
    for name, value in torch_weights(torch, recurrent).items():
        params[name][...] = value
    params["W_v"][...] = linear.weight.detach().numpy().T
    params["B_v"][...] = linear.bias.detach().numpy()
    y = layer.forward(x)
    grad_x = layer.backward(upstream)
    grads = layer.named_param_grads()

    np.testing.assert_allclose(y, y_t.detach().numpy(), rtol=1e-8, atol=1e-10)
    np.testing.assert_allclose(grad_x, x_t.grad.numpy(), rtol=1e-8, atol=1e-10)
    expected = torch_grads(torch, recurrent)
    expected |= {"W_v": linear.weight.grad.numpy().T, "B_v": linear.bias.grad.numpy()[None]}
    assert expected.keys() == grads.keys()
    for name, grad in grads.items():
        np.testing.assert_allclose(grad, expected[name], rtol=1e-8, atol=1e-10, err_msg=name)


@pytest.mark.parametrize("kind", NODES)
def test_node_matches_pytorch_cell(kind: str) -> None:
    """One step from a non-zero state: new state, and gradients of input, state and weights."""
    torch = pytest.importorskip("torch")
    torch.manual_seed(1)
    features, hidden, batch = 3, 4, 2
    cell = getattr(torch.nn, kind + "Cell")(features, hidden).double()
    rng = np.random.default_rng(12)
    x = rng.standard_normal((batch, features))
    state = tuple(rng.standard_normal((batch, hidden)) for _ in range(2 if kind == "LSTM" else 1))
    d_new = tuple(rng.standard_normal((batch, hidden)) for _ in state)

    x_t = torch.tensor(x, requires_grad=True)
    state_t = tuple(torch.tensor(s, requires_grad=True) for s in state)
    new_t = cell(x_t, state_t if kind == "LSTM" else state_t[0])
    new_t = new_t if kind == "LSTM" else (new_t,)
    sum(torch.sum(n * torch.tensor(d)) for n, d in zip(new_t, d_new, strict=True)).backward()

    w = torch_weights(torch, cell)
    node = NODES[kind]()
    new = node.forward(x @ w["W_x"] + w["B_x"], state, w["W_h"], w.get("B_h"))
    for ours, theirs in zip(new, new_t, strict=True):
        np.testing.assert_allclose(ours, theirs.detach().numpy(), rtol=1e-8, atol=1e-10)

    d_x_proj, d_h_proj, d_state = node.backward(d_new, w["W_h"])
    np.testing.assert_allclose(d_x_proj @ w["W_x"].T, x_t.grad.numpy(), rtol=1e-8, atol=1e-10)
    for ours, theirs in zip(d_state, state_t, strict=True):
        np.testing.assert_allclose(ours, theirs.grad.numpy(), rtol=1e-8, atol=1e-10)
    grads = {"W_x": x.T @ d_x_proj, "W_h": state[0].T @ d_h_proj}
    if kind == "GRU":
        grads |= {"B_x": d_x_proj.sum(0, keepdims=True), "B_h": d_h_proj.sum(0, keepdims=True)}
    else:
        grads["B_x"] = d_x_proj.sum(0, keepdims=True)
    expected = torch_grads(torch, cell)
    for name, grad in grads.items():
        np.testing.assert_allclose(grad, expected[name], rtol=1e-8, atol=1e-10, err_msg=name)
