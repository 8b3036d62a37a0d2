"""The documentation: it builds without warnings (mkdocs --strict, with the API
reference from the docstrings), its generated parts are current, and its command
table lists every command the do-file runner knows."""

from __future__ import annotations

import importlib.util
import re
import subprocess
import sys
from pathlib import Path

import pytest

from fmmpy.dofile import COMMANDS

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def test_docs_build_without_warnings(tmp_path):
    pytest.importorskip("mkdocs", reason="mkdocs comes with the test extra")
    pytest.importorskip("mkdocstrings", reason="mkdocstrings comes with the test extra")
    run = subprocess.run([sys.executable, "-m", "mkdocs", "build", "--strict",
                          "--config-file", str(ROOT / "mkdocs.yml"),
                          "--site-dir", str(tmp_path / "site")],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert "WARNING" not in run.stderr, run.stderr
    api = (tmp_path / "site" / "api" / "index.html").read_text()
    assert "mixture_density" in api and "run_dofile" in api  # the docstrings were rendered


def test_command_table_lists_every_command():
    text = (DOCS / "dofiles.md").read_text()
    table = re.findall(r"^\| `([a-z]+)` \|", text, flags=re.M)
    assert sorted(table) == COMMANDS.names()


def test_markdown_table_snippet_is_current(fit_regress3):
    assert (DOCS / "snippets" / "stamp.to_markdown.txt").read_text() == \
        fit_regress3.to_markdown() + "\n"


def test_pictures_are_produced_by_the_script(tmp_path):
    pytest.importorskip("matplotlib")
    spec = importlib.util.spec_from_file_location("regenerate", DOCS / "regenerate.py")
    regenerate = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(regenerate)
    written = regenerate.figures(tmp_path)
    assert sorted(p.name for p in written) == sorted(p.name for p in (DOCS / "img").glob("*.png"))
    for path in written:
        assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
