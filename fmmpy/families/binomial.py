"""Binary and binomial outcomes: ``logit``, ``probit``, ``cloglog`` and ``glm`` with
``family(bernoulli)`` or ``family(binomial # | varname)`` and links logit (Stata's
default), probit or cloglog.

Binary models read the outcome as Stata does: 0 is a negative outcome, every other
nonmissing value a positive one.  A binomial outcome counts successes out of a
number of trials given as a number or, per observation, as a variable.  The log
probabilities are computed on the log scale (:func:`~fmmpy.families.links.binary_logprob`)
so the likelihood stays finite far in the tails.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = Binomial("logit", "logit")
>>> np.round(fam.loglik(Outcome(np.array([0.0, 3.0])), np.array([[0.0], [0.0]])), 4)
array([-0.6931, -0.6931])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats
from scipy.special import gammaln

from ..errors import FMMDataError
from ..registry import ModelSyntax, register_model
from .base import (Block, Family, Outcome, intercept_start, newton_weighted_fit, observed,
                   weighted_mean)
from .common import ASIS, NOCONSTANT, OFFSET, check_varies, trials_values
from .eta import design_grams
from .glm import register_glm_family
from .links import LINKS, binary_logprob

__all__ = ["Binomial"]


@dataclass(frozen=True)
class Binomial(Family):
    """Bernoulli or binomial outcome with a probability link.

    Parameters
    ----------
    model : str
        ``logit``, ``probit``, ``cloglog`` or ``glm`` (the printed header).
    link : {"logit", "probit", "cloglog"}
    trials : float, str or None
        ``None`` for a binary (0 vs nonzero) outcome; the number of trials or the
        name of the variable holding them for a binomial outcome.
    """

    model: str = "logit"
    link: str = "logit"
    trials: float | str | None = None
    label: str = "logit"
    open_parameter_space = True     # (every link maps the real line into (0, 1))

    @property
    def binary(self) -> bool:
        return self.trials is None

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        return (Block(depvars[0]),)

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        if self.model != "glm":
            return (("Response", depvars[0]), ("Model", self.model))
        if self.binary:
            family = "Bernoulli"
        else:
            n = self.trials if isinstance(self.trials, str) else f"{self.trials:g}"
            family = f"binomial {n}"
        return (("Response", depvars[0]), ("Family", family), ("Link", self.link))

    def extra_variables(self) -> tuple[str, ...]:
        return (self.trials,) if isinstance(self.trials, str) else ()

    def _data(self, outcome: Outcome) -> tuple[np.ndarray, np.ndarray]:
        """Successes and trials per row."""
        n = trials_values(self.trials, outcome.extras, outcome.n)
        y = (outcome.y != 0).astype(float) if self.binary else outcome.y
        return y, n

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        if self.binary:
            check_varies(outcome.y != 0, depvars, "; remember: 0 = negative outcome, all "
                         "other nonmissing values = positive outcome")
            return
        y, n = self._data(outcome)
        if np.any(n <= 0) or not np.all(np.isfinite(n)):
            raise FMMDataError(f"the number of binomial trials ({self.trials}) must be "
                               "positive")
        bad = int(np.sum((y < 0) | (y > n)))
        if bad:
            raise FMMDataError(f"{depvars[0]} must be between 0 and the number of trials "
                               f"({self.trials}); {bad} observations are not")

    # -- likelihood ----------------------------------------------------------------------
    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        y, n = self._data(outcome)
        lp, lq, dlp, dlq, d2lp, d2lq = binary_logprob(self.link, eta[:, 0], order)
        f = n - y
        with np.errstate(invalid="ignore"):
            ll = np.where(y > 0, y * lp, 0.0) + np.where(f > 0, f * lq, 0.0)
        if not self.binary:
            ll = ll + gammaln(n + 1.0) - gammaln(y + 1.0) - gammaln(f + 1.0)
        ll = np.where(np.isnan(outcome.y), np.nan, ll)  # a missing outcome (prediction data)
        if order == 0:
            return ll, None, None
        d1 = (y * dlp + f * dlq)[:, None]
        if order == 1:
            return ll, d1, None
        return ll, d1, (y * d2lp + f * d2lq)[:, None, None]

    # -- estimation ----------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        y, n = self._data(outcome)
        total = float(np.dot(w, n))
        pbar = float(np.dot(w, y)) / total if total > 0 else 0.5
        pbar = min(max(pbar, 1e-4), 1.0 - 1e-4)
        init = intercept_start(X["main"], float(LINKS[self.link].link(np.array(pbar))))
        if not np.isfinite(weighted_mean(y, w)) or np.all(y[w > 0] == y[w > 0][0]):
            return init                 # no variation in this group: a finite start
        return newton_weighted_fit(self, outcome, X, w, init, grams=design_grams(X))

    # -- predictions ---------------------------------------------------------------------
    @property
    def mean_scale(self) -> str:
        """Scale of ``estat lcmean``'s intervals: probabilities on the logit scale,
        expected numbers of successes on the log scale."""
        return "logit" if self.binary else "log"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """``d mu / d eta``: ``n g'(eta)`` with ``g`` the inverse link."""
        d = LINKS[self.link].d1(eta[:, 0])
        if not self.binary:
            d = d * trials_values(self.trials, outcome.extras if outcome else {}, d.size)
        return d[:, None]

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        p = LINKS[self.link].inverse(eta[:, 0])
        if stat == "mu":
            if self.binary:
                return p
            if outcome is None and isinstance(self.trials, str):
                raise FMMDataError(f"predict mu needs the number of trials ({self.trials})")
            return trials_values(self.trials, outcome.extras if outcome else {}, p.size) * p
        if stat == "distribution":
            outcome = observed(outcome, stat)
            y, n = self._data(outcome)
            return stats.binom.cdf(y, n, p)
        return super().predict(stat, outcome, eta)


def _binary_factory(model: str):
    def factory(equation) -> Binomial:  # noqa: ANN001 - EquationSpec
        return Binomial(model, model, None, model)
    return factory


for _name in ("logit", "probit", "cloglog"):
    register_model(ModelSyntax(_name, len(_name), 1, (NOCONSTANT, OFFSET, ASIS)),
                   _binary_factory(_name))


def _glm_factory(family: str, link: str):
    def factory(equation, arg) -> Binomial:  # noqa: ANN001 - EquationSpec, option value
        trials = None
        if family == "binomial" and arg is not None:
            trials = arg if isinstance(arg, float) else str(arg)
        return Binomial("glm", link, trials, family)
    return factory


for _family in ("bernoulli", "binomial"):
    for _link in ("logit", "probit", "cloglog"):
        register_glm_family(_family, _link, _glm_factory(_family, _link))
