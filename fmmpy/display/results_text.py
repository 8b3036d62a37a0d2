"""Stata's output for an fmm fit: header, class-probability table, one table per
class, notes.  Pure functions of a results object.

Examples
--------
>>> import fmmpy
>>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
>>> print(render_results(res).splitlines()[0])
Finite mixture model                                       Number of obs = 485
"""

from __future__ import annotations

import html
import math
import textwrap
from typing import TYPE_CHECKING

from .format import fmt_fc, fmt_g
from .tables import WIDTH, TableRow, header_lines, render_html_table, render_table

if TYPE_CHECKING:  # pragma: no cover
    from ..results import FMMResults

__all__ = ["render_results", "render_results_html", "class_rows", "outcome_rows",
           "constraint_lines"]


def constraint_lines(constraints: tuple[str, ...] | list[str]) -> list[str]:
    """Stata's constraint report: `` ( 1)  a - b = 0`` per constraint.

    Examples
    --------
    >>> constraint_lines(["2.Class:_cons = 0"])
    [' ( 1)  2.Class:_cons = 0']
    """
    out: list[str] = []
    for i, text in enumerate(constraints, start=1):
        lines = textwrap.wrap(text, WIDTH - 7, break_long_words=False, break_on_hyphens=False)
        out.append(f" ({i:>2})  {lines[0]}")
        out.extend(" " * 7 + more for more in lines[1:])
    return out


def _term_rows(res: "FMMResults", block, frame) -> list[TableRow]:
    """Rows of a coefficient block, grouping factor-variable levels under a header."""
    rows: list[TableRow] = []
    current_group: str | None = None
    fixed = res.layout.fixed
    for i, term in enumerate(block.terms):
        r = frame.iloc[block.start + i]
        group, label = _split_factor(term)
        if group is not None and group != current_group:
            rows.append(TableRow("group", group))
        current_group = group
        if fixed[block.start + i]:
            rows.append(TableRow("constrained", label, r.coef))
            continue
        rows.append(TableRow("coef", label, r.coef, r.se, r.z, r.pvalue, r.ci_lower,
                             r.ci_upper))
    return rows


def _split_factor(term: str) -> tuple[str | None, str]:
    """``2.g#c.x`` -> (``g#c.x``, ``2  ``); ``x`` -> (None, ``x``)."""
    parts = term.split("#")
    levels: list[str] = []
    names: list[str] = []
    for p in parts:
        if "." in p and not p.startswith("c.") and p.split(".", 1)[0] not in ("", "c"):
            lv, var = p.split(".", 1)
            if lv.replace("-", "").replace(".", "").isalnum():
                levels.append(lv)
                names.append(var)
                continue
        names.append(p)
    if not levels:
        return None, term
    return "#".join(names), "#".join(levels) + "  "


def class_rows(res: "FMMResults", level: float) -> list[TableRow]:
    """Rows of the class-probability table (multinomial logit of the classes)."""
    frame = res._tidy_frame(level)
    lay = res.layout
    rows: list[TableRow] = []
    for j in range(lay.k):
        if rows:
            rows.append(TableRow("rule"))
        label = f"{j + 1}.{lay.label}"
        block = lay.class_block(j)
        if block is None:
            rows.append(TableRow("base", label))
            continue
        rows.append(TableRow("header", label))
        rows.extend(_term_rows(res, block, frame))
    return rows


def outcome_rows(res: "FMMResults", j: int, level: float) -> tuple[list[str], list[TableRow]]:
    """Header lines and rows of class ``j``'s outcome table."""
    frame = res._tidy_frame(level)
    lay = res.layout
    head = [f"{lay.label:<15}: {j + 1}"]
    rows: list[TableRow] = []
    for e, ed in enumerate(res.design.classes[j].equations):
        for key, value in ed.family.header(ed.depvars):
            head.append(f"{key:<15}: {value}")
        previous = None
        for block in lay.outcome_blocks(j, e):
            same_header = (previous is not None and block.kind == "aux"
                           and previous.kind == "aux" and previous.equation == block.equation)
            previous = block
            if same_header:             # cutpoints: one /y header over cut1, cut2, ...
                rows.extend(_term_rows(res, block, frame))
                continue
            if block.kind == "coef" and not block.terms:
                continue                # an equation without covariates (ologit y)
            if rows:
                rows.append(TableRow("rule"))
            if block.kind == "base":
                rows.append(TableRow("base", block.equation))
            elif block.kind == "variance":
                r = frame.iloc[block.start]
                if lay.fixed[block.start]:
                    rows.append(TableRow("constrained_variance", block.terms[0], r.coef))
                    continue
                rows.append(TableRow("variance", block.terms[0], r.coef, r.se, math.nan,
                                     math.nan, r.ci_lower, r.ci_upper))
            elif block.kind == "cov":
                r = frame.iloc[block.start]
                rows.append(TableRow("coef", block.terms[0], r.coef, r.se, r.z, r.pvalue,
                                     r.ci_lower, r.ci_upper))
            else:
                rows.append(TableRow("header", block.equation))
                rows.extend(_term_rows(res, block, frame))
    return head, rows


def _aligned(items: list[tuple[str, str]]) -> list[tuple[str, str]]:
    """Header items with their ``=`` signs and numbers aligned, as Stata prints
    ``Number of obs`` above ``Number of groups``."""
    kw = max(len(k) for k, _ in items)
    vw = max(len(v) for _, v in items)
    return [(k.ljust(kw), v.rjust(vw)) for k, v in items]


def render_results(res: "FMMResults", level: float | None = None) -> str:
    """Header, tables and notes, as Stata prints them after ``fmm``."""
    level = res.level if level is None else level
    settings = res.design.settings
    out: list[str] = []
    if not settings.noheader:
        right = [("Number of obs", fmt_fc(res.nobs))]
        if res.n_groups is not None:
            right = _aligned(right + [("Number of groups", fmt_fc(res.n_groups))])
        out.extend(header_lines("Finite mixture model", right,
                                [f"{res.ll_caption} = {fmt_g(res.llf, 10)}"]))
        out.append("")
        if res.cluster_var is not None:
            note = (f"(Std. err. adjusted for {fmt_fc(res.n_clusters)} clusters in "
                    f"{res.cluster_var})")
            out.append(note.rjust(WIDTH))
    if settings.notable:
        return "\n".join(out).rstrip("\n")
    if not settings.nocnsreport:
        out.extend(constraint_lines(res.layout.constraint_text))
    vtitle = res.vce_title
    if res.layout.k > 1:
        out.extend(render_table(class_rows(res, level), level, vtitle))
        out.append("")
    for j in range(res.layout.k):
        head, rows = outcome_rows(res, j, level)
        out.extend(head)
        out.append("")
        if rows:                        # a class without parameters (pointmass) has no table
            out.extend(render_table(rows, level, vtitle))
            out.append("")
    for note in res.design.notes:
        out.append(note)
    for note in res.warnings:
        out.extend(textwrap.wrap(f"Warning: {note}.", width=79, subsequent_indent=" " * 9,
                                 break_long_words=False, break_on_hyphens=False))
    return "\n".join(out).rstrip("\n")


def render_results_html(res: "FMMResults") -> str:
    """HTML version of :func:`render_results` for Jupyter."""
    level = res.level
    parts = [f"<p><b>Finite mixture model</b>&nbsp;&nbsp; Number of obs = {fmt_fc(res.nobs)}"
             f"&nbsp;&nbsp; Log likelihood = {fmt_g(res.llf, 10)}</p>"]
    if res.layout.k > 1:
        parts.append(render_html_table(class_rows(res, level), level,
                                       f"{res.layout.label} probabilities (multinomial logit)"))
    for j in range(res.layout.k):
        head, rows = outcome_rows(res, j, level)
        caption = "; ".join(h.replace("  ", "") for h in head)
        parts.append(render_html_table(rows, level, caption) if rows
                     else f"<p>{html.escape(caption)}</p>")
    return "<div>" + "".join(parts) + "</div>"
