"""Golden-file tests of the printed output (Stata's layout): these tests pin the layout
(column positions, formats, headers, blank lines) and the numbers as printed.

Where the numbers come from: the stamp files' are Stata's published output, checked
in test_stamp_seed.py; the mixreg files (a simulated mixture, no Stata run) are
fmmpy's, vouched for by independent references elsewhere -- the lcprob fit by a direct
scipy maximization (test_class_model.test_lcprob_matches_direct_maximization), the
cluster and constrained robust standard errors by sandwiches from numerical scores of
a scipy likelihood (test_vce_weights.test_two_class_sandwich_equals_independent_sandwich).
"""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

GOLDEN = Path(__file__).parent / "golden"
spec = importlib.util.spec_from_file_location("regenerate", GOLDEN / "regenerate.py")
regenerate = importlib.util.module_from_spec(spec)
spec.loader.exec_module(regenerate)


@pytest.mark.parametrize("name,case", sorted(regenerate.CASES.items()))
def test_printed_output_matches_golden_file(name, case):
    expected = (GOLDEN / name).read_text()
    assert regenerate.render(case) == expected


def test_tables_are_78_columns(fit_regress3):
    for line in fit_regress3.summary().splitlines():
        assert len(line) <= 78, line


def test_table_layout_lines(fit_regress3):
    lines = fit_regress3.summary().splitlines()
    assert lines[0] == ("Finite mixture model" + " " * 39 + "Number of obs = 485")
    assert lines[1] == "Log likelihood = 1518.8484"
    assert ("             | Coefficient  Std. err.      z    P>|z|     [95% conf. interval]"
            in lines)
    assert "1.Class      |  (base outcome)" in lines
    assert ("var(e.thic~s)|   1.71e-06   4.49e-07                      1.02e-06    2.86e-06"
            in lines)
    assert ("       _cons |   .0712183   .0002011   354.20   0.000     .0708242    .0716124"
            in lines)
    assert lines.count("Class          : 3") == 1


def test_print_includes_iteration_log(fit_regress3):
    text = str(fit_regress3)
    assert text.startswith("Fitting class model:")
    assert "Fitting full model:" in text
    assert text.index("Fitting full model:") < text.index("Finite mixture model")


def test_html_repr(fit_regress3):
    html = fit_regress3._repr_html_()
    assert "<table>" in html and "(base outcome)" in html and ".6410696" in html
    assert "<td>.1942968</td>" in fit_regress3.estat_lcprob()._repr_html_()
