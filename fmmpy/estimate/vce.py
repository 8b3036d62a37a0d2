"""Variance estimators, by Stata's ``vce()`` name.

All work in the free parameters ``phi`` and return ``V_phi``; the caller maps to
``theta`` with the layout.  Small-sample factors follow Stata's ML estimators:
``N/(N-1)`` for ``robust`` (``N`` the number of observations, frequency and
importance weights counted), ``G/(G-1)`` for ``cluster``.  The sandwich is
``q (-H)^{-1} M (-H)^{-1}`` with meat ``M = sum_i w_i s_i s_i'`` for frequency and
importance weights, ``sum_i w_i^2 s_i s_i'`` for sampling weights, and
``sum_g (sum_{i in g} w_i s_i)(...)'`` for clusters.

Examples
--------
>>> import numpy as np
>>> V, bad = vce_oim(VCEInputs(hess=-np.diag([4.0, 1.0])))
>>> np.diag(V).tolist(), bad.tolist()
([0.25, 1.0], [False, False])
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

__all__ = ["VCEInputs", "VCE_ESTIMATORS", "VCE_WITHOUT_SCORES", "vce_oim", "vce_opg", "vce_robust", "vce_cluster",
           "vce_title", "ll_caption"]


@dataclass(frozen=True)
class VCEInputs:
    """What the estimators may use: the Hessian, per-unit scores (unweighted), weights,
    weight type, number of observations and cluster codes."""

    hess: np.ndarray
    scores: np.ndarray | None = None
    weights: np.ndarray | None = None
    weight_kind: str | None = None
    nobs: int = 0
    cluster: np.ndarray | None = None


def _inverse_negative(H: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(-H)^{-1}`` and a mask of parameters whose variance cannot be computed.

    When ``-H`` is singular or not positive definite, a generalized inverse is
    used and the affected parameters are flagged, as Stata reports missing
    standard errors.
    """
    A = -0.5 * (H + H.T)
    p = A.shape[0]
    if p == 0:
        return np.zeros((0, 0)), np.zeros(0, dtype=bool)
    try:
        L = np.linalg.cholesky(A)
        Linv = np.linalg.inv(L)
        return Linv.T @ Linv, np.zeros(p, dtype=bool)
    except np.linalg.LinAlgError:
        pass
    vals, vecs = np.linalg.eigh(A)
    tol = max(np.max(np.abs(vals)), 1.0) * p * np.finfo(float).eps * 10
    good = vals > tol
    V = (vecs[:, good] / vals[good]) @ vecs[:, good].T
    # A parameter is unidentified when it loads on a dropped direction.
    bad = np.any(np.abs(vecs[:, ~good]) > 1e-6, axis=1) if (~good).any() else np.zeros(p, bool)
    return V, bad


def vce_oim(inp: VCEInputs) -> tuple[np.ndarray, np.ndarray]:
    """Observed information matrix: ``(-H)^{-1}``."""
    return _inverse_negative(inp.hess)


def _meat_weights(inp: VCEInputs) -> np.ndarray:
    """Weights of ``s_i s_i'`` in the meat: ``w`` for frequency and importance weights
    (each row stands for ``w`` observations), ``w^2`` for sampling weights (the
    weighted score ``w s_i`` is one observation's contribution)."""
    w = inp.weights if inp.weights is not None else np.ones(inp.scores.shape[0])
    if inp.weight_kind in ("fweight", "iweight"):
        return w
    return w * w


def vce_opg(inp: VCEInputs) -> tuple[np.ndarray, np.ndarray]:
    """Outer product of the gradients: ``(sum_i w_i s_i s_i')^{-1}``."""
    S = inp.scores
    w = inp.weights if inp.weights is not None else np.ones(S.shape[0])
    return _inverse_negative(-(S.T @ (S * w[:, None])))


def vce_robust(inp: VCEInputs) -> tuple[np.ndarray, np.ndarray]:
    """Huber/White sandwich with Stata's ``N/(N-1)``."""
    V, bad = _inverse_negative(inp.hess)
    S = inp.scores
    meat = S.T @ (S * _meat_weights(inp)[:, None])
    n = inp.nobs
    factor = n / (n - 1) if n > 1 else 1.0
    return factor * (V @ meat @ V), bad


def vce_cluster(inp: VCEInputs) -> tuple[np.ndarray, np.ndarray]:
    """Cluster-robust sandwich (scores summed within clusters) with ``G/(G-1)``."""
    V, bad = _inverse_negative(inp.hess)
    S = inp.scores
    w = inp.weights if inp.weights is not None else np.ones(S.shape[0])
    codes = inp.cluster
    G = int(codes.max()) + 1
    sums = np.zeros((G, S.shape[1]))
    np.add.at(sums, codes, S * w[:, None])
    meat = sums.T @ sums
    factor = G / (G - 1) if G > 1 else 1.0
    return factor * (V @ meat @ V), bad


#: ``vce()`` type -> estimator returning ``(V_phi, unidentified_mask)``.
VCE_ESTIMATORS: dict[str, Callable[[VCEInputs], tuple[np.ndarray, np.ndarray]]] = {
    "oim": vce_oim,
    "opg": vce_opg,
    "robust": vce_robust,
    "cluster": vce_cluster,
}

# Estimators that use only the Hessian: the fit skips the (n, p) score matrix for them.
VCE_WITHOUT_SCORES = frozenset({"oim"})


def is_sandwich(vce: tuple, weight_kind: str | None) -> bool:
    """Whether the variance is a sandwich: ``vce(robust)``, ``vce(cluster)``, or
    sampling weights.

    Examples
    --------
    >>> is_sandwich(("oim",), "pweight"), is_sandwich(("opg",), None)
    (True, False)
    """
    return vce[0] in ("robust", "cluster") or weight_kind == "pweight"


def vce_title(vce: tuple, weight_kind: str | None) -> str | None:
    """The ``Std. err.`` column's heading line (``Robust``), or ``None`` for OIM.

    Examples
    --------
    >>> vce_title(("robust",), None), vce_title(("oim",), None)
    ('Robust', None)
    """
    if is_sandwich(vce, weight_kind):
        return "Robust"
    return "OPG" if vce[0] == "opg" else None


def ll_caption(vce: tuple, weight_kind: str | None) -> str:
    """``Log pseudolikelihood`` under a sandwich variance (robust, cluster, sampling
    weights), as Stata's ``ml`` words it; ``Log likelihood`` otherwise.

    Examples
    --------
    >>> ll_caption(("cluster", "id"), None), ll_caption(("oim",), "fweight")
    ('Log pseudolikelihood', 'Log likelihood')
    """
    return "Log pseudolikelihood" if is_sandwich(vce, weight_kind) else "Log likelihood"
