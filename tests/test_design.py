"""The estimation sample and design matrices."""

from __future__ import annotations


import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy.design import build_design
from fmmpy.parse import parse_command


@pytest.fixture()
def df():
    rng = np.random.default_rng(5)
    n = 60
    return pd.DataFrame({
        "y": rng.normal(size=n), "x": rng.normal(size=n), "t": rng.uniform(1, 2, size=n),
        "g": rng.integers(1, 4, size=n), "h": rng.choice(["a", "b"], size=n),
    })


def design(cmd, data):
    return build_design(parse_command(cmd), data)


def test_listwise_deletion_and_counts(df):
    data = df.copy()
    data.loc[[0, 1], "x"] = np.nan
    data.loc[2, "y"] = np.nan
    d = design("2 if g != 3: regress y x", data)
    keep = (data["g"] != 3) & data["x"].notna() & data["y"].notna()
    assert d.nobs == int(keep.sum())
    assert d.n_dropped == int((data["g"] != 3).sum() - keep.sum())
    assert list(d.index) == list(data.index[keep])


def test_in_range_and_missing_in_if(df):
    data = df.copy()
    data.loc[5, "x"] = np.nan
    d = design("2 if x > 0 in 1/30: regress y", data)
    # Stata: missing x satisfies x > 0; in 1/30 keeps the first 30 rows.
    expected = [i for i in range(30) if (data.loc[i, "x"] > 0) or np.isnan(data.loc[i, "x"])]
    assert list(d.index) == expected
    assert design("2 in -10/l: regress y", df).nobs == 10


def test_factor_variables_and_names(df):
    d = design("2: regress y i.g ib3.g#c.x c.t#c.t h##c.x", df)
    names = d.classes[0].equations[0].xnames
    assert names[:2] == ("2.g", "3.g")
    # Without a c.x main effect every level gets its own slope, as in Stata.
    assert {"1.g#c.x", "2.g#c.x", "3.g#c.x"} <= set(names)
    assert "c.t#c.t" in names and names[-1] == "_cons"
    X = d.classes[0].equations[0].X["main"]
    col = names.index("c.t#c.t")
    assert np.allclose(X[:, col], df["t"] ** 2)
    assert np.allclose(X[:, names.index("2.g")], (df["g"] == 2).astype(float))
    assert "b.h" in names and "b.h#c.x" in names


def test_formula_form_matches_varlist(df):
    a = design("2: regress y i.g c.x#c.x", df).classes[0].equations[0]
    b = design("2: regress y ~ C(g) + I(x**2)", df).classes[0].equations[0]
    assert np.allclose(a.X["main"], b.X["main"])


def test_collinear_covariate_omitted_with_note(df):
    data = df.assign(x2=2 * df["x"], c=1.0)
    with pytest.warns(fmmpy.FMMCollinearityWarning) as record:
        d = design("2: regress y x x2 c", data)
    assert [str(w.message) for w in record] == [
        "note: x2 omitted because of collinearity.", "note: c omitted because of collinearity."]
    assert d.classes[0].equations[0].xnames == ("x", "_cons")
    assert "note: c omitted because of collinearity." in d.notes


def test_wildcards_and_ranges(df):
    data = df.assign(x1=df["x"] ** 3, x2=df["t"])
    assert design("2: regress y x*", data).classes[0].equations[0].xnames == ("x", "x1", "x2", "_cons")
    assert design("2: regress y x1-x2", data).classes[0].equations[0].xnames == ("x1", "x2", "_cons")


def test_prediction_design_rebuilds_same_columns(df):
    d = design("2: regress y i.g c.x#c.t", df)
    new = df.iloc[[3, 1]].copy()
    p = d.for_prediction(new)
    assert np.allclose(p.classes[0].equations[0].X["main"],
                       d.classes[0].equations[0].X["main"][[3, 1]])


def test_predict_aligns_to_index_with_nan_outside_sample(df):
    data = df.copy().set_index(pd.Index([f"r{i}" for i in range(len(df))]))
    data.iloc[0, data.columns.get_loc("y")] = np.nan
    res = fmmpy.fmm("2: regress y x", data=data, log=False)
    mu = res.predict("mu", marginal=True)
    assert mu.index.equals(data.index) and np.isnan(mu.iloc[0]) and mu.iloc[1:].notna().all()
    post = res.predict("classposteriorpr")
    assert list(post.columns) == ["classposteriorpr1", "classposteriorpr2"]
    assert np.allclose(post.iloc[1:].sum(axis=1), 1.0)
    mu_new = res.predict("mu", marginal=True, data=data)
    assert mu_new.notna().all()  # covariates complete: predicted even where y is missing
    assert np.isnan(res.predict("density", marginal=True, data=data).iloc[0])
    assert res.predict("mu", class_=2).name == "mu2"
    assert np.allclose(res.predict("classpr").iloc[1:].to_numpy().sum(axis=1), 1.0)
