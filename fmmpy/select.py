"""Choosing the number of classes: :func:`select_k`.

For each ``k`` the model is fitted from several starts, and the best non-degenerate
solution is kept:

* Stata's default start (``startvalues(factor)``);
* a warm start from the best ``k - 1`` class solution, its largest class split in two
  (``start_from=``);
* ``draws`` random starts (``randompr``) screened by EM; the ones whose EM log
  likelihood beats the best solution so far get full maximum likelihood.

The table reports, for each ``k``, the log likelihood, the number of parameters
(``df``), AIC ``-2 ll + 2 df``, BIC ``-2 ll + ln(N) df``, the sample-size-adjusted BIC
``-2 ll + ln((N + 2)/24) df``, CAIC ``-2 ll + (ln(N) + 1) df``, the relative entropy,
the smallest estimated class probability, convergence, and how many of the starts
that went through full maximum likelihood reached the best log likelihood.

Examples
--------
>>> import fmmpy
>>> tab = fmmpy.select_k("regress thickness", data=fmmpy.datasets.load("stamp"), k=[1, 2],
...                      draws=2)
>>> tab.to_frame()["ll"].round(3).tolist()
[1350.338, 1484.75]
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .api import fmm
from .checks import check_int
from .display.format import fmt_fc, fmt_g
from .display.tables import header_lines
from .errors import FMMError, FMMSyntaxError, FMMWarning
from .estimate.model import MixtureModel
from .estimate.multistart import Progress, Search, search_higher
from .progress import ProgressLine
from .results import FMMResults

__all__ = ["select_k", "SelectK"]

_COLUMNS = ["ll", "df", "aic", "bic", "sabic", "caic", "entropy", "min_classpr",
            "converged", "degenerate", "n_best", "n_starts"]


@dataclass(frozen=True, eq=False)
class SelectK:
    """The table of :func:`select_k`.

    Attributes
    ----------
    model : str
        The component, as given.
    nobs : int
    frame : DataFrame
        One row per ``k`` (index ``k``): ``ll, df, aic, bic, sabic, caic, entropy,
        min_classpr, converged, degenerate, n_best, n_starts``.
    fits : dict of int to FMMResults
        The best fit for each ``k``.

    Examples
    --------
    >>> import fmmpy
    >>> tab = fmmpy.select_k("regress thickness", data=fmmpy.datasets.load("stamp"),
    ...                      k=[2, 3], draws=0)
    >>> tab.best_k, round(tab.fits[3].llf, 3)
    (3, 1518.848)
    """

    model: str
    nobs: int
    frame: pd.DataFrame
    fits: dict[int, FMMResults] = field(default_factory=dict)

    @property
    def best_k(self) -> int | None:
        """The ``k`` with the smallest BIC among converged, non-degenerate fits."""
        ok = self.frame[self.frame["converged"] & ~self.frame["degenerate"]]
        return None if ok.empty else int(ok["bic"].idxmin())

    def to_frame(self) -> pd.DataFrame:
        """The table as a DataFrame (a copy)."""
        return self.frame.copy()

    def __str__(self) -> str:
        lines = header_lines(f"Choosing the number of classes: {self.model}",
                             [("Number of obs", fmt_fc(self.nobs))])
        w = 80
        lines += ["", "-" * w,
                  f"{'k':>3} |{'ll':>10}{'df':>4}{'AIC':>10}{'BIC':>11}{'SABIC':>10}"
                  f"{'CAIC':>10}{'Entropy':>8}{'Min pr':>7}{'Best':>5}",
                  "-" * 4 + "+" + "-" * (w - 5)]
        best = self.best_k
        for k, r in self.frame.iterrows():
            mark = "*" if k == best else " "
            lines.append(f"{k:>3} |{_g(r.ll, 10)}{int(r.df):>4}{_g(r.aic, 10)}"
                         f"{_g(r.bic, 10)}{mark}{_g(r.sabic, 10)}{_g(r.caic, 10)}"
                         f"{_g(r.entropy, 8, 5)}{_g(r.min_classpr, 7, 5)}"
                         f"{f'{int(r.n_best)}/{int(r.n_starts)}':>5}")
        lines.append("-" * w)
        if best is not None:
            lines.append("* smallest BIC among converged, non-degenerate fits")
        lines.append("Best: starts reaching the best log likelihood / starts fitted by ML.")
        for k, r in self.frame.iterrows():
            if not r.converged:
                lines.append(f"Note: k = {k} did not converge.")
            if r.degenerate:
                kinds = ", ".join(sorted({d.kind for d in self.fits[k].diagnostics}))
                lines.append(f"Note: k = {k} is degenerate ({kinds}).")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def _g(x: float, width: int, digits: int | None = None) -> str:
    if not np.isfinite(x):
        return ".".rjust(width)
    return fmt_g(x, digits or width - 1).strip().rjust(width)


def _score(res: FMMResults) -> tuple[int, float]:
    """Sort key: non-degenerate converged fits first, then the log likelihood."""
    ok = res.converged and not res.degenerate and np.isfinite(res.llf)
    return (1 if ok else 0, res.llf if np.isfinite(res.llf) else -np.inf)


def select_k(model: str, data: pd.DataFrame, k: Iterable[int] = range(1, 6), *,
             draws: int = 10, seed: int = 1, log: bool = True,
             progress: Callable[[Progress], None] | None = None, **options: Any) -> SelectK:
    """Fit ``k`` classes for each ``k`` and tabulate information criteria.

    Parameters
    ----------
    model : str
        The component in Stata's standard syntax, without the number of classes:
        ``"regress thickness"``, ``"glm y x, family(lognormal)"``.
    data : DataFrame
    k : iterable of int
        The numbers of classes to fit (default 1 to 5).
    draws, seed : int
        Random starts per ``k`` (``randompr``, screened by EM) and their seed.
    log : bool
        Show a progress line (``select_k: 2/5  k = 2, ll = ...``) on a terminal while
        fitting; ``False`` switches it off.  Nothing is drawn when standard error is not
        a terminal.
    progress : callable, optional
        Called with a :class:`~fmmpy.estimate.multistart.Progress` after each ``k``.
    **options
        ``fmm`` options, as for :func:`fmmpy.fmm` (``lcprob="z"``, ``vce="robust"``...).

    Returns
    -------
    SelectK
        Printable; ``.to_frame()`` gives the numbers, ``.fits[k]`` the fits.

    Examples
    --------
    >>> import fmmpy
    >>> tab = fmmpy.select_k("regress thickness", data=fmmpy.datasets.load("stamp"),
    ...                      k=[1, 2], draws=2)
    >>> tab.best_k
    2
    """
    if isinstance(k, (str, bytes)) or not isinstance(k, Iterable):
        raise FMMSyntaxError(f"select_k: k must list numbers of classes, such as k=[1, 2, 3] "
                             f"or k=range(1, 6); got {k!r}")
    ks = sorted({check_int(v, "select_k: each k", minimum=1) for v in k})
    if not ks:
        raise FMMSyntaxError("select_k: k must list positive numbers of classes")
    draws = check_int(draws, "select_k: draws", minimum=0)
    seed = check_int(seed, "select_k: seed", minimum=0)
    if not isinstance(model, str):
        raise FMMSyntaxError(f"select_k: the model must be text such as 'regress y x', not "
                             f"{type(model).__name__}")
    options = {key: v for key, v in options.items() if key not in ("log", "search")}
    fits: dict[int, FMMResults] = {}
    rows: dict[int, dict[str, Any]] = {}
    with ProgressLine("select_k", total=len(ks), enabled=log) as line:
        for i, kk in enumerate(ks):
            fits[kk], rows[kk] = _fit_one_k(f"{kk}: {model}", data, fits.get(kk - 1), draws,
                                            seed, options)
            line.update(detail=f"k = {kk}, ll = {fmt_g(fits[kk].llf, 10)}")
            if progress is not None:
                progress(Progress("select_k", i + 1, len(ks), fits[kk].llf))
    frame = pd.DataFrame.from_dict(rows, orient="index")[_COLUMNS]
    frame.index.name = "k"
    nobs = next(iter(fits.values())).nobs
    return SelectK(model, nobs, frame, fits)


def _fit_one_k(command: str, data: pd.DataFrame, previous: FMMResults | None, draws: int,
               seed: int, options: dict[str, Any]) -> tuple[FMMResults, dict[str, Any]]:
    """The best fit of one ``k`` over every start, and its row of the table."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FMMWarning)
        fitted, extra = _fit_k(command, data, previous, draws, seed, options)
    best = max(fitted, key=_score)
    # Starts fitted by ML: the deterministic ones and the polished random draws (the
    # refit from a draw's solution is that draw again, not another start).
    lls = [c.llf for c in fitted[:-1 if len(fitted) > 1 and extra.refit else None]
           if _score(c)[0]] + extra.lls
    tol = 1e-7 * (abs(best.llf) + 1.0)
    n_best = 0 if best.degenerate else sum(1 for v in lls if abs(v - best.llf) <= tol)
    return best, _row(best, n_best, len(fitted) - extra.refit + extra.polished)


@dataclass(frozen=True)
class _Random:
    lls: list[float]
    polished: int
    refit: int


def _fit_k(command: str, data: pd.DataFrame, previous: FMMResults | None, draws: int,
           seed: int, options: dict[str, Any]) -> tuple[list[FMMResults], _Random]:
    """The fits of one ``k``: default start, warm start, and (when a random draw beats
    them) the refit from the best draw, last."""
    fitted = [fmm(command, data, log=False, search=False, **options)]
    if previous is not None:
        try:
            fitted.append(fmm(command, data, log=False, search=False, start_from=previous,
                              **options))
        except FMMError:
            pass
    if fitted[0].k == 1 or draws <= 0:
        return fitted, _Random([], 0, 0)
    best = max(fitted, key=_score)
    reference = max((c.llf for c in fitted if _score(c)[0]), default=-np.inf)
    ms = search_higher(MixtureModel(best.design, best.layout), best.design.settings,
                       reference, True, Search(draws=draws, seed=seed))
    polished = [r for r in ms.starts[1:] if np.isfinite(r.ll)]
    lls = [r.ll for r in polished if not r.degenerate and r.converged]
    if ms.better:
        fitted.append(fmm(command, data, log=False, search=False, from_=ms.best_params,
                          **options))
    return fitted, _Random(lls, len(polished), int(ms.better))


def _row(res: FMMResults, n_best: int, n_starts: int) -> dict[str, Any]:
    n, df, ll = res.nobs, res.df_model, res.llf
    stats = res.lcstats() if res.k > 1 else None
    return {"ll": ll, "df": df, "aic": -2 * ll + 2 * df, "bic": -2 * ll + np.log(n) * df,
            "sabic": -2 * ll + np.log((n + 2) / 24) * df,
            "caic": -2 * ll + (np.log(n) + 1) * df,
            "entropy": stats.entropy if stats else float("nan"),
            "min_classpr": float(stats.frame["classpr"].min()) if stats else 1.0,
            "converged": bool(res.converged), "degenerate": bool(res.degenerate),
            "n_best": n_best, "n_starts": n_starts}
