"""The coefficient table as Markdown or LaTeX (via tabulate), with Stata's number
formats by default (``%9.0g`` for estimates, ``%.2f`` for z, ``%.3f`` for p-values)
or a fixed number of decimals.

Examples
--------
>>> import fmmpy
>>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
>>> print(to_markdown(res).splitlines()[2])
| 1       | Class      | (base outcome)   |               |             |        |           |              |             |
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from tabulate import tabulate

from .format import fmt_g
from .tables import stata_level

if TYPE_CHECKING:  # pragma: no cover
    from ..results import FMMResults

__all__ = ["coefficient_rows", "to_markdown", "to_latex"]

_ALIGN = ("left", "left", "left") + ("right",) * 6


def _number(value: float, digits: int | None) -> str:
    if value is None or math.isnan(value):
        return ""
    return fmt_g(value, 9) if digits is None else f"{value:.{digits}f}"


def coefficient_rows(res: "FMMResults", level: float | None = None, digits: int | None = None
                     ) -> tuple[list[str], list[list[str]]]:
    """Headers and rows of the coefficient table (the base class included).

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> head, rows = coefficient_rows(res)
    >>> head[-2:], rows[1][:5]
    (['[95% conf.', 'interval]'], ['2', 'Class', '_cons', '-.4498023', '.1240931'])
    """
    level = res.level if level is None else level
    tidy = res.tidy(level=level)
    lay = res.layout
    rows: list[list[str]] = []
    if lay.k > 1:
        rows.append([str(lay.base + 1), lay.label, "(base outcome)"] + [""] * 6)
    for r in tidy.itertuples(index=False):
        rows.append([str(r[0]), str(r.equation), str(r.term), _number(r.coef, digits),
                     _number(r.se, digits), "" if math.isnan(r.z) else f"{r.z:.2f}",
                     "" if math.isnan(r.pvalue) else f"{r.pvalue:.3f}",
                     _number(r.ci_lower, digits), _number(r.ci_upper, digits)])
    rows.sort(key=lambda row: (row[1] != lay.label, int(row[0])))
    head = [lay.label, "Equation", "Term", "Coefficient", "Std. err.", "z", "P>|z|",
            f"[{stata_level(level)}% conf.", "interval]"]
    return head, rows


def to_markdown(res: "FMMResults", level: float | None = None, digits: int | None = None
                ) -> str:
    """The coefficient table as a Markdown (pipe) table.

    Parameters
    ----------
    res : FMMResults
    level : float, optional
        Confidence level (default: the fit's).
    digits : int, optional
        Fixed decimals for estimates, errors and intervals (default: Stata's ``%9.0g``).

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> print(to_markdown(res, digits=4).splitlines()[0])
    | Class   | Equation   | Term             |   Coefficient |   Std. err. |      z |   P>\\|z\\| |   [95% conf. |   interval] |
    """
    head, rows = coefficient_rows(res, level, digits)
    head = [h.replace("|", "\\|") for h in head]
    return tabulate(rows, headers=head, tablefmt="pipe", colalign=_ALIGN,
                    disable_numparse=True)


def to_latex(res: "FMMResults", level: float | None = None, digits: int | None = None) -> str:
    """The coefficient table as a LaTeX ``tabular`` (booktabs rules).

    Parameters
    ----------
    res : FMMResults
    level : float, optional
        Confidence level (default: the fit's).
    digits : int, optional
        Fixed decimals for estimates, errors and intervals (default: Stata's ``%9.0g``).

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> tex = to_latex(res)
    >>> tex.splitlines()[0], "$P>|z|$" in tex, "var(e.thickness)" in tex
    ('\\\\begin{tabular}{lllrrrrrr}', True, True)
    """
    head, rows = coefficient_rows(res, level, digits)
    text = tabulate(rows, headers=head, tablefmt="latex_booktabs", colalign=_ALIGN,
                    disable_numparse=True)
    return text.replace("P\\ensuremath{>}|z|", "$P>|z|$")
