"""Identities the estimator must satisfy: k=1 equals the plain model, EM never lowers
the likelihood, the M-step maximizes the complete-data objective, frequency weights
equal duplicated rows, the caller's data is never modified."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import fmmpy
from fmmpy.design import build_design
from fmmpy.estimate.em import em_refine
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.estimate.start import start_values
from fmmpy.parse import parse_command


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(7)
    n = 400
    x1, x2 = rng.normal(size=n), rng.uniform(size=n)
    y = 0.5 + 1.5 * x1 - 2.0 * x2 + rng.normal(scale=0.7, size=n)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "w": rng.integers(1, 4, size=n)})


def test_k1_regress_equals_ols_with_ml_variance(data):
    res = fmmpy.fmm("1: regress y x1 x2", data=data, log=False)
    X = sm.add_constant(data[["x1", "x2"]])
    ols = sm.OLS(data["y"], X).fit()
    n = len(data)
    sigma2_ml = ols.ssr / n
    coefs = res.params[["1.Class:y:x1", "1.Class:y:x2", "1.Class:y:_cons"]].to_numpy()
    assert np.allclose(coefs, ols.params[["x1", "x2", "const"]], rtol=1e-8)
    assert res.params["1.Class:y:var(e.y)"] == pytest.approx(sigma2_ml, rel=1e-8)
    # ML standard errors: OLS SEs rescaled from s^2 = ssr/(n-p) to ssr/n.
    se_ml = ols.bse[["x1", "x2", "const"]].to_numpy() * np.sqrt((n - 3) / n)
    se = res.bse[["1.Class:y:x1", "1.Class:y:x2", "1.Class:y:_cons"]].to_numpy()
    assert np.allclose(se, se_ml, rtol=1e-6)
    assert res.llf == pytest.approx(ols.llf, rel=1e-10)
    # var(e) has SE sigma^2 * sqrt(2/n) under ML.
    assert res.bse["1.Class:y:var(e.y)"] == pytest.approx(sigma2_ml * np.sqrt(2 / n), rel=1e-6)


def test_k1_lognormal_equals_ols_on_log(data):
    df = data.assign(p=np.exp(data["y"] / 4))
    res = fmmpy.fmm("1: glm p x1, family(lognormal)", data=df, log=False)
    ols = sm.OLS(np.log(df["p"]), sm.add_constant(df["x1"])).fit()
    assert res.params["1.Class:p:x1"] == pytest.approx(ols.params["x1"], rel=1e-8)
    assert np.exp(res.params["1.Class:/p:logs"]) ** 2 == pytest.approx(ols.ssr / len(df), rel=1e-8)
    assert res.llf == pytest.approx(ols.llf - np.log(df["p"]).sum(), rel=1e-10)


@pytest.mark.parametrize("command", ["3: regress thickness", "3: glm thickness, family(lognormal)"])
def test_em_never_lowers_the_likelihood(stamp, command):
    d = build_design(parse_command(command), stamp)
    m = MixtureModel(d, build_layout(d))
    r = em_refine(m, start_values(m, d.settings.startvalues, None), iterate=60)
    ll = np.array(r.ll_history)
    assert np.all(np.diff(ll) >= -1e-9)


def test_m_step_maximizes_complete_data_objective(stamp):
    d = build_design(parse_command("3, lcprob(thickness): regress thickness"), stamp)
    m = MixtureModel(d, build_layout(d))
    theta = start_values(m, d.settings.startvalues, None)
    post, _ = m.posterior(theta)
    new = m.m_step(theta, post)
    q = m.q_value(new, post)
    rng = np.random.default_rng(3)
    for _ in range(20):
        assert m.q_value(new + rng.normal(scale=1e-3, size=new.size), post) <= q + 1e-9


def test_fweights_equal_duplicated_rows(data):
    sub = data.iloc[:150]
    dup = sub.loc[sub.index.repeat(sub["w"])].reset_index(drop=True)
    a = fmmpy.fmm("2 [fweight=w]: regress y x1", data=sub, log=False)
    b = fmmpy.fmm("2: regress y x1", data=dup, log=False)
    assert a.nobs == len(dup) == b.nobs
    assert a.llf == pytest.approx(b.llf, rel=1e-9)
    assert np.allclose(a.params, b.params, rtol=1e-6, atol=1e-8)
    assert np.allclose(a.bse, b.bse, rtol=1e-5, atol=1e-8)


def test_data_never_modified(stamp, data):
    before_stamp, before = stamp.copy(deep=True), data.copy(deep=True)
    res = fmmpy.fmm("2 if x1 > -1: regress y x1 c.x2#c.x2", data=data, log=False)
    res.predict("classposteriorpr")
    res.predict("mu", marginal=True, data=data)
    fmmpy.fmm("2: regress thickness", data=stamp, log=False).estat_lcprob()
    pd.testing.assert_frame_equal(stamp, before_stamp)
    pd.testing.assert_frame_equal(data, before)
