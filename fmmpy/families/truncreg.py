"""``truncreg``: a normal outcome observed only within ``(ll, ul)``.

Each observation contributes the normal density divided by the probability of the
truncation interval, ``phi(z_y)/sigma / [Phi(z_ul) - Phi(z_ll)]``.  The limits are
numbers or variables (a missing value means no truncation on that side); an
outcome outside its limits is an error (drop those observations with ``if``).
Parameters: ``b`` and ``var(e.y)``.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = TruncReg(ll=0.0)
>>> ll = fam.loglik(Outcome(np.array([1.0])), np.array([[0.0, 0.0]]))
>>> float(np.round(np.exp(ll[0]), 6))           # twice the standard normal density at 1
0.483941
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..errors import FMMDataError
from ..parse.options import OptionSchema, as_number_or_var
from ..registry import ModelSyntax, register_model
from .base import Outcome
from .limited_normal import LimitedNormal, Limits, limit_arrays, limit_variables

__all__ = ["TruncReg"]


@dataclass(frozen=True)
class TruncReg(LimitedNormal):
    """Truncated normal regression.

    Parameters
    ----------
    ll, ul : float, VarRef or None
        The truncation limits.
    """

    ll: Any = None
    ul: Any = None
    model: str = "truncreg"
    label: str = "truncreg"

    def nullable_variables(self) -> tuple[str, ...]:
        return limit_variables(self.ll, self.ul)

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        super().check_y(outcome, depvars)
        lo, hi = limit_arrays(outcome, self.ll, self.ul)
        if np.any(lo >= hi):
            raise FMMDataError(f"truncreg {depvars[0]}: the lower limit ll() must be below the "
                               "upper limit ul()")
        out = (outcome.y < lo) | (outcome.y > hi)
        if np.any(out):
            y = depvars[0]
            op, lim = (">", self.ll) if self.ll is not None else ("<", self.ul)
            lim = f"{lim:g}" if isinstance(lim, float) else lim
            example = f"'fmm 2 if {y} {op} {lim}: truncreg ...'"
            raise FMMDataError(
                f"truncreg: {int(out.sum())} observations of {y} lie outside the truncation "
                "limits ll()/ul(); truncated data cannot contain them (restrict the sample "
                f"with if, as in {example})")

    def limits(self, outcome: Outcome) -> Limits:
        y = outcome.y
        lo, hi = limit_arrays(outcome, self.ll, self.ul)
        ones = np.ones(outcome.n, dtype=bool)
        return Limits(ones, y, y, y, lo, hi)


def _truncreg_factory(equation: Any) -> TruncReg:
    return TruncReg(ll=equation.option("ll"), ul=equation.option("ul"))


register_model(
    ModelSyntax("truncreg", 5, 1, (
        OptionSchema("noconstant", 6),
        OptionSchema("ll", 2, as_number_or_var()),
        OptionSchema("ul", 2, as_number_or_var()),
    )),
    _truncreg_factory,
)
