"""``tobit``: a normal outcome censored at ``ll()`` and/or ``ul()``.

Stata's rules: an observation with ``y <= ll`` is left-censored and contributes
``Phi((ll - x'b)/sigma)``; one with ``y >= ul`` is right-censored and contributes
``1 - Phi((ul - x'b)/sigma)``; the others contribute the normal density.  ``ll`` and
``ul`` without a value mean the minimum and maximum of the outcome in the
estimation sample; with a variable, each observation has its own limit, and a
missing limit means no censoring on that side.  Parameters: ``b`` and ``var(e.y)``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = Tobit(ll=0.0)
>>> lim = fam.limits(Outcome(np.array([-1.0, 0.0, 2.0])))
>>> lim.point.tolist(), lim.hi.tolist()[:2]
([False, False, True], [0.0, 0.0])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np

from ..errors import FMMDataError
from ..parse.options import OptionSchema
from ..registry import ModelSyntax, register_model
from .base import Outcome
from .limited_normal import LimitedNormal, Limits, limit_arrays, limit_option, limit_variables

__all__ = ["Tobit"]


@dataclass(frozen=True)
class Tobit(LimitedNormal):
    """Censored normal regression.

    Parameters
    ----------
    ll, ul : float, VarRef, True or None
        The censoring limits (``True``: the outcome's minimum/maximum, fixed by
        :meth:`configure`).
    """

    ll: Any = None
    ul: Any = None
    model: str = "tobit"
    label: str = "tobit"

    def nullable_variables(self) -> tuple[str, ...]:
        return limit_variables(self.ll, self.ul)

    def configure(self, outcome: Outcome) -> "Tobit":
        y = outcome.y
        return replace(self, ll=float(np.min(y)) if self.ll is True else self.ll,
                       ul=float(np.max(y)) if self.ul is True else self.ul)

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        fam = self.configure(outcome)
        bad = np.greater_equal(*limit_arrays(outcome, fam.ll, fam.ul))
        if np.any(bad):
            raise FMMDataError(f"tobit {depvars[0]}: the lower limit ll() must be below the "
                               f"upper limit ul(); {int(bad.sum())} observations have "
                               "ll() >= ul()")

    def limits(self, outcome: Outcome) -> Limits:
        y = outcome.y
        lo, hi = limit_arrays(outcome, self.ll, self.ul)
        left, right = y <= lo, y >= hi
        point = ~(left | right)
        return Limits(point, y, np.where(right, hi, -np.inf), np.where(left, lo, np.inf))


def _tobit_factory(equation: Any) -> Tobit:
    return Tobit(ll=equation.option("ll"), ul=equation.option("ul"))


register_model(
    ModelSyntax("tobit", 4, 1, (
        OptionSchema("noconstant", 6),
        OptionSchema("ll", 2, limit_option, optional_arg=True),
        OptionSchema("ul", 2, limit_option, optional_arg=True),
    )),
    _tobit_factory,
)
