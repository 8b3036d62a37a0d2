"""Stata's display formats for variables: ``%9.0g``, ``%4.3f``, ``%10.2e``, ``%8.0gc``,
``%-18s``, and the default format of each storage type.

Values are shown as Stata shows them: a ``float`` variable's value is widened to double
first (``.06`` stored as a float is 0.0599999986..., which ``%9.0g`` shows as ``.06``);
missing values are ``.``.

Examples
--------
>>> parse_format("%4.3f").render(0.0)
'0.000'
>>> parse_format("%9.0g").render(0.0712183), parse_format("%8.0gc").render(4099.0)
('.0712183', '4,099')
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import pandas as pd

from ..display.format import fmt_g
from .errors import StataError

__all__ = ["DisplayFormat", "parse_format", "default_format"]

_FORMAT_RE = re.compile(r"%(-)?(\d+)(?:\.(\d+))?([gfe])(c)?|%(-)?(\d+)s")


@dataclass(frozen=True)
class DisplayFormat:
    """A parsed display format.

    Attributes
    ----------
    kind : str
        ``g``, ``f``, ``e`` (numbers) or ``s`` (strings).
    width : int
    decimals : int
    comma : bool
        Thousands separators (``c``).
    left : bool
        Left-aligned (``%-...``).

    Examples
    --------
    >>> str(DisplayFormat("f", 4, 3))
    '%4.3f'
    """

    kind: str
    width: int
    decimals: int = 0
    comma: bool = False
    left: bool = False

    def __str__(self) -> str:
        sign = "-" if self.left else ""
        if self.kind == "s":
            return f"%{sign}{self.width}s"
        return f"%{sign}{self.width}.{self.decimals}{self.kind}{'c' if self.comma else ''}"

    @property
    def numeric(self) -> bool:
        return self.kind != "s"

    def render(self, value: object) -> str:
        """The value as Stata shows it, without padding.

        Examples
        --------
        >>> parse_format("%9.0g").render(float("nan")), parse_format("%10.2e").render(1234.5)
        ('.', '1.23e+03')
        """
        if value is None or (pd.api.types.is_scalar(value) and pd.isna(value)):
            return "" if self.kind == "s" else "."
        if self.kind == "s":
            return str(value)
        x = float(value)  # type: ignore[arg-type]
        if math.isinf(x):
            return "."
        if self.kind == "g":
            text = fmt_g(x, self.width)
        elif self.kind == "f":
            text = f"{x:.{self.decimals}f}"
        else:
            text = f"{x:.{self.decimals}e}"
        if self.comma and "e" not in text:
            sign = "-" if text.startswith("-") else ""
            whole, dot, frac = text.lstrip("-").partition(".")
            if whole:
                whole = f"{int(whole):,}"
            text = sign + whole + dot + frac
        return text


def parse_format(text: str) -> DisplayFormat:
    """Parse a display format such as ``%4.3f``.

    Raises
    ------
    StataError
        ``r(120)`` for a format fmmpy does not know (date formats, ``%9.2g``).

    Examples
    --------
    >>> parse_format("%-18s")
    DisplayFormat(kind='s', width=18, decimals=0, comma=False, left=True)
    >>> parse_format("%td")
    Traceback (most recent call last):
    ...
    fmmpy.dofile.errors.StataError: invalid %format %td (fmmpy shows %#.#f, %#.#e, %#.0g, their c variants and %#s)
    """
    m = _FORMAT_RE.fullmatch(text.strip())
    if m is not None and m.group(7) is not None:
        return DisplayFormat("s", int(m.group(7)), left=bool(m.group(6)))
    if m is not None:
        left, width, decimals, kind, comma = m.groups()[:5]
        dec = int(decimals) if decimals is not None else 0
        # %w.dg with d > 0 counts digits in a way fmmpy does not reproduce: refuse it.
        if int(width) > 0 and (kind != "g" or dec == 0):
            return DisplayFormat(kind, int(width), dec, bool(comma), bool(left))
    raise StataError(f"invalid %format {text.strip()} (fmmpy shows %#.#f, %#.#e, %#.0g, "
                     "their c variants and %#s)", rc=120)


def default_format(column: pd.Series) -> DisplayFormat:
    """Stata's default format for a column's storage type: ``%9.0g`` for float,
    ``%10.0g`` for double, ``%8.0g`` for byte/int, ``%12.0g`` for long, ``%#s`` for
    strings (the longest value's width).

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> str(default_format(pd.Series([1.5], dtype=np.float32))), str(default_format(pd.Series(["ab"])))
    ('%9.0g', '%2s')
    """
    dtype = column.dtype
    if pd.api.types.is_bool_dtype(dtype):
        return DisplayFormat("g", 8)
    if pd.api.types.is_float_dtype(dtype):
        return DisplayFormat("g", 9 if getattr(dtype, "itemsize", 8) == 4 else 10)
    if pd.api.types.is_integer_dtype(dtype):
        return DisplayFormat("g", 8 if getattr(dtype, "itemsize", 8) <= 2 else 12)
    width = int(column.dropna().astype(str).str.len().max()) if column.notna().any() else 1
    return DisplayFormat("s", max(width, 1))
