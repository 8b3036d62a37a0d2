"""Parametric survival distributions: the log density ``log f(t)`` and log survivor
function ``log S(t)``, with their first and second derivatives with respect to the
linear predictor ``xb`` and the log-scale ancillary parameter ``a``.

Parameterizations (the metrics Stata's ``fmm: streg`` reports):

=============  ======  =================================================  ==========
distribution   metric  survivor function                                  ancillary
=============  ======  =================================================  ==========
exponential    PH      ``S = exp(-exp(xb) t)``                              --
weibull        PH      ``S = exp(-exp(xb) t^p)``                            ``ln_p``
lognormal      AFT     ``S = 1 - Phi((ln t - xb)/s)``                       ``logs``
loglogistic    AFT     ``S = 1 / (1 + exp((ln t - xb)/s))``                 ``logs``
gamma          AFT     ``S = Q(1/s, t / (s exp(xb)))`` (mean ``exp(xb)``)   ``logs``
=============  ======  =================================================  ==========

``Q`` is the regularized upper incomplete gamma function (:mod:`.incgamma`).

Examples
--------
>>> import numpy as np
>>> t = np.array([2.0])
>>> ll, _, _ = DISTRIBUTIONS["weibull"].log_surv(t, np.log(t), np.array([[0.0, 0.0]]), 0)
>>> float(ll[0])                            # exponential with rate 1: log S(2) = -2
-2.0
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy.special import digamma, expit, gamma, gammaln, log_ndtr, polygamma

from .incgamma import log_gammaincc

__all__ = ["Distribution", "DISTRIBUTIONS"]

_HALF_LOG_2PI = 0.5 * float(np.log(2.0 * np.pi))


def _alloc(n: int, k: int, order: int):
    return (np.zeros((n, k)) if order >= 1 else None,
            np.zeros((n, k, k)) if order >= 2 else None)


@dataclass(frozen=True)
class Distribution:
    """One survival distribution.

    Attributes
    ----------
    name : str
        Stata's name (``weibull``).
    title : str
        Printed name (``Weibull``).
    ancillary : str or None
        Label of the log-scale ancillary parameter.
    scale : int
        :attr:`Block.scale <fmmpy.families.base.Block.scale>` of the ancillary: ``p``
        such that it is ``ln(sigma^p)`` of the spread of ``ln t`` (``1`` for ``logs``
        of lognormal and loglogistic; ``2`` for gamma's ``logs``, the log squared
        coefficient of variation; ``-1`` for Weibull's ``ln_p``, since the spread of
        ``ln t`` is proportional to ``1/p``).
    """

    name: str
    title: str
    ancillary: str | None
    scale: int = 0

    @property
    def n_blocks(self) -> int:
        return 1 if self.ancillary is None else 2

    def log_density(self, t, lt, eta, order=2):
        """``log f(t)`` and derivatives; ``lt = ln t``; ``eta`` has columns ``xb[, a]``."""
        raise NotImplementedError

    def log_surv(self, t, lt, eta, order=2):
        """``log S(t)`` and derivatives."""
        raise NotImplementedError

    def mean(self, eta: np.ndarray) -> np.ndarray:
        """Mean survival time."""
        raise NotImplementedError

    def mean_jacobian(self, eta: np.ndarray) -> np.ndarray:
        """Derivatives of :meth:`mean` with respect to ``xb`` and the ancillary."""
        raise NotImplementedError


class _PH(Distribution):
    """Weibull (``p = exp(a)``) and exponential (``p = 1``) in the PH metric."""

    def _hazard(self, lt, eta):
        xb = eta[:, 0]
        p = np.exp(eta[:, 1]) if self.ancillary else np.ones_like(xb)
        plt = p * lt
        return xb, p, plt, np.exp(xb + plt)

    def log_surv(self, t, lt, eta, order=2):
        xb, p, plt, H = self._hazard(lt, eta)
        d1, d2 = _alloc(xb.shape[0], self.n_blocks, order)
        if d1 is not None:
            d1[:, 0] = -H
            if self.ancillary:
                d1[:, 1] = -H * plt
        if d2 is not None:
            d2[:, 0, 0] = -H
            if self.ancillary:
                d2[:, 0, 1] = d2[:, 1, 0] = -H * plt
                d2[:, 1, 1] = -H * plt * (plt + 1.0)
        return -H, d1, d2

    def log_density(self, t, lt, eta, order=2):
        xb, p, plt, H = self._hazard(lt, eta)
        a = eta[:, 1] if self.ancillary else 0.0
        ll = xb + a + plt - lt - H
        ls, g, h = self.log_surv(t, lt, eta, order)
        if g is not None:
            g[:, 0] += 1.0
            if self.ancillary:
                g[:, 1] += 1.0 + plt
        if h is not None and self.ancillary:
            h[:, 1, 1] += plt
        return ll, g, h

    def mean(self, eta):
        p = np.exp(eta[:, 1]) if self.ancillary else 1.0
        return gamma(1.0 + 1.0 / p) * np.exp(-eta[:, 0] / p)

    def mean_jacobian(self, eta):
        m = self.mean(eta)
        if not self.ancillary:
            return -m[:, None]
        p = np.exp(eta[:, 1])
        # ln m = ln Gamma(1 + 1/p) - xb/p; d/d ln p = (xb - digamma(1 + 1/p)) / p
        return np.column_stack([-m / p, m * (eta[:, 0] - digamma(1.0 + 1.0 / p)) / p])


class _LogLocationScale(Distribution):
    """``ln t = xb + s e`` with ``s = exp(a)`` and ``e`` standard normal or logistic."""

    def _std(self, z, order):
        """(log density, d/dz, d2/dz2) and (log survivor, d/dz, d2/dz2) of ``e``."""
        raise NotImplementedError

    def _chain(self, g0, g1, g2, z, k, order, density: bool):
        n = z.shape[0]
        d1, d2 = _alloc(n, 2, order)
        if d1 is not None:
            d1[:, 0] = -k * g1
            d1[:, 1] = -z * g1 - (1.0 if density else 0.0)
        if d2 is not None:
            d2[:, 0, 0] = k * k * g2
            d2[:, 0, 1] = d2[:, 1, 0] = k * (z * g2 + g1)
            d2[:, 1, 1] = z * (z * g2 + g1)
        return g0, d1, d2

    def log_density(self, t, lt, eta, order=2):
        k = np.exp(-eta[:, 1])
        z = (lt - eta[:, 0]) * k
        (g0, g1, g2), _ = self._std(z, order)
        return self._chain(g0 - eta[:, 1] - lt, g1, g2, z, k, order, True)

    def log_surv(self, t, lt, eta, order=2):
        k = np.exp(-eta[:, 1])
        z = (lt - eta[:, 0]) * k
        _, (g0, g1, g2) = self._std(z, order)
        return self._chain(g0, g1, g2, z, k, order, False)


class _Lognormal(_LogLocationScale):
    def _std(self, z, order):
        ls = log_ndtr(-z)
        lam = np.exp(-0.5 * z * z - _HALF_LOG_2PI - ls)     # phi(z) / Phi(-z)
        return ((-0.5 * z * z - _HALF_LOG_2PI, -z, -np.ones_like(z)),
                (ls, -lam, z * lam - lam * lam))

    def mean(self, eta):
        return np.exp(eta[:, 0] + 0.5 * np.exp(2.0 * eta[:, 1]))

    def mean_jacobian(self, eta):
        m = self.mean(eta)
        return np.column_stack([m, m * np.exp(2.0 * eta[:, 1])])


class _Loglogistic(_LogLocationScale):
    def _std(self, z, order):
        sp = np.logaddexp(0.0, z)
        pz, qz = expit(z), expit(-z)
        return ((z - 2.0 * sp, 1.0 - 2.0 * pz, -2.0 * pz * qz), (-sp, -pz, -pz * qz))

    def mean(self, eta):
        s = np.exp(eta[:, 1])
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(s < 1.0, np.exp(eta[:, 0]) * np.pi * s / np.sin(np.pi * s), np.nan)

    def mean_jacobian(self, eta):
        m = self.mean(eta)
        s = np.exp(eta[:, 1])
        # d ln(s / sin(pi s)) / d ln s = 1 - pi s cot(pi s)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.column_stack([m, m * (1.0 - np.pi * s / np.tan(np.pi * s))])


class _Gamma(Distribution):
    """Shape ``1/s``, scale ``s exp(xb)``: mean ``exp(xb)``, variance ``s exp(2 xb)``."""

    def _parts(self, lt, eta):
        alpha = np.exp(-eta[:, 1])
        lx = lt - eta[:, 1] - eta[:, 0]
        return alpha, lx, np.exp(lx)

    def log_density(self, t, lt, eta, order=2):
        alpha, lx, x = self._parts(lt, eta)
        ll = -gammaln(alpha) + alpha * lx - x - lt
        d1, d2 = _alloc(alpha.shape[0], 2, order)
        if d1 is not None:
            core = alpha * (digamma(alpha) - 1.0 - lx)
            d1[:, 0] = x - alpha
            d1[:, 1] = core + x
        if d2 is not None:
            d2[:, 0, 0] = -x
            d2[:, 0, 1] = d2[:, 1, 0] = alpha - x
            d2[:, 1, 1] = -core - alpha * alpha * polygamma(1, alpha) + alpha - x
        return ll, d1, d2

    def log_surv(self, t, lt, eta, order=2):
        alpha, lx, x = self._parts(lt, eta)
        lq, qa, qaa = log_gammaincc(alpha, x)
        d1, d2 = _alloc(alpha.shape[0], 2, order)
        if order == 0:
            return lq, d1, d2
        # R = x^(alpha-1) e^-x / Gamma(alpha) / Q: d log Q / dx = -R.
        R = np.exp((alpha - 1.0) * lx - x - gammaln(alpha) - lq)
        lxx = -R * ((alpha - 1.0) / x - 1.0) - R * R
        lax = -R * (lx - digamma(alpha)) + R * qa
        d1[:, 0] = R * x
        d1[:, 1] = -alpha * qa + R * x
        if d2 is not None:
            x2 = x * x
            d2[:, 0, 0] = lxx * x2 - R * x
            d2[:, 0, 1] = d2[:, 1, 0] = alpha * x * lax + x2 * lxx - R * x
            d2[:, 1, 1] = (alpha * alpha * qaa + 2.0 * alpha * x * lax + x2 * lxx
                           + qa * alpha - R * x)
        return lq, d1, d2

    def mean(self, eta):
        return np.exp(eta[:, 0])

    def mean_jacobian(self, eta):
        return np.column_stack([self.mean(eta), np.zeros(eta.shape[0])])


#: The distributions of ``streg`` and the ``glm`` survival families, by Stata name.
DISTRIBUTIONS: dict[str, Distribution] = {
    "exponential": _PH("exponential", "exponential", None),
    "weibull": _PH("weibull", "Weibull", "ln_p", -1),
    "lognormal": _Lognormal("lognormal", "lognormal", "logs", 1),
    "loglogistic": _Loglogistic("loglogistic", "loglogistic", "logs", 1),
    "gamma": _Gamma("gamma", "gamma", "logs", 2),
}
