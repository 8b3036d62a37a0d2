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
from ..errors import FMMConvergenceWarning, FMMNotConcaveWarning
from .em import EMResult, em_refine
from .layout import ParamLayout, build_layout
from .log import IterationLog
from .ml import newton_raphson
from .model import MixtureModel
from .start import start_values
from .vce import VCE_ESTIMATORS, VCEInputs, ll_caption

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


def estimate(design: Design, *, echo: bool = True, stream: TextIO | None = None,
             from_theta: np.ndarray | None = None, layout: ParamLayout | None = None
             ) -> FitResult:
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
    """
    settings = design.settings
    layout = layout or build_layout(design)
    model = MixtureModel(design, layout)
    log = IterationLog(echo=echo, stream=stream)
    notes: list[str] = []
    em_result = None
    if from_theta is not None:
        theta0 = layout.to_theta(layout.to_phi(np.asarray(from_theta, dtype=float)))
    else:
        theta0 = start_values(model, settings.startvalues, log)
        theta0 = layout.to_theta(layout.to_phi(theta0))
        if design.k > 1 and settings.emiterate >= 0:
            em_result = em_refine(model, theta0, settings.emiterate, settings.emtolerance,
                                  settings.emltolerance, log)
            theta0 = em_result.theta
    vce = settings.vce
    if design.weight_kind == "pweight" and vce[0] in ("oim", "opg"):
        vce = ("robust",)
    if settings.noestimate:
        deriv, scores = model.derivatives(theta0, order=2, scores=True)
        return _finish(design, layout, model, theta0, deriv, scores, vce, False, False, 0,
                       log, notes, theta0, em_result)

    log.section("Fitting full model:")

    def fun(phi: np.ndarray, order: int):
        theta = layout.to_theta(phi)
        if order == 0:
            return model.loglik(theta), None, None
        d, _ = model.derivatives(theta, order=2)
        if not np.isfinite(d.ll):
            return -np.inf, None, None
        return d.ll, layout.T.T @ d.grad, layout.T.T @ d.hess @ layout.T

    result = newton_raphson(fun, layout.to_phi(theta0), iterate=settings.iterate,
                            tolerance=settings.tolerance, ltolerance=settings.ltolerance,
                            nrtolerance=settings.nrtolerance,
                            nonrtolerance=settings.nonrtolerance, log=log,
                            caption=ll_caption(vce, design.weight_kind))
    theta = layout.to_theta(result.x)
    if not result.converged:
        msg = "convergence not achieved"
        log.note(msg)
        notes.append(msg)
        warnings.warn(msg, FMMConvergenceWarning, stacklevel=3)
    deriv, scores = model.derivatives(theta, order=2, scores=True)
    return _finish(design, layout, model, theta, deriv, scores, vce, result.converged,
                   result.concave, result.iterations, log, notes, theta0, em_result)


def _finish(design: Design, layout: ParamLayout, model: MixtureModel, theta: np.ndarray,
            deriv, scores, vce: tuple, converged: bool, concave: bool, iterations: int,
            log: IterationLog, notes: list[str], start: np.ndarray,
            em_result: EMResult | None) -> FitResult:
    T = layout.T
    inputs = VCEInputs(hess=T.T @ deriv.hess @ T, scores=scores @ T,
                       weights=design.weights, weight_kind=design.weight_kind,
                       nobs=design.unit_nobs, cluster=design.cluster)
    V_phi, bad_phi = VCE_ESTIMATORS[vce[0]](inputs)
    V = T @ V_phi @ T.T
    bad = (np.abs(T) @ bad_phi.astype(float)) > 0 if bad_phi.size else np.zeros(T.shape[0], bool)
    if bad.any():
        names = [n for n, b in zip(layout.names, bad) if b]
        msg = ("Hessian is not negative definite at the reported values; standard errors "
               f"of {', '.join(names)} cannot be computed (they are shown as missing)")
        notes.append(msg)
        warnings.warn(msg, FMMNotConcaveWarning, stacklevel=3)
    return FitResult(layout=layout, theta=theta, ll=deriv.ll, grad=deriv.grad, vcov=V,
                     unidentified=bad, converged=converged, concave=concave,
                     iterations=iterations, vce=vce, log=log.lines(), warnings=tuple(notes),
                     start_theta=start, em=em_result)
