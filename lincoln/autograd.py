"""Automatic differentiation on scalars: chapter 6's ``NumberWithGrad``, grown into a full engine.

Instead of Operations that each know their own backward pass, the *data* records how it was
made. Every ``NumberWithGrad`` produced by an operation remembers

* ``depends_on``: the numbers it was computed from (its parents in the computation graph),
* ``creation_op``: the name of the operation (``"+"``, ``"*"``, ``"tanh"``, ...),
* ``local_grads``: its **local backward rule**, the partial derivatives ``∂self/∂parent``,
  one per parent, evaluated during the forward pass (for ``c = a * b``: ``(b, a)``).

``c.backward()`` then applies the chain rule to the whole graph at once. With ``L = c`` and
``∂L/∂c = 1``, every node ``v`` receives

    ∂L/∂v = Σ over the nodes u that use v of  ∂L/∂u · ∂u/∂v

The sum is the point: a value used twice (``b`` in ``c = b * b``) gets a contribution from each
use. The sum is only complete once *every* use of ``v`` has sent its contribution, so the nodes are
visited in reverse topological order (each node after all the nodes that depend on it). The
order is found with an iterative depth-first search, so a chain of a million operations needs no
recursion.

The book's first version (kept here as ``NaiveNumberWithGrad`` because chapter 6 shows it)
instead recursed from each node into its parents as soon as it received a gradient, pushing its
*running total* down each time. A reused intermediate then passes down its partial total, then
its full total: for ``a = 3``, ``b = 2a``, ``c = b²`` it reports ``∂c/∂a = 36`` instead of 24.

Operations: ``+ - * /`` (also with plain numbers on either side: ``2 * a``, ``1 - a``,
``10.0 / a``), unary ``-``, ``a ** p`` for a constant number ``p``, and the methods ``exp()``,
``log()``, ``tanh()``, ``sigmoid()`` and ``relu()``. Plain numbers are wrapped into leaf
``NumberWithGrad`` nodes (as in the book), so they appear in the graph and get gradients too.

Gradients **accumulate**, as in PyTorch: ``backward()`` *adds* ``∂self/∂v`` to ``v.grad`` for
every node ``v`` of the graph, so calling it twice doubles every gradient. Call ``zero_grad()``
(on the output, or on a model's parameters) before the next ``backward()``.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from typing import NoReturn, TypeGuard


def _is_number(value: object) -> TypeGuard[float]:
    """True for ints and floats (numpy scalars included), False for bools and everything else."""
    kind = type(value)
    if kind is float or kind is int:
        return True
    return isinstance(value, numbers.Real) and kind is not bool


def _as_node(value: object, operation: str) -> NumberWithGrad:
    """Return ``value`` itself if it is a NumberWithGrad, wrap it if it is a plain number."""
    if isinstance(value, NumberWithGrad):
        return value
    if _is_number(value):
        return NumberWithGrad._result(float(value), (), "", ())
    raise TypeError(
        f"cannot {operation} a NumberWithGrad and a {type(value).__name__} value: NumberWithGrad "
        "works with plain numbers (int or float) and other NumberWithGrad objects. Convert the "
        "value with float(...) or wrap it as NumberWithGrad(value)."
    )


class NumberWithGrad:
    """A number that remembers how it was computed, so that gradients can flow back to it.

    ``NumberWithGrad(3.0)`` (optionally with ``label="a"``, used in drawings) is a leaf: an input
    or a parameter. Arithmetic on it returns new nodes; ``out.backward()`` fills ``.grad`` of
    every node ``out`` depends on with ``∂out/∂node``.

    Attributes (the book's names): ``num`` is the value (a float), ``grad`` the accumulated
    gradient (0.0 until a ``backward()`` reaches the node; the book starts from ``None``),
    ``depends_on`` the parent nodes and ``creation_op`` the operation that made the node (``""``
    for leaves). ``local_grads`` holds ``∂self/∂parent`` for each parent, computed in the forward
    pass: the graph records the forward pass, so changing a parent's ``num`` afterwards does not
    change a node already computed from it; build the expression again instead.

    Comparisons are not overloaded (``a == b`` asks whether they are the same node, which is
    what lets nodes serve as dictionary keys): compare values with ``a.num < b.num``.
    """

    __slots__ = ("num", "grad", "depends_on", "creation_op", "local_grads", "label")

    # Tell numpy not to handle ``array + a`` itself (it would build an array of NumberWithGrad):
    # it then calls ``a.__radd__(array)``, which raises a clear TypeError.
    __array_ufunc__ = None

    def __init__(
        self,
        num: float,
        depends_on: Sequence[NumberWithGrad] = (),
        creation_op: str = "",
        *,
        local_grads: Sequence[float] = (),
        label: str = "",
    ) -> None:
        if isinstance(num, NumberWithGrad):
            raise TypeError(
                "NumberWithGrad(x) needs a plain number, received a NumberWithGrad; use the "
                "existing object directly (it already tracks its gradient)."
            )
        if not _is_number(num):
            raise TypeError(
                f"NumberWithGrad needs a plain number (int or float), received "
                f"{type(num).__name__} {num!r}; convert it with float(...) first."
            )
        if len(local_grads) != len(depends_on):
            raise ValueError(
                f"a node needs one local gradient per parent: received {len(depends_on)} parents "
                f"and {len(local_grads)} local gradients. Leaves take neither; results of "
                "operations are built by the operators (+, *, exp(), ...)."
            )
        for parent in depends_on:
            if not isinstance(parent, NumberWithGrad):
                raise TypeError(
                    f"depends_on must contain NumberWithGrad objects, received "
                    f"{type(parent).__name__}."
                )
        self.num = float(num)
        self.grad = 0.0
        self.depends_on: tuple[NumberWithGrad, ...] = tuple(depends_on)
        self.creation_op = creation_op
        self.local_grads: tuple[float, ...] = tuple(float(g) for g in local_grads)
        self.label = label

    @classmethod
    def _result(
        cls,
        num: float,
        depends_on: tuple[NumberWithGrad, ...],
        creation_op: str,
        local_grads: tuple[float, ...],
    ) -> NumberWithGrad:
        """The output node of an operation, built without re-validating the operator's inputs."""
        node = cls.__new__(cls)
        node.num = num
        node.grad = 0.0
        node.depends_on = depends_on
        node.creation_op = creation_op
        node.local_grads = local_grads
        node.label = ""
        return node

    def __repr__(self) -> str:
        name = f", label={self.label!r}" if self.label else ""
        op = f", creation_op={self.creation_op!r}" if self.creation_op else ""
        return f"NumberWithGrad(num={self.num!r}, grad={self.grad!r}{op}{name})"

    # ----------------------------------------------------------------- binary operations

    def __add__(self, other: NumberWithGrad | float) -> NumberWithGrad:
        """``c = a + b``; local rule ``∂c/∂a = 1``, ``∂c/∂b = 1``."""
        b = _as_node(other, "add")
        return NumberWithGrad._result(self.num + b.num, (self, b), "+", (1.0, 1.0))

    def __radd__(self, other: float) -> NumberWithGrad:
        """``c = other + a`` for a plain number ``other`` (so ``1 + a`` works)."""
        return _as_node(other, "add") + self

    def __sub__(self, other: NumberWithGrad | float) -> NumberWithGrad:
        """``c = a - b``; local rule ``∂c/∂a = 1``, ``∂c/∂b = -1``."""
        b = _as_node(other, "subtract")
        return NumberWithGrad._result(self.num - b.num, (self, b), "-", (1.0, -1.0))

    def __rsub__(self, other: float) -> NumberWithGrad:
        """``c = other - a`` for a plain number ``other`` (so ``1 - a`` works)."""
        return _as_node(other, "subtract") - self

    def __mul__(self, other: NumberWithGrad | float) -> NumberWithGrad:
        """``c = a · b``; local rule ``∂c/∂a = b``, ``∂c/∂b = a``."""
        b = _as_node(other, "multiply")
        return NumberWithGrad._result(self.num * b.num, (self, b), "*", (b.num, self.num))

    def __rmul__(self, other: float) -> NumberWithGrad:
        """``c = other · a`` for a plain number ``other`` (so ``2 * a`` works)."""
        return _as_node(other, "multiply") * self

    def __truediv__(self, other: NumberWithGrad | float) -> NumberWithGrad:
        """``c = a / b``; local rule ``∂c/∂a = 1/b``, ``∂c/∂b = -a/b²``."""
        b = _as_node(other, "divide")
        if b.num == 0.0:
            raise ZeroDivisionError(
                f"cannot divide {self.num!r} by zero: the divisor (a NumberWithGrad with "
                "num=0.0) must be nonzero."
            )
        return NumberWithGrad._result(
            self.num / b.num, (self, b), "/", (1.0 / b.num, -self.num / (b.num * b.num))
        )

    def __rtruediv__(self, other: float) -> NumberWithGrad:
        """``c = other / a`` for a plain number ``other`` (so ``10.0 / a`` works)."""
        return _as_node(other, "divide") / self

    def __pow__(self, exponent: float) -> NumberWithGrad:
        """``c = a^p`` for a constant number ``p``; local rule ``∂c/∂a = p · a^(p-1)``.

        ``p`` must be a plain number: a NumberWithGrad exponent would need ``∂c/∂p = a^p ln a``,
        which this operation does not provide; write ``(p * a.log()).exp()`` for that. At
        ``a = 0`` with ``0 < p < 1`` the derivative is infinite and ``∂c/∂a`` is ``inf`` (as in
        PyTorch).
        """
        if not _is_number(exponent):
            raise TypeError(
                f"a ** p needs a constant exponent p (int or float), received "
                f"{type(exponent).__name__}. For a variable exponent p, write (p * a.log()).exp() "
                "(valid for a > 0)."
            )
        p = float(exponent)
        x = self.num
        if x < 0.0 and not p.is_integer():
            raise ValueError(
                f"({x!r}) ** {p!r} is not a real number: a negative base needs an integer "
                "exponent. Use a positive base, or an integer exponent."
            )
        if x == 0.0 and p < 0.0:
            raise ZeroDivisionError(
                f"0.0 ** {p!r} is a division by zero: a negative exponent needs a nonzero base."
            )
        if p == 0.0:
            local = 0.0
        elif x == 0.0 and p < 1.0:
            local = math.inf
        else:
            local = p * x ** (p - 1.0)
        return NumberWithGrad._result(x**p, (self,), f"**{p:g}", (local,))

    def __rpow__(self, base: float) -> NoReturn:
        """``base ** a`` is not supported: the exponent of ``**`` must be a constant."""
        raise TypeError(
            f"{base!r} ** a needs a constant exponent, but a is a NumberWithGrad. Write "
            f"(a * math.log({base!r})).exp() instead (valid for a positive base)."
        )

    # ------------------------------------------------------------------ unary operations

    def __neg__(self) -> NumberWithGrad:
        """``c = -a``; local rule ``∂c/∂a = -1``."""
        return NumberWithGrad._result(-self.num, (self,), "neg", (-1.0,))

    def exp(self) -> NumberWithGrad:
        """``c = e^a``; local rule ``∂c/∂a = e^a = c``."""
        try:
            value = math.exp(self.num)
        except OverflowError:
            raise OverflowError(
                f"exp({self.num!r}) is larger than the largest float (exp(709.78)); scale the "
                "input down or work with logarithms."
            ) from None
        return NumberWithGrad._result(value, (self,), "exp", (value,))

    def log(self) -> NumberWithGrad:
        """``c = ln a`` (natural logarithm, ``a > 0``); local rule ``∂c/∂a = 1/a``."""
        if self.num <= 0.0:
            raise ValueError(
                f"log needs a positive number, received {self.num!r}: the logarithm of zero or "
                "a negative number is not a real number. Make sure the input is > 0."
            )
        return NumberWithGrad._result(math.log(self.num), (self,), "log", (1.0 / self.num,))

    def tanh(self) -> NumberWithGrad:
        """``c = tanh a``; local rule ``∂c/∂a = 1 - tanh² a = 1 - c²``."""
        value = math.tanh(self.num)
        return NumberWithGrad._result(value, (self,), "tanh", (1.0 - value * value,))

    def sigmoid(self) -> NumberWithGrad:
        """``c = σ(a) = 1 / (1 + e^{-a})``; local rule ``∂c/∂a = σ(a)(1 - σ(a)) = c(1 - c)``.

        Computed as ``(1 + tanh(a/2)) / 2``, the same function without overflow for large ``|a|``.
        """
        value = 0.5 * (1.0 + math.tanh(0.5 * self.num))
        return NumberWithGrad._result(value, (self,), "sigmoid", (value * (1.0 - value),))

    def relu(self) -> NumberWithGrad:
        """``c = max(a, 0)``; local rule ``∂c/∂a = 1`` if ``a > 0`` else 0 (0 at ``a = 0``)."""
        positive = self.num > 0.0
        return NumberWithGrad._result(
            self.num if positive else 0.0, (self,), "relu", (1.0 if positive else 0.0,)
        )

    # -------------------------------------------------------------------------- backward

    def backward(self, backward_grad: float = 1.0) -> None:
        """Add ``∂self/∂v`` (times ``backward_grad``) to ``v.grad`` for every node ``v`` it uses.

        ``backward_grad`` is the gradient of the final quantity with respect to ``self``; it is 1
        when ``self`` is that quantity (a loss). The nodes are visited in reverse topological
        order, and for each node ``u`` with gradient ``g_u`` and each parent ``v``,
        ``g_v += g_u · ∂u/∂v`` (the local rule stored in ``u.local_grads``). By the time a node is
        visited, every node that uses it has contributed, so its ``g`` is complete.

        The gradients of this call are summed separately and then *added* to ``.grad``:
        ``backward()`` twice gives exactly twice the gradients (accumulation, as in PyTorch).
        Call ``zero_grad()`` first to start again from zero.
        """
        if not _is_number(backward_grad):
            raise TypeError(
                f"backward_grad must be a plain number (the gradient with respect to this node), "
                f"received {type(backward_grad).__name__}."
            )
        order = topological_order(self)
        grads: dict[NumberWithGrad, float] = {self: float(backward_grad)}
        for node in reversed(order):
            g = grads[node]
            node.grad += g
            for parent, local in zip(node.depends_on, node.local_grads, strict=True):
                grads[parent] = grads.get(parent, 0.0) + g * local

    def zero_grad(self) -> None:
        """Set ``grad`` to 0.0 on this node and every node it depends on."""
        for node in topological_order(self):
            node.grad = 0.0


def topological_order(root: NumberWithGrad) -> list[NumberWithGrad]:
    """Every node ``root`` depends on (``root`` included), each listed after all of its parents.

    Iterative depth-first search: a node is first *expanded* (its parents pushed on the stack)
    and appended to the order only when it comes off the stack the second time, after all its
    parents. Each node appears once, however many times it is used; ``root`` is last.
    """
    if not isinstance(root, NumberWithGrad):
        raise TypeError(f"expected a NumberWithGrad, received {type(root).__name__}.")
    order: list[NumberWithGrad] = []
    visited: set[NumberWithGrad] = set()
    stack: list[tuple[NumberWithGrad, bool]] = [(root, False)]
    while stack:
        node, parents_done = stack.pop()
        if parents_done:
            order.append(node)
            continue
        if node in visited:
            continue
        visited.add(node)
        stack.append((node, True))
        for parent in reversed(node.depends_on):
            if parent not in visited:
                stack.append((parent, False))
    return order


class NaiveNumberWithGrad:
    """The book's first ``NumberWithGrad``, kept to show why the engine above needs an order.

    It supports ``+`` and ``*`` (with numbers or other ``NaiveNumberWithGrad``), and a recursive
    ``backward``: a node adds the incoming gradient to its running total ``grad`` and
    immediately sends ``grad · ∂self/∂parent`` to each parent. When an intermediate value is
    used twice, it is reached twice, and the second time it sends its *whole running total*
    again, so its parents count the first contribution twice. With ``a = 3``, ``b = a * 2``,
    ``c = b * b``: the first visit of ``b`` sends ``6 · 2 = 12`` to ``a``, the second sends
    ``12 · 2 = 24``, and ``a.grad`` is 36 instead of the correct ``∂c/∂a = 8a = 24``.

    Leaves used several times are fine (they pass nothing on), which is why the book's example
    ``(4a + 3)(a + 2)`` comes out right (35). The recursion is also limited by Python's stack
    depth. Chapter 6 uses this class to demonstrate the problem; use ``NumberWithGrad``.
    """

    def __init__(
        self,
        num: float,
        depends_on: Sequence[NaiveNumberWithGrad] = (),
        creation_op: str = "",
    ) -> None:
        if not _is_number(num):
            raise TypeError(
                f"NaiveNumberWithGrad needs a plain number (int or float), received "
                f"{type(num).__name__}."
            )
        self.num = float(num)
        self.grad: float | None = None
        self.depends_on = list(depends_on)
        self.creation_op = creation_op

    def __repr__(self) -> str:
        return f"NaiveNumberWithGrad(num={self.num!r}, grad={self.grad!r})"

    @staticmethod
    def _ensure(value: NaiveNumberWithGrad | float) -> NaiveNumberWithGrad:
        if isinstance(value, NaiveNumberWithGrad):
            return value
        if _is_number(value):
            return NaiveNumberWithGrad(value)
        raise TypeError(
            f"NaiveNumberWithGrad works with plain numbers and other NaiveNumberWithGrad "
            f"objects, received {type(value).__name__}."
        )

    def __add__(self, other: NaiveNumberWithGrad | float) -> NaiveNumberWithGrad:
        """``c = a + b``: ``∂c/∂a = ∂c/∂b = 1``."""
        b = self._ensure(other)
        return NaiveNumberWithGrad(self.num + b.num, [self, b], "add")

    def __mul__(self, other: NaiveNumberWithGrad | float) -> NaiveNumberWithGrad:
        """``c = a · b``: ``∂c/∂a = b``, ``∂c/∂b = a``."""
        b = self._ensure(other)
        return NaiveNumberWithGrad(self.num * b.num, [self, b], "mul")

    def backward(self, backward_grad: float | None = None) -> None:
        """The book's recursive backward pass (over-counts reused intermediate values).

        ``None`` means "this is the output": ``grad = 1``. Otherwise ``backward_grad`` is added to
        ``grad``, and the running total ``grad`` times the local derivative is sent to each
        parent right away.
        """
        if backward_grad is None:
            self.grad = 1.0
        elif self.grad is None:
            self.grad = backward_grad
        else:
            self.grad += backward_grad
        if self.creation_op == "add":
            self.depends_on[0].backward(self.grad)
            self.depends_on[1].backward(self.grad)
        elif self.creation_op == "mul":
            self.depends_on[0].backward(self.grad * self.depends_on[1].num)
            self.depends_on[1].backward(self.grad * self.depends_on[0].num)
