"""Bad and hostile input over every entry point (issue 9).

Every case asserts the exact error type, that the message names the problem, and that
the caller's DataFrame is unchanged.  Sections:

1. ``fmmpy.fmm``: commands (syntax, models and options, k, variables, support,
   weights, ``if``, empty samples, starts, ``lcbase``, NaN/inf and column types,
   hostile text) and keyword arguments.
2. What is not an error: collinear covariates (Stata's note), listwise deletion
   (counted in ``res.n_dropped``), huge and tiny scales.
3. Postestimation: ``predict``, ``estat_*``, ``conf_int``/``tidy``/exports, ``test``,
   ``lrtest``, ``relabel``, ``plot``.
4. ``stset``, ``datasets.load``, ``select_k``.
5. The do-file runner (``fmmpy.dofile``) and the command line (``python -m fmmpy``).
6. No user text is executed: the package source has no ``eval``/``exec``, and
   formulaic only sees formula text fmmpy writes.

The property-based counterparts are in tests/test_properties.py.
"""

from __future__ import annotations

import ast
import io
import re
import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy import (FMMCollinearityWarning, FMMConvergenceError, FMMDataError, FMMError,
                   FMMSyntaxError, FMMWarning)
from fmmpy.cli import main
from fmmpy.dofile import DoFileError, Session

PACKAGE = Path(fmmpy.__file__).resolve().parent
N = 40


def make_data(n: int = N, seed: int = 1) -> pd.DataFrame:
    """Two well separated classes in y, a covariate x and its double x2, and columns of
    every kind the cases need."""
    rng = np.random.default_rng(seed)
    cls = np.arange(n) % 2
    x = rng.normal(size=n)
    return pd.DataFrame({
        "y": np.where(cls == 1, 3.0, -1.0) + 0.5 * x + rng.normal(scale=0.6, size=n),
        "x": x, "x2": 2.0 * x, "z": rng.normal(size=n),
        "g": (np.arange(n) % 3) + 1, "s": ["a"] * n,
        "pos": rng.gamma(2.0, size=n) + 0.1, "u": rng.uniform(0.05, 0.95, size=n),
        "w": rng.integers(1, 3, size=n), "wf": np.r_[np.ones(n - 1), 1.5],
        "allnan": np.nan, "t": rng.gamma(2.0, size=n) + 0.1, "d": cls,
    })


@pytest.fixture()
def df():
    return make_data()


def expect(error: type[Exception], fragment: str, call, frame: pd.DataFrame | None = None):
    """Run ``call``; it must raise exactly ``error`` naming ``fragment``, leaving ``frame``
    as it was."""
    before = None if frame is None else frame.copy(deep=True)
    with pytest.raises(FMMError) as info:
        call()
    assert type(info.value) is error, f"{type(info.value).__name__}: {info.value}"
    assert fragment in str(info.value), str(info.value)
    if frame is not None:
        pd.testing.assert_frame_equal(frame, before)
    return info.value


# ---------------------------------------------------------------------------
# 1. fmmpy.fmm: commands
# ---------------------------------------------------------------------------

def _set(col: str, value: float):
    return lambda d: d.assign(**{col: d[col].where(d.index != 3, value)})


DATA = {
    "y_inf": _set("y", np.inf),
    "x_minus_inf": _set("x", -np.inf),
    "wf_inf": _set("wf", np.inf),
    "y_complex": lambda d: d.assign(y=d["y"] + 1j),
    "x_datetime": lambda d: d.assign(x=pd.Timestamp("2020-01-01")),
    "y_object": lambda d: d.assign(y=d["y"].astype(object)),
    "c_no_class2": lambda d: d.assign(c=np.where(d.index % 2 == 0, 1, 3)),
    "pr_zero": lambda d: d.assign(p1=1.0, p2=0.0),
}

S, D, C = FMMSyntaxError, FMMDataError, FMMConvergenceError
COMMANDS = [
    # empty or malformed commands
    ("empty", "", None, S, "empty command"),
    ("blank", "   ", None, S, "empty command"),
    ("no colon", "fmm 3 regress y", None, S, "expected ':' between the fmm options and the model"),
    ("double colon", "2:: regress y", None, S, "expected a model name"),
    ("empty option", "2: regress y, ,", None, S, "expected an option name, found ','"),
    ("no depvar", "2: regress", None, S, "regress requires a dependent variable"),
    ("no model", "2:", None, S, "expected a model after ':'"),
    ("bad name", "2: regress y 1x", None, S, "'1x' is not a valid variable name"),
    # unbalanced parentheses
    ("open hybrid", "fmm 2: (regress y", None, S, "'(' is never closed by ')'"),
    ("extra close", "fmm: (regress y)) (regress y)", None, S, "unmatched ')'"),
    ("open if", "2 if (y > 0: regress y", None, S, "'(' is never closed by ')'"),
    ("open brace", "2: regress y ~ {x", None, S, "'{' is never closed by '}'"),
    ("open weight", "2 [fw=w: regress y", None, S, "'[' is never closed by ']'"),
    # unknown models, options, families, links, weights
    ("unknown model", "2: nomodel y", None, S, "unknown model 'nomodel'"),
    ("unknown fmm option", "2, bogus: regress y", None, S, "option bogus not allowed with fmm"),
    ("unknown model option", "2: regress y, bogus", None, S,
     "option bogus not allowed with regress"),
    ("unknown family", "2: glm pos, family(foo)", None, S, "unknown family 'foo'"),
    ("unknown link", "2: glm pos, family(gamma) link(foo)", None, S, "unknown link 'foo'"),
    ("link not allowed", "2: glm y, family(gaussian) link(log)", None, S,
     "link(log) is not allowed with family(gaussian)"),
    ("aweights", "2 [aw=w]: regress y", None, S, "aweights not allowed with fmm"),
    ("unknown vce", "2, vce(foo): regress y", None, S, "vce(foo) not allowed"),
    ("level out of range", "2, level(5): regress y", None, S, "between 10 and 99.99"),
    ("unknown startvalues", "2, startvalues(foo): regress y", None, S,
     "unknown startvalues() method 'foo'"),
    # the number of classes
    ("k zero", "0: regress y", None, S, "the number of classes must be at least 1"),
    ("k negative", "-1: regress y", None, S, "must be a positive integer, found -1"),
    ("k fractional", "1.5: regress y", None, S, "must be a positive integer, found 1.5"),
    ("k exponent", "1e3: regress y", None, S, "must be a positive integer, found 1e3"),
    ("k > rows", "50: regress y", None, D, "50 classes cannot be estimated from 40 observations"),
    ("k absurd", "99999999999999999999999: regress y", None, D,
     "classes cannot be estimated from 40 observations"),
    ("k > sample", "3 in 1/2: regress y", None, D,
     "3 classes cannot be estimated from 2 observations"),
    ("k >= distinct values", "2 in 1/2: regress y", None, D,
     "only 2 distinct values in the estimation sample, too few for 2 classes"),
    # unknown or string variables
    ("unknown depvar", "2: regress nosuch", None, D, "variable nosuch not found"),
    ("near miss", "2: regress y xx", None, D, "variable xx not found; did you mean x"),
    ("string depvar", "2: regress s", None, D,
     "s: string variable not allowed as a dependent variable"),
    ("string covariate", "2: regress y s", None, D,
     "s: string variable not allowed as a continuous covariate"),
    ("string lcprob", "2, lcprob(s): regress y", None, D, "s: string variable not allowed"),
    ("object column", "2: regress y", "y_object", D, "string (object dtype) variable"),
    ("no match", "2: regress y q*", None, D, "no variables match q*"),
    ("backwards range", "2: regress y z-x", None, D, "variable range z-x runs backwards"),
    ("missing base level", "2: regress y ib9.g", None, D, "g has no level 9"),
    # outcomes outside a family's support
    ("lognormal", "2: glm y, family(lognormal)", None, D, "must be positive for family(lognormal)"),
    ("gamma", "2: glm y, family(gamma)", None, D, "must be positive for the gamma distribution"),
    ("betareg", "2: betareg pos", None, D, "greater than 0 and less than 1"),
    ("glm beta", "2: glm y, family(beta)", None, D, "greater than 0 and less than 1"),
    ("truncreg", "2: truncreg y, ll(0)", None, D, "lie outside the truncation limits"),
    ("intreg", "2: intreg y x", None, D, "the lower bound must not exceed the upper bound"),
    ("tobit limits", "2: tobit y, ll(5) ul(-5)", None, D, "must be below the upper limit"),
    # weights
    ("fractional fweights", "2 [fw=wf]: regress y", None, D, "noninteger frequency weights"),
    ("negative weights", "2 [pw=x]: regress y", None, D, "negative weights encountered in x"),
    ("string weights", "2 [fw=s]: regress y", None, D, "string variable not allowed as a weight"),
    ("infinite weights", "2 [pw=wf]: regress y", "wf_inf", D, "wf contains infinite weights"),
    # if expressions
    ("if incomplete", "2 if y >: regress y", None, S, "expected a number, variable or '('"),
    ("if operator", "2 if y >>> 1: regress y", None, S, "expected a number, variable or '('"),
    ("if assignment", "2 if x = 0: regress y", None, S, "unexpected '='"),
    ("if function", "2 if foo(y): regress y", None, S, "unknown function foo()"),
    ("if string", "2 if s: regress y", None, D, "type mismatch"),
    ("if variable", "2 if nosuch > 0: regress y", None, D, "variable nosuch not found"),
    # all-missing and empty samples
    ("all-missing depvar", "2: regress allnan", None, D, "no observations"),
    ("all-missing covariate", "2: regress y allnan", None, D, "no observations"),
    ("if excludes all", "2 if y > 100: regress y", None, D, "no observations"),
    ("all-missing weights", "2 [fw=allnan]: regress y", None, D, "no observations"),
    # a class with no members at the start
    ("classid empty class", "3, startvalues(classid c): regress y", "c_no_class2", D,
     "class 2 not represented in the estimation sample"),
    ("classpr empty class", "2, startvalues(classpr p1 p2): regress y", "pr_zero", D,
     "class 2 has no observations at the start"),
    ("classid not classes", "2, startvalues(classid x): regress y", None, D,
     "x must hold the class numbers 1 to 2"),
    # lcbase
    ("lcbase too large", "2, lcbase(3): regress y", None, S,
     "lcbase(3) out of range: the model has 2 classes"),
    ("lcbase zero", "2, lcbase(0): regress y", None, S, "expected an integer >= 1, found 0"),
    ("lcbase text", "2, lcbase(x): regress y", None, S, "expected an integer, found 'x'"),
    # NaN and inf in data, column types
    ("inf outcome", "2: regress y", "y_inf", D, "y contains infinite values"),
    ("-inf covariate", "2: regress y x", "x_minus_inf", D, "x contains infinite values"),
    ("complex outcome", "2: regress y", "y_complex", D, "complex numbers are not allowed"),
    ("date covariate", "2: regress y x", "x_datetime", D, "x: a date/time variable"),
    # hostile text: refused by fmmpy's parsers, never executed
    ("python in braces", "2: regress y ~ {__import__('os').system('echo pwned')}", None, S,
     "unexpected character"),
    ("python in I()", "2: regress y ~ I(__import__('os'))", None, S, "unexpected character"),
    ("eval in formula", "2: regress y ~ eval(x)", None, S, "unknown function eval() in formula"),
    ("module function", "2: regress y ~ np.log(x)", None, S, "unknown function np.log()"),
    ("python in if", "2 if __import__('os'): regress y", None, S, "unexpected character"),
    ("dunder in if", "2 if __class__ > 0: regress y", None, D, "variable __class__ not found"),
]


@pytest.mark.parametrize("command,data,error,fragment",
                         [c[1:] for c in COMMANDS], ids=[c[0] for c in COMMANDS])
def test_fmm_command(df, command, data, error, fragment):
    frame = DATA[data](df) if data else df
    err = expect(error, fragment, lambda: fmmpy.fmm(command, data=frame, log=False,
                                                     search=False), frame)
    if isinstance(err, FMMSyntaxError) and err.column is not None:
        # The caret line sits under the command, at the column of the mistake.
        lines = str(err).splitlines()
        assert lines[-2] == "    " + command and lines[-1] == "    " + " " * err.column + "^"


def test_syntax_error_carries_command_column_and_caret():
    err = expect(S, "expected ':'", lambda: fmmpy.parse_command("fmm 3 regress y"))
    assert (err.command, err.column, err.message) == (
        "fmm 3 regress y", 6, "expected ':' between the fmm options and the model")
    assert str(err).splitlines()[1:] == ["    fmm 3 regress y", "          ^"]
    # FMMSyntaxError and FMMDataError stay ValueErrors, so `except ValueError` still works.
    assert issubclass(FMMSyntaxError, ValueError) and issubclass(FMMDataError, ValueError)


KEYWORDS = [
    ("unknown option", {"bogus": 1}, S, "option bogus not allowed with fmm"),
    ("option value", {"level": "abc"}, S, "expected a number, found 'abc'"),
    ("flag with value", {"nolog": 1}, S, "option nolog does not take an argument"),
    ("from_ short", {"from_": [1, 2]}, D, "expected 5 values"),
    ("from_ text", {"from_": "abc"}, D, "from_= must be numbers"),
    ("from_ nan", {"from_": [np.nan] * 5}, D, "every starting value must be a finite number"),
    ("from_ variance", {"from_": [0, 0, -1, 0, 1]}, D, "variances must be positive"),
    ("constraints type", {"constraints": 1}, S, "constraints= must be a mapping"),
    ("constraints name", {"constraints": {"nosuch": 0}}, S, "nosuch is not a parameter name"),
    ("start_from type", {"start_from": 1}, D, "start_from= must be the results"),
    ("search type", {"search": "a"}, S, "search= must be True, False"),
    ("search draws", {"search": {"draws": -1}}, S, "search: draws must be at least 0"),
    ("progress type", {"progress": 1}, S, "progress= must be a function"),
    ("stream type", {"stream": 1}, S, "stream= must be a text stream"),
]


@pytest.mark.parametrize("kwargs,error,fragment", [c[1:] for c in KEYWORDS],
                         ids=[c[0] for c in KEYWORDS])
def test_fmm_keyword_arguments(df, kwargs, error, fragment):
    kwargs = {"search": False, **kwargs}
    expect(error, fragment, lambda: fmmpy.fmm("2: regress y", data=df, log=False, **kwargs), df)


@pytest.mark.parametrize("data,fragment", [
    ([1, 2, 3], "data must be a pandas DataFrame, not list"),
    (np.zeros((3, 2)), "data must be a pandas DataFrame, not ndarray"),
    ({"y": [1.0, 2.0], "x": [1.0]}, "cannot turn data into a DataFrame"),
    (pd.DataFrame([[1.0, 2.0]], columns=["y", "y"]), "duplicate column names"),
], ids=["list", "ndarray", "ragged dict", "duplicate columns"])
def test_fmm_data_that_is_not_a_frame(data, fragment):
    expect(D, fragment, lambda: fmmpy.fmm("2: regress y", data=data, log=False))


def test_command_that_is_not_text(df):
    expect(S, "the command must be a string, not NoneType",
           lambda: fmmpy.fmm(None, data=df, log=False), df)


# ---------------------------------------------------------------------------
# 2. What is not an error
# ---------------------------------------------------------------------------

def fit(command: str, data: pd.DataFrame, **kwargs):
    return fmmpy.fmm(command, data=data, log=False, search=False, **kwargs)


def test_collinear_covariate_is_omitted_with_statas_note(df):
    before = df.copy(deep=True)
    with pytest.warns(FMMCollinearityWarning, match=r"^note: x2 omitted because of collinearity\.$"):
        res = fit("2: regress y x x2", df)
    assert res.design.notes == ("note: x2 omitted because of collinearity.",)
    assert not any("x2" in name for name in res.params.index)
    # Identity: the fit is the fit without the omitted covariate.
    plain = fit("2: regress y x", df)
    assert res.llf == pytest.approx(plain.llf, rel=1e-10)
    np.testing.assert_allclose(res.params.to_numpy(), plain.params.to_numpy(), rtol=1e-7)
    pd.testing.assert_frame_equal(df, before)


def test_missing_values_are_dropped_listwise_and_counted(df):
    data = df.copy()
    data.loc[[0, 5, 9], "y"] = np.nan
    data.loc[[5, 12], "x"] = np.nan            # row 5 misses both: counted once
    before = data.copy(deep=True)
    res = fit("2 if g != 3: regress y x", data)
    selected = data["g"] != 3
    dropped = int((selected & (data["y"].isna() | data["x"].isna())).sum())
    assert res.n_dropped == dropped == res.sample_info["dropped"]
    assert res.sample_info == {"rows": N, "selected": int(selected.sum()), "dropped": dropped,
                               "used": int(selected.sum()) - dropped,
                               "nobs": int(selected.sum()) - dropped}
    # Identity: listwise deletion is the fit on the complete rows.
    complete = fit("2: regress y x", data[selected].dropna(subset=["y", "x"]))
    assert res.nobs == complete.nobs and res.llf == pytest.approx(complete.llf, rel=1e-10)
    pd.testing.assert_frame_equal(data, before)


def test_every_row_missing_in_an_unused_column_is_not_dropped(df):
    res = fit("2: regress y x", df)          # allnan is not in the model
    assert res.n_dropped == 0 and res.nobs == N


@pytest.mark.parametrize("c", [1e-8, 1e8])
def test_outcome_scale_gives_the_same_fit_up_to_scale(df, c):
    base = fit("2: regress y x", df)
    res = fit("2: regress y x", df.assign(y=df["y"] * c))
    # y -> c y: coefficients scale by c, variances by c^2, the log likelihood by -n log c.
    var = np.array(["var(e." in name for name in base.params.index])
    cls = np.array([name.startswith("2.Class:_cons") for name in base.params.index])
    expected = base.params.to_numpy() * np.where(var, c * c, np.where(cls, 1.0, c))
    np.testing.assert_allclose(res.params.to_numpy(), expected, rtol=1e-6, atol=1e-9)
    assert res.llf == pytest.approx(base.llf - N * np.log(c), rel=1e-9, abs=1e-6)
    assert res.warnings == base.warnings == ()


@pytest.mark.parametrize("c", [1e-10, 1e-8, 1e8])
def test_covariate_scale_gives_the_same_fit_up_to_scale(df, c):
    base = fit("2: regress y x", df)
    res = fit("2: regress y x", df.assign(x=df["x"] * c))
    assert res.design.notes == ()            # a rescaled covariate is never "collinear"
    slope = np.array([name.endswith(":x") for name in base.params.index])
    expected = base.params.to_numpy() / np.where(slope, c, 1.0)
    np.testing.assert_allclose(res.params.to_numpy(), expected, rtol=1e-6)
    assert res.llf == pytest.approx(base.llf, rel=1e-10)


def test_overflowing_coefficients_do_not_warn(df):
    res = fit("2: regress y x", df.assign(x=df["x"] * 1e-8))   # slopes near 1e8
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        res.params, res.bse, res.conf_int(), res.summary()


# ---------------------------------------------------------------------------
# 3. Postestimation
# ---------------------------------------------------------------------------

@pytest.fixture(scope="module")
def data3():
    return make_data()


@pytest.fixture(scope="module")
def res2(data3):
    return fit("2: regress y x", data3)


@pytest.fixture(scope="module")
def res1(data3):
    return fit("1: regress y x", data3)


POSTESTIMATION = [
    ("predict statistic", lambda r, d: r.predict("nonsense"), S, "unknown statistic 'nonsense'"),
    ("predict marginal", lambda r, d: r.predict("classpr", marginal=True), S,
     "marginal not allowed with classpr"),
    ("predict class range", lambda r, d: r.predict("mu", class_=3), S,
     "class(3) out of range; the model has 2 classes"),
    ("predict class type", lambda r, d: r.predict("mu", class_="1"), S,
     "class_ must be a class number"),
    ("predict outcome", lambda r, d: r.predict("mu", outcome="x"), D,
     "outcome(x) is not a dependent variable"),
    ("predict survival", lambda r, d: r.predict("survival"), D,
     "predict survival is not available after regress"),
    ("predict stub", lambda r, d: r.predict("mu", stub=1), S, "stub must be a string"),
    ("predict missing column", lambda r, d: r.predict("mu", data=d.drop(columns="x")), D,
     "variable x not found"),
    ("predict no rows", lambda r, d: r.predict("mu", data=d.iloc[:0]), D, "no observations"),
    ("predict not a frame", lambda r, d: r.predict("mu", data=[1, 2]), D,
     "data must be a pandas DataFrame"),
    ("predict duplicate index", lambda r, d: r.predict("mu", data=pd.concat([d, d])), D,
     "duplicate labels"),
    ("predict scores depvar", lambda r, d: r.predict("scores", data=d.drop(columns="y")), D,
     "variable y not found"),
    ("predict inf", lambda r, d: r.predict("mu", data=d.assign(x=np.inf)), D,
     "x contains infinite values"),
    ("lcprob level", lambda r, d: r.estat_lcprob(level=5), S,
     "estat lcprob: level(5) must be a number between 10 and 99.99"),
    ("lcmean level", lambda r, d: r.estat_lcmean(level="a"), S, "estat lcmean: level(a)"),
    ("eform equation", lambda r, d: r.estat_eform("nosuch"), S, "equation nosuch not found"),
    ("eform type", lambda r, d: r.estat_eform(1), S, "equations must be names"),
    ("conf_int level", lambda r, d: r.conf_int(level=150), S, "conf_int: level(150)"),
    ("conf_int alpha", lambda r, d: r.conf_int(alpha=2), S, "conf_int: alpha=2"),
    ("tidy level", lambda r, d: r.tidy(level="x"), S, "level(x) must be a number"),
    ("summary level", lambda r, d: r.summary(level=0), S, "summary: level(0)"),
    ("latex digits", lambda r, d: r.to_latex(digits=-1), S, "digits must be at least 0"),
    ("markdown digits", lambda r, d: r.to_markdown(digits="a"), S,
     "digits must be a whole number"),
    ("test nothing", lambda r, d: r.test(), S, "specify at least one hypothesis"),
    ("test name", lambda r, d: r.test("nosuch = 0"), S, "nosuch is not a parameter name"),
    ("test nonlinear", lambda r, d: r.test("2.Class:_cons * 2.Class:_cons = 0"), S,
     "products of parameters are not linear"),
    ("test python", lambda r, d: r.test('__import__("os")'), S, "unknown function __import__()"),
    ("test type", lambda r, d: r.test(1), S, "a hypothesis must be text"),
    ("lrtest type", lambda r, d: r.lrtest(None), D, "expected the results of an fmm fit"),
    ("lrtest same df", lambda r, d: r.lrtest(r), D, "df(unrestricted) = df(restricted)"),
    ("lrtest names", lambda r, d: fmmpy.lrtest(r, r, names="ab"), S, "names= takes two names"),
    ("relabel repeat", lambda r, d: r.relabel([1, 1]), S, "must list each class 1 to 2 once"),
    ("relabel fraction", lambda r, d: r.relabel([1.5, 2]), S, "order must be class numbers"),
    ("relabel type", lambda r, d: r.relabel(2), S, "order must be class numbers"),
    ("plot kind", lambda r, d: r.plot("foo"), S, "unknown plot kind 'foo'"),
    ("plot bins", lambda r, d: r.plot("density", bins=0), S, "bins must be at least 1"),
    ("plot option", lambda r, d: r.plot("density", bogus=1), S, "unknown option(s) bogus"),
    ("plot outcome", lambda r, d: r.plot("density", outcome="x"), D, "no equation for x"),
    ("plot posterior x", lambda r, d: r.plot("posterior", x="nosuch"), D,
     "needs data= with column nosuch"),
]


@pytest.mark.parametrize("call,error,fragment", [c[1:] for c in POSTESTIMATION],
                         ids=[c[0] for c in POSTESTIMATION])
def test_postestimation(res2, data3, call, error, fragment):
    expect(error, fragment, lambda: call(res2, data3), data3)


def test_postestimation_with_one_class_is_not_an_error(res1, data3):
    before = data3.copy(deep=True)
    assert res1.lcstats().frame["classpr"].tolist() == pytest.approx([1.0])
    assert res1.estat_lcprob().frame["margin"].tolist() == pytest.approx([1.0])
    assert res1.relabel([1]).llf == res1.llf
    pd.testing.assert_frame_equal(data3, before)


# ---------------------------------------------------------------------------
# 4. stset, datasets.load, select_k
# ---------------------------------------------------------------------------

OTHER = [
    ("stset time type", lambda d: fmmpy.stset(d, None), S, "stset: time must be a variable name"),
    ("stset unknown", lambda d: fmmpy.stset(d, "nosuch"), D, "variable nosuch not found"),
    ("stset string", lambda d: fmmpy.stset(d, "s"), D, "s: string variable not allowed"),
    ("stset failure", lambda d: fmmpy.stset(d, "t", failure="s"), D,
     "string variable not allowed as a failure variable"),
    ("stset entry", lambda d: fmmpy.stset(d, "t", entry=1), S, "stset: entry must be a variable"),
    ("stset inf", lambda d: fmmpy.stset(d.assign(t=np.inf), "t"), D, "t contains infinite values"),
    ("stset data", lambda d: fmmpy.stset([1, 2], "t"), D, "data must be a pandas DataFrame"),
    ("load unknown", lambda d: fmmpy.datasets.load("../../etc/passwd"), D, "unknown dataset"),
    ("load type", lambda d: fmmpy.datasets.load(["stamp"]), D, "unknown dataset ['stamp']"),
    ("select_k k int", lambda d: fmmpy.select_k("regress y", d, k=3), S,
     "k must list numbers of classes"),
    ("select_k k zero", lambda d: fmmpy.select_k("regress y", d, k=[0]), S,
     "each k must be at least 1"),
    ("select_k k fraction", lambda d: fmmpy.select_k("regress y", d, k=[1.5]), S,
     "each k must be a whole number"),
    ("select_k draws", lambda d: fmmpy.select_k("regress y", d, k=[1], draws=-1), S,
     "draws must be at least 0"),
    ("select_k seed", lambda d: fmmpy.select_k("regress y", d, k=[1], seed="a"), S,
     "seed must be a whole number"),
    ("select_k model", lambda d: fmmpy.select_k(None, d, k=[1]), S, "the model must be text"),
    ("select_k k in model", lambda d: fmmpy.select_k("2: regress y", d, k=[1]), S,
     "expected a model name"),
    ("select_k variable", lambda d: fmmpy.select_k("regress nosuch", d, k=[1]), D,
     "variable nosuch not found"),
]


@pytest.mark.parametrize("call,error,fragment", [c[1:] for c in OTHER],
                         ids=[c[0] for c in OTHER])
def test_other_entry_points(df, call, error, fragment):
    expect(error, fragment, lambda: call(df), df)


# ---------------------------------------------------------------------------
# 5. The do-file runner and the command line
# ---------------------------------------------------------------------------

DOFILE = [
    ("fmm syntax", "fmm 2 regress y", 198, "expected ':'"),
    ("fmm variable", "fmm 2: regress nosuch", 111, "variable nosuch not found"),
    ("fmm k", "fmm 99999999999999999999: regress y", 459, "cannot be estimated from 40"),
    ("fmm hostile", "fmm 2: regress y ~ {__import__('os')}", 198, "unexpected character"),
    ("unknown command", "bogus", 199, "command bogus is unrecognized"),
    ("macros", "local x 1", 199, "macros are not supported"),
    ("generate python", 'generate v = __import__("os")', 198, "unknown function __import__()"),
    ("generate existing", "generate y = 1", 110, "variable y already defined"),
    ("replace type", 'replace y = "a"', 109, "type mismatch"),
    ("drop unknown", "drop nosuch", 111, "variable nosuch not found"),
    ("predict class", "quietly fmm 2: regress y\npredict p, class(9)", 198, "out of range"),
    ("predict first", "predict p", 301, "last estimates not found"),
    ("estat level", "quietly fmm 2: regress y\nestat lcprob, level(5)", 198,
     "between 10 and 99.99"),
    ("stset unknown", "stset nosuch", 111, "variable nosuch not found"),
    ("use missing", "use nosuch.dta", 601, "file nosuch.dta not found"),
    ("if incomplete", "list y if", 198, "expected a number, variable or '('"),
]


@pytest.mark.parametrize("text,rc,fragment", [c[1:] for c in DOFILE],
                         ids=[c[0] for c in DOFILE])
def test_dofile_runner(df, text, rc, fragment):
    session = Session(df, stream=io.StringIO(), log=False)
    err = expect(DoFileError, fragment, lambda: session.run(text), df)
    assert err.rc == rc


def test_dataframe_backed_session_never_touches_the_callers_data(df):
    before = df.copy(deep=True)
    session = Session(df, stream=io.StringIO(), log=False)
    session.run("replace y = 0 in 1/5\ngenerate double v = x * 2\ndrop z\nkeep if g != 3\n"
                "stset t, failure(d)\nquietly fmm 2: regress y x\npredict m*\n"
                "capture drop nosuch")
    assert len(session.data) < len(df) and "_t" in session.data and "m1" in session.data
    pd.testing.assert_frame_equal(df, before)


def test_command_line_reports_errors_without_a_traceback(tmp_path, capsys):
    data = tmp_path / "d.csv"
    make_data().to_csv(data, index=False)
    cases = [(["fmm 2: regress nosuch", "--data", str(data)], 111, "variable nosuch not found"),
             (["fmm 99999999999999999999: regress y", "--data", str(data)], 2,
              "classes cannot be estimated"),
             (["bogus", "--data", str(data)], 199, "command bogus is unrecognized"),
             (["fmm 2: regress y", "--data", str(tmp_path / "none.csv")], 2, "not found")]
    for argv, rc, fragment in cases:
        assert main(argv) == rc, argv
        err = capsys.readouterr().err
        assert fragment in err and "Traceback" not in err
    dofile = tmp_path / "bad.do"
    dofile.write_text("fmm 2: regress y ~ {__import__('os')}\n")
    assert main(["run", str(dofile), "--data", str(data)]) == 198
    err = capsys.readouterr().err
    assert "(line 1 of" in err and "Traceback" not in err


# ---------------------------------------------------------------------------
# 6. No user text is executed
# ---------------------------------------------------------------------------

_FORBIDDEN_CALLS = {"eval", "exec", "compile", "__import__", "import_module", "literal_eval"}
_FORBIDDEN_METHODS = {"eval", "query", "loads", "load", "import_module", "read_pickle"}
_SERIALIZERS = {"pickle", "marshal", "dill", "cloudpickle", "shelve"}


def _forbidden(path: Path) -> list[str]:
    found: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            names = [a.name for a in node.names] + [getattr(node, "module", None) or ""]
            found += [f"import {n}" for n in names if n.split(".")[0] in _SERIALIZERS]
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Name) and func.id in _FORBIDDEN_CALLS:
            found.append(f"{func.id}() at line {node.lineno}")
        elif isinstance(func, ast.Attribute) and func.attr in _FORBIDDEN_METHODS:
            owner = func.value.id if isinstance(func.value, ast.Name) else ""
            # .load/.loads only on serializers; .eval/.query/import_module anywhere
            # (pandas' eval and query run their text as Python-like expressions).
            if func.attr not in ("load", "loads") or owner in _SERIALIZERS:
                found.append(f"{owner}.{func.attr}() at line {node.lineno}")
    return found


def test_package_never_evaluates_text():
    sources = sorted(PACKAGE.rglob("*.py"))
    assert len(sources) > 40
    offenders = {str(p.relative_to(PACKAGE)): f for p in sources if (f := _forbidden(p))}
    assert offenders == {}
    text = "\n".join(p.read_text(encoding="utf-8") for p in sources)
    assert re.search(r"__import__|\bexec\(|(?<![\w.])eval\(|pd\.eval|\.query\(", text) is None


def test_audit_catches_what_it_looks_for(tmp_path):
    bad = tmp_path / "bad.py"
    bad.write_text("import pickle\neval(x)\nexec(y)\n__import__(z)\nframe.query(q)\n"
                   "pickle.loads(b)\nimportlib.import_module(m)\nnp.load(f)\n")
    assert len(_forbidden(bad)) == 7          # np.load is not a deserializer of code


# formulaic receives only text matching this grammar: "1" or "0", then " + " terms of
# ":"-joined parts, each a validated name, C(name) with an optional literal base, or a
# column fmmpy computed itself (_fmm_d#).
_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_LIT = r"(?:-?\d+(?:\.\d+)?(?:e[-+]?\d+)?|'[A-Za-z0-9_ .-]*')"
_PART = rf"(?:C\({_NAME}(?:, contr\.treatment\(base={_LIT}\))?\)|{_NAME})"
SAFE_FORMULA = re.compile(rf"[01](?: \+ {_PART}(?::{_PART})*)*")


@pytest.fixture()
def formulaic_texts(monkeypatch):
    """Every formula text handed to formulaic while the test runs."""
    import formulaic

    seen: list[str] = []
    real = formulaic.Formula

    def spy(text, *args, **kwargs):
        seen.append(text)
        return real(text, *args, **kwargs)

    monkeypatch.setattr(formulaic, "Formula", spy)
    return seen


@pytest.mark.parametrize("rhs", [
    "x + C(g) + x:C(g)", "C(g, base=2) * z - 1", "I(x**2) + {x * z} + log(pos)",
    "x + z + x:z", "(x + z)**2", "C(s)", "sqrt(pos) + exp(x)",
])
def test_formulaic_sees_only_text_fmmpy_writes(df, formulaic_texts, rhs):
    before = df.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FMMWarning)
        fmmpy.fmm(f"2: regress y ~ {rhs}", data=df, log=False, search=False, iterate=2,
                  emopts="iterate(2)")
    assert formulaic_texts, "formulaic was not called"
    for text in formulaic_texts:
        assert SAFE_FORMULA.fullmatch(text), text
    pd.testing.assert_frame_equal(df, before)


@pytest.mark.parametrize("rhs", [
    "{__import__('os').system('echo pwned')}", "I(__builtins__)", "x + {open('f')}",
    "C(g, Treatment(__import__('os')))", "x + np.exp(x)", "{x; import os}", "x + `y`",
    "C(g, base=__import__)", "{lambda: 0}", "x + [1, 2]",
])
def test_hostile_formula_is_refused_before_formulaic(df, formulaic_texts, rhs):
    with pytest.raises(FMMError):
        fmmpy.fmm(f"2: regress y ~ {rhs}", data=df, log=False, search=False)
    assert formulaic_texts == []


def test_nolog_keyword_switches_the_log_off(stamp, capsys):
    # fmm(..., nolog=True), as `fmm ..., nolog` in the command: the fit, without a log
    res = fmmpy.fmm("2: regress thickness", data=stamp, nolog=True)
    assert capsys.readouterr().out == ""
    assert res.llf == fmmpy.fmm("2: regress thickness", data=stamp, log=False).llf
    assert "Iteration 0" in res.iteration_log
