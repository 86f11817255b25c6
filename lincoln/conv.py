"""Convolution and pooling Operations on batches of images, vectorised with sliding windows.

Images are ``(batch, channels, height, width)`` arrays. A convolution weight ``W`` has shape
``(in_channels, out_channels, k_h, k_w)`` (the book's layout; PyTorch stores the transpose,
``(out_channels, in_channels, k_h, k_w)``). As in the book and in PyTorch, "convolution" means the
cross-correlation

    Y[n, f, i, j] = Σ_{c, a, b} X_pad[n, c, s·i + a, s·j + b] · W[c, f, a, b]

with stride ``s`` and ``X_pad`` the input padded with zeros.

How it is computed without a Python loop over samples or pixels ("im2col"): every window
``X_pad[n, :, s·i : s·i + k_h, s·j : s·j + k_w]`` is copied, through a sliding-window view, into
one column of a patch matrix ``P[n]`` of shape ``(in_channels·k_h·k_w, out_h·out_w)``. The
convolution is then one batched matrix product, ``Y[n] = W_mat · P[n]``, with ``W_mat`` the
weights reshaped to ``(out_channels, in_channels·k_h·k_w)``. Backward re-uses the same matrices:

    ∂L/∂W_mat = Σ_n ∂L/∂Y[n] · P[n]ᵀ          ∂L/∂P[n] = W_matᵀ · ∂L/∂Y[n]

and ∂L/∂X is ∂L/∂P folded back onto the image ("col2im"): each of the ``k_h·k_w`` kernel offsets
``(a, b)`` adds its slice of ∂L/∂P to the strided sub-grid ``X_pad[:, :, a::s, b::s]`` it was
copied from, so the only loop is over kernel offsets. (Folding back is the same as convolving the
output gradient with the kernel rotated by 180°, the step the book's own code misses.)

Memory: the patch matrix has ``batch·in_channels·k_h·k_w·out_h·out_w`` entries. For the book's
layer (1 channel, 5×5 kernel, 28×28 images) that is 80 MB for 1,024 float32 images, so predict in
batches (``NeuralNetwork.predict`` does). The patches are kept for the weight gradient only after
a training forward pass; an inference pass keeps nothing.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
from numpy import ndarray
from numpy.lib.stride_tricks import sliding_window_view

from lincoln.base import Operation, ParamOperation

PADDINGS = ("same", "valid")


def check_positive_int(value: object, name: str) -> int:
    """``value`` as an int, or a ValueError naming ``name`` if it is not a positive integer."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, received {value!r}.")
    return int(value)


def padding_amounts(kernel_size: int, padding: str | int) -> tuple[int, int]:
    """Zeros added ``(before, after)`` along one axis for a kernel of ``kernel_size``.

    ``"same"`` pads ``kernel_size - 1`` zeros in all, half before and the rest after (one more
    after for an even kernel, as PyTorch does), so that stride 1 keeps the image size;
    ``"valid"`` pads nothing; an integer ``p`` pads ``p`` zeros on both sides.
    """
    if padding == "same":
        total = kernel_size - 1
        return total // 2, total - total // 2
    if padding == "valid":
        return 0, 0
    if isinstance(padding, (int, np.integer)) and not isinstance(padding, bool) and padding >= 0:
        return int(padding), int(padding)
    raise ValueError(
        f"padding must be one of {PADDINGS} or a non-negative integer, received {padding!r}."
    )


def check_images(x: ndarray, where: str) -> None:
    """Raise a ValueError naming ``where`` unless ``x`` is a 4-D batch of images."""
    if x.ndim != 4:
        raise ValueError(
            f"{where} expects a 4-D input (batch, channels, height, width), received shape "
            f"{x.shape}. Reshape flat images first, e.g. X.reshape(-1, 1, 28, 28) for MNIST."
        )


def _patch_matrix(padded: ndarray, k_h: int, k_w: int, stride: int) -> ndarray:
    """Every ``k_h × k_w`` window of ``padded`` (every ``stride`` pixels) as a column.

    Shape ``(batch, channels·k_h·k_w, out_h·out_w)``, rows ordered ``(channel, a, b)``.
    """
    windows = sliding_window_view(padded, (k_h, k_w), axis=(2, 3))[:, :, ::stride, ::stride]
    # (batch, C, out_h, out_w, k_h, k_w) -> (batch, C, k_h, k_w, out_h, out_w), one copy.
    patches = np.ascontiguousarray(windows.transpose(0, 1, 4, 5, 2, 3))
    batch, channels, _, _, out_h, out_w = patches.shape
    return patches.reshape(batch, channels * k_h * k_w, out_h * out_w)


def _offset_slices(
    k_h: int, k_w: int, stride: int, out_h: int, out_w: int
) -> list[tuple[slice, slice]]:
    """For each kernel offset ``(a, b)``, row-major, the rows ``s·i + a`` and columns ``s·j + b``
    it meets over the ``out_h × out_w`` windows."""
    return [
        (
            slice(a, a + stride * (out_h - 1) + 1, stride),
            slice(b, b + stride * (out_w - 1) + 1, stride),
        )
        for a in range(k_h)
        for b in range(k_w)
    ]


def _fold(
    offset_grads: Sequence[ndarray], shape: tuple[int, ...], k_h: int, k_w: int, stride: int
) -> ndarray:
    """Add each kernel offset's gradient, shape ``(N, C, out_h, out_w)``, back at the positions
    that offset read: one strided slice-addition per offset, into zeros of ``shape``.

    The backward pass of reading a window offset's view (the adjoint of ``_offset_slices``), shared
    by the convolution's input gradient and the poolings.
    """
    out_h, out_w = offset_grads[0].shape[2:]
    total = np.zeros(shape, dtype=offset_grads[0].dtype)
    for (rows, cols), grad in zip(
        _offset_slices(k_h, k_w, stride, out_h, out_w), offset_grads, strict=True
    ):
        total[:, :, rows, cols] += grad
    return total


class Conv2D_Op(ParamOperation):
    """2-D convolution (cross-correlation) of ``(batch, in_channels, height, width)`` images.

    ``W`` has shape ``(in_channels, out_channels, k_h, k_w)``; the output has shape
    ``(batch, out_channels, out_h, out_w)`` with ``out_h = (height + pad_h - k_h) // stride + 1``
    (``pad_h`` the total padding; likewise for the width). ``padding`` is ``"same"`` (the book's
    default: stride 1 keeps the image size), ``"valid"`` (no padding) or a number of zeros per
    side.

    Forward: ``Y[n] = W_mat · P[n]``, one batched matrix product with the patch matrix ``P``
    (see the module docstring). Backward: ``∂L/∂W = Σ_n ∂L/∂Y[n] · P[n]ᵀ`` reshaped to ``W``'s
    layout, and ``∂L/∂X`` obtained by folding ``W_matᵀ · ∂L/∂Y[n]`` back onto the padded image
    with one strided slice-addition per kernel offset, then cropping the padding.
    """

    def __init__(self, W: ndarray, padding: str | int = "same", stride: int = 1) -> None:
        if W.ndim != 4:
            raise ValueError(
                "Conv2D_Op expects W of shape (in_channels, out_channels, k, k), received shape "
                f"{W.shape}."
            )
        super().__init__(W)
        self.stride = check_positive_int(stride, "stride")
        self.padding = padding
        self.pad_h = padding_amounts(W.shape[2], padding)
        self.pad_w = padding_amounts(W.shape[3], padding)
        self._padded: ndarray | None = None
        self._patches: ndarray | None = None

    def output_size(self, height: int, width: int) -> tuple[int, int]:
        """``(out_h, out_w)`` for ``height × width`` images."""
        k_h, k_w = self.param.shape[2:]
        return (
            (height + sum(self.pad_h) - k_h) // self.stride + 1,
            (width + sum(self.pad_w) - k_w) // self.stride + 1,
        )

    def _output(self, inference: bool) -> ndarray:
        x = self.input_
        check_images(x, "Conv2D_Op")
        in_channels, out_channels, k_h, k_w = self.param.shape
        if x.shape[1] != in_channels:
            raise ValueError(
                f"Conv2D_Op expected images with {in_channels} channel(s) (W has shape "
                f"{self.param.shape}), received an input of shape {x.shape}. Feed images with "
                f"{in_channels} channel(s), or build a new layer for this input."
            )
        out_h, out_w = self.output_size(*x.shape[2:])
        if out_h < 1 or out_w < 1:
            raise ValueError(
                f"Conv2D_Op: a {k_h}×{k_w} kernel with padding {self.padding!r} does not fit in "
                f"images of size {x.shape[2]}×{x.shape[3]}; use larger images, a smaller kernel "
                "or padding='same'."
            )
        patches = self._im2col(x)
        self._patches = None if inference else patches
        out = np.matmul(self._weight_matrix(), patches)
        return out.reshape(x.shape[0], out_channels, out_h, out_w)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        in_channels, out_channels, k_h, k_w = self.param.shape
        (top, bottom), (left, right) = self.pad_h, self.pad_w
        flipped_kernel_fits = self.stride == 1 and max(top, bottom) < k_h and max(left, right) < k_w
        if flipped_kernel_fits and out_channels < in_channels:
            return self._input_grad_by_flipped_kernel(output_grad)
        batch, _, out_h, out_w = output_grad.shape
        grad = output_grad.reshape(batch, out_channels, out_h * out_w)
        return self._col2im(np.matmul(self._weight_matrix().T, grad))

    def _input_grad_by_flipped_kernel(self, output_grad: ndarray) -> ndarray:
        """``∂L/∂X`` as a convolution of ``∂L/∂Y`` with the kernel rotated by 180°.

        With stride 1, ``∂L/∂X[n, c, u, v] = Σ_{f,a,b} ∂L/∂Y[n, f, u + top - a, v + left - b] ·
        W[c, f, a, b]``: a cross-correlation of ``∂L/∂Y``, zero-padded by ``k - 1 - top`` (and
        ``k - 1 - bottom``...), with ``W[:, :, ::-1, ::-1]``. One patch matrix and one matrix
        product, like the forward pass; cheaper than folding patches back when the layer has
        fewer output than input channels.
        """
        in_channels, out_channels, k_h, k_w = self.param.shape
        (top, bottom), (left, right) = self.pad_h, self.pad_w
        batch, _, out_h, out_w = output_grad.shape
        padded = np.zeros(
            (
                batch,
                out_channels,
                out_h + 2 * (k_h - 1) - top - bottom,
                out_w + 2 * (k_w - 1) - left - right,
            ),
            dtype=output_grad.dtype,
        )
        padded[
            :, :, k_h - 1 - top : k_h - 1 - top + out_h, k_w - 1 - left : k_w - 1 - left + out_w
        ] = output_grad
        patches = _patch_matrix(padded, k_h, k_w, 1)
        flipped = self.param[:, :, ::-1, ::-1].reshape(in_channels, out_channels * k_h * k_w)
        return np.matmul(flipped, patches).reshape(self.input_.shape)

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        patches = self._patches if self._patches is not None else self._im2col(self.input_)
        in_channels, out_channels, k_h, k_w = self.param.shape
        grad = output_grad.reshape(output_grad.shape[0], out_channels, -1)
        grad_W = np.matmul(grad, patches.transpose(0, 2, 1)).sum(axis=0)
        return np.ascontiguousarray(
            grad_W.reshape(out_channels, in_channels, k_h, k_w).transpose(1, 0, 2, 3)
        )

    def _weight_matrix(self) -> ndarray:
        """``W`` as ``(out_channels, in_channels·k_h·k_w)``, columns in the patch order."""
        in_channels, out_channels, k_h, k_w = self.param.shape
        return self.param.transpose(1, 0, 2, 3).reshape(out_channels, in_channels * k_h * k_w)

    def _pad(self, x: ndarray) -> ndarray:
        """``x`` with its zero border, written into a buffer re-used from call to call."""
        (top, bottom), (left, right) = self.pad_h, self.pad_w
        if top == bottom == left == right == 0:
            return x
        batch, channels, height, width = x.shape
        shape = (batch, channels, height + top + bottom, width + left + right)
        if self._padded is None or self._padded.shape != shape or self._padded.dtype != x.dtype:
            self._padded = np.zeros(shape, dtype=x.dtype)
        self._padded[:, :, top : top + height, left : left + width] = x
        return self._padded

    def _im2col(self, x: ndarray) -> ndarray:
        """The patch matrix ``P``, shape ``(batch, in_channels·k_h·k_w, out_h·out_w)``."""
        k_h, k_w = self.param.shape[2:]
        return _patch_matrix(self._pad(x), k_h, k_w, self.stride)

    def _col2im(self, grad_patches: ndarray) -> ndarray:
        """Fold ``∂L/∂P`` back onto the image: one strided slice-addition per kernel offset."""
        batch, channels, height, width = self.input_.shape
        k_h, k_w = self.param.shape[2:]
        out_h, out_w = self.output_size(height, width)
        (top, bottom), (left, right) = self.pad_h, self.pad_w
        grad_windows = grad_patches.reshape(batch, channels, k_h, k_w, out_h, out_w)
        grad_padded = _fold(
            [grad_windows[:, :, a, b] for a in range(k_h) for b in range(k_w)],
            (batch, channels, height + top + bottom, width + left + right),
            k_h,
            k_w,
            self.stride,
        )
        return grad_padded[:, :, top : top + height, left : left + width]


class ConvBiasAdd(ParamOperation):
    """``Y = X + B`` with ``B`` of shape ``(1, channels, 1, 1)``: one bias per output channel.

    ``B`` is broadcast over the batch and the image, so its gradient sums over them:
    ``∂L/∂B[0, f, 0, 0] = Σ_{n,i,j} ∂L/∂Y[n, f, i, j]``; ``∂L/∂X = ∂L/∂Y``.
    """

    def __init__(self, B: ndarray) -> None:
        if B.ndim != 4 or B.shape[0] != 1 or B.shape[2:] != (1, 1):
            raise ValueError(
                f"ConvBiasAdd expects B of shape (1, channels, 1, 1), received shape {B.shape}."
            )
        super().__init__(B)

    def _output(self, inference: bool) -> ndarray:
        check_images(self.input_, "ConvBiasAdd")
        if self.input_.shape[1] != self.param.shape[1]:
            raise ValueError(
                f"ConvBiasAdd holds {self.param.shape[1]} bias(es), one per channel, but received "
                f"an input with {self.input_.shape[1]} channel(s) (shape {self.input_.shape})."
            )
        return self.input_ + self.param

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad

    def _param_grad(self, output_grad: ndarray) -> ndarray:
        return output_grad.sum(axis=(0, 2, 3), keepdims=True)


class _Pool2D(Operation):
    """Shared windowing of the pooling Operations: ``size × size`` windows every ``stride``.

    There is no padding; windows that would stick out of the image are not formed (PyTorch's
    default), so the output is ``((height - size) // stride + 1, (width - size) // stride + 1)``.
    """

    def __init__(self, size: int = 2, stride: int | None = None) -> None:
        super().__init__()
        self.size = check_positive_int(size, "size")
        self.stride = self.size if stride is None else check_positive_int(stride, "stride")

    def _offset_views(self) -> list[ndarray]:
        """For each window offset ``(a, b)`` (row-major), the view ``X[:, :, s·i + a, s·j + b]``.

        Element ``[n, c, i, j]`` of view ``a·size + b`` is that offset's value in window
        ``(i, j)``, so a pooling is ``size²`` elementwise operations on these views, whatever the
        image size (no loop over pixels).
        """
        x = self.input_
        check_images(x, type(self).__name__)
        if x.shape[2] < self.size or x.shape[3] < self.size:
            raise ValueError(
                f"{type(self).__name__}: {self.size}×{self.size} windows do not fit in images of "
                f"size {x.shape[2]}×{x.shape[3]}; use a smaller size."
            )
        out_h = (x.shape[2] - self.size) // self.stride + 1
        out_w = (x.shape[3] - self.size) // self.stride + 1
        slices = _offset_slices(self.size, self.size, self.stride, out_h, out_w)
        return [x[:, :, rows, cols] for rows, cols in slices]

    def _scatter(self, grad_by_offset: list[ndarray]) -> ndarray:
        """Add ``grad_by_offset[a·size + b]`` to the input positions at window offset ``(a, b)``."""
        return _fold(grad_by_offset, self.input_.shape, self.size, self.size, self.stride)


class MaxPool2D_Op(_Pool2D):
    """Max pooling: ``Y[n, c, i, j] = max_{a,b} X[n, c, s·i + a, s·j + b]``.

    Backward: each output gradient flows to the position of its window's maximum (the first one,
    in row-major order, if several values tie, as in PyTorch); every other position gets 0. The
    positions are found in ``backward`` by comparing each window offset with the stored maximum,
    so the forward pass (training or inference) only takes maxima.
    """

    def _output(self, inference: bool) -> ndarray:
        views = self._offset_views()
        best = views[0]
        for candidate in views[1:]:
            best = np.maximum(best, candidate)
        return best

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        unclaimed = np.ones(self.output.shape, dtype=bool)
        grad_by_offset = []
        for view in self._offset_views():
            hit = view == self.output
            hit &= unclaimed  # a tie goes to the first offset that reaches the maximum
            unclaimed &= ~hit
            grad_by_offset.append(np.where(hit, output_grad, 0))
        return self._scatter(grad_by_offset)


class AvgPool2D_Op(_Pool2D):
    """Average pooling: ``Y[n, c, i, j] = mean_{a,b} X[n, c, s·i + a, s·j + b]``.

    Backward: every position of a window receives ``∂L/∂Y[n, c, i, j] / size²``.
    """

    def _output(self, inference: bool) -> ndarray:
        views = self._offset_views()
        total = views[0].copy()
        for view in views[1:]:
            total += view
        return total / (self.size * self.size)

    def _input_grad(self, output_grad: ndarray) -> ndarray:
        share = output_grad / (self.size * self.size)
        return self._scatter([share] * self.size**2)
