r"""Recurrent layers: ``RNNLayer``, ``GRULayer`` and ``LSTMLayer``.

Each maps an input of shape ``(batch, sequence, features)`` to an output of shape
``(batch, sequence, output_size)``: a recurrent node runs over the time steps, and every hidden
state is projected to the output, as in the book,

.. math:: y_t = h_t W_v + B_v .

Only the time steps are looped over. Everything that does not depend on the previous step is done
once for the whole sequence, with the ``T`` steps of the ``N`` sequences stacked into ``T·N``
rows:

* forward: the input projections :math:`P^x = X W_x + B_x` (one multiplication, then one
  :math:`h_{t-1} W_h` per step inside the node) and the outputs :math:`Y = H W_v + B_v`;
* backward: :math:`\partial L/\partial W_v = H^\top\, \partial L/\partial Y`,
  :math:`\partial L/\partial H = \partial L/\partial Y\, W_v^\top`, then one node backward per
  step (one multiplication by :math:`W_h^\top` each) collecting the projection gradients
  :math:`D^x = \partial L/\partial P^x` and :math:`D^h = \partial L/\partial P^h` of all steps,
  and finally

  .. math::
      \frac{\partial L}{\partial W_x} = X^\top D^x, \quad
      \frac{\partial L}{\partial W_h} = H_{\text{prev}}^\top D^h, \quad
      \frac{\partial L}{\partial B_x} = \textstyle\sum_{\text{rows}} D^x, \quad
      \frac{\partial L}{\partial X} = D^x W_x^\top

  where :math:`H_{\text{prev}}` stacks :math:`h_0 \dots h_{T-1}`.

**State.** By default every call starts from a zero state: the sequences of a batch are
independent of whatever came before. With ``stateful=True`` a call starts from the final state of
the previous call (a zero state the first time and after ``reset_state()``), so a long sequence
can be fed in pieces, e.g. one character at a time when sampling; the batch size must then stay
the same. Gradients do not flow back into earlier calls (truncated backpropagation through time).

**Parameters** are created on the first forward pass, in the input's floating dtype (float32 in,
float32 everywhere), from the layer's ``rng`` (an ``RNNModel`` gives each of its layers its own
generator derived from the model's seed). With ``weight_scale=None`` each weight matrix is drawn
from :math:`\mathcal N(0, 2 / (n_{in} + n_{out}))` (Glorot), with :math:`n_{out}` the width of one
gate; with a number, every weight has that standard deviation (the book's ``weight_scale``).
Biases start at zero. ``params`` lists the arrays in the order of ``param_names`` and
``param_grads`` their gradients after ``backward``; optimizers update ``params`` in place.
"""

from __future__ import annotations

import math

import numpy as np
from numpy import ndarray

from lincoln.rnn.nodes import GRUNode, LSTMNode, RecurrentNode, RNNNode, State
from lincoln.utils.np_utils import assert_same_shape, float_dtype


def positive_int(value: object, name: str) -> int:
    """Return ``value`` as an int, or raise ValueError unless it is a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, received {value!r}.")
    return int(value)


class RecurrentLayer:
    """The machinery shared by the recurrent layers (see the module docstring).

    Subclasses set ``node_class`` (the step), ``num_gates`` (how many ``hidden_size``-wide blocks
    the projections hold), ``num_states`` (1 for ``h``, 2 for the LSTM's ``(h, c)``) and
    ``hidden_bias`` (whether the recurrent projection has its own bias, as the GRU's candidate
    needs).
    """

    node_class: type[RecurrentNode]
    num_gates: int
    num_states: int = 1
    hidden_bias: bool = False

    W_x: ndarray
    W_h: ndarray
    B_x: ndarray
    B_h: ndarray | None
    W_v: ndarray
    B_v: ndarray

    def __init__(
        self,
        hidden_size: int,
        output_size: int,
        weight_scale: float | None = None,
        stateful: bool = False,
    ) -> None:
        self.hidden_size = positive_int(hidden_size, "hidden_size")
        self.output_size = positive_int(output_size, "output_size")
        if weight_scale is not None and not weight_scale > 0:
            raise ValueError(
                f"weight_scale must be positive (or None for Glorot scaling), received "
                f"{weight_scale!r}."
            )
        self.weight_scale = weight_scale
        self.stateful = stateful
        self.state: State | None = None
        self.first = True
        self.params: list[ndarray] = []
        self.param_grads: list[ndarray] = []
        self.nodes: list[RecurrentNode] = []
        self.rng = np.random.default_rng()

    @property
    def param_names(self) -> tuple[str, ...]:
        """Names of the arrays in ``params``, in order."""
        biases = ("B_x", "B_h") if self.hidden_bias else ("B_x",)
        return ("W_x", "W_h", *biases, "W_v", "B_v")

    def named_params(self) -> dict[str, ndarray]:
        """The parameters by name (the same arrays as ``params``)."""
        if not self.params:
            raise RuntimeError(
                f"{type(self).__name__} creates its parameters on its first forward pass; "
                "call forward first."
            )
        return dict(zip(self.param_names, self.params, strict=True))

    def named_param_grads(self) -> dict[str, ndarray]:
        """The parameter gradients by name (after ``backward``)."""
        if not self.param_grads:
            raise RuntimeError(f"{type(self).__name__} has no gradients yet; call backward first.")
        return dict(zip(self.param_names, self.param_grads, strict=True))

    def reset_state(self) -> None:
        """Forget the carried state: the next call of a ``stateful`` layer starts from zeros."""
        self.state = None

    def _weights(self, shape: tuple[int, int], fan_out: int, dtype: np.dtype) -> ndarray:
        scale = self.weight_scale
        if scale is None:
            scale = math.sqrt(2.0 / (shape[0] + fan_out))
        return (self.rng.standard_normal(shape) * scale).astype(dtype)

    def _setup_layer(self, input_: ndarray) -> None:
        dtype = float_dtype(input_)
        features, hidden, gates = input_.shape[2], self.hidden_size, self.num_gates
        self.W_x = self._weights((features, gates * hidden), hidden, dtype)
        self.W_h = self._weights((hidden, gates * hidden), hidden, dtype)
        self.B_x = np.zeros((1, gates * hidden), dtype=dtype)
        self.B_h = np.zeros((1, gates * hidden), dtype=dtype) if self.hidden_bias else None
        self.W_v = self._weights((hidden, self.output_size), self.output_size, dtype)
        self.B_v = np.zeros((1, self.output_size), dtype=dtype)
        self.params = [self.W_x, self.W_h, self.B_x]
        if self.B_h is not None:
            self.params.append(self.B_h)
        self.params += [self.W_v, self.B_v]
        self.param_grads = []
        self.state = None

    def _check_input(self, input_: ndarray) -> None:
        name = type(self).__name__
        if not isinstance(input_, np.ndarray) or input_.ndim != 3:
            shape = getattr(input_, "shape", None)
            raise ValueError(
                f"{name} expects a 3-D input (batch, sequence, features), received shape "
                f"{shape}. For a single sequence of one-hot characters use x[np.newaxis]; "
                "for one time step use x[:, np.newaxis, :]."
            )
        if input_.shape[0] == 0 or input_.shape[1] == 0:
            raise ValueError(
                f"{name} received an empty batch or sequence (shape {input_.shape}); "
                "it needs at least one sequence of at least one step."
            )
        if not self.first and input_.shape[2] != self.W_x.shape[0]:
            raise ValueError(
                f"{name} was set up for {self.W_x.shape[0]} input features but received "
                f"{input_.shape[2]} (shape {input_.shape}); feed the same encoding as on the "
                "first call, or reset the model to rebuild the layer."
            )

    def _initial_state(self, batch_size: int, dtype: np.dtype) -> State:
        if self.stateful and self.state is not None:
            carried = self.state[0].shape[0]
            if carried != batch_size:
                raise ValueError(
                    f"{type(self).__name__} is stateful and carries the state of {carried} "
                    f"sequences, but received a batch of {batch_size}; call reset_state() "
                    "before changing the batch size."
                )
            return self.state
        return tuple(
            np.zeros((batch_size, self.hidden_size), dtype=dtype) for _ in range(self.num_states)
        )

    def forward(self, input_: ndarray) -> ndarray:
        """Run the sequence ``input_`` of shape ``(N, T, F)``; return ``(N, T, output_size)``."""
        self._check_input(input_)
        if self.first:
            self._setup_layer(input_)
            self.first = False
        dtype = self.W_x.dtype
        batch, steps, features = input_.shape
        hidden = self.hidden_size
        # time-major rows: row t·N + n holds step t of sequence n
        self.x_rows = input_.astype(dtype, copy=False).transpose(1, 0, 2).reshape(-1, features)
        x_proj = self.x_rows @ self.W_x
        x_proj += self.B_x
        x_proj = x_proj.reshape(steps, batch, -1)
        while len(self.nodes) < steps:
            self.nodes.append(self.node_class())
        state = self._initial_state(batch, dtype)
        hiddens = np.empty((steps + 1, batch, hidden), dtype=dtype)
        hiddens[0] = state[0]
        for t in range(steps):
            state = self.nodes[t].forward(x_proj[t], state, self.W_h, self.B_h)
            hiddens[t + 1] = state[0]
        if self.stateful:
            self.state = state
        self.hiddens = hiddens
        y = hiddens[1:].reshape(-1, hidden) @ self.W_v
        y += self.B_v
        self.output = y.reshape(steps, batch, -1).transpose(1, 0, 2)
        return self.output

    def backward(self, output_grad: ndarray) -> ndarray:
        """Backpropagate through time; fill ``param_grads`` and return ∂L/∂input."""
        if not hasattr(self, "output"):
            raise RuntimeError(f"{type(self).__name__}.backward needs a forward pass first.")
        assert_same_shape(self.output, output_grad, f"{type(self).__name__}.backward")
        batch, steps, _ = output_grad.shape
        hidden, dtype = self.hidden_size, self.W_x.dtype
        d_y = output_grad.astype(dtype, copy=False).transpose(1, 0, 2).reshape(steps * batch, -1)
        h_rows = self.hiddens.reshape(-1, hidden)
        d_W_v = h_rows[batch:].T @ d_y
        d_B_v = d_y.sum(axis=0, keepdims=True)
        d_hiddens = (d_y @ self.W_v.T).reshape(steps, batch, hidden)

        width = self.num_gates * hidden
        d_x_proj = np.empty((steps, batch, width), dtype=dtype)
        d_h_proj = np.empty_like(d_x_proj) if self.hidden_bias else d_x_proj
        d_state: State = tuple(
            np.zeros((batch, hidden), dtype=dtype) for _ in range(self.num_states)
        )
        for t in reversed(range(steps)):
            np.add(d_state[0], d_hiddens[t], out=d_state[0])
            d_x_t, d_h_t, d_state = self.nodes[t].backward(d_state, self.W_h)
            d_x_proj[t] = d_x_t
            if self.hidden_bias:
                d_h_proj[t] = d_h_t

        d_x_rows = d_x_proj.reshape(-1, width)
        d_h_rows = d_h_proj.reshape(-1, width)
        self.param_grads = [
            self.x_rows.T @ d_x_rows,
            h_rows[: steps * batch].T @ d_h_rows,
            d_x_rows.sum(axis=0, keepdims=True),
        ]
        if self.hidden_bias:
            self.param_grads.append(d_h_rows.sum(axis=0, keepdims=True))
        self.param_grads += [d_W_v, d_B_v]
        d_input = d_x_rows @ self.W_x.T
        return d_input.reshape(steps, batch, -1).transpose(1, 0, 2)


class RNNLayer(RecurrentLayer):
    """A vanilla RNN layer: ``h_t = tanh(x_t W_x + h_{t-1} W_h + B_x)``, ``y_t = h_t W_v + B_v``.

    Parameters: ``W_x (features, H)``, ``W_h (H, H)``, ``B_x (1, H)``, ``W_v (H, output_size)``,
    ``B_v (1, output_size)``. The step is ``RNNNode``. ``B_x`` plays the part of PyTorch's
    ``bias_ih + bias_hh`` (one bias suffices when the two projections are simply added).
    """

    node_class = RNNNode
    num_gates = 1


class GRULayer(RecurrentLayer):
    """A GRU layer (PyTorch's equations, see ``GRUNode``) followed by ``y_t = h_t W_v + B_v``.

    Parameters: ``W_x (features, 3H)``, ``W_h (H, 3H)``, ``B_x (1, 3H)``, ``B_h (1, 3H)`` (column
    blocks ``r, z, n``), ``W_v (H, output_size)``, ``B_v (1, output_size)``. The candidate needs
    the recurrent bias ``B_h`` separately because the reset gate multiplies ``h W_hn + b_hn``.
    """

    node_class = GRUNode
    num_gates = 3
    hidden_bias = True


class LSTMLayer(RecurrentLayer):
    """An LSTM layer (PyTorch's equations, see ``LSTMNode``) followed by ``y_t = h_t W_v + B_v``.

    Parameters: ``W_x (features, 4H)``, ``W_h (H, 4H)``, ``B_x (1, 4H)`` (column blocks
    ``i, f, g, o``; ``B_x`` is PyTorch's ``bias_ih + bias_hh``), ``W_v (H, output_size)``,
    ``B_v (1, output_size)``. The state is ``(h, c)``.
    """

    node_class = LSTMNode
    num_gates = 4
    num_states = 2
