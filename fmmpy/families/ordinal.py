"""Ordered outcomes: ``ologit`` and ``oprobit``, with cutpoints ``/y cut1``,
``/y cut2``, ... per class.

With outcome levels ``v_1 < ... < v_J`` (learned from the data by
:meth:`Ordinal.configure`), ``P(y = v_j) = F(c_j - x'b) - F(c_{j-1} - x'b)`` with
``c_0 = -inf`` and ``c_J = +inf``; ``F`` is the logistic or normal distribution.
The main equation has no constant (the cutpoints take its place).  Each cutpoint is
its own constant linear predictor, estimated unconstrained as Stata does; a
probability that is not positive (unordered cutpoints) gives ``-inf``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = Ordinal("logit").configure(Outcome(np.array([1.0, 2.0, 3.0])))
>>> fam.levels, [(b.equation, b.kind) for b in fam.blocks(["y"])][1:]
((1.0, 2.0, 3.0), [('/y', 'aux'), ('/y', 'aux')])
>>> np.round(np.exp(fam.loglik(Outcome(np.array([1.0, 2.0])), np.array([[0.0, -1, 1]] * 2))), 4)
array([0.2689, 0.4621])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..parse.terms import RHS
from ..registry import ModelSyntax, register_model
from .base import Block, Family, Outcome, newton_weighted_fit, observed
from .common import OFFSET, check_varies, level_positions, selected_position
from .links import LATENT, logdiffexp

__all__ = ["Ordinal"]


@dataclass(frozen=True)
class Ordinal(Family):
    """Ordered logit or probit.

    Parameters
    ----------
    link : {"logit", "probit"}
    levels : tuple of float
        The outcome values in increasing order (set by :meth:`configure`).
    selected : float, optional
        The outcome level ``predict`` reports (default: the first).
    """

    link: str = "logit"
    levels: tuple[float, ...] = ()
    selected: float | None = None
    model: str = "ologit"
    label: str = "ologit"

    def __post_init__(self) -> None:
        name = "ologit" if self.link == "logit" else "oprobit"
        object.__setattr__(self, "model", name)
        object.__setattr__(self, "label", name)

    # -- description -----------------------------------------------------------------------
    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        cuts = tuple(Block(f"/{y}", "const", "aux", f"cut{k}", pclass="cons")
                     for k in range(1, len(self.levels)))
        return (Block(y),) + cuts

    def design_rhs(self, rhs: RHS) -> dict[str, RHS]:
        return {"main": replace(rhs, constant=False)}

    def configure(self, outcome: Outcome) -> "Ordinal":
        return replace(self, levels=tuple(float(v) for v in np.unique(outcome.y)))

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        check_varies(outcome.y, depvars)

    def outcome_levels(self) -> tuple[float, ...]:
        return self.levels

    def at_outcome_level(self, level: float) -> "Ordinal":
        return replace(self, selected=float(level))

    # -- likelihood ----------------------------------------------------------------------
    def _bounds(self, y: np.ndarray, eta: np.ndarray
                ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Level index (``-1`` if unknown), lower and upper ``c - x'b`` per row."""
        idx = level_positions(self.levels, y)
        cuts = np.column_stack([np.full(y.size, -np.inf), eta[:, 1:],
                                np.full(y.size, np.inf)])
        k = np.maximum(idx, 0)
        rows = np.arange(y.size)
        xb = eta[:, 0]
        return idx, cuts[rows, k] - xb, cuts[rows, k + 1] - xb, rows

    def _logprob(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """``log(F(b) - F(a))``, using the upper tail where both are positive."""
        F = LATENT[self.link]
        with np.errstate(invalid="ignore", divide="ignore"):
            lower = logdiffexp(F.logcdf(b), F.logcdf(a))
            upper = logdiffexp(F.logsf(a), F.logsf(b))
        out = np.where(a > 0, upper, lower)
        return np.where((b > a) & np.isfinite(out), out, -np.inf)

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        y = outcome.y
        idx, a, b, rows = self._bounds(y, eta)
        ll = np.where(idx >= 0, self._logprob(a, b), np.where(np.isnan(y), np.nan, -np.inf))
        # Cutpoints out of order are not a distribution (the level probabilities would
        # add up to more than 1, and a class could give probability ~1 to two levels):
        # every row is impossible there, so no step of the EM M-step or of Newton's
        # line search can cross them.
        unordered = np.any(np.diff(eta[:, 1:], axis=1) <= 0.0, axis=1)
        ll = np.where(unordered & ~np.isnan(ll), -np.inf, ll)
        if order == 0:
            return ll, None, None
        F = LATENT[self.link]
        m = eta.shape[1]
        with np.errstate(over="ignore", invalid="ignore"):
            ra = np.where(np.isfinite(a), np.exp(F.logpdf(a) - ll), 0.0)   # f(a) / P
            rb = np.where(np.isfinite(b), np.exp(F.logpdf(b) - ll), 0.0)   # f(b) / P
        ok = np.isfinite(ll)
        ra, rb = np.where(ok, ra, 0.0), np.where(ok, rb, 0.0)
        lo = idx                            # column of c_{j-1} is j-1+1 = idx (0-based j)
        hi = idx + 1                        # column of c_j
        has_lo = (idx > 0) & ok
        has_hi = (idx < len(self.levels) - 1) & (idx >= 0) & ok
        d1 = np.zeros((y.size, m))
        d1[:, 0] = -(rb - ra)
        d1[rows[has_hi], hi[has_hi]] = rb[has_hi]
        d1[rows[has_lo], lo[has_lo]] = -ra[has_lo]
        if order == 1:
            return ll, d1, None
        ga = np.where(np.isfinite(a), F.dlogpdf(np.where(np.isfinite(a), a, 0.0)), 0.0)
        gb = np.where(np.isfinite(b), F.dlogpdf(np.where(np.isfinite(b), b, 0.0)), 0.0)
        diff = rb - ra
        d2 = np.zeros((y.size, m, m))
        d2[:, 0, 0] = rb * gb - ra * ga - diff * diff
        r, c = rows[has_hi], hi[has_hi]
        d2[r, c, c] = (rb * gb - rb * rb)[has_hi]
        d2[r, 0, c] = d2[r, c, 0] = (-rb * gb + rb * diff)[has_hi]
        r, c = rows[has_lo], lo[has_lo]
        d2[r, c, c] = (-ra * ga - ra * ra)[has_lo]
        d2[r, 0, c] = d2[r, c, 0] = (ra * ga - ra * diff)[has_lo]
        both = has_lo & has_hi
        r = rows[both]
        d2[r, lo[both], hi[both]] = d2[r, hi[both], lo[both]] = (ra * rb)[both]
        return ll, d1, d2

    # -- estimation ----------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        lv = np.asarray(self.levels)
        counts = np.array([np.sum(w[outcome.y == v]) for v in lv]) + 0.5
        cum = np.cumsum(counts)[:-1] / counts.sum()
        cuts = LATENT[self.link].ppf(cum)
        init = np.concatenate([np.zeros(X["main"].shape[1]), cuts])
        if np.sum(counts > 0.5) < 2:
            return init                 # one level in this group: a finite start
        return newton_weighted_fit(self, outcome, X, w, init)

    # -- predictions ---------------------------------------------------------------------
    mean_scale = "logit"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """``d Pr(y = level) / d eta = Pr(y = level) * d log Pr(y = level) / d eta``."""
        level = np.full(eta.shape[0], self.levels[selected_position(self.levels, self.selected)])
        ll, d1, _ = self.derivatives(Outcome(level), eta, order=1)
        return np.exp(ll)[:, None] * d1

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            level = np.full(eta.shape[0], self.levels[selected_position(self.levels, self.selected)])
            return np.exp(self.loglik(Outcome(level), eta))
        if stat == "distribution":
            outcome = observed(outcome, stat)
            idx, _, b, _ = self._bounds(outcome.y, eta)
            return np.where(idx >= 0, LATENT[self.link].cdf(b), np.nan)
        return super().predict(stat, outcome, eta)


def _factory(link: str):
    def factory(equation) -> Ordinal:  # noqa: ANN001 - EquationSpec
        return Ordinal(link)
    return factory


register_model(ModelSyntax("ologit", 6, 1, (OFFSET,)), _factory("logit"))
register_model(ModelSyntax("oprobit", 7, 1, (OFFSET,)), _factory("probit"))
