"""``ivregress depvar [varlist1] (varlist2 = varlist_iv)``: linear regression with
endogenous covariates, as a system of normal equations.

Within a class the model is

    y   = x2' b + x1' g + e_y                 (the structural equation)
    x2j = x1' d_j + z' p_j + e_j              (one reduced form per endogenous x2j)

with ``(e_y, e_1, ..., e_m)`` jointly normal with an unrestricted covariance matrix.
The class density of an observation is the joint normal density of
``(y, x2_1, ..., x2_m)``: this is the full-information likelihood of the system
(limited-information maximum likelihood for ``b``; with one instrument per
endogenous variable its estimates equal two-stage least squares).  The parameters
are the coefficients of each equation (``y`` first), the variances
``var(e.y)``, ``var(e.x2j)`` (estimated as logs, shown as variances) and the
covariances ``cov(e.y,e.x2j)``, ``cov(e.x2j,e.x2k)`` (estimated and shown as is;
steps that would leave the covariance matrix indefinite are rejected by the
line search).

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = IVRegress(endogenous=("x",))
>>> [b.term if b.design == "const" else b.equation for b in fam.blocks(("y",))]
['y', 'x', 'var(e.y)', 'var(e.x)', 'cov(e.y,e.x)']
>>> out = Outcome(np.array([0.0]), {"x": np.array([0.0])})
>>> np.round(fam.loglik(out, np.array([[0.0, 0.0, 0.0, 0.0, 0.0]])), 6)   # log(1/(2 pi))
array([-1.837877])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from itertools import combinations
from typing import Any

import numpy as np
from scipy.special import ndtr

from ..errors import FMMSyntaxError
from ..parse.options import OptionSchema
from ..parse.terms import RHS, Factor, Term
from ..registry import ModelSyntax, register_model
from .base import (Block, Family, Outcome, newton_weighted_fit, observed,
                   weighted_least_squares)
from .gaussian import Gaussian

__all__ = ["IVRegress"]

_LOG_2PI = float(np.log(2.0 * np.pi))


@dataclass(frozen=True)
class IVRegress(Family):
    """The joint normal model of an outcome and its endogenous covariates.

    Parameters
    ----------
    endogenous : tuple of str
        The endogenous covariates ``varlist2``.
    instruments : RHS
        The excluded instruments ``varlist_iv``.
    """

    endogenous: tuple[str, ...] = ()
    instruments: RHS = field(default_factory=RHS)
    model: str = "ivregress"
    label: str = "ivregress"

    # -- description -------------------------------------------------------------------
    def _design(self, x: str) -> str:
        return f"_iv_{x}"

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        names = (y, *self.endogenous)
        out = [Block(y)] + [Block(x, self._design(x)) for x in self.endogenous]
        out += [Block(v, "const", "variance", f"var(e.{v})") for v in names]
        out += [Block(y, "const", "cov", f"cov(e.{a},e.{b})") for a, b in combinations(names, 2)]
        return tuple(out)

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        return (("Response", depvars[0]), ("Endogenous", " ".join(self.endogenous)),
                ("Model", "ivregress"))

    def extra_variables(self) -> tuple[str, ...]:
        return self.endogenous

    def design_rhs(self, rhs: RHS) -> dict[str, RHS]:
        out = {"main": RHS(_terms(self.endogenous) + rhs.terms, rhs.constant, rhs.form)}
        first = rhs.terms + tuple(t for t in self.instruments.terms if t not in rhs.terms)
        for x in self.endogenous:
            out[self._design(x)] = RHS(first, rhs.constant, rhs.form)
        return out

    def factor_columns(self, outcome: Outcome) -> list[np.ndarray]:
        return [outcome.y, *(outcome.extras[x] for x in self.endogenous)]

    # -- likelihood --------------------------------------------------------------------
    def _responses(self, outcome: Outcome) -> np.ndarray:
        return np.column_stack([outcome.y, *(outcome.extras[x] for x in self.endogenous)])

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        m = 1 + len(self.endogenous)
        n = outcome.n
        pairs = list(combinations(range(m), 2))
        K = m + len(pairs)                       # covariance parameters
        r = self._responses(outcome) - eta[:, :m]
        var = np.exp(eta[:, m:2 * m])
        Sigma = np.zeros((n, m, m))
        Sigma[:, np.arange(m), np.arange(m)] = var
        for c, (a, b) in enumerate(pairs):
            Sigma[:, a, b] = Sigma[:, b, a] = eta[:, 2 * m + c]
        sign, logdet = np.linalg.slogdet(Sigma)
        ok = sign > 0
        P = np.zeros_like(Sigma)
        if ok.any():
            P[ok] = np.linalg.inv(Sigma[ok])
        u = np.einsum("nij,nj->ni", P, r)
        ll = np.where(ok, -0.5 * (m * _LOG_2PI + np.where(ok, logdet, 0.0)
                                  + np.einsum("ni,ni->n", r, u)), -np.inf)
        if order == 0:
            return ll, None, None
        # E_k = dSigma/dtheta_k for the variance and covariance parameters.
        E = np.zeros((n, K, m, m))
        for j in range(m):
            E[:, j, j, j] = var[:, j]
        for c, (a, b) in enumerate(pairs):
            E[:, m + c, a, b] = E[:, m + c, b, a] = 1.0
        PE = np.einsum("nij,nkjl->nkil", P, E)              # P E_k
        Eu = np.einsum("nkij,nj->nki", E, u)                 # E_k u
        d1 = np.zeros((n, m + K))
        d1[:, :m] = u
        d1[:, m:] = 0.5 * np.einsum("ni,nki->nk", u, Eu) - 0.5 * np.einsum("nkii->nk", PE)
        d1[~ok] = 0.0
        if order == 1:
            return ll, d1, None
        d2 = np.zeros((n, m + K, m + K))
        d2[:, :m, :m] = -P
        PEu = np.einsum("nij,nkj->nki", P, Eu)               # P E_k u
        d2[:, :m, m:] = -np.transpose(PEu, (0, 2, 1))
        d2[:, m:, :m] = -PEu
        d2[:, m:, m:] = (-np.einsum("nki,nli->nkl", Eu, PEu)
                         + 0.5 * np.einsum("nkij,nlji->nkl", PE, PE))
        diag = np.arange(m, 2 * m)
        d2[:, diag, diag] += d1[:, diag]
        d2[~ok] = 0.0
        return ll, d1, d2

    # -- estimation --------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        """Two-stage least squares and the covariance of its residuals, then maximum
        likelihood from there."""
        Xm = X["main"]
        m = 1 + len(self.endogenous)
        Y = self._responses(outcome)
        first = [weighted_least_squares(X[self._design(x)], Y[:, j + 1], w)
                 for j, x in enumerate(self.endogenous)]
        fitted = Xm.copy()
        for j, x in enumerate(self.endogenous):
            fitted[:, j] = X[self._design(x)] @ first[j]
        beta = weighted_least_squares(fitted, Y[:, 0], w)
        resid = [Y[:, 0] - Xm @ beta]
        resid += [Y[:, j + 1] - X[self._design(x)] @ first[j]
                  for j, x in enumerate(self.endogenous)]
        R = np.column_stack(resid)
        total = max(float(w.sum()), 1e-300)
        S = (R * w[:, None]).T @ R / total
        S += np.eye(m) * 1e-8 * max(float(np.max(np.diag(S))), 1.0)
        init = np.concatenate([beta, *first, np.log(np.diag(S)),
                               [S[a, b] for a, b in combinations(range(m), 2)]])
        return newton_weighted_fit(self, outcome, X, w, init)

    # -- predictions -------------------------------------------------------------------
    #: ``predict mu`` is the structural equation's ``x2'b + x1'g`` (observed ``x2``).
    mean_jacobian = Gaussian.mean_jacobian

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            return eta[:, 0]
        if stat == "distribution":
            outcome = observed(outcome, stat)
            m = 1 + len(self.endogenous)
            return ndtr((outcome.y - eta[:, 0]) * np.exp(-0.5 * eta[:, m]))
        return super().predict(stat, outcome, eta)


def _terms(names: Sequence[str]) -> tuple[Term, ...]:
    return tuple(Term((Factor(v),)) for v in names)


def _ivregress_factory(equation: Any) -> IVRegress:
    group = equation.groups[0]
    endog: list[str] = []
    for t in group.lhs.terms:
        f = t.factors[0]
        if len(t.factors) != 1 or f.categorical or f.expr is not None or f.is_pattern:
            raise FMMSyntaxError(f"ivregress: endogenous variables must be listed by name; "
                                 f"found '{t}'")
        if f.var in equation.depvars:
            raise FMMSyntaxError(f"ivregress: {f.var} is the dependent variable; it cannot "
                                 "also be endogenous")
        endog.append(f.var)
    if len(group.rhs.terms) < len(endog):
        raise FMMSyntaxError("ivregress: equation not identified; there must be at least as "
                             "many instruments as endogenous variables")
    return IVRegress(tuple(endog), group.rhs)


register_model(ModelSyntax("ivregress", 4, 1, (OptionSchema("noconstant", 6),), n_groups=1),
               _ivregress_factory)
