"""Plain-loop convolution and pooling, written for clarity: the oracle the fast ops must match.

Every sum is spelled out index by index, exactly as in the formulas of ``lincoln.conv``; nothing
here is vectorised, so it is slow (seconds per batch) and only used on small arrays, in the tests
and in ``benchmarks.bench_cnn`` (to measure how much the vectorised version gains).
"""

from __future__ import annotations

import numpy as np
from numpy import ndarray


def pad_images(x: ndarray, pad_h: tuple[int, int], pad_w: tuple[int, int]) -> ndarray:
    """``x`` with ``pad_h = (top, bottom)`` and ``pad_w = (left, right)`` rows/columns of zeros."""
    batch, channels, height, width = x.shape
    padded = np.zeros(
        (batch, channels, height + pad_h[0] + pad_h[1], width + pad_w[0] + pad_w[1]), x.dtype
    )
    for n in range(batch):
        for c in range(channels):
            for i in range(height):
                for j in range(width):
                    padded[n, c, pad_h[0] + i, pad_w[0] + j] = x[n, c, i, j]
    return padded


def conv2d_loops(
    x: ndarray, W: ndarray, pad_h: tuple[int, int], pad_w: tuple[int, int], stride: int
) -> ndarray:
    """``Y[n, f, i, j] = Σ_{c,a,b} X_pad[n, c, s·i + a, s·j + b] · W[c, f, a, b]``, by loops."""
    in_channels, out_channels, k_h, k_w = W.shape
    padded = pad_images(x, pad_h, pad_w)
    out_h = (padded.shape[2] - k_h) // stride + 1
    out_w = (padded.shape[3] - k_w) // stride + 1
    out = np.zeros((x.shape[0], out_channels, out_h, out_w), dtype=x.dtype)
    for n in range(x.shape[0]):
        for f in range(out_channels):
            for i in range(out_h):
                for j in range(out_w):
                    total = 0.0
                    for c in range(in_channels):
                        for a in range(k_h):
                            for b in range(k_w):
                                pixel = padded[n, c, stride * i + a, stride * j + b]
                                total += pixel * W[c, f, a, b]
                    out[n, f, i, j] = total
    return out


def conv2d_loops_backward(
    x: ndarray,
    W: ndarray,
    output_grad: ndarray,
    pad_h: tuple[int, int],
    pad_w: tuple[int, int],
    stride: int,
) -> tuple[ndarray, ndarray]:
    """``(∂L/∂X, ∂L/∂W)`` by the chain rule applied to each term of the forward sum.

    The term ``X_pad[n, c, s·i + a, s·j + b] · W[c, f, a, b]`` of ``Y[n, f, i, j]`` sends
    ``∂L/∂Y[n, f, i, j] · W[c, f, a, b]`` to that pixel and ``∂L/∂Y[n, f, i, j] · X_pad[...]``
    to that weight; the gradient of the padding is then dropped.
    """
    in_channels, out_channels, k_h, k_w = W.shape
    padded = pad_images(x, pad_h, pad_w)
    grad_padded = np.zeros_like(padded)
    grad_W = np.zeros_like(W)
    _, _, out_h, out_w = output_grad.shape
    for n in range(x.shape[0]):
        for f in range(out_channels):
            for i in range(out_h):
                for j in range(out_w):
                    g = output_grad[n, f, i, j]
                    for c in range(in_channels):
                        for a in range(k_h):
                            for b in range(k_w):
                                row, col = stride * i + a, stride * j + b
                                grad_padded[n, c, row, col] += g * W[c, f, a, b]
                                grad_W[c, f, a, b] += g * padded[n, c, row, col]
    height, width = x.shape[2:]
    grad_x = grad_padded[:, :, pad_h[0] : pad_h[0] + height, pad_w[0] : pad_w[0] + width]
    return grad_x, grad_W


def pool2d_loops(x: ndarray, size: int, stride: int, mode: str) -> ndarray:
    """Max (``mode="max"``) or average (``mode="avg"``) of every ``size × size`` window."""
    batch, channels, height, width = x.shape
    out_h, out_w = (height - size) // stride + 1, (width - size) // stride + 1
    out = np.zeros((batch, channels, out_h, out_w), dtype=x.dtype)
    for n in range(batch):
        for c in range(channels):
            for i in range(out_h):
                for j in range(out_w):
                    values = [
                        x[n, c, stride * i + a, stride * j + b]
                        for a in range(size)
                        for b in range(size)
                    ]
                    out[n, c, i, j] = max(values) if mode == "max" else sum(values) / len(values)
    return out
