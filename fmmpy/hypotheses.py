"""Wald tests of linear hypotheses (Stata's ``test``) and likelihood-ratio tests of
nested fits (Stata's ``lrtest``).

Wald: for hypotheses ``R b = r`` on the reported parameters ``b`` (``res.params``,
variances as variances, as Stata's ``e(b)`` holds them) with variance ``V``
(``res.vcov``), ``chi2 = (Rb - r)' (R V R')^{-1} (Rb - r)`` on as many degrees of
freedom as independent hypotheses.  A hypothesis that adds nothing -- a linear
combination of earlier ones, or a combination with no variance (a parameter fixed
by a constraint) -- is dropped, and Stata's note ``Constraint # dropped`` says so.

LR: ``chi2 = 2 (ll_u - ll_r)`` where the restricted fit is the one with fewer
estimated parameters (``e(rank)``); ``df`` is the difference of the ranks.  As
Stata's ``lrtest``, it refuses fits with a sandwich variance (robust, cluster,
sampling weights) and fits on different numbers of observations unless
``force=True``, and always refuses two fits with the same ``df``.

Examples
--------
>>> import fmmpy
>>> df = fmmpy.datasets.load("stamp")
>>> res = fmmpy.fmm("3: regress thickness", data=df, log=False)
>>> print(res.test("2.Class:_cons = 3.Class:_cons"))
 ( 1)  2.Class:_cons - 3.Class:_cons = 0
<BLANKLINE>
           chi2(  1) =    1.68
         Prob > chi2 =    0.1944
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
from scipy import stats

from .checks import check_results
from .display.format import fmt_f
from .display.results_text import constraint_lines
from .errors import FMMDataError, FMMSyntaxError
from .estimate.vce import is_sandwich
from .linexpr import parse_linear

if TYPE_CHECKING:  # pragma: no cover
    from .results import FMMResults

__all__ = ["WaldTest", "LRTest", "wald_test", "lrtest"]


@dataclass(frozen=True)
class WaldTest:
    """The result of :func:`wald_test`.

    Attributes
    ----------
    constraints : tuple of str
        The hypotheses in Stata's normalized form (``a - b = 0``).
    dropped : tuple of int
        1-based numbers of the hypotheses dropped as redundant.
    chi2 : float
    df : int
    pvalue : float
    """

    constraints: tuple[str, ...]
    dropped: tuple[int, ...]
    chi2: float
    df: int
    pvalue: float

    def __str__(self) -> str:
        lines = constraint_lines(self.constraints)
        lines.extend(f"       Constraint {i} dropped" for i in self.dropped)
        lines.append("")
        lines.append(f"{'':11}chi2({self.df:3d}) ={fmt_f(self.chi2, 8, 2)}")
        lines.append(f"{'':9}Prob > chi2 =  {fmt_f(self.pvalue, 8, 4)}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def wald_test(res: "FMMResults", *hypotheses: str) -> WaldTest:
    """Joint Wald test of linear hypotheses on the parameters.

    Parameters
    ----------
    res : FMMResults
    *hypotheses : str
        Each ``exp = exp [= exp ...]`` over parameter names (``res.params.index``);
        ``"2.Class:y:x"`` alone means ``= 0``.

    Returns
    -------
    WaldTest

    Raises
    ------
    FMMSyntaxError
        No hypothesis, unknown names or a nonlinear expression.
    FMMDataError
        A hypothesis involves a parameter whose variance could not be computed.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> t = res.test("2.Class:_cons")
    >>> z = res.params["2.Class:_cons"] / res.bse["2.Class:_cons"]
    >>> t.df, bool(abs(t.chi2 - z ** 2) < 1e-9)
    (1, True)
    """
    if not hypotheses:
        raise FMMSyntaxError("test: specify at least one hypothesis, e.g. '2.Class:_cons = 0'")
    names = res.layout.names
    parsed = [h for text in hypotheses for h in parse_linear(text, names)]
    R = np.zeros((len(parsed), len(names)))
    r = np.array([h.rhs for h in parsed])
    for k, h in enumerate(parsed):
        for i, a in h.coefs:
            R[k, i] = a
    b = res.params.to_numpy()
    V = res.vcov.to_numpy()
    involved = np.any(R != 0.0, axis=0)
    if np.any(np.isnan(V[np.ix_(involved, involved)])):
        bad = [n for n, used, u in zip(names, involved, res.fit.unidentified) if used and u]
        raise FMMDataError("test: the variance of " + ", ".join(bad)
                           + " could not be computed (see the estimation warnings)")
    kept: list[int] = []
    dropped: list[int] = []
    for k in range(len(parsed)):
        trial = kept + [k]
        Rk = R[trial]
        W = Rk @ V @ Rk.T
        scale = np.sqrt(np.clip(np.diag(W), 0.0, None))
        ok = bool(np.all(scale > 0))
        if ok:
            C = W / np.outer(scale, scale)
            ok = np.linalg.eigvalsh(C).min() > 1e-10
        if ok:
            kept.append(k)
        else:
            dropped.append(k + 1)
    text = tuple(h.text(names) for h in parsed)
    if not kept:
        return WaldTest(text, tuple(dropped), np.nan, 0, np.nan)
    Rk, d = R[kept], R[kept] @ b - r[kept]
    chi2 = float(d @ np.linalg.solve(Rk @ V @ Rk.T, d))
    return WaldTest(text, tuple(dropped), chi2, len(kept), float(stats.chi2.sf(chi2, len(kept))))


@dataclass(frozen=True)
class LRTest:
    """The result of :func:`lrtest`.

    Attributes
    ----------
    restricted, unrestricted : str
        Names of the two fits (the restricted one has fewer parameters).
    chi2 : float
    df : int
    pvalue : float
    notes : tuple of str
    """

    restricted: str
    unrestricted: str
    chi2: float
    df: int
    pvalue: float
    notes: tuple[str, ...] = ()

    def __str__(self) -> str:
        left = [f"LR chi2({self.df})", "Prob > chi2"]
        right = [fmt_f(self.chi2, 0, 2).strip(), fmt_f(self.pvalue, 0, 4).strip()]
        lw, rw = max(map(len, left)), max(map(len, right))
        lines = ["Likelihood-ratio test",
                 f"Assumption: {self.restricted} nested within {self.unrestricted}", ""]
        lines.extend(f"{a:>{lw}} = {b:>{rw}}" for a, b in zip(left, right))
        if self.notes:
            lines.append("")
            lines.extend(self.notes)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


_BOUNDARY_NOTE = ("Note: The reported degrees of freedom assumes the null hypothesis is not on\n"
                  "      the boundary of the parameter space.  If this is not true, then the\n"
                  "      reported test is conservative.")


def lrtest(res_a: "FMMResults", res_b: "FMMResults", *, names: Sequence[str] = ("A", "B"),
           force: bool = False) -> LRTest:
    """Likelihood-ratio test of two nested fits (Stata's ``lrtest A B``).

    Parameters
    ----------
    res_a, res_b : FMMResults
        The two fits, in any order; the one with fewer estimated parameters is taken
        as the restricted model.
    names : pair of str
        How the output names the two fits.
    force : bool
        Test even with a sandwich variance or different numbers of observations.

    Returns
    -------
    LRTest

    Raises
    ------
    FMMDataError
        Same number of parameters; a robust/cluster variance or sampling weights, or
        different numbers of observations, without ``force``.

    Examples
    --------
    >>> import fmmpy
    >>> df = fmmpy.datasets.load("stamp")
    >>> full = fmmpy.fmm("2: regress thickness", data=df, log=False)
    >>> equal = fmmpy.fmm("2, lcinvariant(errvar): regress thickness", data=df, log=False)
    >>> t = fmmpy.lrtest(full, equal, names=("full", "equal"))
    >>> t.df, round(t.chi2, 4) == round(2 * (full.llf - equal.llf), 4)
    (1, True)
    """
    check_results(res_a, "lrtest")
    check_results(res_b, "lrtest")
    if isinstance(names, str) or len(names) != 2:
        raise FMMSyntaxError("lrtest: names= takes two names")
    fits = [(res_a, names[0]), (res_b, names[1])]
    if res_a.rank == res_b.rank:
        raise FMMDataError(f"df(unrestricted) = df(restricted) = {res_a.rank}")
    if not force:
        for res, name in fits:
            if is_sandwich(res.vce, res.design.weight_kind):
                raise FMMDataError(f"{name}: LR test likely invalid for models with robust vce;"
                                   " use force=True to test anyway")
        if res_a.nobs != res_b.nobs:
            raise FMMDataError(f"observations differ: {res_a.nobs} vs. {res_b.nobs}")
    (r_res, r_name), (u_res, u_name) = sorted(fits, key=lambda f: f[0].rank)
    df = u_res.rank - r_res.rank
    chi2 = 2.0 * (u_res.llf - r_res.llf)
    notes: list[str] = []
    if chi2 < 0:
        notes.append(f"Note: {r_name}, with fewer parameters, has the larger log likelihood; "
                     "the fits are not nested or one did not reach its maximum.")
    if res_a.k != res_b.k:
        notes.append(_BOUNDARY_NOTE)
    pvalue = float(stats.chi2.sf(max(chi2, 0.0), df))
    return LRTest(r_name, u_name, chi2, df, pvalue, tuple(notes))
