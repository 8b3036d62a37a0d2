"""Tables for notebooks and papers: Markdown, LaTeX, HTML, tidy frames."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest

# (parameter, column) that Stata prints one unit higher in the last digit; see
# tests/test_stamp_seed.py.
BOUNDARY = {("3.Class:_cons", 0), ("2.Class:_cons", 4)}


def _rows_by_name(res, text_rows):
    names = ["1.Class:base"] + list(res.params.index)
    keyed = {}
    for row in text_rows:
        cls, eq, term = row[0], row[1], row[2]
        if term == "(base outcome)":
            keyed[f"{cls}.Class:base"] = row
        elif eq == "Class":
            keyed[f"{cls}.Class:{term}"] = row
        else:
            keyed[f"{cls}.Class:{eq}:{term}"] = row
    assert sorted(keyed) == sorted(names)
    return keyed


def test_markdown_has_statas_numbers(fit_regress3, stata_stamp):
    lines = fit_regress3.to_markdown().splitlines()
    assert lines[0] == ("| Class   | Equation   | Term             |   Coefficient |   Std. err. "
                        "|      z |   P>\\|z\\| |   [95% conf. |   interval] |")
    rows = [[c.strip() for c in ln.split("|")[1:-1]] for ln in lines[2:]]
    keyed = _rows_by_name(fit_regress3, rows)
    for name, want in stata_stamp["regress3"]["rows"].items():
        got = keyed[name][3:]
        for col, (g, w) in enumerate(zip(got, want)):
            if (name, col) in BOUNDARY:
                assert abs(float(g) - float(w)) <= 1.01e-7
            else:
                assert g == w, (name, col)


def test_latex_table(fit_regress3):
    tex = fit_regress3.to_latex(digits=4)
    lines = tex.splitlines()
    assert lines[:2] == ["\\begin{tabular}{lllrrrrrr}", "\\toprule"]
    assert lines[-2:] == ["\\bottomrule", "\\end{tabular}"]
    assert "$P>|z|$" in lines[2] and "[95\\% conf." in lines[2]
    body = [[c.strip() for c in ln.rstrip("\\ ").split("&")] for ln in lines[4:-2]]
    assert len(body) == 1 + len(fit_regress3.params)
    row = next(r for r in body if r[:3] == ["1", "thickness", "\\_cons"])
    coef = fit_regress3.params["1.Class:thickness:_cons"]
    assert row[3] == f"{coef:.4f}"


def test_level_changes_the_interval_header(fit_regress3):
    assert "[90% conf." in fit_regress3.to_markdown(level=90).splitlines()[0]


class _Checker(HTMLParser):
    def __init__(self):
        super().__init__()
        self.stack: list[str] = []
        self.text: list[str] = []

    def handle_starttag(self, tag, attrs):
        self.stack.append(tag)

    def handle_endtag(self, tag):
        assert self.stack and self.stack.pop() == tag, tag

    def handle_data(self, data):
        self.text.append(data)


@pytest.mark.parametrize("which", ["results", "lcprob"])
def test_html_is_well_formed_and_shows_the_numbers(fit_regress3, stata_stamp, which):
    obj = fit_regress3 if which == "results" else fit_regress3.estat_lcprob()
    checker = _Checker()
    checker.feed(obj._repr_html_())
    assert checker.stack == []
    cells = set(checker.text)
    if which == "results":
        rows = stata_stamp["regress3"]["rows"]          # Stata's numbers (the seed)
        assert set(rows["1.Class:thickness:_cons"][:3]) | {
            rows["1.Class:thickness:var(e.thickness)"][0]} <= cells
    else:
        assert set(stata_stamp["regress3"]["lcprob"]["1"]) <= cells


def test_lcprob_tidy(fit_regress3):
    table = fit_regress3.estat_lcprob()
    tidy = table.tidy()
    assert tidy.columns.tolist() == ["class", "margin", "se", "ci_lower", "ci_upper"]
    assert tidy["class"].tolist() == [1, 2, 3]
    assert tidy.set_index("class").equals(table.to_frame().rename_axis("class"))
