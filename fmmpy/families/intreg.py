"""``intreg depvar_lower depvar_upper``: interval data from a normal outcome.

Stata's rules for each observation: equal bounds are a point (the normal density);
a missing lower bound means left-censored at the upper bound (``Phi(z_upper)``); a
missing upper bound means right-censored at the lower bound (``1 - Phi(z_lower)``);
two different bounds are an interval (``Phi(z_upper) - Phi(z_lower)``).  Rows with
both bounds missing are not used; a lower bound above the upper bound is an error.
Parameters: ``b`` and ``var(e.depvar_lower)``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> y = np.array([[1.0, 1.0], [np.nan, 2.0], [0.0, 3.0], [4.0, np.nan]])
>>> lim = IntReg("lo", "hi").limits(Outcome(y))
>>> lim.point.tolist(), lim.lo.tolist(), lim.hi.tolist()
([True, False, False, False], [1.0, -inf, 0.0, 4.0], [1.0, 2.0, 3.0, inf])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FMMDataError
from ..parse.options import OptionSchema
from ..registry import ModelSyntax, register_model
from .base import Outcome
from .limited_normal import LimitedNormal, Limits

__all__ = ["IntReg"]


@dataclass(frozen=True)
class IntReg(LimitedNormal):
    """Interval regression.

    Parameters
    ----------
    lower, upper : str
        Names of the two dependent variables.
    """

    lower: str = ""
    upper: str = ""
    model: str = "intreg"
    label: str = "intreg"

    def nullable_variables(self) -> tuple[str, ...]:
        return (self.lower, self.upper)

    def sample_mask(self, values: Mapping[str, np.ndarray]) -> np.ndarray:
        return ~(np.isnan(values[self.lower]) & np.isnan(values[self.upper]))

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        lo, hi = outcome.y[:, 0], outcome.y[:, 1]
        with np.errstate(invalid="ignore"):
            bad = lo > hi
        if np.any(bad):
            raise FMMDataError(f"intreg: {depvars[0]} > {depvars[1]} in {int(bad.sum())} "
                               "observations; the lower bound must not exceed the upper bound")

    def limits(self, outcome: Outcome) -> Limits:
        lo, hi = outcome.y[:, 0], outcome.y[:, 1]
        point = lo == hi
        return Limits(point, np.where(point, lo, 0.0), np.where(np.isnan(lo), -np.inf, lo),
                      np.where(np.isnan(hi), np.inf, hi))


def _intreg_factory(equation: Any) -> IntReg:
    return IntReg(*equation.depvars)


register_model(ModelSyntax("intreg", 6, 2, (OptionSchema("noconstant", 6),)), _intreg_factory)
