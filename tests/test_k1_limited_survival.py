"""One-class fits of tobit, intreg, truncreg, ivregress, betareg, streg and the glm
survival and beta families against independent references:

* ``tests/reference/k1_limited_survival.json``: scipy.stats likelihoods maximized
  with scipy.optimize by ``k1_limited_survival.py`` (committed beside it, run
  offline on the committed data);
* statsmodels, called live: ``BetaModel`` (betareg), ``GLM`` with the gamma family
  (the coefficients of glm gamma and, with the opposite sign in the PH metric, of
  glm exponential: they solve the same score equations), ``IV2SLS`` (ivregress with
  one instrument per endogenous variable, where maximum likelihood equals 2SLS);
* identities: a model reduces to a simpler one on data without censoring.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.othermod.betareg import BetaModel
from statsmodels.sandbox.regression.gmm import IV2SLS

import fmmpy

REFERENCE = Path(__file__).parent / "reference"
REF = json.loads((REFERENCE / "k1_limited_survival.json").read_text())


@pytest.fixture(scope="module")
def refdata():
    return pd.read_csv(REFERENCE / "k1_limited_survival.csv")


@pytest.mark.parametrize("key", sorted(REF))
def test_k1_against_scipy_reference(refdata, key):
    ref = REF[key]
    res = fmmpy.fmm(ref["command"], data=refdata, log=False)
    assert res.converged
    assert list(res.params.index) == ref["names"]
    assert np.allclose(res.params.to_numpy(), ref["params"], rtol=1e-6, atol=1e-7)
    # Reference SEs come from a finite-difference Hessian (about 6 digits).
    assert np.allclose(res.bse.to_numpy(), ref["se"], rtol=1e-5)
    assert res.llf == pytest.approx(ref["llf"], abs=1e-7)


@pytest.fixture(scope="module")
def simdata():
    rng = np.random.default_rng(11)
    n = 500
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    w = rng.normal(size=n)
    mu = 1.0 / (1.0 + np.exp(-(0.3 + 0.8 * x)))
    e = rng.multivariate_normal([0, 0], [[1.0, 0.4], [0.4, 1.0]], size=n)
    xe = 0.5 + z + 0.3 * w + e[:, 1]
    return pd.DataFrame({
        "x": x, "z": z, "w": w, "xe": xe, "yiv": 1 + 2 * xe - w + e[:, 0],
        "yb": rng.beta(mu * 8, (1 - mu) * 8),
        "yg": rng.gamma(2.0, np.exp(0.5 + 0.3 * x) / 2.0),
        "yn": 1 + 0.5 * x + rng.normal(size=n),
    })


@pytest.mark.parametrize("link,sm_link", [("logit", "Logit"), ("probit", "Probit"),
                                          ("cloglog", "CLogLog")])
def test_k1_betareg_equals_statsmodels(simdata, link, sm_link):
    res = fmmpy.fmm(f"1: betareg yb x, link({link})", data=simdata, log=False)
    ref = BetaModel(simdata["yb"], sm.add_constant(simdata["x"]),
                    link=getattr(sm.families.links, sm_link)()).fit(disp=0)
    names = ["1.Class:yb:x", "1.Class:yb:_cons", "1.Class:/yb:ln_phi"]
    order = ["x", "const", "precision"]
    assert np.allclose(res.params[names], ref.params[order], rtol=1e-5)
    assert np.allclose(res.bse[names], ref.bse[order], rtol=1e-4)
    assert res.llf == pytest.approx(ref.llf, abs=1e-6)
    glm = fmmpy.fmm(f"1: glm yb x, family(beta) link({link})", data=simdata, log=False)
    assert glm.llf == pytest.approx(res.llf, abs=1e-9)


def test_k1_glm_gamma_and_exponential_coefficients_equal_statsmodels_glm(simdata):
    ref = sm.GLM(simdata["yg"], sm.add_constant(simdata["x"]),
                 family=sm.families.Gamma(sm.families.links.Log())).fit(tol=1e-12)
    gam = fmmpy.fmm("1: glm yg x, family(gamma)", data=simdata, log=False)
    expo = fmmpy.fmm("1: glm yg x, family(exponential)", data=simdata, log=False)
    coefs = ["1.Class:yg:x", "1.Class:yg:_cons"]
    assert np.allclose(gam.params[coefs], ref.params[["x", "const"]], rtol=1e-7)
    # Exponential in the proportional-hazards metric: log hazard = -log mean.
    assert np.allclose(expo.params[coefs], -ref.params[["x", "const"]], rtol=1e-7)
    # OIM standard errors of the exponential: the gamma GLM with scale 1, fitted by
    # Newton (observed information).
    ref1 = sm.GLM(simdata["yg"], sm.add_constant(simdata["x"]),
                  family=sm.families.Gamma(sm.families.links.Log())).fit(
        method="newton", scale=1.0, tol=1e-12)
    assert np.allclose(expo.bse[coefs], ref1.bse[["x", "const"]], rtol=1e-6)


def test_k1_ivregress_just_identified_equals_2sls(simdata):
    res = fmmpy.fmm("1: ivregress yiv w (xe = z)", data=simdata, log=False)
    iv = IV2SLS(simdata["yiv"], sm.add_constant(simdata[["xe", "w"]]),
                sm.add_constant(simdata[["z", "w"]])).fit()
    names = ["1.Class:yiv:xe", "1.Class:yiv:w", "1.Class:yiv:_cons"]
    assert np.allclose(res.params[names], iv.params[["xe", "w", "const"]], rtol=1e-7)
    # The structural variance is the 2SLS residual variance (divided by n).
    resid = iv.resid.to_numpy()
    assert res.params["1.Class:yiv:var(e.yiv)"] == pytest.approx(np.mean(resid ** 2), rel=1e-7)


def test_tobit_without_censored_observations_is_regress(simdata):
    tob = fmmpy.fmm("1: tobit yn x, ll(-100) ul(100)", data=simdata, log=False)
    reg = fmmpy.fmm("1: regress yn x", data=simdata, log=False)
    assert np.allclose(tob.params.to_numpy(), reg.params.to_numpy(), rtol=1e-8)
    assert tob.llf == pytest.approx(reg.llf, rel=1e-12)


def test_intreg_with_point_data_is_regress(simdata):
    df = simdata.assign(lo=simdata["yn"], hi=simdata["yn"])
    itr = fmmpy.fmm("1: intreg lo hi x", data=df, log=False)
    reg = fmmpy.fmm("1: regress yn x", data=df, log=False)
    assert np.allclose(itr.params.to_numpy(), reg.params.to_numpy(), rtol=1e-8)
    assert itr.llf == pytest.approx(reg.llf, rel=1e-12)


@pytest.mark.parametrize("dist", ["exponential", "weibull", "loglogistic", "gamma", "lognormal"])
def test_streg_without_censoring_or_entry_is_the_glm_family(simdata, dist):
    st = fmmpy.stset(simdata, "yg")
    s = fmmpy.fmm(f"1: streg x, distribution({dist})", data=st, log=False)
    g = fmmpy.fmm(f"1: glm yg x, family({dist})", data=st, log=False)
    assert np.allclose(s.params.to_numpy(), g.params.to_numpy(), rtol=1e-7)
    assert s.llf == pytest.approx(g.llf, rel=1e-12)
