"""Newton-Raphson maximization with Stata's convergence rules and log.

Convergence is declared, as in Stata's ``ml``, when the Hessian is negative
definite, the scaled gradient ``g' (-H)^{-1} g`` is below ``nrtolerance()``
(unless ``nonrtolerance``), and either the relative change in the coefficients is
below ``tolerance()`` or the relative change in the log likelihood is below
``ltolerance()``.  Where the Hessian is not negative definite the step follows a
modified Newton direction (eigenvalues replaced by their absolute values) and the
line is marked ``(not concave)``; a step that does not improve the objective is
halved and the line marked ``(backed up)``.

Examples
--------
>>> import numpy as np
>>> def f(x, order):            # concave quadratic with maximum at (1, 2)
...     g = -np.array([2 * (x[0] - 1), 4 * (x[1] - 2)])
...     return -(x[0] - 1) ** 2 - 2 * (x[1] - 2) ** 2, g, np.diag([-2.0, -4.0])
>>> r = newton_raphson(f, np.zeros(2))
>>> r.converged, np.round(r.x, 6).tolist(), r.iterations
(True, [1.0, 2.0], 2)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np

from ..errors import FMMConvergenceError
from ..linalg import ascent_direction, mreldif
from .log import IterationLog

if TYPE_CHECKING:  # pragma: no cover
    from ..parse.spec import FMMSettings
    from .model import MixtureModel

__all__ = ["newton_raphson", "NRResult", "maximize_likelihood"]

Objective = Callable[[np.ndarray, int], tuple[float, np.ndarray, np.ndarray]]


@dataclass(frozen=True)
class NRResult:
    """Outcome of :func:`newton_raphson`."""

    x: np.ndarray
    f: float
    grad: np.ndarray
    hess: np.ndarray
    iterations: int
    converged: bool
    concave: bool
    #: What the objective computed at ``x`` besides value and derivatives, when the
    #: caller's objective keeps it (:func:`maximize_likelihood`: the model's
    #: ``Derivatives``, so the variance needs no second evaluation at the maximum).
    at_x: object = None


def newton_raphson(fun: Objective, x0: np.ndarray, *, iterate: int = 300,
                   tolerance: float = 1e-6, ltolerance: float = 1e-7,
                   nrtolerance: float = 1e-5, nonrtolerance: bool = False,
                   log: IterationLog | None = None, caption: str = "Log likelihood",
                   max_halvings: int = 60, null_step: float = 0.0) -> NRResult:
    """Maximize ``fun`` from ``x0``.

    Parameters
    ----------
    fun : callable
        ``fun(x, order) -> (f, g, H)``; return ``f = -inf`` where undefined.
    x0 : ndarray
    iterate, tolerance, ltolerance, nrtolerance, nonrtolerance
        Stata's maximize options.
    log : IterationLog, optional
        Receives ``Iteration #:`` lines.
    caption : str
        Text before ``=`` in the log (``Log likelihood``, ``(class) log likelihood``).
    null_step : float
        A Newton step whose largest relative change is at most this is not evaluated:
        the iterate stays where it is, with its value and derivatives (a start that is
        already the maximum, as a closed-form fit is, costs one evaluation instead of
        two; the logged iteration shows the same value, as the evaluation would).
        0 (the default) evaluates every step.

    Returns
    -------
    NRResult

    Raises
    ------
    FMMConvergenceError
        When the objective cannot be evaluated at ``x0`` ("initial values not feasible").
    """
    x = np.array(x0, dtype=float)
    f, g, H = fun(x, 2)
    if not np.isfinite(f):
        raise FMMConvergenceError("initial values not feasible: the log likelihood cannot be "
                                  "evaluated at the starting values")
    # Newton's direction at each new point, and whether the Hessian there is negative
    # definite (the same Cholesky factor answers both).
    step, concave = ascent_direction(g, H)
    if log is not None:
        log.iteration(0, f, caption, () if concave else ("not concave",))
    converged = False
    it = 0
    while it < iterate:
        it += 1
        backed = stuck = False
        if null_step > 0.0 and mreldif(x + step, x) <= null_step:
            x_new, f_new, g_new, H_new = x, f, g, H     # rounding noise: not evaluated
        else:
            x_new, f_new, g_new, H_new, backed, stuck = _line_search(fun, x, f, step,
                                                                     max_halvings)
            if stuck:
                g_new, H_new = g, H
        if g_new is None:
            g_new, H_new = fun(x_new, 2)[1:]
        step_new, concave = ascent_direction(g_new, H_new)
        flags: list[str] = []
        if not concave:
            flags.append("not concave")
        elif backed:
            flags.append("backed up")
        if log is not None:
            log.iteration(it, f_new, caption, flags)
        coef_ok = mreldif(x_new, x) < tolerance
        ll_ok = abs(f_new - f) / (abs(f) + 1.0) < ltolerance
        x, f, g, H, step = x_new, f_new, g_new, H_new, step_new
        if concave and (coef_ok or ll_ok):
            if nonrtolerance:
                converged = True
                break
            if float(g @ step) < nrtolerance:
                converged = True
                break
        if stuck:
            break
    return NRResult(x, f, g, H, it, converged, concave)


def _line_search(fun: Objective, x: np.ndarray, f: float, step: np.ndarray,
                 max_halvings: int) -> tuple[np.ndarray, float, np.ndarray | None,
                                             np.ndarray | None, bool, bool]:
    """Newton's step with halving: ``(x_new, f_new, g_new, H_new, backed, stuck)``;
    ``g_new``/``H_new`` are ``None`` when a halved step was taken (only its value was
    computed), ``stuck`` when no step improves the objective (``x`` is returned)."""
    slack = 1e-12 * (abs(f) + 1.0)  # rounding noise at an exact optimum is not a decrease
    t = 1.0
    for halving in range(max_halvings):
        x_new = x + t * step
        # The full step is usually taken: its value comes with the derivatives needed
        # next (one evaluation, not two); halved steps only need the value.
        f_new, g_new, H_new = fun(x_new, 2) if halving == 0 else (fun(x_new, 0)[0],
                                                                  None, None)
        if np.isfinite(f_new) and f_new >= f - slack:
            return x_new, f_new, g_new, H_new, halving > 0, False
        t *= 0.5
    # No step improves the objective: a numerical maximum, or a flat region.
    return x, f, None, None, True, True


def maximize_likelihood(model: "MixtureModel", theta0: np.ndarray, settings: "FMMSettings",
                        log: IterationLog | None = None, caption: str = "Log likelihood"
                        ) -> NRResult:
    """Newton-Raphson on the full mixture likelihood from ``theta0``, in the free
    parameters of the model's layout, with the ``fmm`` maximize options; ``x`` of the
    result is ``phi`` (``model.layout.to_theta`` maps it back); ``caption`` is the
    log's label (``Log likelihood``, ``Log pseudolikelihood``).

    Examples
    --------
    >>> import fmmpy
    >>> from fmmpy.parse import parse_command
    >>> from fmmpy.design import build_design
    >>> from fmmpy.estimate.layout import build_layout
    >>> from fmmpy.estimate.model import MixtureModel
    >>> d = build_design(parse_command("1: regress thickness"), fmmpy.datasets.load("stamp"))
    >>> m = MixtureModel(d, build_layout(d))
    >>> r = maximize_likelihood(m, np.array([0.08, -9.0]), d.settings)
    >>> r.converged, round(r.f, 3)
    (True, 1350.338)
    """
    lay = model.layout
    last: list = []         # (phi, Derivatives) of the latest second-order evaluation

    def fun(phi: np.ndarray, order: int):
        theta = lay.to_theta(phi)
        if order == 0:
            return model.loglik(theta), None, None
        last.clear()        # (its n x k posteriors are not held while the next are made)
        d, _ = model.derivatives(theta, order=2)
        if not np.isfinite(d.ll):
            return -np.inf, None, None
        last.append((phi.copy(), d))
        return d.ll, lay.T.T @ d.grad, lay.T.T @ d.hess @ lay.T

    result = newton_raphson(fun, lay.to_phi(theta0), iterate=settings.iterate,
                            tolerance=settings.tolerance, ltolerance=settings.ltolerance,
                            nrtolerance=settings.nrtolerance,
                            nonrtolerance=settings.nonrtolerance, log=log, caption=caption)
    if last and np.array_equal(last[0][0], result.x):
        result = replace(result, at_x=last[0][1])
    return result
