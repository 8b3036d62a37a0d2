"""Multinomial logit: ``mlogit`` with ``baseoutcome(#)``.

One linear predictor per outcome level; the base outcome's is fixed at 0 and shown
as ``1.y | (base outcome)``, the others are equations ``2.y``, ``3.y``, ...  with
their own coefficients.  ``P(y = k) = exp(eta_k) / sum_l exp(eta_l)``.  The outcome
must hold non-negative integers (it is a factor variable, as in Stata's ``gsem``);
the base outcome defaults to the lowest value.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = MLogit().configure(Outcome(np.array([1.0, 2.0, 3.0])))
>>> [(b.equation, b.kind) for b in fam.blocks(["y"])]
[('1.y', 'base'), ('2.y', 'coef'), ('3.y', 'coef')]
>>> np.round(np.exp(fam.loglik(Outcome(np.array([1.0])), np.array([[0.0, 0.0, np.log(2)]]))), 4)
array([0.25])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace

import numpy as np

from ..errors import FMMDataError
from ..linalg import logsumexp_rows
from ..parse.options import OptionSchema, as_float
from ..registry import ModelSyntax, register_model
from .base import Block, Family, Outcome, intercept_start, newton_weighted_fit
from .common import (
    NOCONSTANT,
    check_varies,
    level_label,
    level_positions,
    selected_position,
)

__all__ = ["MLogit"]


@dataclass(frozen=True)
class MLogit(Family):
    """Multinomial logit.

    Parameters
    ----------
    baseoutcome : float, optional
        The base outcome value (default: the lowest).
    levels : tuple of float
        Outcome values in increasing order (set by :meth:`configure`).
    selected : float, optional
        The outcome level ``predict`` reports (default: the first).
    """

    baseoutcome: float | None = None
    levels: tuple[float, ...] = ()
    selected: float | None = None
    model: str = "mlogit"
    open_parameter_space = True
    label: str = "mlogit"

    @property
    def base_index(self) -> int:
        if self.baseoutcome is None:
            return 0
        return self.levels.index(float(self.baseoutcome))

    # -- description -----------------------------------------------------------------------
    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        base = self.base_index
        return tuple(Block(f"{level_label(v)}.{y}", "none", "base") if k == base
                     else Block(f"{level_label(v)}.{y}") for k, v in enumerate(self.levels))

    def configure(self, outcome: Outcome) -> "MLogit":
        levels = tuple(float(v) for v in np.unique(outcome.y))
        if self.baseoutcome is not None and float(self.baseoutcome) not in levels:
            raise FMMDataError(f"baseoutcome({self.baseoutcome:g}): the outcome has no value "
                               f"{self.baseoutcome:g}")
        return replace(self, levels=levels)

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        y = outcome.y
        if np.any(y < 0) or np.any(y != np.floor(y)):
            raise FMMDataError(f"{depvars[0]}: the outcome of mlogit must hold non-negative "
                               "integers (it is treated as a factor variable)")
        check_varies(y, depvars)

    def outcome_levels(self) -> tuple[float, ...]:
        return self.levels

    def at_outcome_level(self, level: float) -> "MLogit":
        return replace(self, selected=float(level))

    # -- likelihood ----------------------------------------------------------------------
    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        idx = level_positions(self.levels, outcome.y)
        rows = np.arange(idx.size)
        logp = eta - logsumexp_rows(eta)
        ll = np.where(idx >= 0, logp[rows, np.maximum(idx, 0)],
                      np.where(np.isnan(outcome.y), np.nan, -np.inf))
        if order == 0:
            return ll, None, None
        p = np.exp(logp)
        d1 = -p
        known = idx >= 0
        d1[rows[known], idx[known]] += 1.0
        if order == 1:
            return ll, d1, None
        d2 = p[:, :, None] * p[:, None, :]
        J = eta.shape[1]
        d2[:, np.arange(J), np.arange(J)] -= p
        return ll, d1, d2

    # -- estimation ----------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        lv = np.asarray(self.levels)
        counts = np.array([np.sum(w[outcome.y == v]) for v in lv]) + 0.5
        base = self.base_index
        parts = [intercept_start(X["main"], float(np.log(counts[k] / counts[base])))
                 for k in range(lv.size) if k != base]
        init = np.concatenate(parts) if parts else np.zeros(0)
        if np.sum(counts > 0.5) < 2:
            return init                 # one outcome in this group: a finite start
        return newton_weighted_fit(self, outcome, X, w, init)

    # -- predictions ---------------------------------------------------------------------
    mean_scale = "logit"

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """``d p_k / d eta_l = p_k (1[k = l] - p_l)``."""
        k = selected_position(self.levels, self.selected)
        p = np.exp(eta - logsumexp_rows(eta))
        jac = -p[:, k:k + 1] * p
        jac[:, k] += p[:, k]
        return jac

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        k = selected_position(self.levels, self.selected)
        if stat == "mu":
            return np.exp(eta[:, k] - logsumexp_rows(eta)[:, 0])
        if stat == "eta":
            return eta[:, k]
        if stat == "distribution":
            raise FMMDataError("predict distribution is not allowed for mlogit outcomes")
        return super().predict(stat, outcome, eta)


def _mlogit_factory(equation) -> MLogit:  # noqa: ANN001 - EquationSpec
    return MLogit(equation.option("baseoutcome"))


register_model(ModelSyntax("mlogit", 6, 1, (NOCONSTANT, OptionSchema("baseoutcome", 1,
                                                                      as_float()))),
               _mlogit_factory)
