"""Tests for lincoln.autograd (NumberWithGrad), lincoln.autograd_nn and lincoln.autograd_plot."""

from __future__ import annotations

import io
import math
from collections.abc import Callable
from typing import Any

import matplotlib
import numpy as np
import pytest

from lincoln.activations import Tanh
from lincoln.autograd import NaiveNumberWithGrad, NumberWithGrad, topological_order
from lincoln.autograd_nn import MLP, Layer, Neuron
from lincoln.autograd_plot import draw_graph, graph_levels, node_text
from lincoln.layers import Dense
from lincoln.losses import MeanSquaredError
from lincoln.network import NeuralNetwork
from lincoln.utils.gradcheck import numerical_gradient, relative_error

matplotlib.use("Agg")

N = NumberWithGrad
Expression = Callable[..., Any]


def grads_of(expr: Expression, *values: float) -> tuple[float, list[float]]:
    """Value of ``expr`` at ``values`` and the gradient with respect to each input."""
    inputs = [N(v) for v in values]
    out = expr(*inputs)
    out.backward()
    return out.num, [x.grad for x in inputs]


def numeric_grads(expr: Expression, *values: float) -> np.ndarray:
    """Centred differences of ``expr`` with respect to each input (lincoln's gradcheck helper)."""
    x = np.array(values, dtype=np.float64)
    return numerical_gradient(lambda: expr(*[N(v) for v in x]).num, x)


# --------------------------------------------------------------------------- known answers


def test_reused_intermediate_gets_the_sum_of_its_uses() -> None:
    a = N(3)
    b = 2 * a
    c = b * b
    c.backward()
    assert c.num == 36.0
    assert b.grad == 12.0  # ∂(b²)/∂b = 2b
    assert a.grad == 24.0  # ∂(4a²)/∂a = 8a


def test_book_expression_gives_35() -> None:
    a = N(3)
    out = (4 * a + 3) * (a + 2)
    out.backward()
    assert out.num == 75.0
    assert a.grad == 35.0  # d/da (4a² + 11a + 6) = 8a + 11


def test_book_naive_version_overcounts_reused_intermediates() -> None:
    a = NaiveNumberWithGrad(3)
    b = a * 2
    c = b * b
    c.backward()
    assert c.num == 36.0
    assert a.grad == 36.0  # the book's recursive backward: 12 + 24 instead of 24
    # A reused *leaf* is fine in the naive version: the book's own example is right.
    a = NaiveNumberWithGrad(3)
    e = (a * 4 + 3) * (a + 2)
    e.backward()
    assert a.grad == 35.0


def test_naive_version_hits_the_recursion_limit_on_long_chains() -> None:
    x = NaiveNumberWithGrad(1.0)
    y = x
    for _ in range(5000):
        y = y + 1.0
    with pytest.raises(RecursionError):
        y.backward()


def test_node_used_twice_in_one_operation() -> None:
    a = N(5.0)
    b = a + a  # with "=" instead of "+=" in backward, a.grad would be 1
    b.backward()
    assert a.grad == 2.0


def test_graph_known_answer_xy_plus_xz() -> None:
    value, (gx, gy, gz) = grads_of(lambda x, y, z: x * y + x * z, 3.0, 4.0, -5.0)
    assert value == -3.0
    assert (gx, gy, gz) == (-1.0, 3.0, 3.0)


def test_neuron_known_answer_and_tanh_from_exp() -> None:
    # o = tanh(x1 w1 + x2 w2 + b) with n = 0.8813735870195432 = atanh(1/√2): o = 1/√2, and
    # ∂o/∂n = 1 - o² = 1/2, so ∂o/∂x1 = w1/2, ∂o/∂w1 = x1/2, ∂o/∂x2 = w2/2, ∂o/∂w2 = x2/2.
    point = (2.0, -3.0, 0.0, 1.0, 6.8813735870195432)

    def with_tanh(x1: N, w1: N, x2: N, w2: N, b: N) -> N:
        return (x1 * w1 + x2 * w2 + b).tanh()

    def from_exp(x1: N, w1: N, x2: N, w2: N, b: N) -> N:
        e = (2 * (x1 * w1 + x2 * w2 + b)).exp()
        return (e - 1) / (e + 1)

    expected = [-1.5, 1.0, 0.5, 0.0, 0.5]
    for expr in (with_tanh, from_exp):
        value, grads = grads_of(expr, *point)
        assert value == pytest.approx(1.0 / math.sqrt(2.0), abs=1e-12)
        assert grads == pytest.approx(expected, abs=1e-12)


def test_hand_derived_expression_with_relu() -> None:
    # x = -4: z = 3x + 2 = -10, q = relu(z) + z x = 40, h = relu(z²) = 100, y = h + q + q x = -20.
    # dz/dx = 3; dq/dx = 0 + 3x + z = -22; dh/dx = 2 z · 3 = -60;
    # dy/dx = dh/dx + dq/dx (1 + x) + q = -60 + 66 + 40 = 46.
    def expr(x: N) -> N:
        z = 2 * x + 2 + x
        q = z.relu() + z * x
        h = (z * z).relu()
        return h + q + q * x

    value, (gx,) = grads_of(expr, -4.0)
    assert value == -20.0
    assert gx == 46.0


def test_constants_are_leaves_with_their_own_gradients() -> None:
    a = N(3.0)
    c = a * 4.0
    c.backward()
    constant = c.depends_on[1]
    assert constant.num == 4.0 and not constant.depends_on
    assert constant.grad == 3.0
    assert c.creation_op == "*" and c.local_grads == (4.0, 3.0)


def test_public_constructor_builds_a_custom_operation() -> None:
    a = N(3.0)
    square = N(a.num**2, depends_on=[a], creation_op="square", local_grads=[2 * a.num])
    (square * 2).backward()
    assert a.grad == 12.0 and square.creation_op == "square"
    with pytest.raises(TypeError, match="depends_on must contain NumberWithGrad"):
        N(1.0, depends_on=[2.0], local_grads=[1.0])  # type: ignore[list-item]


# ------------------------------------------------------------ every op vs finite differences

OPS: list[tuple[str, Expression, tuple[float, ...]]] = [
    ("add", lambda a, b: a + b, (1.3, -0.7)),
    ("radd", lambda a: 1.5 + a, (0.4,)),
    ("sub", lambda a, b: a - b, (1.3, -0.7)),
    ("rsub", lambda a: 1 - a, (0.4,)),
    ("mul", lambda a, b: a * b, (1.3, -0.7)),
    ("rmul", lambda a: 2 * a, (0.4,)),
    ("div", lambda a, b: a / b, (1.3, -0.7)),
    ("rdiv", lambda a: 10.0 / a, (0.4,)),
    ("neg", lambda a: -a, (0.4,)),
    ("pow2", lambda a: a**2, (-1.3,)),
    ("pow3", lambda a: a**3, (-1.3,)),
    ("pow_half", lambda a: a**0.5, (2.2,)),
    ("pow_negative", lambda a: a**-1.5, (0.8,)),
    ("pow_zero", lambda a: a**0, (0.8,)),
    ("exp", lambda a: a.exp(), (0.9,)),
    ("log", lambda a: a.log(), (0.9,)),
    ("tanh", lambda a: a.tanh(), (0.6,)),
    ("sigmoid", lambda a: a.sigmoid(), (-1.2,)),
    ("relu_positive", lambda a: a.relu(), (0.6,)),
    ("relu_negative", lambda a: a.relu(), (-0.6,)),
    ("chain", lambda a, b: ((a * b).tanh() + b.exp()).log() / (1 - a).sigmoid(), (0.3, 0.8)),
]


@pytest.mark.parametrize(("name", "expr", "point"), OPS, ids=[op[0] for op in OPS])
def test_every_op_matches_finite_differences(
    name: str, expr: Expression, point: tuple[float, ...]
) -> None:
    _, analytic = grads_of(expr, *point)
    numeric = numeric_grads(expr, *point)
    assert relative_error(np.array(analytic), numeric) <= 1e-6, name


def test_values_of_every_op() -> None:
    a, b = N(1.5), N(-0.5)
    assert (a + b).num == 1.0 and (a - b).num == 2.0 and (a * b).num == -0.75
    assert (a / b).num == -3.0 and (-a).num == -1.5 and (a**2).num == 2.25
    assert (2 * a).num == 3.0 and (1 + a).num == 2.5 and (1 - a).num == -0.5
    assert (3.0 / a).num == 2.0
    assert a.exp().num == math.exp(1.5) and a.log().num == math.log(1.5)
    assert a.tanh().num == math.tanh(1.5)
    assert a.sigmoid().num == pytest.approx(1.0 / (1.0 + math.exp(-1.5)), rel=1e-15)
    assert a.relu().num == 1.5 and b.relu().num == 0.0


def test_sigmoid_does_not_overflow() -> None:
    for x, expected in ((-1000.0, 0.0), (1000.0, 1.0)):
        a = N(x)
        s = a.sigmoid()
        s.backward()
        assert s.num == expected and a.grad == 0.0


def test_relu_gradient_at_zero_is_zero() -> None:
    a = N(0.0)
    a.relu().backward()
    assert a.grad == 0.0


def test_sqrt_at_zero_has_infinite_slope() -> None:
    a = N(0.0)
    r = a**0.5
    r.backward()
    assert r.num == 0.0 and a.grad == math.inf


def test_numpy_scalars_mix_like_numbers() -> None:
    a = N(3.0)
    assert (np.float64(2.0) * a).num == 6.0
    # numpy integers and float32 are not ``float`` to a type checker, but they are numbers.
    assert (a + np.int64(1)).num == 4.0  # type: ignore[operator]
    assert (np.float32(1.0) - a).num == -2.0  # type: ignore[operator]


# ----------------------------------------------------------------------- PyTorch parity


def micrograd_mix(a: Any, b: Any) -> Any:
    c = a + b
    d = a * b + b**3
    c = c + c + 1
    c = c + 1 + c + (-a)
    d = d + d * 2 + (b + a).relu()
    d = d + 3 * d + (b - a).relu()
    e = c - d
    f = e**2
    g = f / 2.0
    return g + 10.0 / f


def transcendental_mix(x: Any, y: Any, z: Any) -> Any:
    top = (x * y).sigmoid() + (1 - z).tanh() ** 2
    bottom = (x.exp() + y**2).log()
    return top / bottom - (-z).relu() * 10.0 / (1 + x**2) + (y - 5) ** 3 / 7.0 + (y**0.5).exp()


def reuse_mix(x: Any, y: Any) -> Any:
    u = x * y
    v = u.tanh()
    w = u * v + v / u - (u + 1).log() + (-v).relu() - u.sigmoid() ** -2
    return w * w + (w.exp() + x).sigmoid() - 0.5 / (w - 3)


def neuron_mix(x1: Any, w1: Any, x2: Any, w2: Any, b: Any) -> Any:
    n = x1 * w1 + x2 * w2 + b
    e = (2 * n).exp()
    return ((e - 1) / (e + 1)) * n.sigmoid() + (n - 1).relu() - (1.5 - n).relu() ** 2


PARITY: list[tuple[str, Expression, list[tuple[float, ...]]]] = [
    ("micrograd_mix", micrograd_mix, [(-4.0, 2.0), (1.5, -0.25)]),
    ("transcendental_mix", transcendental_mix, [(0.7, 2.3, -1.1), (-1.2, 0.4, 0.9)]),
    ("reuse_mix", reuse_mix, [(0.8, 1.3), (-0.6, 0.9)]),
    ("neuron_mix", neuron_mix, [(2.0, -3.0, 0.0, 1.0, 6.88), (0.5, 1.2, -0.3, 0.7, 0.1)]),
]


@pytest.mark.parametrize(("name", "expr", "points"), PARITY, ids=[p[0] for p in PARITY])
def test_pytorch_parity_float64(
    name: str, expr: Expression, points: list[tuple[float, ...]]
) -> None:
    torch = pytest.importorskip("torch")
    for point in points:
        value, grads = grads_of(expr, *point)
        leaves = [torch.tensor(v, dtype=torch.float64, requires_grad=True) for v in point]
        out = expr(*leaves)
        out.backward()
        assert value == pytest.approx(out.item(), rel=1e-12, abs=1e-12), name
        torch_grads = [leaf.grad.item() for leaf in leaves]
        assert grads == pytest.approx(torch_grads, rel=1e-12, abs=1e-12), name


def test_micrograd_mix_known_answer() -> None:
    value, (ga, gb) = grads_of(micrograd_mix, -4.0, 2.0)
    assert value == pytest.approx(24.70408163265306, abs=1e-10)
    assert ga == pytest.approx(138.83381924198252, abs=1e-9)
    assert gb == pytest.approx(645.5772594752186, abs=1e-9)


def test_parity_expressions_cover_every_operation() -> None:
    ops: set[str] = set()
    for _, expr, points in PARITY:
        out = expr(*[N(v) for v in points[0]])
        for node in topological_order(out):
            ops.add("**" if node.creation_op.startswith("**") else node.creation_op)
    expected = {"+", "-", "*", "/", "neg", "**", "exp", "log", "tanh", "sigmoid", "relu"}
    assert expected <= ops


# ------------------------------------------------------------ accumulation and zero_grad


def test_backward_twice_accumulates_exactly() -> None:
    a = N(3.0)
    b = 2 * a
    c = b * b
    c.backward()
    c.backward()
    # Twice the gradients everywhere, intermediates included (no over-counting).
    assert (a.grad, b.grad, c.grad) == (48.0, 24.0, 2.0)


def test_zero_grad_clears_the_whole_graph() -> None:
    a = N(3.0)
    b = 2 * a
    c = b * b
    c.backward()
    c.zero_grad()
    assert all(node.grad == 0.0 for node in topological_order(c))
    c.backward()
    assert (a.grad, b.grad, c.grad) == (24.0, 12.0, 1.0)


def test_backward_grad_scales_the_result() -> None:
    a = N(3.0)
    (a * a).backward(0.5)
    assert a.grad == 3.0


def test_shared_leaf_accumulates_across_outputs() -> None:
    a = N(2.0)
    (a * 3).backward()
    (a**2).backward()
    assert a.grad == 3.0 + 4.0


def test_long_chain_needs_no_recursion() -> None:
    x = N(0.5)
    y = x
    for _ in range(30_000):
        y = y + x
    y.backward()
    assert x.grad == 30_001.0
    assert y.num == pytest.approx(0.5 * 30_001)


def test_topological_order_lists_parents_first_once() -> None:
    a, b = N(1.0), N(2.0)
    c = a * b
    d = c + a
    e = d * c
    order = topological_order(e)
    assert order[-1] is e
    assert len(order) == len({id(node) for node in order}) == 5
    position = {node: i for i, node in enumerate(order)}
    for node in order:
        assert all(position[p] < position[node] for p in node.depends_on)


# ------------------------------------------------------------------------------- errors


def test_mixing_with_non_numbers_is_a_clear_error() -> None:
    a = N(1.0)
    with pytest.raises(TypeError, match="cannot add a NumberWithGrad and a str"):
        a + "2"  # type: ignore[operator]
    with pytest.raises(TypeError, match="cannot multiply a NumberWithGrad and a list"):
        a * [2.0]  # type: ignore[operator]
    with pytest.raises(TypeError, match="cannot add a NumberWithGrad and a ndarray"):
        np.array([1.0, 2.0]) + a
    with pytest.raises(TypeError, match="NaiveNumberWithGrad"):
        a * NaiveNumberWithGrad(2.0)  # type: ignore[operator]
    with pytest.raises(TypeError, match="plain number"):
        N("3")  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="plain number"):
        N(True)
    with pytest.raises(TypeError, match="use the existing object"):
        N(a)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="backward_grad must be a plain number"):
        a.backward("1")  # type: ignore[arg-type]


def test_log_of_non_positive_is_a_clear_error() -> None:
    for bad in (0.0, -2.0):
        with pytest.raises(ValueError, match="log needs a positive number"):
            N(bad).log()


def test_non_constant_exponent_is_a_clear_error() -> None:
    a, b = N(2.0), N(3.0)
    with pytest.raises(TypeError, match="constant exponent"):
        a**b  # type: ignore[operator]
    with pytest.raises(TypeError, match="constant exponent"):
        2**a


def test_other_domain_errors() -> None:
    with pytest.raises(ZeroDivisionError, match="divide"):
        N(1.0) / 0
    with pytest.raises(ZeroDivisionError, match="nonzero base"):
        N(0.0) ** -1
    with pytest.raises(ValueError, match="integer exponent"):
        N(-8.0) ** 0.5
    with pytest.raises(OverflowError, match="largest float"):
        N(1000.0).exp()
    with pytest.raises(ValueError, match="one local gradient per parent"):
        N(1.0, depends_on=[N(2.0)])


# ------------------------------------------------------------------------- neurons, MLP

XS = [[2.0, 3.0, -1.0], [3.0, -1.0, 0.5], [0.5, 1.0, 1.0], [1.0, 1.0, -1.0]]
YS = [1.0, -1.0, -1.0, 1.0]


def squared_error(model: MLP) -> NumberWithGrad:
    return sum(((model(x)[0] - y) ** 2 for x, y in zip(XS, YS, strict=True)), start=N(0.0))


def test_mlp_loss_decreases_on_four_examples() -> None:
    model = MLP(3, [4, 4, 1], seed=1)
    losses = []
    for _ in range(40):
        model.zero_grad()
        loss = squared_error(model)
        loss.backward()
        for p in model.parameters():
            p.num -= 0.05 * p.grad
        losses.append(loss.num)
    assert losses[-1] < 0.01 * losses[0]
    assert all(later < earlier for earlier, later in zip(losses[:10], losses[1:11], strict=True))
    predictions = [model(x)[0].num for x in XS]
    assert np.sign(predictions).tolist() == YS


def test_forgetting_zero_grad_changes_the_update() -> None:
    model = MLP(3, [4, 1], seed=3)
    squared_error(model).backward()
    first = [p.grad for p in model.parameters()]
    squared_error(model).backward()
    assert [p.grad for p in model.parameters()] == pytest.approx([2 * g for g in first])
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())


def test_mlp_is_seedable_and_neurons_differ() -> None:
    def weights(model: MLP) -> list[float]:
        return [p.num for p in model.parameters()]

    assert weights(MLP(3, [4, 4, 1], seed=7)) == weights(MLP(3, [4, 4, 1], seed=7))
    assert weights(MLP(3, [4, 4, 1], seed=7)) != weights(MLP(3, [4, 4, 1], seed=8))
    layer = Layer(3, 2, seed=7)
    assert layer.neurons[0].parameters()[0].num != layer.neurons[1].parameters()[0].num
    assert len(MLP(3, [4, 4, 1]).parameters()) == (3 + 1) * 4 + (4 + 1) * 4 + (4 + 1) * 1


def test_mlp_structure_and_activations() -> None:
    model = MLP(2, [3, 2], activation="relu", output_activation="sigmoid")
    assert [neuron.activation for layer in model.layers for neuron in layer.neurons] == [
        "relu"
    ] * 3 + ["sigmoid"] * 2
    outputs = model([0.3, -0.2])
    assert len(outputs) == 2 and all(0.0 < o.num < 1.0 for o in outputs)
    assert repr(model).startswith("MLP(Layer(n_inputs=2, neurons=3, activation='relu')")


def test_neuron_errors() -> None:
    with pytest.raises(ValueError, match="has 3 inputs, received an example with 2"):
        Neuron(3)([1.0, 2.0])
    with pytest.raises(ValueError, match="unknown activation"):
        Neuron(3, activation="softplus")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive integer"):
        Neuron(0)
    with pytest.raises(ValueError, match="positive integer"):
        Layer(3, 0)
    with pytest.raises(ValueError, match="at least one layer"):
        MLP(3, [])


def test_mlp_matches_lincoln_dense_network() -> None:
    """The scalar MLP computes what Dense(tanh) + Dense(linear) computes with arrays."""
    model = MLP(3, [4, 1], activation="tanh", output_activation="linear", seed=2)
    X, y = np.array(XS), np.array(YS).reshape(-1, 1)

    net = NeuralNetwork([Dense(4, Tanh()), Dense(1)], MeanSquaredError(), seed=0)
    net.forward(X)
    for dense, layer in zip(net.layers, model.layers, strict=True):
        W, B = dense.params
        W[...] = [[neuron.w[i].num for neuron in layer.neurons] for i in range(W.shape[0])]
        B[...] = [[neuron.b.num for neuron in layer.neurons]]
    array_loss = net.train_batch(X, y)

    model.zero_grad()
    loss = squared_error(model) / len(XS)  # MeanSquaredError divides by the batch size
    loss.backward()
    assert loss.num == pytest.approx(array_loss, rel=1e-12)
    for dense, layer in zip(net.layers, model.layers, strict=True):
        dW, dB = dense.param_grads
        scalar_dW = [[neuron.w[i].grad for neuron in layer.neurons] for i in range(dW.shape[0])]
        np.testing.assert_allclose(scalar_dW, dW, rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose([[n.b.grad for n in layer.neurons]], dB, rtol=1e-10, atol=1e-12)


# ------------------------------------------------------------------------------ drawing


def labelled_graph() -> NumberWithGrad:
    a = N(3.0, label="a")
    b = 2 * a
    b.label = "b"
    c = b * b + (a + 1).tanh()
    c.label = "c"
    c.backward()
    return c


def test_draw_graph_renders_with_agg_and_draws_every_node() -> None:
    import matplotlib.pyplot as plt

    root = labelled_graph()
    figures_before = plt.get_fignums()
    fig = draw_graph(root, title="c = (2a)² + tanh(a + 1)")
    assert plt.get_fignums() == figures_before  # not registered with pyplot: shown once
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png")
    assert buffer.getvalue()[:8] == b"\x89PNG\r\n\x1a\n"

    nodes = topological_order(root)
    results = [node for node in nodes if node.depends_on]
    patches = fig.axes[0].patches
    assert sum(p.get_gid() == "value" for p in patches) == len(nodes) == 8
    assert sum(p.get_gid() == "op" for p in patches) == len(results) == 5
    edges = sum(len(node.depends_on) for node in results) + len(results)
    assert sum(p.get_gid() == "edge" for p in patches) == edges
    texts = [t.get_text() for t in fig.axes[0].texts]
    assert node_text(root) in texts and "tanh" in texts
    assert "a │ data 3.0000 │ grad 24.0013" in texts


def test_graph_levels_follow_dependencies() -> None:
    root = labelled_graph()
    nodes = topological_order(root)
    level = graph_levels(nodes)
    for node in nodes:
        assert all(level[p] < level[node] for p in node.depends_on)
    constant_one = next(n for n in nodes if not n.depends_on and n.num == 1.0)
    consumer = next(n for n in nodes if constant_one in n.depends_on)
    assert level[constant_one] == level[consumer] - 1
    assert level[root] == max(level.values())


def test_draw_graph_refuses_huge_graphs() -> None:
    x = N(1.0)
    y = x
    for _ in range(100):
        y = y * 1.01
    with pytest.raises(ValueError, match="201 values, more than max_nodes=150"):
        draw_graph(y)
    with pytest.raises(ValueError, match="more than max_nodes=5"):
        draw_graph(labelled_graph(), max_nodes=5)
