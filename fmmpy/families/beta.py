"""Beta outcomes: ``betareg`` and ``glm, family(beta)``.

``y ~ Beta(mu phi, (1 - mu) phi)`` with ``mu = h(x'b)`` through the logit (Stata's
default), probit or complementary log-log link, and the precision ``phi``
estimated on the log scale and reported as ``ln_phi`` under ``/y``.  The outcome
must lie strictly between 0 and 1.  ``E(y) = mu`` and
``Var(y) = mu (1 - mu) / (1 + phi)``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = Beta()
>>> np.round(fam.loglik(Outcome(np.array([0.5])), np.array([[0.0, np.log(2.0)]])), 6)
array([0.])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from scipy.special import betainc, digamma, gammaln, polygamma

from ..errors import FMMDataError
from ..parse.options import OptionSchema, as_choice
from ..registry import ModelSyntax, register_model
from .base import (Block, Family, Outcome, newton_weighted_fit, observed,
                   weighted_least_squares)
from .glm import register_glm_family
from .links import LINKS

__all__ = ["Beta", "BETA_LINKS", "mean_link"]

#: Links of the conditional mean with their minimal abbreviations.
BETA_LINKS: dict[str, int] = {"logit": 5, "probit": 1, "cloglog": 1}


def mean_link(link: str, eta: np.ndarray):
    """``mu``, ``1 - mu`` (computed directly, for accuracy), ``dmu/deta`` and
    ``d2mu/deta2`` for a link to the unit interval (the shared
    :data:`~fmmpy.families.links.LINKS`).

    Examples
    --------
    >>> import numpy as np
    >>> [np.round(v, 4).tolist() for v in mean_link("logit", np.array([0.0]))]
    [[0.5], [0.5], [0.25], [0.0]]
    """
    lk = LINKS[link]
    return lk.inverse(eta), lk.complement(eta), lk.d1(eta), lk.d2(eta)


@dataclass(frozen=True)
class Beta(Family):
    """Beta regression; parameters ``b`` and ``ln(phi)``.

    Parameters
    ----------
    link : {"logit", "probit", "cloglog"}
    model : {"betareg", "glm"}
        Changes only the printed header.
    """

    link: str = "logit"
    model: str = "betareg"
    label: str = "beta"

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        # ln(phi) is a log precision: Var(y) = mu (1 - mu) / (1 + phi), so the spread
        # shrinks like phi^(-1/2) (scale_power -2: see Block.scale)
        return (Block(y), Block(f"/{y}", "const", "aux", "ln_phi", scale=-2))

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        if self.model == "glm":
            return (("Response", depvars[0]), ("Family", "beta"), ("Link", self.link))
        return (("Response", depvars[0]), ("Model", "betareg"), ("Link", self.link))

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        bad = (outcome.y <= 0) | (outcome.y >= 1)
        if np.any(bad):
            raise FMMDataError(
                f"{depvars[0]} must be greater than 0 and less than 1 for the beta "
                f"distribution; {int(bad.sum())} observations are outside (0, 1)")

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        y = outcome.y
        mu, mu1, h1, h2 = mean_link(self.link, eta[:, 0])
        phi = np.exp(eta[:, 1])
        a, b = mu * phi, mu1 * phi
        ly, l1y = np.log(y), np.log1p(-y)
        ll = gammaln(phi) - gammaln(a) - gammaln(b) + (a - 1.0) * ly + (b - 1.0) * l1y
        if order == 0:
            return ll, None, None
        ystar = ly - l1y
        mustar = digamma(a) - digamma(b)
        l_mu = phi * (ystar - mustar)
        l_phi = digamma(phi) - mu * digamma(a) - mu1 * digamma(b) + mu * ly + mu1 * l1y
        d1 = np.column_stack([l_mu * h1, phi * l_phi])
        if order == 1:
            return ll, d1, None
        ta, tb = polygamma(1, a), polygamma(1, b)
        l_mumu = -phi * phi * (ta + tb)
        l_muphi = (ystar - mustar) - phi * (mu * ta - mu1 * tb)
        l_phiphi = polygamma(1, phi) - mu * mu * ta - mu1 * mu1 * tb
        d2 = np.empty((y.shape[0], 2, 2))
        d2[:, 0, 0] = l_mumu * h1 * h1 + l_mu * h2
        d2[:, 0, 1] = d2[:, 1, 0] = l_muphi * h1 * phi
        d2[:, 1, 1] = phi * phi * l_phiphi + phi * l_phi
        return ll, d1, d2

    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        """Least squares of the linked outcome, the precision by the method of moments,
        then maximum likelihood."""
        y = outcome.y
        beta = weighted_least_squares(X["main"], LINKS[self.link].link(y), w)
        mu = mean_link(self.link, X["main"] @ beta)[0]
        total = max(float(w.sum()), 1e-300)
        var = float(np.dot(w, (y - mu) ** 2) / total)
        phi = float(np.dot(w, mu * (1.0 - mu)) / total) / max(var, 1e-12) - 1.0
        init = np.append(beta, np.log(min(max(phi, 0.5), 1e6)))
        return newton_weighted_fit(self, outcome, X, w, init)

    #: ``estat lcmean``: a mean in (0, 1), its interval on the logit scale.
    mean_scale = "logit"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """``d mu / d eta``: the inverse link's derivative; the precision does not
        move the mean."""
        jac = np.zeros_like(eta)
        jac[:, 0] = LINKS[self.link].d1(eta[:, 0])
        return jac

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            return mean_link(self.link, eta[:, 0])[0]
        if stat == "distribution":
            outcome = observed(outcome, stat)
            mu, mu1 = mean_link(self.link, eta[:, 0])[:2]
            phi = np.exp(eta[:, 1])
            return betainc(mu * phi, mu1 * phi, outcome.y)
        return super().predict(stat, outcome, eta)


def _betareg_factory(equation: Any) -> Beta:
    return Beta(equation.option("link", "logit"))


register_model(
    ModelSyntax("betareg", 7, 1, (OptionSchema("noconstant", 6),
                                  OptionSchema("link", 1, as_choice(BETA_LINKS, "link")))),
    _betareg_factory,
)

for _link in BETA_LINKS:
    register_glm_family("beta", _link, lambda equation, arg, _link=_link: Beta(_link, "glm"))
