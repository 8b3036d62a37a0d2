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

from .design import Design
from .display.results_text import render_results, render_results_html
from .estimate.fit import FitResult
from .estimate.layout import ParamBlock, ParamLayout
from .estimate.vce import vce_title
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
    def vce(self) -> tuple:
        """The variance estimator used (``("oim",)``, ``("robust",)``, ...)."""
        return self.fit.vce

    @property
    def vce_title(self) -> str | None:
        return vce_title(self.vce, self.design.weight_kind)

    @property
    def n_clusters(self) -> int:
        c = self.design.cluster
        return 0 if c is None else int(c.max()) + 1

    @property
    def level(self) -> float:
        """Default confidence level (``level()`` option, 95 by default)."""
        return self.design.settings.level

    @property
    def iteration_log(self) -> str:
        """The iteration log as Stata printed it."""
        return "\n".join(self.fit.log)

    @property
    def df_model(self) -> int:
        """Number of free parameters (Stata's ``df`` in ``estat ic``)."""
        return self.layout.n_free

    @property
    def aic(self) -> float:
        return -2.0 * self.llf + 2.0 * self.df_model

    @property
    def bic(self) -> float:
        return -2.0 * self.llf + np.log(self.nobs) * self.df_model

    # -- parameters in the reported metric -------------------------------------------------
    @cached_property
    def _exp_mask(self) -> np.ndarray:
        mask = np.zeros(self.layout.n_params, dtype=bool)
        for b in self.layout.blocks:
            if b.kind == "variance":
                mask[b.slice] = True
        return mask

    @cached_property
    def params(self) -> pd.Series:
        """Estimates as Stata reports them (variances exponentiated)."""
        theta = self.fit.theta
        values = np.where(self._exp_mask, np.exp(theta), theta)
        return pd.Series(values, index=list(self.layout.names), name="coef")

    @cached_property
    def vcov(self) -> pd.DataFrame:
        """Variance matrix of :attr:`params` (delta method for variances)."""
        jac = np.where(self._exp_mask, np.exp(self.fit.theta), 1.0)
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
        z = np.where(self._exp_mask, np.nan, z)
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
        if level is None:
            level = 100.0 * (1.0 - alpha) if alpha is not None else self.level
        z = stats.norm.ppf(0.5 + level / 200.0)
        theta = self.fit.theta
        with np.errstate(invalid="ignore"):
            se_theta = np.sqrt(np.diag(self.fit.vcov))
        se_theta = np.where(self.fit.unidentified, np.nan, se_theta)
        with np.errstate(over="ignore"):    # exp() is evaluated for every row, used for some
            lo = np.where(self._exp_mask, np.exp(theta - z * se_theta), theta - z * se_theta)
            hi = np.where(self._exp_mask, np.exp(theta + z * se_theta), theta + z * se_theta)
        return pd.DataFrame({"lower": lo, "upper": hi}, index=self.params.index)

    def _param_name(self, block: ParamBlock, term: str) -> str:
        prefix = f"{block.cls + 1}.{self.layout.label}:"
        return prefix + term if block.kind == "class" else f"{prefix}{block.equation}:{term}"

    def _tidy_frame(self, level: float) -> pd.DataFrame:
        ci = self.conf_int(level=level)
        return pd.DataFrame({"coef": self.params, "se": self.bse, "z": self.zvalues,
                             "pvalue": self.pvalues, "ci_lower": ci["lower"],
                             "ci_upper": ci["upper"]})

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
            for t in b.terms:
                r = frame.loc[self._param_name(b, t)]
                rows.append({"class": b.cls + 1,
                             "equation": self.layout.label if b.kind == "class" else b.equation,
                             "term": t, **r.to_dict()})
        return pd.DataFrame(rows, columns=["class", "equation", "term", "coef", "se", "z",
                                           "pvalue", "ci_lower", "ci_upper"])

    # -- display -----------------------------------------------------------------------------
    def summary(self, level: float | None = None) -> str:
        """Stata's header and tables (without the iteration log)."""
        return render_results(self, level)

    def __str__(self) -> str:
        log = self.iteration_log
        return (log + "\n\n" if log else "") + self.summary()

    def __repr__(self) -> str:
        return (f"<FMMResults {str(self.spec)!r}: nobs={self.nobs}, "
                f"llf={self.llf:.4f}, converged={self.converged}>")

    def _repr_html_(self) -> str:
        return render_results_html(self)

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

    def predict(self, statistic: str = "mu", *, marginal: bool = False,
                class_: int | None = None, outcome: str | None = None,
                data: pd.DataFrame | None = None, stub: str | None = None):
        """Predictions, as Stata's ``predict`` after ``fmm``.

        Parameters
        ----------
        statistic : str
            ``mu`` (default; ``pr`` is a synonym), ``eta``, ``density``,
            ``distribution``, ``classpr``, ``classposteriorpr``.
        marginal : bool
            For ``mu``, ``density``, ``distribution``: the mixture over classes.
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
