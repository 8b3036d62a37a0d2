"""Model matrices from RHS trees: formulaic text written by fmmpy (validated names,
``C()`` for factors, pre-computed columns for transforms and continuous products),
Stata column names, factor base levels, and the collinearity check.

Examples
--------
>>> import pandas as pd
>>> from fmmpy.parse.terms import parse_varlist
>>> df = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "g": [1, 2, 1, 2]})
>>> builder, X = build_matrix(parse_varlist("i.g c.x#c.x"), df, "example")
>>> builder.kept_names
('2.g', 'c.x#c.x', '_cons')
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FMMDataError
from ..expr_eval import evaluate
from ..linalg import constant_design
from ..parse.expr import Binary, Expr, Var
from ..parse.terms import RHS, Factor, Term

__all__ = ["MatrixBuilder", "build_matrix", "resolve_bases"]



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


def build_matrix(rhs: RHS, frame: pd.DataFrame, what: str) -> tuple[MatrixBuilder, np.ndarray]:
    """Materialize ``rhs`` on the estimation rows of ``frame``."""
    from formulaic import Formula, model_matrix

    text, derived, cont_labels = _formula_and_derived(rhs, frame)
    work = _work_frame(frame, rhs, derived)
    if len(frame) == 0:
        raise FMMDataError("no observations")
    # A constant only (or nothing): formulaic learns the same spec from one row, and the
    # n rows of 1 are a broadcast view (no n-row matrices built, copied and held).
    # Plain continuous variables: the spec from one row too, and the matrix straight
    # from the columns (formulaic's frame, its array and the reordered copy cost three
    # passes over the rows more).
    constant_only = not rhs.terms and not derived
    plain = bool(rhs.terms) and not derived and all(
        len(t.factors) == 1 and not t.factors[0].categorical and t.factors[0].expr is None
        for t in rhs.terms)
    try:
        mm = model_matrix(Formula(text, _ordering="none"),
                          work.iloc[:1] if constant_only or plain else work, context={},
                          na_action="raise")
        if plain and len(mm.columns) != len(rhs.terms) + rhs.constant:
            plain = False       # (terms formulaic merged: its own matrix, as before)
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
    if plain:       # the columns in the final order (covariates, then the constant),
        # column-major as the reordered copy below makes them
        matrix = np.empty((len(work), len(order)), order="F")
        for c, term in enumerate(rhs.terms):
            matrix[:, c] = work[term.factors[0].var].to_numpy(dtype=float)
        if cons_pos is not None:
            matrix[:, -1] = 1.0
        keep = _independent_columns(matrix, names)
        builder = MatrixBuilder(rhs, derived, spec, order_arr, tuple(names), keep)
        return builder, matrix if keep.size == len(names) else matrix[:, keep]
    keep = _independent_columns(matrix, names, columns=order_arr)
    builder = MatrixBuilder(rhs, derived, spec, order_arr, tuple(names), keep)
    if constant_only:
        n = len(frame)
        return builder, (constant_design(n) if keep.size == 1 else np.zeros((n, 0)))
    return builder, matrix[:, order_arr[keep]]     # (one copy: reordered and kept at once)


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


def _independent_columns(X: np.ndarray, names: Sequence[str], rtol: float = 1e-9,
                         columns: np.ndarray | None = None) -> np.ndarray:
    """Columns to keep: the constant first, then covariates in order, dropping any in
    the span of those already kept (Stata keeps the earlier variable).  The test is
    relative to each column's own norm, so rescaling a covariate (``x * 1e-10``) never
    makes it collinear.  ``columns`` (default: all, in order) are the columns of ``X``
    that ``names`` describe; the result indexes ``columns``."""
    col = np.arange(X.shape[1]) if columns is None else np.asarray(columns)
    p = col.shape[0]
    check = list(range(p))
    if "_cons" in names:
        c = list(names).index("_cons")
        check.remove(c)
        check.insert(0, c)
    clear = (_clearly_independent((X.T @ X)[np.ix_(col, col)], X.shape[0], check, rtol)
             if X.shape[0] > 1 and p <= 50 else None)
    if clear is not None:
        return np.array(sorted(clear), dtype=int)
    kept: list[int] = []
    # The orthonormal basis of the kept columns, one contiguous row per vector, filled in
    # place (not re-stacked per column), and one work vector: on a large sample, fresh
    # n-row temporaries per column cost more (first touches of new memory) than the
    # arithmetic.
    basis = np.empty((len(check), X.shape[0]))
    work = np.empty(X.shape[0])
    for j in check:
        resid = basis[len(kept)]
        resid[:] = X[:, col[j]]
        norm = np.linalg.norm(resid)
        if norm == 0:
            continue
        B = basis[:len(kept)]
        for _ in range(2):          # twice: Gram-Schmidt that stays orthogonal
            resid -= np.matmul(B @ resid, B, out=work)
        rnorm = np.linalg.norm(resid)
        if rnorm <= rtol * norm * np.sqrt(X.shape[0]):
            continue
        resid /= rnorm
        kept.append(j)
    return np.array(sorted(kept), dtype=int)


def _clearly_independent(G: np.ndarray, n: int, order: Sequence[int], rtol: float
                         ) -> list[int] | None:
    """The nonzero columns of ``X`` (in ``order``) when each is far from the span of
    the nonzero columns before it -- the common case, decided from the cross-product matrix
    ``G = X'X`` of the ``n`` rows (one product, no ``n``-row temporaries): each column's
    squared residual relative to its squared norm, which the exact test compares with
    ``rtol^2 n``, is above 1e-6 there.  The cross products square the condition
    number, so anything closer is left to the exact Gram-Schmidt test (``None``)."""
    d = np.sqrt(np.diag(G))
    if not np.all(np.isfinite(d)):
        return None
    bound = max(1e-6, 100.0 * (rtol * rtol * n))
    kept: list[int] = []
    for j in order:
        if d[j] == 0:
            continue
        if kept:
            C = G[np.ix_(kept, kept)] / np.outer(d[kept], d[kept])
            c = G[kept, j] / (d[kept] * d[j])
            try:
                ratio = 1.0 - float(c @ np.linalg.solve(C, c))
            except np.linalg.LinAlgError:
                return None
            if not ratio > bound:
                return None
        kept.append(j)
    return kept


# ---------------------------------------------------------------------------
# Designs

def resolve_bases(rhs: RHS, sample: pd.DataFrame) -> RHS:
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

