"""Lognormal outcome: ``glm y, family(lognormal)``.

``ln(y) ~ N(x'b, s^2)``; the ancillary parameter is ``logs = ln(s)``, printed under
``/y`` as gsem prints it.  The mean is ``exp(x'b + s^2/2)``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> out = Outcome(np.array([1.0]))
>>> np.round(Lognormal().loglik(out, np.array([[0.0, 0.0]])), 4)   # standard lognormal at 1
array([-0.9189])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..errors import FMMDataError
from .base import (Block, Family, Outcome, observed, outcome_term)
from .gaussian import LeastSquaresFits, class_means
from .glm import register_glm_family
from .survival import DISTRIBUTIONS

__all__ = ["Lognormal"]

_HALF_LOG_2PI = 0.5 * float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class Lognormal(LeastSquaresFits, Family):
    """Lognormal family with log link; parameters ``beta`` (for ``E[ln y]``) and ``ln(s)``."""

    model: str = "glm"
    label: str = "lognormal"
    variance_power = 0.5            # (its scale parameter is ln(s) = 0.5 ln(var))

    def regressand(self, outcome: Outcome, offset: np.ndarray | None = None) -> np.ndarray:
        z = _log_y(outcome)
        return z if offset is None else z - offset

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        return (Block(y), Block(f"/{y}", "const", "aux", "logs", scale=1))

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        return (("Response", depvars[0]), ("Family", "lognormal"), ("Link", "log"))

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        if np.any(outcome.y <= 0):
            raise FMMDataError(
                f"{depvars[0]} must be positive for family(lognormal); "
                f"{int(np.sum(outcome.y <= 0))} observations are zero or negative")

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        z = _log_y(outcome)
        r = z - eta[:, 0]
        s = eta[:, 1]
        inv = np.exp(-2.0 * s)
        r2 = r * r * inv
        ll = -z - _HALF_LOG_2PI - s - 0.5 * r2
        if order == 0:
            return ll, None, None
        d1 = np.column_stack([r * inv, r2 - 1.0])
        if order == 1:
            return ll, d1, None
        d2 = np.empty((z.shape[0], 2, 2))
        d2[:, 0, 0] = -inv
        d2[:, 0, 1] = d2[:, 1, 0] = -2.0 * r * inv
        d2[:, 1, 1] = -2.0 * r2
        return ll, d1, d2

    # Several classes sharing the equation at once: the arithmetic of derivatives and
    # weighted_fit, element by element.
    batches_classes = True

    def loglik_classes(self, outcome: Outcome, blocks: Sequence[Block],
                       X: Mapping[str, np.ndarray], params: np.ndarray,
                       offset: np.ndarray | None = None) -> np.ndarray:
        z = _log_y(outcome)
        r = class_means(X["main"], params[:, :-1], outcome.n, offset)
        np.subtract(z[:, None], r, out=r)
        s = params[:, -1]
        inv = np.exp(-2.0 * s)
        r *= r
        r *= inv
        r *= 0.5
        np.subtract((-z - _HALF_LOG_2PI)[:, None] - s, r, out=r)
        return r

    #: ``estat lcmean``: a positive mean, its interval on the log scale (as for the
    #: other positive means: counts, survival times).
    mean_scale = "log"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        # mu = exp(xb + s^2/2) with s = exp(logs): d mu/d xb = mu, d mu/d logs = mu s^2.
        return DISTRIBUTIONS["lognormal"].mean_jacobian(eta)

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            return DISTRIBUTIONS["lognormal"].mean(eta)
        if stat in ("distribution", "survival"):
            # survival, as for the other positive glm families (exponential, gamma,
            # loglogistic, weibull)
            z = (np.log(observed(outcome, stat).y) - eta[:, 0]) / np.exp(eta[:, 1])
            return stats.norm.cdf(z) if stat == "distribution" else stats.norm.sf(z)
        return super().predict(stat, outcome, eta)


def _log_y(outcome: Outcome) -> np.ndarray:
    """``ln y``, computed once per outcome array."""
    return outcome_term(outcome.y, "log", np.log)


register_glm_family("lognormal", "log", lambda equation, arg: Lognormal())
