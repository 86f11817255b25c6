r"""Recurrent nodes: the forward and backward math of ONE time step of an RNN, a GRU and an LSTM.

A recurrent layer (``lincoln.rnn.layers``) runs one node per time step. To keep the work per step
small, the layer projects the inputs of *all* steps at once before the loop,

.. math:: P^x_t = x_t W_x + B_x \qquad\text{(one matrix multiplication for the whole sequence)},

so a node receives ``x_proj`` :math:`= P^x_t`, the previous state and the recurrent weights
``W_h``, and does the one remaining matrix multiplication of its step, :math:`h_{t-1} W_h`.
The columns of ``W_x``, ``W_h`` and the biases hold the gates side by side, in PyTorch's order
(GRU: ``r, z, n``; LSTM: ``i, f, g, o``), each block ``hidden_size`` wide.

``backward`` takes the gradient of the loss with respect to the state the node returned (for the
hidden state: the part coming from this step's output *plus* the part coming from the next step)
and returns three things:

* ``d_x_proj``: ∂L/∂P^x_t, which the layer stacks over time to get ∂L/∂W_x, ∂L/∂B_x and ∂L/∂x in
  one multiplication each;
* ``d_h_proj``: ∂L/∂P^h_t with :math:`P^h_t = h_{t-1} W_h (+ B_h)`, stacked likewise for ∂L/∂W_h
  (the same array as ``d_x_proj`` for the RNN and the LSTM, whose gates add the two projections);
* the gradient with respect to the previous state, passed on to the node of step ``t - 1``.

:math:`\sigma(a) = 1 / (1 + e^{-a})` is the logistic sigmoid and :math:`\odot` the elementwise
product; the derivatives used are :math:`\sigma' = \sigma (1 - \sigma)` and
:math:`\tanh' = 1 - \tanh^2`, both computed from the outputs stored in the forward pass.
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray

State = tuple[ndarray, ...]


def sigmoid_(a: ndarray) -> ndarray:
    r"""Overwrite ``a`` with :math:`\sigma(a) = 1 / (1 + e^{-a})` and return it.

    ``e^{-a}`` overflows to infinity for very negative ``a``, which correctly gives 0.
    """
    np.negative(a, out=a)
    with np.errstate(over="ignore"):
        np.exp(a, out=a)
    a += 1
    return np.reciprocal(a, out=a)


class RecurrentNode:
    """One time step of a recurrent layer (see the module docstring for the protocol).

    ``forward(x_proj, state, W_h, B_h)`` returns the new state (its first entry is the hidden
    state ``h_t``) and keeps what ``backward`` needs (``B_h``, the recurrent bias, is used by the
    GRU only and is None for the others); ``backward(d_state, W_h)`` returns
    ``(d_x_proj, d_h_proj, d_state_prev)``. A node object serves one time step of one sequence
    batch; the layer keeps one per step.
    """

    def forward(self, x_proj: ndarray, state: State, W_h: ndarray, B_h: ndarray | None) -> State:
        """Advance the state by one step given the step's input projection ``x_proj``."""
        raise NotImplementedError

    def backward(self, d_state: State, W_h: ndarray) -> tuple[ndarray, ndarray, State]:
        """Given ∂L/∂(new state), return ∂L/∂x_proj, ∂L/∂h_proj and ∂L/∂(previous state)."""
        raise NotImplementedError


class RNNNode(RecurrentNode):
    r"""The vanilla (Elman) recurrent step with a tanh activation, as PyTorch's ``RNNCell``.

    Forward, with :math:`P^x_t = x_t W_x + B_x`:

    .. math:: a_t = P^x_t + h_{t-1} W_h, \qquad h_t = \tanh(a_t)

    Backward, given :math:`\partial L/\partial h_t`:

    .. math::
        \frac{\partial L}{\partial a_t} = \frac{\partial L}{\partial h_t} \odot (1 - h_t^2),
        \qquad
        \frac{\partial L}{\partial h_{t-1}} = \frac{\partial L}{\partial a_t} W_h^\top

    and :math:`\partial L/\partial P^x_t = \partial L/\partial P^h_t = \partial L/\partial a_t`.
    The state is ``(h,)``.
    """

    h: ndarray

    def forward(self, x_proj: ndarray, state: State, W_h: ndarray, B_h: ndarray | None) -> State:
        """``h_t = tanh(x_proj + h_{t-1} W_h)``."""
        (h_prev,) = state
        a = h_prev @ W_h
        a += x_proj
        self.h = np.tanh(a, out=a)
        return (self.h,)

    def backward(self, d_state: State, W_h: ndarray) -> tuple[ndarray, ndarray, State]:
        """``∂L/∂a = ∂L/∂h ⊙ (1 - h²)``; ``∂L/∂h_{t-1} = ∂L/∂a W_hᵀ``."""
        (d_h,) = d_state
        d_a = self.h * self.h
        np.subtract(1, d_a, out=d_a)
        d_a *= d_h
        return d_a, d_a, (d_a @ W_h.T,)


class GRUNode(RecurrentNode):
    r"""A gated recurrent unit step, with PyTorch's ``GRUCell`` equations.

    The projections are split into the reset, update and candidate blocks
    :math:`P^x_t = x_t W_x + B_x = [P^x_r, P^x_z, P^x_n]` and
    :math:`P^h_t = h_{t-1} W_h + B_h = [P^h_r, P^h_z, P^h_n]`. Forward:

    .. math::
        r_t &= \sigma(P^x_r + P^h_r) \\
        z_t &= \sigma(P^x_z + P^h_z) \\
        n_t &= \tanh(P^x_n + r_t \odot P^h_n) \\
        h_t &= (1 - z_t) \odot n_t + z_t \odot h_{t-1}

    Each gate uses its own projections (the book's update gate reused the reset gate's). Backward,
    given :math:`\delta = \partial L/\partial h_t`, with :math:`a_r, a_z, a_n` the arguments of
    the three nonlinearities:

    .. math::
        \frac{\partial L}{\partial a_n} &= \delta \odot (1 - z_t) \odot (1 - n_t^2) \\
        \frac{\partial L}{\partial a_z} &= \delta \odot (h_{t-1} - n_t) \odot z_t (1 - z_t) \\
        \frac{\partial L}{\partial a_r} &= \frac{\partial L}{\partial a_n} \odot P^h_n \odot
            r_t (1 - r_t) \\
        \frac{\partial L}{\partial P^x} &= \Big[\frac{\partial L}{\partial a_r},
            \frac{\partial L}{\partial a_z}, \frac{\partial L}{\partial a_n}\Big], \qquad
        \frac{\partial L}{\partial P^h} = \Big[\frac{\partial L}{\partial a_r},
            \frac{\partial L}{\partial a_z}, \frac{\partial L}{\partial a_n} \odot r_t\Big] \\
        \frac{\partial L}{\partial h_{t-1}} &= \delta \odot z_t
            + \frac{\partial L}{\partial P^h} W_h^\top

    The state is ``(h,)``.
    """

    h_prev: ndarray
    gates: ndarray
    n: ndarray
    h_proj_n: ndarray

    def forward(self, x_proj: ndarray, state: State, W_h: ndarray, B_h: ndarray | None) -> State:
        """Reset and update gates, candidate ``n``, then ``h = n + z ⊙ (h_{t-1} - n)``."""
        if B_h is None:
            raise ValueError("GRUNode needs the recurrent bias B_h (PyTorch's bias_hh).")
        (h_prev,) = state
        hidden = h_prev.shape[1]
        h_proj = h_prev @ W_h
        h_proj += B_h
        gates = h_proj[:, : 2 * hidden] + x_proj[:, : 2 * hidden]
        sigmoid_(gates)
        r = gates[:, :hidden]
        z = gates[:, hidden:]
        h_proj_n = h_proj[:, 2 * hidden :]
        n = r * h_proj_n
        n += x_proj[:, 2 * hidden :]
        np.tanh(n, out=n)
        h = h_prev - n
        h *= z
        h += n
        self.h_prev, self.gates, self.n, self.h_proj_n = h_prev, gates, n, h_proj_n
        return (h,)

    def backward(self, d_state: State, W_h: ndarray) -> tuple[ndarray, ndarray, State]:
        """Gradients of the pre-activations of ``r``, ``z``, ``n`` and of ``h_{t-1}``."""
        (d_h,) = d_state
        hidden = d_h.shape[1]
        r = self.gates[:, :hidden]
        z = self.gates[:, hidden:]
        d_x_proj = np.empty((d_h.shape[0], 3 * hidden), dtype=d_h.dtype)
        d_a_r = d_x_proj[:, :hidden]
        d_a_z = d_x_proj[:, hidden : 2 * hidden]
        d_a_n = d_x_proj[:, 2 * hidden :]
        # ∂L/∂a_n = δ (1 - z)(1 - n²)
        np.subtract(1, z, out=d_a_n)
        d_a_n *= d_h
        d_a_n *= 1 - self.n * self.n
        # ∂L/∂a_z = δ (h_{t-1} - n) z (1 - z)
        np.subtract(self.h_prev, self.n, out=d_a_z)
        d_a_z *= d_h
        d_a_z *= z * (1 - z)
        # ∂L/∂a_r = ∂L/∂a_n P^h_n r (1 - r)
        np.multiply(d_a_n, self.h_proj_n, out=d_a_r)
        d_a_r *= r * (1 - r)
        d_h_proj = d_x_proj.copy()
        d_h_proj[:, 2 * hidden :] *= r
        d_h_prev = d_h_proj @ W_h.T
        d_h_prev += d_h * z
        return d_x_proj, d_h_proj, (d_h_prev,)


class LSTMNode(RecurrentNode):
    r"""A long short-term memory step, with PyTorch's ``LSTMCell`` equations (gates ``i, f, g, o``).

    Forward, with :math:`a = P^x_t + h_{t-1} W_h = [a_i, a_f, a_g, a_o]` (:math:`P^x_t` includes
    the bias):

    .. math::
        i_t = \sigma(a_i), \quad f_t = \sigma(a_f), \quad g_t = \tanh(a_g), \quad
        o_t = \sigma(a_o) \\
        c_t = f_t \odot c_{t-1} + i_t \odot g_t, \qquad h_t = o_t \odot \tanh(c_t)

    Backward, given :math:`\partial L/\partial h_t` and :math:`\partial L/\partial c_t` (the
    latter from step ``t + 1``), first the total cell-state gradient

    .. math::
        \gamma = \frac{\partial L}{\partial c_t}
            + \frac{\partial L}{\partial h_t} \odot o_t \odot (1 - \tanh^2 c_t)

    then

    .. math::
        \frac{\partial L}{\partial a_i} &= \gamma \odot g_t \odot i_t (1 - i_t), &
        \frac{\partial L}{\partial a_f} &= \gamma \odot c_{t-1} \odot f_t (1 - f_t), \\
        \frac{\partial L}{\partial a_g} &= \gamma \odot i_t \odot (1 - g_t^2), &
        \frac{\partial L}{\partial a_o} &= \frac{\partial L}{\partial h_t} \odot \tanh(c_t)
            \odot o_t (1 - o_t), \\
        \frac{\partial L}{\partial c_{t-1}} &= \gamma \odot f_t, &
        \frac{\partial L}{\partial h_{t-1}} &= \frac{\partial L}{\partial a} W_h^\top

    with :math:`\partial L/\partial P^x_t = \partial L/\partial P^h_t = \partial L/\partial a`.
    The state is ``(h, c)``.
    """

    c_prev: ndarray
    gates: ndarray
    tanh_c: ndarray

    def forward(self, x_proj: ndarray, state: State, W_h: ndarray, B_h: ndarray | None) -> State:
        """Input, forget, candidate and output gates; new cell state ``c`` and hidden ``h``."""
        h_prev, c_prev = state
        hidden = h_prev.shape[1]
        gates = h_prev @ W_h
        gates += x_proj
        sigmoid_(gates[:, : 2 * hidden])
        np.tanh(gates[:, 2 * hidden : 3 * hidden], out=gates[:, 2 * hidden : 3 * hidden])
        sigmoid_(gates[:, 3 * hidden :])
        i = gates[:, :hidden]
        f = gates[:, hidden : 2 * hidden]
        g = gates[:, 2 * hidden : 3 * hidden]
        o = gates[:, 3 * hidden :]
        c = f * c_prev
        c += i * g
        tanh_c = np.tanh(c)
        h = o * tanh_c
        self.c_prev, self.gates, self.tanh_c = c_prev, gates, tanh_c
        return (h, c)

    def backward(self, d_state: State, W_h: ndarray) -> tuple[ndarray, ndarray, State]:
        """Gradients of the four gate pre-activations and of ``h_{t-1}`` and ``c_{t-1}``."""
        d_h, d_c = d_state
        hidden = d_h.shape[1]
        gates = self.gates
        i = gates[:, :hidden]
        f = gates[:, hidden : 2 * hidden]
        g = gates[:, 2 * hidden : 3 * hidden]
        o = gates[:, 3 * hidden :]
        # γ = ∂L/∂c_t + ∂L/∂h_t o (1 - tanh² c_t)
        gamma = self.tanh_c * self.tanh_c
        np.subtract(1, gamma, out=gamma)
        gamma *= o
        gamma *= d_h
        gamma += d_c
        d_a = np.empty_like(gates)
        d_a_i = d_a[:, :hidden]
        d_a_f = d_a[:, hidden : 2 * hidden]
        d_a_g = d_a[:, 2 * hidden : 3 * hidden]
        d_a_o = d_a[:, 3 * hidden :]
        np.multiply(gamma, g, out=d_a_i)
        d_a_i *= i * (1 - i)
        np.multiply(gamma, self.c_prev, out=d_a_f)
        d_a_f *= f * (1 - f)
        np.multiply(gamma, i, out=d_a_g)
        d_a_g *= 1 - g * g
        np.multiply(d_h, self.tanh_c, out=d_a_o)
        d_a_o *= o * (1 - o)
        return d_a, d_a, (d_a @ W_h.T, gamma * f)
