"""Count outcomes: poisson (exposure, offset), nbreg (mean and constant dispersion),
tpoisson (truncation at 0, at a number, at a variable), glm poisson/nbinomial.

References: statsmodels' Poisson, NegativeBinomial (nb2: alpha = exp(lnalpha);
nb1: var = mu (1 + alpha), alpha = exp(lndelta)) and TruncatedLFPoisson called live
(k = 1); scipy's distributions for predict; identities (glm spellings equal the named
models); analytic derivatives against central differences; simulated 2-class
mixtures."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from statsmodels.discrete.truncated_model import TruncatedLFPoisson

import fmmpy
from fmmpy.families.base import Outcome
from fmmpy.families.nbreg import NBreg
from fmmpy.families.poisson import Poisson
from fmmpy.families.tpoisson import TPoisson

from _family_helpers import assert_eta_derivatives, max_abs_z


@pytest.fixture(scope="module")
def countdata():
    rng = np.random.default_rng(31)
    n = 800
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    expo = np.exp(rng.normal(scale=0.3, size=n))
    mu = expo * np.exp(0.5 + 0.4 * x1 - 0.3 * x2)
    r = 1.5
    ynb = rng.negative_binomial(r, r / (r + mu))
    yt = rng.poisson(mu)
    while np.any(yt <= 1):
        k = yt <= 1
        yt[k] = rng.poisson(mu[k])
    return pd.DataFrame({"x1": x1, "x2": x2, "expo": expo, "lexpo": np.log(expo),
                         "y": rng.poisson(mu).astype(float), "ynb": ynb.astype(float),
                         "yt": yt.astype(float), "t": rng.integers(-1, 2, size=n) * 1.0})


def _X(df):
    return sm.add_constant(df[["x1", "x2"]], prepend=False)


def test_k1_poisson_exposure_and_offset(countdata):
    ref = sm.Poisson(countdata.y, _X(countdata), exposure=countdata.expo).fit(
        disp=0, tol=1e-12)
    for cmd in ("1: poisson y x1 x2, exposure(expo)", "1: poisson y x1 x2, offset(lexpo)",
                "1: glm y x1 x2, family(poisson) exposure(expo)"):
        res = fmmpy.fmm(cmd, data=countdata, log=False)
        assert np.allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-7)
        assert np.allclose(res.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-6)
        assert res.llf == pytest.approx(ref.llf, rel=1e-12)
    # mu includes the exposure; distribution is the Poisson CDF at the observed count
    mu = ref.predict(_X(countdata), exposure=countdata.expo)
    assert np.allclose(res.predict("mu"), mu, rtol=1e-6)
    assert np.allclose(res.predict("distribution"), stats.poisson.cdf(countdata.y, mu),
                       rtol=1e-6)
    assert np.allclose(res.predict("density"), stats.poisson.pmf(countdata.y, mu), rtol=1e-6)
    with pytest.raises(fmmpy.FMMSyntaxError, match="only one of offset"):
        fmmpy.fmm("1: poisson y x1, offset(lexpo) exposure(expo)", data=countdata, log=False)


@pytest.mark.parametrize("dispersion,method,aux", [("mean", "nb2", "lnalpha"),
                                                   ("constant", "nb1", "lndelta")])
def test_k1_nbreg_matches_statsmodels(countdata, dispersion, method, aux):
    ref = sm.NegativeBinomial(countdata.ynb, _X(countdata), loglike_method=method).fit(
        method="newton", tol=1e-12, maxiter=300, disp=0)
    res = fmmpy.fmm(f"1: nbreg ynb x1 x2, dispersion({dispersion})", data=countdata,
                    log=False)
    alpha, se_alpha = ref.params.iloc[-1], ref.bse.iloc[-1]
    assert res.params.index[-1] == f"1.Class:/ynb:{aux}"
    assert np.allclose(res.params.to_numpy(), np.r_[ref.params.to_numpy()[:3], np.log(alpha)],
                       rtol=1e-6)
    # the ancillary parameter is ln(alpha): its SE is se(alpha) / alpha (delta method)
    assert np.allclose(res.bse.to_numpy(), np.r_[ref.bse.to_numpy()[:3], se_alpha / alpha],
                       rtol=1e-5)
    assert res.llf == pytest.approx(ref.llf, rel=1e-11)
    glm = fmmpy.fmm(f"1: glm ynb x1 x2, family(nbinomial {dispersion})", data=countdata,
                    log=False)
    assert np.allclose(glm.params.to_numpy(), res.params.to_numpy(), rtol=1e-8)
    mu = ref.predict(_X(countdata))
    assert np.allclose(res.predict("mu"), mu, rtol=1e-6)
    if dispersion == "mean":
        size = 1.0 / alpha
        cdf = stats.nbinom.cdf(countdata.ynb, size, size / (size + mu))
    else:
        cdf = stats.nbinom.cdf(countdata.ynb, mu / alpha, 1.0 / (1.0 + alpha))
    assert np.allclose(res.predict("distribution"), cdf, rtol=1e-6)


def test_k1_tpoisson_matches_statsmodels(countdata):
    ref = TruncatedLFPoisson(countdata.yt, _X(countdata), truncation=1).fit(
        method="newton", tol=1e-12, maxiter=300, disp=0)
    res = fmmpy.fmm("1: tpoisson yt x1 x2, ll(1)", data=countdata, log=False)
    assert np.allclose(res.params.to_numpy(), ref.params.to_numpy(), rtol=1e-7)
    assert np.allclose(res.bse.to_numpy(), ref.bse.to_numpy(), rtol=1e-5)
    assert res.llf == pytest.approx(ref.llf, rel=1e-11)
    # E[y | y > 1] from its definition: sum_k k p(k) / P(Y > 1)
    lam = np.exp(_X(countdata).to_numpy() @ ref.params.to_numpy())
    k = np.arange(2, 400)[:, None]
    mean = (k * stats.poisson.pmf(k, lam)).sum(axis=0) / stats.poisson.sf(1, lam)
    assert np.allclose(res.predict("mu"), mean, rtol=1e-8)


def test_tpoisson_default_and_variable_truncation(countdata):
    """ll(0) is the default; a variable truncation point equal to 0 everywhere is the
    same model; a truncation point below 0 means no truncation (a Poisson)."""
    df = countdata.assign(zero=0.0, minus=-1.0, ypos=countdata.yt)
    a = fmmpy.fmm("1: tpoisson ypos x1", data=df, log=False)
    b = fmmpy.fmm("1: tpoisson ypos x1, ll(zero)", data=df, log=False)
    assert np.allclose(a.params, b.params, rtol=1e-10) and a.llf == pytest.approx(b.llf)
    c = fmmpy.fmm("1: tpoisson y x1, ll(minus)", data=df, log=False)
    d = fmmpy.fmm("1: poisson y x1", data=df, log=False)
    assert np.allclose(c.params, d.params, rtol=1e-10)
    with pytest.raises(fmmpy.FMMDataError, match="greater than the truncation point"):
        fmmpy.fmm("1: tpoisson y x1", data=df, log=False)


@pytest.mark.parametrize("model", ["poisson", "nbreg", "tpoisson"])
def test_bad_counts(countdata, model):
    with pytest.raises(fmmpy.FMMDataError, match="noninteger"):
        fmmpy.fmm(f"1: {model} x1", data=countdata.assign(x1=countdata.yt + 0.5), log=False)
    with pytest.raises(fmmpy.FMMDataError, match="negative"):
        fmmpy.fmm(f"1: {model} neg", data=countdata.assign(neg=-countdata.yt), log=False)


@pytest.mark.parametrize("family,aux", [
    (Poisson(), None), (NBreg("mean"), [-1.0] * 4), (NBreg("mean"), [-14.0] * 4),
    (NBreg("constant"), [0.5] * 4), (NBreg("constant"), [-14.0] * 4),
    # rows on both sides of the switch to the Poisson-limit expansion (ln alpha < -20)
    (NBreg("mean"), [-1.0, -25.0, 0.5, -30.0]), (NBreg("constant"), [-1.0, -25.0, 0.5, -30.0]),
])
def test_count_eta_derivatives(family, aux):
    y = np.array([0.0, 1.0, 5.0, 30.0])
    main = np.array([[-1.0], [0.3], [2.0], [3.2]])
    eta = main if aux is None else np.column_stack([main, aux])
    assert_eta_derivatives(family, Outcome(y), eta)


@pytest.mark.parametrize("dispersion", ["mean", "constant"])
def test_nbreg_on_poisson_data_reaches_the_poisson_fit(dispersion):
    """Poisson data: the dispersion goes to (or near) its boundary alpha -> 0 and the
    fit converges, never below the Poisson mixture's log likelihood (nbreg nests it)."""
    rng = np.random.default_rng(15)
    df = _two_class(rng, 1000, 0.5, (-0.7, 0.0), (1.8, 0.0), lambda mu, c: rng.poisson(mu))
    pois = fmmpy.fmm("2: poisson y x", data=df, log=False)
    nb = fmmpy.fmm(f"2: nbreg y x, dispersion({dispersion})", data=df, log=False)
    assert nb.converged
    assert pois.llf - 1e-7 <= nb.llf <= pois.llf + 0.1


def test_tpoisson_eta_derivatives():
    out = Outcome(np.array([1.0, 3.0, 5.0, 2.0]), {"t": np.array([0.0, 2.0, 3.0, -1.0])})
    assert_eta_derivatives(TPoisson("t"), out, np.array([[-3.0], [0.3], [2.0], [1.0]]))


def test_nbreg_near_poisson_is_accurate():
    """With alpha -> 0 the negative binomial log density tends to the Poisson one; the
    gamma-function differences are computed so that this holds to many digits."""
    y = np.array([0.0, 3.0, 40.0])
    eta = np.array([[1.0, -30.0], [1.0, -30.0], [3.5, -30.0]])
    pois = Poisson().loglik(Outcome(y), eta[:, :1])
    assert np.allclose(NBreg("mean").loglik(Outcome(y), eta), pois, rtol=1e-10, atol=1e-9)
    assert np.allclose(NBreg("constant").loglik(Outcome(y), eta), pois, rtol=1e-10, atol=1e-9)


def _two_class(rng, n, share, b0, b1, draw):
    x = rng.normal(size=n)
    c = rng.random(n) < share
    mu = np.exp(np.where(c, b1[0] + b1[1] * x, b0[0] + b0[1] * x))
    return pd.DataFrame({"x": x, "y": draw(mu, c).astype(float)})


def test_two_class_poisson_recovers_parameters():
    rng = np.random.default_rng(12)
    df = _two_class(rng, 2500, 0.35, (0.3, 0.6), (2.2, -0.4),
                    lambda mu, c: rng.poisson(mu))
    res = fmmpy.fmm("2: poisson y x", data=df, log=False)
    truth = [{"y:_cons": 0.3, "y:x": 0.6}, {"y:_cons": 2.2, "y:x": -0.4}]
    assert max_abs_z(res, truth, shares=[0.65, 0.35]) < 4.0


@pytest.mark.parametrize("dispersion", ["mean", "constant"])
def test_two_class_nbreg_recovers_parameters(dispersion):
    rng = np.random.default_rng(13)
    a0, a1 = 0.5, 0.2                   # alpha (mean) or delta (constant) per class

    def draw(mu, c):
        a = np.where(c, a1, a0)
        if dispersion == "mean":
            return rng.negative_binomial(1.0 / a, 1.0 / (1.0 + a * mu))
        return rng.negative_binomial(mu / a, 1.0 / (1.0 + a))

    df = _two_class(rng, 3000, 0.4, (0.2, 0.7), (2.5, -0.3), draw)
    res = fmmpy.fmm(f"2: nbreg y x, dispersion({dispersion})", data=df, log=False)
    aux = "lnalpha" if dispersion == "mean" else "lndelta"
    truth = [{"y:_cons": 0.2, "y:x": 0.7, f"/y:{aux}": np.log(a0)},
             {"y:_cons": 2.5, "y:x": -0.3, f"/y:{aux}": np.log(a1)}]
    assert max_abs_z(res, truth, shares=[0.6, 0.4]) < 4.0


def test_two_class_tpoisson_recovers_parameters():
    rng = np.random.default_rng(14)

    def draw(mu, c):
        y = rng.poisson(mu)
        while np.any(y == 0):
            y[y == 0] = rng.poisson(mu[y == 0])
        return y

    df = _two_class(rng, 2500, 0.4, (0.2, 0.6), (2.0, -0.4), draw)
    res = fmmpy.fmm("2: tpoisson y x", data=df, log=False)
    truth = [{"y:_cons": 0.2, "y:x": 0.6}, {"y:_cons": 2.0, "y:x": -0.4}]
    assert max_abs_z(res, truth, shares=[0.6, 0.4]) < 4.0
