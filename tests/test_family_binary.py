"""Binary and binomial outcomes: logit, probit, cloglog, glm bernoulli/binomial.

References: statsmodels (Logit, Probit, GLM Binomial with the cloglog link and with
trials) called live; identities (glm bernoulli equals the named model); analytic
derivatives against central differences; a simulated 2-class latent class model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy.special import expit

import fmmpy
from fmmpy.families.base import Outcome
from fmmpy.families.binomial import Binomial

from _family_helpers import assert_eta_derivatives, max_abs_z


@pytest.fixture(scope="module")
def bindata():
    rng = np.random.default_rng(11)
    n = 600
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    p = expit(0.4 + 0.9 * x1 - 0.6 * x2)
    trials = rng.integers(1, 9, size=n).astype(float)
    return pd.DataFrame({
        "x1": x1, "x2": x2,
        "y": np.where(rng.random(n) < p, 2.0, 0.0),        # 0 vs nonzero, as Stata reads it
        "k": rng.binomial(trials.astype(int), p).astype(float),
        "n": trials,
    })


def _X(df):
    return sm.add_constant(df[["x1", "x2"]], prepend=False)


_LINKS = {"logit": sm.families.links.Logit(), "probit": sm.families.links.Probit(),
          "cloglog": sm.families.links.CLogLog()}


def _glm_newton(endog, X, link):
    """statsmodels' GLM by Newton: its standard errors then come from the observed
    information (OIM), as Stata's fmm reports them."""
    return sm.GLM(endog, X, family=sm.families.Binomial(link=_LINKS[link])).fit(
        method="newton", tol=1e-12, maxiter=200)


@pytest.mark.parametrize("model,reference", [
    ("logit", lambda y, X: sm.Logit(y, X).fit(disp=0, tol=1e-12)),
    ("probit", lambda y, X: sm.Probit(y, X).fit(disp=0, tol=1e-12)),
    ("cloglog", lambda y, X: _glm_newton(y, X, "cloglog")),
])
def test_k1_binary_matches_statsmodels(bindata, model, reference):
    res = fmmpy.fmm(f"1: {model} y x1 x2", data=bindata, log=False)
    ref = reference((bindata.y != 0).astype(float), _X(bindata))
    assert np.allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-6, atol=1e-8)
    assert np.allclose(res.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-5)
    assert res.llf == pytest.approx(ref.llf, rel=1e-10)
    # glm bernoulli with the same link is the same model
    glm = fmmpy.fmm(f"1: glm y x1 x2, family(bernoulli) link({model})", data=bindata,
                    log=False)
    assert np.allclose(glm.params.to_numpy(), res.params.to_numpy(), rtol=1e-8)
    # predict mu is Pr(y != 0); pr is its synonym
    assert np.allclose(res.predict("pr").to_numpy(), ref.predict(_X(bindata)), rtol=1e-6)


@pytest.mark.parametrize("link", ["logit", "probit", "cloglog"])
def test_k1_binomial_trials_variable(bindata, link):
    res = fmmpy.fmm(f"1: glm k x1 x2, family(binomial n) link({link})", data=bindata,
                    log=False)
    ref = _glm_newton(np.column_stack([bindata.k, bindata.n - bindata.k]), _X(bindata), link)
    assert np.allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-6, atol=1e-8)
    assert np.allclose(res.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-5)
    assert res.llf == pytest.approx(ref.llf, rel=1e-10)
    # mu is the expected count of successes n * p
    assert np.allclose(res.predict("mu").to_numpy(), bindata.n * ref.predict(_X(bindata)),
                       rtol=1e-6)


def test_binomial_fixed_trials_equals_constant_variable(bindata):
    df = bindata.assign(six=6.0, k6=np.minimum(bindata.k, 6.0))
    a = fmmpy.fmm("1: glm k6 x1, family(binomial 6)", data=df, log=False)
    b = fmmpy.fmm("1: glm k6 x1, family(binomial six)", data=df, log=False)
    assert np.allclose(a.params, b.params, rtol=1e-10)
    assert a.llf == pytest.approx(b.llf, rel=1e-12)


@pytest.mark.parametrize("family", [Binomial("logit", link) for link in
                                    ("logit", "probit", "cloglog")]
                         + [Binomial("glm", link, "n") for link in ("logit", "probit",
                                                                     "cloglog")])
def test_eta_derivatives(family):
    y = np.array([0.0, 1.0, 3.0, 2.0, 1.0])
    out = Outcome(y, {"n": np.array([3.0, 4.0, 5.0, 6.0, 1.0])})
    eta = np.array([[-6.0], [-0.5], [0.2], [2.5], [7.0]])
    assert_eta_derivatives(family, out, eta)


def test_tails_stay_finite():
    """Far in the tails the log probabilities are computed on the log scale."""
    for link in ("logit", "probit", "cloglog"):
        ll = Binomial("logit", link).loglik(Outcome(np.array([1.0, 0.0])),
                                            np.array([[-40.0], [40.0]]))
        assert np.all(np.isfinite(ll)) and np.all(ll < -30)


def test_bad_outcomes(bindata):
    with pytest.raises(fmmpy.FMMDataError, match="outcome does not vary"):
        fmmpy.fmm("1: logit c x1", data=bindata.assign(c=5.0), log=False)
    with pytest.raises(fmmpy.FMMDataError, match="between 0 and the number of trials"):
        fmmpy.fmm("1: glm k x1, family(binomial 2)", data=bindata, log=False)
    with pytest.raises(fmmpy.FMMSyntaxError, match="link.*not allowed"):
        fmmpy.fmm("1: glm y x1, family(bernoulli) link(log)", data=bindata, log=False)


def test_header_and_labels(bindata):
    res = fmmpy.fmm("1: glm k x1, family(binomial n) link(probit)", data=bindata, log=False)
    text = res.summary()
    assert "Family         : binomial n" in text and "Link           : probit" in text
    assert "1.Class:k:x1" in res.params.index


def test_two_class_latent_class_model_recovers_parameters():
    """Three binary items, two classes with different item probabilities depending on x."""
    rng = np.random.default_rng(4)
    n = 3000
    x = rng.normal(size=n)
    c = rng.random(n) < 0.35
    truth = [{}, {}]
    df = pd.DataFrame({"x": x})
    for i, (a0, a1, b0, b1) in enumerate([(-1.5, 0.5, 1.5, 1.0), (-1.0, -0.5, 1.0, 0.8),
                                          (-2.0, 1.0, 0.5, -0.7)]):
        df[f"b{i}"] = (rng.random(n) < expit(np.where(c, b0 + b1 * x, a0 + a1 * x))) * 1.0
        truth[0].update({f"b{i}:x": a1, f"b{i}:_cons": a0})
        truth[1].update({f"b{i}:x": b1, f"b{i}:_cons": b0})
    res = fmmpy.fmm("2: logit b0 x ; logit b1 x ; logit b2 x", data=df, log=False)
    assert res.converged
    assert max_abs_z(res, truth, shares=[0.65, 0.35]) < 4.0
