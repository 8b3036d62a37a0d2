"""Pure text renderers of Stata's estimation tables.

Layout (78 columns): a 12-character label column, `` |``, then coefficient and
standard error in ``%9.0g``, ``z`` in ``%8.2f``, ``P>|z|`` in ``%5.3f`` and the
interval in ``%9.0g``::

    ------------------------------------------------------------------------------
                 | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]
    -------------+----------------------------------------------------------------
    2.Class      |
           _cons |   .6410696   .1625089     3.94   0.000     .3225581    .9595812

Examples
--------
>>> print(coef_row("_cons", 0.6410696, 0.1625089, 3.94, 0.0000813, 0.3225581, 0.9595812))
       _cons |   .6410696   .1625089     3.94   0.000     .3225581    .9595812
"""

from __future__ import annotations

import html
import math
from collections.abc import Sequence
from dataclasses import dataclass

from .format import abbrev, fmt_f, fmt_g

__all__ = [
    "WIDTH",
    "coef_row",
    "variance_row",
    "header_row",
    "base_row",
    "constrained_row",
    "rule",
    "table_head",
    "header_lines",
    "TableRow",
    "render_table",
    "render_html_table",
    "stata_level",
]

WIDTH = 78


def stata_level(level: float) -> str:
    """``95`` -> ``'95'``, ``99.5`` -> ``'99.5'``."""
    return f"{level:g}"


def rule(kind: str = "top", width: int = WIDTH) -> str:
    """A horizontal line: ``top`` (all dashes) or ``mid`` (with ``+`` at column 14)."""
    if kind == "top":
        return "-" * width
    return "-" * 13 + "+" + "-" * (width - 14)


def table_head(level: float, vce_title: str | None = None, coef_title: str = "Coefficient"
               ) -> list[str]:
    """The column headings of a coefficient table (``coef_title``: ``exp(b)`` for
    ``estat eform``)."""
    lvl = stata_level(level)
    ci = f"[{lvl}% conf. interval]"
    lines = [rule("top")]
    se = "Std. err."
    if vce_title:
        lines.append(f"{'':13}|{'':14}{vce_title:^9}".rstrip())
        se = "std. err."
    # "Coefficient" overhangs the numbers by one column; other titles end with them.
    title = " Coefficient" if coef_title == "Coefficient" else f"{coef_title:>11} "
    lines.append(f"{'':13}|{title}  {se}      z    P>|z|     {ci:>20}".rstrip())
    lines.append(rule("mid"))
    return lines


def _g(x: float) -> str:
    return fmt_g(x, 9)


def coef_row(label: str, coef: float, se: float, z: float, p: float, lo: float, hi: float
             ) -> str:
    """One coefficient row (label right-aligned in 12 columns)."""
    return (f"{abbrev(label, 12):>12} |{_g(coef):>11}{_g(se):>11}{fmt_f(z, 9, 2)}"
            f"{fmt_f(p, 8, 3)}{_g(lo):>13}{_g(hi):>12}")


def variance_row(label: str, value: float, se: float, lo: float, hi: float) -> str:
    """A variance-type row: no z and no p-value; the label fills 13 columns."""
    return f"{abbrev(label, 13):>13}|{_g(value):>11}{_g(se):>11}{'':17}{_g(lo):>13}{_g(hi):>12}"


def constrained_row(label: str, value: float, variance: bool = False) -> str:
    """A parameter fixed by a constraint: its value and ``(constrained)``.

    Examples
    --------
    >>> constrained_row("_cons", 0.0)
    '       _cons |          0  (constrained)'
    """
    head = f"{abbrev(label, 13):>13}|" if variance else f"{abbrev(label, 12):>12} |"
    return f"{head}{_g(value):>11}  (constrained)"


def header_row(label: str) -> str:
    """An equation header such as ``thickness    |``."""
    return f"{abbrev(label, 12):<12} |"


def base_row(label: str) -> str:
    """``1.Class      |  (base outcome)``."""
    return f"{abbrev(label, 12):<12} |  (base outcome)"


def header_lines(title: str, right: Sequence[tuple[str, str]],
                 left: Sequence[str] = ()) -> list[str]:
    """Stata's estimation header: the title on the left, ``key = value`` items
    right-aligned to column 78, further left-hand lines below.

    Examples
    --------
    >>> print("\\n".join(header_lines("Finite mixture model", [("Number of obs", "485")],
    ...                               ["Log likelihood = 1518.8484"])))
    Finite mixture model                                       Number of obs = 485
    Log likelihood = 1518.8484
    """
    lines: list[str] = []
    lefts = [title, *left]
    rights = [f"{k} = {v}" for k, v in right]
    width = max((len(r) for r in rights), default=0)
    for i in range(max(len(lefts), len(rights))):
        lt = lefts[i] if i < len(lefts) else ""
        rt = rights[i].rjust(width) if i < len(rights) else ""
        if rt:
            pad = max(WIDTH - len(lt) - len(rt), 1)
            lines.append(lt + " " * pad + rt)
        else:
            lines.append(lt)
    return lines


@dataclass(frozen=True)
class TableRow:
    """One row of a rendered table.

    ``kind`` is ``coef``, ``variance``, ``header`` (an equation name, left-aligned),
    ``group`` (a factor variable above its levels, right-aligned), ``base``, ``rule``,
    or ``constrained`` / ``constrained_variance`` (a parameter fixed by a constraint).
    """

    kind: str
    label: str = ""
    coef: float = math.nan
    se: float = math.nan
    z: float = math.nan
    p: float = math.nan
    lo: float = math.nan
    hi: float = math.nan


def render_table(rows: Sequence[TableRow], level: float, vce_title: str | None = None,
                 coef_title: str = "Coefficient") -> list[str]:
    """A full coefficient table from rows."""
    out = table_head(level, vce_title, coef_title)
    for r in rows:
        if r.kind == "rule":
            out.append(rule("mid"))
        elif r.kind == "header":
            out.append(header_row(r.label))
        elif r.kind == "group":
            out.append(f"{abbrev(r.label, 12):>12} |")
        elif r.kind == "base":
            out.append(base_row(r.label))
        elif r.kind == "variance":
            out.append(variance_row(r.label, r.coef, r.se, r.lo, r.hi))
        elif r.kind.startswith("constrained"):
            out.append(constrained_row(r.label, r.coef, r.kind == "constrained_variance"))
        else:
            out.append(coef_row(r.label, r.coef, r.se, r.z, r.p, r.lo, r.hi))
    out.append(rule("top"))
    return out


def render_html_table(rows: Sequence[TableRow], level: float, caption: str = "") -> str:
    """The same table as HTML (for Jupyter)."""
    lvl = stata_level(level)
    head = ("<tr><th></th><th>Coefficient</th><th>Std. err.</th><th>z</th><th>P&gt;|z|</th>"
            f"<th colspan='2'>[{lvl}% conf. interval]</th></tr>")
    body: list[str] = []
    for r in rows:
        if r.kind == "rule":
            continue
        label = html.escape(r.label)
        if r.kind in ("header", "group"):
            body.append(f"<tr><th style='text-align:left' colspan='7'>{label}</th></tr>")
        elif r.kind == "base":
            body.append(f"<tr><th style='text-align:left'>{label}</th>"
                        "<td colspan='6'>(base outcome)</td></tr>")
        elif r.kind.startswith("constrained"):
            body.append(f"<tr><th style='text-align:right'>{label}</th><td>{_g(r.coef)}</td>"
                        "<td colspan='5'>(constrained)</td></tr>")
        else:
            zs = "" if r.kind == "variance" else fmt_f(r.z, 0, 2).strip()
            ps = "" if r.kind == "variance" else fmt_f(r.p, 0, 3).strip()
            cells = [_g(r.coef), _g(r.se), zs, ps, _g(r.lo), _g(r.hi)]
            body.append(f"<tr><th style='text-align:right'>{label}</th>"
                        + "".join(f"<td>{c}</td>" for c in cells) + "</tr>")
    cap = f"<caption>{html.escape(caption)}</caption>" if caption else ""
    return f"<table>{cap}<thead>{head}</thead><tbody>{''.join(body)}</tbody></table>"

