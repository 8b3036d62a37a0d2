"""estat lcmean, estat ic, estat eform, Wald tests, lrtest and predict scores.

References: identities (estat lcmean of a constant-only regress mixture is the class
constant with its standard error; AIC = -2 ll + 2 df and BIC = -2 ll + ln(N) df by
hand; a one-hypothesis Wald test is z squared; LR = 2 (ll_u - ll_r)), the delta
method recomputed with numerical derivatives (statsmodels.tools.numdiff), and
per-observation scores of a mixture log likelihood written here with scipy.
"""

from __future__ import annotations


import numpy as np
import pytest
from scipy import stats
from scipy.special import expit, logsumexp
from statsmodels.tools.numdiff import approx_fprime

import fmmpy
from fmmpy.errors import FMMDataError, FMMSyntaxError

@pytest.fixture(scope="module")
def lcprob_fit(mixreg):
    return fmmpy.fmm("2, lcprob(z): regress y x", data=mixreg, log=False)


# -- estat lcmean --------------------------------------------------------------------


def test_lcmean_of_constant_only_mixture_is_the_class_constant(fit_regress3, stata_stamp):
    t = fit_regress3.estat_lcmean().to_frame()
    for j in (1, 2, 3):
        name = f"{j}.Class:thickness:_cons"
        assert t.loc[(j, "thickness"), "margin"] == pytest.approx(fit_regress3.params[name],
                                                                  rel=1e-14)
        assert t.loc[(j, "thickness"), "se"] == pytest.approx(fit_regress3.bse[name], rel=1e-12)
        ci = fit_regress3.conf_int().loc[name]
        assert t.loc[(j, "thickness"), "ci_lower"] == pytest.approx(ci["lower"], rel=1e-12)
    text = str(fit_regress3.estat_lcmean()).splitlines()
    assert text[0] == "Latent class marginal means" + " " * 32 + "Number of obs = 485"
    assert text[4] == ("             |     Margin   std. err.      z    P>|z|     "
                       "[95% conf. interval]")
    assert "1            |" in text
    # class 1's mean is its constant: Stata's row for 1.Class _cons (the seed's table)
    line = "   thickness |   .0712183   .0002011   354.20   0.000     .0708242    .0716124"
    assert line.split()[2:] == stata_stamp["regress3"]["rows"]["1.Class:thickness:_cons"]
    assert line in text


def test_lcmean_with_covariates_averages_the_class_means(lcprob_fit, mixreg):
    t = lcprob_fit.estat_lcmean().to_frame()
    mu = lcprob_fit.predict("mu")
    assert np.allclose(t["margin"].to_numpy(), mu.mean().to_numpy(), rtol=1e-12)
    # Linear in (b_x, b_cons): the Jacobian is (mean x, 1).
    names = ["2.Class:y:x", "2.Class:y:_cons"]
    J = np.array([mixreg["x"].mean(), 1.0])
    V = lcprob_fit.vcov.loc[names, names].to_numpy()
    assert t.loc[(2, "y"), "se"] == pytest.approx(float(np.sqrt(J @ V @ J)), rel=1e-10)


def test_lcmean_lognormal_delta_method(stamp, fit_lognormal3):
    res = fit_lognormal3
    t = res.estat_lcmean().to_frame()
    names = ["2.Class:thickness:_cons", "2.Class:/thickness:logs"]
    p = res.params[names].to_numpy()

    def mean(q):
        return np.array([np.exp(q[0] + 0.5 * np.exp(2 * q[1]))])

    J = approx_fprime(p, mean, centered=True)
    V = res.vcov.loc[names, names].to_numpy()
    assert t.loc[(2, "thickness"), "margin"] == pytest.approx(mean(p)[0], rel=1e-12)
    assert t.loc[(2, "thickness"), "se"] == pytest.approx(float(np.sqrt(J @ V @ J.T)), rel=1e-6)


# -- estat ic ------------------------------------------------------------------------


def test_estat_ic_by_hand(fit_regress3, stata_stamp):
    ic = fit_regress3.estat_ic()
    ll, n, df = fit_regress3.llf, 485, 8
    assert (ic.nobs, ic.df) == (n, df)
    assert ic.aic == pytest.approx(-2 * ll + 2 * df, rel=1e-14)
    assert ic.bic == pytest.approx(-2 * ll + np.log(n) * df, rel=1e-14)
    lines = str(ic).splitlines()
    assert lines[3] == ("       Model |          N   ll(null)  ll(model)      df        AIC"
                        "        BIC")
    # Stata's log likelihood (the seed: 1518.8484) with df 8 and N 485:
    # AIC = -2 ll + 2 df = -3021.697, BIC = -2 ll + ln(485) df = -2988.224
    stata_ll = float(stata_stamp["regress3"]["ll"])
    assert (f"{-2 * stata_ll + 2 * df:.3f}", f"{-2 * stata_ll + np.log(n) * df:.3f}") == (
        "-3021.697", "-2988.224")
    assert lines[5] == ("           . |        485          .   1518.848       8  -3021.697"
                        "  -2988.224")
    assert lines[-1] == "Note: BIC uses N = number of observations. See [R] IC note."
    frame = ic.to_frame()
    assert np.isnan(frame.loc[".", "ll_null"]) and frame.loc[".", "df"] == 8


def test_estat_ic_counts_frequency_weights_and_constraints(mixreg):
    res = fmmpy.fmm("2 [fweight=w], lcinvariant(errvar): regress y x", data=mixreg, log=False)
    ic = res.estat_ic()
    assert ic.nobs == mixreg["w"].sum()
    assert ic.df == 6
    assert ic.bic == pytest.approx(-2 * res.llf + np.log(mixreg["w"].sum()) * 6, rel=1e-14)


# -- estat eform -----------------------------------------------------------------------


def test_estat_eform_transforms_coefficients_and_intervals(lcprob_fit):
    t = lcprob_fit.estat_eform("y", level=90).to_frame().set_index(["class", "term"])
    ci = lcprob_fit.conf_int(level=90)
    for j in (1, 2):
        for term in ("x", "_cons"):
            name = f"{j}.Class:y:{term}"
            b, se = lcprob_fit.params[name], lcprob_fit.bse[name]
            row = t.loc[(j, term)]
            assert row["exp_b"] == pytest.approx(np.exp(b), rel=1e-14)
            assert row["se"] == pytest.approx(np.exp(b) * se, rel=1e-14)
            assert row["z"] == pytest.approx(lcprob_fit.zvalues[name], rel=1e-14)
            assert row["ci_lower"] == pytest.approx(np.exp(ci.loc[name, "lower"]), rel=1e-14)
    text = str(lcprob_fit.estat_eform())
    assert "             |     exp(b)   Std. err.      z    P>|z|     [95% conf. interval]" in text
    with pytest.raises(FMMSyntaxError, match="equation"):
        lcprob_fit.estat_eform("nosuch")


# -- test ----------------------------------------------------------------------------


def test_wald_one_hypothesis_is_z_squared(lcprob_fit):
    t = lcprob_fit.test("2.Class:z")
    z = lcprob_fit.zvalues["2.Class:z"]
    assert t.df == 1 and t.chi2 == pytest.approx(z ** 2, rel=1e-12)
    assert t.pvalue == pytest.approx(2 * stats.norm.sf(abs(z)), rel=1e-10)
    assert str(t).splitlines() == [" ( 1)  2.Class:z = 0", "",
                                   f"           chi2(  1) ={t.chi2:8.2f}",
                                   f"         Prob > chi2 =  {t.pvalue:8.4f}"]


def test_wald_joint_hypotheses_by_hand(lcprob_fit):
    t = lcprob_fit.test("1.Class:y:x = 2.Class:y:x", "1.Class:y:_cons + 2.Class:y:_cons = 1")
    b, V = lcprob_fit.params, lcprob_fit.vcov
    names = list(b.index)
    R = np.zeros((2, len(names)))
    R[0, names.index("1.Class:y:x")], R[0, names.index("2.Class:y:x")] = 1, -1
    R[1, names.index("1.Class:y:_cons")] = R[1, names.index("2.Class:y:_cons")] = 1
    d = R @ b.to_numpy() - np.array([0.0, 1.0])
    chi2 = d @ np.linalg.solve(R @ V.to_numpy() @ R.T, d)
    assert t.df == 2 and t.chi2 == pytest.approx(chi2, rel=1e-12)
    assert t.constraints == ("1.Class:y:x - 2.Class:y:x = 0",
                             "1.Class:y:_cons + 2.Class:y:_cons = 1")


def test_wald_drops_redundant_and_constrained_hypotheses(mixreg, lcprob_fit):
    t = lcprob_fit.test("2.Class:z = 0", "2.Class:_cons = 0", "2.Class:z + 2.Class:_cons = 0")
    assert t.df == 2 and t.dropped == (3,)
    assert "       Constraint 3 dropped" in str(t).splitlines()
    both = lcprob_fit.test("2.Class:z = 2.Class:_cons = 0")
    assert both.df == 2 and both.chi2 == pytest.approx(t.chi2, rel=1e-12)
    fixed = fmmpy.fmm("2: regress y x", data=mixreg, log=False, constraints={"1.Class:y:x": 0.5})
    t2 = fixed.test("1.Class:y:x = .5", "2.Class:y:x = 1")
    assert t2.dropped == (1,) and t2.df == 1


def test_wald_bad_hypotheses(lcprob_fit):
    with pytest.raises(FMMSyntaxError, match="unknown parameter"):
        lcprob_fit.test("3.Class:z = 0")
    with pytest.raises(FMMSyntaxError, match="'2.Class:z\\^2' is not a linear expression"):
        lcprob_fit.test("2.Class:z ^ 2 = 0")
    with pytest.raises(FMMSyntaxError, match="at least one"):
        lcprob_fit.test()


# -- lrtest ----------------------------------------------------------------------------


def test_lrtest_nested_fits(mixreg, lcprob_fit):
    restricted = fmmpy.fmm("2: regress y x", data=mixreg, log=False)
    t = fmmpy.lrtest(restricted, lcprob_fit, names=("nolc", "lc"))
    assert t.df == 1 and t.restricted == "nolc"
    assert t.chi2 == pytest.approx(2 * (lcprob_fit.llf - restricted.llf), rel=1e-12)
    assert t.pvalue == pytest.approx(stats.chi2.sf(t.chi2, 1), rel=1e-12)
    lines = str(t).splitlines()
    assert lines[:3] == ["Likelihood-ratio test", "Assumption: nolc nested within lc", ""]
    assert lines[3] == f" LR chi2(1) = {t.chi2:6.2f}"
    assert lines[4] == f"Prob > chi2 = {t.pvalue:6.4f}"
    # Order does not matter.
    assert lcprob_fit.lrtest(restricted).chi2 == pytest.approx(t.chi2, rel=1e-14)


def test_lrtest_rules(mixreg, lcprob_fit):
    robust = fmmpy.fmm("2, vce(robust): regress y x", data=mixreg, log=False)
    with pytest.raises(FMMDataError, match="robust vce"):
        fmmpy.lrtest(robust, lcprob_fit)
    assert fmmpy.lrtest(robust, lcprob_fit, force=True).df == 1
    fewer = fmmpy.fmm("2: regress y x", data=mixreg.iloc[:250], log=False)
    with pytest.raises(FMMDataError, match="observations differ: 250 vs. 300"):
        fmmpy.lrtest(fewer, lcprob_fit)
    same = fmmpy.fmm("2, lcprob(x): regress y x", data=mixreg, log=False)
    with pytest.raises(FMMDataError, match=r"df\(unrestricted\) = df\(restricted\) = 8"):
        fmmpy.lrtest(same, lcprob_fit)
    one = fmmpy.fmm("1: regress y x", data=mixreg, log=False)
    assert "boundary of the parameter space" in str(fmmpy.lrtest(one, lcprob_fit))


# -- predict scores -------------------------------------------------------------------------


def test_predict_scores_are_derivatives_of_each_observation_log_likelihood(stamp):
    res = fmmpy.fmm("2: regress thickness", data=stamp, log=False)
    y = stamp["thickness"].to_numpy()

    def ll_obs(p):  # (d, m1, v1, m2, v2) on the reported scale
        pi2 = expit(p[0])
        a = np.column_stack([np.log1p(-pi2) + stats.norm.logpdf(y, p[1], np.sqrt(p[2])),
                             np.log(pi2) + stats.norm.logpdf(y, p[3], np.sqrt(p[4]))])
        return logsumexp(a, axis=1)

    p = res.params.to_numpy()
    S = approx_fprime(p, ll_obs, epsilon=1e-5 * np.abs(p), centered=True)
    scores = res.predict("scores")
    assert list(scores.columns) == list(res.params.index)
    assert np.allclose(scores.to_numpy(), S, rtol=1e-5, atol=1e-6 * np.abs(S).max(axis=0))
    # At the maximum the scores sum to (numerically) zero.
    assert np.allclose(scores.sum().to_numpy() / np.abs(S).sum(axis=0), 0, atol=1e-6)
    stub = res.predict("score", stub="sc", data=stamp.head(4))
    assert list(stub.columns) == [f"sc{i}" for i in range(1, 6)]
    assert np.allclose(stub.to_numpy(), scores.head(4).to_numpy())


def test_predict_scores_nan_outside_the_sample(mixreg):
    df = mixreg.copy()
    df.loc[3, "y"] = np.nan
    res = fmmpy.fmm("2 if x > -1: regress y x", data=df, log=False)
    sc = res.predict("scores")
    assert sc.index.equals(df.index)
    assert sc.loc[3].isna().all() and sc.loc[df["x"] <= -1].isna().all().all()
    new = res.predict("scores", data=df)
    outside = (df["x"] <= -1) & df["y"].notna()
    assert new.loc[3].isna().all() and not new.loc[outside].isna().any().any()
    with pytest.raises(FMMSyntaxError, match="scores"):
        res.predict("scores", class_=1)
