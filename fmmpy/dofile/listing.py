"""Stata's layouts for ``list`` and ``summarize``: pure functions from data to lines.

``list`` (table mode)::

         +-----------------------------------+
         | thickness     pr1     pr2     pr3 |
         |-----------------------------------|
      1. |       .06   0.000   0.000   1.000 |
         +-----------------------------------+

Columns are as wide as their widest shown value or (abbreviated) name and are
separated by three blanks; numbers and right-aligned strings align right; a rule is
drawn every ``separator`` rows.  ``summarize``::

        Variable |        Obs        Mean    Std. dev.       Min        Max
    -------------+---------------------------------------------------------
       thickness |        485    .0860247     .014964        .06       .131

Examples
--------
>>> import pandas as pd
>>> from fmmpy.dofile.formats import parse_format, DisplayFormat
>>> frame = pd.DataFrame({"thickness": [0.06], "pr1": [0.0]})
>>> fmts = {"thickness": DisplayFormat("g", 9), "pr1": parse_format("%4.3f")}
>>> print("\\n".join(list_lines(frame, [1], fmts, n_total=485, abbreviate=10)))
     +-------------------+
     | thickness     pr1 |
     |-------------------|
  1. |       .06   0.000 |
     +-------------------+
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from ..display.format import fmt_fc, fmt_g
from .formats import DisplayFormat

__all__ = ["abbreviate_name", "list_lines", "summarize_lines"]


def abbreviate_name(name: str, width: int) -> str:
    """Stata's abbreviation of a variable name: keep the start and the last character,
    ``~`` between.

    Examples
    --------
    >>> abbreviate_name("thickness", 8), abbreviate_name("time_rel_event", 12)
    ('thickn~s', 'time_rel_e~t')
    """
    if len(name) <= width or width < 3:
        return name
    return name[:width - 2] + "~" + name[-1]


def list_lines(frame: pd.DataFrame, obs: Sequence[int], formats: Mapping[str, DisplayFormat],
               n_total: int, abbreviate: int = 8, separator: int = 5) -> list[str]:
    """Lines of ``list`` for the rows of ``frame`` (observation numbers ``obs``).

    Parameters
    ----------
    frame : DataFrame
        The variables to list, in order, on the rows to list.
    obs : sequence of int
        Their 1-based observation numbers.
    formats : mapping
        Display format of each variable.
    n_total : int
        Number of observations in the data (sets the width of the numbers).
    abbreviate : int
        Width to which variable names are abbreviated in the header.
    separator : int
        Rows between rules (0 for none).

    Examples
    --------
    >>> import pandas as pd
    >>> from fmmpy.dofile.formats import DisplayFormat
    >>> list_lines(pd.DataFrame({"x": []}), [], {"x": DisplayFormat("g", 9)}, 0)
    []
    """
    if not len(frame):
        return []
    cells: list[tuple[str, list[str], int, bool]] = []
    for name in frame.columns:
        fmt = formats[name]
        values = [fmt.render(v) for v in frame[name].tolist()]
        head = abbreviate_name(str(name), abbreviate)
        width = max([len(head)] + [len(v) for v in values])
        cells.append((head, values, width, not fmt.left))

    def row(texts: Sequence[str]) -> str:
        return "   ".join(t.rjust(w) if right else t.ljust(w)
                          for t, (_, _, w, right) in zip(texts, cells))

    header = row([c[0] for c in cells])
    ow = max(3, len(str(n_total)))
    pad = " " * (ow + 2)
    dashes = "-" * (len(header) + 2)
    lines = [f"{pad}+{dashes}+", f"{pad}| {header} |", f"{pad}|{dashes}|"]
    for i, number in enumerate(obs):
        if separator and i and i % separator == 0:
            lines.append(f"{pad}|{dashes}|")
        lines.append(f"{str(number) + '.':>{ow + 1}} | {row([c[1][i] for c in cells])} |")
    lines.append(f"{pad}+{dashes}+")
    return lines


def summarize_lines(frame: pd.DataFrame) -> list[str]:
    """Lines of ``summarize`` for every column of ``frame`` (strings count 0 obs).

    Examples
    --------
    >>> import pandas as pd
    >>> print("\\n".join(summarize_lines(pd.DataFrame({"x": [1.0, 2.0, 4.0]}))))
        Variable |        Obs        Mean    Std. dev.       Min        Max
    -------------+---------------------------------------------------------
               x |          3    2.333333    1.527525          1          4
    """
    rule = "-" * 13 + "+" + "-" * 57
    lines = [f"{'Variable':>12} |{'Obs':>11}{'Mean':>12}{'Std. dev.':>13}{'Min':>10}{'Max':>11}",
             rule]
    for i, name in enumerate(frame.columns):
        if i and i % 5 == 0:
            lines.append(rule)
        label = f"{abbreviate_name(str(name), 12):>12} |"
        col = frame[name]
        if not (pd.api.types.is_numeric_dtype(col) or pd.api.types.is_bool_dtype(col)):
            lines.append(f"{label}{'0':>11}")
            continue
        x = col.to_numpy(dtype=float, na_value=np.nan)
        x = x[~np.isnan(x)]
        n = x.size
        if n == 0:
            lines.append(f"{label}{'0':>11}")
            continue
        sd = float(np.std(x, ddof=1)) if n > 1 else float("nan")
        lines.append(f"{label}{fmt_fc(n):>11}{fmt_g(float(np.mean(x)), 9):>12}"
                     f"{fmt_g(sd, 9):>12}{fmt_g(float(x.min()), 9):>11}"
                     f"{fmt_g(float(x.max()), 9):>11}")
    return lines
