"""Postestimation: ``estat lcprob`` and ``predict``.

Examples
--------
>>> import fmmpy
>>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
>>> print(res.estat_lcprob())  # doctest: +NORMALIZE_WHITESPACE
Latent class marginal probabilities                        Number of obs = 485
<BLANKLINE>
--------------------------------------------------------------
             |            Delta-method
             |     Margin   std. err.     [95% conf. interval]
-------------+------------------------------------------------
       Class |
          1  |   .1942968   .0221242      .1545535    .2413428
          2  |   .3688746   .0286318      .3147305    .4265356
          3  |   .4368286    .027885       .383149      .49203
--------------------------------------------------------------
"""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
from scipy import stats
from scipy.special import expit, logit

from .checks import check_level
from .display.format import fmt_fc, fmt_g
from .display.tables import header_lines, rule, stata_level
from .errors import FMMDataError, FMMSyntaxError
from .design.variables import as_frame, check_exists
from .estimate.model import MixtureModel

if TYPE_CHECKING:  # pragma: no cover
    from .results import FMMResults

__all__ = ["MarginsTable", "estat_lcprob", "predict"]

_W = 62


@dataclass(frozen=True)
class MarginsTable:
    """A margins-style table (``estat lcprob``): printable, with ``to_frame()``.

    Attributes
    ----------
    title : str
    nobs : int
    level : float
    label : str
        Row-group label (the latent class name).
    frame : DataFrame
        Columns ``margin, se, ci_lower, ci_upper``, indexed by class.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> table = res.estat_lcprob()
    >>> table.title, table.nobs
    ('Latent class marginal probabilities', 485)
    """

    title: str
    nobs: int
    level: float
    label: str
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The numbers as a DataFrame (a copy).

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.estat_lcprob().to_frame().columns.tolist()
        ['margin', 'se', 'ci_lower', 'ci_upper']
        """
        return self.frame.copy()

    def tidy(self) -> pd.DataFrame:
        """One row per class: ``class, margin, se, ci_lower, ci_upper``.

        Examples
        --------
        >>> import fmmpy
        >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
        >>> res.estat_lcprob().tidy().round(4).iloc[0].tolist()
        [1.0, 0.1943, 0.0221, 0.1546, 0.2413]
        """
        return self.frame.rename_axis("class").reset_index()

    def __str__(self) -> str:
        lines = header_lines(self.title, [("Number of obs", fmt_fc(self.nobs))])
        lines.append("")
        lines.append("-" * _W)
        lines.append(f"{'':13}|{'':12}Delta-method")
        ci = f"[{stata_level(self.level)}% conf. interval]"
        lines.append(f"{'':13}|     Margin   std. err.     {ci}")
        lines.append(rule("mid", _W))
        lines.append(f"{self.label[:12]:>12} |")
        for idx, r in self.frame.iterrows():
            lines.append(f"{str(idx) + '  ':>13}|{fmt_g(r.margin, 9):>11}{fmt_g(r.se, 9):>11}"
                         f"{fmt_g(r.ci_lower, 9):>14}{fmt_g(r.ci_upper, 9):>12}")
        lines.append("-" * _W)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)

    def _repr_html_(self) -> str:
        lvl = stata_level(self.level)
        rows = "".join(
            f"<tr><th>{html.escape(str(i))}</th><td>{fmt_g(r.margin, 9)}</td>"
            f"<td>{fmt_g(r.se, 9)}</td><td>{fmt_g(r.ci_lower, 9)}</td>"
            f"<td>{fmt_g(r.ci_upper, 9)}</td></tr>" for i, r in self.frame.iterrows())
        return (f"<table><caption>{html.escape(self.title)} (Number of obs = {self.nobs})"
                f"</caption><thead><tr><th>{html.escape(self.label)}</th><th>Margin</th>"
                f"<th>Delta-method std. err.</th><th colspan='2'>[{lvl}% conf. interval]</th>"
                f"</tr></thead><tbody>{rows}</tbody></table>")


def margin_interval(m, se, z: float, scale: str):
    """The confidence interval of a margin ``m`` (numbers or arrays) with standard error
    ``se``: on the logit scale for probabilities (``scale="logit"``), on the log scale
    for positive means (``"log"``), symmetric otherwise -- as Stata's ``estat lcprob``
    and ``estat lcmean`` print them.

    Examples
    --------
    Stata's class-1 probability of the stamp example, .1942968 (se .0221242), has the
    interval [.1545535, .2413428]:

    >>> [round(float(v), 6) for v in margin_interval(.1942968, .0221242, 1.959964, "logit")]
    [0.154553, 0.241343]
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        if scale == "logit":
            half = z * se / (m * (1.0 - m))
            return expit(logit(m) - half), expit(logit(m) + half)
        if scale == "log":
            half = z * se / m
            return m * np.exp(-half), m * np.exp(half)
    return m - z * se, m + z * se


def estat_lcprob(res: "FMMResults", level: float | None = None) -> MarginsTable:
    """Marginal class probabilities: the (weighted) average over the estimation sample
    of each observation's predicted class probability, with delta-method standard
    errors and intervals computed on the logit scale, as Stata does.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> round(float(res.estat_lcprob().to_frame()["margin"].sum()), 12)
    1.0
    """
    level = res.level if level is None else check_level(level, "estat lcprob")
    model = res.model
    lay = res.layout
    theta = res.fit.theta
    pi = np.exp(model.class_logprob(theta))
    w = res.design.weights
    wn = w / w.sum()
    margins = wn @ pi
    # Jacobian of the margins with respect to theta: d pi_j / d delta_l = pi_j (1[j=l] - pi_l) Z_l
    J = np.zeros((lay.k, lay.n_params))
    for j in range(lay.k):
        for l in range(lay.k):
            block = lay.class_block(l)
            if block is None:
                continue
            dj = pi[:, j] * ((j == l) - pi[:, l])
            J[j, block.slice] = (wn * dj) @ model.classmodel.Z[l]
    V = J @ res.fit.vcov @ J.T
    se = np.sqrt(np.maximum(np.diag(V), 0.0))
    lo, hi = margin_interval(margins, se, stats.norm.ppf(0.5 + level / 200.0), "logit")
    frame = pd.DataFrame({"margin": margins, "se": se, "ci_lower": lo, "ci_upper": hi},
                         index=pd.Index(range(1, lay.k + 1), name=lay.label))
    return MarginsTable("Latent class marginal probabilities", res.nobs, level, lay.label,
                        frame)


# ---------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------

_STATS = ("mu", "eta", "density", "distribution", "survival", "classpr", "classposteriorpr",
          "scores")
_SYNONYMS = {"pr": "mu", "xb": "eta", "score": "scores"}


def predict(res: "FMMResults", statistic: str = "mu", *, marginal: bool = False,
            class_: int | None = None, outcome: str | None = None,
            data: pd.DataFrame | None = None, stub: str | None = None):
    """See :meth:`FMMResults.predict`.

    Examples
    --------
    >>> import fmmpy
    >>> df = fmmpy.datasets.load("stamp")
    >>> res = fmmpy.fmm("3: regress thickness", data=df, log=False)
    >>> round(float(res.predict("density", marginal=True).iloc[0]), 4)
    0.2663
    """
    stat = _SYNONYMS.get(statistic, statistic)
    if stat not in _STATS:
        raise FMMSyntaxError(f"predict: unknown statistic '{statistic}'; expected one of "
                             + ", ".join(_STATS + tuple(_SYNONYMS)))
    if marginal and stat not in ("mu", "density", "distribution", "survival"):
        raise FMMSyntaxError(f"predict: option marginal not allowed with {stat}")
    k = res.k
    if class_ is not None:
        if isinstance(class_, bool) or not isinstance(class_, (int, np.integer)):
            raise FMMSyntaxError(f"predict: class_ must be a class number (an int from 1 to "
                                 f"{k}), not {class_!r}")
        if not 1 <= class_ <= k:
            raise FMMSyntaxError(f"predict: class({class_}) out of range; the model has {k} "
                                 "classes")
    if stub is not None and not isinstance(stub, str):
        raise FMMSyntaxError(f"predict: stub must be a string, not {stub!r}")
    _check_index(res.design.data_index if data is None else
                 data.index if isinstance(data, pd.DataFrame) else None)
    if marginal and class_ is not None:
        raise FMMSyntaxError("predict: options marginal and class() may not be combined")
    if stat == "scores":
        if marginal or class_ is not None or outcome is not None:
            raise FMMSyntaxError("predict: scores takes no marginal, class() or outcome() "
                                 "option; it gives one column per parameter")
        return _scores(res, data, stub)
    design, index = _prediction_design(res, data, stat == "classposteriorpr")
    model = MixtureModel(design, res.layout)
    theta = res.fit.theta
    with np.errstate(all="ignore"):
        if stat in ("classpr", "classposteriorpr"):
            if stat == "classpr":
                values = np.exp(model.class_logprob(theta))
            else:
                values = model.posterior(theta)[0]
            values = design.to_rows(values)
        else:
            values = _outcome_stat(model, theta, stat, outcome)
            if marginal:
                pi = design.to_rows(np.exp(model.class_logprob(theta)))
                values = np.sum(pi * values, axis=1, keepdims=True)
    name = stub or stat
    if values.shape[1] == 1:
        out = pd.Series(np.nan, index=index, name=name)
        out.loc[design.index] = values[:, 0]
        return out
    if class_ is not None:
        out = pd.Series(np.nan, index=index, name=f"{name}{class_}")
        out.loc[design.index] = values[:, class_ - 1]
        return out
    frame = pd.DataFrame(np.nan, index=index, columns=[f"{name}{j + 1}" for j in range(k)])
    frame.loc[design.index] = values
    return frame


def _prediction_design(res: "FMMResults", data: pd.DataFrame | None, outcomes: bool):
    """The design predictions are computed on, and the index they align to.

    Posteriors need the outcomes: on the estimation data they come from the fitted
    design; on new data each equation uses the rows where its outcomes are known.
    Other statistics of grouped and multi-equation models are predicted on every
    estimation row where an equation's covariates are known (a speed equation's mean
    also on the laps without a speed)."""
    est = res.design
    if data is None:
        if outcomes or est.sample is None:
            return est, est.data_index
        return est.for_prediction(est.sample), est.data_index
    design = est.for_prediction(data, outcomes=outcomes and est.equationwise)
    if outcomes and est.group is not None and design.group is None:
        raise FMMDataError(f"predict classposteriorpr on new data needs the group() "
                           f"variable {est.group}")
    return design, design.data_index


def _check_index(index: pd.Index | None) -> None:
    """Predictions are aligned to the data's index: its labels must be unique."""
    if index is not None and not index.is_unique:
        raise FMMDataError("predict: the data's index has duplicate labels, so predictions "
                           "cannot be aligned to its rows; use data.reset_index(drop=True)")


def _scores(res: "FMMResults", data: pd.DataFrame | None, stub: str | None) -> pd.DataFrame:
    """Per-observation scores ``d ln L_i / d b`` for every parameter in ``res.params``
    (unweighted, as Stata's ``predict, scores``); variances are differentiated on the
    reported scale.  Columns are the parameter names, or ``stub1, stub2, ...``."""
    names = list(res.layout.names)
    columns = names if stub is None else [f"{stub}{i + 1}" for i in range(len(names))]
    if data is None:
        design = res.design
        index = design.data_index
    elif res.design.equationwise:
        index = data.index
        design = _prediction_design(res, data, True)[0]
    else:
        depvars = sorted({v for cd in res.design.classes for ed in cd.equations
                          for v in ed.depvars})
        data = as_frame(data)
        check_exists(depvars, [str(c) for c in data.columns])
        index = data.index
        complete = data[depvars].notna().all(axis=1) if depvars else slice(None)
        design = res.design.for_prediction(data.loc[complete])
    model = MixtureModel(design, res.layout)
    theta = res.fit.theta
    with np.errstate(all="ignore"):
        _, U = model.derivatives(theta, order=1, scores=True)
    if U is None:
        raise FMMDataError("predict scores: the log likelihood cannot be evaluated on these "
                           "data")
    log_scale = res.layout.log_scale      # exp only where needed: other parameters may be huge
    U[:, log_scale] = U[:, log_scale] / np.exp(theta[log_scale])
    if design.unit is not None:
        # A group's score sits on its first row (zeros on its other rows), so that
        # sums within groups give the groups' scores.
        rows = np.zeros((design.n_rows, U.shape[1]))
        rows[np.unique(design.unit, return_index=True)[1]] = U
        U = rows
    frame = pd.DataFrame(np.nan, index=index, columns=columns)
    frame.loc[design.index] = U
    return frame


def _outcome_stat(model: MixtureModel, theta: np.ndarray, stat: str, outcome: str | None
                  ) -> np.ndarray:
    """A class-specific statistic for one equation on the design's rows, shape
    ``(rows, k)`` (missing on rows the equation does not use)."""
    out = np.full((model.design.n_rows, model.k), np.nan)
    depvar, level = _parse_outcome(outcome)
    for j in range(model.k):
        eqs = model.equations[j]
        e = _equation_index(eqs, depvar)
        ed, _ = eqs[e]
        eta = model.eta(theta, j, e)
        family = ed.family if level is None else _at_level(ed.family, level)
        rows = slice(None) if ed.rows is None else ed.rows
        out[rows, j] = family.predict(stat, ed.outcome, eta)
    return out


def _parse_outcome(outcome: str | None) -> tuple[str | None, str | None]:
    """``outcome(depvar [#])``: ``"y"``, ``"y 2"``, ``"2.y"`` or ``"y #2"`` (the second
    level) -> (depvar, level text)."""
    if outcome is None:
        return None, None
    text = str(outcome).strip()
    m = re.fullmatch(r"(-?\d+(?:\.\d+)?)\.([A-Za-z_]\w*)", text)
    if m:
        return m.group(2), m.group(1)
    m = re.fullmatch(r"([A-Za-z_]\w*)(?:\s+(#\d+|-?\d+(?:\.\d*)?))?", text)
    if m is None:
        raise FMMSyntaxError(f"predict: outcome({outcome}) should be 'depvar', 'depvar #', "
                             "'#.depvar' or 'depvar ##'")
    return m.group(1), m.group(2)


def _at_level(family, level: str):
    """The family predicting one outcome level (a value, or ``#k`` for the k-th)."""
    levels = family.outcome_levels()
    if levels is None:
        return family.at_outcome_level(float("nan"))      # raises: not a multi-outcome model
    if level.startswith("#"):
        k = int(level[1:])
        if not 1 <= k <= len(levels):
            raise FMMSyntaxError(f"predict: outcome level {level} out of range; the outcome "
                                 f"has {len(levels)} levels")
        return family.at_outcome_level(levels[k - 1])
    if float(level) not in levels:
        raise FMMSyntaxError(f"predict: outcome level {level} is not among the outcome values "
                             f"({', '.join(f'{v:g}' for v in levels)})")
    return family.at_outcome_level(float(level))


def _equation_index(eqs, outcome: str | None) -> int:
    if outcome is None:
        return 0
    for e, (ed, _) in enumerate(eqs):
        if outcome in ed.depvars:
            return e
    raise FMMDataError(f"predict: outcome({outcome}) is not a dependent variable of the model")
