"""Starting values, Stata's way: the methods of ``startvalues()``.

``startvalues(factor)`` (the default): rank the estimation sample by the model's
variable (or, with several, by the first principal-component score of the
standardized variables) and cut it into ``k`` groups of equal size,
``class = floor(k (rank - 1) / n) + 1``; fit the class model to those groups
("Fitting class model") and each class's outcome model to its own group
("Fitting outcome model").

The other methods, as Stata describes them (``help gsem_estimation_options``):

``classid varname``
    each observation starts in the class given by ``varname`` (values ``1..k``;
    every class must be represented in the estimation sample);
``classpr varlist``
    ``k`` variables of initial class probabilities, normalized to sum to 1 within
    each observation;
``randomid``
    observations are assigned to classes at random;
``randompr``
    observations get random initial class probabilities;
``jitter [#c [#v]]``
    the parameters of a one-class fit of each outcome are perturbed at random,
    coefficients, intercepts, cutpoints and scale parameters by ``#c`` and
    variances by ``#v`` (both 1 by default);
``zero``
    every parameter starts at 0 on its estimation scale (equal class
    probabilities, coefficients 0, log variances 0).

Class assignments and probabilities go through the class and outcome fits; ``zero``
and ``jitter`` give parameters directly.  Each method is a function registered in
:data:`START_METHODS`.  Stata does not publish its random-number scheme, so the
random methods cannot reproduce Stata's draws; fmmpy's scheme, fixed and documented
in ``docs/starting-values.md``, is:

* one ``numpy.random.default_rng(seed)`` generator for all draws of a fit, used in
  order (``seed(#)``, or 0 when no seed is given);
* ``randomid``: ``rng.integers(0, k, n)``, redrawn while a class is empty;
* ``randompr``: probabilities proportional to normal densities of the factor score
  (the variable ``startvalues(factor)`` sorts by, standardized): each class is
  centred on the score of a randomly chosen observation
  (``rng.choice(n, k, replace=False, p=w/sum(w))``) with a random spread
  (``exp(rng.uniform(ln .1, 0, k))``).  Probabilities unrelated to the data would
  give classes that are nearly identical in large samples, which 20 EM iterations
  cannot separate;
* ``jitter``: ``theta_b + m * z * sqrt(N) * se_b`` with ``z = rng.standard_normal``
  (class by class, equation by equation), ``se_b`` the standard error of the
  parameter in the one-class fit and ``m`` the magnitude; class probabilities start
  equal.

Examples
--------
>>> import numpy as np
>>> factor_groups(np.array([3.0, 1.0, 2.0, 5.0, 4.0]), 2, np.ones(5)).tolist()
[0, 0, 0, 1, 1]
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..design import EquationDesign
from ..errors import FMMDataError, FMMSyntaxError
from ..families.base import grad_hess_from_eta, linear_predictors
from ..linalg import row_sums
from ..parse.spec import StartValues, VarRef
from .log import IterationLog
from .ml import newton_raphson
from . import model as _model
from .model import MixtureModel

__all__ = ["factor_groups", "start_values", "start_point", "fit_from_posteriors",
           "START_METHODS", "RANDOM_METHODS", "DEFAULT_SEED", "StartPoint", "factor_score",
           "one_class_fit", "one_class_params", "make_rng", "split_largest_class"]

#: Seed of the random methods when ``seed()`` is not given (results are reproducible).
DEFAULT_SEED = 0

#: Methods that draw at random (the ones ``draws()`` applies to).
RANDOM_METHODS = frozenset({"randomid", "randompr", "jitter"})


@dataclass(frozen=True)
class StartPoint:
    """What a start method produces: class probabilities ``post`` ``(n, k)`` that go
    through the class and outcome fits, or a parameter vector ``theta``."""

    post: np.ndarray | None = None
    theta: np.ndarray | None = None


def factor_groups(score: np.ndarray, k: int, w: np.ndarray) -> np.ndarray:
    """0-based groups of (weighted) equal size in the order of ``score``.

    With unit weights: ``floor(k * (rank - 1) / n)``; frequency weights count as
    repeated rows.
    """
    n = score.shape[0]
    if 1 < k <= n and np.all(w == 1.0):
        return _equal_groups(score, k)
    order = np.argsort(score, kind="stable")
    cum = np.cumsum(w[order]) - w[order]
    total = float(w.sum())
    groups = np.empty(score.shape[0], dtype=int)
    groups[order] = np.minimum(np.floor(k * cum / total).astype(int), k - 1)
    return groups


def _equal_groups(score: np.ndarray, k: int) -> np.ndarray:
    """:func:`factor_groups` with unit weights without sorting: the group of the row of
    0-based stable rank ``r`` is ``floor(k r / n)``, so it is the number of cut ranks
    ``b_g = ceil(g n / k)`` it reaches; the values at the cut ranks come from a partial
    sort, and rows tied with a cut value are ranked by position, as a stable sort ranks
    them (the same groups, in linear time)."""
    n = score.shape[0]
    cuts = [-(-g * n // k) for g in range(1, k)]
    values = np.partition(score, cuts)
    groups = np.zeros(n, dtype=int)
    for b in cuts:
        v = values[b]
        groups += score > v
        ties = np.flatnonzero(score == v)
        below = n - np.count_nonzero(score > v) - ties.shape[0]
        groups[ties[b - below:]] += 1
    return groups


def factor_score(model: MixtureModel) -> np.ndarray:
    """The variable that orders the units for ``startvalues(factor)`` (computed once
    per model; see :func:`_factor_score`)."""
    return model.once("factor_score", lambda: _factor_score(model))


def _factor_score(model: MixtureModel) -> np.ndarray:
    """The variable that orders the units for ``startvalues(factor)``: the single
    outcome variable (:meth:`Family.factor_columns`: the dependent variable, ``_t``
    for ``streg``...), or the first principal-component score of the standardized
    outcome variables and continuous covariates (signed so that it increases with
    the first outcome variable).  With ``group()`` or equationwise samples each
    variable is first averaged over the rows of a unit (units without rows in an
    equation take the variable's mean)."""
    columns: list[np.ndarray] = []
    for ed, _ in model.unique_equations:
        ys = ed.family.factor_columns(ed.outcome)
        for col in ys + [ed.X["main"][:, i] for i in range(ed.X["main"].shape[1])]:
            col = _unit_means(model, ed, col)
            finite = np.isfinite(col)
            if not finite.all() or np.ptp(col) == 0:
                continue
            # (compared with the few kept columns, not through a copy as bytes)
            if not any(np.array_equal(col, c) for c in columns):
                columns.append(col)
    if not columns:
        raise FMMDataError("startvalues(factor): the model has no variable that varies")
    if len(columns) == 1:
        return columns[0]
    # The standardized score Zs v with Zs = (M - mean) / sd, as C (v / sd) from the
    # centred columns C and their weighted covariance (one product over the rows).
    C = np.empty((columns[0].shape[0], len(columns)), order="F")   # contiguous columns
    for i, col in enumerate(columns):
        C[:, i] = col
    w = model.w
    total = float(w.sum())
    C -= (w @ C) / total
    cov = C.T @ (C if model.unit_weights else C * w[:, None]) / total
    sd = np.sqrt(np.diag(cov))
    vals, vecs = np.linalg.eigh(cov / np.outer(sd, sd))
    v = vecs[:, np.argmax(vals)]
    if v[0] < 0:
        v = -v
    return C @ (v / sd)


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
    post = _within_support(model, post)
    pw = model.weighted(post)
    counts = pw.sum(axis=0)
    if np.any(counts <= 0):
        empty = ", ".join(str(j + 1) for j in np.flatnonzero(counts <= 0))
        raise FMMDataError(f"class {empty} has no observations at the start; use fewer "
                           "classes or another startvalues() method")
    class_idx = lay.class_index
    if model.k > 1:
        # Constant-only closed form; covariates start at zero.
        for j in range(model.k):
            b = lay.class_block(j)
            if b is not None:
                theta[b.stop - 1] = np.log(counts[j] / counts[model.design.base])
        if log is not None or lay.constrained:
            del pw                  # n x k: not held while the class model is fitted
            theta = _logged_fit(model, theta, post, class_idx, 0, log, "Fitting class model:",
                                "(class) log likelihood", settings_iterate)
            pw = model.weighted(post)
    out_idx = np.setdiff1d(np.arange(lay.n_params), class_idx)
    for j in range(model.k):
        for ed, sl in model.equations[j]:
            theta[sl] = ed.family.start(ed.outcome, ed.X, ed.to_rows(pw[:, j]))
    del pw                          # n x k; the fits below form their own
    if log is None and not lay.constrained:
        # Nothing to show: the two fits are the M-step for these probabilities.
        return model.m_step(theta, post)
    theta = _logged_fit(model, theta, post, out_idx, 1, log, "Fitting outcome model:",
                        "(outcome) log likelihood", settings_iterate)
    return theta


def _within_support(model: MixtureModel, post: np.ndarray) -> np.ndarray:
    """Start probabilities with no mass on a class whose model cannot produce the row
    (a point mass at another value); such rows are shared among the classes that can."""
    # column-major, as the probabilities are; row reductions as column operations
    feasible = np.ones((model.n, model.k), dtype=bool, order="F")
    for j in range(model.k):
        for ed, _ in model.equations[j]:
            mask = ed.family.support(ed.outcome)
            if mask is not None:
                # a unit (group) is feasible when every one of its rows is
                feasible[:, j] &= model.unit_sum(ed, (~mask).astype(float)) == 0
    if feasible.all():
        return post
    never = np.flatnonzero(~feasible.any(axis=0))
    if never.size:
        raise FMMDataError(f"the model of class {never[0] + 1} cannot produce any observation "
                           "of the estimation sample (a point mass at a value the outcome "
                           "never takes)")
    somewhere = np.logical_or.reduce([feasible[:, j] for j in range(model.k)])
    if not somewhere.all():
        i = int(np.flatnonzero(~somewhere)[0])
        raise FMMDataError(f"observation {i + 1} of the estimation sample cannot be produced "
                           "by any class of the model")
    out = np.zeros((model.n, model.k), order="F")
    np.copyto(out, post, where=feasible)
    empty = row_sums(out) <= 0
    out[empty] = feasible[empty]
    out /= row_sums(out)[:, None]
    return out


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
        q_class, q_out, g, H = model.q_derivatives(full(x), post, order=2 if order else 0,
                                                   part=part)
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
    # A closed-form start (the constant-only class model, least squares) is already the
    # maximum: its Newton step is rounding noise, logged as Stata's second iteration
    # without a second evaluation.
    result = newton_raphson(fun, phi0[cols], iterate=iterate, log=log, caption=caption,
                            null_step=1e-10)
    return full(result.x)


def _one_hot(groups: np.ndarray, k: int) -> np.ndarray:
    # Column-major, as the posteriors of EM are: a class's column is contiguous (its
    # total and the sums of its fits read one block of memory, not every k-th number).
    post = np.zeros((groups.shape[0], k), order="F")
    for j in range(k):
        post[:, j] = groups == j
    return post


def _factor(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    return StartPoint(post=_one_hot(factor_groups(factor_score(model), model.k, model.w),
                                    model.k))


def _zero(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    return StartPoint(theta=np.zeros(model.layout.n_params))


def _start_column(model: MixtureModel, ref: object, method: str) -> np.ndarray:
    name = ref.name if isinstance(ref, VarRef) else str(ref)
    values = model.design.start_data.get(name)
    if values is None:  # pragma: no cover - the design collects every startvalues() variable
        raise FMMDataError(f"startvalues({method}): variable {name} not found")
    if not np.all(np.isfinite(values)):
        bad = int(np.sum(~np.isfinite(values)))
        raise FMMDataError(f"startvalues({method}): {name} has {bad} missing value(s) in the "
                           "estimation sample")
    return values


def _classid(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    name = str(sv.args[0])
    values = _start_column(model, sv.args[0], "classid")
    k = model.k
    if np.any(values != np.round(values)) or np.any((values < 1) | (values > k)):
        raise FMMDataError(f"startvalues(classid {name}): {name} must hold the class "
                           f"numbers 1 to {k}")
    groups = values.astype(int) - 1
    missing = sorted(set(range(k)) - set(groups.tolist()))
    if missing:
        raise FMMDataError(f"startvalues(classid {name}): class "
                           f"{', '.join(str(j + 1) for j in missing)} not represented in the "
                           "estimation sample; every class must be")
    return StartPoint(post=_one_hot(groups, k))


def _classpr(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    names = " ".join(str(a) for a in sv.args)
    if len(sv.args) != model.k:
        raise FMMSyntaxError(f"startvalues(classpr {names}): {model.k} variables required, "
                             f"one per class; {len(sv.args)} given")
    P = np.column_stack([_start_column(model, a, "classpr") for a in sv.args])
    total = P.sum(axis=1)
    if np.any(P < 0) or np.any(total <= 0):
        raise FMMDataError(f"startvalues(classpr {names}): class probabilities must be "
                           "nonnegative with a positive sum in every observation")
    return StartPoint(post=P / total[:, None])


def _randomid(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    k = model.k
    for _ in range(100):
        groups = rng.integers(0, k, size=model.n)
        if np.bincount(groups, minlength=k).min() > 0:
            return StartPoint(post=_one_hot(groups, k))
    raise FMMDataError(f"startvalues(randomid): no random assignment of {model.n} "
                       f"observations filled all {k} classes")


def _standardized_score(model: MixtureModel) -> np.ndarray:
    s = factor_score(model)
    w = model.w
    mean = np.average(s, weights=w)
    sd = np.sqrt(np.average((s - mean) ** 2, weights=w))
    return (s - mean) / sd


def _randompr(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    s = _standardized_score(model)
    k = model.k
    centres = s[rng.choice(model.n, size=k, replace=False, p=model.w / model.w.sum())]
    spread = np.exp(rng.uniform(np.log(0.1), 0.0, size=k))
    a = -0.5 * ((s[:, None] - centres) / spread) ** 2 - np.log(spread)
    post = np.exp(a - a.max(axis=1, keepdims=True))
    return StartPoint(post=post / post.sum(axis=1, keepdims=True))


def one_class_fit(ed: EquationDesign, w: np.ndarray, stats: Any = None
                  ) -> tuple[np.ndarray, np.ndarray]:
    """An equation fitted to the whole sample (one class) with the units' weights
    ``w``: the parameters and ``sqrt(N) * se`` of each (the spread of one
    observation's information).  ``stats``: the family's
    :meth:`~fmmpy.families.base.Family.fit_statistics` of these data, if held.

    Examples
    --------
    >>> import fmmpy
    >>> from fmmpy.parse import parse_command
    >>> from fmmpy.design import build_design
    >>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
    >>> ed = d.classes[0].equations[0]
    >>> params, spread = one_class_fit(ed, d.weights)
    >>> float(np.round(spread[0], 6)) == float(np.round(ed.outcome.y.std(), 6))
    True
    """
    params = one_class_params(ed, w, stats)
    return params, _one_class_spread(ed, w, params)


def one_class_params(ed: EquationDesign, w: np.ndarray, stats: Any = None) -> np.ndarray:
    """The parameters of :func:`one_class_fit` (without the Hessian its spread needs).

    Examples
    --------
    >>> import fmmpy
    >>> m = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False).model
    >>> one_class_params(m.equations[0][0][0], m.w).round(4).tolist()   # mean, ln(var)
    [0.086, -8.4063]
    """
    w = ed.to_rows(w)              # unit (group) weights on the equation's rows
    init = ed.family.start(ed.outcome, ed.X, w)
    return ed.family.weighted_fit(ed.outcome, ed.X, w, init, ed.offset, stats=stats)


def _one_class_spread(ed: EquationDesign, w: np.ndarray, params: np.ndarray) -> np.ndarray:
    """``sqrt(N) * se`` of the one-class parameters ``params`` (see :func:`one_class_fit`)."""
    w = ed.to_rows(w)
    # The Hessian; a large sample block by block of rows (the same sum, added per
    # block, without the derivatives of all rows at once).
    pieces = ([(slice(None), ed.outcome, ed.X, ed.offset)]
              if ed.outcome.n <= 2 * _model.ROW_CHUNK else _model.row_pieces(ed))
    H = 0.0
    for rows, outcome, X, offset in pieces:
        eta = linear_predictors(ed.blocks, X, params, outcome.n, offset)
        _, d1, d2 = ed.family.derivatives(outcome, eta, order=2)
        H = H + grad_hess_from_eta(ed.blocks, X, w[rows], d1, d2)[1]
        del eta, d1, d2
    cov = np.linalg.pinv(-0.5 * (H + H.T))
    return np.sqrt(np.clip(np.diag(cov), 0.0, None) * float(w.sum()))


def shared_one_class_params(model: MixtureModel, ed: EquationDesign) -> np.ndarray:
    """:func:`one_class_params` of one of ``model``'s equations, computed once per model
    (from the statistics its M-steps hold): the yardstick of the degenerate-solution
    checks, which need no spread.

    Examples
    --------
    >>> import fmmpy
    >>> m = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False).model
    >>> ed = m.equations[0][0][0]
    >>> shared_one_class_params(m, ed) is shared_one_class_params(m, ed)
    True
    """
    return model.once(("one_class_params", id(ed)),
                      lambda: one_class_params(ed, model.w, model.fit_statistics(ed)))


def shared_one_class_fit(model: MixtureModel, ed: EquationDesign
                         ) -> tuple[np.ndarray, np.ndarray]:
    """:func:`one_class_fit` of one of ``model``'s equations, computed once per model
    (every jitter draw uses it).

    Examples
    --------
    >>> import fmmpy
    >>> m = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False).model
    >>> ed = m.equations[0][0][0]
    >>> shared_one_class_fit(m, ed) is shared_one_class_fit(m, ed)
    True
    """
    def fit() -> tuple[np.ndarray, np.ndarray]:
        params = shared_one_class_params(model, ed)
        return params, _one_class_spread(ed, model.w, params)

    return model.once(("one_class_fit", id(ed)), fit)


def _jitter(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    mag_c = float(sv.args[0]) if len(sv.args) > 0 else 1.0
    mag_v = float(sv.args[1]) if len(sv.args) > 1 else 1.0
    theta = np.zeros(model.layout.n_params)
    for j in range(model.k):
        for ed, sl in model.equations[j]:
            params, spread = shared_one_class_fit(model, ed)
            mags = np.concatenate([np.full(size, mag_v if blk.kind == "variance" else mag_c)
                                   for blk, size in zip(ed.blocks, ed.sizes)])
            theta[sl] = params + mags * rng.standard_normal(params.size) * spread
    return StartPoint(theta=theta)


def _uniformpr(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    """The trajectory seed's random rule: every unit (group with ``group()``) draws
    ``k`` uniform numbers on (0, 1), normalized to sum to one."""
    u = rng.uniform(size=(model.n, model.k))
    return StartPoint(post=u / u.sum(axis=1, keepdims=True))


StartMethod = Callable[[MixtureModel, StartValues, np.random.Generator], StartPoint]

#: startvalues() methods: each returns a :class:`StartPoint` (class probabilities or
#: parameters).
START_METHODS: dict[str, StartMethod] = {
    "factor": _factor,
    "zero": _zero,
    "classid": _classid,
    "classpr": _classpr,
    "randomid": _randomid,
    "randompr": _randompr,
    "jitter": _jitter,
    "uniformpr": _uniformpr,
}


def make_rng(sv: StartValues) -> np.random.Generator:
    """The generator of a fit's random draws: ``seed()`` or :data:`DEFAULT_SEED`."""
    return np.random.default_rng(DEFAULT_SEED if sv.seed is None else sv.seed)


def start_point(model: MixtureModel, sv: StartValues, rng: np.random.Generator) -> StartPoint:
    """One start (one draw) of method ``sv``.

    Raises
    ------
    FMMDataError
        When there are fewer observations than classes.
    FMMSyntaxError
        For a method that is not registered.
    """
    if model.n < model.k:
        units = "groups" if model.design.group is not None else "observations"
        raise FMMDataError(f"{model.k} classes cannot be estimated from {model.n} {units}")
    method = START_METHODS.get(sv.method)
    if method is None:
        raise FMMSyntaxError(f"startvalues({sv.method}) is not available in this version; "
                             f"available: {', '.join(START_METHODS)}")
    return method(model, sv, rng)


def start_values(model: MixtureModel, sv: StartValues, log: IterationLog | None,
                 rng: np.random.Generator | None = None) -> np.ndarray:
    """Starting ``theta`` by the ``startvalues()`` method ``sv`` (one draw).

    Raises
    ------
    FMMDataError
        When there are fewer observations than classes, or a class starts empty.

    Examples
    --------
    >>> import fmmpy
    >>> from fmmpy.parse import parse_command
    >>> from fmmpy.design import build_design
    >>> from fmmpy.estimate.layout import build_layout
    >>> from fmmpy.parse.spec import StartValues
    >>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
    >>> m = MixtureModel(d, build_layout(d))
    >>> start_values(m, StartValues("zero"), None).tolist()
    [0.0, 0.0, 0.0, 0.0, 0.0]
    """
    point = start_point(model, sv, rng if rng is not None else make_rng(sv))
    if point.theta is not None:
        return np.asarray(point.theta, dtype=float)
    return fit_from_posteriors(model, point.post, log)


def split_largest_class(model: MixtureModel, post: np.ndarray) -> np.ndarray:
    """Class probabilities for ``k`` classes from those of a ``k - 1`` class fit: the
    class with the largest posterior mass is split in two at the weighted median of
    the factor score of its members (lower half keeps its place, upper half follows).

    Examples
    --------
    >>> import fmmpy
    >>> from fmmpy.parse import parse_command
    >>> from fmmpy.design import build_design
    >>> from fmmpy.estimate.layout import build_layout
    >>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
    >>> m = MixtureModel(d, build_layout(d))
    >>> split_largest_class(m, np.ones((m.n, 1))).sum(axis=0).tolist()
    [243.0, 242.0]
    """
    if post.shape != (model.n, model.k - 1):
        raise FMMDataError(f"start_from=: a fit with {model.k - 1} classes on the same "
                           f"estimation sample is required (got {post.shape[1]} classes)")
    pw = model.weighted(post)
    c = int(np.argmax(pw.sum(axis=0)))
    order = np.argsort(factor_score(model), kind="stable")
    cum = np.cumsum(pw[order, c])
    upper = np.zeros(model.n, dtype=bool)
    upper[order] = cum - pw[order, c] >= 0.5 * cum[-1]
    low = np.where(upper, 0.0, post[:, c])
    high = np.where(upper, post[:, c], 0.0)
    return np.column_stack([post[:, :c], low, high, post[:, c + 1:]])
