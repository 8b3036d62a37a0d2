"""Link functions and the latent-variable distributions behind them, shared by the
families (binary, binomial, ordinal, counts, and any family with a mean link).

Two views of the same five links:

* :class:`Link`: the inverse link ``mu = g^{-1}(eta)`` with its first and second
  derivatives (identity, log, logit, probit, cloglog) and, for the probability
  links, ``1 - mu`` computed directly (accurate where ``mu`` is near 1).
* :func:`binary_logprob`: ``log p`` and ``log(1 - p)`` of a probability link with
  their first and second derivatives in ``eta``, computed on the log scale so that
  they stay finite far in the tails (logit, probit, cloglog).
* :class:`LatentCDF`: the standard logistic and normal distributions of ordered
  models (``F``, ``log F``, ``log f`` and ``d log f / dt``).

Examples
--------
>>> import numpy as np
>>> LINKS["logit"].inverse(np.array([0.0]))
array([0.5])
>>> lp, lq, *_ = binary_logprob("probit", np.array([-40.0]), order=0)
>>> bool(np.isfinite(lp[0])), float(lq[0])
(True, -0.0)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from scipy import special, stats

__all__ = ["Link", "LINKS", "binary_logprob", "LatentCDF", "LATENT", "log1mexp", "logdiffexp"]

_Arr = np.ndarray


@dataclass(frozen=True)
class Link:
    """A link function ``eta = g(mu)``: its inverse and the inverse's derivatives.

    Examples
    --------
    >>> import numpy as np
    >>> LINKS["log"].d1(np.array([0.0])), LINKS["identity"].d2(np.array([3.0]))
    (array([1.]), array([0.]))
    >>> float(LINKS["logit"].complement(np.array([40.0]))[0])     # 1 - expit(40), not 0
    4.248354255291589e-18
    """

    name: str
    link: Callable[[_Arr], _Arr]
    inverse: Callable[[_Arr], _Arr]
    d1: Callable[[_Arr], _Arr]
    d2: Callable[[_Arr], _Arr]
    #: ``1 - inverse(eta)`` computed directly (probability links only).
    complement: Callable[[_Arr], _Arr] | None = None


def _logit_d1(eta: _Arr) -> _Arr:
    p = special.expit(eta)
    return p * (1.0 - p)


def _logit_d2(eta: _Arr) -> _Arr:
    p = special.expit(eta)
    return p * (1.0 - p) * (1.0 - 2.0 * p)


def _cloglog_inv(eta: _Arr) -> _Arr:
    return -np.expm1(-np.exp(eta))


def _cloglog_complement(eta: _Arr) -> _Arr:
    return np.exp(-np.exp(eta))


def _cloglog_d1(eta: _Arr) -> _Arr:
    return np.exp(eta - np.exp(eta))


def _cloglog_d2(eta: _Arr) -> _Arr:
    return np.exp(eta - np.exp(eta)) * (1.0 - np.exp(eta))


#: The links of Stata's ``glm`` families.
LINKS: dict[str, Link] = {
    "identity": Link("identity", lambda mu: mu, lambda e: np.asarray(e, dtype=float),
                     lambda e: np.ones_like(e, dtype=float),
                     lambda e: np.zeros_like(e, dtype=float)),
    "log": Link("log", np.log, np.exp, np.exp, np.exp),
    "logit": Link("logit", special.logit, special.expit, _logit_d1, _logit_d2,
                  lambda e: special.expit(-np.asarray(e, dtype=float))),
    "probit": Link("probit", special.ndtri, special.ndtr, stats.norm.pdf,
                   lambda e: -e * stats.norm.pdf(e),
                   lambda e: special.ndtr(-np.asarray(e, dtype=float))),
    "cloglog": Link("cloglog", lambda mu: np.log(-np.log1p(-mu)), _cloglog_inv,
                    _cloglog_d1, _cloglog_d2, _cloglog_complement),
}


def log1mexp(x: _Arr) -> _Arr:
    """``log(1 - exp(x))`` for ``x <= 0``, accurate near 0 and far below it.

    Examples
    --------
    >>> import numpy as np
    >>> np.round(log1mexp(np.array([-1e-20, -50.0])), 6)
    array([-46.051702,  -0.      ])
    """
    x = np.asarray(x, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return np.where(x > -0.6931471805599453, np.log(-np.expm1(x)), np.log1p(-np.exp(x)))


def logdiffexp(a: _Arr, b: _Arr) -> _Arr:
    """``log(exp(a) - exp(b))`` for ``a >= b`` (``-inf`` where they are equal).

    Examples
    --------
    >>> import numpy as np
    >>> float(np.round(logdiffexp(np.array([0.0]), np.array([-np.inf]))[0], 12))
    0.0
    """
    a = np.asarray(a, dtype=float)
    with np.errstate(invalid="ignore"):
        return a + log1mexp(np.asarray(b, dtype=float) - a)


def binary_logprob(link: str, eta: _Arr, order: int = 2
                   ) -> tuple[_Arr, _Arr, _Arr | None, _Arr | None, _Arr | None, _Arr | None]:
    """``log p``, ``log(1-p)`` and their derivatives in ``eta`` for ``p = g^{-1}(eta)``.

    Returns ``(lp, lq, dlp, dlq, d2lp, d2lq)``; derivatives are ``None`` below
    ``order``.

    Examples
    --------
    >>> import numpy as np
    >>> lp, lq, dlp, dlq, d2lp, d2lq = binary_logprob("logit", np.array([0.0]))
    >>> float(np.exp(lp[0])), float(dlp[0]), float(dlq[0]), float(d2lp[0])
    (0.5, 0.5, -0.5, -0.25)
    """
    eta = np.asarray(eta, dtype=float)
    if link == "logit":
        lp, lq = -np.logaddexp(0.0, -eta), -np.logaddexp(0.0, eta)
        if order == 0:
            return lp, lq, None, None, None, None
        p = special.expit(eta)
        d2 = -p * (1.0 - p) if order >= 2 else None
        return lp, lq, 1.0 - p, -p, d2, d2
    if link == "probit":
        lp, lq = special.log_ndtr(eta), special.log_ndtr(-eta)
        if order == 0:
            return lp, lq, None, None, None, None
        lpdf = -0.5 * eta * eta - 0.5 * np.log(2.0 * np.pi)
        r1 = np.exp(lpdf - lp)          # phi / Phi(eta)
        r0 = np.exp(lpdf - lq)          # phi / Phi(-eta)
        if order < 2:
            return lp, lq, r1, -r0, None, None
        return lp, lq, r1, -r0, -r1 * (eta + r1), -r0 * (r0 - eta)
    if link == "cloglog":
        u = np.exp(eta)
        lq = -u
        lp = log1mexp(lq)
        if order == 0:
            return lp, lq, None, None, None, None
        g = np.exp(eta - u - lp)        # d log p / d eta
        if order < 2:
            return lp, lq, g, -u, None, None
        return lp, lq, g, -u, g * (1.0 - u) - g * g, -u
    raise ValueError(f"link {link} is not a probability link")


@dataclass(frozen=True)
class LatentCDF:
    """A standard symmetric latent distribution of an ordered model.

    Examples
    --------
    >>> import numpy as np
    >>> float(LATENT["logit"].cdf(np.array([0.0]))[0])
    0.5
    """

    name: str
    cdf: Callable[[_Arr], _Arr]
    logcdf: Callable[[_Arr], _Arr]
    ppf: Callable[[_Arr], _Arr]
    logpdf: Callable[[_Arr], _Arr]
    dlogpdf: Callable[[_Arr], _Arr]

    def logsf(self, t: _Arr) -> _Arr:
        """``log(1 - F(t)) = log F(-t)`` (both distributions are symmetric)."""
        return self.logcdf(-np.asarray(t, dtype=float))


LATENT: dict[str, LatentCDF] = {
    "logit": LatentCDF("logit", special.expit, lambda t: -np.logaddexp(0.0, -t), special.logit,
                       lambda t: -np.abs(t) - 2.0 * np.log1p(np.exp(-np.abs(t))),
                       lambda t: -np.tanh(0.5 * t)),
    "probit": LatentCDF("probit", special.ndtr, special.log_ndtr, special.ndtri,
                        lambda t: -0.5 * t * t - 0.5 * np.log(2.0 * np.pi), lambda t: -t),
}
