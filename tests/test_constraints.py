"""User constraints (constraints=), their effect on EM, start values, from_=,
noestimate, and the printed report.

References: OLS with an offset (statsmodels) for a k=1 regression with a fixed
coefficient; identities (a class constant fixed at 0 gives probabilities 1/2; EM
never lowers the likelihood; constraints hold exactly at the estimates).
"""

from __future__ import annotations


import numpy as np
import pytest
import statsmodels.api as sm

import fmmpy
from fmmpy.design import build_design
from fmmpy.errors import FMMSyntaxError
from fmmpy.estimate.em import em_refine
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.estimate.start import start_values
from fmmpy.constraints import apply_constraints
from fmmpy.parse import parse_command

def test_k1_fixed_coefficient_equals_ols_with_offset(mixreg):
    res = fmmpy.fmm("1: regress y x z", data=mixreg, log=False, constraints={"1.Class:y:z": 0.25})
    ols = sm.OLS(mixreg["y"] - 0.25 * mixreg["z"], sm.add_constant(mixreg[["x"]])).fit()
    n = len(mixreg)
    assert res.params["1.Class:y:z"] == 0.25 and res.bse["1.Class:y:z"] == 0.0
    assert res.params["1.Class:y:x"] == pytest.approx(ols.params["x"], rel=1e-8)
    assert res.params["1.Class:y:_cons"] == pytest.approx(ols.params["const"], rel=1e-8)
    assert res.params["1.Class:y:var(e.y)"] == pytest.approx(ols.ssr / n, rel=1e-8)
    assert res.llf == pytest.approx(ols.llf, rel=1e-10)
    assert res.bse["1.Class:y:x"] == pytest.approx(ols.bse["x"] * np.sqrt((n - 2) / n), rel=1e-6)
    assert np.isnan(res.zvalues["1.Class:y:z"]) and np.isnan(res.pvalues["1.Class:y:z"])
    assert res.df_model == 3
    lines = res.summary().splitlines()
    assert " ( 1)  1.Class:y:z = .25" in lines
    assert "           z |        .25  (constrained)" in lines


def test_fixed_class_constant_gives_equal_probabilities(mixreg):
    res = fmmpy.fmm("2: regress y x", data=mixreg, log=False, constraints={"2.Class:_cons": 0})
    lcprob = res.estat_lcprob().to_frame()
    assert np.allclose(lcprob["margin"], 0.5) and np.allclose(lcprob["se"], 0.0)
    assert "       _cons |          0  (constrained)" in res.summary().splitlines()
    # The start path already satisfies the constraint, and so does noestimate.
    assert res.fit.start_theta[0] == 0.0
    ne = fmmpy.fmm("2, noestimate: regress y x", data=mixreg, log=False,
                   constraints={"2.Class:_cons": 0})
    assert ne.params["2.Class:_cons"] == 0.0


def test_constraint_forms_are_equivalent(mixreg):
    as_dict = fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                        constraints={"1.Class:y:x": "2.Class:y:x"})
    as_pair = fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                        constraints=[("1.Class:y:x", "2.Class:y:x")])
    as_text = fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                        constraints="2.Class:y:x = 1.Class:y:x")
    inv = fmmpy.fmm("2, lcinvariant(coef): regress y x", data=mixreg, log=False)
    for r in (as_pair, as_text, inv):
        assert r.llf == pytest.approx(as_dict.llf, rel=1e-10)
        assert np.allclose(r.params, as_dict.params, rtol=1e-6)
    assert as_dict.params["1.Class:y:x"] == as_dict.params["2.Class:y:x"]
    assert as_text.layout.constraint_text == ("2.Class:y:x - 1.Class:y:x = 0",)


def test_general_linear_constraint_holds_at_the_estimates(mixreg):
    res = fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                    constraints=["1.Class:y:x + 2.Class:y:x = 1.5"])
    assert res.params["1.Class:y:x"] + res.params["2.Class:y:x"] == pytest.approx(1.5, abs=1e-12)
    assert res.df_model == 6
    # The sum has no variance; the difference does.
    v = res.vcov.loc[["1.Class:y:x", "2.Class:y:x"], ["1.Class:y:x", "2.Class:y:x"]].to_numpy()
    assert abs(np.ones(2) @ v @ np.ones(2)) < 1e-12 * v.max()
    free = fmmpy.fmm("2: regress y x", data=mixreg, log=False)
    assert res.llf <= free.llf + 1e-9


def test_variances_fixed_and_equal(mixreg):
    res = fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                    constraints={"1.Class:y:var(e.y)": 0.5})
    assert res.params["1.Class:y:var(e.y)"] == pytest.approx(0.5, rel=1e-14)
    assert "     var(e.y)|         .5  (constrained)" in res.summary().splitlines()
    with pytest.raises(FMMSyntaxError, match="positive"):
        fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                  constraints={"1.Class:y:var(e.y)": 0})
    with pytest.raises(FMMSyntaxError, match="log scale"):
        fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                  constraints="1.Class:y:var(e.y) + 2.Class:y:var(e.y) = 1")
    with pytest.raises(FMMSyntaxError, match="variance"):
        fmmpy.fmm("2: regress y x", data=mixreg, log=False,
                  constraints=[("1.Class:y:var(e.y)", "1.Class:y:x")])


@pytest.mark.parametrize("bad,match", [
    ({"2.Class:y:nosuch": 0}, "unknown parameter"),
    ([("2.Class:_cons", 0), ("2.Class:_cons", 1)], "conflict"),
    (["1.Class:y:x * 2.Class:y:x = 1"], "not linear"),
    ([("2.Class:_cons",)], "cannot read"),
    (42, "constraints= must be"),
])
def test_bad_constraints(mixreg, bad, match):
    with pytest.raises(FMMSyntaxError, match=match):
        fmmpy.fmm("2: regress y x", data=mixreg, log=False, constraints=bad)


def test_numbered_constraints_option_points_to_the_argument(mixreg):
    with pytest.raises(FMMSyntaxError, match="constraints="):
        fmmpy.fmm("2, constraints(1): regress y x", data=mixreg, log=False)


def test_em_with_constraints_never_lowers_the_likelihood(mixreg):
    d = build_design(parse_command("3, lcprob(z) lcinvariant(errvar): regress y x"), mixreg)
    lay = apply_constraints(build_layout(d), {"1.Class:y:x": 0.5})
    m = MixtureModel(d, lay)
    theta0 = start_values(m, d.settings.startvalues, None)
    assert np.allclose(lay.to_theta(lay.to_phi(theta0)), theta0)  # starts feasible
    r = em_refine(m, theta0, iterate=30)
    assert np.all(np.diff(r.ll_history) >= -1e-8)
    assert r.theta[lay.index("1.Class:y:x")] == 0.5
    logv = r.theta[[lay.index(f"{j}.Class:y:var(e.y)") for j in (1, 2, 3)]]
    assert logv[0] == logv[1] == logv[2]


def test_from_start_values_are_projected_onto_the_constraints(mixreg):
    free = fmmpy.fmm("2: regress y x", data=mixreg, log=False)
    res = fmmpy.fmm("2: regress y x", data=mixreg, log=False, from_=free.params,
                    constraints={"2.Class:_cons": 0.2})
    assert res.fit.start_theta[0] == 0.2
    assert res.params["2.Class:_cons"] == 0.2 and res.converged
