"""Building the estimation design (:mod:`fmmpy.design.types`): the sample and every
class's and equation's arrays.

* One estimation sample for all equations: ``in``, then ``if`` (Stata's missing
  semantics), then listwise deletion of rows with a missing value in any variable
  the model uses, then zero weights.  ``nobs`` counts as Stata's ``Number of obs``.
* Covariates become model matrices through :mod:`fmmpy.design.matrices`; the specs
  are kept so :meth:`Design.for_prediction` rebuilds the same columns.
* The caller's DataFrame is never modified.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> df = fmmpy.datasets.load("stamp")
>>> d = build_design(parse_command("3: regress thickness"), df)
>>> d.nobs, d.k, d.classes[0].equations[0].xnames
(485, 3, ('_cons',))
"""

from __future__ import annotations

import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FMMCollinearityWarning, FMMDataError, FMMSyntaxError
from ..expr_eval import evaluate_condition
from ..families.base import Family, Outcome
from ..parse.spec import EquationSpec, FMMSpec, VarRef
from ..parse.terms import RHS
from ..linalg import constant_design
from ..registry import build_family
from .matrices import MatrixBuilder, build_matrix, resolve_bases
from .sample import (complete_rows, outcome_keys, per_unit, rhs_columns, unit_codes,
                     usable_rows)
from .types import ClassDesign, Design, EquationDesign
from .variables import (as_frame, check_exists, expand_rhs, in_mask, model_variables,
                        numeric_column, option_refs)

__all__ = ["build_design", "rebuild_design"]

def build_design(spec: FMMSpec, data: Any) -> Design:
    """Build the estimation design.

    Parameters
    ----------
    spec : FMMSpec
        The parsed command.
    data : DataFrame
        The data; never modified.

    Returns
    -------
    Design

    Raises
    ------
    FMMDataError
        Unknown or string variables, bad weights, infinite values, no observations,
        outcomes outside a family's support.

    Examples
    --------
    >>> import fmmpy, pandas as pd
    >>> from fmmpy.parse import parse_command
    >>> build_design(parse_command("2: regress nosuchvar"), fmmpy.datasets.load("stamp"))
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: variable nosuchvar not found
    """
    return _build(spec, data, reference=None)


def rebuild_design(reference: Design, data: Any, outcomes: bool = False) -> Design:
    """``reference``'s model on new data (:meth:`Design.for_prediction`).

    Examples
    --------
    >>> import fmmpy
    >>> from fmmpy.parse import parse_command
    >>> df = fmmpy.datasets.load("stamp")
    >>> d = build_design(parse_command("2: regress thickness"), df)
    >>> rebuild_design(d, df.head(4)).n
    4
    """
    return _build(reference.spec, data, reference=reference, outcomes=outcomes)


def _build(spec: FMMSpec, data: Any, reference: Design | None, outcomes: bool = False
           ) -> Design:
    frame = as_frame(data)
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise FMMDataError("the data have duplicate column names")
    settings = spec.settings
    predicting = reference is not None
    if not predicting and spec.nclasses > len(frame):
        # Before one spec per class is made: an absurd k must not cost memory or time.
        raise FMMDataError(f"{spec.nclasses} classes cannot be estimated from {len(frame)} "
                           "observations")
    comps = spec.class_components
    base = _base_class(spec)
    group = None if settings.group is None else settings.group.name
    equationwise = not settings.listwise and (
        group is not None or any(len(c.equations) > 1 for c in comps))
    keys = outcome_keys(comps) if equationwise else {}
    if predicting and group is not None and group not in columns:
        group = None                    # units are the rows; posteriors will say so

    # Expand wildcards and collect variables.
    expanded: dict[EquationSpec, RHS] = {}
    for comp in comps:
        for eq in comp.equations:
            if eq not in expanded:
                expanded[eq] = expand_rhs(eq.rhs, columns, eq.depvars)
    lcprob_rhs: list[RHS | None] = []
    in_components = spec.hybrid and any(c.lcprob is not None for c in comps)
    for j, comp in enumerate(comps):
        rhs = comp.lcprob if in_components else settings.lcprob
        lcprob_rhs.append(None if (rhs is None or j == base) else expand_rhs(rhs, columns))
    families: dict[EquationSpec, Family] = {}
    designs: dict[EquationSpec, dict[str, RHS]] = {}
    for eq in expanded:
        families[eq] = build_family(eq) if reference is None else _reference_family(reference, eq)
        designs[eq] = {name: expand_rhs(r, columns, eq.depvars)
                       for name, r in families[eq].design_rhs(expanded[eq]).items()}
    numeric, factors = model_variables(
        spec, {eq: d["main"] for eq, d in designs.items()},
        [r for r in lcprob_rhs if r is not None],
        [r for d in designs.values() for name, r in d.items() if name != "main"])
    for eq in expanded:
        numeric.extend(v for v in families[eq].extra_variables() if v not in numeric)
    other: list[str] = [] if group is None else [group]
    if not predicting:
        if spec.weight is not None:
            other.append(spec.weight.var)
        if settings.vce[0] == "cluster":
            other.append(settings.vce[1].name)
        if spec.if_expr is not None:
            other.extend(sorted(spec.if_expr.variables()))
    gname = None if settings.group is None else settings.group.name
    option_vars = [v for v in spec.variables() if not any(ch in v for ch in "*?-")
                   and v != gname]
    check_exists(numeric + factors + other + option_vars, columns)
    depvar_set = {v for eq in expanded for v in eq.depvars}
    class_num, class_fac = [], []
    for r in lcprob_rhs:
        if r is not None:
            num, fac = rhs_columns(r)
            class_num.extend(num)
            class_fac.extend(fac)
    global_vars = set(other) | set(class_num) | set(class_fac)

    n_all = len(frame)
    if predicting:
        touse = np.ones(n_all, dtype=bool)
    else:
        touse = in_mask(n_all, spec)
        if spec.if_expr is not None:
            touse &= evaluate_condition(spec.if_expr, frame)
    passed_ifin = int(touse.sum())
    num_values: dict[str, np.ndarray] = {}
    for v in numeric:
        role = "a dependent variable" if v in depvar_set else "a continuous covariate"
        arr = numeric_column(frame, v, role)
        if np.any(np.isinf(arr[touse])):
            raise FMMDataError(f"{v} contains infinite values; replace them with missing (NaN) "
                               "to drop those observations")
        num_values[v] = arr
    key_masks: dict[tuple[str, ...], np.ndarray] = {}
    if equationwise:
        # The group, class-model, weight and cluster variables on every row; each
        # dependent variable's equations on the rows where their variables are complete.
        touse &= complete_rows(frame, num_values, class_num,
                               class_fac + ([group] if group else []))
        for key, eqs in keys.items():
            key_masks[key] = usable_rows(eqs, families, designs, frame, num_values,
                                          global_vars, predicting, outcomes)
        touse &= np.logical_or.reduce(list(key_masks.values()))
    else:
        touse &= usable_rows(list(expanded), families, designs, frame, num_values,
                              global_vars | set(factors), predicting, outcomes)
        touse &= complete_rows(frame, num_values, class_num,
                               factors + ([group] if group else []))

    weights = np.ones(n_all)
    weight_kind = None
    if not predicting:
        if spec.weight is not None:
            weight_kind = spec.weight.kind
            wv = numeric_column(frame, spec.weight.var, "a weight")
            touse &= ~np.isnan(wv)
            if np.any(np.isinf(wv[touse])):
                raise FMMDataError(f"{spec.weight.var} contains infinite weights; replace them "
                                   "with missing (NaN) to drop those observations")
            if np.any(wv[touse] < 0):
                raise FMMDataError(f"negative weights encountered in {spec.weight.var}")
            if weight_kind == "fweight" and np.any(wv[touse] != np.floor(wv[touse])):
                raise FMMDataError(f"may not use noninteger frequency weights "
                                   f"({spec.weight.var})")
            touse &= wv != 0
            weights = wv
        if settings.vce[0] == "cluster":
            touse &= ~frame[settings.vce[1].name].isna().to_numpy()
    n_dropped = passed_ifin - int(touse.sum())
    rows = np.flatnonzero(touse)
    if rows.size == 0:
        raise FMMDataError("no observations: every row is excluded by if/in or has a "
                           "missing value in a variable of the model")
    sample = frame.iloc[rows]
    if group is not None:
        unit, first = unit_codes(sample[group])
        labels = sample[group]
    else:
        unit, first, labels = None, np.arange(rows.size), None

    def to_units(values: np.ndarray, what: str, names: Sequence[str] | None = None
                 ) -> np.ndarray:
        if unit is None:
            return values
        return per_unit(values, unit, first, what, group, labels, names)

    notes: list[str] = []
    # Matrices built once per covariate list and sample (an lcprob() list that repeats
    # an equation's covariates, as a zero-inflated model's usually does); read-only.
    matrices: dict[tuple[RHS, int], tuple[MatrixBuilder, np.ndarray]] = {}
    eq_designs: dict[EquationSpec, EquationDesign] = {}
    ref_eqs: dict[EquationSpec, EquationDesign] = {}
    if predicting:
        for cd in reference.classes:
            for ed in cd.equations:
                ref_eqs[ed.spec] = ed
    for eq in expanded:
        pos = None if not equationwise else np.flatnonzero(key_masks[eq.depvars][rows])
        if pos is not None and pos.size == 0:
            raise FMMDataError(f"no observations for the equation {eq.model} "
                               f"{' '.join(eq.depvars)}: each of its rows has a missing value")
        eq_rows = rows if pos is None else rows[pos]
        eq_sample = sample if pos is None else sample.iloc[pos]
        if predicting:
            ed = _rebuild_equation(ref_eqs[eq], eq_sample, num_values, eq_rows)
        else:
            ed = _equation_design(eq, families[eq], designs[eq], eq_sample, num_values,
                                  eq_rows, notes, matrices)
        if pos is not None and pos.size == rows.size:
            pos = None
        eq_unit = (pos if unit is None else unit[pos]) if pos is not None else unit
        eq_designs[eq] = replace(ed, rows=pos, unit=eq_unit)

    if all(not ed.blocks for ed in eq_designs.values()):
        raise FMMSyntaxError("the model has no parameters to estimate; a point mass cannot "
                             "be used by itself: combine it with other models, as in "
                             "'fmm: (pointmass y) (poisson y x)'")
    classes: list[ClassDesign] = []
    z_cache: dict[RHS | None, tuple[np.ndarray, tuple[str, ...], MatrixBuilder | None]] = {}
    for j, comp in enumerate(comps):
        eqs = tuple(eq_designs[eq] for eq in comp.equations)
        if j == base:
            classes.append(ClassDesign(eqs, None, (), None))
            continue
        rhs = lcprob_rhs[j]
        if rhs not in z_cache:
            if rhs is None:
                z_cache[rhs] = (constant_design(first.size), ("_cons",), None)
            else:
                if predicting:
                    zb = reference.classes[j].zbuilder
                    Z = zb.matrix(sample)
                else:
                    zb, Z = _shared_matrix(matrices, replace(rhs, constant=True), sample,
                                           "lcprob()")
                    _note_omitted(zb, notes)
                z_cache[rhs] = (to_units(Z, "lcprob() covariate", zb.kept_names),
                                zb.kept_names, zb)
        Z, znames, zb = z_cache[rhs]
        classes.append(ClassDesign(eqs, Z, znames, zb))

    w = weights[rows]
    # Frequency and importance weights count as that many observations (Stata treats
    # iweights computationally as fweights that need not be integers).
    nobs = int(round(w.sum())) if weight_kind in ("fweight", "iweight") else int(rows.size)
    start_data = {} if predicting else {
        v.name: to_units(numeric_column(frame, v.name, "a startvalues() variable")[rows],
                         f"the startvalues() variable {v.name}")
        for v in settings.startvalues.args if isinstance(v, VarRef)}
    cluster = None
    if not predicting and settings.vce[0] == "cluster":
        cname = settings.vce[1].name
        codes = pd.factorize(sample[cname])[0].astype(float)
        cluster = to_units(codes, f"the cluster variable {cname}").astype(np.intp)
    unit_w = to_units(w, "weights") if weight_kind else np.ones(first.size)
    keep = None
    if not predicting and (group is not None or equationwise):
        wanted = [c for c in dict.fromkeys(numeric + factors + other + option_vars)
                  if c in columns]
        keep = sample[wanted].copy()
    return Design(spec=spec, settings=settings, classes=tuple(classes), index=sample.index,
                  data_index=frame.index, weights=unit_w, weight_kind=weight_kind, nobs=nobs,
                  n_dropped=n_dropped, cluster=cluster, notes=tuple(notes), base=base,
                  prediction=predicting, unit=unit, group=group, equationwise=equationwise,
                  sample=keep, start_data=start_data)


def _base_class(spec: FMMSpec) -> int:
    """The 0-based base class: ``lcbase(#)``; in the hybrid syntax without it, the first
    component without ``lcprob()`` (the first when all have it), as Stata chooses.

    Raises
    ------
    FMMSyntaxError
        ``lcbase()`` out of range, or ``lcprob()`` given both before the colon and in
        components.
    """
    k = spec.nclasses
    comps = spec.class_components
    in_components = spec.hybrid and any(c.lcprob is not None for c in comps)
    if in_components and spec.option("lcprob") is not None:
        raise FMMSyntaxError("lcprob() may not be specified before the colon when it is "
                             "specified inside components")
    lcbase = spec.option("lcbase")
    if lcbase is None:
        if in_components:
            return next((j for j, c in enumerate(comps) if c.lcprob is None), 0)
        return 0
    if not 1 <= lcbase <= k:
        raise FMMSyntaxError(f"lcbase({lcbase}) out of range: the model has {k} classes")
    return lcbase - 1


def _note_omitted(builder: MatrixBuilder, notes: list[str]) -> None:
    for name in builder.omitted:
        msg = f"note: {name} omitted because of collinearity."
        notes.append(msg)
        warnings.warn(msg, FMMCollinearityWarning, stacklevel=4)


def _offset(eq: EquationSpec, num_values: Mapping[str, np.ndarray], rows: np.ndarray
            ) -> np.ndarray | None:
    offset = None
    exposure = eq.option("exposure")
    if exposure is not None:
        e = num_values[exposure.name][rows]
        if np.any(e <= 0):
            raise FMMDataError(f"exposure variable {exposure.name} must be positive")
        offset = np.log(e)
    off = eq.option("offset")
    if off is not None:
        o = num_values[off.name][rows]
        offset = o if offset is None else offset + o
    return offset


def _extra_names(eq: EquationSpec, family: Family) -> list[str]:
    """Variables a family reads besides its depvars: option variables (not the
    offset/exposure, which become the offset) and the family's own extra columns."""
    names: list[str] = []
    for name, value in eq.options:
        if name not in ("exposure", "offset"):
            names.extend(v for v in option_refs(value) if v not in names)
    names.extend(v for v in family.extra_variables() if v not in names)
    return names


def _outcome(eq: EquationSpec, family: Family, num_values: Mapping[str, np.ndarray],
             rows: np.ndarray) -> Outcome:
    ys = [num_values[v][rows] for v in eq.depvars]
    if not ys:
        y = np.zeros(rows.size)
    else:
        y = ys[0] if len(ys) == 1 else np.column_stack(ys)
    extras = {v: num_values[v][rows] for v in _extra_names(eq, family)}
    return Outcome(y, extras)


def _reference_family(reference: Design, eq: EquationSpec) -> Family:
    for cd in reference.classes:
        for ed in cd.equations:
            if ed.spec == eq:
                return ed.family
    raise FMMDataError(f"equation {eq} not in the fitted model")  # pragma: no cover


def _shared_matrix(matrices: dict[tuple[RHS, int], tuple[MatrixBuilder, np.ndarray]],
                   rhs: RHS, sample: pd.DataFrame, what: str
                   ) -> tuple[MatrixBuilder, np.ndarray]:
    """:func:`build_matrix`, once per covariate list and sample frame of a design."""
    key = (rhs, id(sample))
    if key not in matrices:
        builder, X = build_matrix(rhs, sample, what)
        X.setflags(write=False)
        matrices[key] = (builder, X)
    return matrices[key]


def _equation_design(eq: EquationSpec, family: Family, designs: Mapping[str, RHS],
                     sample: pd.DataFrame, num_values: Mapping[str, np.ndarray], rows: np.ndarray,
                     notes: list[str],
                     matrices: dict[tuple[RHS, int], tuple[MatrixBuilder, np.ndarray]]
                     ) -> EquationDesign:
    outcome = _outcome(eq, family, num_values, rows)
    family.check_y(outcome, eq.depvars)
    family = family.configure(outcome)
    builders: dict[str, MatrixBuilder] = {}
    X: dict[str, np.ndarray] = {}
    for name, rhs in designs.items():
        builders[name], X[name] = _shared_matrix(matrices, resolve_bases(rhs, sample), sample,
                                                 f"{eq.model} {' '.join(eq.depvars)}")
        _note_omitted(builders[name], notes)
    main = builders.pop("main")
    return EquationDesign(eq, family, family.blocks(eq.depvars), outcome, X, main.kept_names,
                          _offset(eq, num_values, rows), main, builders)


def _rebuild_equation(ref: EquationDesign, sample: pd.DataFrame,
                      num_values: Mapping[str, np.ndarray], rows: np.ndarray) -> EquationDesign:
    outcome = _outcome(ref.spec, ref.family, num_values, rows)
    X = {"main": ref.builder.matrix(sample)}
    X.update({name: b.matrix(sample) for name, b in ref.extra_builders.items()})
    return replace(ref, outcome=outcome, X=X, offset=_offset(ref.spec, num_values, rows))
