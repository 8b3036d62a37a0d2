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
    """The variable that orders the sample for ``startvalues(factor)``: the single
    dependent variable, or the first principal-component score of the standardized
    dependent variables and continuous covariates (signed so that it increases with
    the first dependent variable)."""
    columns: list[np.ndarray] = []
    seen: set[bytes] = set()
    for cd in model.design.classes:
        for ed in cd.equations:
            y = ed.outcome.y
            ys = [y] if y.ndim == 1 else [y[:, i] for i in range(y.shape[1])]
            for col in ys + [ed.X["main"][:, i] for i in range(ed.X["main"].shape[1])]:
                if ed.outcome.n != model.n:
                    continue
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


def fit_from_posteriors(model: MixtureModel, post: np.ndarray, log: IterationLog | None,
                        settings_iterate: int = 300) -> np.ndarray:
    """Fit the class model and the outcome model to given class probabilities
    (hard 0/1 assignments or soft probabilities), logging both fits as Stata does."""
    lay = model.layout
    theta = np.zeros(lay.n_params)
    post = _within_support(model, post)
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
            theta[sl] = ed.family.start(ed.outcome, ed.X, pw[:, j])
    theta = _logged_fit(model, theta, post, out_idx, 1, log, "Fitting outcome model:",
                        "(outcome) log likelihood", settings_iterate)
    return theta


def _within_support(model: MixtureModel, post: np.ndarray) -> np.ndarray:
    """Start probabilities with no mass on a class whose model cannot produce the row
    (a point mass at another value); such rows are shared among the classes that can."""
    feasible = np.ones((model.n, model.k), dtype=bool)
    for j in range(model.k):
        for ed, _ in model.equations[j]:
            mask = ed.family.support(ed.outcome)
            if mask is not None:
                feasible[:, j] &= mask
    if feasible.all():
        return post
    never = np.flatnonzero(~feasible.any(axis=0))
    if never.size:
        raise FMMDataError(f"the model of class {never[0] + 1} cannot produce any observation "
                           "of the estimation sample (a point mass at a value the outcome "
                           "never takes)")
    if not feasible.any(axis=1).all():
        i = int(np.flatnonzero(~feasible.any(axis=1))[0])
        raise FMMDataError(f"observation {i + 1} of the estimation sample cannot be produced "
                           "by any class of the model")
    post = np.where(feasible, post, 0.0)
    empty = post.sum(axis=1) <= 0
    post[empty] = feasible[empty]
    return post / post.sum(axis=1, keepdims=True)


def _logged_fit(model: MixtureModel, theta: np.ndarray, post: np.ndarray, idx: np.ndarray,
                part: int, log: IterationLog | None, title: str, caption: str,
                iterate: int) -> np.ndarray:
    if log is not None:
        log.section(title)

    def fun(x: np.ndarray, order: int):
        full = theta.copy()
        full[idx] = x
        q_class, q_out, g, H = model.q_derivatives(full, post, order=2 if order else 0)
        value = (q_class, q_out)[part]
        if not np.isfinite(value):
            return -np.inf, None, None
        if order == 0:
            return value, None, None
        return value, g[idx], H[np.ix_(idx, idx)]

    result = newton_raphson(fun, theta[idx], iterate=iterate, log=log, caption=caption)
    out = theta.copy()
    out[idx] = result.x
    return out


def _factor(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> np.ndarray:
    groups = factor_groups(factor_score(model), model.k, model.w)
    post = np.zeros((model.n, model.k))
    post[np.arange(model.n), groups] = 1.0
    return post


#: startvalues() methods: each returns initial class probabilities ``(n, k)``.
START_METHODS: dict[str, Callable[[MixtureModel, StartValues, np.random.Generator], np.ndarray]] = {
    "factor": _factor,
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
        raise FMMDataError(f"{model.k} classes cannot be estimated from {model.n} observations")
    method = START_METHODS.get(sv.method)
    if method is None:
        raise FMMSyntaxError(f"startvalues({sv.method}) is not available in this version; "
                             f"available: {', '.join(START_METHODS)}")
    post = method(model, sv, rng or np.random.default_rng(sv.seed))
    return fit_from_posteriors(model, post, log)
