"""The fmmpy command line."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from fmmpy.cli import main

ROOT = Path(__file__).resolve().parents[1]


def test_cli_prints_stata_output(capsys):
    rc = main(["fmm 3: regress thickness", "estat lcprob", "--data",
               str(ROOT / "data" / "stamp.dta")])
    out = capsys.readouterr().out
    assert rc == 0
    assert out.startswith(". fmm 3: regress thickness\n\nFitting class model:")
    assert "Log likelihood = 1518.8484" in out
    assert "          1  |   .1942968   .0221242      .1545535    .2413428" in out


def test_cli_syntax_error_exit_code(capsys):
    rc = main(["fmm 3 regress thickness", "--data", str(ROOT / "data" / "stamp.csv")])
    err = capsys.readouterr().err
    assert rc == 198 and "expected ':'" in err and "r(198);" in err


def test_cli_missing_file(capsys):
    assert main(["fmm 2: regress y", "--data", "no/such.dta"]) == 2
    assert "not found" in capsys.readouterr().err


def test_python_dash_m():
    out = subprocess.run([sys.executable, "-m", "fmmpy", "fmm 2: regress thickness",
                          "--data", str(ROOT / "data" / "stamp.dta"), "--nolog"],
                         capture_output=True, text=True, check=True).stdout
    assert "Finite mixture model" in out and "Fitting class model" not in out


def test_stamp_dta_is_float32():
    import pandas as pd

    d = pd.read_stata(ROOT / "data" / "stamp.dta")
    assert str(d["thickness"].dtype) == "float32" and len(d) == 485
