"""Poisson regression: ``poisson`` (with ``exposure()``/``offset()``) and
``glm, family(poisson)`` (log link).

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> np.round(Poisson().loglik(Outcome(np.array([0.0, 2.0])), np.zeros((2, 1))), 4)
array([-1.    , -1.6931])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln

from ..registry import ModelSyntax, register_model
from .base import (Block, Family, Outcome, intercept_start, newton_weighted_fit, observed,
                   outcome_term, weighted_mean)
from .eta import design_grams
from .common import EXPOSURE, NOCONSTANT, OFFSET, check_counts, single_offset
from .glm import register_glm_family

__all__ = ["Poisson", "count_start"]


def count_start(family: Family, outcome: Outcome, X: Mapping[str, np.ndarray],
                w: np.ndarray) -> np.ndarray:
    """Poisson coefficients for a group of rows: Newton from ``log(mean)`` on the
    constant; the constant alone when the group's counts do not vary."""
    ybar = weighted_mean(outcome.y, w)
    init = intercept_start(X["main"], float(np.log(max(ybar, 1e-4))) if np.isfinite(ybar)
                           else 0.0)
    yw = outcome.y[w > 0]
    if yw.size == 0 or np.all(yw == yw[0]):
        return init
    return newton_weighted_fit(family, outcome, X, w, init, grams=design_grams(X))


def lgamma1(y: np.ndarray) -> np.ndarray:
    """``log(y!)`` of counts (cached per outcome through :func:`outcome_term`).

    Examples
    --------
    >>> lgamma1(np.array([0.0, 3.0])).round(6).tolist()
    [0.0, 1.791759]
    """
    return gammaln(y + 1.0)


@dataclass(frozen=True)
class Poisson(Family):
    """Poisson outcome with log link; one linear predictor ``ln(mu)``."""

    model: str = "poisson"
    label: str = "poisson"
    open_parameter_space = True

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        return (Block(depvars[0]),)

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        if self.model == "glm":
            return (("Response", depvars[0]), ("Family", "Poisson"), ("Link", "log"))
        return (("Response", depvars[0]), ("Model", "poisson"))

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        check_counts(outcome.y, depvars, self.label)

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        y = outcome.y
        e = eta[:, 0]
        mu = np.exp(e)
        # In place, in the order of y * e - mu - log(y!); log(y!) computed once per outcome.
        ll = y * e
        ll -= mu
        ll -= outcome_term(y, "lgamma1", lgamma1)
        if order == 0:
            return ll, None, None
        d1 = (y - mu)[:, None]
        return ll, d1, (None if order == 1 else -mu[:, None, None])

    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        return count_start(self, outcome, X, w)

    mean_scale = "log"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """``d mu / d eta = mu``."""
        return np.exp(eta[:, :1])

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            return np.exp(eta[:, 0])
        if stat == "distribution":
            outcome = observed(outcome, stat)
            return stats.poisson.cdf(outcome.y, np.exp(eta[:, 0]))
        return super().predict(stat, outcome, eta)


def _poisson_factory(equation) -> Poisson:  # noqa: ANN001 - EquationSpec
    single_offset(equation)
    return Poisson()


register_model(ModelSyntax("poisson", 7, 1, (NOCONSTANT, EXPOSURE, OFFSET)), _poisson_factory)


def _glm_poisson(equation, arg) -> Poisson:  # noqa: ANN001 - EquationSpec, option value
    single_offset(equation)
    return Poisson("glm", "poisson")


register_glm_family("poisson", "log", _glm_poisson)
