"""The do-file runner: reading do-files, each command's effect and printed output,
Stata's error behaviour, and the command line."""

from __future__ import annotations

import io
import statistics
import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy.cli import main
from fmmpy.dofile import DoFileError, Session, split_commands
from fmmpy.dofile.formats import parse_format
from fmmpy.dofile.listing import list_lines, summarize_lines

ROOT = Path(__file__).resolve().parents[1]


def run(text: str, data=None, **kw) -> tuple[Session, str]:
    out = io.StringIO()
    s = Session(data, stream=out, **kw)
    s.run(text)
    return s, out.getvalue()


# -- reading do-files --------------------------------------------------------------------

def test_comments_and_continuation():
    src = "\n".join([
        "* a comment ///",
        "  still the comment",
        "use x // trailing comment",
        'generate y = "http://a//b" // the // inside quotes stays',
        "fmm 3: /* inline */ regress ///  a comment after ///",
        "   thickness",
        "/* a block",
        "   /* nested */ still comment */ list",
        "",
        "list in 1",
    ])
    cmds = split_commands(src)
    assert [(c.line, c.text) for c in cmds] == [
        (1, ""),
        (3, "use x"),
        (4, 'generate y = "http://a//b"'),
        (5, "fmm 3:   regress thickness"),
        (7, "list"),
        (10, "list in 1"),
    ]
    assert cmds[3].echo == ("fmm 3: /* inline */ regress ///  a comment after ///",
                            "   thickness")


def test_url_is_not_a_comment():
    assert split_commands("use https://www.stata-press.com/data/r19/stamp")[0].text == \
        "use https://www.stata-press.com/data/r19/stamp"


# -- data commands -----------------------------------------------------------------------

def test_generate_replace_storage_and_messages(stamp):
    s, out = run("generate lt = ln(thickness) if thickness > .07\n"
                 "generate double d = thickness * 1000\n"
                 "replace d = 0 in 1/3", stamp)
    x = stamp["thickness"].to_numpy(dtype=float)
    keep = x > 0.07  # the float values widened to double, as Stata compares them
    assert str(s.data["lt"].dtype) == "float32" and str(s.data["d"].dtype) == "float64"
    np.testing.assert_array_equal(s.data["lt"].to_numpy()[keep],
                                  np.log(x[keep]).astype(np.float32))
    assert f"({(~keep).sum()} missing values generated)" in out
    assert "(3 real changes made)" in out
    assert list(stamp.columns) == ["thickness"]  # the caller's frame is untouched


def test_replace_promotes_integers_as_stata_does():
    data = pd.DataFrame({"g": np.array([1, 2, 3], dtype=np.int16)})
    s, out = run("replace g = g / 2 if g == 3", data)
    assert "variable g was int now float\n(1 real change made)" in out
    assert str(s.data["g"].dtype) == "float32" and s.data["g"].tolist() == [1, 2, 1.5]


def test_drop_and_keep(stamp):
    x = stamp["thickness"].to_numpy(dtype=float)
    s, out = run("drop if thickness < .07\nkeep in 1/10\ngenerate z = 1\nkeep thick*", stamp)
    assert f"({(x < 0.07).sum()} observations deleted)" in out
    assert f"({(x >= 0.07).sum() - 10} observations deleted)" in out
    assert list(s.data.columns) == ["thickness"] and len(s.data) == 10


def test_use_csv_equals_use_dta_and_save_roundtrip(tmp_path):
    a, _ = run(f"use {ROOT / 'data' / 'stamp.csv'}")
    b, out = run(f"use {ROOT / 'data' / 'stamp.dta'}\nsave {tmp_path / 'copy'}")
    pd.testing.assert_frame_equal(a.data, b.data)
    assert f"file {tmp_path / 'copy.dta'} saved" in out
    c, out = run(f"use {tmp_path / 'copy.dta'}")
    pd.testing.assert_frame_equal(c.data, b.data)
    assert out.startswith(f". use {tmp_path / 'copy.dta'}\n(1872 Hidalgo stamp of Mexico)")
    with pytest.raises(DoFileError) as err:
        run(f"use {ROOT / 'data' / 'stamp.dta'}\nsave {tmp_path / 'copy'}")
    assert err.value.rc == 602 and err.value.line == 2


def test_use_refuses_to_drop_changed_data(stamp):
    with pytest.raises(DoFileError) as err:
        run(f"generate y = 1\nuse {ROOT / 'data' / 'stamp.dta'}", stamp)
    assert err.value.rc == 4 and "changed since last saved" in err.value.message
    s, _ = run(f"generate y = 1\nuse {ROOT / 'data' / 'stamp.dta'}, clear", stamp)
    assert list(s.data.columns) == ["thickness"]


def test_import_delimited(tmp_path):
    (tmp_path / "d.csv").write_text("ID,Weight,Name\n1,0.5,a\n2,1.25,b\n3,,c\n")
    s, out = run(f"import delimited {tmp_path / 'd.csv'}")
    assert "(3 vars, 3 obs)" in out
    assert list(s.data.columns) == ["id", "weight", "name"]
    assert [str(t) for t in s.data.dtypes[:2]] == ["int8", "float32"]
    assert pd.api.types.is_string_dtype(s.data["name"]) and s.data["name"].tolist() == ["a", "b", "c"]
    assert np.isnan(s.data["weight"].iloc[2])
    s, _ = run(f"import delimited using {tmp_path / 'd.csv'}, case(preserve) asdouble")
    assert list(s.data.columns) == ["ID", "Weight", "Name"]
    assert str(s.data["Weight"].dtype) == "float64"


# -- list and summarize against Stata's published layouts -----------------------------------

def test_list_layout_matches_stata():
    """Stata's output of ``sysuse auto`` / ``list make-head in 1`` (Stata 14 log):
    left-aligned %-18s string, %8.0gc price with a thousands comma, %6.1f headroom."""
    frame = pd.DataFrame({"make": ["AMC Concord"], "price": [4099], "mpg": [22], "rep78": [3],
                          "headroom": [2.5]})
    fmts = {"make": parse_format("%-18s"), "price": parse_format("%8.0gc"),
            "mpg": parse_format("%8.0g"), "rep78": parse_format("%8.0g"),
            "headroom": parse_format("%6.1f")}
    assert list_lines(frame, [1], fmts, n_total=74) == [
        "     +----------------------------------------------+",
        "     | make          price   mpg   rep78   headroom |",
        "     |----------------------------------------------|",
        "  1. | AMC Concord   4,099    22       3        2.5 |",
        "     +----------------------------------------------+"]


def test_list_separators_missing_values_and_abbreviation(stamp):
    frame = pd.DataFrame({"nettfa": [4.575, 154, 18.45, 29.6, 0, 1.0],
                          "lower": [0, 25, 10, 25, np.nan, 0]})
    fmts = {"nettfa": parse_format("%9.0g"), "lower": parse_format("%8.0g")}
    lines = list_lines(frame, range(1, 7), fmts, n_total=9275)
    assert lines[3:9] == ["   1. |  4.575       0 |", "   2. |    154      25 |",
                          "   3. |  18.45      10 |", "   4. |   29.6      25 |",
                          "   5. |      0       . |", "      |----------------|"]
    _, out = run("list in 1", stamp)
    assert "| thickn~s |" in out


def test_summarize_layout_matches_stata():
    """A published Stata line (``sum ue*`` on 1,000 equal values of a float)."""
    frame = pd.DataFrame({"ue1": np.full(1000, -0.6455342, dtype=np.float32)})
    assert summarize_lines(frame) == [
        "    Variable |        Obs        Mean    Std. dev.       Min        Max",
        "-------------+---------------------------------------------------------",
        "         ue1 |      1,000   -.6455342           0  -.6455342  -.6455342"]


def test_summarize_numbers(stamp):
    _, out = run("summarize thickness", stamp)
    x = [float(v) for v in stamp["thickness"]]
    line = out.splitlines()[-2].split("|")[1].split()
    assert line[0] == "485"
    assert abs(float(line[1]) - statistics.fmean(x)) < 5e-8
    assert abs(float(line[2]) - statistics.stdev(x)) < 5e-7
    assert (float(line[3]), float(line[4])) == (0.06, 0.131)


# -- estimation commands -------------------------------------------------------------------

def test_predict_forms(stamp, fit_regress3):
    s = Session(stamp, stream=io.StringIO())
    s.results = fit_regress3
    s.run("predict p1 p2 p3, classpr\npredict m*\npredict d if thickness > .1, density "
          "marginal\npredict double c2, classposteriorpr class(2)")
    out = s.stream.getvalue()
    np.testing.assert_array_equal(s.data[["p1", "p2", "p3"]].to_numpy(),
                                  fit_regress3.predict("classpr").to_numpy().astype(np.float32))
    assert "(option mu assumed)" in out and list(s.data.columns[4:7]) == ["m1", "m2", "m3"]
    n_missing = int((stamp["thickness"].to_numpy(dtype=float) <= 0.1).sum())
    assert f"({n_missing} missing values generated)" in out
    np.testing.assert_array_equal(
        s.data["c2"].to_numpy(), fit_regress3.predict("classposteriorpr", class_=2).to_numpy())


def test_predict_errors(stamp, fit_regress3):
    s = Session(stamp, stream=io.StringIO())
    s.results = fit_regress3
    with pytest.raises(DoFileError) as err:
        s.run("predict p, classpr")
    assert err.value.rc == 102 and "gives one variable per class" in err.value.message
    with pytest.raises(DoFileError) as err:
        s.run("predict thickness, density marginal")
    assert err.value.rc == 110
    with pytest.raises(DoFileError) as err:
        s.run("predict x, scores")
    assert err.value.rc == 102 and "one variable per parameter: type 8 names" in err.value.message
    with pytest.raises(DoFileError) as err:
        s.run("predict sc*, scores marginal")
    assert err.value.rc == 198


def test_predict_scores_stub_equals_python(stamp, fit_regress3):
    # Stata's `predict stub*, scores`: one variable per parameter, stub1, stub2, ...
    s = Session(stamp, stream=io.StringIO())
    s.results = fit_regress3
    s.run("predict double sc*, scores")
    s.run("predict f*, scores")                      # Stata's default storage: float
    expected = fit_regress3.predict("scores")
    assert expected.shape[1] == len(fit_regress3.params) == 8
    for i, col in enumerate(expected.columns, start=1):
        np.testing.assert_array_equal(s.data[f"sc{i}"].to_numpy(), expected[col].to_numpy())
        np.testing.assert_array_equal(s.data[f"f{i}"].to_numpy(),
                                      expected[col].to_numpy().astype(np.float32))


def test_estimates_store_restore_and_nolog(stamp):
    s, out = run("fmm 2, nolog: regress thickness\nestimates store two\n"
                 "quietly fmm 3: regress thickness\nestimates restore two\nfmm", stamp)
    assert "Iteration" not in out
    assert "(results two are active now)" in out and s.results.k == 2
    assert out.count("Finite mixture model") == 2  # the fit and the replay
    with pytest.raises(DoFileError) as err:
        s.run("estimates restore nosuch")
    assert err.value.rc == 111


def test_fmm_errors_keep_stata_codes(stamp):
    with pytest.raises(DoFileError) as err:
        run("fmm 3 regress thickness", stamp)
    assert err.value.rc == 198 and "expected ':'" in err.value.message
    with pytest.raises(DoFileError) as err:
        run("estat lcprob", stamp)
    assert err.value.rc == 301


# -- errors, prefixes, planned commands ------------------------------------------------------

def test_unrecognized_command_names_the_line(stamp):
    with pytest.raises(DoFileError) as err:
        run("summarize\n\nhistogram thickness, bins(80)", stamp)
    e = err.value
    assert (e.rc, e.line) == (199, 3)
    assert e.message.startswith("command histogram is unrecognized")
    assert str(e).endswith("(line 3 of <string>: histogram thickness, bins(80))\nr(199);")


def test_postestimation_commands_match_python(stamp):
    s, out = run("quietly fmm 2: regress thickness\nestimates store two\n"
                 "quietly fmm 3: regress thickness\nlrtest two .\nestat ic\nestat lcmean\n"
                 "test (_b[2.Class:_cons] = 0) (3.Class:_cons = 0)\nestat eform", stamp)
    res, two = s.results, s.stored["two"]
    assert str(fmmpy.lrtest(two, res, names=("two", "."))) in out
    assert str(res.estat_ic()) in out
    assert str(res.estat_lcmean()) in out
    assert str(res.test("2.Class:_cons = 0", "3.Class:_cons = 0")) in out
    assert str(res.estat_eform()) in out


def test_postestimation_options_not_available_are_refused(stamp):
    # estat ic, n() and test's accumulate/notest/mtest are not implemented: Stata's
    # r(198) instead of results that silently ignore what was asked
    for line in ("estat ic, n(10)", "test (2.Class:_cons = 0), accumulate"):
        with pytest.raises(DoFileError) as err:
            run(f"quietly fmm 2: regress thickness\n{line}", stamp)
        assert err.value.rc == 198 and "not allowed" in err.value.message, line


def test_stset_then_streg(tmp_path):
    rng = np.random.default_rng(3)
    n = 200
    data = pd.DataFrame({"t": rng.weibull(1.5, size=n) * 2,
                         "d": (rng.random(n) < 0.8).astype(int), "x": rng.normal(size=n)})
    s, out = run("stset t, failure(d)\nquietly fmm 2: streg x, distribution(weibull)\n"
                 "predict s*, survival", data)
    expected = fmmpy.stset(data, "t", failure="d")
    assert np.allclose(s.data["_t"], expected["_t"]) and s.data["_d"].sum() == data["d"].sum()
    assert f"{int(data['d'].sum()):>11,}  failures in single-record" in out
    res = fmmpy.fmm("2: streg x, distribution(weibull)", data=expected, log=False)
    surv = res.predict("survival", stub="s")
    assert np.allclose(s.data[["s1", "s2"]].to_numpy(), surv.to_numpy(), atol=1e-6)


def test_lrtest_needs_stored_results(stamp):
    with pytest.raises(DoFileError) as err:
        run("quietly fmm 2: regress thickness\nlrtest nosuch", stamp)
    assert err.value.rc == 111


def test_quietly_noisily_capture(stamp):
    s, out = run("quietly summarize\nquietly noisily summarize thickness\n"
                 "capture nosuchcommand\ncapture drop nosuchvar", stamp)
    assert out.count("Variable |") == 1
    assert s.rc == 111


def test_expressions_are_never_evaluated_as_python(stamp):
    with pytest.raises(DoFileError) as err:
        run('generate y = __import__("os").getcwd()', stamp)
    assert err.value.rc == 198


def test_format_refuses_unknown_formats(stamp):
    with pytest.raises(DoFileError) as err:
        run("format thickness %9.2g", stamp)
    assert err.value.rc == 120


def test_progress_line_when_transcript_is_redirected(stamp, monkeypatch):
    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    run("summarize\nsummarize", stamp)
    assert "<string>: 2/2" in term.getvalue() and term.getvalue().endswith("\r")
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    run("summarize", stamp, log=False)
    assert quiet.getvalue() == ""


# -- the command line -----------------------------------------------------------------------

def test_cli_run_reports_line_and_exit_status(tmp_path, capsys):
    (tmp_path / "bad.do").write_text("webuse stamp\n* fit\nhistogram thickness\n")
    assert main(["run", str(tmp_path / "bad.do")]) == 199
    err = capsys.readouterr().err
    assert f"(line 3 of {tmp_path / 'bad.do'}: histogram thickness)" in err and "r(199);" in err


def test_cli_missing_dofile(capsys):
    assert main(["run", "no/such.do"]) == 2
    assert "file no/such.do not found" in capsys.readouterr().err


def test_console_script_entry_point():
    out = subprocess.run([sys.executable, "-m", "fmmpy", "run", "--help"], capture_output=True,
                         text=True, check=True).stdout
    assert "commands fmmpy runs in do-files:" in out and "  predict" in out


def test_nullable_and_string_columns(tmp_path):
    """Columns as pandas users have them (nullable integers, strings with missing
    values) list, summarize, change and save like Stata's variables."""
    data = pd.DataFrame({"a": pd.array([1, None, 3], dtype="Int64"), "s": ["x", None, "zz"]})
    s, out = run(f"list\nsummarize a s\nreplace a = 7 in 2\nsave {tmp_path / 'n'}\n"
                 f"use {tmp_path / 'n'}, clear", data)
    assert "  2. | .      |" in out
    assert "           a |          2           2    1.414214          1          3" in out
    assert "           s |          0" in out
    assert "(1 real change made)" in out
    assert s.data["a"].tolist() == [1, 7, 3] and s.data["s"].tolist() == ["x", "", "zz"]


def test_nolog_option_silences_the_api_too(stamp):
    out = io.StringIO()
    res = fmmpy.fmm("2, nolog: regress thickness", data=stamp, stream=out)
    assert out.getvalue() == "" and "Iteration 0:" in res.iteration_log
    fmmpy.fmm("2, nolog log: regress thickness", data=stamp, stream=out)
    assert "Fitting class model:" in out.getvalue()
