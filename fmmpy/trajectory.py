"""Class trajectories: each latent class's predicted curves over a covariate such as
time, the numbers behind ``res.plot("trajectory")``.

For every equation of the model, :func:`class_curves` evaluates each class's
prediction (``predict("mu")``: the mean of a continuous outcome, the probability of
each outcome level of a multinomial one) on a grid of the covariate, holding the
equation's other covariates at values given in ``at``.  :func:`observed_curves` gives
the matching data summary: at each observed value of the covariate, the average
outcome with every unit weighted by its posterior probability of the class.

Examples
--------
>>> import fmmpy
>>> df = fmmpy.datasets.simulate_trajectories(120, seed=3, max_laps=20)
>>> res = fmmpy.fmm("2, group(runner): regress speed t", data=df, log=False)
>>> curves = class_curves(res, points=3)
>>> curves.round(2)
curve speed
Class     1      2
t
0.050  8.96  11.58
0.525  7.42  10.22
1.000  5.87   8.86
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .errors import FMMDataError
from .families.base import linear_predictors

if TYPE_CHECKING:  # pragma: no cover
    from .results import FMMResults

__all__ = ["class_curves", "observed_curves", "default_x"]


def default_x(res: "FMMResults") -> str:
    """The first continuous covariate of the first equation (``t`` in the runners'
    model).

    Raises
    ------
    FMMDataError
        When the first equation has no continuous covariate.

    Examples
    --------
    >>> import fmmpy
    >>> df = fmmpy.datasets.simulate_trajectories(120, seed=3, max_laps=20)
    >>> default_x(fmmpy.fmm("2, group(runner): regress speed t c.t#c.t", data=df, log=False))
    't'
    """
    ed = res.design.classes[0].equations[0]
    for term in ed.builder.rhs.terms:
        for f in term.factors:
            if not f.categorical and f.expr is None:
                return f.var
    raise FMMDataError("trajectories need a continuous covariate such as time; give x=")


def _observed_x(res: "FMMResults", x: str) -> np.ndarray:
    """The covariate's values on the estimation rows."""
    sample = res.design.sample
    if sample is not None and x in sample.columns:
        return pd.to_numeric(sample[x], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    ed = res.design.classes[0].equations[0]
    if ed.rows is None and x in ed.xnames:
        return ed.X["main"][:, ed.xnames.index(x)]
    raise FMMDataError(f"the values of {x} are not kept with this fit; give grid=")


def _curve_names(ed) -> list[tuple[str, Any, float | None]]:  # noqa: ANN001
    """``(label, family to predict with, outcome level)`` of an equation's curves: its
    mean, or the probability of each level of a multi-outcome model (``mlogit``;
    ``Family.outcome_levels`` and ``at_outcome_level``)."""
    levels_of = getattr(ed.family, "outcome_levels", None)
    levels = levels_of() if levels_of is not None else None
    dv = ed.depvars[0]
    if not levels:
        return [(dv, ed.family, None)]
    return [(f"Pr({dv}={v:g})", ed.family.at_outcome_level(v), v) for v in levels]


def _selected(res: "FMMResults", outcome: str | Sequence[str] | None) -> list[int]:
    eqs = res.design.classes[0].equations
    if outcome is None:
        return list(range(len(eqs)))
    wanted = [outcome] if isinstance(outcome, str) else list(outcome)
    out: list[int] = []
    for name in wanted:
        e = next((e for e, ed in enumerate(eqs) if name in ed.depvars), None)
        if e is None:
            raise FMMDataError(f"{name} is not a dependent variable of the model")
        out.append(e)
    return out


def class_curves(res: "FMMResults", x: str | None = None, *, grid: Any = None,
                 outcome: str | Sequence[str] | None = None,
                 at: Mapping[str, float] | None = None, points: int = 100) -> pd.DataFrame:
    """Each class's predicted curves over ``x``.

    Parameters
    ----------
    res : FMMResults
    x : str, optional
        The covariate on the horizontal axis (default: :func:`default_x`).
    grid : array-like, optional
        Its values (default: ``points`` values from its smallest to its largest
        observed value).
    outcome : str or list of str, optional
        The equations (dependent variables) to evaluate (default: all).
    at : mapping, optional
        Values of the equations' other covariates (and offsets).
    points : int
        Size of the default grid.

    Returns
    -------
    DataFrame
        Indexed by the grid; columns ``(curve, class)``: the outcome's name for a
        mean, ``Pr(y=v)`` for each level of a multi-outcome model.

    Raises
    ------
    FMMDataError
        When an equation needs a covariate that is neither ``x`` nor in ``at``.

    Examples
    --------
    >>> import fmmpy
    >>> df = fmmpy.datasets.simulate_trajectories(120, seed=3, max_laps=20)
    >>> res = fmmpy.fmm("2, group(runner): regress speed t ; glm rest t, family(lognormal)",
    ...                 data=df, log=False)
    >>> class_curves(res, grid=[0.5]).columns.tolist()
    [('speed', 1), ('speed', 2), ('rest', 1), ('rest', 2)]
    """
    x = x or default_x(res)
    if grid is None:
        values = _observed_x(res, x)
        grid = np.linspace(np.nanmin(values), np.nanmax(values), points)
    grid = np.asarray(grid, dtype=float).ravel()
    frame = pd.DataFrame({x: grid})
    for name, value in (at or {}).items():
        frame[name] = value
    model = res.model
    theta = res.fit.theta
    columns: dict[tuple[str, int], np.ndarray] = {}
    for e in _selected(res, outcome):
        for j in range(res.k):
            ed, sl = model.equations[j][e]
            needed = set(ed.builder.rhs.variables()) | {
                v for b in ed.extra_builders.values() for v in b.rhs.variables()}
            offset = None
            for opt in ("offset", "exposure"):
                ref = ed.spec.option(opt)
                if ref is not None:
                    needed.add(ref.name)
            missing = sorted(needed - set(frame.columns))
            if missing:
                raise FMMDataError(f"the {' '.join(ed.depvars)} equation also needs "
                                   f"{', '.join(missing)}: give their values with at=")
            X = {"main": ed.builder.matrix(frame)}
            X.update({name: b.matrix(frame) for name, b in ed.extra_builders.items()})
            for opt in ("exposure", "offset"):
                ref = ed.spec.option(opt)
                if ref is not None:
                    v = frame[ref.name].to_numpy(dtype=float)
                    v = np.log(v) if opt == "exposure" else v
                    offset = v if offset is None else offset + v
            eta = linear_predictors(ed.blocks, X, theta[sl], grid.size, offset)
            for label, family, _ in _curve_names(ed):
                with np.errstate(all="ignore"):
                    columns[(label, j + 1)] = family.predict("mu", None, eta)
    out = pd.DataFrame(columns, index=pd.Index(grid, name=x))
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["curve", res.layout.label])
    return out


def observed_curves(res: "FMMResults", x: str | None = None,
                    outcome: str | Sequence[str] | None = None) -> pd.DataFrame:
    """Posterior-weighted averages of the data at each observed value of ``x``: for
    class ``j`` and value ``x0``, ``sum_i p_ij y_i / sum_i p_ij`` over the rows with
    ``x = x0`` (``y`` is the outcome, or the indicator of each level of a
    multi-outcome model), ``p_ij`` the posterior probability of the row's unit.

    Returns
    -------
    DataFrame
        Indexed by the observed values of ``x``; columns as :func:`class_curves`.

    Examples
    --------
    >>> import fmmpy
    >>> df = fmmpy.datasets.simulate_trajectories(120, seed=3, max_laps=20)
    >>> res = fmmpy.fmm("2, group(runner): regress speed t", data=df, log=False)
    >>> observed_curves(res).shape
    (20, 2)
    """
    x = x or default_x(res)
    xv = _observed_x(res, x)
    post = res.posterior * res.design.weights[:, None]
    levels, where = np.unique(xv[~np.isnan(xv)], return_inverse=True)
    code = np.full(xv.size, -1)
    code[~np.isnan(xv)] = where
    columns: dict[tuple[str, int], np.ndarray] = {}
    for e in _selected(res, outcome):
        ed = res.design.classes[0].equations[e]
        c = code if ed.rows is None else code[ed.rows]
        ok = c >= 0
        p = ed.to_rows(post)[ok]
        y = np.asarray(ed.outcome.y, dtype=float)[ok]
        for label, _, level in _curve_names(ed):
            value = y if level is None else (y == level).astype(float)
            for j in range(res.k):
                num = np.bincount(c[ok], weights=p[:, j] * value, minlength=levels.size)
                den = np.bincount(c[ok], weights=p[:, j], minlength=levels.size)
                with np.errstate(all="ignore"):
                    columns[(label, j + 1)] = num / den
    out = pd.DataFrame(columns, index=pd.Index(levels, name=x))
    out.columns = pd.MultiIndex.from_tuples(out.columns, names=["curve", res.layout.label])
    return out
