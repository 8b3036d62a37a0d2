"""The :class:`Family` protocol: everything a component model knows.

A family describes a distribution through *linear predictors* (``blocks``): the
main equation ``X @ beta`` and ancillary parameters (a log variance, a log
dispersion, cutpoints), each a constant-only linear predictor.  It supplies the
per-observation log density and its first and second derivatives with respect to
each linear predictor -- the way Stata's ``lf2`` evaluators work.  The estimation
engine turns those into gradients and Hessians with respect to the parameters, for
the EM M-step, the full mixture likelihood and the OIM variance alike, so it never
needs to know which family it is carrying.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.gaussian import Gaussian
>>> fam = Gaussian()
>>> y = Outcome(np.array([1.0, 2.0, 4.0]))
>>> X = {"main": np.ones((3, 1))}
>>> params = fam.start(y, X, np.ones(3))
>>> np.round(params, 4)                      # mean, log variance
array([2.3333, 0.4418])
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import FMMDataError, FMMSyntaxError
from ..linalg import (CHORD_STEP, GramProducts, ascent_direction, settles,
                      weighted_least_squares, weighted_residual_ss)
from ..parse.terms import RHS
from .eta import block_sizes, design_grams, grad_hess_from_eta, linear_predictors, score_matrix

__all__ = [
    "Block",
    "Outcome",
    "Family",
    "observed",
    "block_sizes",
    "linear_predictors",
    "grad_hess_from_eta",
    "score_matrix",
    "newton_weighted_fit",
    "weighted_total",
    "weighted_least_squares",
    "weighted_residual_ss",
    "intercept_start",
    "weighted_mean",
    "outcome_term",
]


@dataclass(frozen=True)
class Block:
    """One linear predictor of a family.

    Attributes
    ----------
    equation : str
        Equation name used by ``tidy()`` and parameter names (the depvar for the
        main equation).
    design : str
        Name of the design matrix it uses: ``"main"`` (the covariates),
        ``"const"`` (an ancillary parameter: one constant), ``"none"`` (no
        parameters: the linear predictor is fixed at 0, as for the base outcome of
        ``mlogit``) or another name returned by :meth:`Family.design_rhs`.
    kind : {"coef", "variance", "cov", "aux", "base"}
        ``coef``: printed under a header row named ``equation``, one row per term;
        ``variance``: one row labelled ``term`` (for example ``var(e.y)``),
        estimated as a log and shown exponentiated, CI on the log scale, no z;
        ``cov``: one row labelled ``term`` (for example ``cov(e.y,e.x)``),
        estimated and shown as is, with z;
        ``aux``: a free ancillary parameter printed under ``/equation``
        (consecutive ``aux`` blocks of one equation share the header, as cutpoints
        do); ``base``: a ``"none"`` block, printed as ``equation | (base outcome)``.
    term : str
        Row label for ``variance`` and ``aux`` blocks.
    pclass : str or None
        Stata's parameter class for ``lcinvariant()`` when it is not the one implied
        by ``kind`` (``coef`` blocks: ``cons`` for ``_cons``, ``coef`` otherwise;
        ``variance``: ``errvar``; ``aux``: ``scale``).  Cutpoints, for example, set
        ``pclass="cons"``.
    scale : int
        ``p`` when an ``aux`` block is ``ln(sigma^p)`` of the spread ``sigma`` of a
        continuous density: ``1`` for ``ln(sigma)`` (lognormal's and loglogistic's
        ``logs``), ``2`` for ``ln(sigma^2)`` (gamma's ``logs``, the log squared
        coefficient of variation), and negative for a precision, which grows as the
        spread shrinks: ``-1`` for Weibull's ``ln_p`` (``ln t`` has spread ``~1/p``),
        ``-2`` for betareg's ``ln_phi`` (``Var(y) = mu(1-mu)/(1+phi)``).  ``variance``
        blocks are log variances and need not say so.  The density is unbounded as
        ``sigma`` goes to 0 (a class collapsing onto repeated values); the estimator
        uses this to detect degenerate solutions.  Dispersions of discrete outcomes
        (nbreg's ``lnalpha``, ``lndelta``) and cutpoints are not scales: a
        probability never exceeds 1, so they stay ``0``.  See :attr:`scale_power`.
    """

    equation: str
    design: str = "main"
    kind: str = "coef"
    term: str = "_cons"
    pclass: str | None = None
    scale: int = 0

    @property
    def scale_power(self) -> int:
        """``p`` such that the block is ``ln(sigma^p)`` of a scale parameter (``0``: not
        a scale; negative: a precision): :attr:`scale`, or 2 for a ``variance`` block.
        ``exp((value - reference) / p)`` is the ratio of the spreads.

        Examples
        --------
        >>> Block("y", "const", "variance", "var(e.y)").scale_power, Block("y").scale_power
        (2, 0)
        """
        return self.scale or (2 if self.kind == "variance" else 0)


@dataclass(frozen=True)
class Outcome:
    """The dependent variable(s) of an equation on its estimation rows, plus any
    per-row quantities a family needs, in ``extras`` keyed by variable name: every
    variable named in the equation's options (``ll(lo)``, ``family(binomial n)``;
    ``offset()``/``exposure()`` excepted, they form the offset) and every column in
    :meth:`Family.extra_variables`.

    Examples
    --------
    >>> import numpy as np
    >>> Outcome(np.array([1.0, 2.0])).n
    2
    """

    y: np.ndarray
    extras: Mapping[str, np.ndarray] = field(default_factory=dict)

    @property
    def n(self) -> int:
        return int(self.y.shape[0])

    def subset(self, rows: np.ndarray) -> "Outcome":
        """The outcome on a subset of rows."""
        return Outcome(self.y[rows], {k: v[rows] for k, v in self.extras.items()})


class Family:
    """Base class of component models.

    Subclasses are frozen dataclasses (stateless apart from configuration such as
    the link or the outcome levels) and implement at least :meth:`blocks`,
    :meth:`derivatives` and :meth:`start`.  The default :meth:`weighted_fit` is a
    Newton iteration on the weighted log likelihood; families with closed forms
    override it.
    """

    #: Stata's command name (``regress``, ``glm``...).
    model: str = ""
    #: Short description used in messages (``regress``, ``lognormal``...).
    label: str = ""
    #: Scale on which ``estat lcmean`` forms the interval of a marginal mean:
    #: ``identity`` (symmetric), ``log`` (positive means) or ``logit`` (probabilities,
    #: as ``estat lcprob`` does).
    mean_scale: str = "identity"

    # -- description -----------------------------------------------------------------
    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        """The linear predictors, in Stata's parameter order."""
        raise NotImplementedError

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        """Lines printed above the class table, e.g. ``(("Response", "y"), ("Model", "regress"))``."""
        return (("Response", " ".join(depvars)), ("Model", self.model))

    def extra_variables(self) -> tuple[str, ...]:
        """Data columns the family reads besides the dependent variables and the
        variables named in its options (for example ``_t``, ``_d``, ``_t0`` after
        ``stset``).  They join the listwise deletion and arrive in ``Outcome.extras``
        under their names."""
        return ()

    def nullable_variables(self) -> tuple[str, ...]:
        """Variables whose missing values the family interprets itself (``intreg``'s
        bounds: a missing lower bound means left-censored; ``tobit``'s ``ll(varname)``:
        a missing limit means no censoring).  Rows are not dropped for missing values
        in them unless another part of the model needs them; :meth:`sample_mask`
        decides which rows the family can use."""
        return ()

    def sample_mask(self, values: Mapping[str, np.ndarray]) -> np.ndarray | None:
        """Rows (of the whole data) the family can use, given the numeric columns of
        the model by name; ``None`` when every row with complete data is usable."""
        return None

    def design_rhs(self, rhs: RHS) -> dict[str, RHS]:
        """The covariate lists of the family's design matrices, keyed by the design
        names its blocks use; ``rhs`` is the equation's own varlist.  Most families
        have one design, ``"main"``; ``ivregress`` adds one per endogenous variable;
        ordered models drop the constant (the cutpoints take its place)."""
        return {"main": rhs}

    def factor_columns(self, outcome: Outcome) -> list[np.ndarray]:
        """The outcome columns that order the sample for ``startvalues(factor)``."""
        y = outcome.y
        return [y] if y.ndim == 1 else [y[:, i] for i in range(y.shape[1])]

    def configure(self, outcome: Outcome) -> "Family":
        """Return the family adapted to the data (for example the outcome levels of an
        ordinal model); most families return ``self``."""
        return self

    def support(self, outcome: Outcome) -> np.ndarray | None:
        """Rows the model can generate whatever its parameters (``None``: all rows).

        A degenerate component (``pointmass``) gives zero density elsewhere; start
        values never put such rows in its class."""
        return None

    def outcome_levels(self) -> tuple[float, ...] | None:
        """The outcome values of a multi-outcome model (``mlogit``, ``ologit``,
        ``oprobit``), for ``predict``'s ``outcome(depvar #)``; ``None`` otherwise."""
        return None

    def at_outcome_level(self, level: float) -> "Family":
        """The family predicting outcome ``level`` (``predict, outcome(depvar #)``)."""
        raise FMMSyntaxError(f"outcome(depvar #) is allowed only for mlogit, ologit and "
                             f"oprobit outcomes, not after {self.label or self.model}")

    def check_y(self, outcome: Outcome, depvars: Sequence[str]) -> None:
        """Raise :class:`FMMDataError` for outcomes the model cannot take."""
        y = outcome.y
        if not np.all(np.isfinite(y)):
            raise FMMDataError(f"{' '.join(depvars)} has infinite values")

    # -- likelihood ------------------------------------------------------------------
    def loglik(self, outcome: Outcome, eta: np.ndarray) -> np.ndarray:
        """Log density per observation; ``eta`` has one column per block."""
        return self.derivatives(outcome, eta, order=0)[0]

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2
                    ) -> tuple[np.ndarray, np.ndarray | None, np.ndarray | None]:
        """Log density and its derivatives with respect to the linear predictors.

        Returns ``(ll, d1, d2)`` with shapes ``(n,)``, ``(n, m)``, ``(n, m, m)``;
        ``d1``/``d2`` are ``None`` when ``order`` is lower.
        """
        raise NotImplementedError

    # -- estimation --------------------------------------------------------------------
    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        """Starting values from a weighted fit on one group of rows (Stata's factor path)."""
        raise NotImplementedError

    def weighted_fit(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray,
                     init: np.ndarray, offset: np.ndarray | None = None, stats: Any = None
                     ) -> np.ndarray:
        """Maximize ``sum(w * loglik)``: the EM M-step.  Newton by default, its
        Hessians from the designs' held row products when ``stats`` (what
        :meth:`fit_statistics` returned for these data) has them."""
        return newton_weighted_fit(self, outcome, X, w, init, offset, grams=stats)

    #: Whether :meth:`loglik_classes` and :meth:`weighted_fit_classes` are overridden by
    #: a form faster than one call per class (the estimator then uses them for an
    #: equation that several classes share).
    batches_classes: bool = False

    #: Whether every real parameter vector gives a finite log density on every row (no
    #: bounded parameter, no link that can leave the outcome's range): the M-step may
    #: then start Newton from EM's extrapolation of its path, not only from the last
    #: iterate (see :func:`~fmmpy.estimate.em.em_refine`).
    open_parameter_space: bool = False

    def loglik_classes(self, outcome: Outcome, blocks: Sequence[Block],
                       X: Mapping[str, np.ndarray], params: np.ndarray,
                       offset: np.ndarray | None = None) -> np.ndarray:
        """Log densities ``(n, m)`` (column-major) of one equation under ``m`` parameter
        vectors (the rows of ``params``), e.g. the classes sharing the equation.  The
        default evaluates them one by one; an override must give the same numbers."""
        n = outcome.n
        out = np.empty((n, params.shape[0]), order="F")
        for j in range(params.shape[0]):
            out[:, j] = self.loglik(outcome, linear_predictors(blocks, X, params[j], n, offset))
        return out

    def fit_statistics(self, outcome: Outcome, X: Mapping[str, np.ndarray],
                       offset: np.ndarray | None = None) -> Any:
        """Per-row quantities of the data alone that :meth:`weighted_fit` and
        :meth:`weighted_fit_classes` can reuse at every EM iteration (the estimator
        computes them once per model and passes them back as ``stats``), or ``None``.
        The default holds the row products of each design of 2 to 5 columns
        (:func:`~fmmpy.families.eta.design_grams`), from which every Hessian of the
        default Newton M-step is one matrix-vector product; a family whose
        :meth:`weighted_fit` is not that Newton fit overrides it (with ``None`` when
        nothing is worth holding)."""
        return design_grams(X)

    def weighted_fit_classes(self, outcome: Outcome, X: Mapping[str, np.ndarray],
                             W: np.ndarray, init: np.ndarray,
                             offset: np.ndarray | None = None, stats: Any = None
                             ) -> np.ndarray:
        """:meth:`weighted_fit` for each column of the weights ``W`` ``(n, m)``, starting
        from the rows of ``init``; returns ``(m, p)``.  ``stats`` is what
        :meth:`fit_statistics` returned for these data.  The default fits the columns
        one by one; an override must give the same numbers (to rounding)."""
        return np.array([self.weighted_fit(outcome, X, W[:, j], init[j], offset, stats)
                         for j in range(W.shape[1])]).reshape(init.shape)

    def weighted_fit_tied(self, parts: Sequence[tuple[Outcome, Mapping[str, np.ndarray],
                                                      np.ndarray, np.ndarray,
                                                      np.ndarray | None]],
                          tied: frozenset[int]) -> list[np.ndarray] | None:
        """The EM M-step of several classes' equations whose blocks ``tied`` (indices
        into :meth:`blocks`) are equal across them (``lcinvariant()``): maximize
        ``sum_parts sum(w * loglik)``.  ``parts`` holds ``(outcome, X, w, init,
        offset)`` per class.  Returns the parameters of each part, or ``None`` when
        the family has no closed form for these ties (the M-step then uses Newton)."""
        return None

    # -- predictions -------------------------------------------------------------------
    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """Derivatives of ``predict("mu")`` with respect to each linear predictor,
        shape ``(n, m)`` (the delta method of ``estat lcmean``).

        Families whose mean is a function of the linear predictors implement it
        analytically; the default says the statistic is not available.
        """
        raise FMMDataError(f"estat lcmean is not available after {self.label}")

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        """``mu`` (the mean), ``eta`` (the main linear predictor), ``density``,
        ``distribution`` (CDF at the observed outcome), ``survival`` (one minus the
        CDF, for survival models)."""
        if stat == "eta":
            return eta[:, 0]
        if stat == "density":
            return np.exp(self.loglik(observed(outcome, stat), eta))
        raise FMMDataError(f"predict {stat} is not available after {self.label}")


def observed(outcome: Outcome | None, stat: str) -> Outcome:
    """The outcome a prediction needs, or a clear error when it is not there.

    Examples
    --------
    >>> observed(None, "density")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: predict density needs the dependent variable
    """
    if outcome is None:
        raise FMMDataError(f"predict {stat} needs the dependent variable")
    return outcome


def newton_weighted_fit(family: Family, outcome: Outcome, X: Mapping[str, np.ndarray],
                        w: np.ndarray, init: np.ndarray, offset: np.ndarray | None = None,
                        max_iter: int = 50, tol: float = 1e-10,
                        depvars: Sequence[str] = ("y",),
                        grams: Mapping[str, GramProducts] | None = None) -> np.ndarray:
    """Maximize the weighted log likelihood by Newton's method with step halving.

    Used by families without a closed-form M-step; warm-started from ``init`` so
    that an EM step usually needs one or two iterations.  ``grams`` (from
    :func:`~fmmpy.families.eta.design_grams`) gives the Hessian's blocks of each held
    design as one matrix-vector product.

    Examples
    --------
    >>> import numpy as np
    >>> from fmmpy.families.gaussian import Gaussian
    >>> y = Outcome(np.array([1.0, 2.0, 4.0]))
    >>> X = {"main": np.ones((3, 1))}
    >>> p = newton_weighted_fit(Gaussian(), y, X, np.ones(3), np.array([0.0, 0.0]))
    >>> np.round(p, 4)
    array([2.3333, 0.4418])
    """
    blocks = family.blocks(depvars)
    n = outcome.n
    params = np.array(init, dtype=float)
    eta = linear_predictors(blocks, X, params, n, offset)
    ll, d1, d2 = family.derivatives(outcome, eta, order=2)
    f = weighted_total(w, ll)
    previous = None             # the relative size of the last full step
    H = None
    for _ in range(max_iter):
        if previous is not None and previous < CHORD_STEP:
            # After a small full step the last Hessian is still good enough to tell
            # whether the next step is negligible: the gradient alone (a chord step
            # differs from Newton's by a factor 1 + O(previous)) -- no new Hessian
            # for the step that ends most warm-started fits.
            g = grad_hess_from_eta(blocks, X, w, d1, None)[0]
            step = ascent_direction(g, H)[0]
            if _negligible_step(params, step, g, f, tol):
                return params + step
        g, H = grad_hess_from_eta(blocks, X, w, d1, d2, grams)
        step = ascent_direction(g, H)[0]
        if _negligible_step(params, step, g, f, tol):
            # The full step of an iteration that would end the loop: taken without
            # evaluating the family at it (the same parameters; nothing uses its value).
            return params + step
        size = float(np.max(np.abs(step) / (np.abs(params) + 1.0), initial=0.0))
        last = settles(size, previous)
        t = 1.0
        for _ in range(40):
            trial = params + t * step
            eta_t = linear_predictors(blocks, X, trial, n, offset)
            with np.errstate(all="ignore"):     # a trial step may overflow; it is halved
                # The full step is usually taken: its value comes with the derivatives
                # the next iteration needs (one evaluation, not two) -- unless it is
                # the last step.
                full = t == 1.0
                ll_t, d1_t, d2_t = family.derivatives(
                    outcome, eta_t, order=2 if full and not last else 0)
                f_t = weighted_total(w, ll_t)
            if np.isfinite(f_t) and f_t >= f - 1e-12 * (abs(f) + 1):
                break
            t *= 0.5
        else:
            return params
        small_change = abs(f_t - f) <= tol * (abs(f) + 1)
        if full and last and small_change:
            return trial        # the next step would be below rounding
        converged = small_change and np.max(
            np.abs(trial - params) / (np.abs(params) + 1)) < 1e-8
        params, f = trial, f_t
        if converged:           # (no derivatives at the solution: nothing uses them)
            break
        if full and not last:
            d1, d2 = d1_t, d2_t
        else:
            with np.errstate(all="ignore"):
                d1, d2 = family.derivatives(outcome, eta_t, order=2)[1:]
        previous = size if full else None
    return params


def _negligible_step(params: np.ndarray, step: np.ndarray, g: np.ndarray, f: float,
                     tol: float, step_tol: float = 1e-8) -> bool:
    """Whether a Newton step is the last one of :func:`newton_weighted_fit`: at most
    ``step_tol`` relative in every parameter, with a first-order gain ``g'step`` (the
    change of the objective, to second order, is half of it) below the loop's
    ``tol * (|f| + 1)``.

    Examples
    --------
    >>> import numpy as np
    >>> _negligible_step(np.ones(2), np.full(2, 1e-12), np.ones(2), 10.0, 1e-10)
    True
    """
    return bool(np.max(np.abs(step) / (np.abs(params) + 1.0), initial=0.0) < step_tol
                and abs(float(g @ step)) <= tol * (abs(f) + 1.0))


def weighted_total(w: np.ndarray, ll: np.ndarray) -> float:
    """``sum(w * ll)`` where rows of weight 0 count for nothing, even at ``ll = -inf``
    (a row another class explains): one dot product (a row of weight 0 and finite
    ``ll`` adds 0 either way); when that is not finite, ``-inf`` raised to the lowest
    float gives the same products where the weight is 0 (zeros), in the same order,
    without a masked copy; a weighted ``-inf`` or a ``nan`` goes the masked way.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_total(np.array([0.0, 2.0]), np.array([-np.inf, -1.5]))
    -3.0
    """
    with np.errstate(invalid="ignore"):
        value = float(np.dot(w, ll))
    if np.isfinite(value):
        return value
    if w.size and w.min() >= 0.0:
        value = float(np.dot(w, np.maximum(ll, np.finfo(float).min)))
        if np.isfinite(value) and not float(np.dot(w, ll == -np.inf)) > 0.0:
            return value
    return float(np.dot(w, np.where(w > 0, ll, 0.0)))


def intercept_start(X: np.ndarray, value: float) -> np.ndarray:
    """Coefficients with ``value`` on the constant column (a column of ones) and 0
    elsewhere: the usual starting point of a Newton fit.

    Examples
    --------
    >>> import numpy as np
    >>> intercept_start(np.column_stack([np.arange(3.0), np.ones(3)]), -1.5)
    array([ 0. , -1.5])
    """
    beta = np.zeros(X.shape[1])
    if X.shape[0]:
        const = np.flatnonzero(np.all(X == 1.0, axis=0))
        if const.size:
            beta[const[0]] = value
    return beta


def weighted_mean(values: np.ndarray, w: np.ndarray) -> float:
    """``sum(w * values) / sum(w)`` (``nan`` without weight).

    Examples
    --------
    >>> import numpy as np
    >>> weighted_mean(np.array([1.0, 3.0]), np.array([1.0, 3.0]))
    2.5
    """
    total = float(np.sum(w))
    return float(np.dot(w, values) / total) if total > 0 else float("nan")


_OUTCOME_TERMS: dict[tuple[int, str], np.ndarray] = {}


def outcome_term(y: np.ndarray, key: str, compute: Callable[[np.ndarray], np.ndarray]
                 ) -> np.ndarray:
    """A per-row term that depends on the outcome only (``log y!`` of a count), computed
    once per outcome array instead of at every likelihood evaluation; read-only.  The
    entry is dropped when ``y`` is garbage collected.

    Examples
    --------
    >>> import numpy as np
    >>> from scipy.special import gammaln
    >>> y = np.array([0.0, 3.0])
    >>> a = outcome_term(y, "lgamma1", lambda v: gammaln(v + 1.0))
    >>> a.tolist(), outcome_term(y, "lgamma1", lambda v: gammaln(v + 1.0)) is a
    ([0.0, 1.791759469228055], True)
    """
    k = (id(y), key)
    value = _OUTCOME_TERMS.get(k)
    if value is None:
        value = compute(y)
        value.setflags(write=False)
        if not any(kk[0] == k[0] for kk in _OUTCOME_TERMS):
            weakref.finalize(y, _drop_outcome_terms, k[0])
        _OUTCOME_TERMS[k] = value
    return value


def _drop_outcome_terms(ident: int) -> None:
    for kk in [kk for kk in _OUTCOME_TERMS if kk[0] == ident]:
        _OUTCOME_TERMS.pop(kk, None)
