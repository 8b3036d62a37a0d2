"""pointmass and the hybrid syntax: zero-inflated models against statsmodels'
ZeroInflatedPoisson and ZeroInflatedNegativeBinomialP (called live), an ordered
model inflated at 1, round trips of hybrid commands through ``str(spec)``, the exact
mixture gradient and Hessian with parameter-free blocks, and the errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit
from statsmodels.tools.numdiff import approx_hess
from statsmodels.discrete.count_model import (ZeroInflatedNegativeBinomialP,
                                              ZeroInflatedPoisson)

import fmmpy
from fmmpy.parse import parse_command

from _family_helpers import check_mixture_derivatives, max_abs_z, mixture_model


@pytest.fixture(scope="module")
def zidata():
    rng = np.random.default_rng(41)
    n = 1500
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    structural = rng.random(n) < expit(-0.3 + 0.9 * x1 - 0.5 * x2)
    mu = np.exp(0.6 + 0.4 * x1 - 0.3 * x2)
    r = 2.0
    return pd.DataFrame({
        "x1": x1, "x2": x2,
        "y": np.where(structural, 0, rng.poisson(mu)).astype(float),
        "ynb": np.where(structural, 0, rng.negative_binomial(r, r / (r + mu))).astype(float),
    })


def _X(df):
    return sm.add_constant(df[["x1", "x2"]], prepend=False)


@pytest.fixture(scope="module")
def zip_reference(zidata):
    model = ZeroInflatedPoisson(zidata.y, _X(zidata), exog_infl=_X(zidata), inflation="logit")
    return model, model.fit(method="newton", maxiter=500, tol=1e-12, disp=0)


def test_zip_base_pointmass(zidata, zip_reference):
    """``fmm, lcprob(x1 x2): (pointmass y) (poisson y x1 x2)``: class 1 (the point mass)
    is the base, so class 2's coefficients are minus the inflation coefficients."""
    model, ref = zip_reference
    res = fmmpy.fmm("fmm, lcprob(x1 x2): (pointmass y) (poisson y x1 x2)", data=zidata,
                    log=False)
    assert res.converged
    infl = ref.params.to_numpy()[:3]
    count = ref.params.to_numpy()[3:]
    cls = res.params[["2.Class:x1", "2.Class:x2", "2.Class:_cons"]].to_numpy()
    out = res.params[["2.Class:y:x1", "2.Class:y:x2", "2.Class:y:_cons"]].to_numpy()
    # statsmodels' log likelihood at fmmpy's estimates is fmmpy's log likelihood ...
    assert model.loglike(np.r_[-cls, out]) == pytest.approx(res.llf, rel=1e-12)
    # ... and no lower than statsmodels' own maximum
    assert res.llf >= ref.llf - 1e-7 and res.llf == pytest.approx(ref.llf, rel=1e-9)
    assert np.allclose(cls, -infl, atol=1e-5)
    assert np.allclose(out, count, atol=1e-5)
    # standard errors: the observed information of statsmodels' log likelihood, by
    # numerical differences (its analytic ZIP Hessian is not the observed one)
    H = approx_hess(np.r_[-cls, out], model.loglike)
    se = np.sqrt(np.diag(np.linalg.inv(-H)))
    ours = res.bse[["2.Class:x1", "2.Class:x2", "2.Class:_cons", "2.Class:y:x1",
                    "2.Class:y:x2", "2.Class:y:_cons"]].to_numpy()
    assert np.allclose(ours, se, rtol=1e-4)
    # the marginal density is the zero-inflated Poisson probability of the observed count
    assert np.allclose(res.predict("density", marginal=True),
                       np.exp(model.loglikeobs(ref.params.to_numpy())), rtol=1e-5)
    # predictions of the degenerate class: mu is the point, Pr(class 1) the inflation
    assert np.all(res.predict("mu", class_=1) == 0.0)
    assert np.allclose(res.predict("classpr", class_=1), expit(_X(zidata).to_numpy() @ infl),
                       rtol=1e-4)


def test_zip_lcprob_in_component(zidata, zip_reference):
    """``fmm: (pointmass y, lcprob(x1 x2)) (poisson y x1 x2)``: the first component
    without lcprob() is the base, here class 2, so class 1's coefficients are the
    inflation coefficients themselves (Stata's zip parameterization)."""
    _, ref = zip_reference
    res = fmmpy.fmm("fmm: (pointmass y, lcprob(x1 x2)) (poisson y x1 x2)", data=zidata,
                    log=False)
    assert res.design.base == 1
    assert "2.Class      |  (base outcome)" in res.summary()
    cls = res.params[["1.Class:x1", "1.Class:x2", "1.Class:_cons"]].to_numpy()
    assert np.allclose(cls, ref.params.to_numpy()[:3], atol=1e-5)
    assert res.llf == pytest.approx(ref.llf, rel=1e-9)


def test_zinb_matches_statsmodels(zidata):
    model = ZeroInflatedNegativeBinomialP(zidata.ynb, _X(zidata), exog_infl=_X(zidata), p=2)
    start = model.fit(method="bfgs", maxiter=5000, disp=0).params
    ref = model.fit(start_params=start, method="newton", maxiter=100, tol=1e-12, disp=0)
    assert ref.mle_retvals["converged"]
    res = fmmpy.fmm("fmm: (pointmass ynb, lcprob(x1 x2)) (nbreg ynb x1 x2)", data=zidata,
                    log=False)
    ours = np.r_[res.params[["1.Class:x1", "1.Class:x2", "1.Class:_cons"]],
                 res.params[["2.Class:ynb:x1", "2.Class:ynb:x2", "2.Class:ynb:_cons"]],
                 np.exp(res.params["2.Class:/ynb:lnalpha"])]
    assert model.loglike(ours) == pytest.approx(res.llf, rel=1e-12)
    assert res.llf == pytest.approx(ref.llf, rel=1e-10)
    assert np.allclose(ours, ref.params.to_numpy(), atol=1e-5)


def test_ordered_outcome_inflated_at_one():
    """Stata's quick-start example ``fmm: (pointmass y, value(1)) (ologit y x1 x2)``
    on data with extra ones: the share of the point mass and the ordered model are
    recovered."""
    rng = np.random.default_rng(42)
    n = 3000
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    lat = 0.8 * x1 - 0.6 * x2 + rng.logistic(size=n)
    y = np.digitize(lat, [-1.0, 0.5, 2.0]) + 1.0
    y = np.where(rng.random(n) < 0.25, 1.0, y)
    df = pd.DataFrame({"y": y, "x1": x1, "x2": x2})
    res = fmmpy.fmm("fmm: (pointmass y, value(1)) (ologit y x1 x2)", data=df, log=False)
    assert res.converged
    truth = [{}, {"y:x1": 0.8, "y:x2": -0.6, "/y:cut1": -1.0, "/y:cut2": 0.5,
                  "/y:cut3": 2.0}]
    assert max_abs_z(res, truth, shares=[0.25, 0.75]) < 4.0
    text = res.summary()
    assert "Model          : pointmass" in text and "Value          : 1" in text


@pytest.mark.parametrize("command", [
    "fmm: (pointmass y) (poisson y x1 x2)",
    "fmm, lcprob(x1): (pointmass y, value(1)) (nbreg y x1, dispersion(constant))",
    "fmm: (pointmass y, lcprob(x1 x2)) (tpoisson y x1, ll(t)) (glm y x2, family(binomial n))",
    "fmm 2: mlogit y x1, baseoutcome(2)",
    "fmm: (ologit y x1) (oprobit y x1, offset(x2)) (logit y, asis)",
    "fmm: (probit y x1 ; cloglog z x2, noconstant) (glm y x1, family(nbinomial constant))",
])
def test_hybrid_round_trip(command):
    spec = parse_command(command)
    assert parse_command(str(spec)) == spec
    assert str(parse_command(str(spec))) == str(spec)


def test_round_trip_canonical_text():
    spec = parse_command("fmm: (pointmass y, val(1)) (nbreg y x, d(c))")
    assert str(spec) == "fmm: (pointmass y, value(1)) (nbreg y x, dispersion(constant))"


@pytest.mark.parametrize("command", [
    "fmm, lcprob(x2): (pointmass y) (poisson y x1)",
    "fmm: (mlogit m x1) (pointmass m, value(2)) (mlogit m x2)",
    "fmm: (ologit m x1) (nbreg y x1, dispersion(constant))",
])
def test_mixture_gradient_and_hessian(zidata, command):
    """Exact mixture derivatives with parameter-free blocks (pointmass, mlogit's base
    outcome) against central differences of the log likelihood."""
    rng = np.random.default_rng(0)
    df = zidata.assign(m=rng.integers(1, 4, size=len(zidata)) * 1.0).iloc[:300]
    m = mixture_model(command, df)
    theta = rng.normal(scale=0.3, size=m.layout.n_params)
    for b in m.layout.blocks:                  # ordered cutpoints for ologit
        if b.equation.startswith("/m"):
            theta[b.start] = {"cut1": -0.7, "cut2": 0.6}[b.terms[0]]
    check_mixture_derivatives(m, theta=theta)


def test_errors(zidata):
    with pytest.raises(fmmpy.FMMSyntaxError, match="cannot be used by itself"):
        fmmpy.fmm("fmm 2: pointmass y", data=zidata, log=False)
    with pytest.raises(fmmpy.FMMSyntaxError, match="no covariates"):
        fmmpy.fmm("fmm: (pointmass y x1) (poisson y x1)", data=zidata, log=False)
    with pytest.raises(fmmpy.FMMSyntaxError, match="may not be specified before the colon"):
        fmmpy.fmm("fmm, lcprob(x1): (pointmass y, lcprob(x2)) (poisson y x1)", data=zidata,
                  log=False)
    with pytest.raises(fmmpy.FMMDataError, match="class 1 cannot produce any observation"):
        fmmpy.fmm("fmm: (pointmass y, value(-1)) (poisson y x1)", data=zidata, log=False)
    df = zidata.assign(z=zidata.y.clip(upper=2.0))
    with pytest.raises(fmmpy.FMMDataError, match="cannot be produced by any class"):
        fmmpy.fmm("fmm: (pointmass z ; poisson y) (pointmass z, value(1) ; poisson y)",
                  data=df, log=False)


def test_cure_type_model_with_exposure():
    """A cure-type model for event counts: a cured fraction never has an event, the
    others have Poisson events at a rate per unit of follow-up time.  It is a
    zero-inflated Poisson with exposure; statsmodels' ZeroInflatedPoisson (constant
    inflation, same exposure) is the reference."""
    rng = np.random.default_rng(43)
    n = 1500
    x = rng.normal(size=n)
    time = rng.uniform(0.5, 3.0, size=n)
    cured = rng.random(n) < 0.3
    events = np.where(cured, 0, rng.poisson(time * np.exp(-0.2 + 0.5 * x)))
    df = pd.DataFrame({"events": events.astype(float), "x": x, "time": time})
    res = fmmpy.fmm("fmm: (pointmass events) (poisson events x, exposure(time))", data=df,
                    log=False)
    X = sm.add_constant(df[["x"]], prepend=False)
    model = ZeroInflatedPoisson(df.events, X, exog_infl=np.ones((n, 1)), exposure=df.time)
    ref = model.fit(method="newton", maxiter=500, tol=1e-12, disp=0)
    assert res.llf == pytest.approx(ref.llf, rel=1e-9)
    ours = np.r_[-res.params["2.Class:_cons"], res.params[["2.Class:events:x",
                                                           "2.Class:events:_cons"]]]
    assert np.allclose(ours, ref.params.to_numpy(), atol=1e-5)
    # the cured share, from estat lcprob, is the inflation probability
    share = res.estat_lcprob().to_frame().loc[1, "margin"]
    assert share == pytest.approx(expit(ref.params.iloc[0]), rel=1e-5)
