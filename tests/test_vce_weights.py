"""Variance estimators and weights.

References: statsmodels' OLS sandwich (HC0, cluster without corrections) for the
coefficients of a k=1 regression, and a sandwich assembled from numerical scores and
Hessian (statsmodels.tools.numdiff) of a normal log likelihood written here with
scipy, times Stata's factors N/(N-1) and G/(G-1); identities: frequency weights equal
duplicated rows, sampling weights of one equal the unweighted robust fit, integer
importance weights equal frequency weights.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.tools.numdiff import approx_fprime, approx_hess

import fmmpy
from fmmpy.errors import FMMDataError


@pytest.fixture(scope="module")
def data():
    rng = np.random.default_rng(11)
    n = 240
    x1, x2 = rng.normal(size=n), rng.uniform(size=n)
    g = rng.integers(0, 20, size=n)
    # Heteroskedastic errors and a cluster effect, so robust != OIM.
    y = 1.0 + 0.8 * x1 - 1.5 * x2 + rng.normal(size=n) * (0.5 + np.abs(x1)) + 0.3 * (g % 3)
    return pd.DataFrame({"y": y, "x1": x1, "x2": x2, "g": g, "w": rng.integers(1, 4, size=n),
                         "one": np.ones(n)})


def _ll_obs(params: np.ndarray, y: np.ndarray, X: np.ndarray) -> np.ndarray:
    """Normal log density per observation; params = (beta, sigma^2)."""
    beta, s2 = params[:-1], params[-1]
    return stats.norm.logpdf(y, X @ beta, np.sqrt(s2))


def _reference_sandwich(res, data, groups=None) -> np.ndarray:
    """Sandwich in the reported metric (beta: x1, x2, _cons; var(e.y)) from
    numerical scores and Hessian of an independently written log likelihood."""
    X = np.column_stack([data["x1"], data["x2"], np.ones(len(data))])
    y = data["y"].to_numpy()
    p = np.append(res.params[["1.Class:y:x1", "1.Class:y:x2", "1.Class:y:_cons"]].to_numpy(),
                  res.params["1.Class:y:var(e.y)"])
    S = approx_fprime(p, lambda q: _ll_obs(q, y, X), centered=True)
    H = approx_hess(p, lambda q: _ll_obs(q, y, X).sum())
    bread = np.linalg.inv(-H)
    n = len(y)
    if groups is None:
        meat, factor = S.T @ S, n / (n - 1)
    else:
        codes = pd.factorize(groups)[0]
        G = codes.max() + 1
        sums = np.zeros((G, S.shape[1]))
        np.add.at(sums, codes, S)
        meat, factor = sums.T @ sums, G / (G - 1)
    return factor * bread @ meat @ bread


NAMES = ["1.Class:y:x1", "1.Class:y:x2", "1.Class:y:_cons", "1.Class:y:var(e.y)"]


def test_robust_k1_equals_independent_sandwich(data):
    res = fmmpy.fmm("1, vce(robust): regress y x1 x2", data=data, log=False)
    ref = _reference_sandwich(res, data)
    assert np.allclose(res.bse[NAMES].to_numpy(), np.sqrt(np.diag(ref)), rtol=1e-5)
    # The coefficient block is statsmodels' HC0 times Stata's N/(N-1).
    ols = sm.OLS(data["y"], sm.add_constant(data[["x1", "x2"]])).fit(cov_type="HC0")
    n = len(data)
    hc0 = ols.bse[["x1", "x2", "const"]].to_numpy() * np.sqrt(n / (n - 1))
    assert np.allclose(res.bse[NAMES[:3]].to_numpy(), hc0, rtol=1e-7)
    assert res.vce_title == "Robust"


def test_cluster_k1_equals_independent_sandwich(data):
    res = fmmpy.fmm("1, vce(cluster g): regress y x1 x2", data=data, log=False)
    ref = _reference_sandwich(res, data, groups=data["g"])
    assert np.allclose(res.bse[NAMES].to_numpy(), np.sqrt(np.diag(ref)), rtol=1e-5)
    ols = sm.OLS(data["y"], sm.add_constant(data[["x1", "x2"]])).fit(
        cov_type="cluster", cov_kwds={"groups": data["g"], "use_correction": False})
    G = data["g"].nunique()
    cl = ols.bse[["x1", "x2", "const"]].to_numpy() * np.sqrt(G / (G - 1))
    assert np.allclose(res.bse[NAMES[:3]].to_numpy(), cl, rtol=1e-7)
    assert res.n_clusters == G


def test_opg_k1_equals_outer_product_of_numerical_scores(data):
    res = fmmpy.fmm("1, vce(opg): regress y x1 x2", data=data, log=False)
    X = np.column_stack([data["x1"], data["x2"], np.ones(len(data))])
    p = np.append(res.params[NAMES[:3]].to_numpy(), res.params[NAMES[3]])
    S = approx_fprime(p, lambda q: _ll_obs(q, data["y"].to_numpy(), X), centered=True)
    assert np.allclose(res.bse[NAMES].to_numpy(), np.sqrt(np.diag(np.linalg.inv(S.T @ S))),
                       rtol=1e-5)
    assert res.vce_title == "OPG"


@pytest.mark.parametrize("vce", ["oim", "robust", "cluster g", "opg"])
def test_fweights_equal_duplicated_rows(data, vce):
    sub = data.iloc[:120]
    dup = sub.loc[sub.index.repeat(sub["w"])].reset_index(drop=True)
    a = fmmpy.fmm(f"2 [fweight=w], vce({vce}): regress y x1", data=sub, log=False)
    b = fmmpy.fmm(f"2, vce({vce}): regress y x1", data=dup, log=False)
    assert a.nobs == len(dup) == b.nobs
    assert a.llf == pytest.approx(b.llf, rel=1e-9)
    assert np.allclose(a.params, b.params, rtol=1e-6, atol=1e-8)
    assert np.allclose(a.bse, b.bse, rtol=1e-5, atol=1e-9)


def test_pweights_of_one_give_unweighted_estimates_with_robust_se(data):
    a = fmmpy.fmm("2 [pweight=one]: regress y x1", data=data, log=False)
    b = fmmpy.fmm("2, vce(robust): regress y x1", data=data, log=False)
    c = fmmpy.fmm("2: regress y x1", data=data, log=False)
    assert a.vce == ("robust",) and a.vce_title == "Robust"
    assert a.nobs == len(data)
    assert np.allclose(a.params, c.params, rtol=1e-7, atol=1e-10)
    assert np.allclose(a.bse, b.bse, rtol=1e-7, atol=1e-12)
    assert not np.allclose(a.bse, c.bse, rtol=1e-3)
    assert a.summary().splitlines()[1].startswith("Log pseudolikelihood = ")


def test_integer_iweights_equal_fweights_and_count_as_observations(data):
    a = fmmpy.fmm("2 [iweight=w]: regress y x1", data=data, log=False)
    b = fmmpy.fmm("2 [fweight=w]: regress y x1", data=data, log=False)
    assert a.nobs == b.nobs == int(data["w"].sum())
    assert a.llf == pytest.approx(b.llf, rel=1e-12)
    assert np.allclose(a.bse, b.bse, rtol=1e-9)
    # Importance weights need not be integers; frequency weights must be.
    half = data.assign(h=data["w"] / 2.0)
    r = fmmpy.fmm("1 [iweight=h]: regress y x1", data=half, log=False)
    assert r.nobs == int(round(half["h"].sum()))
    with pytest.raises(FMMDataError, match="noninteger frequency weights"):
        fmmpy.fmm("1 [fweight=h]: regress y x1", data=half, log=False)


def test_negative_frequency_weights_rejected(data):
    bad = data.assign(w=data["w"] - 2)
    with pytest.raises(FMMDataError, match="negative weights"):
        fmmpy.fmm("1 [fweight=w]: regress y x1", data=bad, log=False)


def test_robust_header_and_cluster_note(data):
    res = fmmpy.fmm("2, vce(cluster g): regress y x1", data=data, log=False)
    lines = res.summary().splitlines()
    assert lines[1].startswith("Log pseudolikelihood = ")
    note = f"(Std. err. adjusted for {data['g'].nunique()} clusters in g)"
    assert lines[3] == note.rjust(78)
    assert lines[4] == "-" * 78
    assert lines[5] == " " * 13 + "|" + " " * 15 + "Robust"
    assert lines[6].startswith("             | Coefficient  std. err.")
    assert "Fitting full model:\n\nIteration 0:  Log pseudolikelihood" in res.iteration_log


def _mixreg_ll_obs(p: np.ndarray, y: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Two-class normal regression mixture per observation, written here with scipy:
    p = (d0, b1x, b1c, v1, b2x, b2c, v2), class 2's log odds d0 (fmmpy's order)."""
    d0, b1x, b1c, v1, b2x, b2c, v2 = p
    lp2 = -np.logaddexp(0.0, -d0)
    lp1 = -np.logaddexp(0.0, d0)
    a1 = lp1 + stats.norm.logpdf(y, b1c + b1x * x, np.sqrt(v1))
    a2 = lp2 + stats.norm.logpdf(y, b2c + b2x * x, np.sqrt(v2))
    return np.logaddexp(a1, a2)


MIX_NAMES = ["2.Class:_cons", "1.Class:y:x", "1.Class:y:_cons", "1.Class:y:var(e.y)",
             "2.Class:y:x", "2.Class:y:_cons", "2.Class:y:var(e.y)"]


@pytest.mark.parametrize("case", ["cluster", "robust_constrained"])
def test_two_class_sandwich_equals_independent_sandwich(mixreg, case):
    # The fits of the golden files mixreg_cluster2.txt and mixreg_robust_constrained2.txt:
    # their standard errors against a sandwich from numerical scores and Hessian of
    # the mixture log likelihood above, in the free parameters (class 1's slope fixed
    # at 0.5 and one common variance in the constrained fit), times N/(N-1) or G/(G-1).
    y, x = mixreg["y"].to_numpy(), mixreg["x"].to_numpy()
    if case == "cluster":
        res = fmmpy.fmm("2, vce(cluster g): regress y x", data=mixreg, log=False)
        free = MIX_NAMES

        def full(q):
            return q
    else:
        res = fmmpy.fmm("2, lcinvariant(errvar) vce(robust): regress y x", data=mixreg,
                        log=False, constraints={"1.Class:y:x": 0.5})
        free = ["2.Class:_cons", "1.Class:y:_cons", "1.Class:y:var(e.y)", "2.Class:y:x",
                "2.Class:y:_cons"]

        def full(q):
            d0, b1c, v, b2x, b2c = q
            return np.array([d0, 0.5, b1c, v, b2x, b2c, v])
    q = res.params[free].to_numpy()
    S = approx_fprime(q, lambda t: _mixreg_ll_obs(full(t), y, x), centered=True)
    H = approx_hess(q, lambda t: _mixreg_ll_obs(full(t), y, x).sum())
    bread = np.linalg.inv(-H)
    if case == "cluster":
        codes = pd.factorize(mixreg["g"])[0]
        sums = np.zeros((codes.max() + 1, S.shape[1]))
        np.add.at(sums, codes, S)
        meat, factor = sums.T @ sums, sums.shape[0] / (sums.shape[0] - 1)
    else:
        meat, factor = S.T @ S, len(y) / (len(y) - 1)
    ref = factor * bread @ meat @ bread
    assert np.allclose(res.bse[free].to_numpy(), np.sqrt(np.diag(ref)), rtol=1e-4)
