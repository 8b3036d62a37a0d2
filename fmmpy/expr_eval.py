"""Evaluate parsed Stata expressions on a DataFrame with Stata's semantics.

Missing values (NaN) are larger than every number in comparisons (``x > 5`` is
true for missing ``x``, ``x == .`` is true only for missing); arithmetic with a
missing value is missing; in a logical context any non-zero value, including
missing, is true; ``ln`` of a non-positive number is missing.

Examples
--------
>>> import pandas as pd
>>> from fmmpy.parse.expr import parse_expression
>>> df = pd.DataFrame({"x": [1.0, None, 3.0]})
>>> evaluate(parse_expression("x > 2"), df).tolist()
[0.0, 1.0, 1.0]
>>> evaluate(parse_expression("!missing(x) & x > 2"), df).tolist()
[0.0, 0.0, 1.0]
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from scipy import special, stats

from .errors import FMMDataError
from .parse.expr import Binary, Call, Expr, Missing, Num, Str, Unary, Var

__all__ = ["evaluate", "evaluate_condition"]


def evaluate(expr: Expr, data: pd.DataFrame, rng: np.random.Generator | None = None) -> np.ndarray:
    """Evaluate ``expr`` row by row over ``data``.

    Parameters
    ----------
    expr : Expr
        A parsed expression.
    data : DataFrame
        Variables are looked up by column name.
    rng : numpy Generator, optional
        Used by ``runiform()``/``rnormal()``.

    Returns
    -------
    ndarray
        Floats (NaN for missing) or, for string expressions, an object array.

    Raises
    ------
    FMMDataError
        For unknown variables or operations on the wrong type.

    Examples
    --------
    >>> import pandas as pd
    >>> from fmmpy.parse.expr import parse_expression
    >>> evaluate(parse_expression("inrange(a, 2, 3) | a == 10"), pd.DataFrame({"a": [1, 2, 10]})).tolist()
    [0.0, 1.0, 1.0]
    """
    return _Evaluator(data, rng or np.random.default_rng()).value(expr)


def evaluate_condition(expr: Expr, data: pd.DataFrame) -> np.ndarray:
    """Evaluate an ``if`` condition: a boolean array, true where the value is non-zero
    (missing counts as true, as in Stata).

    Examples
    --------
    >>> import pandas as pd
    >>> from fmmpy.parse.expr import parse_expression
    >>> evaluate_condition(parse_expression("a"), pd.DataFrame({"a": [0, 1, None]})).tolist()
    [False, True, True]
    """
    value = evaluate(expr, data)
    if value.dtype == object:
        raise FMMDataError("type mismatch: an if condition must be numeric, not a string")
    return np.asarray(value != 0)


def _is_str(a: np.ndarray) -> bool:
    return a.dtype == object


class _Evaluator:
    def __init__(self, data: pd.DataFrame, rng: np.random.Generator):
        self.data = data
        self.n = len(data)
        self.rng = rng

    def full(self, value: float) -> np.ndarray:
        return np.full(self.n, value, dtype=float)

    def value(self, e: Expr) -> np.ndarray:
        if isinstance(e, Num):
            return self.full(e.value)
        if isinstance(e, Missing):
            return self.full(np.nan)
        if isinstance(e, Str):
            return np.full(self.n, e.value, dtype=object)
        if isinstance(e, Var):
            return self.var(e.name)
        if isinstance(e, Unary):
            v = self.value(e.operand)
            if _is_str(v):
                raise FMMDataError(f"type mismatch: cannot apply '{e.op}' to a string")
            if e.op == "-":
                return -v
            return (v == 0).astype(float)
        if isinstance(e, Binary):
            return self.binary(e)
        if isinstance(e, Call):
            return self.call(e)
        raise FMMDataError(f"cannot evaluate {e!r}")  # pragma: no cover

    def var(self, name: str) -> np.ndarray:
        if name == "_n":
            return np.arange(1, self.n + 1, dtype=float)
        if name == "_N":
            return self.full(float(self.n))
        if name not in self.data.columns:
            raise FMMDataError(f"variable {name} not found")
        col = self.data[name]
        if pd.api.types.is_bool_dtype(col):
            return col.to_numpy(dtype=float)
        if pd.api.types.is_numeric_dtype(col):
            return pd.to_numeric(col, errors="coerce").to_numpy(dtype=float, na_value=np.nan)
        values = col.astype(object).to_numpy()
        return np.array(["" if (v is None or (isinstance(v, float) and np.isnan(v))) else str(v)
                         for v in values], dtype=object)

    def binary(self, e: Binary) -> np.ndarray:
        a, b = self.value(e.left), self.value(e.right)
        op = e.op
        if _is_str(a) or _is_str(b):
            if not (_is_str(a) and _is_str(b)):
                raise FMMDataError(f"type mismatch: '{op}' between a string and a number")
            if op == "+":
                return np.array([x + y for x, y in zip(a, b)], dtype=object)
            if op in ("==", "!=", "<", "<=", ">", ">="):
                cmp = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                       ">": np.greater, ">=": np.greater_equal}[op]
                return cmp(a.astype(str), b.astype(str)).astype(float)
            raise FMMDataError(f"type mismatch: '{op}' cannot be applied to strings")
        if op in ("&", "|"):
            ta, tb = a != 0, b != 0  # NaN != 0 is True: missing is true
            return (ta & tb if op == "&" else ta | tb).astype(float)
        if op in ("==", "!=", "<", "<=", ">", ">="):
            # Stata: missing is larger than any number, and equal to itself.
            a2 = np.where(np.isnan(a), np.inf, a)
            b2 = np.where(np.isnan(b), np.inf, b)
            cmp = {"==": np.equal, "!=": np.not_equal, "<": np.less, "<=": np.less_equal,
                   ">": np.greater, ">=": np.greater_equal}[op]
            return cmp(a2, b2).astype(float)
        with np.errstate(all="ignore"):
            if op == "+":
                out = a + b
            elif op == "-":
                out = a - b
            elif op == "*":
                out = a * b
            elif op == "/":
                out = np.where(b == 0, np.nan, a / np.where(b == 0, 1.0, b))
            else:  # "^"
                out = np.power(a, b)
        return np.where(np.isfinite(out), out, np.nan)

    def call(self, e: Call) -> np.ndarray:
        f = e.func
        args = [self.value(a) for a in e.args]
        num = [a for a in args if not _is_str(a)]
        if f in ("missing", "mi"):
            out = np.zeros(self.n, dtype=bool)
            for a in args:
                out |= (a == "") if _is_str(a) else np.isnan(a)
            return out.astype(float)
        if f == "inlist":
            x, rest = args[0], args[1:]
            out = np.zeros(self.n, dtype=bool)
            for r in rest:
                out |= x == r
            return out.astype(float)
        if len(num) != len(args):
            raise FMMDataError(f"type mismatch: {f}() needs numeric arguments")
        with np.errstate(all="ignore"):
            out = self._numeric_call(f, num)
        return np.where(np.isfinite(out), out, np.nan)

    def _numeric_call(self, f: str, a: list[np.ndarray]) -> np.ndarray:
        if f == "inrange":
            x, lo, hi = a
            lo = np.where(np.isnan(lo), -np.inf, lo)
            hi = np.where(np.isnan(hi), np.inf, hi)
            return ((x >= lo) & (x <= hi) & ~np.isnan(x)).astype(float)
        if f in ("ln", "log"):
            return np.where(a[0] > 0, np.log(np.where(a[0] > 0, a[0], 1.0)), np.nan)
        if f == "log10":
            return np.where(a[0] > 0, np.log10(np.where(a[0] > 0, a[0], 1.0)), np.nan)
        if f == "sqrt":
            return np.where(a[0] >= 0, np.sqrt(np.abs(a[0])), np.nan)
        simple = {"exp": np.exp, "abs": np.abs, "floor": np.floor, "ceil": np.ceil,
                  "int": np.trunc, "sign": np.sign, "invlogit": special.expit,
                  "logit": special.logit, "normal": stats.norm.cdf, "lngamma": special.gammaln}
        if f in simple:
            return simple[f](a[0])
        if f == "round":
            unit = a[1] if len(a) > 1 else self.full(1.0)
            return np.floor(a[0] / unit + 0.5) * unit
        if f == "mod":
            return a[0] - a[1] * np.floor(a[0] / a[1])
        if f in ("min", "max"):
            stacked = np.vstack(a)
            return (np.nanmin if f == "min" else np.nanmax)(stacked, axis=0)
        if f == "cond":
            c = a[0]
            out = np.where(c != 0, a[1], a[2])
            if len(a) == 4:
                out = np.where(np.isnan(c), a[3], out)
            return out
        if f == "normalden":
            x = a[0]
            mu = a[1] if len(a) == 3 else self.full(0.0)
            sd = a[2] if len(a) == 3 else (a[1] if len(a) == 2 else self.full(1.0))
            return stats.norm.pdf(x, mu, sd)
        if f == "runiform":
            lo = a[0] if len(a) == 2 else self.full(0.0)
            hi = a[1] if len(a) == 2 else self.full(1.0)
            return lo + (hi - lo) * self.rng.random(self.n)
        if f == "rnormal":
            mu = a[0] if a else self.full(0.0)
            sd = a[1] if len(a) > 1 else self.full(1.0)
            return mu + sd * self.rng.standard_normal(self.n)
        raise FMMDataError(f"unknown function {f}()")  # pragma: no cover
