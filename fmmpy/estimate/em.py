"""EM refinement of starting values ("Refining starting values").

Each iteration computes the posterior class probabilities at the current
parameters, maximizes the expected complete-data log likelihood (the M-step), and
logs that maximized value -- the number Stata prints beside ``(EM) log likelihood``,
which can fall while the mixture likelihood climbs.  ``emopts(iterate(#))`` counts
iterations from 0, so the default ``iterate(20)`` performs 21 M-steps, matching
Stata's log (``Iteration 0`` ... ``Iteration 20``).

Examples
--------
>>> import fmmpy, numpy as np
>>> from fmmpy.parse import parse_command
>>> from fmmpy.design import build_design
>>> from fmmpy.estimate.layout import build_layout
>>> from fmmpy.estimate.model import MixtureModel
>>> from fmmpy.estimate.start import start_values
>>> d = build_design(parse_command("3: regress thickness"), fmmpy.datasets.load("stamp"))
>>> m = MixtureModel(d, build_layout(d))
>>> r = em_refine(m, start_values(m, d.settings.startvalues, None), iterate=0)
>>> round(r.q_history[0], 4)
1396.8814
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..linalg import mreldif

from .log import IterationLog
from .model import MixtureModel

__all__ = ["em_refine", "EMResult", "extrapolated"]


@dataclass(frozen=True)
class EMResult:
    """Parameters after EM, the printed Q values, the mixture log likelihood at each
    iteration's starting point, whether the tolerances were met, and the mixture log
    likelihood at the returned parameters."""

    theta: np.ndarray
    q_history: tuple[float, ...]
    ll_history: tuple[float, ...]
    converged: bool
    ll: float = float("nan")


def em_refine(model: MixtureModel, theta: np.ndarray, iterate: int = 20,
              tolerance: float = 1e-6, ltolerance: float = 1e-7,
              log: IterationLog | None = None, title: str | None = "Refining starting values:",
              record_q: bool = True) -> EMResult:
    """Run EM iterations ``0 .. iterate`` from ``theta``.

    From the third iteration on, the Newton M-steps (class model with covariates,
    families without closed forms) start where :func:`extrapolated` predicts the
    maximum, not at the last iterate: the same maxima in fewer Newton iterations.

    Stops early when the relative change of the mixture log likelihood is below
    ``ltolerance`` and the largest relative change of a parameter is below
    ``tolerance``.  ``record_q=False`` (screening random starts, no log) skips the
    printed Q values; ``q_history`` is then empty.
    """
    record_q = record_q or log is not None
    if log is not None and title:
        log.section(title)
    q_hist: list[float] = []
    ll_hist: list[float] = []
    converged = False
    post, ll, _ = model.e_step(theta)
    step = previous = None
    for it in range(iterate + 1):
        pw = model.weighted(post)
        new = model.m_step(theta, post, pw, extrapolated(theta, step, previous))
        step, previous = new - theta, step
        # The E-step at the new parameters gives this iteration's Q (from the
        # posteriors it replaces) and the next iteration's posteriors.
        post, ll_new, q = model.e_step(new, pw if record_q else None, reuse=post)
        del pw
        if record_q:
            q_hist.append(q)
        ll_hist.append(ll)
        ll = ll_new
        if log is not None:
            log.iteration(it, q_hist[-1], "(EM) log likelihood")
        change = mreldif(new, theta)
        theta = new
        if it > 0 and abs(ll_hist[-1] - ll_hist[-2]) / (abs(ll_hist[-2]) + 1.0) < ltolerance \
                and change < tolerance:
            converged = True
            break
    if log is not None and not converged:
        log.note("note: EM algorithm reached maximum iterations.")
    return EMResult(theta, tuple(q_hist), tuple(ll_hist), converged, ll)


def extrapolated(theta: np.ndarray, step: np.ndarray | None, previous: np.ndarray | None
                 ) -> np.ndarray | None:
    """A prediction of EM's next iterate from its last two steps, or ``None``.

    Where EM moves steadily in one direction (the steps' cosine at least 0.9) with
    shrinking steps, as it does near a maximum (EM converges linearly: each step about
    ``r`` times the one before), the next M-step's maximum lies near ``theta + r *
    step``; a Newton M-step started there needs fewer iterations than one started at
    ``theta`` and reaches the same maximum.

    Examples
    --------
    >>> extrapolated(np.ones(2), np.array([0.5, 0.0]), np.array([1.0, 0.0])).tolist()
    [1.25, 1.0]
    >>> extrapolated(np.ones(2), np.array([0.5, 0.0]), np.array([-1.0, 0.0])) is None
    True
    """
    if step is None or previous is None:
        return None
    size, before = float(np.linalg.norm(step)), float(np.linalg.norm(previous))
    if not (size > 0.0 and before > 0.0 and np.isfinite(size) and np.isfinite(before)):
        return None
    rate = size / before
    if rate >= 0.95 or float(step @ previous) < 0.9 * size * before:
        return None
    return theta + rate * step
