"""Ordered (ologit, oprobit) and multinomial (mlogit) outcomes.

References: statsmodels' OrderedModel and MNLogit called live (k = 1); identities
(a change of base outcome negates the coefficients); analytic derivatives against
central differences; simulated 2-class mixtures; predict's outcome(depvar #)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from statsmodels.miscmodels.ordinal_model import OrderedModel

import fmmpy
from fmmpy.families.base import Outcome
from fmmpy.families.mlogit import MLogit
from fmmpy.families.ordinal import Ordinal

from _family_helpers import assert_eta_derivatives, max_abs_z


@pytest.fixture(scope="module")
def catdata():
    rng = np.random.default_rng(21)
    n = 700
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    latent = 0.8 * x1 - 0.5 * x2 + rng.logistic(size=n)
    eta = np.column_stack([np.zeros(n), 0.3 + x1, -0.4 + 0.5 * x1 - x2])
    p = np.exp(eta)
    p /= p.sum(axis=1, keepdims=True)
    choice = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1)
    return pd.DataFrame({"x1": x1, "x2": x2,
                         "o": np.array([1.0, 3.0, 4.0])[np.digitize(latent, [-0.5, 1.0])],
                         "m": np.array([1.0, 2.0, 5.0])[choice]})


@pytest.mark.parametrize("model,distr", [("ologit", "logit"), ("oprobit", "probit")])
def test_k1_ordered_matches_statsmodels(catdata, model, distr):
    res = fmmpy.fmm(f"1: {model} o x1 x2", data=catdata, log=False)
    om = OrderedModel(catdata.o, catdata[["x1", "x2"]], distr=distr)
    ref = om.fit(method="bfgs", maxiter=2000, gtol=1e-9, disp=0)
    cuts = om.transform_threshold_params(ref.params.to_numpy())[1:-1]
    names = ["1.Class:o:x1", "1.Class:o:x2", "1.Class:/o:cut1", "1.Class:/o:cut2"]
    assert list(res.params.index) == names
    assert np.allclose(res.params.to_numpy(), np.r_[ref.params.to_numpy()[:2], cuts],
                       rtol=1e-5, atol=1e-6)
    assert res.llf == pytest.approx(ref.llf, rel=1e-9)
    # Standard errors of the slopes do not depend on how the cutpoints are parameterized.
    assert np.allclose(res.bse.to_numpy()[:2], ref.bse.to_numpy()[:2], rtol=1e-4)
    # predict: Pr(o = 3), the second level, by value, position and factor notation
    pr = np.asarray(ref.predict(catdata[["x1", "x2"]]))
    for spec in ("o 3", "o #2", "3.o"):
        assert np.allclose(res.predict("mu", outcome=spec), pr[:, 1], rtol=1e-5, atol=1e-7)
    assert np.allclose(res.predict("mu"), pr[:, 0], rtol=1e-5, atol=1e-7)    # first level
    cdf = res.predict("distribution").to_numpy()
    level = np.searchsorted([1.0, 3.0, 4.0], catdata.o.to_numpy())
    assert np.allclose(cdf, pr.cumsum(axis=1)[np.arange(len(catdata)), level], rtol=1e-5)


def test_k1_mlogit_matches_statsmodels(catdata):
    res = fmmpy.fmm("1: mlogit m x1 x2", data=catdata, log=False)
    X = sm.add_constant(catdata[["x1", "x2"]], prepend=False)
    ref = sm.MNLogit(catdata.m, X).fit(method="newton", tol=1e-12, disp=0)
    ours = np.concatenate([res.params[[f"1.Class:{k}.m:{t}" for t in ("x1", "x2", "_cons")]]
                           for k in (2, 5)])
    se = np.concatenate([res.bse[[f"1.Class:{k}.m:{t}" for t in ("x1", "x2", "_cons")]]
                         for k in (2, 5)])
    assert np.allclose(ours, ref.params.to_numpy().T.ravel(), rtol=1e-6, atol=1e-8)
    assert np.allclose(se, ref.bse.to_numpy().T.ravel(), rtol=1e-5)
    assert res.llf == pytest.approx(ref.llf, rel=1e-10)
    pr = np.asarray(ref.predict(X))
    for j, spec in enumerate(("m 1", "m 2", "m #3")):
        assert np.allclose(res.predict("mu", outcome=spec), pr[:, j], rtol=1e-6)
    text = res.summary()
    assert "1.m          |  (base outcome)" in text
    assert "Model          : mlogit" in text


def test_mlogit_baseoutcome_negates(catdata):
    a = fmmpy.fmm("1: mlogit m x1", data=catdata, log=False)
    b = fmmpy.fmm("1: mlogit m x1, baseoutcome(2)", data=catdata, log=False)
    assert a.llf == pytest.approx(b.llf, rel=1e-10)
    assert np.allclose(b.params[["1.Class:1.m:x1", "1.Class:1.m:_cons"]],
                       -a.params[["1.Class:2.m:x1", "1.Class:2.m:_cons"]], rtol=1e-6)
    with pytest.raises(fmmpy.FMMDataError, match="no value 7"):
        fmmpy.fmm("1: mlogit m x1, baseoutcome(7)", data=catdata, log=False)


def test_ordered_table_layout(catdata):
    text = fmmpy.fmm("1: ologit o x1", data=catdata, log=False).summary()
    lines = text.splitlines()
    i = lines.index("/o           |")
    assert lines[i + 1].strip().startswith("cut1 |") and lines[i + 2].strip().startswith("cut2 |")
    # no constant in an ordered model; no covariates at all is allowed too
    assert "_cons" not in text
    res = fmmpy.fmm("1: oprobit o", data=catdata, log=False)
    assert list(res.params.index) == ["1.Class:/o:cut1", "1.Class:/o:cut2"]


def test_outcome_option_errors(catdata):
    res = fmmpy.fmm("1: ologit o x1", data=catdata, log=False)
    with pytest.raises(fmmpy.FMMSyntaxError, match="not among the outcome values"):
        res.predict("mu", outcome="o 2")
    with pytest.raises(fmmpy.FMMSyntaxError, match="out of range"):
        res.predict("mu", outcome="o #4")
    with pytest.raises(fmmpy.FMMDataError, match="not allowed for mlogit"):
        fmmpy.fmm("1: mlogit m x1", data=catdata, log=False).predict("distribution")


def test_bad_outcomes(catdata):
    with pytest.raises(fmmpy.FMMDataError, match="non-negative integers"):
        fmmpy.fmm("1: mlogit x1 x2", data=catdata, log=False)
    with pytest.raises(fmmpy.FMMDataError, match="does not vary"):
        fmmpy.fmm("1: ologit c x1", data=catdata.assign(c=2.0), log=False)


@pytest.mark.parametrize("link", ["logit", "probit"])
def test_ordered_eta_derivatives(link):
    fam = Ordinal(link).configure(Outcome(np.array([1.0, 2.0, 3.0, 4.0])))
    y = np.array([1.0, 2.0, 3.0, 4.0, 2.0, 4.0])
    cuts = [-1.0, 0.2, 1.5]
    eta = np.array([[xb] + cuts for xb in (0.3, 1.2, -0.4, 2.0, -6.0, 9.0)])
    assert_eta_derivatives(fam, Outcome(y), eta)


def test_ordered_unordered_cutpoints_are_impossible():
    fam = Ordinal("logit").configure(Outcome(np.array([1.0, 2.0, 3.0])))
    assert fam.loglik(Outcome(np.array([2.0])), np.array([[0.0, 1.0, -1.0]]))[0] == -np.inf


def test_mlogit_eta_derivatives():
    fam = MLogit(2.0).configure(Outcome(np.array([1.0, 2.0, 3.0])))
    eta = np.array([[0.3, 0.0, -1.0], [2.0, 0.0, 1.0], [-1.0, 0.0, 0.5]])
    assert_eta_derivatives(fam, Outcome(np.array([1.0, 2.0, 3.0])), eta)


def _two_classes(seed, n, share):
    """A covariate, hidden class memberships, the frame and empty truths per class."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    return rng, x, rng.random(n) < share, pd.DataFrame({"x": x}), [{}, {}]


def test_two_class_ordered_mixture_recovers_parameters():
    """Two ordinal items per unit; the classes differ in slopes and cutpoints."""
    n = 2500
    rng, x, c, df, truth = _two_classes(8, n, 0.4)
    for i, (b0, b1, cuts0, cuts1) in enumerate([(1.0, -1.0, (-1.0, 1.0), (0.0, 2.5)),
                                                 (-0.5, 1.5, (-2.0, 0.0), (-0.5, 1.0))]):
        xb = np.where(c, b1 * x, b0 * x)
        lat = xb + rng.logistic(size=n)
        y = np.where(c, np.digitize(lat, cuts1), np.digitize(lat, cuts0)) + 1.0
        df[f"o{i}"] = y
        truth[0].update({f"o{i}:x": b0, f"/o{i}:cut1": cuts0[0], f"/o{i}:cut2": cuts0[1]})
        truth[1].update({f"o{i}:x": b1, f"/o{i}:cut1": cuts1[0], f"/o{i}:cut2": cuts1[1]})
    res = fmmpy.fmm("2: ologit o0 x ; ologit o1 x", data=df, log=False)
    assert res.converged
    assert max_abs_z(res, truth, shares=[0.6, 0.4]) < 4.0


def test_two_class_mlogit_mixture_recovers_parameters():
    n = 2500
    rng, x, c, df, truth = _two_classes(9, n, 0.45)
    for i, (a, b) in enumerate([((1.0, 1.0, -1.0, 0.5), (-1.0, -1.0, 1.0, 0.0)),
                                ((0.5, -1.0, 1.5, 1.0), (-1.5, 0.5, -0.5, -1.0))]):
        e0 = np.column_stack([np.zeros(n), a[0] + a[1] * x, a[2] + a[3] * x])
        e1 = np.column_stack([np.zeros(n), b[0] + b[1] * x, b[2] + b[3] * x])
        p = np.exp(np.where(c[:, None], e1, e0))
        p /= p.sum(axis=1, keepdims=True)
        df[f"m{i}"] = (p.cumsum(axis=1) > rng.random((n, 1))).argmax(axis=1) + 1.0
        for j, v in enumerate((a, b)):
            truth[j].update({f"2.m{i}:_cons": v[0], f"2.m{i}:x": v[1],
                             f"3.m{i}:_cons": v[2], f"3.m{i}:x": v[3]})
    res = fmmpy.fmm("2: mlogit m0 x ; mlogit m1 x", data=df, log=False)
    assert res.converged
    assert max_abs_z(res, truth, shares=[0.55, 0.45]) < 4.0


@pytest.mark.parametrize("command", ["1: ologit o x1", "1: mlogit m x1", "1: logit b x1",
                                     "1: poisson m x1",
                                     "fmm: (pointmass m, value(1)) (poisson m x1)"])
def test_density_on_new_data_with_missing_outcome(catdata, command):
    """On new data the outcome may be missing: density and distribution are then missing
    too, while mu still predicts."""
    data = catdata.assign(b=(catdata.o == 1) * 1.0)
    res = fmmpy.fmm(command, data=data, log=False)
    new = data.head(4).copy()
    new.loc[new.index[:2], ["o", "m", "b"]] = np.nan
    dens = res.predict("density", data=new, marginal=True).to_numpy()
    assert np.isnan(dens[:2]).all() and np.isfinite(dens[2:]).all()
    assert np.isfinite(res.predict("mu", data=new, marginal=True).to_numpy()).all()
