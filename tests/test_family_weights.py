"""Identity: frequency weights equal duplicated rows, for the discrete families (their
starting values, weighted M-steps and likelihoods all see the weights)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import expit

import fmmpy


@pytest.fixture(scope="module")
def wdata():
    rng = np.random.default_rng(51)
    n = 240
    x = rng.normal(size=n)
    lat = 0.9 * x + rng.logistic(size=n)
    mu = np.exp(0.4 + 0.5 * x)
    return pd.DataFrame({
        "x": x,
        "b": (rng.random(n) < expit(0.3 + x)) * 1.0,
        "o": np.digitize(lat, [-0.5, 1.0]) + 1.0,
        "m": rng.integers(1, 4, size=n) * 1.0,
        "y": np.where(rng.random(n) < 0.3, 0, rng.poisson(mu)) * 1.0,
        "yt": rng.poisson(mu) + 1.0,
        "n": rng.integers(1, 6, size=n) * 1.0,
        "w": rng.integers(1, 4, size=n) * 1.0,
    }).assign(k=lambda d: np.minimum(d.y, d.n))


@pytest.mark.parametrize("command", [
    "1: probit b x",
    "1: glm k x, family(binomial n) link(cloglog)",
    "1: oprobit o x",
    "1: mlogit m x, baseoutcome(3)",
    "1: nbreg y x, dispersion(constant)",
    "1: tpoisson yt x",
    "fmm: (pointmass y) (poisson y x)",
])
def test_fweights_equal_duplicated_rows(wdata, command):
    head, _, body = command.partition(":")
    weighted = fmmpy.fmm(f"{head} [fweight=w]:{body}", data=wdata, log=False)
    expanded = wdata.loc[wdata.index.repeat(wdata.w.astype(int))].reset_index(drop=True)
    plain = fmmpy.fmm(command, data=expanded, log=False)
    assert weighted.nobs == plain.nobs == int(wdata.w.sum())
    assert weighted.llf == pytest.approx(plain.llf, rel=1e-9)
    assert np.allclose(weighted.params, plain.params, rtol=1e-5, atol=1e-7)
    assert np.allclose(weighted.bse, plain.bse, rtol=1e-4)
