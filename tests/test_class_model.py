"""Class-membership covariates (lcprob), lcinvariant, lcbase in the hybrid syntax.

References: the same mixture likelihoods written here with scipy and maximized
directly by scipy.optimize, with standard errors from a numerical Hessian
(statsmodels.tools.numdiff); statsmodels' ZeroInflatedPoisson for a zero-inflated
model (runs once the poisson and pointmass families are registered).
"""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest
from scipy import optimize, stats
from scipy.special import expit, logsumexp
from statsmodels.tools.numdiff import approx_fprime, approx_hess

import fmmpy
from fmmpy.errors import FMMSyntaxError

def _mixture_ll(p: np.ndarray, y, x, z, common_var: bool) -> float:
    """2-class normal regression mixture; class 2 has log odds d0 + d1 z.
    p = (d1, d0, b1x, b1c, v1, b2x, b2c, v2) or, with a common variance,
    (d1, d0, b1x, b1c, b2x, b2c, v)."""
    if common_var:
        d1, d0, b1x, b1c, b2x, b2c, v = p
        v1 = v2 = v
    else:
        d1, d0, b1x, b1c, v1, b2x, b2c, v2 = p
    if min(v1, v2) <= 0:
        return -np.inf
    pi2 = expit(d0 + d1 * z)
    a1 = np.log1p(-pi2) + stats.norm.logpdf(y, b1c + b1x * x, np.sqrt(v1))
    a2 = np.log(pi2) + stats.norm.logpdf(y, b2c + b2x * x, np.sqrt(v2))
    return float(logsumexp(np.column_stack([a1, a2]), axis=1).sum())


def _direct(y, x, z, start, common_var):
    fun = lambda p: -_mixture_ll(p, y, x, z, common_var)  # noqa: E731
    r = optimize.minimize(fun, start, method="Nelder-Mead",
                          options={"maxiter": 40000, "maxfev": 40000, "xatol": 1e-10,
                                   "fatol": 1e-12})
    r = optimize.minimize(fun, r.x, method="BFGS", options={"gtol": 1e-9})
    se = np.sqrt(np.diag(np.linalg.inv(-approx_hess(r.x, lambda p: -fun(p)))))
    return r.x, -r.fun, se


def test_lcprob_matches_direct_maximization(mixreg):
    res = fmmpy.fmm("2, lcprob(z): regress y x", data=mixreg, log=False)
    y, x, z = (mixreg[c].to_numpy() for c in ("y", "x", "z"))
    p, ll, se = _direct(y, x, z, [1.0, 0.3, 0.5, -1.0, 0.5, 1.0, 2.0, 0.3], common_var=False)
    names = ["2.Class:z", "2.Class:_cons", "1.Class:y:x", "1.Class:y:_cons",
             "1.Class:y:var(e.y)", "2.Class:y:x", "2.Class:y:_cons", "2.Class:y:var(e.y)"]
    assert res.llf == pytest.approx(ll, abs=1e-7)
    assert np.allclose(res.params[names].to_numpy(), p, rtol=1e-4, atol=1e-6)
    assert np.allclose(res.bse[names].to_numpy(), se, rtol=1e-4)
    assert list(res.params.index[:2]) == ["2.Class:z", "2.Class:_cons"]


def test_lcinvariant_errvar_gives_one_common_variance(mixreg):
    res = fmmpy.fmm("2, lcprob(z) lcinvariant(errvar): regress y x", data=mixreg, log=False)
    v1, v2 = res.params["1.Class:y:var(e.y)"], res.params["2.Class:y:var(e.y)"]
    assert v1 == v2
    assert res.bse["1.Class:y:var(e.y)"] == res.bse["2.Class:y:var(e.y)"]
    assert res.df_model == 7
    y, x, z = (mixreg[c].to_numpy() for c in ("y", "x", "z"))
    p, ll, se = _direct(y, x, z, [1.0, 0.3, 0.5, -1.0, 1.0, 2.0, 0.4], common_var=True)
    names = ["2.Class:z", "2.Class:_cons", "1.Class:y:x", "1.Class:y:_cons", "2.Class:y:x",
             "2.Class:y:_cons", "1.Class:y:var(e.y)"]
    assert res.llf == pytest.approx(ll, abs=1e-7)
    assert np.allclose(res.params[names].to_numpy(), p, rtol=1e-4, atol=1e-6)
    assert np.allclose(res.bse[names].to_numpy(), se, rtol=1e-4)
    assert res.layout.constraint_text == ("1.Class:y:var(e.y) - 2.Class:y:var(e.y) = 0",)
    assert " ( 1)  1.Class:y:var(e.y) - 2.Class:y:var(e.y) = 0" in res.summary().splitlines()


@pytest.mark.filterwarnings("ignore::fmmpy.FMMWarning")  # lcinvariant(all): flat class model
@pytest.mark.parametrize("inv,equal,free", [
    ("cons", ["y:_cons"], ["y:x", "y:var(e.y)"]),
    ("coef", ["y:x"], ["y:_cons", "y:var(e.y)"]),
    # Equal means: EM reaches the one-class fit (a stationary point), variances equal too.
    ("coef cons", ["y:x", "y:_cons"], []),
    ("all", ["y:x", "y:_cons", "y:var(e.y)"], []),
])
def test_lcinvariant_classes(mixreg, inv, equal, free):
    res = fmmpy.fmm(f"2, lcinvariant({inv}): regress y x", data=mixreg, log=False)
    for term in equal:
        assert res.params[f"1.Class:{term}"] == res.params[f"2.Class:{term}"]
        assert res.bse[f"1.Class:{term}"] == res.bse[f"2.Class:{term}"]
    for term in free:
        assert abs(res.params[f"1.Class:{term}"] - res.params[f"2.Class:{term}"]) > 1e-3
    assert res.layout.n_free == 1 + 6 - len(equal)
    assert len(res.layout.constraint_text) == len(equal)


def test_lcinvariant_scale_ties_lognormal_ancillary(stamp):
    res = fmmpy.fmm("2, lcinvariant(scale): glm thickness, family(lognormal)", data=stamp,
                    log=False)
    assert res.params["1.Class:/thickness:logs"] == res.params["2.Class:/thickness:logs"]
    assert res.params["1.Class:thickness:_cons"] != res.params["2.Class:thickness:_cons"]


def test_lcinvariant_none_with_others_is_an_error(mixreg):
    with pytest.raises(FMMSyntaxError, match="lcinvariant"):
        fmmpy.fmm("2, lcinvariant(none cons): regress y x", data=mixreg, log=False)


def test_hybrid_lcprob_base_is_first_component_without_lcprob(mixreg):
    res = fmmpy.fmm("fmm: (regress y x, lcprob(z)) (regress y x)", data=mixreg, log=False)
    assert res.design.base == 1
    assert [n for n in res.params.index if n.startswith("1.Class:") and ":y:" not in n] == \
        ["1.Class:z", "1.Class:_cons"]
    assert "2.Class      |  (base outcome)" in res.summary()
    # lcprob() before the colon applies to every non-base class in the hybrid syntax.
    both = fmmpy.fmm("fmm, lcprob(z): (regress y x) (regress y x)", data=mixreg, log=False)
    std = fmmpy.fmm("fmm 2, lcprob(z): regress y x", data=mixreg, log=False)
    assert both.llf == pytest.approx(std.llf, rel=1e-10)
    with pytest.raises(FMMSyntaxError, match="lcprob"):
        fmmpy.fmm("fmm, lcprob(z): (regress y x, lcprob(z)) (regress y x)", data=mixreg,
                  log=False)


def test_lcbase_moves_the_base_class(mixreg):
    a = fmmpy.fmm("2, lcprob(z): regress y x", data=mixreg, log=False)
    b = fmmpy.fmm("2, lcprob(z) lcbase(2): regress y x", data=mixreg, log=False)
    assert b.llf == pytest.approx(a.llf, rel=1e-9)
    assert b.params["1.Class:z"] == pytest.approx(-a.params["2.Class:z"], rel=1e-5)


def test_estat_lcprob_averages_predicted_probabilities_with_delta_method(mixreg):
    res = fmmpy.fmm("2, lcprob(z): regress y x", data=mixreg, log=False)
    table = res.estat_lcprob().to_frame()
    pr = res.predict("classpr")
    assert np.allclose(table["margin"].to_numpy(), pr.mean().to_numpy(), rtol=1e-12)
    z = mixreg["z"].to_numpy()
    d = res.params[["2.Class:z", "2.Class:_cons"]].to_numpy()
    J = approx_fprime(d, lambda q: np.array([expit(q[1] + q[0] * z).mean()]), centered=True)
    V = res.vcov.loc[["2.Class:z", "2.Class:_cons"], ["2.Class:z", "2.Class:_cons"]].to_numpy()
    assert table["se"].iloc[1] == pytest.approx(float(np.sqrt(J @ V @ J.T)), rel=1e-6)


def test_zero_inflated_poisson_matches_statsmodels():
    """Zero-inflated Poisson as a mixture of a point mass at zero and a Poisson
    regression with lcprob(); statsmodels' ZeroInflatedPoisson is the reference."""
    from statsmodels.discrete.count_model import ZeroInflatedPoisson

    rng = np.random.default_rng(5)
    n = 800
    x, z = rng.normal(size=n), rng.normal(size=n)
    zero = rng.uniform(size=n) < expit(-0.5 + 1.0 * z)
    y = np.where(zero, 0, rng.poisson(np.exp(0.5 + 0.7 * x)))
    df = pd.DataFrame({"y": y, "x": x, "z": z})
    res = fmmpy.fmm("fmm, lcprob(z): (pointmass y) (poisson y x)", data=df, log=False)
    X = np.column_stack([x, np.ones(n)])
    Z = np.column_stack([z, np.ones(n)])
    zip_ = ZeroInflatedPoisson(y, X, exog_infl=Z, inflation="logit")
    fit = zip_.fit(method="bfgs", maxiter=5000, disp=0)
    fit = zip_.fit(start_params=fit.params, method="newton", maxiter=100, disp=0)
    assert res.llf == pytest.approx(fit.llf, rel=1e-7)
    tidy = res.tidy().set_index(["class", "equation", "term"])
    # Class 1 (the point mass) is the base: statsmodels' inflation coefficients are
    # the negated class-2 coefficients.
    infl = -tidy.loc[[(2, "Class", "z"), (2, "Class", "_cons")], "coef"].to_numpy()
    pois = tidy.loc[[(2, "y", "x"), (2, "y", "_cons")], "coef"].to_numpy()
    assert np.allclose(infl, fit.params[:2], rtol=1e-4)
    assert np.allclose(pois, fit.params[2:], rtol=1e-4)
    se = np.concatenate([tidy.loc[[(2, "Class", "z"), (2, "Class", "_cons")], "se"],
                         tidy.loc[[(2, "y", "x"), (2, "y", "_cons")], "se"]])
    # Reference SEs: the observed information of statsmodels' own log likelihood, by
    # numerical differences.  (statsmodels' analytic ZIP Hessian, behind fit.bse, is not
    # the observed information: 0.1035 against 0.1134 for the inflation constant here.)
    from statsmodels.tools.numdiff import approx_hess

    oim = np.sqrt(np.diag(np.linalg.inv(-approx_hess(fit.params, zip_.loglike))))
    assert np.allclose(se, oim, rtol=1e-4)


def test_lclabel_and_level_reach_every_table(mixreg):
    res = fmmpy.fmm("2, lcprob(z) level(90) lclabel(Group): regress y x", data=mixreg,
                    log=False)
    assert list(res.params.index[:2]) == ["2.Group:z", "2.Group:_cons"]
    assert res.tidy()["equation"].iloc[0] == "Group"
    head = "             | Coefficient  Std. err.      z    P>|z|     [90% conf. interval]"
    text = res.summary().splitlines()
    assert text.count(head) == 3 and "Group          : 2" in text and "2.Group      |" in text
    for table in (res.estat_lcprob(), res.estat_lcmean(), res.estat_eform()):
        assert "[90% conf. interval]" in str(table)
    ci = res.conf_int().loc["2.Group:z"]
    assert ci["upper"] - res.params["2.Group:z"] == pytest.approx(
        stats.norm.ppf(0.95) * res.bse["2.Group:z"], rel=1e-12)


def test_constraint_report_wraps_and_nocnsreport_hides_it(stamp):
    res = fmmpy.fmm("3, lcinvariant(errvar) emopts(iterate(2)): regress thickness", data=stamp,
                    log=False)
    lines = res.summary().splitlines()
    assert all(len(line) <= 78 for line in lines)
    assert " ( 1)  1.Class:thickness:var(e.thickness) - 2.Class:thickness:var(e.thickness)" \
        in lines
    assert lines[lines.index(" ( 1)  1.Class:thickness:var(e.thickness) - "
                             "2.Class:thickness:var(e.thickness)") + 1] == "       = 0"
    quiet = fmmpy.fmm("3, lcinvariant(errvar) nocnsreport emopts(iterate(2)): regress "
                      "thickness", data=stamp, log=False)
    assert not any(line.startswith(" ( 1)") for line in quiet.summary().splitlines())
