"""Plots of a fitted mixture: ``res.plot("density")``, ``res.plot("posterior")``.

matplotlib is the optional ``plot`` extra (``pip install "fmmpy[plot]"``); it is
imported only when a plot is drawn, and its absence raises
:class:`~fmmpy.errors.FMMDependencyError` saying so.  Every function returns a
``matplotlib.figure.Figure`` (drawn with the object-oriented API, so no global
pyplot state is touched; in Jupyter the figure shows as the cell's value).

The numbers behind the density plot come from :func:`mixture_density`, which needs
no matplotlib.

Examples
--------
>>> import fmmpy
>>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
>>> fig = res.plot("density", bins=80)
>>> [t.get_text() for t in fig.legends[0].get_texts()]
['thickness', 'mixture density', 'Class 1', 'Class 2', 'Class 3']
"""

from __future__ import annotations

import inspect
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .checks import check_int
from .errors import FMMDataError, FMMDependencyError, FMMSyntaxError
from .estimate.model import MixtureModel
from .families.base import Outcome

if TYPE_CHECKING:  # pragma: no cover
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from .results import FMMResults

__all__ = ["plot", "plot_density", "plot_posterior", "plot_trajectory", "mixture_density",
           "stata_bins"]

KINDS = ("density", "posterior", "trajectory")
_MAX_ROWS = 2_000_000


def _figure(ax: "Axes | None") -> tuple["Figure", "Axes"]:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise FMMDependencyError("plots need matplotlib, which is not installed: "
                                 "pip install 'fmmpy[plot]' (or pip install matplotlib)"
                                 ) from None
    if ax is not None:
        return ax.figure, ax  # type: ignore[return-value]
    fig = Figure(figsize=(6.4, 4.6), layout="constrained")
    return fig, fig.add_subplot()


def _legend(fig: "Figure", ax: "Axes") -> None:
    """The legend below the plot, as Stata's ``legend(pos(6))``; inside the axes when
    the figure holds several."""
    if len(fig.axes) > 1:
        ax.legend(frameon=False)
        return
    for old in list(fig.legends):
        old.remove()
    handles, labels = ax.get_legend_handles_labels()
    fig.legend(handles, labels, loc="outside lower center", ncol=min(len(labels), 5),
               frameon=False)


def plot(res: "FMMResults", kind: str = "density", **kwargs: Any) -> "Figure":
    """Draw a plot of a fitted model (``res.plot(kind, ...)``).

    Parameters
    ----------
    res : FMMResults
    kind : str
        ``"density"`` (:func:`plot_density`), ``"posterior"`` (:func:`plot_posterior`)
        or ``"trajectory"`` (:func:`plot_trajectory`).
    **kwargs
        Passed to the plot's function.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> res.plot("histogram")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMSyntaxError: unknown plot kind 'histogram'; expected density, posterior or trajectory
    """
    draw = {"density": plot_density, "posterior": plot_posterior,
            "trajectory": plot_trajectory}.get(kind) if isinstance(kind, str) else None
    if draw is None:
        raise FMMSyntaxError(f"unknown plot kind {kind!r}; expected " + ", ".join(KINDS[:-1])
                             + f" or {KINDS[-1]}")
    params = inspect.signature(draw).parameters.values()
    allowed = [p.name for p in params if p.kind == p.KEYWORD_ONLY]
    unknown = [name for name in kwargs if name not in allowed]
    if unknown and not any(p.kind == p.VAR_KEYWORD for p in params):
        raise FMMSyntaxError(f"res.plot({kind!r}): unknown option(s) {', '.join(unknown)}; "
                             f"allowed: {', '.join(allowed)}")
    return draw(res, **kwargs)


# ---------------------------------------------------------------------------
# The numbers
# ---------------------------------------------------------------------------


def _equations(model: MixtureModel, outcome: str | None) -> tuple[str, list[int]]:
    """The outcome's name and, for each class, the index of its equation."""
    first = model.equations[0][0][0].depvars[0]
    name = outcome or first
    found: list[int] = []
    for j, eqs in enumerate(model.equations):
        e = next((e for e, (ed, _) in enumerate(eqs) if name in ed.depvars), None)
        if e is None:
            raise FMMDataError(f"class {j + 1} has no equation for {name}")
        if len(eqs[e][0].depvars) > 1 or np.ndim(eqs[e][0].outcome.y) > 1:
            raise FMMDataError(f"a density plot needs one dependent variable; {name}'s "
                               "equation has several")
        found.append(e)
    return name, found


def mixture_density(res: "FMMResults", grid: Any, outcome: str | None = None
                    ) -> pd.DataFrame:
    """The mixture density of the outcome on a grid, averaged over the estimation
    sample (with its weights), and each class's share ``pi_j f_j(y)``.

    With covariates the density of ``y`` differs between observations; this is their
    average, the density of ``y`` in the sample.  Without covariates it is the fitted
    mixture itself (what ``predict, density marginal`` gives at those values).

    Parameters
    ----------
    res : FMMResults
    grid : array-like
        Values of the outcome.
    outcome : str, optional
        The dependent variable (default: the first equation's).

    Returns
    -------
    DataFrame
        Indexed by the grid; column ``density`` and one column per class (``Class 1``,
        ...) that add up to it.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> dens = mixture_density(res, [0.07, 0.08])
    >>> dens.round(2)
               density  Class 1  Class 2  Class 3
    thickness
    0.07         39.99     38.4     0.10     1.49
    0.08         56.84      0.0    51.81     5.02
    """
    model = res.model
    theta = res.fit.theta
    name, eqs = _equations(model, outcome)
    ed0 = model.equations[0][eqs[0]][0]           # the outcome's rows (and their units)
    pi = ed0.to_rows(np.exp(model.class_logprob(theta)))
    etas = [model.eta(theta, j, e) for j, e in enumerate(eqs)]
    extras = [model.equations[j][e][0].outcome.extras for j, e in enumerate(eqs)]
    keys = np.hstack([pi] + etas + [np.column_stack(list(x.values())) for x in extras if x])
    _, first, inverse = np.unique(keys, axis=0, return_index=True, return_inverse=True)
    weights = np.bincount(inverse.ravel(), weights=ed0.to_rows(res.design.weights),
                          minlength=first.size)
    weights = weights / weights.sum()
    y = np.asarray(grid, dtype=float).ravel()
    m = first.size
    step = max(1, _MAX_ROWS // m)
    shares = np.empty((y.size, model.k))
    for lo in range(0, y.size, step):
        part = y[lo:lo + step]
        rows = np.tile(first, part.size)
        yy = np.repeat(part, m)
        for j, e in enumerate(eqs):
            ed = model.equations[j][e][0]
            out = Outcome(yy, {k: v[rows] for k, v in extras[j].items()})
            with np.errstate(all="ignore"):
                f = ed.family.predict("density", out, etas[j][rows])
            f = np.nan_to_num(f, nan=0.0).reshape(part.size, m)
            shares[lo:lo + step, j] = f @ (weights * pi[first, j])
    label = res.layout.label
    frame = pd.DataFrame(shares, columns=[f"{label} {j + 1}" for j in range(model.k)],
                         index=pd.Index(y, name=name))
    frame.insert(0, "density", frame.sum(axis=1))
    return frame


def stata_bins(n: int) -> int:
    """Stata's default number of histogram bins, ``min(sqrt(N), 10 ln(N)/ln(10))``.

    Examples
    --------
    >>> stata_bins(485)
    22
    """
    return max(1, int(min(np.sqrt(n), 10.0 * np.log10(n))))


# ---------------------------------------------------------------------------
# The plots
# ---------------------------------------------------------------------------


def plot_density(res: "FMMResults", *, outcome: str | None = None, bins: int | None = None,
                 hist: bool = True, components: bool = True, label: str | None = None,
                 color: str = "#1a1a1a", points: int = 400, ax: "Axes | None" = None
                 ) -> "Figure":
    """Histogram of the outcome with the fitted mixture density and each class's
    weighted density ``pi_j f_j(y)`` (the seed's ``histogram thickness, bins(80)
    addplot(line den thickness)``).

    Parameters
    ----------
    res : FMMResults
    outcome : str, optional
        The dependent variable (default: the first equation's).
    bins : int, optional
        Histogram bins (default: Stata's rule, :func:`stata_bins`).
    hist, components : bool
        Draw the histogram; draw the classes' weighted densities.
    label : str, optional
        Legend text of the mixture density (default ``"mixture density"``).
    color : str
        Colour of the mixture density's line.
    points : int
        Grid points of the density curves.
    ax : matplotlib Axes, optional
        Draw into these axes (to overlay two models) instead of a new figure.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> fig = plot_density(res, components=False)
    >>> fig.axes[0].get_xlabel(), fig.axes[0].get_ylabel()
    ('thickness', 'Density')
    """
    if bins is not None:
        bins = check_int(bins, "plot: bins", minimum=1)
    points = check_int(points, "plot: points", minimum=2)
    name, eqs = _equations(res.model, outcome)
    fig, ax = _figure(ax)
    ed = res.design.classes[0].equations[eqs[0]]
    y = np.asarray(ed.outcome.y, dtype=float)
    if hist:
        ax.hist(y, bins=bins or stata_bins(y.size), range=(y.min(), y.max()), density=True,
                weights=ed.to_rows(res.design.weights), color="#c6d8ea", edgecolor="#4a6f96",
                linewidth=0.6, label=name)
    pad = 0.05 * (y.max() - y.min())
    grid = np.linspace(y.min() - pad, y.max() + pad, points)
    dens = mixture_density(res, grid, name)
    ax.plot(grid, dens["density"], color=color, linewidth=1.8,
            label=label or "mixture density")
    if components:
        for col in dens.columns[1:]:
            ax.plot(grid, dens[col], linestyle="--", linewidth=1.2, label=col)
    ax.set_xlabel(name)
    ax.set_ylabel("Density")
    _legend(fig, ax)
    return fig


def plot_posterior(res: "FMMResults", *, x: str | None = None, data: pd.DataFrame | None = None,
                   ax: "Axes | None" = None) -> "Figure":
    """Posterior class probabilities of the estimation sample against the outcome
    (default) or another variable.

    Against the outcome of a model without covariates the posteriors are a function
    of the outcome and are drawn as lines; otherwise each observation is a point.

    Parameters
    ----------
    res : FMMResults
    x : str, optional
        The variable on the horizontal axis (default: the first dependent variable).
    data : DataFrame, optional
        The estimation data; needed when ``x`` is not the dependent variable.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> fig = plot_posterior(res)
    >>> len(fig.axes[0].get_lines()), [float(v) for v in fig.axes[0].get_ylim()]
    (3, [0.0, 1.0])
    """
    model = res.model
    name, eqs = _equations(model, None)
    on_outcome = x is None or x == name
    if on_outcome:
        ed = res.design.classes[0].equations[eqs[0]]
        values = np.asarray(ed.outcome.y, dtype=float)
        post = ed.to_rows(res.posterior)
        x = name
    else:
        if data is None or x not in data.columns:
            raise FMMDataError(f"plotting posteriors against {x} needs data= with column {x}")
        values = pd.to_numeric(data.loc[res.design.index, x], errors="coerce").to_numpy(
            dtype=float, na_value=np.nan)
        post = res.design.to_rows(res.posterior)
    keep = ~np.isnan(values)
    order = np.argsort(values[keep], kind="stable")
    xs, ps = values[keep][order], post[keep][order]
    starts = np.flatnonzero(np.r_[True, xs[1:] != xs[:-1]])
    # Lines where the posterior is a function of x: x is the outcome and nothing else
    # (class probabilities, linear predictors) varies between observations.
    theta = res.fit.theta
    varying = [np.exp(model.class_logprob(theta))] + [model.eta(theta, j, e)
                                                       for j, e in enumerate(eqs)]
    as_lines = on_outcome and all(np.ptp(a, axis=0).max() == 0 for a in varying)
    fig, ax = _figure(ax)
    label = res.layout.label
    for j in range(post.shape[1]):
        if as_lines:
            ax.plot(xs[starts], ps[starts, j], marker="o", markersize=2.5, linewidth=1.2,
                    label=f"{label} {j + 1}")
        else:
            ax.scatter(xs, ps[:, j], s=6, alpha=0.6, label=f"{label} {j + 1}")
    ax.set_ylim(0.0, 1.0)
    ax.set_xlabel(x)
    ax.set_ylabel("Posterior probability")
    _legend(fig, ax)
    return fig


def plot_trajectory(res: "FMMResults", *, x: str | None = None,
                    outcome: str | list[str] | None = None, grid: Any = None,
                    at: dict[str, float] | None = None, points: int = 100,
                    observed: bool = True) -> "Figure":
    """Each class's trajectory over a covariate such as time: one panel per curve
    (the mean of a continuous outcome; for a multinomial outcome the probability of
    each level but the first), one line per class, and, with ``observed=True``, the
    posterior-weighted averages of the data at each observed value as points
    (:func:`fmmpy.trajectory.class_curves`, :func:`fmmpy.trajectory.observed_curves`).

    For the runners' model (``regress speed t c.t#c.t c.t#c.t#c.t ; mlogit status t``)
    the panels are the class speed curves and the probabilities of a rest and of
    withdrawal over ``t``.

    Parameters
    ----------
    res : FMMResults
    x : str, optional
        The covariate (default: the first continuous covariate of the first equation).
    outcome : str or list of str, optional
        The equations to draw (default: all).
    grid, at, points
        See :func:`fmmpy.trajectory.class_curves`.
    observed : bool
        Draw the posterior-weighted averages of the data (when the fit keeps the
        covariate's values: models with ``group()`` or several equations).

    Returns
    -------
    matplotlib.figure.Figure

    Raises
    ------
    FMMDataError
        When the model has no continuous covariate to draw the curves over.

    Examples
    --------
    >>> import fmmpy
    >>> df = fmmpy.datasets.simulate_trajectories(120, seed=3, max_laps=20)
    >>> res = fmmpy.fmm("2, group(runner): regress speed t ; glm rest t, family(lognormal)",
    ...                 data=df, log=False)
    >>> fig = res.plot("trajectory")
    >>> [ax.get_title() for ax in fig.axes]
    ['speed', 'rest']
    """
    from .trajectory import class_curves, default_x, observed_curves

    try:
        x = x or default_x(res)
    except FMMDataError:
        raise FMMDataError("res.plot('trajectory') draws each class's curves over a covariate "
                           "such as time (group-based trajectory models); this model's first "
                           "equation has no continuous covariate: give x=") from None
    curves = class_curves(res, x, grid=grid, outcome=outcome, at=at, points=points)
    dots = None
    if observed:
        try:
            dots = observed_curves(res, x, outcome)
        except FMMDataError:
            dots = None
    labels = list(dict.fromkeys(curves.columns.get_level_values(0)))
    seen: set[str] = set()
    panels = []
    for name in labels:           # a multinomial outcome's first level is the reference
        dv = name[3:].split("=")[0] if name.startswith("Pr(") else None
        if dv is not None and dv not in seen:
            seen.add(dv)
            continue
        panels.append(name)
    fig, _ = _figure(None)
    fig.clear()
    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    fig.set_size_inches(4.2 * ncols, 3.6 * nrows)
    label = res.layout.label
    colors = [f"C{j}" for j in range(res.k)]
    for i, name in enumerate(panels):
        ax = fig.add_subplot(nrows, ncols, i + 1)
        for j in range(res.k):
            ax.plot(curves.index, curves[(name, j + 1)], color=colors[j], linewidth=1.8,
                    label=f"{label} {j + 1}")
            if dots is not None:
                ax.scatter(dots.index, dots[(name, j + 1)], color=colors[j], s=8, alpha=0.5)
        ax.set_title(name)
        ax.set_xlabel(x)
        if name.startswith("Pr("):
            ax.set_ylim(bottom=0.0)
    handles, names = fig.axes[0].get_legend_handles_labels()
    fig.legend(handles, names, loc="outside lower center", ncol=min(res.k, 5), frameon=False)
    return fig
