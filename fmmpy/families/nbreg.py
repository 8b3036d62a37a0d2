"""Negative binomial regression: ``nbreg`` with ``dispersion(mean)`` (the default)
or ``dispersion(constant)``, and ``glm, family(nbinomial [mean | constant])``.

* Mean dispersion (NB2): ``Var(y) = mu (1 + alpha mu)``; the ancillary parameter is
  ``lnalpha = ln(alpha)``, printed as ``/y lnalpha``.  With ``r = 1/alpha``:
  ``ll = lnG(y+r) - lnG(r) - lnG(y+1) + r ln(r/(r+mu)) + y ln(mu/(r+mu))``.
* Constant dispersion (NB1): ``Var(y) = mu (1 + delta)``; the ancillary parameter is
  ``lndelta = ln(delta)``, printed as ``/y lndelta``.  With ``m = mu/delta``:
  ``ll = lnG(y+m) - lnG(m) - lnG(y+1) - m ln(1+delta) + y ln(delta/(1+delta))``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> y = Outcome(np.array([3.0]))
>>> float(np.round(NBreg().loglik(y, np.array([[1.0, -30.0]]))[0], 6))   # ~ Poisson(e)
-1.510041
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy import stats
from scipy.special import digamma, expit, gammaln, polygamma

from ..errors import FMMSyntaxError
from ..parse.options import OptionSchema, as_choice
from ..registry import ModelSyntax, register_model
from .base import Block, Family, Outcome, newton_weighted_fit, observed, weighted_mean
from .common import EXPOSURE, NOCONSTANT, OFFSET, check_counts, single_offset
from .glm import register_glm_family
from .poisson import Poisson, count_start

__all__ = ["NBreg"]


def _softplus(x: np.ndarray) -> np.ndarray:
    return np.logaddexp(0.0, x)


@dataclass(frozen=True)
class NBreg(Family):
    """Negative binomial outcome with log link.

    Parameters
    ----------
    dispersion : {"mean", "constant"}
    model : str
        ``nbreg`` or ``glm`` (the printed header).
    """

    dispersion: str = "mean"
    model: str = "nbreg"
    label: str = "nbreg"
    open_parameter_space = True

    @property
    def _aux(self) -> str:
        return "lnalpha" if self.dispersion == "mean" else "lndelta"

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        return (Block(y), Block(f"/{y}", "const", "aux", self._aux))

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        if self.model == "glm":
            return (("Response", depvars[0]), ("Family", f"nbinomial {self.dispersion}"),
                    ("Link", "log"))
        return (("Response", depvars[0]), ("Model", "nbreg"), ("Dispersion", self.dispersion))

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        check_counts(outcome.y, depvars, self.label)

    # -- likelihood ----------------------------------------------------------------------
    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        y, e, a = outcome.y, eta[:, 0], eta[:, 1]
        exact = _nb2 if self.dispersion == "mean" else _nb1
        near = a < _POISSON_LIMIT
        if not near.any():
            return exact(y, e, a, order)
        # Near the Poisson limit the exact expressions are differences of nearly equal
        # terms (and overflow eventually); the first-order expansion is exact to double
        # precision there.
        limit = _poisson_limit(y[near], e[near], a[near], order, self.dispersion == "mean")
        far = ~near
        inner = exact(y[far], e[far], a[far], order) if far.any() else limit
        out = []
        for part, lim in zip(inner, limit):
            if lim is None:
                out.append(None)
                continue
            full = np.empty((y.size,) + lim.shape[1:])
            full[near] = lim
            if far.any():
                full[far] = part
            out.append(full)
        return tuple(out)

    # -- estimation ----------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        beta = count_start(Poisson(), outcome, X, w)
        init = np.append(beta, self._moment_dispersion(outcome.y, np.exp(X["main"] @ beta), w))
        yw = outcome.y[w > 0]
        if yw.size == 0 or np.all(yw == yw[0]):
            return init
        return self.weighted_fit(outcome, X, w, init)

    def _moment_dispersion(self, y: np.ndarray, mu: np.ndarray, w: np.ndarray) -> float:
        """``ln`` of a moment estimate of alpha (delta) from Poisson-type residuals,
        kept moderate: a starting point for Newton."""
        if self.dispersion == "mean":
            a = weighted_mean(((y - mu) ** 2 - y) / np.maximum(mu * mu, 1e-8), w)
        else:
            a = weighted_mean(((y - mu) ** 2 - mu) / np.maximum(mu, 1e-8), w)
        return float(np.log(min(max(a if np.isfinite(a) else 1.0, 0.05), 20.0)))

    def weighted_fit(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray,
                     init: np.ndarray, offset: np.ndarray | None = None, stats: Any = None
                     ) -> np.ndarray:
        """Newton, warm-started, with the dispersion held at the Poisson limit once it
        gets there (beyond it the likelihood is flat in ``ln(alpha)`` to double
        precision, and Newton would walk towards minus infinity).  From that limit
        Newton restarts the dispersion at a moment estimate, because the flat region
        gives it no direction back to an interior maximum."""
        init = np.array(init, dtype=float)
        if init[-1] <= _POISSON_LIMIT:
            eta = X["main"] @ init[:-1] + (0.0 if offset is None else offset)
            init[-1] = self._moment_dispersion(outcome.y, np.exp(eta), w)
        params = newton_weighted_fit(self, outcome, X, w, init, offset, grams=stats)
        params[-1] = max(params[-1], _POISSON_LIMIT)
        return params

    # -- predictions ---------------------------------------------------------------------
    mean_scale = "log"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """``d mu / d eta``: ``mu`` for the mean, 0 for the dispersion."""
        return np.column_stack([np.exp(eta[:, 0]), np.zeros(eta.shape[0])])

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        mu = np.exp(eta[:, 0])
        if stat == "mu":
            return mu
        if stat == "distribution":
            outcome = observed(outcome, stat)
            if self.dispersion == "mean":
                r = np.exp(-eta[:, 1])
                return stats.nbinom.cdf(outcome.y, r, r / (r + mu))
            delta = np.exp(eta[:, 1])
            return stats.nbinom.cdf(outcome.y, mu / delta, 1.0 / (1.0 + delta))
        return super().predict(stat, outcome, eta)


_BIG = 1e3      # above this, gamma-function differences use their asymptotic series


def _asymptotic(y: np.ndarray, r: np.ndarray, series, direct) -> np.ndarray:
    """``direct(y, r)`` for moderate ``r``, ``series(y, r, y + r)`` (an asymptotic
    expansion of the same difference) above :data:`_BIG`."""
    big = r > _BIG
    rb = np.where(big, r, _BIG)
    rs = np.where(big, 1.0, r)
    return np.where(big, series(y, rb, rb + y), direct(y, rs))


def _lgamma_diff(y: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``lnG(y + r) - lnG(r)``, accurate when ``r`` is huge (alpha near 0)."""
    return _asymptotic(y, r, lambda y, r, x: (
        (r - 0.5) * np.log1p(y / r) + y * np.log(x) - y
        + (1.0 / x - 1.0 / r) / 12.0 - (x ** -3 - r ** -3) / 360.0),
        lambda y, r: gammaln(y + r) - gammaln(r))


def _digamma_diff(y: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``psi(y + r) - psi(r)``."""
    return _asymptotic(y, r, lambda y, r, x: (
        np.log1p(y / r) + y / (2.0 * r * x) + y * (2.0 * r + y) / (12.0 * r * r * x * x)
        + (x ** -4 - r ** -4) / 120.0),
        lambda y, r: digamma(y + r) - digamma(r))


def _trigamma_diff(y: np.ndarray, r: np.ndarray) -> np.ndarray:
    """``psi'(y + r) - psi'(r)``."""
    return _asymptotic(y, r, lambda y, r, x: (
        -y / (r * x) - y * (2.0 * r + y) / (2.0 * r * r * x * x)
        + (x ** -3 - r ** -3) / 6.0 - (x ** -5 - r ** -5) / 30.0),
        lambda y, r: polygamma(1, y + r) - polygamma(1, r))


def _nb2(y: np.ndarray, e: np.ndarray, lna: np.ndarray, order: int):
    """Mean dispersion: log density and derivatives in ``(ln mu, ln alpha)``."""
    r = np.exp(-lna)
    mu = np.exp(e)
    am = np.exp(e + lna)                                # alpha mu
    ll = (_lgamma_diff(y, r) - gammaln(y + 1.0) - r * np.log1p(am)
          - y * _softplus(-(e + lna)))
    if order == 0:
        return ll, None, None
    q = 1.0 / (1.0 + am)                                # r / (r + mu)
    dr = _digamma_diff(y, r) - np.log1p(am) + (mu - y) / (r + mu)      # d ll / d r
    d1 = np.column_stack([q * (y - mu), -r * dr])
    if order == 1:
        return ll, d1, None
    d2 = np.empty((y.size, 2, 2))
    d2[:, 0, 0] = -q * mu * (r + y) / (r + mu)
    d2[:, 0, 1] = d2[:, 1, 0] = -q * mu * (y - mu) / (r + mu)
    drr = _trigamma_diff(y, r) + am / (r + mu) - (mu - y) / (r + mu) ** 2
    d2[:, 1, 1] = r * dr + r * r * drr
    return ll, d1, d2


def _nb1(y: np.ndarray, e: np.ndarray, lnd: np.ndarray, order: int):
    """Constant dispersion: log density and derivatives in ``(ln mu, ln delta)``."""
    m = np.exp(e - lnd)
    l1 = _softplus(lnd)                                 # ln(1 + delta)
    ll = _lgamma_diff(y, m) - gammaln(y + 1.0) - m * l1 - y * _softplus(-lnd)
    if order == 0:
        return ll, None, None
    s = expit(lnd)                                      # delta / (1 + delta)
    G = _digamma_diff(y, m) - l1
    d1 = np.column_stack([m * G, -m * G - m * s + y * (1.0 - s)])
    if order == 1:
        return ll, d1, None
    Gm = _trigamma_diff(y, m)
    d2 = np.empty((y.size, 2, 2))
    d2[:, 0, 0] = m * G + m * m * Gm
    d2[:, 0, 1] = d2[:, 1, 0] = -m * G - m * m * Gm - m * s
    d2[:, 1, 1] = m * G + m * m * Gm + m * s + m * s * s - y * s * (1.0 - s)
    return ll, d1, d2


#: Below this ln(alpha) (or ln(delta)), alpha < 2e-9: the negative binomial is the
#: Poisson to first order in alpha, and :func:`_poisson_limit` takes over.
_POISSON_LIMIT = -20.0


def _poisson_limit(y: np.ndarray, e: np.ndarray, a: np.ndarray, order: int, mean: bool):
    """First-order expansion in the dispersion: ``ll = Poisson + d * g``, with
    ``g = ((y - mu)^2 - y) / 2`` (mean dispersion, ``d = alpha``) or the same divided by
    ``mu`` (constant dispersion, ``d = delta``); its relative error is of order ``d``."""
    mu = np.exp(e)
    d = np.exp(a)
    g = ((y - mu) ** 2 - y) / (2.0 if mean else 2.0 * mu)
    ll = y * e - mu - gammaln(y + 1.0) + d * g
    if order == 0:
        return ll, None, None
    g_e = -(y - mu) * mu if mean else -(y - mu) - g
    d1 = np.column_stack([y - mu + d * g_e, d * g])
    if order == 1:
        return ll, d1, None
    g_ee = mu * (2.0 * mu - y) if mean else y + g
    d2 = np.empty((y.size, 2, 2))
    d2[:, 0, 0] = -mu + d * g_ee
    d2[:, 0, 1] = d2[:, 1, 0] = d * g_e
    d2[:, 1, 1] = d * g
    return ll, d1, d2


_DISPERSION = OptionSchema("dispersion", 1, as_choice({"mean": 1, "constant": 1}, "dispersion"))


def _nbreg_factory(equation) -> NBreg:  # noqa: ANN001 - EquationSpec
    single_offset(equation)
    return NBreg(equation.option("dispersion", "mean"))


register_model(ModelSyntax("nbreg", 5, 1, (NOCONSTANT, _DISPERSION, EXPOSURE, OFFSET)),
               _nbreg_factory)


def _glm_nbinomial(equation, arg) -> NBreg:  # noqa: ANN001 - EquationSpec, option value
    single_offset(equation)
    if arg not in (None, "mean", "constant"):
        raise FMMSyntaxError("family(nbinomial mean | constant)")
    return NBreg(arg or "mean", "glm", "nbinomial")


register_glm_family("nbinomial", "log", _glm_nbinomial)
