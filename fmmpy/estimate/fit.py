"""The estimation path, as Stata runs it: starting values, EM refinement, full ML by
Newton-Raphson, then the variance.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> from fmmpy.design import build_design
>>> d = build_design(parse_command("3: regress thickness"), fmmpy.datasets.load("stamp"))
>>> r = estimate(d, echo=False)
>>> round(r.ll, 4), r.converged
(1518.8484, True)
"""

from __future__ import annotations

import warnings
from dataclasses import dataclass
from typing import TextIO

import numpy as np

from ..design import Design
from ..display.format import fmt_g
from ..errors import (FMMConvergenceWarning, FMMDegenerateWarning, FMMLocalMaximumWarning,
                      FMMNotConcaveWarning)
from .diagnose import Diagnosis, Reference, check_data, diagnose
from .em import EMResult
from .layout import ParamLayout, build_layout
from .log import IterationLog
from .ml import maximize_likelihood
from .model import MixtureModel
from .multistart import (MultiStart, ProgressCallback, finish_draws, initial_values,
                         resolve_search, search_higher)
from .start import RANDOM_METHODS
from .vce import VCE_ESTIMATORS, VCE_WITHOUT_SCORES, VCEInputs, ll_caption

__all__ = ["estimate", "FitResult"]


@dataclass(frozen=True, eq=False)
class FitResult:
    """Everything the estimation produced, in the full parameter vector ``theta``."""

    layout: ParamLayout
    theta: np.ndarray
    ll: float
    grad: np.ndarray
    vcov: np.ndarray
    unidentified: np.ndarray
    converged: bool
    concave: bool
    iterations: int
    vce: tuple
    log: tuple[str, ...]
    warnings: tuple[str, ...]
    start_theta: np.ndarray
    em: EMResult | None
    diagnostics: tuple[Diagnosis, ...] = ()
    multistart: MultiStart | None = None


def estimate(design: Design, *, echo: bool = True, stream: TextIO | None = None,
             from_theta: np.ndarray | None = None, layout: ParamLayout | None = None,
             start_post: np.ndarray | None = None, search: object = True,
             progress: ProgressCallback | None = None) -> FitResult:
    """Fit the mixture described by ``design``.

    Parameters
    ----------
    design : Design
    echo : bool
        Print the iteration log while fitting.
    stream : text stream, optional
        Where to print it.
    from_theta : ndarray, optional
        Starting values (Stata's ``from()``): the start and EM steps are skipped.
    layout : ParamLayout, optional
        A layout with constraints; built from the design when omitted.
    start_post : ndarray, optional
        Initial class probabilities ``(n, k)`` (a warm start); they go through the
        class and outcome fits and EM like a ``startvalues()`` method's.
    search : bool, int, dict or Search
        The search for a higher maximum after a deterministic start
        (see :mod:`fmmpy.estimate.multistart`); ``False`` switches it off.
    progress : callable, optional
        Receives a :class:`~fmmpy.estimate.multistart.Progress` after each random start.
    """
    settings = design.settings
    layout = layout or build_layout(design)
    model = MixtureModel(design, layout)
    log = IterationLog(echo=echo, stream=stream)
    notes: list[str] = []
    em_result = None
    multistart = None
    check_data(model)
    if from_theta is not None:
        theta0 = layout.to_theta(layout.to_phi(np.asarray(from_theta, dtype=float)))
    else:
        theta0, em_result, multistart = initial_values(model, settings, log, post=start_post,
                                                       progress=progress)
    vce = settings.vce
    if design.weight_kind == "pweight" and vce[0] in ("oim", "opg"):
        vce = ("robust",)
    if settings.noestimate:
        deriv, scores = model.derivatives(theta0, order=2,
                                          scores=vce[0] not in VCE_WITHOUT_SCORES)
        return _finish(design, layout, model, theta0, deriv, scores, vce, False, False, 0,
                       log, notes, theta0, em_result, (), multistart)

    log.section("Fitting full model:")
    result = maximize_likelihood(model, theta0, settings, log,
                                 caption=ll_caption(vce, design.weight_kind))
    theta = layout.to_theta(result.x)
    if not result.converged:
        msg = "convergence not achieved"
        log.note(msg)
        notes.append(msg)
        warnings.warn(msg, FMMConvergenceWarning, stacklevel=3)
    needs_scores = vce[0] not in VCE_WITHOUT_SCORES
    if result.at_x is not None and not needs_scores:
        deriv, scores = result.at_x, None       # the last Newton step's, at this theta
    else:
        deriv, scores = model.derivatives(theta, order=2, scores=needs_scores)
    reference = Reference(model) if design.k > 1 else None
    found = (diagnose(model, theta, reference, post=deriv.post if np.isfinite(deriv.ll) else None)
             if design.k > 1 else ())
    for d in found:
        notes.append(d.message)
        warnings.warn(d.message, FMMDegenerateWarning, stacklevel=3)
    if multistart is not None:
        multistart = finish_draws(multistart, deriv.ll, result.converged,
                                  ", ".join(d.kind for d in found))
    budget = resolve_search(search)
    if (budget is not None and multistart is None and design.k > 1
            and settings.startvalues.method not in RANDOM_METHODS):
        multistart = search_higher(model, settings, deriv.ll, result.converged, budget,
                                   reference, progress)
        if multistart.better:
            msg = _better_note(multistart, from_theta is not None or start_post is not None)
            notes.append(msg)
            warnings.warn(msg, FMMLocalMaximumWarning, stacklevel=3)
    return _finish(design, layout, model, theta, deriv, scores, vce, result.converged,
                   result.concave, result.iterations, log, notes, theta0, em_result, found,
                   multistart)


def _better_note(ms: MultiStart, custom_start: bool) -> str:
    """The warning under the table when random starts beat the reported solution."""
    origin = "your starting values" if custom_start else "Stata's default starting values"
    how = (f"refit with startvalues({ms.option})" if ms.best_reproducible
           else "refit with from_=res.multistart.best_params")
    return (f"random starts reached a higher log likelihood, "
            f"{fmt_g(ms.best_ll, 10).strip()}, than this solution "
            f"({fmt_g(ms.reported_ll, 10).strip()}, from {origin}); to obtain it, {how}; "
            "see res.multistart")


def _finish(design: Design, layout: ParamLayout, model: MixtureModel, theta: np.ndarray,
            deriv, scores, vce: tuple, converged: bool, concave: bool, iterations: int,
            log: IterationLog, notes: list[str], start: np.ndarray,
            em_result: EMResult | None, found: tuple[Diagnosis, ...] = (),
            multistart: MultiStart | None = None) -> FitResult:
    T = layout.T
    S = None if scores is None else scores @ T     # only the sandwich estimators need them
    inputs = VCEInputs(hess=T.T @ deriv.hess @ T, scores=S,
                       weights=design.weights, weight_kind=design.weight_kind,
                       nobs=design.unit_nobs, cluster=design.cluster)
    V_phi, bad_phi = VCE_ESTIMATORS[vce[0]](inputs)
    V = T @ V_phi @ T.T
    bad = (np.abs(T) @ bad_phi.astype(float)) > 0 if bad_phi.size else np.zeros(T.shape[0], bool)
    with np.errstate(invalid="ignore"):
        bad |= ~(np.diag(V) >= 0)
    if bad.any():
        names = [n for n, b in zip(layout.names, bad) if b]
        if found:
            why = "because of the degenerate solution above"
        elif not concave:
            why = "because the Hessian is not negative definite at the reported values"
        else:
            why = ("because the Hessian is singular at the reported values: the data do not "
                   "identify these parameters")
        msg = ("variance matrix is nonsymmetric or highly singular; standard errors of "
               f"{', '.join(names)} cannot be computed (shown as missing) {why}")
        notes.append(msg)
        warnings.warn(msg, FMMNotConcaveWarning, stacklevel=3)
    return FitResult(layout=layout, theta=theta, ll=deriv.ll, grad=deriv.grad, vcov=V,
                     unidentified=bad, converged=converged, concave=concave,
                     iterations=iterations, vce=vce, log=log.lines(), warnings=tuple(notes),
                     start_theta=start, em=em_result, diagnostics=tuple(found),
                     multistart=multistart)
