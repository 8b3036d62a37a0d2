"""User constraints (Stata's ``constraints()``) given to :func:`fmmpy.fmm` as the
``constraints=`` argument, turned into the :class:`~fmmpy.estimate.layout.ParamLayout`'s
linear constraints.

Accepted forms, all naming parameters as ``res.params`` does and giving values on
the reported scale (variances as variances):

* a mapping ``{"2.Class:_cons": 0}`` (fixed value) or ``{"1.Class:y:x": "2.Class:y:x"}``
  (equality);
* a sequence of pairs ``[("1.Class:y:x", "2.Class:y:x"), ("2.Class:_cons", 0)]``;
* a sequence of (or one) linear equations as text,
  ``["1.Class:y:x = 2.Class:y:x", "1.Class:y:x + 1.Class:y:z = 1"]``.

Variances are estimated on the log scale, so they may be fixed (at positive values)
or set equal to each other, but not enter other linear equations.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> from fmmpy.design import build_design
>>> from fmmpy.estimate.layout import build_layout
>>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
>>> lay = apply_constraints(build_layout(d), {"2.Class:_cons": 0})
>>> lay.n_free, lay.constraint_text
(4, ('2.Class:_cons = 0',))
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from numbers import Real
from typing import Any

import numpy as np

from .errors import FMMSyntaxError
from .estimate.layout import ParamLayout
from .linexpr import LinearHypothesis, parse_linear

__all__ = ["apply_constraints"]


def _items(constraints: Any) -> list[Any]:
    if isinstance(constraints, Mapping):
        return list(constraints.items())
    if isinstance(constraints, str):
        return [constraints]
    if isinstance(constraints, Sequence):
        return list(constraints)
    raise FMMSyntaxError("constraints= must be a mapping {name: value}, a list of "
                         "(name, name-or-value) pairs or a list of equations as text")


def _hypotheses(item: Any, names: tuple[str, ...]) -> list[LinearHypothesis]:
    if isinstance(item, str):
        return parse_linear(item, names)
    if isinstance(item, (tuple, list)) and len(item) == 2 and isinstance(item[0], str):
        left, right = item
        if isinstance(right, str):
            return parse_linear(f"{left} = {right}", names)
        if isinstance(right, Real) and not isinstance(right, bool) and np.isfinite(right):
            hyp = parse_linear(left, names)
            return [LinearHypothesis(h.coefs, float(right)) for h in hyp]
    raise FMMSyntaxError(f"constraints=: cannot read {item!r}; use (name, value), "
                         "(name, name) or an equation such as '2.Class:_cons = 0'")


def apply_constraints(layout: ParamLayout, constraints: Any) -> ParamLayout:
    """The layout with the user's constraints added (after any ``lcinvariant()``).

    Raises
    ------
    FMMSyntaxError
        Unknown names, nonlinear equations, conflicting constraints, a variance fixed
        at a value that is not positive or entering a general linear equation.
    """
    if constraints is None:
        return layout
    names = layout.names
    logs = layout.log_scale
    fixed: dict[int, float] = {}
    equal: list[tuple[int, int]] = []
    rows: list[tuple[dict[int, float], float]] = []
    text: list[str] = []
    for item in _items(constraints):
        for h in _hypotheses(item, names):
            coefs = h.as_dict()
            idx = list(coefs)
            text.append(h.text(names))
            if len(idx) == 1:
                i = idx[0]
                value = h.rhs / coefs[i]
                if logs[i]:
                    if value <= 0:
                        raise FMMSyntaxError(f"constraints=: {names[i]} is a variance and "
                                             "must be fixed at a positive value")
                    value = float(np.log(value))
                if i in fixed and not np.isclose(fixed[i], value, rtol=1e-12, atol=0.0):
                    raise FMMSyntaxError(f"constraints conflict: {names[i]} is fixed at two "
                                         "values")
                fixed[i] = value
            elif len(idx) == 2 and h.rhs == 0 and coefs[idx[0]] == -coefs[idx[1]]:
                if logs[idx[0]] != logs[idx[1]]:
                    raise FMMSyntaxError(f"constraints=: {names[idx[0]]} and {names[idx[1]]}"
                                         " cannot be set equal: one is a variance")
                equal.append((idx[0], idx[1]))
            else:
                if any(logs[i] for i in idx):
                    raise FMMSyntaxError(
                        "constraints=: variances are estimated on the log scale; they may "
                        "be fixed or set equal to each other, not enter a linear equation")
                rows.append((coefs, h.rhs))
    out = layout.with_constraints(fixed, equal, text)
    return out.with_linear(rows) if rows else out
