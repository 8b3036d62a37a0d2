"""Syntax, data rules, labels and predictions of tobit, intreg, truncreg, ivregress,
betareg, streg (with fmmpy.stset) and the glm beta and survival families."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats
from scipy.special import expit

import fmmpy
from fmmpy import FMMDataError, FMMSyntaxError
from fmmpy.display.format import abbrev
from fmmpy.parse import parse_command


@pytest.fixture(scope="module")
def df():
    rng = np.random.default_rng(8)
    n = 300
    x, z, w = rng.normal(size=n), rng.normal(size=n), rng.normal(size=n)
    y = 1 + x + rng.normal(size=n)
    xe = z + w + rng.normal(size=n)
    return pd.DataFrame({
        "x": x, "z": z, "w": w, "y": y, "yc": np.maximum(y, 0.0),
        "lo": np.where(np.arange(n) % 3 == 0, np.nan, np.floor(y)),
        "hi": np.where(np.arange(n) % 3 == 1, np.nan, np.floor(y) + 1),
        "lim": np.where(np.arange(n) % 4 == 0, np.nan, 0.0),
        "xe": xe, "yiv": 1 + xe + w + rng.normal(size=n),
        "yb": expit(0.3 * x + rng.normal(scale=0.5, size=n)),
        "time": np.exp(0.3 * x + rng.normal(size=n)),
        "died": (rng.random(n) < 0.8).astype(float),
    })


# -- syntax ------------------------------------------------------------------------------

@pytest.mark.parametrize("command,canonical", [
    ("fmm 2: ivregress y x1 (y2 = z1 z2), nocons",
     "fmm 2: ivregress y (y2 = z1 z2) x1, noconstant"),
    ("fmm 2: ivreg y (y2 y3 = z1 z2 z3)", "fmm 2: ivregress y (y2 y3 = z1 z2 z3)"),
    ("fmm 2: tobit y x, ll ul(5)", "fmm 2: tobit y x, ll ul(5)"),
    ("fmm 2: tobit y x, ll(lo)", "fmm 2: tobit y x, ll(lo)"),
    ("fmm 3: truncreg y x, ll(0) ul(hi)", "fmm 3: truncreg y x, ll(0) ul(hi)"),
    ("fmm 2: intreg lo hi x", "fmm 2: intreg lo hi x"),
    ("fmm 2: betareg y x, link(prob)", "fmm 2: betareg y x, link(probit)"),
    ("fmm 2: streg x, d(e)", "fmm 2: streg x, distribution(exponential)"),
    ("fmm 2: streg, dist(llogistic)", "fmm 2: streg, distribution(loglogistic)"),
    ("fmm 2: streg x, distribution(logn)", "fmm 2: streg x, distribution(lognormal)"),
    ("fmm: (tobit y x, ll(0)) (intreg lo hi x) (streg x, dist(weib))",
     "fmm: (tobit y x, ll(0)) (intreg lo hi x) (streg x, distribution(weibull))"),
    ("fmm 2: glm y x, family(loglogistic)", "fmm 2: glm y x, family(loglogistic)"),
])
def test_commands_round_trip(command, canonical):
    spec = parse_command(command)
    assert str(spec) == canonical
    assert parse_command(str(spec)) == spec


def test_ivregress_group_variables_are_model_variables():
    eq = parse_command("fmm 2: ivregress y x1 (y2 = z1 z2)").components[0].equations[0]
    assert eq.variables() == ("y", "x1", "y2", "z1", "z2")


@pytest.mark.parametrize("command,message", [
    ("fmm 2: ivregress y x", "requires 1 group"),
    ("fmm 2: regress y (x = z)", "does not take"),
    ("fmm 2: ivregress y ~ x", "not the formula form"),
    ("fmm 2: ivregress y (x = )", "both sides"),
    ("fmm 2: betareg y, link(log)", "unknown link"),
    ("fmm 2: streg x, distribution(gompertz)", "unknown distribution"),
    ("fmm 2: truncreg y, ll", "requires an argument"),
])
def test_syntax_errors(command, message):
    with pytest.raises(FMMSyntaxError, match=message):
        parse_command(command)


@pytest.mark.parametrize("command,message", [
    ("2: ivregress yiv (i.xe = z)", "listed by name"),
    ("2: ivregress yiv (xe w = z)", "not identified"),
    ("2: streg x", "requires distribution"),
    ("2: glm y x, family(gamma) link(identity)", "not allowed with family"),
    ("2: glm yb x, family(beta) link(log)", "not allowed with family"),
])
def test_model_errors(df, command, message):
    with pytest.raises(FMMSyntaxError, match=message):
        fmmpy.fmm(command, data=df, log=False)


# -- data rules ----------------------------------------------------------------------------

@pytest.mark.parametrize("command,data,message", [
    ("2: betareg y x", None, "greater than 0 and less than 1"),
    ("2: intreg lo hi x", None, "must not exceed"),
    ("2: truncreg y x, ll(0)", None, "outside the"),
    ("2: glm y x, family(gamma)", None, "must be positive"),
    ("2: glm y x, family(weibull)", None, "must be positive"),
    ("2: streg x, distribution(weibull)", None, "_t not found"),
    ("2: tobit y x, ll(1) ul(0)", None, "below the upper limit"),
])
def test_outcomes_the_model_cannot_take(df, command, data, message):
    frame = df.assign(hi=df["lo"] - 1) if "intreg" in command else df
    with pytest.raises(FMMDataError, match=message):
        fmmpy.fmm(command, data=frame, log=False)


def test_intreg_sample_uses_censored_rows_and_drops_rows_without_bounds(df):
    frame = df.copy()
    frame.loc[:4, ["lo", "hi"]] = np.nan
    before = frame.copy()
    res = fmmpy.fmm("1: intreg lo hi x", data=frame, log=False)
    assert res.nobs == len(frame) - 5
    pd.testing.assert_frame_equal(frame, before)     # the caller's data are untouched


def test_tobit_missing_variable_limit_means_no_censoring(df):
    res = fmmpy.fmm("1: tobit yc x, ll(lim)", data=df, log=False)
    assert res.nobs == len(df)
    # Where the limit is missing an observation at the limit is a point, not censored:
    # the fit equals one with the limit -inf there.
    alt = fmmpy.fmm("1: tobit yc x, ll(lim2)", data=df.assign(
        lim2=df["lim"].fillna(-1e300)), log=False)
    assert res.llf == pytest.approx(alt.llf, rel=1e-12)
    # A limit variable that is also a covariate must be complete.
    with pytest.warns(fmmpy.FMMCollinearityWarning):      # lim is 0 where not missing
        both = fmmpy.fmm("1: tobit yc x lim, ll(lim)", data=df, log=False)
    assert both.nobs == int(df["lim"].notna().sum())


def test_tobit_ll_without_value_is_the_sample_minimum(df):
    a = fmmpy.fmm("1: tobit yc x, ll", data=df, log=False)
    b = fmmpy.fmm("1: tobit yc x, ll(0)", data=df, log=False)
    assert df["yc"].min() == 0.0
    assert a.llf == pytest.approx(b.llf, rel=1e-12)


# -- labels and tables -----------------------------------------------------------------------

@pytest.mark.parametrize("command,rows", [
    ("1: tobit yc x, ll(0)", ["var(e.yc)", "Model          : tobit"]),
    ("1: ivregress yiv w (xe = z)", ["cov(e.yiv~e)", "var(e.xe)", "Endogenous     : xe"]),
    ("1: betareg yb x", ["/yb", "ln_phi", "Link           : logit"]),
    ("1: glm time x, family(weibull)", ["/time", "ln_p", "Family         : Weibull"]),
    ("1: glm time x, family(gamma)", ["logs", "Family         : gamma"]),
])
def test_tables_show_stata_labels(df, command, rows):
    text = fmmpy.fmm(command, data=df, log=False).summary()
    for r in rows:
        assert r in text


def test_covariance_row_has_a_z_statistic(df):
    res = fmmpy.fmm("1: ivregress yiv w (xe = z)", data=df, log=False)
    label = abbrev("cov(e.yiv,e.xe)", 12)                 # Stata abbreviates long labels
    line = next(ln for ln in res.summary().splitlines() if ln.startswith(label))
    z = res.params["1.Class:yiv:cov(e.yiv,e.xe)"] / res.bse["1.Class:yiv:cov(e.yiv,e.xe)"]
    assert f"{z:.2f}" in line
    assert np.isfinite(res.zvalues["1.Class:yiv:cov(e.yiv,e.xe)"])


# -- predictions --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def st(df):
    return fmmpy.stset(df, "time", failure="died")


def test_predict_survival_marginal_is_the_class_weighted_sum(st):
    res = fmmpy.fmm("2: streg x, distribution(weibull)", data=st, log=False)
    s = res.predict("survival")
    pi = res.predict("classpr")
    marginal = res.predict("survival", marginal=True)
    assert np.allclose(marginal, (s.to_numpy() * pi.to_numpy()).sum(axis=1))
    dist = res.predict("distribution")
    assert np.allclose(s.to_numpy() + dist.to_numpy(), 1.0)


def test_predict_streg_statistics_are_the_weibull_functions(st):
    res = fmmpy.fmm("1: streg x, distribution(weibull)", data=st, log=False)
    xb = res.predict("eta").to_numpy()
    p = np.exp(res.params["1.Class:/_t:ln_p"])
    weib = stats.weibull_min(c=p, scale=np.exp(-xb / p))
    t = st["_t"].to_numpy()
    assert np.allclose(res.predict("survival"), weib.sf(t))
    assert np.allclose(res.predict("density"), weib.pdf(t))
    assert np.allclose(res.predict("mu"), weib.mean())


def test_predict_betareg_and_tobit(df):
    res = fmmpy.fmm("1: betareg yb x", data=df, log=False)
    eta = res.predict("eta").to_numpy()
    phi = np.exp(res.params["1.Class:/yb:ln_phi"])
    assert np.allclose(res.predict("mu"), expit(eta))
    assert np.allclose(res.predict("distribution"),
                       stats.beta(expit(eta) * phi, expit(-eta) * phi).cdf(df["yb"]))
    tob = fmmpy.fmm("1: tobit yc x, ll(0)", data=df, log=False)
    assert np.allclose(tob.predict("mu"), tob.predict("eta"))
    with pytest.raises(FMMDataError, match="not available"):
        tob.predict("survival")


def test_predict_ivregress_on_new_data(df):
    res = fmmpy.fmm("2: ivregress yiv w (xe = z)", data=df, log=False)
    new = df.iloc[:7].reset_index(drop=True)
    assert np.allclose(res.predict("mu", data=new).to_numpy(),
                       res.predict("mu").iloc[:7].to_numpy())
    assert np.allclose(res.predict("density", data=new).to_numpy(),
                       res.predict("density").iloc[:7].to_numpy())


# -- stset --------------------------------------------------------------------------------

def test_stset_rules():
    data = pd.DataFrame({"t": [1.0, 2.0, np.nan, 3.0, 0.0, 4.0],
                         "f": [1, np.nan, 1, 0, 1, 2],
                         "e": [0.0, 1.0, 0.0, 3.5, 0.0, -1.0]})
    before = data.copy()
    st = fmmpy.stset(data, "t", failure="f", entry="e")
    pd.testing.assert_frame_equal(data, before)
    assert st["_st"].tolist() == [1, 1, 0, 0, 0, 1]
    assert st["_d"].tolist()[:2] == [1.0, 0.0]          # missing failure: censored
    assert st["_d"].iloc[5] == 1.0                       # any nonzero value is a failure
    assert st["_t0"].iloc[5] == 0.0                      # entry before 0 is 0
    with pytest.raises(FMMDataError, match="not found"):
        fmmpy.stset(data, "t", failure="nosuch")


# -- EM with Newton M-steps ---------------------------------------------------------------

@pytest.mark.parametrize("command", ["2: tobit yc x, ll(0)", "2: intreg lo hi x",
                                     "2: streg x, distribution(gamma)",
                                     "2: ivregress yiv w (xe = z)"])
def test_em_never_lowers_the_likelihood(st, command):
    from fmmpy.design import build_design
    from fmmpy.estimate.em import em_refine
    from fmmpy.estimate.layout import build_layout
    from fmmpy.estimate.model import MixtureModel
    from fmmpy.estimate.start import start_values

    d = build_design(parse_command(command), st)
    m = MixtureModel(d, build_layout(d))
    r = em_refine(m, start_values(m, d.settings.startvalues, None), iterate=25)
    assert np.all(np.diff(np.array(r.ll_history)) >= -1e-8)
