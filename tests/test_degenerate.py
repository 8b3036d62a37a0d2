"""Degenerate solutions: each crafted case produces its message, its flag and its
warning; k never changes; every missing standard error is explained.

The data are crafted so that the degenerate feature is certain: a class started on a
repeated value with a tiny variance (the likelihood grows without bound as the
variance shrinks), a class started with probability 1e-13, the all-zero start (every
class identical, and EM keeps them identical), Newton-Raphson stopped after one
iteration at a point where the Hessian is not negative definite (the seed's log marks
stamp iteration 1 "(not concave)").
"""

from __future__ import annotations

import re
import warnings

import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy.design import build_design
from fmmpy.errors import (FMMConvergenceWarning, FMMDataError, FMMDegenerateWarning,
                          FMMNotConcaveWarning)
from fmmpy.estimate.diagnose import diagnose
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.parse import parse_command


@pytest.fixture(scope="module")
def tied():
    rng = np.random.default_rng(5)
    y = np.round(np.concatenate([rng.normal(0, 1, 60), rng.normal(4, 1, 60)]), 1)
    return pd.DataFrame({"y": y})


def run(command, df, **kw):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        res = fmmpy.fmm(command, data=df, log=False, search=False, **kw)
    return res, {w.category for w in caught}


def assert_missing_se_explained(res):
    missing = [n for n, se in res.bse.items() if np.isnan(se)]
    assert missing, "the case should leave some standard errors missing"
    notes = [w for w in res.warnings if "variance matrix is nonsymmetric or highly singular" in w]
    assert len(notes) == 1
    for name in missing:
        assert name in notes[0]


def test_variance_collapsing_onto_a_repeated_value(tied):
    values, counts = np.unique(tied["y"], return_counts=True)
    tie = values[np.argmax(counts)]
    res, cats = run("2: regress y", tied, from_=[0.0, 2.0, 4.0, tie, 1e-6], iterate=40)
    assert res.k == 2 and len(res.params) == 5
    assert res.degenerate and not res.converged
    (d,) = res.diagnostics
    assert d.kind == "collapsed" and d.classes == (2,)
    assert "class 2 collapsed onto 1 distinct value of y" in d.message
    assert "likelihood is unbounded" in d.message and d.message in res.warnings
    assert {FMMDegenerateWarning, FMMConvergenceWarning} <= cats
    assert "convergence not achieved" in res.warnings
    assert_missing_se_explained(res)
    assert "because of the degenerate solution above" in str(res).replace("\n         ", " ")


def test_class_probability_at_the_boundary(tied):
    res, cats = run("2: regress y", tied, from_=[-30.0, 2.0, 4.0, 10.0, 1.0], iterate=30)
    assert res.k == 2 and res.degenerate
    kinds = {d.kind: d for d in res.diagnostics}
    assert "boundary" in kinds and kinds["boundary"].classes == (2,)
    assert "class 2's probability is at the boundary" in kinds["boundary"].message
    assert FMMDegenerateWarning in cats
    assert_missing_se_explained(res)
    for name in ("2.Class:_cons", "2.Class:y:_cons", "2.Class:y:var(e.y)"):
        assert np.isnan(res.bse[name])


def test_identical_classes_from_the_zero_start(stamp):
    res, cats = run("3: regress thickness", stamp, startvalues="zero", iterate=20)
    (d,) = res.diagnostics
    assert d.kind == "identical" and d.classes == (1, 2, 3)
    assert "classes 1, 2 and 3 have the same estimates" in d.message
    assert res.k == 3 and FMMDegenerateWarning in cats
    # Identical classes: the fit is the one-class fit.
    y = stamp["thickness"].to_numpy(dtype=float)
    one = -0.5 * len(y) * (np.log(2 * np.pi * y.var()) + 1)
    assert res.llf == pytest.approx(one, rel=1e-9)
    assert_missing_se_explained(res)


def test_empty_class(tied):
    d = build_design(parse_command("2: regress y"), tied)
    m = MixtureModel(d, build_layout(d))
    # Probability 1e-3 (not at the boundary) on a class far from every observation.
    theta = np.array([np.log(1e-3 / (1 - 1e-3)), 2.0, np.log(5.0), 100.0, 0.0])
    (x,) = diagnose(m, theta)
    assert x.kind == "empty" and x.classes == (2,) and "class 2 is empty" in x.message


def test_not_concave_where_newton_raphson_stopped(stamp):
    res, cats = run("3: regress thickness", stamp, iterate=1)
    assert not res.converged and not res.degenerate
    assert {FMMConvergenceWarning, FMMNotConcaveWarning} <= cats
    assert_missing_se_explained(res)
    assert any("Hessian is not negative definite" in w for w in res.warnings)


def test_regular_fit_has_no_diagnostics(fit_regress3):
    assert not fit_regress3.degenerate and fit_regress3.diagnostics == ()
    assert not np.isnan(fit_regress3.bse).any()


@pytest.mark.parametrize("k", [1, 2])
def test_constant_outcome_is_a_data_error(k):
    df = pd.DataFrame({"y": np.full(30, 2.5), "x": np.arange(30.0)})
    with pytest.raises(FMMDataError, match=re.escape("y is constant in the estimation sample "
                                                     "(every value is 2.5)")):
        fmmpy.fmm(f"{k}: regress y x", data=df, log=False)


def test_too_few_distinct_values_for_k_classes():
    df = pd.DataFrame({"y": np.tile([1.0, 2.0, 3.0], 20)})
    with pytest.raises(FMMDataError, match="only 3 distinct values .* too few for 3 classes"):
        fmmpy.fmm("3: regress y", data=df, log=False)
    with pytest.raises(FMMDataError, match="too few for 4 classes"):
        fmmpy.fmm("4: glm y, family(lognormal)", data=df, log=False)
    res, _ = run("2: regress y", df)
    assert res.k == 2
