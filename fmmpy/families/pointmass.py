"""``pointmass depvar, value(#)``: a degenerate component that puts all its mass on
one integer value (default 0), for zero-inflated and cure models.

It has no parameters: its log density is 0 where ``depvar == value`` and ``-inf``
elsewhere, so only the class probabilities describe it.  It cannot be used by
itself; combine it with other models in the hybrid syntax::

    fmm: (pointmass y) (poisson y x1 x2)             zero-inflated Poisson
    fmm: (pointmass fail) (streg x, dist(weibull))   cure model

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> PointMass(0).loglik(Outcome(np.array([0.0, 2.0])), np.zeros((2, 0)))
array([  0., -inf])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FMMSyntaxError
from ..parse.options import OptionSchema, as_int
from ..registry import ModelSyntax, register_model
from .base import Block, Family, Outcome, observed, outcome_term

__all__ = ["PointMass"]


@dataclass(frozen=True)
class PointMass(Family):
    """Degenerate distribution at ``value``."""

    value: int = 0
    model: str = "pointmass"
    label: str = "pointmass"

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        return ()

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        return (("Response", depvars[0]), ("Model", "pointmass"), ("Value", str(self.value)))

    def support(self, outcome: Outcome) -> np.ndarray:
        return outcome.y == self.value

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        n = outcome.n
        # the same at every evaluation: computed once per outcome (read-only)
        ll = outcome_term(outcome.y, f"pointmass {self.value}",
                          lambda y: np.where(y == self.value, 0.0, -np.inf))
        if order == 0:
            return ll, None, None
        return ll, np.zeros((n, 0)), (np.zeros((n, 0, 0)) if order >= 2 else None)

    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        return np.zeros(0)

    def weighted_fit(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray,
                     init: np.ndarray, offset: np.ndarray | None = None, stats: Any = None
                     ) -> np.ndarray:
        return np.zeros(0)

    def fit_statistics(self, outcome: Outcome, X: Mapping[str, np.ndarray],
                       offset: np.ndarray | None = None) -> None:
        return None             # no parameters to fit

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """The mean is the point: no parameters, nothing to differentiate."""
        return np.zeros((eta.shape[0], 0))

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        n = eta.shape[0]
        if stat in ("mu", "eta"):
            return np.full(n, float(self.value))
        if stat in ("density", "distribution"):
            outcome = observed(outcome, stat)
        if stat == "density":
            return np.where(np.isnan(outcome.y), np.nan, (outcome.y == self.value) * 1.0)
        if stat == "distribution":
            return np.where(np.isnan(outcome.y), np.nan, (outcome.y >= self.value) * 1.0)
        return super().predict(stat, outcome, eta)


def _pointmass_factory(equation) -> PointMass:  # noqa: ANN001 - EquationSpec
    if equation.rhs.terms:
        raise FMMSyntaxError("pointmass takes no covariates: pointmass depvar [, value(#)]")
    return PointMass(int(equation.option("value", 0)))


register_model(ModelSyntax("pointmass", 9, 1, (OptionSchema("value", 3, as_int()),)),
               _pointmass_factory)
