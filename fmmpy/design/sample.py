"""Sample rules for grouped and multi-equation models.

Without ``group()`` and with one equation per class, fmm's rule holds: one sample
for the whole model, the rows with no missing value in any variable the model uses
(listwise deletion).  With ``group(varname)`` or several equations per class the
rule is gsem's *equationwise* deletion:

* the group, class-model (``lcprob()``), weight and cluster variables must be
  complete on every row used;
* each dependent variable's equations use the rows where their own variables are
  non-missing (a speed equation skips the laps without a speed, a status equation
  on the same laps still uses them);
* a row enters the sample when at least one equation can use it; ``Number of obs``
  counts those rows.

The fmm option ``listwise`` restores the single listwise sample (gsem's
``listwise`` option).  Units (the rows that share one latent class) are the groups
of ``group()``, or the rows themselves.

Examples
--------
>>> import pandas as pd
>>> codes, first = unit_codes(pd.Series(["b", "a", "b", "c"]))
>>> codes.tolist(), first.tolist()
([0, 1, 0, 2], [0, 1, 3])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..errors import FMMDataError, FMMSyntaxError
from ..expr_eval import evaluate
from ..families.base import Family
from ..parse.spec import ComponentSpec, EquationSpec
from ..parse.terms import RHS
from .variables import option_refs

__all__ = ["rhs_columns", "equation_columns", "outcome_keys", "unit_codes", "per_unit",
           "nullable_variables", "derived_complete", "complete_rows", "usable_rows"]


def rhs_columns(rhs: RHS) -> tuple[list[str], list[str]]:
    """The continuous and the factor variables of a covariate list.

    Examples
    --------
    >>> from fmmpy.parse.terms import parse_varlist
    >>> rhs_columns(parse_varlist("x i.g c.x#c.z"))
    (['x', 'z'], ['g'])
    """
    numeric: list[str] = []
    factors: list[str] = []
    for t in rhs.terms:
        for f in t.factors:
            target = factors if f.categorical else numeric
            target.extend(v for v in f.variables() if v not in target)
    return numeric, factors


def equation_columns(eq: EquationSpec, family: Family, designs: Mapping[str, RHS],
                     outcomes: bool = True) -> tuple[list[str], list[str], list[str]]:
    """What one equation reads: its outcomes (depvars and the family's extra columns;
    left out with ``outcomes=False``), its other numeric variables (covariates, option
    variables) and its factor covariates.

    Examples
    --------
    >>> from fmmpy.parse import parse_command
    >>> from fmmpy.registry import build_family
    >>> eq = parse_command("2: regress y x i.g").components[0].equations[0]
    >>> equation_columns(eq, build_family(eq), {"main": eq.rhs})
    (['y'], ['x'], ['g'])
    """
    outcome: list[str] = []
    if outcomes:
        outcome.extend(eq.depvars)
        outcome.extend(v for v in family.extra_variables() if v not in outcome)
    numeric: list[str] = []
    for _, value in eq.options:
        numeric.extend(v for v in option_refs(value) if v not in numeric)
    factors: list[str] = []
    for rhs in designs.values():
        num, fac = rhs_columns(rhs)
        numeric.extend(v for v in num if v not in numeric)
        factors.extend(v for v in fac if v not in factors)
    numeric = [v for v in numeric if v not in outcome and v not in eq.depvars]
    return outcome, numeric, factors


def outcome_keys(components: Sequence[ComponentSpec]) -> dict[tuple[str, ...], list[EquationSpec]]:
    """The equations of the model by dependent variables.  With equationwise samples
    every class must model the same dependent variables, each once: the classes are
    distributions of the same data.

    Raises
    ------
    FMMSyntaxError
        When a class models a dependent variable twice, or the classes model different
        ones.

    Examples
    --------
    >>> from fmmpy.parse import parse_command
    >>> spec = parse_command("2: regress y x ; regress z x")
    >>> list(outcome_keys(spec.class_components))
    [('y',), ('z',)]
    """
    keys: dict[tuple[str, ...], list[EquationSpec]] = {}
    first: set[tuple[str, ...]] | None = None
    for j, comp in enumerate(components):
        own = [eq.depvars for eq in comp.equations]
        if len(set(own)) != len(own):
            raise FMMSyntaxError(f"class {j + 1} has two equations for "
                                 f"{' '.join(next(d for d in own if own.count(d) > 1))}; "
                                 "each dependent variable may have one equation per class")
        if first is None:
            first = set(own)
        elif set(own) != first:
            raise FMMSyntaxError("with group() or several equations per class, every class "
                                 "must model the same dependent variables")
        for eq in comp.equations:
            members = keys.setdefault(eq.depvars, [])
            if eq not in members:
                members.append(eq)
    return keys


def unit_codes(values: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """0-based unit of every row (in order of first appearance) and the position of
    each unit's first row."""
    codes = pd.factorize(values, sort=False)[0].astype(np.intp)
    first = np.full(int(codes.max()) + 1 if codes.size else 0, -1, dtype=np.intp)
    first[codes[::-1]] = np.arange(codes.size - 1, -1, -1)
    return codes, first


def per_unit(values: np.ndarray, unit: np.ndarray, first: np.ndarray, what: str,
             group: str, labels: pd.Series, names: Sequence[str] | None = None) -> np.ndarray:
    """The value of every unit (its first row's), checking that ``values`` (rows, or
    rows by columns) are constant within each unit.

    Raises
    ------
    FMMDataError
        Naming the variable (column ``names``) and a group where it varies.

    Examples
    --------
    >>> import pandas as pd
    >>> codes, first = unit_codes(pd.Series([1, 1, 2]))
    >>> per_unit(np.array([5.0, 5.0, 7.0]), codes, first, "weights", "id",
    ...          pd.Series([1, 1, 2])).tolist()
    [5.0, 7.0]
    >>> per_unit(np.array([5.0, 6.0, 7.0]), codes, first, "weights", "id", pd.Series([1, 1, 2]))
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: weights must be constant within group(id); they vary within id 1
    """
    at_unit = values[first]
    same = (values == at_unit[unit]) | (np.isnan(values) & np.isnan(at_unit[unit]))
    if not same.all():
        bad = np.argwhere(~same)[0]
        label = labels.iloc[int(bad[0])]
        item = what if names is None else f"{what} {names[int(bad[1])]}"
        verb = "they vary" if names is None else "it varies"
        raise FMMDataError(f"{item} must be constant within group({group}); {verb} within "
                           f"{group} {label}")
    return at_unit


def nullable_variables(families: Mapping[EquationSpec, Family],
                       designs: Mapping[EquationSpec, Mapping[str, RHS]],
                       other: set[str]) -> set[str]:
    """Variables whose missing values every family using them interprets itself
    (and that nothing in ``other`` or any covariate list needs)."""
    offered: set[str] = set()
    strict = set(other)
    for eq, fam in families.items():
        own = set(fam.nullable_variables())
        offered |= own
        strict |= (set(eq.variables()) | set(fam.extra_variables())) - own
        for rhs in designs[eq].values():          # covariates must always be complete
            strict |= set(rhs.variables())
    return offered - strict


def derived_complete(rhs_lists: Sequence[RHS], frame: pd.DataFrame) -> np.ndarray:
    """Rows where every transformed covariate (``log(x)``, ...) of the lists is
    non-missing.

    Raises
    ------
    FMMDataError
        When a transform gives strings.
    """
    ok = np.ones(len(frame), dtype=bool)
    for rhs in rhs_lists:
        for t in rhs.terms:
            for f in t.factors:
                if f.expr is not None:
                    vals = evaluate(f.expr, frame)
                    if vals.dtype == object:
                        raise FMMDataError(f"{f.expr}: string expressions are not covariates")
                    ok &= ~np.isnan(vals)
    return ok


def complete_rows(frame: pd.DataFrame, num_values: Mapping[str, np.ndarray],
                  numeric: Sequence[str], others: Sequence[str]) -> np.ndarray:
    """Rows with no missing value in ``numeric`` (read already) and ``others``."""
    ok = np.ones(len(frame), dtype=bool)
    for v in numeric:
        ok &= ~np.isnan(num_values[v])
    for v in others:
        ok &= ~frame[v].isna().to_numpy()
    return ok


def usable_rows(eqs: Sequence[EquationSpec], families: Mapping[EquationSpec, Family],
                designs: Mapping[EquationSpec, Mapping[str, RHS]], frame: pd.DataFrame,
                num_values: Mapping[str, np.ndarray], other: set[str], predicting: bool,
                outcomes: bool) -> np.ndarray:
    """Rows the equations ``eqs`` can use: their variables complete (except those the
    families interpret when missing, and the outcomes when predicting), the families'
    own sample rules, transformed covariates defined."""
    fams = {eq: families[eq] for eq in eqs}
    nullable = nullable_variables(fams, designs, other)
    numeric: list[str] = []
    factors: list[str] = []
    for eq in eqs:
        out, num, fac = equation_columns(eq, families[eq], designs[eq],
                                         outcomes=not predicting or outcomes)
        numeric.extend(v for v in out + num if v not in numeric and v not in nullable)
        factors.extend(v for v in fac if v not in factors)
    ok = complete_rows(frame, num_values, numeric, factors)
    if not predicting:
        for fam in fams.values():
            usable = fam.sample_mask(num_values)
            if usable is not None:
                ok &= usable
    return ok & derived_complete([r for eq in eqs for r in designs[eq].values()], frame)
