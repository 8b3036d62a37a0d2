"""Truncated Poisson regression: ``tpoisson`` with ``ll(# | varname)`` (default
``ll(0)``, zero truncation), ``exposure()``/``offset()``.

The counts are observed only above the truncation point ``tau``:
``f(y) = Pois(y; mu) / P(Y > tau)``.  With ``h = mu Pois(tau; mu) / P(Y > tau)``
(computed on the log scale), the derivatives in ``eta = ln(mu)`` are
``y - mu - h`` and ``-mu - h (tau + 1 - mu) + h^2``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> out = Outcome(np.array([1.0]))
>>> float(np.round(TPoisson().loglik(out, np.zeros((1, 1)))[0], 6))   # log(e^-1/(1-e^-1))
-0.541325
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln

from ..errors import FMMDataError
from ..parse.options import OptionSchema, VarRef, as_number_or_var
from ..registry import ModelSyntax, register_model
from .base import Block, Family, Outcome, newton_weighted_fit, observed, outcome_term
from .common import EXPOSURE, NOCONSTANT, OFFSET, check_counts, single_offset
from .poisson import Poisson, count_start, lgamma1

__all__ = ["TPoisson"]


@dataclass(frozen=True)
class TPoisson(Family):
    """Left-truncated Poisson outcome with log link.

    Parameters
    ----------
    ll : float or str
        The truncation point, or the name of a variable holding it per row.
    """

    ll: float | str = 0.0
    model: str = "tpoisson"
    label: str = "tpoisson"

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        return (Block(depvars[0]),)

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        point = self.ll if isinstance(self.ll, str) else f"{self.ll:g}"
        return (("Response", depvars[0]), ("Model", "tpoisson"), ("Truncation", f"ll({point})"))

    def extra_variables(self) -> tuple[str, ...]:
        return (self.ll,) if isinstance(self.ll, str) else ()

    def _tau(self, outcome: Outcome) -> np.ndarray:
        if isinstance(self.ll, str):
            return np.floor(np.asarray(outcome.extras[self.ll], dtype=float))
        return np.full(outcome.n, np.floor(float(self.ll)))

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        check_counts(outcome.y, depvars, self.label)
        bad = int(np.sum(outcome.y <= self._tau(outcome)))
        if bad:
            point = self.ll if isinstance(self.ll, str) else f"{self.ll:g}"
            raise FMMDataError(f"{depvars[0]} must be greater than the truncation point "
                               f"ll({point}); {bad} observations are not")

    # -- likelihood ----------------------------------------------------------------------
    def _log_tail(self, tau: np.ndarray, e: np.ndarray, mu: np.ndarray) -> tuple[np.ndarray,
                                                                                  np.ndarray]:
        """``log P(Y > tau)`` and ``log h``, with ``P = 1`` and ``h = 0`` below 0."""
        below = tau < 0
        t = np.where(below, 0.0, tau)
        with np.errstate(divide="ignore"):
            log_s = np.where(below, 0.0, stats.poisson.logsf(t, mu))
        log_h = np.where(below, -np.inf, (t + 1.0) * e - mu - gammaln(t + 1.0) - log_s)
        return log_s, log_h

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        y = outcome.y
        e = eta[:, 0]
        mu = np.exp(e)
        tau = self._tau(outcome)
        log_s, log_h = self._log_tail(tau, e, mu)
        ll = y * e - mu - outcome_term(y, "lgamma1", lgamma1) - log_s
        if order == 0:
            return ll, None, None
        h = np.exp(log_h)
        d1 = (y - mu - h)[:, None]
        if order == 1:
            return ll, d1, None
        return ll, d1, (-mu - h * (tau + 1.0 - mu) + h * h)[:, None, None]

    # -- estimation ----------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        init = count_start(Poisson(), outcome, X, w)
        yw = outcome.y[w > 0]
        if yw.size == 0 or np.all(yw == yw[0]):
            return init
        return newton_weighted_fit(self, outcome, X, w, init)

    # -- predictions ---------------------------------------------------------------------
    mean_scale = "log"

    def _conditional_mean(self, outcome: Outcome | None, e: np.ndarray
                          ) -> tuple[np.ndarray, np.ndarray]:
        """``E[y | y > tau] = mu P(Y > tau - 1) / P(Y > tau)`` and its derivative in
        ``eta``, ``E (1 + h(tau - 1) - h(tau))``."""
        if outcome is None and isinstance(self.ll, str):
            raise FMMDataError(f"predict mu needs the truncation variable {self.ll}")
        tau = self._tau(outcome) if outcome is not None else np.full(e.size,
                                                                     np.floor(float(self.ll)))
        mu = np.exp(e)
        log_s, log_h = self._log_tail(tau, e, mu)
        log_s1, log_h1 = self._log_tail(tau - 1.0, e, mu)
        mean = mu * np.exp(log_s1 - log_s)
        return mean, mean * (1.0 + np.exp(log_h1) - np.exp(log_h))

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        return self._conditional_mean(outcome, eta[:, 0])[1][:, None]

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        e = eta[:, 0]
        mu = np.exp(e)
        if outcome is None and isinstance(self.ll, str) and stat in ("mu", "distribution"):
            raise FMMDataError(f"predict {stat} needs the truncation variable {self.ll}")
        if stat == "mu":
            return self._conditional_mean(outcome, e)[0]
        if stat == "distribution":
            outcome = observed(outcome, stat)
            tau = self._tau(outcome)
            cdf_y = stats.poisson.cdf(outcome.y, mu)
            cdf_t = np.where(tau < 0, 0.0, stats.poisson.cdf(tau, mu))
            return (cdf_y - cdf_t) / (1.0 - cdf_t)
        return super().predict(stat, outcome, eta)


def _tpoisson_factory(equation) -> TPoisson:  # noqa: ANN001 - EquationSpec
    single_offset(equation)
    point = equation.option("ll", 0.0)
    return TPoisson(point.name if isinstance(point, VarRef) else float(point))


register_model(
    ModelSyntax("tpoisson", 8, 1, (NOCONSTANT, OptionSchema("ll", 2, as_number_or_var()),
                                  EXPOSURE, OFFSET)),
    _tpoisson_factory)
