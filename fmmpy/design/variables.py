"""Reading the caller's data: frames, variable names (wildcards and ranges), numeric
columns, ``in`` ranges.  Nothing here modifies the data.

Examples
--------
>>> expand_names("x*", ["y", "x1", "x2", "z"])
['x1', 'x2']
"""

from __future__ import annotations

import difflib
import fnmatch
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

import numpy as np
import pandas as pd

from ..errors import FMMDataError
from ..parse.options import VarRef
from ..parse.spec import EquationSpec, FMMSpec, InRange
from ..parse.terms import RHS, Factor, Term

__all__ = ["as_frame", "expand_names", "expand_rhs", "check_exists", "numeric_column",
           "model_variables", "option_refs", "in_mask", "range_mask"]

def as_frame(data: Any) -> pd.DataFrame:
    if isinstance(data, pd.DataFrame):
        return data
    if isinstance(data, Mapping):
        try:
            return pd.DataFrame(dict(data))
        except Exception as exc:
            raise FMMDataError(f"cannot turn data into a DataFrame: {exc}") from None
    raise FMMDataError(f"data must be a pandas DataFrame, not {type(data).__name__}")


def expand_names(pattern: str, columns: Sequence[str]) -> list[str]:
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


def expand_rhs(rhs: RHS, columns: Sequence[str], depvars: Sequence[str] = ()) -> RHS:
    if not any(f.is_pattern for t in rhs.terms for f in t.factors):
        return rhs
    terms: list[Term] = []
    for t in rhs.terms:
        options: list[list[Factor]] = [[]]
        for f in t.factors:
            if f.is_pattern and f.expr is None:
                names = [n for n in expand_names(f.var, columns) if n not in depvars]
                variants = [replace(f, var=n) for n in names]
            else:
                variants = [f]
            options = [o + [v] for o in options for v in variants]
        for o in options:
            term = Term(tuple(o))
            if term not in terms:
                terms.append(term)
    return replace(rhs, terms=tuple(terms))


def check_exists(names: Sequence[str], columns: Sequence[str]) -> None:
    for name in names:
        if name not in columns:
            close = difflib.get_close_matches(name, [str(c) for c in columns], n=3)
            hint = f"; did you mean {' or '.join(close)}?" if close else ""
            raise FMMDataError(f"variable {name} not found{hint}")


def numeric_column(frame: pd.DataFrame, name: str, role: str) -> np.ndarray:
    """The column as floats (NaN for missing), or :class:`FMMDataError` naming what it
    holds instead of real numbers.

    Examples
    --------
    >>> numeric_column(pd.DataFrame({"d": pd.to_datetime(["2020-01-01"])}), "d", "a weight")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: d: a date/time variable is not allowed as a weight; convert it to numbers first
    """
    col = frame[name]
    if pd.api.types.is_bool_dtype(col):
        return col.to_numpy(dtype=float)
    if pd.api.types.is_complex_dtype(col):
        raise FMMDataError(f"{name}: complex numbers are not allowed as {role}; "
                           "keep the real part (.real) or the modulus (abs())")
    if pd.api.types.is_datetime64_any_dtype(col) or pd.api.types.is_timedelta64_dtype(col):
        raise FMMDataError(f"{name}: a date/time variable is not allowed as {role}; convert "
                           "it to numbers first")
    if not pd.api.types.is_numeric_dtype(col):
        kind = "string" if col.dtype != object else "string (object dtype)"
        raise FMMDataError(f"{name}: {kind} variable not allowed as {role}; convert it to "
                           f"numbers (pd.to_numeric) or use i.{name} for a factor covariate")
    return pd.to_numeric(col).to_numpy(dtype=float, na_value=np.nan)


def model_variables(spec: FMMSpec, expanded: Mapping[EquationSpec, RHS], lcprob: Sequence[RHS],
                    extra: Sequence[RHS] = ()) -> tuple[list[str], list[str]]:
    """Variables that must be numeric and those used as factors (may be strings);
    ``extra`` holds further covariate lists (a family's other design matrices)."""
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
            for v in option_refs(value):
                if v not in numeric:
                    numeric.append(v)
    for rhs in (*lcprob, *extra):
        add_rhs(rhs)
    return numeric, factors


def option_refs(value: Any) -> list[str]:
    if isinstance(value, VarRef):
        return [value.name]
    if isinstance(value, tuple):
        out: list[str] = []
        for v in value:
            out.extend(option_refs(v))
        return out
    return []


def in_mask(n: int, spec: FMMSpec) -> np.ndarray:
    return range_mask(n, spec.in_range)


def range_mask(n: int, in_range: InRange | None) -> np.ndarray:
    """Rows selected by an ``in`` range (all rows for ``None``).

    Examples
    --------
    >>> from fmmpy.parse import InRange
    >>> range_mask(5, InRange(2, -1)).tolist()
    [False, True, True, True, True]
    """
    mask = np.ones(n, dtype=bool)
    if in_range is None:
        return mask
    first, last = in_range.first, in_range.last
    lo = first - 1 if first > 0 else n + first
    hi = last if last > 0 else n + last + 1
    if lo < 0 or hi > n or lo >= hi:
        raise FMMDataError(f"{in_range}: observation numbers out of range (the data "
                           f"have {n} observations)")
    mask[:] = False
    mask[lo:hi] = True
    return mask
