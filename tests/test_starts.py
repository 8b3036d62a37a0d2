"""startvalues() methods, draws(), seeds, warm starts and the search for a higher
maximum.

Numbers: 1518.8484 and 1511.311 are Stata's (the seed's stamp output and the
lognormal posterior table behind REFERENCE_NOTES); 1511.958 is the higher lognormal
maximum recorded in REFERENCE_NOTES.  Everything else is an identity (a start method
that reproduces another start gives the same fit; a hand-computed draw equals the
method's draw).
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy.design import build_design
from fmmpy.errors import FMMDataError, FMMLocalMaximumWarning, FMMSyntaxError
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.estimate.start import start_values
from fmmpy.parse import parse_command
from fmmpy.parse.spec import StartValues

LOGNORMAL = "3: glm thickness, family(lognormal)"


def fit(df, command="3: regress thickness", **kw):
    kw.setdefault("search", False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", fmmpy.FMMWarning)
        return fmmpy.fmm(command, data=df, log=False, **kw)


@pytest.fixture(scope="module")
def stamp_groups(stamp):
    """The factor groups by hand: class = floor(3 (rank - 1) / n) + 1 in thickness order."""
    y = stamp["thickness"].to_numpy()
    rank = np.empty(len(y), int)
    rank[np.argsort(y, kind="stable")] = np.arange(len(y))
    g = np.floor(3 * rank / len(y)).astype(int) + 1
    P = np.eye(3)[g - 1] * 7.0       # classpr is normalized within each observation
    return stamp.assign(g=g, p1=P[:, 0], p2=P[:, 1], p3=P[:, 2])


def test_classid_and_classpr_of_the_factor_groups_equal_the_default(stamp_groups):
    default = fit(stamp_groups)
    by_id = fit(stamp_groups, startvalues="classid g")
    by_pr = fit(stamp_groups, startvalues="classpr p1 p2 p3")
    assert default.llf == pytest.approx(1518.8484, abs=5e-5)
    for other in (by_id, by_pr):
        assert np.allclose(other.params, default.params, rtol=1e-9, atol=1e-12)
    assert by_id.iteration_log == default.iteration_log


def test_randomid_draws1_equals_hand_computed_start(stamp):
    hand = np.random.default_rng(5).integers(0, 3, size=len(stamp)) + 1
    by_hand = fit(stamp.assign(g=hand), startvalues="classid g")
    drawn = fit(stamp, startvalues="randomid, draws(1) seed(5)")
    assert np.array_equal(drawn.fit.start_theta, by_hand.fit.start_theta)
    assert np.allclose(drawn.params, by_hand.params, rtol=1e-12, atol=1e-15)


def test_randomid_without_seed_uses_seed_0(stamp):
    a = fit(stamp, "2: regress thickness", startvalues="randomid")
    b = fit(stamp, "2: regress thickness", startvalues="randomid, seed(0)")
    assert np.array_equal(a.fit.start_theta, b.fit.start_theta)


def test_jitter_draw_equals_hand_computed_start(stamp):
    d = build_design(parse_command("2: regress thickness"), stamp)
    m = MixtureModel(d, build_layout(d))
    theta = start_values(m, StartValues("jitter", (0.5, 2.0), seed=3), None)
    y = stamp["thickness"].to_numpy(dtype=float)
    mean, var = y.mean(), y.var()
    rng = np.random.default_rng(3)
    expected = [0.0]                   # class probabilities start equal
    for _ in range(2):                 # class by class: mean, then log variance
        z = rng.standard_normal(2)
        # One observation's spread: sd(y) for the mean, sqrt(2) for the log variance.
        expected += [mean + 0.5 * z[0] * np.sqrt(var), np.log(var) + 2.0 * z[1] * np.sqrt(2)]
    assert np.allclose(theta, expected, rtol=1e-8)


def test_zero_starts_every_parameter_at_zero(stamp):
    d = build_design(parse_command("2: regress thickness"), stamp)
    m = MixtureModel(d, build_layout(d))
    assert not start_values(m, StartValues("zero"), None).any()
    res = fit(stamp, "2: regress thickness", startvalues="zero", emopts="iterate(0)",
              noestimate=True)
    # One EM step from theta = 0: the classes start equal and stay equal.
    p = res.params
    assert p["2.Class:_cons"] == pytest.approx(0.0, abs=1e-12)
    assert p["1.Class:thickness:_cons"] == p["2.Class:thickness:_cons"]


@pytest.mark.parametrize("method", ["randomid", "randompr", "jitter", "jitter 0.3 0.3"])
def test_same_seed_same_result_and_seeds_differ(stamp, method):
    a = fit(stamp, "2: regress thickness", startvalues=f"{method}, draws(3) seed(11)")
    b = fit(stamp, "2: regress thickness", startvalues=f"{method}, draws(3) seed(11)")
    c = fit(stamp, "2: regress thickness", startvalues=f"{method}, draws(3) seed(12)")
    assert np.array_equal(a.params.to_numpy(), b.params.to_numpy())
    assert a.multistart.to_frame().equals(b.multistart.to_frame())
    assert not np.allclose(a.multistart.to_frame()["em_ll"], c.multistart.to_frame()["em_ll"])


def test_draws_choose_the_best_em_log_likelihood(stamp):
    res = fit(stamp, LOGNORMAL, startvalues="randompr, draws(5) seed(4)")
    frame = res.multistart.to_frame()
    assert res.multistart.chosen == int(np.argmax(frame["em_ll"]))
    assert res.fit.start_theta is not None
    assert "Random starting values (randompr, 5 draws):" in res.iteration_log
    assert f"Best draw: {res.multistart.chosen + 1}" in res.iteration_log
    assert frame["ll"].iloc[res.multistart.chosen] == pytest.approx(res.llf)


def test_stamp_lognormal_randompr_20_draws_reaches_the_higher_maximum(stamp):
    res = fit(stamp, LOGNORMAL, startvalues="randompr, draws(20) seed(1)")
    assert res.converged and not res.degenerate
    assert round(res.llf, 3) == 1511.958


def test_default_fit_keeps_stata_solution_and_reports_the_higher_one(stamp, fit_lognormal3):
    with pytest.warns(FMMLocalMaximumWarning, match="1511.958"):
        res = fmmpy.fmm(LOGNORMAL, data=stamp, log=False)
    plain = fit(stamp, LOGNORMAL, search=False)
    assert round(res.llf, 3) == 1511.311
    assert np.array_equal(res.params.to_numpy(), plain.params.to_numpy())
    assert np.array_equal(res.bse.to_numpy(), plain.bse.to_numpy())
    assert plain.multistart is None
    ms = res.multistart
    assert ms.better and round(ms.best_ll, 3) == 1511.958 and ms.n_best >= 1
    assert ms.to_frame().loc["reported", "ll"] == pytest.approx(res.llf)
    text = str(res)
    assert "higher log likelihood, 1511.9584" in text
    assert "startvalues(randompr, draws(10) seed(1))" in text
    # Both ways of getting it that the note and res.multistart offer work.
    again = fit(stamp, LOGNORMAL, startvalues=ms.option)
    assert round(again.llf, 3) == 1511.958
    start = fit(stamp, LOGNORMAL, from_=ms.best_params)
    assert round(start.llf, 3) == 1511.958
    assert str(fit_lognormal3).count("Warning:") == 1


def test_search_finds_nothing_higher_on_stamp_normal(fit_regress3):
    ms = fit_regress3.multistart
    assert ms is not None and not ms.better and not fit_regress3.warnings
    assert ms.n_best >= 1 and ms.best_ll == pytest.approx(fit_regress3.llf)


def test_search_budget_and_progress(stamp):
    events = []
    res = fit(stamp, "2: regress thickness", search={"draws": 4, "seed": 3},
              progress=events.append)
    assert [e.done for e in events] == [1, 2, 3, 4]
    assert {e.stage for e in events} == {"search"} and events[0].total == 4
    assert len(res.multistart.starts) == 5
    assert fit(stamp, "2: regress thickness", search=0).multistart is None
    with pytest.raises(FMMSyntaxError):
        fit(stamp, "2: regress thickness", search="many")


def test_warm_start_from_k_minus_1(stamp, fit_regress3):
    two = fit(stamp, "2: regress thickness")
    three = fit(stamp, "3: regress thickness", start_from=two)
    assert three.llf == pytest.approx(fit_regress3.llf, abs=1e-6)
    with pytest.raises(FMMDataError, match="2 classes"):
        fit(stamp, "3: regress thickness", start_from=fit_regress3)


def test_same_data_and_options_give_identical_output(stamp):
    a = fmmpy.fmm("3: regress thickness", data=stamp, log=False)
    b = fmmpy.fmm("3: regress thickness", data=stamp, log=False)
    assert str(a) == str(b)
    assert np.array_equal(a.params.to_numpy(), b.params.to_numpy())


@pytest.mark.parametrize("option,error,fragment", [
    ("classid g", FMMDataError, "class numbers 1 to 3"),
    ("classid h", FMMDataError, "class 3 not represented"),
    ("classid m", FMMDataError, "missing value"),
    ("classpr p1 p2", FMMSyntaxError, "3 variables required"),
    ("classpr p1 p2 neg", FMMDataError, "nonnegative"),
    ("factor, draws(3)", FMMSyntaxError, "does not allow draws()"),
])
def test_start_method_errors(stamp, option, error, fragment):
    n = len(stamp)
    df = stamp.assign(g=np.arange(n) % 3 + 2, h=np.arange(n) % 2 + 1,
                      m=np.where(np.arange(n) == 0, np.nan, np.arange(n) % 3 + 1),
                      p1=1.0, p2=1.0, neg=-1.0)
    before = df.copy()
    with pytest.raises(error, match=fragment.replace("(", r"\(").replace(")", r"\)")):
        fit(df, startvalues=option)
    pd.testing.assert_frame_equal(df, before)
