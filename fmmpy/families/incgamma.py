"""The log of the regularized upper incomplete gamma function ``Q(a, x)`` with its
first and second derivatives in the shape ``a`` -- the survivor function of the
gamma distribution and what its censored likelihood needs.

``Q(a, x) = Gamma(a, x) / Gamma(a)``.  For ``x < a + 1`` the lower function
``P = 1 - Q`` is summed from its series ``P = e^{-x} x^a sum_n x^n / Gamma(a+n+1)``;
otherwise ``Q`` is evaluated from Legendre's continued fraction
``Q = e^{-x} x^a / Gamma(a) / (x + 1 - a - 1(1-a)/(x + 3 - a - 2(2-a)/(x + 5 - a - ...)))``.
Both are differentiated term by term (the continued fraction through the
three-term recurrence of its convergents), so the derivatives are exact for the
approximant used, not finite differences.  Derivatives in ``x`` have closed forms
and are left to the caller.

Examples
--------
>>> import numpy as np
>>> from scipy.special import gammaincc
>>> a, x = np.array([0.5, 2.0, 30.0]), np.array([0.2, 7.0, 25.0])
>>> lq, d1, d2 = log_gammaincc(a, x)
>>> bool(np.allclose(np.exp(lq), gammaincc(a, x), rtol=1e-12))
True
"""

from __future__ import annotations

import numpy as np
from scipy.special import digamma, gammaln, polygamma

__all__ = ["log_gammaincc"]

_EPS = 1e-16
_MAX_TERMS = 20000


def _series(a: np.ndarray, x: np.ndarray):
    """log Q and its a-derivatives from the series of P (for x < a + 1)."""
    with np.errstate(divide="ignore"):
        lx = np.log(x)
    L = -x + a * lx - gammaln(a + 1.0)
    L1 = lx - digamma(a + 1.0)
    L2 = -polygamma(1, a + 1.0)
    T, T1, T2 = np.ones_like(a), np.zeros_like(a), np.zeros_like(a)
    t, s, q = np.ones_like(a), np.zeros_like(a), np.zeros_like(a)
    active = np.ones(a.shape, dtype=bool)
    n = 0
    while active.any() and n < _MAX_TERMS:
        n += 1
        idx = np.flatnonzero(active)
        inv = 1.0 / (a[idx] + n)
        t[idx] *= x[idx] * inv
        s[idx] -= inv
        q[idx] += inv * inv
        T[idx] += t[idx]
        T1[idx] += t[idx] * s[idx]
        T2[idx] += t[idx] * (s[idx] ** 2 + q[idx])
        active[idx] = t[idx] > _EPS * T[idx]
    eL = np.exp(L)
    P = eL * T
    P1 = eL * (L1 * T + T1)
    P2 = eL * ((L2 + L1 * L1) * T + 2.0 * L1 * T1 + T2)
    Q = 1.0 - P
    g1 = -P1 / Q
    return np.log1p(-P), g1, -P2 / Q - g1 * g1


def _continued_fraction(a: np.ndarray, x: np.ndarray):
    """log Q and its a-derivatives from Legendre's continued fraction (x >= a + 1)."""
    # Convergents of K = b0 + a1/(b1 + a2/(b2 + ...)): A_n/B_n; Q = prefactor / K.
    b0 = x + 1.0 - a
    zero, one = np.zeros_like(a), np.ones_like(a)
    A = [one.copy(), zero.copy(), zero.copy(), b0.copy(), -one.copy(), zero.copy()]
    B = [zero.copy(), zero.copy(), zero.copy(), one.copy(), zero.copy(), zero.copy()]
    # A = (A_{n-2}, A'_{n-2}, A''_{n-2}, A_{n-1}, A'_{n-1}, A''_{n-1}); same for B.
    K = b0.copy()
    active = np.ones(a.shape, dtype=bool)
    n = 0
    while active.any() and n < _MAX_TERMS:
        n += 1
        i = np.flatnonzero(active)
        an, an1 = -n * (n - a[i]), float(n)          # a_n and d a_n / d a
        bn, bn1 = x[i] + 2.0 * n + 1.0 - a[i], -1.0  # b_n and d b_n / d a
        new = []
        for C in (A, B):
            v2, d2, s2, v1, d1, s1 = (c[i] for c in C)
            v = bn * v1 + an * v2
            d = bn1 * v1 + bn * d1 + an1 * v2 + an * d2
            s = 2.0 * bn1 * d1 + bn * s1 + 2.0 * an1 * d2 + an * s2
            new.append((v1, d1, s1, v, d, s))
        # The recurrence is linear and homogeneous: rescaling every stored value by the
        # same number changes no ratio (nor its derivatives) and prevents overflow.
        scale = np.abs(new[0][3])
        scale = np.where(scale > 0, scale, 1.0)
        for C, vals in zip((A, B), new):
            for c, val in zip(C, vals):
                c[i] = val / scale
        K_new = A[3][i] / B[3][i]
        active[i] = np.abs(K_new / K[i] - 1.0) > _EPS
        K[i] = K_new
    Av, Ad, As = A[3], A[4], A[5]
    Bv, Bd, Bs = B[3], B[4], B[5]
    logF = np.log(Bv / Av)
    gA, gB = Ad / Av, Bd / Bv
    dlogF = gB - gA
    d2logF = (Bs / Bv - gB * gB) - (As / Av - gA * gA)
    lx = np.log(x)
    lq = -x + a * lx - gammaln(a) + logF
    return lq, lx - digamma(a) + dlogF, -polygamma(1, a) + d2logF


def log_gammaincc(a: np.ndarray, x: np.ndarray):
    """``log Q(a, x)``, ``d/da log Q`` and ``d2/da2 log Q`` for ``a > 0``, ``x >= 0``.

    Examples
    --------
    >>> import numpy as np
    >>> float(log_gammaincc(np.array([1.0]), np.array([2.0]))[0][0])    # Q(1, x) = exp(-x)
    -2.0
    """
    a, x = np.broadcast_arrays(np.asarray(a, dtype=float), np.asarray(x, dtype=float))
    lq, g1, g2 = np.zeros(a.shape), np.zeros(a.shape), np.zeros(a.shape)
    pos = x > 0
    ser = pos & (x < a + 1.0)
    cf = pos & ~ser
    if ser.any():
        lq[ser], g1[ser], g2[ser] = _series(a[ser], x[ser])
    if cf.any():
        lq[cf], g1[cf], g2[cf] = _continued_fraction(a[cf], x[cf])
    return lq, g1, g2
