"""Analytic derivatives of the limited-normal, ivregress, beta and survival families
checked against numerical differences (as in test_derivatives.py): per observation
with respect to the linear predictors, and for whole mixtures (gradient, Hessian,
per-unit scores)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaincc

import fmmpy
from fmmpy.families.base import Outcome
from fmmpy.families.beta import Beta
from fmmpy.families.incgamma import log_gammaincc
from fmmpy.families.intreg import IntReg
from fmmpy.families.ivregress import IVRegress
from fmmpy.families.streg import Survival
from fmmpy.families.tobit import Tobit
from fmmpy.families.truncreg import TruncReg
from fmmpy.parse.options import VarRef
from _family_helpers import assert_eta_derivatives, check_mixture_derivatives, mixture_model


_RNG = np.random.default_rng(5)
_N = 6
_T = np.exp(_RNG.normal(size=_N))
_ST = {"_t": _T, "_d": np.array([1.0, 0.0, 1.0, 0.0, 1.0, 1.0]),
       "_t0": np.array([0.0, 0.0, 0.3, 0.1, 0.0, 0.2]) * _T}
_CASES = [
    (Tobit(ll=0.0, ul=3.0), Outcome(np.array([-1.0, 0.0, 0.5, 3.0, 5.0, 2.0])), 2),
    (Tobit(ll=VarRef("lo")), Outcome(np.array([-1.0, 0.0, 0.5, 3.0, 5.0, 2.0]),
                                     {"lo": np.array([0.0, np.nan, 1.0, 0.0, -2.0, 2.5])}), 2),
    (IntReg("a", "b"), Outcome(np.array([[1.0, 1.0], [np.nan, 2.0], [0.0, 3.0], [4.0, np.nan],
                                         [-3.0, -2.5], [2.0, 2.1]])), 2),
    (TruncReg(ll=0.0, ul=4.0), Outcome(np.array([0.1, 0.5, 3.9, 2.0, 1.0, 3.0])), 2),
    (IVRegress(("x1",)), Outcome(_RNG.normal(size=_N), {"x1": _RNG.normal(size=_N)}), 5),
    (IVRegress(("x1", "x2")), Outcome(_RNG.normal(size=_N), {"x1": _RNG.normal(size=_N),
                                                              "x2": _RNG.normal(size=_N)}), 9),
    *[(Beta(link), Outcome(np.array([0.1, 0.5, 0.93, 0.02, 0.7, 0.4])), 2)
      for link in ("logit", "probit", "cloglog")],
    *[(Survival(d, "streg"), Outcome(np.zeros(_N), _ST), 1 if d == "exponential" else 2)
      for d in ("exponential", "weibull", "lognormal", "loglogistic", "gamma")],
    *[(Survival(d, "glm"), Outcome(_T), 1 if d == "exponential" else 2)
      for d in ("exponential", "weibull", "loglogistic", "gamma")],
]


@pytest.mark.parametrize("family,out,m", _CASES, ids=lambda v: getattr(v, "label", None))
def test_family_eta_derivatives(family, out, m):
    rng = np.random.default_rng(0)
    eta = rng.normal(scale=0.4, size=(out.n, m))
    if isinstance(family, IVRegress):
        k = 1 + len(family.endogenous)
        eta[:, 2 * k:] *= 0.3            # keep the covariance matrix positive definite
    assert_eta_derivatives(family, out, eta)


def test_log_gammaincc_values_and_shape_derivatives():
    rng = np.random.default_rng(1)
    a = np.exp(rng.uniform(-2.5, 5, size=300))
    x = a * np.exp(rng.normal(size=300))
    lq, g1, g2 = log_gammaincc(a, x)
    ref = gammaincc(a, x)
    ok = ref > 1e-300
    assert np.allclose(lq[ok], np.log(ref[ok]), rtol=1e-11, atol=1e-13)
    h = 1e-5 * a
    up, dn = log_gammaincc(a + h, x), log_gammaincc(a - h, x)
    assert np.allclose(g1, (up[0] - dn[0]) / (2 * h), rtol=1e-6, atol=1e-8)
    assert np.allclose(g2, (up[1] - dn[1]) / (2 * h), rtol=1e-5, atol=1e-7)


@pytest.fixture(scope="module")
def mixdata():
    rng = np.random.default_rng(2)
    n = 200
    x, z, w = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    y = 1 + x + rng.normal(size=n)
    xe = z + 0.5 * w + rng.normal(size=n)
    t = np.exp(0.5 * x + rng.normal(size=n))
    df = pd.DataFrame({
        "x": x, "z": z, "w": w, "y": y, "yc": np.maximum(y, 0.5),
        "lim": np.where(np.arange(n) % 4 == 0, np.nan, 0.5),
        "lo": np.where(np.arange(n) % 3 == 0, np.nan, np.floor(y)),
        "hi": np.where(np.arange(n) % 3 == 1, np.nan, np.floor(y) + 1),
        "xe": xe, "yiv": 1 + xe - w + rng.normal(size=n),
        "yb": 1 / (1 + np.exp(-(0.5 * x + rng.normal(size=n)))),
        "time": t, "died": (rng.random(n) < 0.7).astype(int),
        "ent": np.where(rng.random(n) < 0.3, 0.5 * t * rng.random(n), 0.0),
    })
    return fmmpy.stset(df, "time", failure="died", entry="ent")


@pytest.mark.parametrize("command", [
    "2: tobit yc x, ll(lim)",
    "2, lcprob(z): intreg lo hi x",
    "2: truncreg yiv w, ll(-20)",
    "2: ivregress yiv w (xe = z)",
    "2: betareg yb x, link(cloglog)",
    "2, lcprob(z): streg x, distribution(gamma)",
    "fmm: (streg x, distribution(weibull)) (streg, distribution(loglogistic))",
    "fmm: (tobit yc x, ll) (regress y x)",
])
def test_mixture_gradient_and_hessian(mixdata, command):
    check_mixture_derivatives(mixture_model(command, mixdata), scale=0.2)
