"""Starting values, Stata's way.

``startvalues(factor)`` (the default): rank the estimation sample by the model's
variable (or, with several, by the first principal-component score of the
standardized variables) and cut it into ``k`` groups of equal size,
``class = floor(k (rank - 1) / n) + 1``; fit the class model to those groups
("Fitting class model") and each class's outcome model to its own group
("Fitting outcome model").  The other methods of Stata's ``startvalues()`` produce
a class assignment or class probabilities and go through the same two fits; they
are registered in :data:`START_METHODS`.

Examples
--------
>>> import numpy as np
>>> factor_groups(np.array([3.0, 1.0, 2.0, 5.0, 4.0]), 2, np.ones(5)).tolist()
[0, 0, 0, 1, 1]
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from ..errors import FMMDataError, FMMSyntaxError
from ..parse.spec import StartValues
from .log import IterationLog
from .ml import newton_raphson
from .model import MixtureModel

__all__ = ["factor_groups", "start_values", "fit_from_posteriors", "START_METHODS",
           "factor_score"]


def factor_groups(score: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """0-based groups of (weighted) equal size in the order of ``score``.

    With unit weights: ``floor(k * (rank - 1) / n)``; frequency weights count as
    repeated rows.
    """
    order = np.argsort(score, kind="stable")
    cum = np.cumsum(w[order]) - w[order]
    total = float(w.sum())
    groups = np.empty(score.shape[0], dtype=int)
    groups[order] = np.minimum(np.floor(k * cum / total).astype(int), k - 1)
    return groups


def factor_score(model: MixtureModel) -> np.ndarray:
    """The variable that orders the units for ``startvalues(factor)``: the single
    outcome variable (:meth:`Family.factor_columns`: the dependent variable, ``_t``
    for ``streg``...), or the first principal-component score of the standardized
    outcome variables and continuous covariates (signed so that it increases with
    the first outcome variable).  With ``group()`` or equationwise samples each
    variable is first averaged over the rows of a unit (units without rows in an
    equation take the variable's mean)."""
    columns: list[np.ndarray] = []
    seen: set[bytes] = set()
    for cd in model.design.classes:
        for ed in cd.equations:
            ys = ed.family.factor_columns(ed.outcome)
            for col in ys + [ed.X["main"][:, i] for i in range(ed.X["main"].shape[1])]:
                col = _unit_means(model, ed, col)
                finite = np.isfinite(col)
                if not finite.all() or np.ptp(col) == 0:
                    continue
                key = col.tobytes()
                if key not in seen:
                    seen.add(key)
                    columns.append(col)
    if not columns:
        raise FMMDataError("startvalues(factor): the model has no variable that varies")
    if len(columns) == 1:
        return columns[0]
    M = np.column_stack(columns)
    w = model.w
    mean = np.average(M, axis=0, weights=w)
    sd = np.sqrt(np.average((M - mean) ** 2, axis=0, weights=w))
    Zs = (M - mean) / sd
    corr = (Zs * w[:, None]).T @ Zs / w.sum()
    vals, vecs = np.linalg.eigh(corr)
    v = vecs[:, np.argmax(vals)]
    if v[0] < 0:
        v = -v
    return Zs @ v


def _unit_means(model: MixtureModel, ed, col: np.ndarray) -> np.ndarray:  # noqa: ANN001
    """An equation's row values averaged within units; the overall mean where a unit
    has no rows in the equation."""
    if ed.unit is None:
        return col
    with np.errstate(all="ignore"):
        sums = model.unit_sum(ed, col)
        counts = model.unit_sum(ed, np.ones_like(col))
        means = sums / counts
    return np.where(counts > 0, means, np.nanmean(col) if col.size else 0.0)


def fit_from_posteriors(model: MixtureModel, post: np.ndarray, log: IterationLog | None,
                        settings_iterate: int = 300) -> np.ndarray:
    """Fit the class model and the outcome model to given class probabilities
    (hard 0/1 assignments or soft probabilities), logging both fits as Stata does."""
    lay = model.layout
    theta = np.zeros(lay.n_params)
    pw = model.w[:, None] * post
    counts = pw.sum(axis=0)
    if np.any(counts <= 0):
        empty = ", ".join(str(j + 1) for j in np.flatnonzero(counts <= 0))
        raise FMMDataError(f"class {empty} has no observations at the start; use fewer "
                           "classes or another startvalues() method")
    class_idx = np.concatenate([np.arange(b.start, b.stop) for b in lay.blocks
                                if b.kind == "class"]) if model.k > 1 else np.zeros(0, int)
    if model.k > 1:
        # Constant-only closed form; covariates start at zero.
        for j in range(model.k):
            b = lay.class_block(j)
            if b is not None:
                theta[b.stop - 1] = np.log(counts[j] / counts[model.design.base])
        theta = _logged_fit(model, theta, post, class_idx, 0, log, "Fitting class model:",
                            "(class) log likelihood", settings_iterate)
    out_idx = np.setdiff1d(np.arange(lay.n_params), class_idx)
    for j in range(model.k):
        for ed, sl in model.equations[j]:
            theta[sl] = ed.family.start(ed.outcome, ed.X, ed.to_rows(pw[:, j]))
    theta = _logged_fit(model, theta, post, out_idx, 1, log, "Fitting outcome model:",
                        "(outcome) log likelihood", settings_iterate)
    return theta


def _logged_fit(model: MixtureModel, theta: np.ndarray, post: np.ndarray, idx: np.ndarray,
                part: int, log: IterationLog | None, title: str, caption: str,
                iterate: int) -> np.ndarray:
    """Maximize one part of the complete-data objective (class or outcome model) over
    the parameters ``idx``, respecting the layout's constraints: the free parameters
    that move ``theta[idx]`` are fitted and the result satisfies the constraints."""
    if log is not None:
        log.section(title)
    lay = model.layout
    rows = np.zeros(lay.n_params, dtype=bool)
    rows[idx] = True
    cols = np.flatnonzero(np.any(lay.T[rows] != 0.0, axis=0))
    phi0 = lay.to_phi(theta)
    Tc = lay.T[:, cols]

    def full(x: np.ndarray) -> np.ndarray:
        phi = phi0.copy()
        phi[cols] = x
        return lay.to_theta(phi)

    def fun(x: np.ndarray, order: int):
        q_class, q_out, g, H = model.q_derivatives(full(x), post, order=2 if order else 0)
        value = (q_class, q_out)[part]
        if not np.isfinite(value):
            return -np.inf, None, None
        if order == 0:
            return value, None, None
        g_part = np.where(rows, g, 0.0)
        H_part = H * np.outer(rows, rows)
        return value, Tc.T @ g_part, Tc.T @ H_part @ Tc

    if cols.size == 0:
        if log is not None:
            log.iteration(0, fun(np.zeros(0), 0)[0], caption)
        return full(np.zeros(0))
    result = newton_raphson(fun, phi0[cols], iterate=iterate, log=log, caption=caption)
    return full(result.x)


def _factor(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> np.ndarray:
    groups = factor_groups(factor_score(model), model.k, model.w)
    post = np.zeros((model.n, model.k))
    post[np.arange(model.n), groups] = 1.0
    return post


def _uniformpr(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> np.ndarray:
    """The seed's random rule: every unit (group) draws ``k`` uniform numbers on
    (0, 1), normalized to sum to one."""
    u = rng.uniform(size=(model.n, model.k))
    return u / u.sum(axis=1, keepdims=True)


#: startvalues() methods: each returns initial class probabilities ``(n, k)`` of the
#: units (groups with ``group()``, observations otherwise).
START_METHODS: dict[str, Callable[[MixtureModel, StartValues, np.random.Generator], np.ndarray]] = {
    "factor": _factor,
    "uniformpr": _uniformpr,
}


def start_values(model: MixtureModel, sv: StartValues, log: IterationLog | None,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """Starting ``theta`` by the ``startvalues()`` method ``sv``.

    Raises
    ------
    FMMDataError
        When there are fewer observations than classes, or a class starts empty.
    """
    if model.n < model.k:
        units = "groups" if model.design.group is not None else "observations"
        raise FMMDataError(f"{model.k} classes cannot be estimated from {model.n} {units}")
    method = START_METHODS.get(sv.method)
    if method is None:
        raise FMMSyntaxError(f"startvalues({sv.method}) is not available in this version; "
                             f"available: {', '.join(START_METHODS)}")
    post = method(model, sv, rng or np.random.default_rng(sv.seed))
    return fit_from_posteriors(model, post, log)
