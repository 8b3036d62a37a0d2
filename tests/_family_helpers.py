"""Helpers shared by the tests: a mixture model from a command, numerical derivatives
(only in tests) checked against the analytic ones, and the check that a fitted
mixture recovers the parameters it was simulated from."""

from __future__ import annotations

from itertools import permutations

import numpy as np

from fmmpy.design import build_design
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.families.base import Outcome
from fmmpy.parse import parse_command


def mixture_model(command: str, data) -> MixtureModel:
    """The likelihood of ``command`` on ``data`` (its design and default layout)."""
    d = build_design(parse_command(command), data)
    return MixtureModel(d, build_layout(d))


def num_grad(f, x, h=1e-6):
    g = np.zeros_like(x)
    for i in range(x.size):
        e = np.zeros_like(x)
        e[i] = h * max(1.0, abs(x[i]))
        g[i] = (f(x + e) - f(x - e)) / (2 * e[i])
    return g


def assert_eta_derivatives(family, outcome: Outcome, eta: np.ndarray, rtol=1e-6, atol=1e-7):
    """The family's analytic first and second derivatives in the linear predictors
    equal central differences of its log density, row by row."""
    ll, d1, d2 = family.derivatives(outcome, eta, order=2)
    assert np.all(np.isfinite(ll))
    m = eta.shape[1]
    for i in range(outcome.n):
        oi = outcome.subset(np.array([i]))
        g = num_grad(lambda e, oi=oi: family.loglik(oi, e[None, :])[0], eta[i])
        assert np.allclose(d1[i], g, rtol=rtol, atol=atol), (i, d1[i], g)
        H = np.array([num_grad(lambda e, j=j, oi=oi: family.derivatives(oi, e[None, :], 1)
                               [1][0, j], eta[i]) for j in range(m)])
        assert np.allclose(d2[i], H, rtol=10 * rtol, atol=10 * atol), (i, d2[i], H)


def check_mixture_derivatives(m: MixtureModel, scale: float = 0.3,
                              theta: np.ndarray | None = None) -> None:
    """Gradient, Hessian and per-unit scores of a mixture at ``theta`` (default: a
    random one of spread ``scale``) against central differences of its log likelihood."""
    if theta is None:
        theta = np.random.default_rng(0).normal(scale=scale, size=m.layout.n_params)
    d, scores = m.derivatives(theta, order=2, scores=True)
    assert np.isfinite(d.ll)
    g_num = num_grad(m.loglik, theta)
    assert np.allclose(d.grad, g_num, rtol=1e-5, atol=1e-5)
    H_num = np.array([num_grad(lambda t, j=j: m.derivatives(t, 1)[0].grad[j], theta)
                      for j in range(theta.size)])
    assert np.allclose(d.hess, H_num, rtol=1e-4, atol=1e-4)
    # Per-unit scores sum (with weights) to the gradient.
    assert np.allclose(scores.sum(axis=0), d.grad, rtol=1e-10, atol=1e-8)


def max_abs_z(res, truth, shares=None):
    """Largest ``|estimate - truth| / se`` over the outcome parameters (and the class
    shares, through ``estat lcprob``), under the best matching of the fitted classes
    to the simulated ones (the class labels of a mixture are arbitrary).

    ``truth`` is a list, one dict per simulated class, of ``{"y:x": value}`` keyed by
    the parameter name after ``j.Class:``."""
    k = len(truth)
    params, bse = res.params, res.bse
    lc = res.estat_lcprob().to_frame() if shares is not None else None
    best = np.inf
    for perm in permutations(range(k)):
        zs = []
        for j, values in enumerate(truth):
            for name, value in values.items():
                full = f"{perm[j] + 1}.Class:{name}"
                zs.append((params[full] - value) / bse[full] if full in params.index
                          else np.inf)      # this matching pairs different models
            if shares is not None:
                row = lc.loc[perm[j] + 1]
                zs.append((row["margin"] - shares[j]) / row["se"])
        best = min(best, float(np.max(np.abs(zs))))
    return best
