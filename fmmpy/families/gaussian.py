"""Normal linear regression: ``regress`` and ``glm, family(gaussian) link(identity)``.

The variance is estimated on the log scale (unconstrained) and reported as
``var(e.y)``, with its confidence interval on the log scale, as Stata does.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Outcome
>>> fam = Gaussian()
>>> out = Outcome(np.array([0.0, 2.0]))
>>> eta = np.array([[1.0, 0.0], [1.0, 0.0]])         # mean 1, log variance 0
>>> np.round(fam.loglik(out, eta), 4)
array([-1.4189, -1.4189])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
from scipy import stats

from ..linalg import (ROW_BLOCK, constant_design, row_products, rows_identical,
                      solve_normal_equations, weighted_cross_products_classes,
                      weighted_products_classes)
from ..parse.options import OptionSchema
from ..registry import ModelSyntax, register_model
from .base import (Block, Family, Outcome, observed, weighted_least_squares,
                   weighted_residual_ss)
from .glm import register_glm_family

__all__ = ["Gaussian", "LeastSquaresFits", "class_means", "normal_fit_classes", "normal_params_classes"]

_LOG_2PI = float(np.log(2.0 * np.pi))


class LeastSquaresFits:
    """The fits of a normal linear model of ``regressand(outcome)`` (``y`` for
    ``regress``, ``ln y`` for ``lognormal``): the start and every M-step are weighted
    least squares with the weighted mean squared residual as variance, its log times
    ``variance_power`` as the family's scale parameter.  A mixin for a :class:`Family`."""

    #: The scale parameter is ``variance_power * log(var)``: 1 for a log variance, 0.5
    #: for a log standard deviation.
    variance_power: float = 1.0

    def regressand(self, outcome: Outcome, offset: np.ndarray | None = None) -> np.ndarray:
        """The variable regressed on the design, less the offset."""
        return outcome.y if offset is None else outcome.y - offset

    def start(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray) -> np.ndarray:
        return self.weighted_fit(outcome, X, w, np.zeros(X["main"].shape[1] + 1))

    def weighted_fit(self, outcome: Outcome, X: Mapping[str, np.ndarray], w: np.ndarray,
                     init: np.ndarray, offset: np.ndarray | None = None,
                     stats: np.ndarray | None = None) -> np.ndarray:
        # One class of the classes together (the same numbers).
        return self.weighted_fit_classes(outcome, X, w[:, None],
                                         np.asarray(init, dtype=float)[None, :], offset,
                                         stats)[0]

    def fit_statistics(self, outcome: Outcome, X: Mapping[str, np.ndarray],
                       offset: np.ndarray | None = None) -> np.ndarray | None:
        # A regression's sufficient statistics of any weights from one product.
        return row_products(X["main"], self.regressand(outcome, offset))

    def weighted_fit_classes(self, outcome: Outcome, X: Mapping[str, np.ndarray],
                             W: np.ndarray, init: np.ndarray,
                             offset: np.ndarray | None = None,
                             stats: np.ndarray | None = None) -> np.ndarray:
        return normal_params_classes(self.regressand(outcome, offset), X["main"], W, init,
                                     self.variance_power, stats)


@dataclass(frozen=True)
class Gaussian(LeastSquaresFits, Family):
    """Normal outcome with identity link; parameters ``beta`` and ``ln(var)``.

    Parameters
    ----------
    model : str
        ``"regress"`` or ``"glm"`` (changes only the printed header).
    """

    model: str = "regress"
    label: str = "regress"

    def blocks(self, depvars: Sequence[str]) -> tuple[Block, ...]:
        y = depvars[0]
        return (Block(y), Block(y, "const", "variance", f"var(e.{y})"))

    def header(self, depvars: Sequence[str]) -> tuple[tuple[str, str], ...]:
        if self.model == "glm":
            return (("Response", depvars[0]), ("Family", "Gaussian"), ("Link", "identity"))
        return (("Response", depvars[0]), ("Model", "regress"))

    def derivatives(self, outcome: Outcome, eta: np.ndarray, order: int = 2):
        y = outcome.y
        r = y - eta[:, 0]
        s = eta[:, 1]
        # The log variance is a constant linear predictor: exponentiate it once, not
        # per row (same values; a one-element array takes numpy's vector exp).
        if s.shape[0] > 1024 and s[0] == s[-1] and not np.any(s != s[0]):
            s = s[:1]
        inv = np.negative(s)
        np.exp(inv, out=inv)
        r2 = r * r
        r2 *= inv
        # In place, in the order of -0.5 * (log(2 pi) + s + r2).
        ll = r2 + (s + _LOG_2PI)
        ll *= -0.5
        if order == 0:
            return ll, None, None
        # Column-major: every derivative is one contiguous vector.
        d1 = np.empty((y.shape[0], 2), order="F")
        np.multiply(r, inv, out=d1[:, 0])
        np.subtract(r2, 1.0, out=d1[:, 1])
        d1[:, 1] *= 0.5
        if order == 1:
            return ll, d1, None
        d2 = np.empty((y.shape[0], 2, 2), order="F")
        np.negative(inv, out=d2[:, 0, 0])
        np.negative(d1[:, 0], out=d2[:, 0, 1])
        d2[:, 1, 0] = d2[:, 0, 1]
        np.multiply(r2, -0.5, out=d2[:, 1, 1])
        return ll, d1, d2

    # Several classes sharing the equation at once (the EM of a mixture of regressions):
    # the same arithmetic, element by element, as loglik and weighted_fit per class.
    batches_classes = True

    def loglik_classes(self, outcome: Outcome, blocks: Sequence[Block],
                       X: Mapping[str, np.ndarray], params: np.ndarray,
                       offset: np.ndarray | None = None) -> np.ndarray:
        r = class_means(X["main"], params[:, :-1], outcome.n, offset)
        np.subtract(outcome.y[:, None], r, out=r)
        s = params[:, -1]
        inv = np.exp(np.negative(s))
        r *= r
        r *= inv
        r += s + _LOG_2PI
        r *= -0.5
        return r

    def weighted_fit_tied(self, parts, tied: frozenset[int]) -> list[np.ndarray] | None:
        """``lcinvariant(errvar)``: each class's coefficients by weighted least squares
        and one variance, the weighted mean of all classes' squared residuals (the
        seed's closed form)."""
        if tied != frozenset({1}):
            return None
        betas: list[np.ndarray] = []
        ss = total = 0.0
        for outcome, X, w, _, offset in parts:
            y = outcome.y if offset is None else outcome.y - offset
            beta = weighted_least_squares(X["main"], y, w)
            resid = y - X["main"] @ beta
            ss += float(np.dot(w, resid * resid))
            total += float(w.sum())
            betas.append(beta)
        if total <= 0:
            return None
        lnv = np.log(max(ss / total, 1e-300))
        return [np.append(beta, lnv) for beta in betas]

    def mean_jacobian(self, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        jac = np.zeros_like(eta)
        jac[:, 0] = 1.0
        return jac

    def predict(self, stat: str, outcome: Outcome | None, eta: np.ndarray) -> np.ndarray:
        if stat == "mu":
            return eta[:, 0]
        if stat == "distribution":
            outcome = observed(outcome, stat)
            return stats.norm.cdf(outcome.y, eta[:, 0], np.exp(0.5 * eta[:, 1]))
        return super().predict(stat, outcome, eta)


def class_means(X: np.ndarray, B: np.ndarray, n: int, offset: np.ndarray | None = None
                ) -> np.ndarray:
    """``X b_j (+ offset)`` for every row ``b_j`` of ``B``: an ``(n, m)`` column-major
    array, each column computed as :func:`~fmmpy.families.base.linear_predictors` does.

    Examples
    --------
    >>> class_means(np.ones((2, 1)), np.array([[1.0], [2.0]]), 2).tolist()
    [[1.0, 2.0], [1.0, 2.0]]
    """
    mu = np.empty((n, B.shape[0]), order="F")
    if X.shape[1] == 1:             # x_i b_j: the one product a matrix-vector product makes
        np.multiply(X, B[:, 0], out=mu)
        mu += 0.0                   # the zero sign the matrix-vector product gives
        if offset is not None:
            mu += offset[:, None]
        return mu
    for j in range(B.shape[0]):
        if X.shape[1]:
            np.matmul(X, B[j], out=mu[:, j])
        else:
            mu[:, j] = 0.0
    if offset is not None:
        mu += offset[:, None]
    return mu


def normal_params_classes(y: np.ndarray, X: np.ndarray, W: np.ndarray, init: np.ndarray,
                          power: float, products: np.ndarray | None = None) -> np.ndarray:
    """:func:`normal_fit_classes` as parameter rows: the coefficients and
    ``power * log(var)`` (1: the log variance of ``regress``; 0.5: the log standard
    deviation of ``lognormal``); ``init``'s rows for classes without weight.
    ``products``: the :func:`~fmmpy.linalg.row_products` of ``X`` and ``y``, if held.

    Examples
    --------
    >>> normal_params_classes(np.array([1.0, 3.0]), np.ones((2, 1)), np.ones((2, 1)),
    ...                       np.zeros((1, 2)), 0.5).round(4).tolist()
    [[2.0, 0.0]]
    """
    out, var, fitted = normal_fit_classes(y, X, W, init, products)
    out[fitted, -1] = power * np.log(np.maximum(var[fitted], 1e-300))
    return out


def normal_fit_classes(y: np.ndarray, X: np.ndarray, W: np.ndarray, init: np.ndarray,
                       products: np.ndarray | None = None
                       ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Weighted least squares of ``y`` on ``X`` for every column of ``W`` and the
    weighted mean squared residuals: ``(params, var, fitted)`` with the coefficients in
    ``params[:, :-1]`` (``init``'s rows where a column has no weight; ``fitted`` is
    False there); ``W`` is nonnegative (posteriors times weights).  The coefficients
    are those of :func:`~fmmpy.families.base.weighted_least_squares` column by column;
    a constant-only design's mean and variance and a regression's residual sum of
    squares come from sufficient statistics (see :func:`_constant_fit_classes`,
    :func:`_regression_fit_classes`).  One column of ``W`` gives the numbers of the
    same column among many.  A regression with its :func:`~fmmpy.linalg.row_products`
    ``products`` takes its sums from them (see :func:`_regression_fit_classes`).

    Examples
    --------
    >>> W = np.array([[1.0, 0.0], [1.0, 1.0]])
    >>> params, var, fitted = normal_fit_classes(np.array([1.0, 3.0]), np.ones((2, 1)), W,
    ...                                          np.zeros((2, 2)))
    >>> params[:, 0].tolist(), var.tolist(), fitted.tolist()
    ([2.0, 3.0], [1.0, 0.0], [True, True])
    """
    m, p = W.shape[1], X.shape[1]
    totals = W.sum(axis=0)
    fitted = ~(totals <= 0)      # as weighted_fit's `total <= 0` test
    out = np.array(init, dtype=float)
    var = np.full(m, np.nan)
    if p == 1 and rows_identical(X):
        _constant_fit_classes(y, float(X[0, 0]), W, totals, fitted, out, var)
        return out, var, fitted
    if p > 1 and not rows_identical(X):
        _regression_fit_classes(y, X, W, totals, fitted, out, var, products)
        return out, var, fitted
    # One column: weighted_least_squares' closed form A = x'Wx, b = x'Wy for every
    # column of W at once.
    for j in np.flatnonzero(fitted):
        A = 0.0
        if p == 1:
            xw = np.maximum(W[:, j], 0.0)
            xw *= X[:, 0]
            A = np.dot(xw, X[:, 0])
            if A > 0:
                out[j, 0] = np.dot(xw, y) / A
        if not A > 0:
            out[j, :-1] = weighted_least_squares(X, y, W[:, j])
        # (block by block on a large sample: no n x m temporaries)
        var[j] = weighted_residual_ss(X, y, out[j, :-1], W[:, j]) / float(totals[j])
    return out, var, fitted


def _regression_fit_classes(y: np.ndarray, X: np.ndarray, W: np.ndarray, totals: np.ndarray,
                            fitted: np.ndarray, out: np.ndarray, var: np.ndarray,
                            products: np.ndarray | None = None) -> None:
    """:func:`normal_fit_classes` for a design of several columns, into the rows of
    ``out`` and ``var`` of the ``fitted`` columns of ``W``: the coefficients of
    :func:`~fmmpy.families.base.weighted_least_squares` from ``X'W_jX`` and
    ``X'W_jy``, and the residual sum of squares from the same sums and ``y'W_jy``,
    ``y'Wy - 2 b'X'Wy + b'X'WXb``, without a pass over the rows per class.  That
    difference loses about ``log10(y'Wy / rss)`` digits: a class whose residuals are
    less than 1e-4 of ``y'Wy`` (4 digits) gets the exact sum of squared residuals, so
    every variance has at least 12 correct digits.  With the per-row ``products`` of
    ``[X, y]`` (held across EM iterations) the three sums of every class are one
    product ``W' P``: one pass over ``P`` for all classes instead of forming ``X * w``
    per class (500,000 rows, 3 columns, 2 classes: 11 -> 5 ms)."""
    live = np.flatnonzero(fitted)
    sums = None if products is None else weighted_products_classes(products, W, live,
                                                                   X.shape[1])
    A, b, s = sums if sums is not None else weighted_cross_products_classes(X, y, W, live)
    for c, j in enumerate(live):
        beta = solve_normal_equations(A[c], b[c], X, y, W[:, j])
        rss = s[c] - 2.0 * float(beta @ b[c]) + float(beta @ A[c] @ beta)
        if not rss > 1e-4 * s[c]:
            rss = weighted_residual_ss(X, y, beta, W[:, j])
        out[j, :-1] = beta
        var[j] = rss / float(totals[j])


def _constant_fit_classes(y: np.ndarray, x0: float, W: np.ndarray, totals: np.ndarray,
                          fitted: np.ndarray, out: np.ndarray, var: np.ndarray) -> None:
    """:func:`normal_fit_classes` for a design whose every row is the constant ``x0``,
    into the rows of ``out`` and ``var`` of the ``fitted`` columns of ``W``: the weighted mean and variance of ``y`` for every column of ``W`` (nonnegative, as
    posteriors times weights are) from its sufficient statistics, the weighted first
    and second moments about a fixed centre ``c`` -- one matrix product with
    ``[y - c, (y - c)^2]`` per class and block of rows instead of three passes per class.

    The variance ``m2 - m1^2`` loses about ``log10(m1^2 / var)`` digits; ``c`` is the
    mean of an even sample of ``y`` (the middle of the data), and a class whose mean is
    more than 100 of its standard deviations from ``c`` (more than 4 digits lost) gets
    the exact two-pass sum instead, so every variance has at least 12 correct digits."""
    n, m = W.shape
    if not fitted.any():
        return
    c = float(np.mean(y[::max(1, n // 1024)]))
    moments = np.zeros((m, 2))
    live = np.flatnonzero(fitted)
    for i in range(0, n, ROW_BLOCK):
        d = y[i:i + ROW_BLOCK] - c
        d2 = d * d
        for j in live:      # (dot products per class: the same sums for one class or many)
            wj = W[i:i + ROW_BLOCK, j]
            moments[j, 0] += np.dot(wj, d)
            moments[j, 1] += np.dot(wj, d2)
    safe = np.where(fitted, totals, 1.0)
    m1 = moments[:, 0] / safe
    m2 = moments[:, 1] / safe
    var[fitted] = (m2 - m1 * m1)[fitted]
    mean = c + m1
    for j in np.flatnonzero(fitted & ~(var > 1e-4 * m2)):
        var[j] = weighted_residual_ss(constant_design(n), y, np.array([mean[j]]),
                                      W[:, j]) / float(totals[j])
    out[fitted, 0] = mean[fitted] / x0


def _regress_factory(equation) -> Gaussian:  # noqa: ANN001 - EquationSpec
    return Gaussian()


register_model(
    ModelSyntax("regress", 3, 1, (OptionSchema("noconstant", 6),)),
    _regress_factory,
)

register_glm_family("gaussian", "identity", lambda equation, arg: Gaussian("glm", "gaussian"))
