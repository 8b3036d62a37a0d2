"""The seed's stamp walk-through as a do-file, run from the shell
(``python -m fmmpy run examples/stamp.do``), against Stata's published output
(tests/reference/stata_fmm_intro_stamp.json, copied from [FMM] fmm intro).

Two printed values lie within 5e-8 of a rounding boundary at the exact maximum and
Stata, which reports its last Newton iterate, rounds them the other way; see the
docstring of tests/test_stamp_seed.py.  For those two the test checks one unit of the
last printed digit instead of the string.
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fmmpy.dofile import Session

ROOT = Path(__file__).resolve().parents[1]
BOUNDARY = {("3.Class:_cons", 0), ("2.Class:_cons", 4)}
ROW_ORDER = ["2.Class:_cons", "3.Class:_cons"] + [
    f"{j}.Class:thickness:{t}" for j in (1, 2, 3) for t in ("_cons", "var(e.thickness)")]


@pytest.fixture(scope="module")
def transcript():
    run = subprocess.run([sys.executable, "-m", "fmmpy", "run", "examples/stamp.do"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    return run.stdout


def _block(text: str, start: str, end: str) -> str:
    return text[text.index(start):text.index(end)]


def test_commands_are_echoed_as_stata_does(transcript):
    assert transcript.startswith(". * Stata's [FMM] fmm intro")
    assert "\n. use data/stamp.dta, clear\n(1872 Hidalgo stamp of Mexico)\n\n. fmm 3:" in transcript
    assert "\n. quietly fmm 3: glm thickness, ///\n>     family(lognormal)\n\n. predict" \
        in transcript
    assert transcript.rstrip().endswith("(results normal are active now)\n\nend of do-file")


def test_fit_log_and_likelihood(transcript, stata_stamp):
    ref = stata_stamp["regress3"]
    fit = _block(transcript, ". fmm 3: regress", ". estat lcprob")
    assert f"Iteration 0:  (class) log likelihood = {ref['class_model_ll']}" in fit
    assert f"Iteration 0:  (outcome) log likelihood = {ref['outcome_model_ll']}" in fit
    assert f"Iteration 0:  (EM) log likelihood = {ref['em_iteration0']}" in fit
    assert f"Log likelihood = {ref['ll']}" in fit
    assert f"Number of obs = {ref['nobs']}" in fit


def test_coefficient_tables(transcript, stata_stamp):
    fit = _block(transcript, ". fmm 3: regress", ". estat lcprob")
    rows = [line.split("|")[1].split() for line in fit.splitlines()
            if re.match(r"^\s*_cons \||^var\(e\.thic~s\)\|", line)]
    assert len(rows) == len(ROW_ORDER)
    for name, got in zip(ROW_ORDER, rows):
        want = [v for v in stata_stamp["regress3"]["rows"][name] if v != ""]
        assert len(got) == len(want), name
        for col, (g, w) in enumerate(zip(got, want)):
            if (name, col) in BOUNDARY:
                assert abs(float(g) - float(w)) <= 1.01e-7, (name, col, g, w)
            else:
                assert g == w, (name, col, g, w)


def test_estat_lcprob(transcript, stata_stamp):
    table = _block(transcript, ". estat lcprob", ". estimates store")
    for cls, expected in stata_stamp["regress3"]["lcprob"].items():
        line = next(x for x in table.splitlines() if re.match(rf"^\s+{cls}  \|", x))
        assert line.split("|")[1].split() == expected


def test_listed_posterior_probabilities(transcript, stata_stamp):
    normal = _block(transcript, ". list thickness pr*", ". * The mixture of lognormals")
    assert normal.splitlines()[2:7] == [
        "     +-----------------------------------+",
        "     | thickness     pr1     pr2     pr3 |",
        "     |-----------------------------------|",
        "  1. |       .06   0.000   0.000   1.000 |",
        "     +-----------------------------------+"]
    assert normal.splitlines()[5].split("|")[1].split() == stata_stamp["regress3"]["posterior"][0]
    lognormal = transcript[transcript.index(". list thickness lpr*"):]
    row = next(x for x in lognormal.splitlines() if x.startswith("  1. |"))
    got = [float(v) for v in row.split("|")[1].split()]
    want = [float(v) for v in stata_stamp["lognormal3"]["posterior"][0]]
    assert got == want


def test_every_listed_posterior_matches_the_seed_table(stamp, fit_regress3, stata_stamp):
    """All 485 listed rows against the seed's table of posteriors by thickness."""
    out = io.StringIO()
    s = Session(stamp, stream=out)
    s.results = fit_regress3
    s.run("predict pr*, classposteriorpr\nformat %4.3f pr*\n"
          "list thickness pr*, abbreviate(10) separator(0)")
    rows = [line.split("|")[1].split() for line in out.getvalue().splitlines()
            if re.match(r"^\s*\d+\. \|", line)]
    assert len(rows) == 485
    ref = stata_stamp["regress3"]
    table = {float(t): probs for t, *probs in ref["posterior"]}
    lo, hi, *rest = ref["posterior_range"]
    checked = 0
    for t, *probs in rows:
        x = float(t)
        if x in table:
            assert probs == table[x], t
            checked += 1
        elif float(lo) <= x <= float(hi):
            assert probs == rest, t
            checked += 1
    assert checked == 485


def test_docs_transcript_is_current(transcript):
    """docs/snippets/stamp.do.log (shown in the docs) is what the do-file prints now;
    run python docs/regenerate.py after an intended change."""
    assert (ROOT / "docs" / "snippets" / "stamp.do.log").read_text() == transcript
