"""The worked examples of the component-model pages run and print exactly what the
pages show (the pages were written from these runs)."""

from __future__ import annotations

import contextlib
import io
import re
from pathlib import Path

import pytest

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize("page", ["binary.md", "ordinal.md", "mlogit.md", "counts.md",
                                  "pointmass.md"])
def test_worked_example_prints_what_the_page_shows(page):
    text = (DOCS / page).read_text()
    m = re.search(r"```python\n(.*?)```\n\n```\n(.*?)```", text, flags=re.S)
    assert m, f"{page}: no example followed by its output"
    code, shown = m.groups()
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        exec(compile(code, page, "exec"), {"__name__": "docs_example"})  # our own page
    assert out.getvalue() == shown
