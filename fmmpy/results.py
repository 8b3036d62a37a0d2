"""Results of an fmm fit: immutable, complete when built, derived quantities cached.

Parameter names follow :class:`~fmmpy.estimate.layout.ParamLayout`: ``2.Class:_cons``
for the class model and ``1.Class:thickness:_cons`` or
``1.Class:thickness:var(e.thickness)`` for outcome parameters.  ``params`` holds
the values Stata reports (variances, not log variances); ``vcov`` is in the same
metric (delta method).

Examples
--------
>>> import fmmpy
>>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
>>> round(float(res.params["2.Class:_cons"]), 7), round(float(res.bse["2.Class:_cons"]), 7)
(0.6410696, 0.1625089)
>>> res.tidy().columns.tolist()
['class', 'equation', 'term', 'coef', 'se', 'z', 'pvalue', 'ci_lower', 'ci_upper']
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from .checks import check_int, check_level
from .design import Design
from .display.results_text import render_results, render_results_html
from .errors import FMMSyntaxError
from .estimate.fit import FitResult
from .estimate.layout import ParamLayout
from .estimate.model import MixtureModel
from .estimate.vce import ll_caption, vce_title
from .parse.spec import FMMSpec

__all__ = ["FMMResults"]


@dataclass(frozen=True, eq=False)
class FMMResults:
    """A fitted finite mixture model.

    Attributes
    ----------
    spec : FMMSpec
        The parsed command (``str(res.spec)`` is the canonical command).
    design : Design
        The estimation sample and design matrices.
    fit : FitResult
        Raw estimation output (internal parameterization).
    command : str
        The command as typed.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> res.k, res.nobs, res.converged
    (2, 485, True)
    """

    spec: FMMSpec
    design: Design
    fit: FitResult
    command: str

    # -- basics ------------------------------------------------------------------------
    @property
    def layout(self) -> ParamLayout:
        return self.fit.layout

    @property
    def k(self) -> int:
        """Number of latent classes."""
        return self.design.k

    @property
    def nobs(self) -> int:
        """Stata's ``Number of obs``."""
        return self.design.nobs

    @property
    def llf(self) -> float:
        """Log likelihood at the estimates."""
        return self.fit.ll

    @property
    def converged(self) -> bool:
        return self.fit.converged

    @property
    def iterations(self) -> int:
        """Newton-Raphson iterations of the full model."""
        return self.fit.iterations

    @property
    def warnings(self) -> tuple[str, ...]:
        """Problems met during the fit, in Stata's words where Stata has them."""
        return self.fit.warnings

    @property
    def diagnostics(self) -> tuple:
        """Degenerate features of the solution (:class:`~fmmpy.estimate.diagnose.Diagnosis`:
        ``boundary``, ``empty``, ``collapsed``, ``identical``), each also in
        :attr:`warnings`."""
        return self.fit.diagnostics

    @property
    def degenerate(self) -> bool:
        """Whether the solution is degenerate (see :attr:`diagnostics`)."""
        return bool(self.fit.diagnostics)

    @property
    def multistart(self):
        """The starts behind the fit: ``startvalues(..., draws(#))`` draws, or the search
        for a higher maximum after a deterministic start (``None`` when neither ran).
        See :class:`~fmmpy.estimate.multistart.MultiStart`."""
        return self.fit.multistart

    @property
    def vce(self) -> tuple:
        """The variance estimator used (``("oim",)``, ``("robust",)``, ...)."""
        return self.fit.vce

    @property
    def vce_title(self) -> str | None:
        return vce_title(self.vce, self.design.weight_kind)

    @property
    def ll_caption(self) -> str:
        """``Log likelihood``, or ``Log pseudolikelihood`` under a sandwich variance."""
        return ll_caption(self.vce, self.design.weight_kind)

    @property
    def n_groups(self) -> int | None:
        """Stata's ``Number of groups`` with ``group()`` (``None`` without)."""
        return self.design.n_groups

    @property
    def n_dropped(self) -> int:
        """Rows that passed ``if`` and ``in`` but were left out of the estimation sample:
        a missing value in a variable of the model (listwise deletion, as Stata does), a
        zero weight, or a row the family cannot use.  See :attr:`sample_info`.

        Examples
        --------
        >>> import fmmpy
        >>> df = fmmpy.datasets.load("stamp")
        >>> df.loc[[0, 1], "thickness"] = float("nan")
        >>> res = fmmpy.fmm("2: regress thickness", data=df, log=False, search=False)
        >>> res.n_dropped, res.nobs
        (2, 483)
        """
        return self.design.n_dropped

    @property
    def sample_info(self) -> dict[str, int]:
        """How the estimation sample was formed: ``rows`` in the data, rows ``selected``
        by ``if``/``in``, rows ``dropped`` from those (see :attr:`n_dropped`), rows
        ``used``, and ``nobs`` (Stata's ``Number of obs``: the sum of the weights under
        frequency or importance weights, else ``used``).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2 in 1/100: regress thickness", data=fmmpy.datasets.load("stamp"),
        ...                 log=False, search=False)
        >>> res.sample_info
        {'rows': 485, 'selected': 100, 'dropped': 0, 'used': 100, 'nobs': 100}
        """
        d = self.design
        return {"rows": len(d.data_index), "selected": d.n_rows + d.n_dropped,
                "dropped": d.n_dropped, "used": d.n_rows, "nobs": d.nobs}

    @property
    def n_clusters(self) -> int:
        """Clusters of ``vce(cluster)``; with ``group()`` and ``vce(robust)`` the groups
        (the robust variance then sums scores within groups)."""
        c = self.design.cluster
        if c is None:
            return self.design.n if self.cluster_var is not None else 0
        return int(c.max()) + 1

    @property
    def cluster_var(self) -> str | None:
        """The variable the standard errors are clustered on: ``vce(cluster)``'s, or the
        ``group()`` variable under ``vce(robust)``/``pweight``."""
        if self.vce[0] == "cluster":
            return str(self.vce[1])
        if self.vce[0] == "robust" and self.design.group is not None:
            return self.design.group
        return None

    @property
    def level(self) -> float:
        """Default confidence level (``level()`` option, 95 by default)."""
        return self.design.settings.level

    @property
    def iteration_log(self) -> str:
        """The iteration log as Stata printed it."""
        return "\n".join(self.fit.log)

    @cached_property
    def rank(self) -> int:
        """Rank of the variance matrix (Stata's ``e(rank)``): the number of free
        parameters less those whose variance cannot be computed."""
        V = np.where(self.fit.unidentified[:, None] | self.fit.unidentified[None, :], 0.0,
                     self.fit.vcov)
        d = np.sqrt(np.clip(np.diag(V), 0.0, None))
        keep = d > 0
        if not keep.any():
            return 0
        C = V[np.ix_(keep, keep)] / np.outer(d[keep], d[keep])
        return int(np.linalg.matrix_rank(C, tol=1e-9 * max(C.shape[0], 1)))

    @property
    def df_model(self) -> int:
        """Number of estimated parameters: Stata's ``df`` in ``estat ic``, ``e(rank)``."""
        return self.rank

    @property
    def aic(self) -> float:
        return -2.0 * self.llf + 2.0 * self.df_model

    @property
    def bic(self) -> float:
        return -2.0 * self.llf + np.log(self.nobs) * self.df_model

    # -- the fitted likelihood ----------------------------------------------------------------
    @cached_property
    def model(self) -> MixtureModel:
        """The mixture likelihood of this fit's design and layout (what the
        postestimation commands evaluate at :attr:`fit`'s ``theta``)."""
        return MixtureModel(self.design, self.layout)

    @cached_property
    def posterior(self) -> np.ndarray:
        """Posterior class probabilities of the estimation units at the estimates,
        ``(n, k)``, read-only.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.posterior.shape, bool(np.allclose(res.posterior.sum(axis=1), 1.0))
        ((485, 2), True)
        """
        post = self.model.posterior(self.fit.theta)[0]
        post.setflags(write=False)
        return post

    # -- parameters in the reported metric -------------------------------------------------
    @cached_property
    def _exp_mask(self) -> np.ndarray:
        return self.layout.log_scale

    @cached_property
    def params(self) -> pd.Series:
        """Estimates as Stata reports them (variances exponentiated)."""
        values = self.fit.theta.copy()
        values[self._exp_mask] = np.exp(values[self._exp_mask])
        return pd.Series(values, index=list(self.layout.names), name="coef")

    @cached_property
    def vcov(self) -> pd.DataFrame:
        """Variance matrix of :attr:`params` (delta method for variances)."""
        jac = np.ones_like(self.fit.theta)
        jac[self._exp_mask] = np.exp(self.fit.theta[self._exp_mask])
        V = self.fit.vcov * np.outer(jac, jac)
        bad = self.fit.unidentified
        V[bad, :] = np.nan
        V[:, bad] = np.nan
        names = list(self.layout.names)
        return pd.DataFrame(V, index=names, columns=names)

    @cached_property
    def bse(self) -> pd.Series:
        """Standard errors of :attr:`params`."""
        d = np.diag(self.vcov.to_numpy())
        with np.errstate(invalid="ignore"):
            se = np.sqrt(np.where(d >= 0, d, np.nan))
        return pd.Series(se, index=self.params.index, name="se")

    @cached_property
    def zvalues(self) -> pd.Series:
        """``coef / se``; missing for variances, as Stata shows none."""
        with np.errstate(divide="ignore", invalid="ignore"):
            z = self.params.to_numpy() / self.bse.to_numpy()
        z = np.where(self._exp_mask | self.layout.fixed, np.nan, z)
        return pd.Series(z, index=self.params.index, name="z")

    @cached_property
    def pvalues(self) -> pd.Series:
        p = 2.0 * stats.norm.sf(np.abs(self.zvalues.to_numpy()))
        return pd.Series(p, index=self.params.index, name="pvalue")

    def conf_int(self, alpha: float | None = None, level: float | None = None) -> pd.DataFrame:
        """Confidence intervals; for variances on the log scale, as Stata computes them.

        Parameters
        ----------
        alpha : float, optional
            ``1 - level/100``.
        level : float, optional
            Confidence level in percent (default: the ``level()`` option).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> ci = res.conf_int().loc["2.Class:_cons"]
        >>> round(float(ci["lower"]), 6), round(float(ci["upper"]), 6)
        (0.322558, 0.959581)
        """
        if level is None and alpha is not None:
            if not isinstance(alpha, (int, float)) or not 0.0001 <= alpha <= 0.9:
                raise FMMSyntaxError(f"conf_int: alpha={alpha!r} must be a number between "
                                     "0.0001 and 0.9 (level 10 to 99.99)")
            level = 100.0 * (1.0 - alpha)
        level = self.level if level is None else check_level(level, "conf_int")
        z = stats.norm.ppf(0.5 + level / 200.0)
        theta = self.fit.theta
        with np.errstate(invalid="ignore"):
            se_theta = np.sqrt(np.diag(self.fit.vcov))
        se_theta = np.where(self.fit.unidentified | self.layout.fixed, np.nan, se_theta)
        with np.errstate(over="ignore"):    # exp() is evaluated for every row, used for some
            lo = np.where(self._exp_mask, np.exp(theta - z * se_theta), theta - z * se_theta)
            hi = np.where(self._exp_mask, np.exp(theta + z * se_theta), theta + z * se_theta)
        return pd.DataFrame({"lower": lo, "upper": hi}, index=self.params.index)

    def _tidy_frame(self, level: float) -> pd.DataFrame:
        """Estimates, errors, tests and intervals in the layout's order (rows by
        position: block ``b``'s ``i``-th term is row ``b.start + i``); one frame per
        level, built once (every table of a display reads it)."""
        frames = self.__dict__.setdefault("_tidy_frames", {})
        if level not in frames:
            ci = self.conf_int(level=level)
            frames[level] = pd.DataFrame({"coef": self.params, "se": self.bse,
                                          "z": self.zvalues, "pvalue": self.pvalues,
                                          "ci_lower": ci["lower"], "ci_upper": ci["upper"]})
        return frames[level]

    def tidy(self, level: float | None = None) -> pd.DataFrame:
        """One row per parameter: ``class, equation, term, coef, se, z, pvalue,
        ci_lower, ci_upper``.  The class model's rows have equation ``Class`` (the
        ``lclabel()``); variances have term ``var(e.y)``, no z and a log-scale CI.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> row = res.tidy().iloc[0]
        >>> int(row["class"]), row["equation"], row["term"]
        (2, 'Class', '_cons')
        """
        frame = self._tidy_frame(self.level if level is None else level)
        rows: list[dict[str, Any]] = []
        for b in self.layout.blocks:
            for i, t in enumerate(b.terms):
                r = frame.iloc[b.start + i]
                rows.append({"class": b.cls + 1,
                             "equation": self.layout.label if b.kind == "class" else b.equation,
                             "term": t, **r.to_dict()})
        return pd.DataFrame(rows, columns=["class", "equation", "term", "coef", "se", "z",
                                           "pvalue", "ci_lower", "ci_upper"])

    # -- display -----------------------------------------------------------------------------
    def summary(self, level: float | None = None) -> str:
        """Stata's header and tables (without the iteration log).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> print(res.summary().splitlines()[1])
        Log likelihood = 1484.7501
        """
        return render_results(self, None if level is None else check_level(level, "summary"))

    def __str__(self) -> str:
        log = self.iteration_log
        return (log + "\n\n" if log else "") + self.summary()

    def __repr__(self) -> str:
        return (f"<FMMResults {str(self.spec)!r}: nobs={self.nobs}, "
                f"llf={self.llf:.4f}, converged={self.converged}>")

    def _repr_html_(self) -> str:
        return render_results_html(self)

    def to_markdown(self, level: float | None = None, digits: int | None = None) -> str:
        """The coefficient table as a Markdown table (numbers as Stata prints them, or
        ``digits`` fixed decimals).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> print(res.to_markdown().splitlines()[3])
        | 2       | Class      | _cons            |     -.4498023 |    .1240931 |  -3.62 |     0.000 |    -.6930204 |   -.2065842 |
        """
        from .display.export import to_markdown

        return to_markdown(self, *self._export_args(level, digits, "to_markdown"))

    def to_latex(self, level: float | None = None, digits: int | None = None) -> str:
        """The coefficient table as a LaTeX ``tabular`` with booktabs rules (numbers as
        Stata prints them, or ``digits`` fixed decimals).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.to_latex(digits=3).splitlines()[6].split("&")[3].strip()
        '0.076'
        """
        from .display.export import to_latex

        return to_latex(self, *self._export_args(level, digits, "to_latex"))

    @staticmethod
    def _export_args(level: Any, digits: Any, where: str) -> tuple[float | None, int | None]:
        return (None if level is None else check_level(level, where),
                None if digits is None else check_int(digits, f"{where}: digits", minimum=0))

    # -- classes ------------------------------------------------------------------------------
    def lcstats(self):
        """Entropy and, per class, the class probability, expected and modal shares and
        the average posterior probability (AvePP); see :func:`fmmpy.classes.lcstats`.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> round(res.lcstats().entropy, 4)
        0.8008
        """
        from .classes import lcstats

        return lcstats(self)

    def relabel(self, order) -> "FMMResults":  # noqa: ANN001 - sequence of int
        """The same fit with the classes permuted: new class ``i`` is old class
        ``order[i-1]``; class-model coefficients are re-based on the base class and the
        variance mapped accordingly (see :func:`fmmpy.classes.relabel`).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.relabel([3, 2, 1]).estat_lcprob().to_frame()["margin"].round(4).tolist()
        [0.4368, 0.3689, 0.1943]
        """
        from .classes import relabel

        return relabel(self, order)

    # -- postestimation ---------------------------------------------------------------------
    def estat_lcprob(self, level: float | None = None):
        """Latent class marginal probabilities with delta-method standard errors
        (Stata's ``estat lcprob``).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> round(float(res.estat_lcprob().to_frame().loc[1, "margin"]), 7)
        0.1942968
        """
        from .postestimation import estat_lcprob

        return estat_lcprob(self, level)

    def estat_lcmean(self, level: float | None = None):
        """Latent class marginal means with delta-method standard errors (Stata's
        ``estat lcmean``); see :func:`fmmpy.estat.estat_lcmean`.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.estat_lcmean().to_frame().index.tolist()
        [(1, 'thickness'), (2, 'thickness')]
        """
        from .estat import estat_lcmean

        return estat_lcmean(self, level)

    def estat_ic(self):
        """Stata's ``estat ic``: N, ll, df, AIC, BIC; see :func:`fmmpy.estat.estat_ic`.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.estat_ic().df
        5
        """
        from .estat import estat_ic

        return estat_ic(self)

    def estat_eform(self, equations: str | list[str] | None = None, level: float | None = None):
        """Exponentiated coefficients (Stata's ``estat eform``); see
        :func:`fmmpy.estat.estat_eform`.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.estat_eform("thickness").to_frame()["term"].tolist()
        ['_cons', '_cons']
        """
        from .estat import estat_eform

        return estat_eform(self, equations, level)

    def test(self, *hypotheses: str):
        """Wald test of linear hypotheses (Stata's ``test``), e.g.
        ``res.test("2.Class:y:x = 3.Class:y:x")``; see :func:`fmmpy.hypotheses.wald_test`.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.test("1.Class:thickness:_cons = 2.Class:thickness:_cons").df
        1
        """
        from .hypotheses import wald_test

        return wald_test(self, *hypotheses)

    def lrtest(self, other: "FMMResults", *, names: tuple[str, str] = ("A", "B"),
               force: bool = False):
        """Likelihood-ratio test against another fit; see :func:`fmmpy.hypotheses.lrtest`.

        Examples
        --------
        >>> import fmmpy
        >>> df = fmmpy.datasets.load("stamp")
        >>> a = fmmpy.fmm("2: regress thickness", data=df, log=False)
        >>> b = fmmpy.fmm("2, lcinvariant(errvar): regress thickness", data=df, log=False)
        >>> a.lrtest(b).df
        1
        """
        from .hypotheses import lrtest

        return lrtest(self, other, names=names, force=force)

    def predict(self, statistic: str = "mu", *, marginal: bool = False,
                class_: int | None = None, outcome: str | None = None,
                data: pd.DataFrame | None = None, stub: str | None = None):
        """Predictions, as Stata's ``predict`` after ``fmm``.

        Parameters
        ----------
        statistic : str
            ``mu`` (default; ``pr`` is a synonym), ``eta``, ``density``,
            ``distribution``, ``survival`` (survival models), ``classpr``,
            ``classposteriorpr``, ``scores`` (the derivative of each observation's log
            likelihood with respect to every parameter, one column per parameter).
        marginal : bool
            For ``mu``, ``density``, ``distribution``, ``survival``: the mixture over
            classes, ``sum_j pi_j stat_j``.
        class_ : int, optional
            One class (1-based) instead of all.
        outcome : str, optional
            The dependent variable, for classes with several equations; for
            ``mlogit``, ``ologit`` and ``oprobit`` also the outcome level:
            ``"y 2"`` or ``"2.y"`` (the value 2), ``"y #2"`` (the second level);
            the default is the first level.
        data : DataFrame, optional
            New data; defaults to the estimation data.
        stub : str, optional
            Column prefix (default: the statistic's name): ``stub1, stub2, ...``.

        Returns
        -------
        Series or DataFrame
            Aligned to the data's index, missing outside the estimation sample.

        Examples
        --------
        >>> import fmmpy
        >>> df = fmmpy.datasets.load("stamp")
        >>> res = fmmpy.fmm("3: regress thickness", data=df, log=False)
        >>> post = res.predict("classposteriorpr", stub="pr")
        >>> post.round(3).iloc[0].tolist()
        [0.0, 0.0, 1.0]
        """
        from .postestimation import predict

        return predict(self, statistic, marginal=marginal, class_=class_, outcome=outcome,
                       data=data, stub=stub)

    def plot(self, kind: str = "density", **kwargs: Any):
        """Plot the fit and return a matplotlib Figure (matplotlib is the ``plot``
        extra): ``"density"`` (histogram of the outcome with the mixture density and
        each class's weighted density), ``"posterior"`` (posterior class
        probabilities against the outcome or ``x=``), ``"trajectory"``.  Keyword
        arguments go to :mod:`fmmpy.plot`'s functions.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> fig = res.plot("density", bins=80)
        >>> type(fig).__name__
        'Figure'
        """
        from .plot import plot

        return plot(self, kind, **kwargs)
