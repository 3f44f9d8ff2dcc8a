"""Truncated multivariate Taylor numbers ("jets") for exact derivatives up to third order.

Why: GUM's law of propagation needs exact first derivatives and the GUM 5.1.2 note needs
second and third ones. A jet carries value, gradient, Hessian and third-derivative tensor and
propagates them through arithmetic and the whitelisted elementary functions, so the same
model code (expression or numpy callable) gives exact derivatives without finite differences.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

Arr = npt.NDArray[Any]

__all__ = ["Jet", "variables"]


def _sym3(h: Arr, g: Arr) -> Arr:
    """h_ij g_k + h_ik g_j + h_jk g_i."""
    out: Arr = (
        h[:, :, None] * g[None, None, :]
        + h[:, None, :] * g[None, :, None]
        + h[None, :, :] * g[:, None, None]
    )
    return out


class Jet:
    """Value with gradient, Hessian (order >= 2) and third derivatives (order 3)."""

    __slots__ = ("g", "h", "t", "v")
    __array_priority__ = 1000.0

    def __init__(self, v: Any, g: Arr, h: Arr | None = None, t: Arr | None = None) -> None:
        self.v = v
        self.g = g
        self.h = h
        self.t = t

    @property
    def order(self) -> int:
        return 1 if self.h is None else (2 if self.t is None else 3)

    def __repr__(self) -> str:
        return f"Jet({self.v!r}, order={self.order})"

    # -- construction helpers -------------------------------------------------------------
    def _const_like(self, c: Any) -> Jet:
        n = self.g.shape[0]
        dt = np.result_type(self.g.dtype, np.asarray(c).dtype)
        h = None if self.h is None else np.zeros((n, n), dt)
        t = None if self.t is None else np.zeros((n, n, n), dt)
        return Jet(c, np.zeros(n, dt), h, t)

    def _lift(self, other: Any) -> Jet:
        if isinstance(other, Jet):
            return other
        if isinstance(other, (int, float, complex, np.number)) or (
            isinstance(other, np.ndarray) and other.ndim == 0
        ):
            return self._const_like(other)
        raise TypeError(f"cannot combine a Jet with {type(other).__name__}")

    def compose(self, d0: Any, d1: Any, d2: Any = 0.0, d3: Any = 0.0) -> Jet:
        """phi(self) from phi and its first three derivatives at self.v (chain rule)."""
        g = d1 * self.g
        h = t = None
        if self.h is not None:
            h = d2 * np.outer(self.g, self.g) + d1 * self.h
        if self.t is not None and self.h is not None:
            gg = self.g
            t = (
                d3 * gg[:, None, None] * gg[None, :, None] * gg[None, None, :]
                + d2 * _sym3(self.h, gg)
                + d1 * self.t
            )
        return Jet(d0, g, h, t)

    # -- arithmetic ---------------------------------------------------------------------------
    def __add__(self, other: Any) -> Jet:
        if not isinstance(other, Jet):
            try:
                return Jet(self.v + other, self.g, self.h, self.t)
            except TypeError:
                return NotImplemented
        h = None if self.h is None or other.h is None else self.h + other.h
        t = None if self.t is None or other.t is None else self.t + other.t
        return Jet(self.v + other.v, self.g + other.g, h, t)

    __radd__ = __add__

    def __neg__(self) -> Jet:
        return Jet(
            -self.v,
            -self.g,
            None if self.h is None else -self.h,
            None if self.t is None else -self.t,
        )

    def __pos__(self) -> Jet:
        return self

    def __sub__(self, other: Any) -> Jet:
        res: Jet = self + (-other)
        return res

    def __rsub__(self, other: Any) -> Jet:
        res: Jet = (-self) + other
        return res

    def __mul__(self, other: Any) -> Jet:
        if not isinstance(other, Jet):
            if isinstance(other, np.ndarray) and other.ndim > 0:
                return NotImplemented
            c = other
            return Jet(
                self.v * c,
                self.g * c,
                None if self.h is None else self.h * c,
                None if self.t is None else self.t * c,
            )
        f, q = self, other
        g = f.g * q.v + f.v * q.g
        h = t = None
        if f.h is not None and q.h is not None:
            h = f.h * q.v + np.outer(f.g, q.g) + np.outer(q.g, f.g) + f.v * q.h
            if f.t is not None and q.t is not None:
                t = f.t * q.v + _sym3(f.h, q.g) + _sym3(q.h, f.g) + f.v * q.t
        return Jet(f.v * q.v, g, h, t)

    __rmul__ = __mul__

    def reciprocal(self) -> Jet:
        a = self.v
        return self.compose(1.0 / a, -1.0 / a**2, 2.0 / a**3, -6.0 / a**4)

    def __truediv__(self, other: Any) -> Jet:
        if isinstance(other, Jet):
            return self * other.reciprocal()
        res: Jet = self * (1.0 / other)
        return res

    def __rtruediv__(self, other: Any) -> Jet:
        res: Jet = self.reciprocal() * other
        return res

    def __pow__(self, other: Any) -> Jet:
        if isinstance(other, Jet):
            return exp(other * log(self))
        c = other
        a = self.v
        if c == 0:
            return self._const_like(1.0)
        return self.compose(
            a**c, c * a ** (c - 1), c * (c - 1) * a ** (c - 2), c * (c - 1) * (c - 2) * a ** (c - 3)
        )

    def __rpow__(self, other: Any) -> Jet:
        return exp(self * np.log(other))

    def __abs__(self) -> Jet:
        if np.iscomplexobj(self.v):
            raise TypeError("abs() of a complex jet is not differentiable")
        s = float(np.sign(self.v))
        return self.compose(abs(self.v), s, 0.0, 0.0)

    # numpy dispatch: np.sqrt(jet) etc. work, so vectorised callables give exact derivatives.
    def __array_ufunc__(self, ufunc: Any, method: str, *inputs: Any, **kwargs: Any) -> Any:
        if method != "__call__" or kwargs:
            return NotImplemented
        fn = _UFUNCS.get(ufunc)
        if fn is None:
            return NotImplemented
        return fn(*inputs)


def variables(values: list[Any], order: int) -> list[Jet]:
    """Independent jets x_i with unit gradient e_i (the seeds of differentiation)."""
    n = len(values)
    out: list[Jet] = []
    for i, v in enumerate(values):
        g = np.zeros(n)
        g[i] = 1.0
        h = np.zeros((n, n)) if order >= 2 else None
        t = np.zeros((n, n, n)) if order >= 3 else None
        out.append(Jet(v, g, h, t))
    return out


def _as_jet(x: Any, like: Jet) -> Jet:
    return x if isinstance(x, Jet) else like._const_like(x)


def sqrt(x: Jet) -> Jet:
    s = np.sqrt(x.v)
    return x.compose(s, 0.5 / s, -0.25 / (x.v * s), 0.375 / (x.v * x.v * s))


def exp(x: Jet) -> Jet:
    e = np.exp(x.v)
    return x.compose(e, e, e, e)


def log(x: Jet) -> Jet:
    a = x.v
    return x.compose(np.log(a), 1.0 / a, -1.0 / a**2, 2.0 / a**3)


def log10(x: Jet) -> Jet:
    a = x.v
    k = 1.0 / np.log(10.0)
    return x.compose(np.log10(a), k / a, -k / a**2, 2.0 * k / a**3)


def sin(x: Jet) -> Jet:
    s, c = np.sin(x.v), np.cos(x.v)
    return x.compose(s, c, -s, -c)


def cos(x: Jet) -> Jet:
    s, c = np.sin(x.v), np.cos(x.v)
    return x.compose(c, -s, -c, s)


def tan(x: Jet) -> Jet:
    t = np.tan(x.v)
    sec2 = 1.0 + t * t
    return x.compose(t, sec2, 2.0 * t * sec2, 2.0 * sec2 * (1.0 + 3.0 * t * t))


def asin(x: Jet) -> Jet:
    a = x.v
    q = 1.0 - a * a
    return x.compose(np.arcsin(a), q**-0.5, a * q**-1.5, (1.0 + 2.0 * a * a) * q**-2.5)


def acos(x: Jet) -> Jet:
    a = x.v
    q = 1.0 - a * a
    return x.compose(np.arccos(a), -(q**-0.5), -a * q**-1.5, -(1.0 + 2.0 * a * a) * q**-2.5)


def atan(x: Jet) -> Jet:
    a = x.v
    q = 1.0 + a * a
    return x.compose(np.arctan(a), 1.0 / q, -2.0 * a / q**2, (6.0 * a * a - 2.0) / q**3)


def atan2(y: Any, x: Any) -> Jet:
    """atan2 via atan of the better-conditioned ratio; the branch constant has no derivative."""
    like = y if isinstance(y, Jet) else x
    yj, xj = _as_jet(y, like), _as_jet(x, like)
    base = atan(yj / xj) if abs(xj.v) >= abs(yj.v) else -atan(xj / yj)
    return Jet(np.arctan2(yj.v, xj.v), base.g, base.h, base.t)


def _power(a: Any, b: Any) -> Any:
    if isinstance(a, Jet):
        return a**b
    return b.__rpow__(a)


_UFUNCS: dict[Any, Callable[..., Any]] = {
    np.sqrt: sqrt,
    np.exp: exp,
    np.log: log,
    np.log10: log10,
    np.sin: sin,
    np.cos: cos,
    np.tan: tan,
    np.arcsin: asin,
    np.arccos: acos,
    np.arctan: atan,
    np.arctan2: atan2,
    np.absolute: abs,
    np.negative: lambda a: -a,
    np.positive: lambda a: a,
    np.add: lambda a, b: a + b if isinstance(a, Jet) else b + a,
    np.subtract: lambda a, b: a - b if isinstance(a, Jet) else (-b) + a,
    np.multiply: lambda a, b: a * b if isinstance(a, Jet) else b * a,
    np.divide: lambda a, b: a / b if isinstance(a, Jet) else b.__rtruediv__(a),
    np.power: _power,
    np.square: lambda a: a * a,
    np.reciprocal: lambda a: a.reciprocal(),
}
