"""From a spec and a DataFrame to arrays: the estimation sample and the design
matrices of every class and equation.

* One estimation sample for all equations: ``in``, then ``if`` (Stata's missing
  semantics), then listwise deletion of rows with a missing value in any variable
  the model uses, then zero weights.  ``nobs`` counts as Stata's ``Number of obs``.
* Covariates become model matrices through formulaic, but from formula text that
  fmmpy writes itself: validated variable names, ``C()`` for factor variables and
  pre-computed columns for transforms and continuous interactions.  The formulaic
  specs are kept so :meth:`Design.for_prediction` rebuilds the same columns.
* Collinear covariates are dropped with Stata's note.
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

import difflib
import fnmatch
import re
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

import numpy as np
import pandas as pd

from .errors import FMMCollinearityWarning, FMMDataError, FMMSyntaxError
from .expr_eval import evaluate, evaluate_condition
from .families.base import Block, Family, Outcome, block_sizes
from .parse.expr import Binary, Expr, Var
from .parse.options import VarRef
from .parse.spec import EquationSpec, FMMSettings, FMMSpec
from .parse.terms import RHS, Factor, Term
from .registry import build_family

__all__ = ["Design", "ClassDesign", "EquationDesign", "build_design"]


# ---------------------------------------------------------------------------
# Model matrices
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class MatrixBuilder:
    """Turns an RHS into a model matrix, and rebuilds the same columns on new data.

    Attributes
    ----------
    rhs : RHS
        With wildcards expanded and base levels resolved.
    derived : tuple of (name, Expr)
        Columns fmmpy computes before calling formulaic (transforms, products of
        continuous factors).
    model_spec : formulaic ModelSpec or None
        Kept from the estimation sample (levels of factors, etc.).
    order : ndarray
        Permutation of formulaic's columns into Stata's order (``_cons`` last).
    names : tuple of str
        Stata names of all columns in Stata's order (before dropping collinear ones).
    keep : ndarray
        Positions (in ``names``) of the columns kept after the collinearity check.
    """

    rhs: RHS
    derived: tuple[tuple[str, Expr], ...]
    model_spec: Any
    order: np.ndarray
    names: tuple[str, ...]
    keep: np.ndarray

    @property
    def kept_names(self) -> tuple[str, ...]:
        return tuple(self.names[i] for i in self.keep)

    @property
    def omitted(self) -> tuple[str, ...]:
        kept = set(self.keep.tolist())
        return tuple(n for i, n in enumerate(self.names) if i not in kept)

    def matrix(self, frame: pd.DataFrame) -> np.ndarray:
        """The kept columns evaluated on ``frame`` (rows already restricted)."""
        full = _formulaic_matrix(self.model_spec, self.rhs, self.derived, frame)
        return full[:, self.order][:, self.keep]


def _variable_name(name: str) -> str:
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise FMMDataError(f"'{name}' is not a valid variable name; rename the column "
                           "to letters, digits and underscores")
    return name


def _level_literal(level: Any) -> str:
    if isinstance(level, (bool, np.bool_)):
        return str(int(level))
    if isinstance(level, (int, np.integer)):
        return str(int(level))
    if isinstance(level, (float, np.floating)):
        return repr(float(level))
    text = str(level)
    if not re.fullmatch(r"[A-Za-z0-9_ .-]*", text):
        raise FMMDataError(f"base level {text!r} contains characters fmmpy cannot quote")
    return repr(text)


def _level_text(level: str) -> str:
    try:
        v = float(level)
    except ValueError:
        return level
    return str(int(v)) if v.is_integer() else level


def _base_literal(base: str, column: pd.Series) -> str:
    """The base level as a literal of the column's own type."""
    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        value = float(base)
        return str(int(value)) if value.is_integer() else repr(value)
    return _level_literal(base)


def _formula_and_derived(rhs: RHS, frame: pd.DataFrame
                         ) -> tuple[str, tuple[tuple[str, Expr], ...], list[list[str]]]:
    """formulaic text for ``rhs``, the derived columns it needs, and for every term the
    Stata labels of its continuous part (for naming columns)."""
    derived: list[tuple[str, Expr]] = []
    pieces: list[str] = []
    labels: list[list[str]] = []
    for term in rhs.terms:
        parts: list[str] = []
        cont = [f for f in term.factors if not f.categorical]
        for f in term.factors:
            if f.categorical:
                var = _variable_name(f.var)
                parts.append(f"C({var})" if f.base is None else
                             f"C({var}, contr.treatment(base={_base_literal(f.base, frame[var])}))")
        cont_label = ""
        if cont:
            inter = len(term.factors) > 1
            cont_label = "#".join(f.stata(inter) if f.expr is None else str(f.expr) for f in cont)
            if len(cont) == 1 and cont[0].expr is None:
                parts.append(_variable_name(cont[0].var))
            else:
                expr: Expr | None = None
                for f in cont:
                    e = f.expr if f.expr is not None else Var(_variable_name(f.var))
                    expr = e if expr is None else Binary("*", expr, e)
                name = f"_fmm_d{len(derived)}"
                derived.append((name, expr))
                parts.append(name)
        pieces.append(":".join(parts))
        labels.append([cont_label])
    body = " + ".join(pieces) if pieces else ""
    text = ("1" if rhs.constant else "0") + (" + " + body if body else "")
    return text, tuple(derived), labels


def _work_frame(frame: pd.DataFrame, rhs: RHS, derived: Sequence[tuple[str, Expr]]
                ) -> pd.DataFrame:
    cols: dict[str, Any] = {}
    for term in rhs.terms:
        for f in term.factors:
            if f.expr is None:
                cols[f.var] = frame[f.var].to_numpy() if not f.categorical else frame[f.var]
    work = pd.DataFrame(cols, index=frame.index)
    for name, expr in derived:
        work[name] = evaluate(expr, frame)
    return work


def _formulaic_matrix(model_spec: Any, rhs: RHS, derived: Sequence[tuple[str, Expr]],
                      frame: pd.DataFrame) -> np.ndarray:
    work = _work_frame(frame, rhs, derived)
    if len(work.columns) == 0:
        work = pd.DataFrame(index=frame.index)
    try:
        mm = model_spec.get_model_matrix(work, na_action="ignore")
    except Exception as exc:  # unseen factor levels and the like
        raise FMMDataError(f"cannot rebuild the covariates on the new data: {exc}") from None
    return np.asarray(mm, dtype=float)


def _build_matrix(rhs: RHS, frame: pd.DataFrame, what: str) -> tuple[MatrixBuilder, np.ndarray]:
    """Materialize ``rhs`` on the estimation rows of ``frame``."""
    from formulaic import Formula, model_matrix

    text, derived, cont_labels = _formula_and_derived(rhs, frame)
    work = _work_frame(frame, rhs, derived)
    if len(frame) == 0:
        raise FMMDataError("no observations")
    try:
        mm = model_matrix(Formula(text, _ordering="none"), work, context={},
                          na_action="raise")
    except Exception as exc:  # formulaic raises many types; translate for the user
        raise FMMDataError(f"cannot build the covariates of {what}: {exc}") from None
    matrix = np.asarray(mm, dtype=float)
    spec = mm.model_spec
    names: list[str] = []
    order: list[int] = []
    cons_pos: int | None = None
    col_index = {c: i for i, c in enumerate(mm.columns)}
    term_iter = iter(zip(rhs.terms, cont_labels))
    for structure in spec.structure:
        if str(structure.term) == "1":
            cons_pos = col_index[structure.columns[0]]
            continue
        term, labels = next(term_iter)
        for col in structure.columns:
            names.append(_stata_column_name(col, term, labels[0]))
            order.append(col_index[col])
    if cons_pos is not None:
        names.append("_cons")
        order.append(cons_pos)
    order_arr = np.array(order, dtype=int)
    ordered = matrix[:, order_arr]
    keep = _independent_columns(ordered, names)
    builder = MatrixBuilder(rhs, derived, spec, order_arr, tuple(names), keep)
    return builder, ordered[:, keep]


def _stata_column_name(col: str, term: Term, cont_label: str) -> str:
    cats = [f for f in term.factors if f.categorical]
    pieces = col.split(":")
    out: list[str] = []
    cat_i = 0
    for piece in pieces:
        if piece.startswith("C("):
            m = re.search(r"\[(?:T\.)?(.*)\]$", piece)
            level = _level_text(m.group(1)) if m else "?"
            out.append(f"{level}.{cats[cat_i].var}")
            cat_i += 1
    if cont_label:
        out.append(cont_label)
    return "#".join(out) if out else col


def _independent_columns(X: np.ndarray, names: Sequence[str], rtol: float = 1e-9) -> np.ndarray:
    """Columns to keep: the constant first, then covariates in order, dropping any in
    the span of those already kept (Stata keeps the earlier variable)."""
    p = X.shape[1]
    check = list(range(p))
    if "_cons" in names:
        c = list(names).index("_cons")
        check.remove(c)
        check.insert(0, c)
    kept: list[int] = []
    basis = np.zeros((X.shape[0], 0))
    for j in check:
        col = X[:, j]
        norm = np.linalg.norm(col)
        if norm == 0:
            continue
        resid = col - basis @ (basis.T @ col)
        resid = resid - basis @ (basis.T @ resid)
        rnorm = np.linalg.norm(resid)
        if rnorm <= rtol * max(norm, 1.0) * np.sqrt(X.shape[0]):
            continue
        basis = np.column_stack([basis, resid / rnorm])
        kept.append(j)
    return np.array(sorted(kept), dtype=int)


# ---------------------------------------------------------------------------
# Designs
# ---------------------------------------------------------------------------


@dataclass(frozen=True, eq=False)
class EquationDesign:
    """One equation of one class on the estimation sample.

    Attributes
    ----------
    spec : EquationSpec
    family : Family
        Configured for the data.
    blocks : tuple of Block
        The family's linear predictors.
    outcome : Outcome
    X : mapping of str to ndarray
        Design matrices by name (``"main"``).
    xnames : tuple of str
        Stata names of the ``main`` columns.
    offset : ndarray or None
        ``offset()`` or ``ln(exposure())``.
    builder : MatrixBuilder
    """

    spec: EquationSpec
    family: Family
    blocks: tuple[Block, ...]
    outcome: Outcome
    X: Mapping[str, np.ndarray]
    xnames: tuple[str, ...]
    offset: np.ndarray | None
    builder: MatrixBuilder

    @property
    def depvars(self) -> tuple[str, ...]:
        return self.spec.depvars

    @property
    def sizes(self) -> list[int]:
        """Number of parameters in each block."""
        return block_sizes(self.blocks, self.X)

    def block_terms(self, index: int) -> tuple[str, ...]:
        """Row labels of block ``index``."""
        b = self.blocks[index]
        return self.xnames if b.design == "main" else (b.term,)


@dataclass(frozen=True, eq=False)
class ClassDesign:
    """The equations of one latent class and its class-model covariates.

    ``Z`` is ``None`` for the base class.
    """

    equations: tuple[EquationDesign, ...]
    Z: np.ndarray | None
    znames: tuple[str, ...]
    zbuilder: MatrixBuilder | None


@dataclass(frozen=True, eq=False)
class Design:
    """Everything estimation needs, as arrays on the estimation sample.

    Attributes
    ----------
    spec, settings
        The parsed command and its options with defaults.
    classes : tuple of ClassDesign
        One per class (objects are shared between classes in the standard syntax).
    index : pandas Index
        Labels of the estimation rows in the caller's DataFrame.
    data_index : pandas Index
        All labels of the caller's DataFrame (predictions align to it).
    weights : ndarray
        Weight of every row (ones without weights).
    weight_kind : str or None
    nobs : int
        Stata's ``Number of obs`` (the sum of frequency weights when given).
    n_dropped : int
        Rows that passed ``if``/``in`` but were dropped for missing values.
    cluster : ndarray or None
        Cluster codes for ``vce(cluster)``.
    notes : tuple of str
        Stata-style notes (omitted covariates...).
    """

    spec: FMMSpec
    settings: FMMSettings
    classes: tuple[ClassDesign, ...]
    index: pd.Index
    data_index: pd.Index
    weights: np.ndarray
    weight_kind: str | None
    nobs: int
    n_dropped: int
    cluster: np.ndarray | None
    notes: tuple[str, ...] = ()
    base: int = 0
    prediction: bool = field(default=False)

    @property
    def k(self) -> int:
        return len(self.classes)

    @property
    def n(self) -> int:
        """Number of estimation rows."""
        return len(self.index)

    def for_prediction(self, data: pd.DataFrame) -> "Design":
        """The same model's matrices on new data (every row with complete covariates;
        the outcome may be missing).

        Examples
        --------
        >>> import fmmpy
        >>> from fmmpy.parse import parse_command
        >>> df = fmmpy.datasets.load("stamp")
        >>> d = build_design(parse_command("2: regress thickness"), df)
        >>> d.for_prediction(df.head(3)).n
        3
        """
        return _build(self.spec, data, reference=self)


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


def _as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame(dict(data))
        except Exception as exc:
            raise FMMDataError(f"cannot turn data into a DataFrame: {exc}") from None
    raise FMMDataError(f"data must be a pandas DataFrame, not {type(data).__name__}")


def _expand_names(pattern: str, columns: Sequence[str]) -> list[str]:
    if "-" in pattern:
        a, b = pattern.split("-")
        for name in (a, b):
            if name not in columns:
                raise FMMDataError(f"variable {name} not found (in range {pattern})")
        i, j = columns.index(a), columns.index(b)
        if i > j:
            raise FMMDataError(f"variable range {pattern} runs backwards in the data")
        return list(columns[i:j + 1])
    matches = [c for c in columns if fnmatch.fnmatchcase(str(c), pattern)]
    if not matches:
        raise FMMDataError(f"no variables match {pattern}")
    return matches


def _expand_rhs(rhs: RHS, columns: Sequence[str], depvars: Sequence[str] = ()) -> RHS:
    if not any(f.is_pattern for t in rhs.terms for f in t.factors):
        return rhs
    terms: list[Term] = []
    for t in rhs.terms:
        options: list[list[Factor]] = [[]]
        for f in t.factors:
            if f.is_pattern and f.expr is None:
                names = [n for n in _expand_names(f.var, columns) if n not in depvars]
                variants = [replace(f, var=n) for n in names]
            else:
                variants = [f]
            options = [o + [v] for o in options for v in variants]
        for o in options:
            term = Term(tuple(o))
            if term not in terms:
                terms.append(term)
    return replace(rhs, terms=tuple(terms))


def _check_exists(names: Sequence[str], columns: Sequence[str]) -> None:
    for name in names:
        if name not in columns:
            close = difflib.get_close_matches(name, [str(c) for c in columns], n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise FMMDataError(f"variable {name} not found{hint}")


def _numeric(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    col = frame[name]
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=float)
    if not pd.api.types.is_numeric_dtype(col):
        raise FMMDataError(f"{name}: string variable not allowed as {role}; "
                           "convert it to numbers (or use i.{name} for a factor covariate)"
                           .replace("{name}", name))
    return pd.to_numeric(col).to_numpy(dtype=float, na_value=np.nan)


def _continuous_vars(spec: FMMSpec, expanded: Mapping[EquationSpec, RHS], lcprob: Sequence[RHS]
                     ) -> tuple[list[str], list[str]]:
    """Variables that must be numeric and those used as factors (may be strings)."""
    numeric: list[str] = []
    factors: list[str] = []

    def add_rhs(rhs: RHS) -> None:
        for t in rhs.terms:
            for f in t.factors:
                target = factors if f.categorical else numeric
                for v in f.variables():
                    if v not in target:
                        target.append(v)

    for eq, rhs in expanded.items():
        for v in eq.depvars:
            if v not in numeric:
                numeric.append(v)
        add_rhs(rhs)
        for _, value in eq.options:
            for v in _refs(value):
                if v not in numeric:
                    numeric.append(v)
    for rhs in lcprob:
        add_rhs(rhs)
    return numeric, factors


def _refs(value: Any) -> list[str]:
    if isinstance(value, VarRef):
        return [value.name]
    if isinstance(value, tuple):
        out: list[str] = []
        for v in value:
            out.extend(_refs(v))
        return out
    return []


def _in_mask(n: int, spec: FMMSpec) -> np.ndarray:
    mask = np.ones(n, dtype=bool)
    if spec.in_range is None:
        return mask
    first, last = spec.in_range.first, spec.in_range.last
    lo = first - 1 if first > 0 else n + first
    hi = last if last > 0 else n + last + 1
    if lo < 0 or hi > n or lo >= hi:
        raise FMMDataError(f"{spec.in_range}: observation numbers out of range (the data "
                           f"have {n} observations)")
    mask[:] = False
    mask[lo:hi] = True
    return mask


def _build(spec: FMMSpec, data: Any, reference: Design | None) -> Design:
    frame = _as_frame(data)
    columns = [str(c) for c in frame.columns]
    if len(set(columns)) != len(columns):
        raise FMMDataError("the data have duplicate column names")
    settings = spec.settings
    predicting = reference is not None
    k = spec.nclasses
    comps = spec.class_components
    base = settings.lcbase - 1
    if not 0 <= base < k:
        raise FMMSyntaxError(f"lcbase({settings.lcbase}) out of range: the model has {k} classes")

    # Expand wildcards and collect variables.
    expanded: dict[EquationSpec, RHS] = {}
    for comp in comps:
        for eq in comp.equations:
            if eq not in expanded:
                expanded[eq] = _expand_rhs(eq.rhs, columns, eq.depvars)
    lcprob_rhs: list[RHS | None] = []
    for j, comp in enumerate(comps):
        rhs = comp.lcprob if spec.hybrid else settings.lcprob
        lcprob_rhs.append(None if (rhs is None or j == base) else _expand_rhs(rhs, columns))
    numeric, factors = _continuous_vars(spec, expanded, [r for r in lcprob_rhs if r is not None])
    other: list[str] = []
    if not predicting:
        if spec.weight is not None:
            other.append(spec.weight.var)
        if settings.vce[0] == "cluster":
            other.append(settings.vce[1].name)
        if spec.if_expr is not None:
            other.extend(sorted(spec.if_expr.variables()))
    option_vars = [v for v in spec.variables() if not any(ch in v for ch in "*?-")]
    _check_exists(numeric + factors + other + option_vars, columns)
    depvar_set = {v for eq in expanded for v in eq.depvars}

    n_all = len(frame)
    # Sample: in, if, listwise deletion.
    if predicting:
        touse = np.ones(n_all, dtype=bool)
    else:
        touse = _in_mask(n_all, spec)
        if spec.if_expr is not None:
            touse &= evaluate_condition(spec.if_expr, frame)
    passed_ifin = int(touse.sum())
    num_values: dict[str, np.ndarray] = {}
    for v in numeric:
        role = "a dependent variable" if v in depvar_set else "a continuous covariate"
        arr = _numeric(frame, v, role)
        if np.any(np.isinf(arr[touse])):
            raise FMMDataError(f"{v} contains infinite values; replace them with missing (NaN) "
                               "to drop those observations")
        num_values[v] = arr
        if predicting and v in depvar_set:
            continue
        touse &= ~np.isnan(arr)
    for v in factors:
        touse &= ~frame[v].isna().to_numpy()
    # Derived columns (transforms) must be non-missing too.
    for eq, rhs in expanded.items():
        for t in rhs.terms:
            for f in t.factors:
                if f.expr is not None:
                    vals = evaluate(f.expr, frame)
                    if vals.dtype == object:
                        raise FMMDataError(f"{f.expr}: string expressions are not covariates")
                    touse &= ~np.isnan(vals)

    weights = np.ones(n_all)
    weight_kind = None
    cluster = None
    if not predicting:
        if spec.weight is not None:
            weight_kind = spec.weight.kind
            wv = _numeric(frame, spec.weight.var, "a weight")
            touse &= ~np.isnan(wv)
            if np.any(wv[touse] < 0):
                raise FMMDataError(f"negative weights encountered in {spec.weight.var}")
            if weight_kind == "fweight" and np.any(wv[touse] != np.floor(wv[touse])):
                raise FMMDataError(f"may not use noninteger frequency weights "
                                   f"({spec.weight.var})")
            touse &= wv != 0
            weights = wv
        if settings.vce[0] == "cluster":
            cname = settings.vce[1].name
            touse &= ~frame[cname].isna().to_numpy()
    n_dropped = passed_ifin - int(touse.sum())
    rows = np.flatnonzero(touse)
    if rows.size == 0:
        raise FMMDataError("no observations: every row is excluded by if/in or has a "
                           "missing value in a variable of the model")
    sample = frame.iloc[rows]
    if not predicting and settings.vce[0] == "cluster":
        cluster = pd.factorize(sample[settings.vce[1].name])[0]

    notes: list[str] = []
    eq_designs: dict[EquationSpec, EquationDesign] = {}
    ref_eqs: dict[EquationSpec, EquationDesign] = {}
    if predicting:
        for cd in reference.classes:
            for ed in cd.equations:
                ref_eqs[ed.spec] = ed
    for eq, rhs in expanded.items():
        if predicting:
            eq_designs[eq] = _rebuild_equation(ref_eqs[eq], sample, num_values, rows)
        else:
            eq_designs[eq] = _equation_design(eq, rhs, sample, num_values, rows, notes)

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
                z_cache[rhs] = (np.ones((rows.size, 1)), ("_cons",), None)
            elif predicting:
                zb = reference.classes[j].zbuilder
                z_cache[rhs] = (zb.matrix(sample), zb.kept_names, zb)
            else:
                zb, Z = _build_matrix(replace(rhs, constant=True), sample, "lcprob()")
                _note_omitted(zb, notes)
                z_cache[rhs] = (Z, zb.kept_names, zb)
        Z, znames, zb = z_cache[rhs]
        classes.append(ClassDesign(eqs, Z, znames, zb))

    w = weights[rows]
    nobs = int(round(w.sum())) if weight_kind == "fweight" else int(rows.size)
    return Design(spec=spec, settings=settings, classes=tuple(classes), index=sample.index,
                  data_index=frame.index, weights=w if weight_kind else np.ones(rows.size),
                  weight_kind=weight_kind, nobs=nobs, n_dropped=n_dropped, cluster=cluster,
                  notes=tuple(notes), base=base, prediction=predicting)


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


def _outcome(eq: EquationSpec, num_values: Mapping[str, np.ndarray], rows: np.ndarray) -> Outcome:
    ys = [num_values[v][rows] for v in eq.depvars]
    y = ys[0] if len(ys) == 1 else np.column_stack(ys)
    extras: dict[str, np.ndarray] = {}
    for name, value in eq.options:
        if isinstance(value, VarRef) and name not in ("exposure", "offset"):
            extras[name] = num_values[value.name][rows]
        elif isinstance(value, float) and name in ("ll", "ul"):
            extras[name] = np.full(rows.size, value)
    return Outcome(y, extras)


def _equation_design(eq: EquationSpec, rhs: RHS, sample: pd.DataFrame,
                     num_values: Mapping[str, np.ndarray], rows: np.ndarray,
                     notes: list[str]) -> EquationDesign:
    rhs = _resolve_bases(rhs, sample)
    family = build_family(eq)
    outcome = _outcome(eq, num_values, rows)
    family.check_y(outcome, eq.depvars)
    family = family.configure(outcome)
    builder, X = _build_matrix(rhs, sample, f"{eq.model} {' '.join(eq.depvars)}")
    _note_omitted(builder, notes)
    return EquationDesign(eq, family, family.blocks(eq.depvars), outcome, {"main": X},
                          builder.kept_names, _offset(eq, num_values, rows), builder)


def _rebuild_equation(ref: EquationDesign, sample: pd.DataFrame,
                      num_values: Mapping[str, np.ndarray], rows: np.ndarray) -> EquationDesign:
    outcome = _outcome(ref.spec, num_values, rows)
    X = ref.builder.matrix(sample)
    return replace(ref, outcome=outcome, X={"main": X},
                   offset=_offset(ref.spec, num_values, rows))


def _resolve_bases(rhs: RHS, sample: pd.DataFrame) -> RHS:
    """Turn ``ib(first|last|freq)`` into explicit levels, and check numeric bases exist."""
    terms: list[Term] = []
    changed = False
    for t in rhs.terms:
        factors: list[Factor] = []
        for f in t.factors:
            if f.categorical and f.base is not None:
                col = sample[f.var]
                levels = sorted(col.dropna().unique().tolist())
                if f.base in ("first", "last", "freq"):
                    if f.base == "first":
                        value = levels[0]
                    elif f.base == "last":
                        value = levels[-1]
                    else:
                        value = col.value_counts().idxmax()
                    f = replace(f, base=str(value))
                    changed = True
                base_val = _match_level(f.base, levels)
                if base_val is None:
                    raise FMMDataError(f"ib{f.base}.{f.var}: {f.var} has no level {f.base}")
            factors.append(f)
        terms.append(Term(tuple(factors)))
    return replace(rhs, terms=tuple(terms)) if changed else rhs


def _match_level(base: str, levels: Sequence[Any]) -> Any:
    for lv in levels:
        if str(lv) == base:
            return lv
        try:
            if float(lv) == float(base):
                return lv
        except (TypeError, ValueError):
            continue
    return None
