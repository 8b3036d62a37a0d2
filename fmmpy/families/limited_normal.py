"""Normal outcomes observed with limits: the shared pieces of ``tobit`` (censoring),
``intreg`` (interval data) and ``truncreg`` (truncation).

Every observation of these models is a normal variable ``Y ~ N(mu, sigma^2)``
(``mu = x'b``, ``sigma^2 = exp(s)``, reported as ``var(e.y)``) seen in one of two
ways:

* a point ``y``: the log density ``log phi((y - mu)/sigma) - log sigma``;
* an interval ``(lo, hi)`` (``lo`` may be ``-inf``, ``hi`` may be ``+inf``): the log
  probability ``log[Phi(z_hi) - Phi(z_lo)]``, ``z_c = (c - mu)/sigma``;

and, under truncation to ``(tlo, thi)``, minus the log probability of that
interval.  The interval probabilities are computed on the log scale from whichever
tail keeps them accurate, and their first and second derivatives with respect to
``(mu, s)`` in closed form (:func:`log_normal_interval`).  A model only says how
its data map to points, intervals and truncation limits (:meth:`LimitedNormal.limits`).

Examples
--------
>>> import numpy as np
>>> ll, d1, d2 = log_normal_interval(np.array([0.0]), np.array([0.0]),
...                                  np.array([-np.inf]), np.array([0.0]))
>>> np.round(np.exp(ll), 6)                       # P(Y < 0) for a standard normal
array([0.5])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy.special import log_ndtr, ndtr

from .base import (Block, Family, Outcome, newton_weighted_fit, observed,
                   weighted_least_squares)
from .gaussian import Gaussian
from .links import log1mexp

__all__ = ["Limits", "LimitedNormal", "log_normal_interval"]

_HALF_LOG_2PI = 0.5 * float(np.log(2.0 * np.pi))


def _log_interval_prob(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``log(Phi(b) - Phi(a))`` for ``a < b`` (either may be infinite)."""
    fin_a, fin_b = np.isfinite(a), np.isfinite(b)
    out = np.empty(a.shape)
    one = ~fin_a                                  # (-inf, b): log Phi(b)
    out[one] = log_ndtr(b[one])
    one = fin_a & ~fin_b                          # (a, inf): log Phi(-a)
    out[one] = log_ndtr(-a[one])
    two = fin_a & fin_b
    if two.any():
        a2, b2 = a[two], b[two]
        upper = a2 > 0  # both limits in the upper tail: use the mirror image
        hi = np.where(upper, -a2, b2)
        lo = np.where(upper, -b2, a2)
        lhi = log_ndtr(hi)
        with np.errstate(invalid="ignore"):
            out[two] = lhi + log1mexp(log_ndtr(lo) - lhi)
    return out


def log_normal_interval(mu: np.ndarray, s: np.ndarray, lo: np.ndarray, hi: np.ndarray,
                        order: int = 2):
    """``log P(lo < Y < hi)`` for ``Y ~ N(mu, exp(s))`` and its derivatives.

    Parameters
    ----------
    mu, s : ndarray
        Mean and log variance per observation.
    lo, hi : ndarray
        Limits (``-inf``/``+inf`` for none), ``lo < hi``.
    order : int
        0, 1 or 2: how many derivatives with respect to ``(mu, s)``.

    Returns
    -------
    ll : ndarray (n,)
    d1 : ndarray (n, 2) or None
    d2 : ndarray (n, 2, 2) or None

    Examples
    --------
    >>> import numpy as np
    >>> ll, d1, _ = log_normal_interval(np.array([0.0]), np.array([0.0]),
    ...                                 np.array([0.0]), np.array([np.inf]), order=1)
    >>> np.round(d1[0, 0], 6)                # d/dmu log(1 - Phi(-mu)) = phi(0)/0.5
    np.float64(0.797885)
    """
    k = np.exp(-0.5 * s)
    fin_a, fin_b = np.isfinite(lo), np.isfinite(hi)
    za = np.where(fin_a, (lo - mu) * k, -np.inf)
    zb = np.where(fin_b, (hi - mu) * k, np.inf)
    ll = _log_interval_prob(za, zb)
    if order == 0:
        return ll, None, None
    with np.errstate(invalid="ignore", over="ignore"):
        la = np.where(fin_a, np.exp(-0.5 * za * za - _HALF_LOG_2PI - ll), 0.0)
        lb = np.where(fin_b, np.exp(-0.5 * zb * zb - _HALF_LOG_2PI - ll), 0.0)
    za = np.where(fin_a, za, 0.0)
    zb = np.where(fin_b, zb, 0.0)
    # ll as a function of (za, zb): gradient and Hessian.
    ga, gb = -la, lb
    d1 = np.column_stack([-k * (ga + gb), -0.5 * (za * ga + zb * gb)])
    if order == 1:
        return ll, d1, None
    haa = za * la - la * la
    hbb = -zb * lb - lb * lb
    hab = la * lb
    d2 = np.empty((mu.shape[0], 2, 2))
    d2[:, 0, 0] = k * k * (haa + 2.0 * hab + hbb)
    d2[:, 0, 1] = d2[:, 1, 0] = 0.5 * k * (haa * za + hab * (za + zb) + hbb * zb + ga + gb)
    d2[:, 1, 1] = 0.25 * (haa * za * za + 2.0 * hab * za * zb + hbb * zb * zb
                          + ga * za + gb * zb)
    return ll, d1, d2


@dataclass(frozen=True)
class Limits:
    """How each observation is seen.

    Attributes
    ----------
    point : ndarray of bool
        Observed exactly (at ``value``); otherwise known to lie in ``(lo, hi)``.
    value : ndarray
        The point value (ignored where ``point`` is false).
    lo, hi : ndarray
        Censoring interval of the non-point observations.
    tlo, thi : ndarray or None
        Truncation limits (``None``: no truncation).
    """

    point: np.ndarray
    value: np.ndarray
    lo: np.ndarray
    hi: np.ndarray
    tlo: np.ndarray | None = None
    thi: np.ndarray | None = None

    def representative(self) -> np.ndarray:
        """A value per observation for start values and the factor ordering: the point,
        the interval's midpoint, or its finite end."""
        with np.errstate(invalid="ignore"):
            mid = np.where(np.isfinite(self.lo) & np.isfinite(self.hi),
                           0.5 * (self.lo + self.hi), np.where(np.isfinite(self.lo), self.lo,
                                                               self.hi))
        return np.where(self.point, self.value, mid)


def _limit_values(limit: object, outcome: Outcome, fill: float) -> np.ndarray | None:
    """A limit given as a number or a variable (missing: ``fill``, that is, none)."""
    if limit is None or limit is True:
        return None
    if isinstance(limit, float):
        return np.full(outcome.n, limit)
    values = outcome.extras[str(limit)]
    return np.where(np.isnan(values), fill, values)


class LimitedNormal(Family):
    """Base class of the normal models with limits; subclasses implement
    :meth:`limits`.  Parameters: ``b`` and ``ln(var)``."""

    def limits(self, outcome: Outcome) -> Limits:
        """The points, intervals and truncation limits of the data."""
        raise NotImplementedError

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        return (Block(y), Block(y, "const", "variance", f"var(e.{y})"))

    def factor_columns(self, outcome: Outcome) -> list[np.ndarray]:
        return [self.limits(outcome).representative()]

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        lim = self.limits(outcome)
        # The normal density on every row (cheap), then the interval rows replaced.
        value = np.where(lim.point, lim.value, eta[:, 0])
        with np.errstate(over="ignore", invalid="ignore"):   # trial steps may overflow
            ll, d1, d2 = Gaussian().derivatives(Outcome(value), eta, order)
        rows = np.flatnonzero(~lim.point)
        if rows.size:
            parts = log_normal_interval(eta[rows, 0], eta[rows, 1], lim.lo[rows], lim.hi[rows],
                                        order)
            for full, part in zip((ll, d1, d2), parts):
                if full is not None:
                    full[rows] = part
        if lim.tlo is not None:
            rows = np.flatnonzero(np.isfinite(lim.tlo) | np.isfinite(lim.thi))
            parts = log_normal_interval(eta[rows, 0], eta[rows, 1], lim.tlo[rows],
                                        lim.thi[rows], order)
            for full, part in zip((ll, d1, d2), parts):
                if full is not None:
                    full[rows] -= part
        return ll, d1, d2

    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        y = self.limits(outcome).representative()
        beta = weighted_least_squares(X["main"], y, w)
        resid = y - X["main"] @ beta
        var = float(np.dot(w, resid * resid) / max(float(w.sum()), 1e-300))
        init = np.append(beta, np.log(max(var, 1e-8)))
        return newton_weighted_fit(self, outcome, X, w, init)

    #: ``predict mu`` is the latent normal mean ``x'b``, as for ``regress``.
    mean_jacobian = Gaussian.mean_jacobian

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            return eta[:, 0]
        if stat == "distribution":
            outcome = observed(outcome, stat)
            lim = self.limits(outcome)
            z = (lim.value - eta[:, 0]) * np.exp(-0.5 * eta[:, 1])
            cdf = ndtr(z)
            if lim.tlo is not None:
                k = np.exp(-0.5 * eta[:, 1])
                lo, hi = ndtr((lim.tlo - eta[:, 0]) * k), ndtr((lim.thi - eta[:, 0]) * k)
                cdf = (cdf - lo) / (hi - lo)
            return np.where(lim.point, cdf, np.nan)
        return super().predict(stat, outcome, eta)


def limit_option(text: str, col: int, command: str) -> float | object:
    """Converter for ``ll[(varname|#)]``/``ul[(varname|#)]``: ``True`` without an
    argument, a number, or a :class:`~fmmpy.parse.options.VarRef`.

    Examples
    --------
    >>> limit_option("", 0, ""), limit_option("0", 0, ""), limit_option("lo", 0, "")
    (True, 0.0, VarRef(name='lo'))
    """
    from ..parse.options import as_number_or_var

    if not text.strip():
        return True
    return as_number_or_var()(text, col, command)


def limit_arrays(outcome: Outcome, ll: object, ul: object) -> tuple[np.ndarray, np.ndarray]:
    """Lower and upper limits per observation (``-inf``/``+inf`` where there is none).

    Examples
    --------
    >>> import numpy as np
    >>> lo, hi = limit_arrays(Outcome(np.zeros(2)), 0.0, None)
    >>> lo.tolist(), hi.tolist()
    ([0.0, 0.0], [inf, inf])
    """
    lo = _limit_values(ll, outcome, -np.inf)
    hi = _limit_values(ul, outcome, np.inf)
    return (np.full(outcome.n, -np.inf) if lo is None else lo,
            np.full(outcome.n, np.inf) if hi is None else hi)


def limit_variables(*limits: object) -> tuple[str, ...]:
    """Names of the limits given as variables.

    Examples
    --------
    >>> from fmmpy.parse.options import VarRef
    >>> limit_variables(0.0, VarRef("hi"), None)
    ('hi',)
    """
    return tuple(str(v) for v in limits if v is not None and v is not True
                 and not isinstance(v, float))
