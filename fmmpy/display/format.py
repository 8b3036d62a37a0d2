"""Stata's numeric display formats.

``%w.0g``: the absolute value gets ``w - 1`` characters (one is kept for a sign);
it is shown in fixed notation with as many decimals as fit, or in exponential
notation (``1.71e-06``) when that shows more significant digits; trailing zeros
are dropped and so is the leading zero of numbers below one (``.0712183``).
Checked on every number of the seed's tables (``.6410696``, ``1.102908``,
``.0002011``, ``.0000223``, ``1.71e-06``, ``4.49e-07``) and its iteration log
(``-532.8249``, ``1410.992``).

Examples
--------
>>> fmt_g(0.64106962, 9), fmt_g(1.7138e-06, 9), fmt_g(2.23e-05, 9)
('.6410696', '1.71e-06', '.0000223')
>>> fmt_g(-532.82489673, 10), fmt_g(1410.99198, 10)
('-532.8249', '1410.992')
>>> fmt_f(354.2049, 8, 2), fmt_fc(1234567)
('  354.20', '1,234,567')
"""

from __future__ import annotations

import math

__all__ = ["fmt_g", "fmt_f", "fmt_fc", "abbrev"]


def _fixed(x: float, room: int) -> tuple[str, int] | None:
    """Fixed notation of |x| in at most ``room`` characters, with its number of
    significant digits; ``None`` when the integer part does not fit."""
    ax = abs(x)
    int_digits = len(str(int(ax))) if ax >= 1 else 0
    if int_digits > room:
        return None
    decimals = room - int_digits - 1 if int_digits > 0 else room - 1
    decimals = max(decimals, 0)
    for _ in range(3):
        text = f"{ax:.{decimals}f}"
        int_part = text.split(".")[0]
        needed = (len(int_part) if int_part != "0" else 0) + (1 + decimals if decimals else 0)
        if needed <= room:
            break
        decimals -= 1
        if decimals < 0:
            return None
    else:
        return None
    if text.startswith("0."):
        text = text[1:]
    digits = text.replace(".", "").lstrip("0")
    sig = len(digits)
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    if text in ("", "."):
        text = "0"
    return text, sig


def _expo(x: float, room: int) -> tuple[str, int]:
    ax = abs(x)
    exp = int(math.floor(math.log10(ax)))
    exp_len = 4 if abs(exp) < 100 else 5
    decimals = max(room - 2 - exp_len, 0)
    text = f"{ax:.{decimals}e}"
    mant, e = text.split("e")
    ev = int(e)
    sign = "-" if ev < 0 else "+"
    return f"{mant}e{sign}{abs(ev):02d}", decimals + 1


def fmt_g(x: float, width: int = 9) -> str:
    """Stata's ``%width.0g`` (without padding).

    Parameters
    ----------
    x : float
    width : int

    Returns
    -------
    str
        ``"."`` for a missing (NaN) value.

    Examples
    --------
    >>> fmt_g(0.0002011, 9), fmt_g(123456789.0, 9), fmt_g(0.0, 9)
    ('.0002011', '1.23e+08', '0')
    """
    if x is None or (isinstance(x, float) and math.isnan(x)):
        return "."
    if math.isinf(x):
        return "."
    if x == 0:
        return "0"
    room = width - 1
    fixed = _fixed(x, room)
    expo = _expo(x, room)
    if fixed is not None and fixed[1] >= expo[1]:
        text = fixed[0]
    else:
        text = expo[0]
    return ("-" if x < 0 else "") + text


def fmt_f(x: float, width: int, decimals: int) -> str:
    """Stata's ``%width.decimalsf``, right-aligned.

    Examples
    --------
    >>> fmt_f(0.0, 5, 3), fmt_f(float("nan"), 8, 2)
    ('0.000', '       .')
    """
    if x is None or (isinstance(x, float) and (math.isnan(x) or math.isinf(x))):
        return ".".rjust(width)
    return f"{x:{width}.{decimals}f}"


def fmt_fc(x: float) -> str:
    """An integer with thousands separators, as Stata's ``%12.0fc`` shows counts.

    Examples
    --------
    >>> fmt_fc(485)
    '485'
    """
    return f"{int(round(x)):,}"


def abbrev(name: str, width: int) -> str:
    """Stata's ``abbrev()``: shorten a name to ``width`` characters with ``~``.

    Examples
    --------
    >>> abbrev("var(e.thickness)", 13)
    'var(e.thic~s)'
    >>> abbrev("thickness", 12)
    'thickness'
    """
    if len(name) <= width:
        return name
    if width < 5:
        return name[:width]
    return name[:width - 3] + "~" + name[-2:]
