"""Helpers shared by the family tests: numerical derivatives (only in tests) and the
check that a fitted mixture recovers the parameters it was simulated from."""

from __future__ import annotations

from itertools import permutations

import numpy as np

from fmmpy.families.base import Outcome


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
