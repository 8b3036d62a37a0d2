"""``estat lcmean``, ``estat ic`` and ``estat eform`` after an fmm fit.

* :func:`estat_lcmean`: the marginal mean of each class's outcome -- the (weighted)
  average over the estimation sample of each observation's predicted mean in that
  class (over the equation's own rows in grouped and multi-equation models) -- with
  delta-method standard errors, as Stata computes it through ``margins``.  The interval is formed on the scale the family declares
  (``Family.mean_scale``: symmetric for identity, on the logit scale for
  probabilities, as ``estat lcprob`` does).
* :func:`estat_ic`: N, ll(null) (missing, as Stata reports for fmm), ll(model), df
  (the rank of the variance matrix), AIC and BIC.
* :func:`estat_eform`: exponentiated coefficients of an outcome equation; standard
  errors ``exp(b) se(b)`` and intervals ``exp`` of the coefficient's interval.

Examples
--------
>>> import fmmpy
>>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
>>> print(res.estat_ic())  # doctest: +NORMALIZE_WHITESPACE
Akaike's information criterion and Bayesian information criterion
<BLANKLINE>
-----------------------------------------------------------------------------
       Model |          N   ll(null)  ll(model)      df        AIC        BIC
-------------+---------------------------------------------------------------
           . |        485          .   1518.848       8  -3021.697  -2988.224
-----------------------------------------------------------------------------
Note: BIC uses N = number of observations. See [R] IC note.
"""

from __future__ import annotations

import html
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats

from .checks import check_level
from .display.format import fmt_f, fmt_fc, fmt_g
from .display.tables import (TableRow, coef_row, header_lines, header_row, render_table, rule,
                             stata_level)
from .errors import FMMSyntaxError
from .families.base import grad_hess_from_eta
from .postestimation import margin_interval

if TYPE_CHECKING:  # pragma: no cover
    from .results import FMMResults

__all__ = ["LcmeanTable", "ICTable", "EformTable", "estat_lcmean", "estat_ic", "estat_eform"]


# ---------------------------------------------------------------------------
# estat lcmean
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class LcmeanTable:
    """Latent class marginal means: printable as Stata prints them, with ``to_frame()``.

    Attributes
    ----------
    nobs : int
    level : float
    frame : DataFrame
        Indexed by (class, outcome); columns ``margin, se, z, pvalue, ci_lower,
        ci_upper``.
    """

    nobs: int
    level: float
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The numbers as a DataFrame (a copy)."""
        return self.frame.copy()

    def __str__(self) -> str:
        lines = header_lines("Latent class marginal means",
                             [("Number of obs", fmt_fc(self.nobs))])
        lines.append("")
        lines.append(rule("top"))
        lines.append(f"{'':13}|{'':12}Delta-method")
        lines.append(f"{'':13}|     Margin   std. err.      z    P>|z|     "
                     f"{'[' + stata_level(self.level) + '% conf. interval]':>20}")
        current = None
        for (cls, dv), r in self.frame.iterrows():
            if cls != current:
                lines.append(rule("mid"))
                lines.append(header_row(str(cls)))
                current = cls
            lines.append(coef_row(dv, r.margin, r.se, r.z, r.pvalue, r.ci_lower, r.ci_upper))
        lines.append(rule("top"))
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        rows = "".join(
            f"<tr><th>{html.escape(str(c))}</th><th>{html.escape(dv)}</th>"
            + "".join(f"<td>{fmt_g(v, 9)}</td>" for v in (r.margin, r.se))
            + f"<td>{fmt_f(r.z, 0, 2).strip()}</td><td>{fmt_f(r.pvalue, 0, 3).strip()}</td>"
            + "".join(f"<td>{fmt_g(v, 9)}</td>" for v in (r.ci_lower, r.ci_upper)) + "</tr>"
            for (c, dv), r in self.frame.iterrows())
        return (f"<table><caption>Latent class marginal means (Number of obs = {self.nobs})"
                "</caption><thead><tr><th>Class</th><th></th><th>Margin</th>"
                "<th>Delta-method std. err.</th><th>z</th><th>P&gt;|z|</th><th colspan='2'>"
                f"[{stata_level(self.level)}% conf. interval]</th></tr></thead>"
                f"<tbody>{rows}</tbody></table>")


def estat_lcmean(res: "FMMResults", level: float | None = None) -> LcmeanTable:
    """Marginal predicted mean of each outcome within each latent class, with
    delta-method standard errors (Stata's ``estat lcmean``).

    Parameters
    ----------
    res : FMMResults
    level : float, optional
        Confidence level (default: the fit's ``level()``).

    Raises
    ------
    FMMDataError
        When a class's family has no mean (see ``Family.mean_jacobian``).

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> t = res.estat_lcmean().to_frame()
    >>> round(float(t.loc[(1, "thickness"), "margin"]), 7), round(float(t.loc[(1, "thickness"), "se"]), 7)
    (0.0712183, 0.0002011)
    """
    level = res.level if level is None else check_level(level, "estat lcmean")
    zq = stats.norm.ppf(0.5 + level / 200.0)
    model = res.model
    theta = res.fit.theta
    rows: list[dict[str, float]] = []
    index: list[tuple[int, str]] = []
    for j in range(res.k):
        for e, (ed, sl) in enumerate(model.equations[j]):
            w = ed.to_rows(res.design.weights)        # an equation's own rows
            wn = w / w.sum()
            eta = model.eta(theta, j, e)
            mu = ed.family.predict("mu", ed.outcome, eta)
            jac_eta = ed.family.mean_jacobian(ed.outcome, eta)
            J = np.zeros(res.layout.n_params)
            J[sl] = grad_hess_from_eta(ed.blocks, ed.X, wn, jac_eta, None)[0]
            margin = float(wn @ mu)
            se = float(np.sqrt(max(J @ res.fit.vcov @ J, 0.0)))
            lo, hi = margin_interval(margin, se, zq, ed.family.mean_scale)
            z = margin / se if se > 0 else np.nan
            rows.append({"margin": margin, "se": se, "z": z,
                         "pvalue": 2.0 * stats.norm.sf(abs(z)), "ci_lower": lo, "ci_upper": hi})
            # streg has no dependent variable: its outcome is _t, its equation's name
            index.append((j + 1, ed.depvars[0] if ed.depvars else ed.blocks[0].equation))
    frame = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(
        index, names=[res.layout.label, "outcome"]))
    return LcmeanTable(res.nobs, level, frame)


# ---------------------------------------------------------------------------
# estat ic
# ---------------------------------------------------------------------------

_IC_WIDTH = 77


@dataclass(frozen=True)
class ICTable:
    """Stata's ``estat ic`` table.

    Attributes
    ----------
    nobs : int
    ll : float
    df : int
    aic, bic : float
    """

    nobs: int
    ll: float
    df: int
    aic: float
    bic: float

    def to_frame(self) -> pd.DataFrame:
        """One row (model ``.``): ``N, ll_null, ll, df, AIC, BIC``."""
        return pd.DataFrame({"N": [self.nobs], "ll_null": [np.nan], "ll": [self.ll],
                             "df": [self.df], "AIC": [self.aic], "BIC": [self.bic]},
                            index=pd.Index(["."], name="Model"))

    def __str__(self) -> str:
        lines = ["Akaike's information criterion and Bayesian information criterion", "",
                 "-" * _IC_WIDTH,
                 "       Model |          N   ll(null)  ll(model)      df        AIC        BIC",
                 rule("mid", _IC_WIDTH),
                 f"{'.':>12} |{fmt_g(self.nobs, 10):>11}{'.':>11}{fmt_g(self.ll, 9):>11}"
                 f"{fmt_g(self.df, 7):>8}{fmt_g(self.aic, 9):>11}{fmt_g(self.bic, 9):>11}",
                 "-" * _IC_WIDTH,
                 "Note: BIC uses N = number of observations. See [R] IC note."]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def estat_ic(res: "FMMResults") -> ICTable:
    """Information criteria as Stata's ``estat ic`` prints them:
    ``AIC = -2 ll + 2 df``, ``BIC = -2 ll + ln(N) df`` with ``df`` the rank of the
    variance matrix and ``N`` the number of observations (frequency weights summed).

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> ic = res.estat_ic()
    >>> ic.df, round(ic.aic, 3) == round(-2 * res.llf + 2 * 5, 3)
    (5, True)
    """
    return ICTable(res.nobs, res.llf, res.df_model, res.aic, res.bic)


# ---------------------------------------------------------------------------
# estat eform
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class EformTable:
    """Exponentiated coefficients, one table per class.

    Attributes
    ----------
    level : float
    vce_title : str or None
    frame : DataFrame
        Columns ``class, equation, term, exp_b, se, z, pvalue, ci_lower, ci_upper``.
    heads : tuple
        The lines above each class's table (``Class : 1``, ``Response``, ``Model``).
    """

    level: float
    vce_title: str | None
    frame: pd.DataFrame
    heads: tuple[tuple[str, ...], ...]

    def to_frame(self) -> pd.DataFrame:
        """The numbers as a DataFrame (a copy)."""
        return self.frame.copy()

    def __str__(self) -> str:
        out: list[str] = []
        for head, (_cls, part) in zip(self.heads, self.frame.groupby("class", sort=False)):
            out.extend(head)
            out.append("")
            rows: list[TableRow] = []
            for eq, sub in part.groupby("equation", sort=False):
                if rows:
                    rows.append(TableRow("rule"))
                rows.append(TableRow("header", eq))
                rows.extend(TableRow("coef", r.term, r.exp_b, r.se, r.z, r.pvalue, r.ci_lower,
                                     r.ci_upper) for r in sub.itertuples())
            out.extend(render_table(rows, self.level, self.vce_title, coef_title="exp(b)"))
            out.append("")
        return "\n".join(out).rstrip("\n")

    def __repr__(self) -> str:
        return str(self)


def estat_eform(res: "FMMResults", equations: str | Sequence[str] | None = None,
                level: float | None = None) -> EformTable:
    """Exponentiated coefficients of outcome equations (Stata's ``estat eform``).

    Parameters
    ----------
    res : FMMResults
    equations : str or sequence of str, optional
        Equation names -- the dependent variables; default the first.
    level : float, optional
        Confidence level (default: the fit's ``level()``).

    Raises
    ------
    FMMSyntaxError
        For a name that is not an equation of the model.

    Examples
    --------
    >>> import fmmpy, numpy as np
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> t = res.estat_eform().to_frame()
    >>> bool(np.isclose(t["exp_b"].iloc[0], np.exp(res.params["1.Class:thickness:_cons"])))
    True
    """
    level = res.level if level is None else check_level(level, "estat eform")
    known = [b.equation for b in res.layout.blocks if b.kind == "coef"]
    if equations is None:
        if not known:
            raise FMMSyntaxError("estat eform: the model has no outcome coefficients")
        wanted = [known[0]]
    else:
        wanted = [equations] if isinstance(equations, str) else (
            list(equations) if isinstance(equations, (list, tuple)) else None)
        if wanted is None or not all(isinstance(eq, str) for eq in wanted):
            raise FMMSyntaxError("estat eform: equations must be names of dependent "
                                 f"variables (strings), not {equations!r}")
        for eq in wanted:
            if eq not in known:
                raise FMMSyntaxError(f"estat eform: equation {eq} not found; equations are "
                                     + ", ".join(dict.fromkeys(known)))
    frame = res._tidy_frame(level)
    rows: list[dict[str, object]] = []
    heads: list[tuple[str, ...]] = []
    for j in range(res.k):
        found = False
        for e, ed in enumerate(res.design.classes[j].equations):
            for block in res.layout.outcome_blocks(j, e):
                if block.kind != "coef" or block.equation not in wanted:
                    continue
                if not found:
                    head = [f"{res.layout.label:<15}: {j + 1}"]
                    head.extend(f"{k:<15}: {v}" for k, v in ed.family.header(ed.depvars))
                    heads.append(tuple(head))
                    found = True
                for i, term in enumerate(block.terms):
                    r = frame.iloc[block.start + i]
                    eb = float(np.exp(r.coef))
                    rows.append({"class": j + 1, "equation": block.equation, "term": term,
                                 "exp_b": eb, "se": eb * r.se, "z": r.z, "pvalue": r.pvalue,
                                 "ci_lower": float(np.exp(r.ci_lower)),
                                 "ci_upper": float(np.exp(r.ci_upper))})
    columns = ["class", "equation", "term", "exp_b", "se", "z", "pvalue", "ci_lower", "ci_upper"]
    return EformTable(level, res.vce_title, pd.DataFrame(rows, columns=columns), tuple(heads))
