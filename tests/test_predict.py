"""predict(): statistics, marginal, class_, outcome= (multi-equation classes), data=.

References: identities (the marginal density is the sum of class probabilities times
class densities and equals exp of the per-observation mixture log likelihood; posterior
probabilities sum to one; regress means are the linear predictions; the normal CDF from
scipy for `distribution`; predictions on new data equal those in the sample).
"""

from __future__ import annotations


import numpy as np
import pytest
from scipy import stats

import fmmpy
from fmmpy.errors import FMMDataError, FMMSyntaxError


@pytest.fixture(scope="module")
def data(mixreg):
    return mixreg.assign(y2=0.5 * mixreg["y"] + mixreg["z"])


@pytest.fixture(scope="module")
def fit2(data):
    return fmmpy.fmm("2, lcprob(z): regress y x ; regress y2 x", data=data, log=False)


def test_marginal_density_is_the_mixture_density(fit2, data):
    pi = fit2.predict("classpr").to_numpy()
    dens = {dv: fit2.predict("density", outcome=dv).to_numpy() for dv in ("y", "y2")}
    joint = pi * dens["y"] * dens["y2"]
    from fmmpy.estimate.model import MixtureModel

    ll = MixtureModel(fit2.design, fit2.layout).loglik_obs(fit2.fit.theta)
    assert np.allclose(np.log(joint.sum(axis=1)), ll, rtol=1e-12)
    marg = fit2.predict("density", marginal=True, outcome="y")
    assert np.allclose(marg.to_numpy(), (pi * dens["y"]).sum(axis=1), rtol=1e-12)
    post = fit2.predict("classposteriorpr").to_numpy()
    assert np.allclose(post, joint / joint.sum(axis=1, keepdims=True), rtol=1e-10)


def test_mu_eta_distribution_class_and_outcome(fit2, data):
    p = fit2.params
    mu2 = fit2.predict("mu", class_=2, outcome="y2")
    assert mu2.name == "mu2"
    assert np.allclose(mu2, p["2.Class:y2:_cons"] + p["2.Class:y2:x"] * data["x"], rtol=1e-12)
    assert np.allclose(fit2.predict("pr", outcome="y2"), fit2.predict("eta", outcome="y2"))
    assert np.allclose(fit2.predict("mu"), fit2.predict("mu", outcome="y"))
    cdf = fit2.predict("distribution", class_=1, outcome="y")
    ref = stats.norm.cdf(data["y"], p["1.Class:y:_cons"] + p["1.Class:y:x"] * data["x"],
                         np.sqrt(p["1.Class:y:var(e.y)"]))
    assert np.allclose(cdf, ref, rtol=1e-12)
    pi = fit2.predict("classpr").to_numpy()
    mu = fit2.predict("mu", outcome="y2").to_numpy()
    assert np.allclose(fit2.predict("mu", marginal=True, outcome="y2"), (pi * mu).sum(axis=1))
    with pytest.raises(FMMDataError, match="outcome"):
        fit2.predict("mu", outcome="nosuch")
    with pytest.raises(FMMSyntaxError, match="marginal"):
        fit2.predict("classpr", marginal=True)
    with pytest.raises(FMMSyntaxError, match="class"):
        fit2.predict("mu", class_=3)
    with pytest.raises(FMMSyntaxError, match="unknown statistic"):
        fit2.predict("residuals")


def test_new_data_and_sample_alignment(data):
    df = data.copy()
    df.loc[[0, 1], "y"] = np.nan
    res = fmmpy.fmm("2, lcprob(z): regress y x", data=df, log=False)
    inside = res.predict("classposteriorpr", stub="post")
    assert list(inside.columns) == ["post1", "post2"] and inside.loc[[0, 1]].isna().all().all()
    shuffled = df.sample(frac=1.0, random_state=3)
    new = res.predict("classpr", data=shuffled)
    assert new.index.equals(shuffled.index)
    same = res.predict("classpr")
    rows = df.index[2:]
    assert np.allclose(new.loc[rows].to_numpy(), same.loc[rows].to_numpy(), rtol=1e-12)
    # Covariates complete, outcome missing: class probabilities and means exist, densities not.
    assert not new.loc[[0, 1]].isna().any().any()
    dens = res.predict("density", data=shuffled)
    assert dens.loc[[0, 1]].isna().all().all()


def test_from_estimates_restart_at_the_maximum(data):
    res = fmmpy.fmm("2, lcprob(z): regress y x", data=data, log=False)
    again = fmmpy.fmm("2, lcprob(z): regress y x", data=data, log=False, from_=res.params)
    assert again.iterations <= 1 and again.llf == pytest.approx(res.llf, rel=1e-12)
    assert "Refining starting values" not in again.iteration_log
