"""Bad input within the foundation's scope: typed errors, clear messages."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy import FMMDataError, FMMError, FMMSyntaxError


@pytest.fixture()
def df():
    rng = np.random.default_rng(1)
    return pd.DataFrame({"y": rng.normal(size=40), "x": rng.normal(size=40),
                         "s": ["a"] * 40, "w": np.r_[np.ones(39), 1.5]})


@pytest.mark.parametrize("command,error,fragment", [
    ("2: regress nosuch", FMMDataError, "variable nosuch not found"),
    ("2: regress y xx", FMMDataError, "did you mean x"),
    ("2: nomodel y", FMMSyntaxError, "unknown model"),
    ("0: regress y", FMMSyntaxError, "at least 1"),
    ("1.5: regress y", FMMSyntaxError, "positive integer"),
    ("2 regress y", FMMSyntaxError, "expected ':'"),
    ("2: regress s", FMMDataError, "string variable not allowed"),
    ("2: regress y s", FMMDataError, "string variable not allowed"),
    ("2: glm y, family(lognormal)", FMMDataError, "must be positive for family(lognormal)"),
    ("2 [fw=w]: regress y", FMMDataError, "noninteger frequency weights"),
    ("2 if y > 100: regress y", FMMDataError, "no observations"),
    ("50: regress y", FMMDataError, "50 classes cannot be estimated from 40 observations"),
    ("2, lcbase(3): regress y", FMMSyntaxError, "lcbase(3) out of range"),
    ("2 if y >>> 1: regress y", FMMSyntaxError, "expected"),
    ("2, startvalues(classid nosuch): regress y", FMMDataError, "nosuch not found"),
])
def test_typed_errors(df, command, error, fragment):
    before = df.copy(deep=True)
    with pytest.raises(error) as info:
        fmmpy.fmm(command, data=df, log=False)
    assert fragment in str(info.value)
    assert isinstance(info.value, FMMError)
    pd.testing.assert_frame_equal(df, before)


def test_non_dataframe_data():
    with pytest.raises(FMMDataError, match="must be a pandas DataFrame"):
        fmmpy.fmm("2: regress y", data=[1, 2, 3], log=False)


def test_infinite_values(df):
    data = df.assign(y=df["y"].where(df.index != 3, np.inf))
    with pytest.raises(FMMDataError, match="infinite values"):
        fmmpy.fmm("2: regress y", data=data, log=False)


def test_negative_weights(df):
    with pytest.raises(FMMDataError, match="negative weights"):
        fmmpy.fmm("2 [pw=x]: regress y", data=df, log=False)


def test_predict_bad_requests(fit_regress3):
    with pytest.raises(FMMSyntaxError, match="unknown statistic"):
        fit_regress3.predict("nonsense")
    with pytest.raises(FMMSyntaxError, match="marginal not allowed"):
        fit_regress3.predict("classpr", marginal=True)
    with pytest.raises(FMMSyntaxError, match="out of range"):
        fit_regress3.predict("mu", class_=4)


def test_bad_keyword_option(stamp):
    with pytest.raises(FMMSyntaxError, match="option bogus not allowed"):
        fmmpy.fmm("2: regress thickness", data=stamp, log=False, bogus=1)
