"""Property-based tests (hypothesis) for bad input and invariances (issue 9).

The examples are derandomized (the profile registered in tests/conftest.py), so CI
runs the same examples every time; ``HYPOTHESIS_PROFILE=explore`` draws new ones.

- Random command strings -- built from the grammar's pieces, mutated, or arbitrary
  text -- raise only FMMErrors, quickly, through the parser, ``fmm()`` and the
  do-file runner; formulaic only ever sees formula text fmmpy writes.
- Row permutation leaves the fit unchanged.
- Relabeling the classes of a start (``from_=res.relabel(order).params``) reaches the
  same maximum, relabeled.
- Scaling the outcome by c scales class means by c and variances by c^2 and shifts
  the log likelihood by -n log c.
- The caller's DataFrame is never modified, by any entry point.
"""

from __future__ import annotations

import io
import time
import warnings
from functools import lru_cache

import numpy as np
import pandas as pd
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

import fmmpy
from fmmpy import FMMError, FMMWarning
from fmmpy.dofile import Session

from test_bad_input import SAFE_FORMULA, make_data

# ---------------------------------------------------------------------------
# Random commands raise only FMMErrors, quickly
# ---------------------------------------------------------------------------

PREFIX = st.sampled_from(["", "fmm ", "fmm", " ", "FMM "])
K = st.sampled_from(["1", "2", "3", "0", "-1", "1.5", "1e3", "99999999999999999999", "", "x",
                     "2 2"])
QUALIFIER = st.sampled_from([
    "", " if y > 0", " if x < 1 & g != 3", " if (y", " if y >", " if s", " if s == \"a\"",
    " in 1/30", " in 30/1", " in f/l", " in 0", " [fw=w]", " [pw=u]", " [iw=wf]", " [aw=w]",
    " [fw=wf]", " [pw=x]", " [fw=]", " [pweight=u", " if nosuch", " if missing(y)"])
FMM_OPTION = st.sampled_from([
    "", "lcbase(2)", "lcbase(9)", "lcbase(0)", "lcprob(x)", "lcprob(s)", "lcprob(i.g)",
    "vce(robust)", "vce(cluster g)", "vce(foo)", "level(90)", "level(5)", "bogus",
    "startvalues(randomid, draws(2) seed(3))", "startvalues(classid g)", "startvalues(zero)",
    "startvalues(jitter 0.5)", "startvalues(classpr u wf)", "lcinvariant(cons)",
    "lcinvariant(all)", "emopts(iterate(1))", "iterate(2)", "nolog", "noestimate",
    "collinear", "constraints(1)", "startvalues(", "difficult"])
MODEL = st.sampled_from(["regress", "reg", "glm", "tobit", "intreg", "truncreg", "betareg",
                         "streg", "ivregress", "nomodel", "poisson", "logit", ""])
DEPVARS = st.sampled_from(["y", "pos", "u", "s", "nosuch", "y pos", "allnan", "", "_t",
                           "lo hi", "y y"])
COVARIATES = st.sampled_from([
    "", "x", "x z", "i.g", "c.x#c.x", "i.g##c.x", "x*", "x-z", "z-x", "ib2.g", "ib9.g",
    "(x = z)", "x (z = g)", "~ x + C(g)", "~ I(x**2) + log(pos)", "~ {x * z} - 1", "~",
    "~ x +", "~ eval(x)", "~ {__import__('os')}", "x2 x", ")", "(", "#x", "x##", "q*",
    "o.g", "1x", "x, ,"])
MODEL_OPTION = st.sampled_from([
    "", "noconstant", "family(lognormal)", "family(gamma)", "family(beta)", "family(foo)",
    "link(log)", "link(logit)", "ll(0)", "ul(1)", "ll(x) ul(pos)", "ll(5) ul(-5)",
    "distribution(weibull)", "distribution(foo)", "exposure(pos)", "offset(x)", "bogus",
    "lcprob(x)", "family(", "ll()"])


def _join(prefix, k, qualifier, fmm_opts, colon, model, depvars, covariates, model_opts):
    head = prefix + k + qualifier
    if fmm_opts:
        head += ", " + " ".join(fmm_opts)
    body = " ".join(p for p in (model, depvars, covariates) if p)
    if model_opts:
        body += ", " + " ".join(model_opts)
    return f"{head}{colon} {body}"


GRAMMAR = st.builds(_join, PREFIX, K, QUALIFIER, st.lists(FMM_OPTION, max_size=2),
                    st.sampled_from([":", ":", ":", "", "::", ";"]), MODEL, DEPVARS,
                    COVARIATES, st.lists(MODEL_OPTION, max_size=2))
HYBRID = st.lists(st.builds(lambda m, d, c, o: f"({m} {d} {c}{', ' + o if o else ''})",
                            MODEL, DEPVARS, COVARIATES, MODEL_OPTION),
                  min_size=1, max_size=3).map(lambda parts: "fmm: " + " ".join(parts))
# Mostly well-formed commands, so that many reach the data and the estimation stages.
SOUND_MODEL = st.sampled_from([
    "regress y", "regress y x", "glm pos, family(lognormal)", "glm pos x, family(gamma)",
    "glm u, family(beta)", "betareg u x", "tobit y x, ll(0)", "intreg lo hi",
    "truncreg y, ll(-5)", "streg x, distribution(weibull)", "ivregress y (x = z)",
    "glm t, family(exponential)", "glm t, family(loglogistic)", "regress y ~ x + C(g)",
    "regress y ~ I(x**2) + z", "regress y x2 x", "regress y x*", "glm y, family(lognormal)",
    "regress y i.g c.x#c.x", "regress y, noconstant", "glm y x, family(gaussian)"])
SOUND = st.builds(
    lambda k, q, opts, model: f"{k}{q}{', ' + ' '.join(opts) if opts else ''}: {model}",
    st.sampled_from(["1", "2", "3"]),
    st.sampled_from(["", " if y > -1", " if x < 1 & g != 3", " in 1/25", " [fw=w]",
                     " [pw=u]", " [iw=wf]", " if missing(y)", " [fw=wf]", " [pw=x]"]),
    st.lists(st.sampled_from([
        "lcbase(2)", "lcprob(x)", "lcprob(i.g)", "vce(robust)", "vce(cluster g)", "vce(opg)",
        "level(90)", "startvalues(randomid, draws(2) seed(3))", "startvalues(zero)",
        "startvalues(jitter 0.5)", "startvalues(classid g)", "lcinvariant(cons)",
        "emopts(iterate(1))", "collinear", "noestimate", "startvalues(classpr u wf)"]),
        max_size=2),
    SOUND_MODEL)
CHARS = st.sampled_from(list("()[]{},:;~#=<>!&|*+-/^.\"'`$@ 0123456789xyzgs_"))


@st.composite
def mutated(draw):
    """A grammatical command with a few characters inserted, deleted or replaced."""
    text = list(draw(st.one_of(GRAMMAR, HYBRID)))
    for _ in range(draw(st.integers(1, 3))):
        i = draw(st.integers(0, len(text)))
        op = draw(st.sampled_from(["insert", "delete", "replace"]))
        if op == "insert" or i == len(text):
            text.insert(i, draw(CHARS))
        elif op == "delete":
            del text[i]
        else:
            text[i] = draw(CHARS)
    return "".join(text)


COMMANDS = st.one_of(GRAMMAR, HYBRID, mutated(), st.text(max_size=60),
                     st.text(alphabet=CHARS, max_size=40))


@lru_cache(maxsize=1)
def small_data() -> pd.DataFrame:
    data = make_data(30, seed=5)
    data["lo"] = data["y"] - 0.5
    data["hi"] = data["y"] + 0.5
    return fmmpy.stset(data, "t", failure="d")


@settings(max_examples=300, deadline=2000)
@given(COMMANDS)
def test_parser_raises_only_syntax_errors(command):
    start = time.perf_counter()
    try:
        fmmpy.parse_command(command)
    except fmmpy.FMMSyntaxError as err:
        assert err.command == command or err.command is None
        if err.column is not None:
            assert 0 <= err.column <= len(command)
    assert time.perf_counter() - start < 0.5


@settings(max_examples=120, deadline=10000)
@given(st.sampled_from([SOUND, SOUND, COMMANDS]).flatmap(lambda strategy: strategy))
def test_fmm_raises_only_fmm_errors(command):
    """Whatever the text, fmm() either fits or raises an FMMError (and no numpy warning),
    and leaves the data alone; fits are capped at a few iterations to stay quick.  Two
    thirds of the examples are well-formed commands, so many reach estimation."""
    data = small_data()
    before = data.copy(deep=True)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FMMWarning)
        warnings.simplefilter("error", RuntimeWarning)      # no stray numpy warnings either
        try:
            fmmpy.fmm(command, data=data, log=False, search=False, iterate=3,
                      emopts="iterate(3)")
        except FMMError:
            pass
    pd.testing.assert_frame_equal(data, before)


DOFILE_LINES = st.one_of(
    COMMANDS.map(lambda c: "fmm " + c),
    st.builds(lambda cmd, rest: f"{cmd} {rest}",
              st.sampled_from(["generate", "replace", "drop", "keep", "list", "summarize",
                               "predict", "estat", "test", "lrtest", "estimates", "stset",
                               "format", "set", "capture", "quietly", "use", "clear",
                               "webuse", "import", "bogus", "*", "//"]),
              st.one_of(st.text(alphabet=CHARS, max_size=25),
                        st.sampled_from(["v = x", "y = 1 in 1/3", "x", "if y > 0", "p*",
                                         "lcprob", "ic", "store a", "t, failure(d)",
                                         "y %9.2f", "seed 1", "x = nosuch", "2.Class:_cons = 0"]))))


@settings(max_examples=120, deadline=10000)
@given(st.lists(DOFILE_LINES, min_size=1, max_size=4))
def test_dofile_runner_raises_only_fmm_errors(lines):
    data = small_data()
    before = data.copy(deep=True)
    session = Session(data, stream=io.StringIO(), log=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FMMWarning)
        warnings.simplefilter("error", RuntimeWarning)
        try:
            session.run("quietly fmm 2, iterate(3) emopts(iterate(3)): regress y\n"
                        + "\n".join(lines))
        except FMMError:
            pass
    pd.testing.assert_frame_equal(data, before)


FORMULA_TERMS = st.sampled_from([
    "x", "z", "C(g)", "C(g, base=2)", "C(g, Treatment(3))", "C(s)", "I(x**2)", "{x * z}",
    "log(pos)", "sqrt(pos)", "exp(z)", "x:z", "x*C(g)", "(x + z)**2", "1", "0",
    "{__import__('os')}", "I(open('f'))", "np.log(x)", "{x; y}", "C(g, base=__x__)",
    "`x`", "x.real", "[x]", "lambda: x", "getattr(x, 'y')"])


@settings(max_examples=80, deadline=10000)
@given(terms=st.lists(FORMULA_TERMS, min_size=1, max_size=4),
       joiner=st.sampled_from([" + ", " - ", ":"]))
def test_formulaic_only_sees_text_fmmpy_writes(terms, joiner, monkeypatch_formula):
    seen = monkeypatch_formula
    seen.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FMMWarning)
        try:
            fmmpy.fmm("1: regress y ~ " + joiner.join(terms), data=small_data(), log=False,
                      search=False, iterate=2)
        except FMMError:
            pass
    for text in seen:
        assert SAFE_FORMULA.fullmatch(text), text


@pytest.fixture(scope="module")
def monkeypatch_formula():
    import formulaic

    seen: list[str] = []
    real = formulaic.Formula

    def spy(text, *args, **kwargs):
        seen.append(text)
        return real(text, *args, **kwargs)

    formulaic.Formula = spy
    yield seen
    formulaic.Formula = real


# ---------------------------------------------------------------------------
# Invariances
# ---------------------------------------------------------------------------

def _mixture(n: int, seed: int, means=(-2.0, 2.5), sds=(1.0, 0.6)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    k = len(means)
    cls = rng.integers(0, k, size=n)
    x = rng.normal(size=n)
    y = np.asarray(means)[cls] + 0.5 * x + np.asarray(sds)[cls] * rng.normal(size=n)
    return pd.DataFrame({"y": y, "x": x})


def _fit(command, data, **kwargs):
    with warnings.catch_warnings():
        warnings.simplefilter("error", FMMWarning)
        return fmmpy.fmm(command, data=data, log=False, search=False, **kwargs)


@lru_cache(maxsize=None)
def _reference(name: str):
    if name == "perm":
        data = _mixture(120, seed=11)
        return data, _fit("2: regress y x", data)
    if name == "classes":
        data = _mixture(150, seed=12, means=(-4.0, 0.0, 4.0), sds=(0.7, 0.7, 0.7))
        return data, _fit("3: regress y", data)
    data = _mixture(100, seed=13)
    return data, _fit("2: regress y x", data)


@settings(max_examples=8, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_row_permutation_leaves_the_fit_unchanged(rnd):
    data, base = _reference("perm")
    order = list(range(len(data)))
    rnd.shuffle(order)
    assume(order != list(range(len(data))))
    res = _fit("2: regress y x", data.iloc[order])
    assert res.llf == pytest.approx(base.llf, rel=1e-9)
    np.testing.assert_allclose(res.params.to_numpy(), base.params.to_numpy(), rtol=1e-6,
                               atol=1e-8)
    # Predictions follow the rows (aligned by index labels).
    pd.testing.assert_frame_equal(res.predict("classposteriorpr").sort_index(),
                                  base.predict("classposteriorpr"), rtol=1e-6, atol=1e-8)


@settings(max_examples=6, deadline=None)
@given(st.permutations([1, 2, 3]))
def test_class_permutation_of_a_start_leaves_the_maximum_unchanged(order):
    data, base = _reference("classes")
    relabeled = base.relabel(order)
    res = _fit("3: regress y", data, from_=relabeled.params)
    assert res.llf == pytest.approx(base.llf, rel=1e-10, abs=1e-8)
    np.testing.assert_allclose(res.params.to_numpy(), relabeled.params.to_numpy(),
                               rtol=1e-5, atol=1e-7)
    means = res.estat_lcmean().to_frame()["margin"].to_numpy()
    base_means = base.estat_lcmean().to_frame()["margin"].to_numpy()
    np.testing.assert_allclose(means, base_means[np.asarray(order) - 1], rtol=1e-5, atol=1e-6)


@settings(max_examples=10, deadline=None)
@given(st.floats(min_value=-8.0, max_value=8.0, allow_nan=False))
def test_scaling_the_outcome_scales_means_and_variances(log10_c):
    c = 10.0 ** log10_c
    data, base = _reference("scale")
    res = _fit("2: regress y x", data.assign(y=data["y"] * c))
    names = base.params.index
    var = np.array(["var(e." in n for n in names])
    outcome = np.array([":y:" in n for n in names]) & ~var
    scale = np.where(var, c * c, np.where(outcome, c, 1.0))
    np.testing.assert_allclose(res.params.to_numpy(), base.params.to_numpy() * scale,
                               rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(res.bse.to_numpy(), base.bse.to_numpy() * scale, rtol=1e-4)
    assert res.llf == pytest.approx(base.llf - len(data) * np.log(c), rel=1e-9, abs=1e-7)
    np.testing.assert_allclose(res.predict("classposteriorpr").to_numpy(),
                               base.predict("classposteriorpr").to_numpy(), atol=1e-7)


# ---------------------------------------------------------------------------
# The caller's DataFrame is never modified
# ---------------------------------------------------------------------------

@st.composite
def frames(draw):
    n = draw(st.integers(8, 25))
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1)))
    y = rng.normal(size=n)
    for v in draw(st.lists(st.sampled_from([np.nan, np.inf, -np.inf, 0.0, 1e300]),
                           max_size=3)):
        y[rng.integers(0, n)] = v
    data = pd.DataFrame({"y": y, "x": rng.normal(size=n), "g": rng.integers(1, 4, size=n),
                         "t": rng.gamma(2.0, size=n), "d": rng.integers(0, 2, size=n),
                         "s": rng.choice(["a", "b"], size=n)})
    if draw(st.booleans()):
        data.index = pd.Index(rng.permutation(n) * 7 + 3)
    if draw(st.booleans()):
        data["x"] = data["x"].astype("float32")
    return data


def _entry_points(data: pd.DataFrame) -> list:
    def fit():
        return fmmpy.fmm("2 if g != 9: regress y x i.g", data=data, log=False, search=False,
                         iterate=5)

    def postestimation():
        res = fit()
        res.predict("mu", data=data)
        res.predict("classposteriorpr")
        res.estat_lcprob(), res.estat_lcmean(), res.lcstats(), res.relabel([2, 1])

    def runner():
        session = Session(data, stream=io.StringIO(), log=False)
        session.run("replace y = 1 in 1/2\ngenerate v = 2 * x\ndrop g\nstset t, failure(d)\n"
                    "keep in 1/5")

    return [fit, postestimation, runner,
            lambda: fmmpy.stset(data, "t", failure="d"),
            lambda: fmmpy.select_k("regress y", data, k=[1], draws=0)]


@settings(max_examples=10, deadline=None)
@given(frames())
def test_no_entry_point_modifies_the_callers_data(data):
    before = data.copy(deep=True)
    for call in _entry_points(data):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", FMMWarning)
            try:
                call()
            except FMMError:
                pass
        pd.testing.assert_frame_equal(data, before)
