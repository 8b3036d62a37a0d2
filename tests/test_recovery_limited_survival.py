"""Simulated two-class mixtures: the fit recovers the parameters that generated the
data within a few standard errors (4 SE for each parameter, the classes matched by
trying both labelings).  The truth is what the simulation used."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fmmpy

N = 2500


def _check(res, truth: dict[str, tuple[float, float]], lcprob: float):
    """``truth[name] = (class-1 value, class-2 value)`` for names ``eq:term``;
    ``lcprob`` is ``log(pi_2 / pi_1)``."""
    best = None
    for perm in ((1, 2), (2, 1)):
        z = []
        for name, values in truth.items():
            for j, v in zip(perm, values):
                key = f"{j}.Class:{name}"
                z.append((res.params[key] - v) / res.bse[key])
        sign = 1.0 if perm == (1, 2) else -1.0
        z.append((res.params["2.Class:_cons"] - sign * lcprob) / res.bse["2.Class:_cons"])
        z = np.abs(np.array(z))
        if best is None or z.max() < best.max():
            best = z
    assert res.converged
    assert np.all(best < 4.0), best


def _classes(rng, p2=0.4):
    return rng.random(N) < p2, np.log(p2 / (1 - p2))


def test_tobit_mixture_recovers_parameters():
    rng = np.random.default_rng(101)
    c, lc = _classes(rng)
    x = rng.normal(size=N)
    ys = np.where(c, 1.5 + 2.0 * x, -0.5 + 0.5 * x) + rng.normal(size=N) * np.where(c, 0.8, 1.0)
    df = pd.DataFrame({"y": np.maximum(ys, 0.0), "x": x})
    res = fmmpy.fmm("2: tobit y x, ll(0)", data=df, log=False)
    _check(res, {"y:x": (0.5, 2.0), "y:_cons": (-0.5, 1.5), "y:var(e.y)": (1.0, 0.64)}, lc)


def test_intreg_mixture_recovers_parameters():
    rng = np.random.default_rng(102)
    c, lc = _classes(rng)
    x = rng.normal(size=N)
    ys = np.where(c, 3.0 + x, -1.0 - x) + rng.normal(size=N) * 0.7
    lo, hi = np.floor(ys * 2) / 2, np.floor(ys * 2) / 2 + 0.5
    # Censored below -2 and above 4, half-unit intervals in between.
    df = pd.DataFrame({"lo": np.where(ys < -2, np.nan, np.where(ys > 4, 4.0, lo)),
                       "hi": np.where(ys > 4, np.nan, np.where(ys < -2, -2.0, hi)), "x": x})
    res = fmmpy.fmm("2: intreg lo hi x", data=df, log=False)
    _check(res, {"lo:x": (-1.0, 1.0), "lo:_cons": (-1.0, 3.0), "lo:var(e.lo)": (0.49, 0.49)}, lc)


def test_streg_weibull_mixture_with_censoring_and_entry_recovers_parameters():
    rng = np.random.default_rng(103)
    c, lc = _classes(rng)
    x = rng.normal(size=N)
    xb = np.where(c, -1.0 + 0.5 * x, 1.0 - 0.5 * x)
    p = np.where(c, 2.5, 0.8)
    t = (rng.exponential(size=N) / np.exp(xb)) ** (1 / p)
    cens = rng.exponential(4.0, size=N)
    ent = np.where(rng.random(N) < 0.3, rng.uniform(0, 0.2, size=N), 0.0)
    df = pd.DataFrame({"time": np.minimum(t, cens), "died": (t <= cens).astype(int), "x": x,
                       "ent": ent})
    st = fmmpy.stset(df[df["time"] > df["ent"]], "time", failure="died", entry="ent")
    res = fmmpy.fmm("2: streg x, distribution(weibull)", data=st, log=False)
    _check(res, {"_t:x": (-0.5, 0.5), "_t:_cons": (1.0, -1.0),
                 "/_t:ln_p": (np.log(0.8), np.log(2.5))}, lc)


def test_betareg_mixture_recovers_parameters():
    rng = np.random.default_rng(104)
    c, lc = _classes(rng)
    x = rng.normal(size=N)
    mu = 1 / (1 + np.exp(-np.where(c, 1.5 + 0.5 * x, -1.0 - 0.5 * x)))
    phi = np.where(c, 20.0, 5.0)
    df = pd.DataFrame({"y": rng.beta(mu * phi, (1 - mu) * phi), "x": x})
    res = fmmpy.fmm("2: betareg y x", data=df, log=False)
    _check(res, {"y:x": (-0.5, 0.5), "y:_cons": (-1.0, 1.5),
                 "/y:ln_phi": (np.log(5.0), np.log(20.0))}, lc)


def test_ivregress_mixture_recovers_parameters():
    rng = np.random.default_rng(105)
    c, lc = _classes(rng)
    z, w = rng.normal(size=N), rng.normal(size=N)
    e = rng.multivariate_normal([0, 0], [[1.0, 0.5], [0.5, 1.0]], size=N)
    x = 0.5 + z + 0.5 * w + e[:, 1]
    y = np.where(c, 3.0 + 2.0 * x, -2.0 - 1.0 * x) + w + e[:, 0]
    df = pd.DataFrame({"y": y, "x": x, "z": z, "w": w})
    res = fmmpy.fmm("2: ivregress y w (x = z)", data=df, log=False)
    _check(res, {"y:x": (-1.0, 2.0), "y:w": (1.0, 1.0), "y:_cons": (-2.0, 3.0),
                 "x:z": (1.0, 1.0), "y:cov(e.y,e.x)": (0.5, 0.5)}, lc)


@pytest.mark.parametrize("family,truth", [
    ("gamma", {"yg:x": (0.5, -0.5), "yg:_cons": (0.0, 2.0),
               "/yg:logs": (np.log(0.25), np.log(0.1))}),
])
def test_glm_gamma_mixture_recovers_parameters(family, truth):
    rng = np.random.default_rng(106)
    c, lc = _classes(rng)
    x = rng.normal(size=N)
    mean = np.exp(np.where(c, 2.0 - 0.5 * x, 0.5 * x))
    s = np.where(c, 0.1, 0.25)
    df = pd.DataFrame({"yg": rng.gamma(1 / s, s * mean), "x": x})
    res = fmmpy.fmm(f"2: glm yg x, family({family})", data=df, log=False)
    _check(res, truth, lc)
