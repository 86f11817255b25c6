"""Finite-difference gradient checks for any Operation, ParamOperation or Loss.

The idea: to test the backward pass of ``y = f(x)``, inject a random upstream gradient ``G`` and
look at the scalar ``s(x) = Σ f(x) ⊙ G``. Its exact gradient is what ``backward(G)`` must return,
and centred differences estimate it independently, one coordinate at a time:

    ∂s/∂x_i ≈ (s(x + h e_i) - s(x - h e_i)) / 2h        (error O(h²))

The two are compared with the relative error ``max|a - b| / max(1e-8, max|a| + max|b|)``; in
float64 a correct backward pass gives about 1e-9 or less, so the default tolerance is 1e-6.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from numpy import ndarray

from lincoln.base import Operation, ParamOperation
from lincoln.losses import Loss


def relative_error(analytic: ndarray, numeric: ndarray) -> float:
    """``max|a - b| / max(1e-8, max|a| + max|b|)``: 0 for equal arrays, ~1 for unrelated ones."""
    if analytic.shape != numeric.shape:
        raise ValueError(f"cannot compare shapes {analytic.shape} and {numeric.shape}.")
    if analytic.size == 0:
        return 0.0
    scale = max(1e-8, float(np.max(np.abs(analytic)) + np.max(np.abs(numeric))))
    return float(np.max(np.abs(analytic - numeric)) / scale)


def numerical_gradient(f: Callable[[], float], x: ndarray, h: float = 1e-6) -> ndarray:
    """Centred-difference gradient of the scalar ``f()`` with respect to ``x``, perturbed in place.

    ``f`` takes no argument: it must read ``x`` (for example through an Operation holding it), so
    that the same helper works for inputs and for parameters. ``x`` is restored afterwards.
    """
    if x.dtype != np.float64:
        raise TypeError(
            f"gradient checks need float64 arrays (finite differences in {x.dtype} are too "
            "imprecise); convert with .astype(np.float64)."
        )
    grad = np.zeros_like(x)
    flat_x, flat_grad = x.reshape(-1), grad.reshape(-1)
    if not np.shares_memory(flat_x, x):
        raise ValueError("numerical_gradient needs a contiguous array it can perturb in place.")
    for i in range(flat_x.size):
        original = flat_x[i]
        flat_x[i] = original + h
        f_plus = f()
        flat_x[i] = original - h
        f_minus = f()
        flat_x[i] = original
        flat_grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


@dataclass
class GradCheckResult:
    """Relative errors of a gradient check: ``input`` and, for a ParamOperation, ``param``."""

    input: float
    param: float | None = None

    @property
    def max_error(self) -> float:
        """The largest of the relative errors."""
        return max(self.input, self.param if self.param is not None else 0.0)


class GradientCheckError(AssertionError):
    """A backward pass disagrees with finite differences."""


def check_operation(
    op: Operation,
    input_: ndarray,
    *,
    inference: bool = False,
    seed: int = 0,
    h: float = 1e-6,
    tol: float = 1e-6,
) -> GradCheckResult:
    """Check ``op``'s input gradient (and ``param_grad`` for a ParamOperation) numerically.

    An upstream gradient ``G`` with standard-normal entries is injected; the analytic gradients
    from ``op.backward(G)`` are compared with centred differences of ``Σ op.forward(x) ⊙ G``.
    Raises ``GradientCheckError`` if a relative error exceeds ``tol``; returns the errors.
    ``op`` must be deterministic between calls (fix a Dropout's mask before checking it).
    """
    x = np.array(input_, dtype=np.float64)
    output = op.forward(x, inference)
    upstream = np.random.default_rng(seed).standard_normal(output.shape)

    def scalar() -> float:
        return float(np.sum(op.forward(x, inference) * upstream))

    op.forward(x, inference)
    analytic_input = op.backward(upstream).copy()
    analytic_param = op.param_grad.copy() if isinstance(op, ParamOperation) else None

    result = GradCheckResult(relative_error(analytic_input, numerical_gradient(scalar, x, h)))
    if isinstance(op, ParamOperation):
        assert analytic_param is not None
        numeric_param = numerical_gradient(scalar, op.param, h)
        result.param = relative_error(analytic_param, numeric_param)
    if result.max_error > tol:
        raise GradientCheckError(
            f"{type(op).__name__}: gradient check failed (input error {result.input:.2e}, "
            f"param error {result.param}); tolerance {tol:.0e}."
        )
    return result


def check_loss(
    loss: Loss, prediction: ndarray, target: ndarray, *, h: float = 1e-6, tol: float = 1e-6
) -> float:
    """Check ``loss.backward()`` against centred differences of ``loss.forward``; return error."""
    p = np.array(prediction, dtype=np.float64)
    loss.forward(p, target)
    analytic = loss.backward().copy()
    numeric = numerical_gradient(lambda: loss.forward(p, target), p, h)
    error = relative_error(analytic, numeric)
    if error > tol:
        raise GradientCheckError(
            f"{type(loss).__name__}: gradient check failed (relative error {error:.2e}, "
            f"tolerance {tol:.0e})."
        )
    return error
