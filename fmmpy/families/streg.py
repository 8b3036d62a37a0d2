"""Survival outcomes: ``streg, distribution(...)`` after :func:`fmmpy.stset`, and the
``glm`` families exponential, weibull, loglogistic and gamma.

For ``streg`` each observation carries ``_t`` (the exit time), ``_d`` (1 for a
failure, 0 for a censored time) and ``_t0`` (the entry time; late entry means left
truncation).  Its log likelihood is

    _d log f(_t) + (1 - _d) log S(_t) - log S(_t0)

(the last term only when ``_t0 > 0``).  The ``glm`` families are the same
distributions for an outcome observed exactly (``_d = 1``, ``_t0 = 0``).  The
distributions and their metrics are listed in :mod:`.survival`; exponential and
Weibull are in the proportional-hazards metric, the others in the
accelerated-failure-time metric.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = Survival("exponential", "streg")
>>> out = Outcome(np.zeros(2), {"_t": np.array([1.0, 2.0]), "_d": np.array([1.0, 0.0]),
...                             "_t0": np.array([0.0, 1.0])})
>>> fam.loglik(out, np.zeros((2, 1))).tolist()        # log f(1) and log S(2) - log S(1)
[-1.0, -1.0]
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FMMDataError, FMMSyntaxError
from ..parse.options import OptionSchema, as_choice
from ..registry import ModelSyntax, register_model
from .base import (Block, Family, Outcome, newton_weighted_fit, observed,
                   weighted_least_squares)
from .glm import register_glm_family
from .survival import DISTRIBUTIONS, Distribution

__all__ = ["Survival", "ST_VARIABLES"]

#: The columns :func:`fmmpy.stset` creates and ``streg`` reads.
ST_VARIABLES = ("_t", "_d", "_t0")


@dataclass(frozen=True)
class Survival(Family):
    """A survival distribution as a component model.

    Parameters
    ----------
    distribution : str
        A key of :data:`~fmmpy.families.survival.DISTRIBUTIONS`.
    model : {"streg", "glm"}
        ``streg`` reads ``_t``, ``_d``, ``_t0``; ``glm`` models the dependent
        variable as an exact time.
    """

    distribution: str = "weibull"
    model: str = "streg"

    @property
    def dist(self) -> Distribution:
        return DISTRIBUTIONS[self.distribution]

    @property
    def label(self) -> str:  # type: ignore[override]
        return self.distribution

    # -- description -------------------------------------------------------------------
    def _response(self, depvars: Sequence[str]) -> str:
        return "_t" if self.model == "streg" else depvars[0]

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = self._response(depvars)
        out = (Block(y),)
        if self.dist.ancillary:
            out += (Block(f"/{y}", "const", "aux", self.dist.ancillary,
                          scale=self.dist.scale),)
        return out

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        if self.model == "streg":
            return (("Response", "_t"), ("Model", "streg"), ("Distribution", self.distribution))
        return (("Response", depvars[0]), ("Family", self.dist.title), ("Link", "log"))

    def extra_variables(self) -> tuple[str, ...]:
        return ST_VARIABLES if self.model == "streg" else ()

    def _data(self, outcome: Outcome) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        if self.model == "streg":
            return outcome.extras["_t"], outcome.extras["_d"], outcome.extras["_t0"]
        return outcome.y, np.ones(outcome.n), np.zeros(outcome.n)

    def factor_columns(self, outcome: Outcome) -> list[np.ndarray]:
        return [self._data(outcome)[0]]

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        t, d, t0 = self._data(outcome)
        name = "_t" if self.model == "streg" else depvars[0]
        if np.any(t <= 0):
            raise FMMDataError(f"{name} must be positive for the {self.distribution} "
                               f"distribution; {int(np.sum(t <= 0))} observations are zero or "
                               "negative")
        if self.model == "streg" and (np.any((d != 0) & (d != 1)) or np.any(t0 < 0)
                                      or np.any(t0 >= t)):
            raise FMMDataError("_d must be 0 or 1 and 0 <= _t0 < _t; set the data with "
                               "fmmpy.stset(data, time, failure=..., entry=...)")

    # -- likelihood --------------------------------------------------------------------
    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        t, d, t0 = self._data(outcome)
        dist = self.dist
        n, k = outcome.n, dist.n_blocks
        ll = np.zeros(n)
        d1 = np.zeros((n, k)) if order >= 1 else None
        d2 = np.zeros((n, k, k)) if order >= 2 else None
        fail = d == 1
        entry = t0 > 0
        pieces = ((fail, t, 1.0, dist.log_density), (~fail, t, 1.0, dist.log_surv),
                  (entry, t0, -1.0, dist.log_surv))
        for rows, times, sign, fn in pieces:
            if not rows.any():
                continue
            l_r, g_r, h_r = fn(times[rows], np.log(times[rows]), eta[rows], order)
            ll[rows] += sign * l_r
            if d1 is not None:
                d1[rows] += sign * g_r
            if d2 is not None:
                d2[rows] += sign * h_r
        return ll, d1, d2

    # -- estimation --------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        """Least squares of ``ln t`` on the covariates (for the PH metric, minus that,
        with the exponential rate in the constant), then maximum likelihood."""
        t, d, t0 = self._data(outcome)
        Xm = X["main"]
        lt = np.log(t)
        beta = weighted_least_squares(Xm, lt, w)
        resid = lt - Xm @ beta
        total = max(float(w.sum()), 1e-300)
        var = max(float(np.dot(w, resid * resid) / total), 1e-4)
        if self.distribution in ("exponential", "weibull"):
            beta = -beta
            cons = np.flatnonzero(np.all(Xm == 1.0, axis=0))
            if cons.size:
                rate = max(float(np.dot(w, d)), 1e-8) / max(float(np.dot(w, t - t0)), 1e-300)
                beta[cons[0]] = np.log(rate) - float(np.dot(w, Xm @ beta - beta[cons[0]])) / total
        anc = {"weibull": 0.0, "lognormal": 0.5 * np.log(var),
               "loglogistic": 0.5 * np.log(var * 3.0) - np.log(np.pi), "gamma": np.log(var)}
        init = beta if self.dist.ancillary is None else np.append(beta, anc[self.distribution])
        return newton_weighted_fit(self, outcome, X, w, init)

    # -- predictions -------------------------------------------------------------------
    #: ``estat lcmean``: a positive mean time, its interval on the log scale.
    mean_scale = "log"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """Derivatives of the mean survival time (``predict mu``)."""
        return self.dist.mean_jacobian(eta)

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            return self.dist.mean(eta)
        if stat in ("density", "distribution", "survival"):
            t = self._data(observed(outcome, stat))[0]
            fn = self.dist.log_density if stat == "density" else self.dist.log_surv
            with np.errstate(invalid="ignore", divide="ignore"):
                value = np.exp(fn(t, np.log(t), eta, 0)[0])
            return 1.0 - value if stat == "distribution" else value
        return super().predict(stat, outcome, eta)


_DIST_WORDS = {"exponential": 1, "weibull": 1, "lognormal": 4, "loglogistic": 4, "gamma": 1}
_DIST_ALIASES = {"lnormal": "lognormal", "llogistic": "loglogistic"}


def _streg_factory(equation: Any) -> Survival:
    dist = equation.option("distribution")
    if dist is None:
        raise FMMSyntaxError("streg requires distribution(exponential | weibull | lognormal | "
                             "loglogistic | gamma)")
    return Survival(dist, "streg")


register_model(
    ModelSyntax("streg", 5, 0, (
        OptionSchema("noconstant", 6),
        OptionSchema("distribution", 1, as_choice(_DIST_WORDS, "distribution", _DIST_ALIASES)),
    )),
    _streg_factory,
)

for _name in ("exponential", "weibull", "loglogistic", "gamma"):
    register_glm_family(_name, "log", lambda equation, arg, _name=_name: Survival(_name, "glm"))
