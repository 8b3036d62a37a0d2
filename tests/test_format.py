"""Stata's number formats, checked on every number the seed prints."""

from __future__ import annotations

import pytest

from fmmpy.display.format import abbrev, fmt_f, fmt_g


@pytest.mark.parametrize("value,width,text", [
    (0.64106961, 9, ".6410696"), (0.16250889, 9, ".1625089"), (1.1029083, 9, "1.102908"),
    (0.00020107, 9, ".0002011"), (1.7138e-06, 9, "1.71e-06"), (4.4856e-07, 9, "4.49e-07"),
    (0.00019667, 9, ".0001967"), (2.2311e-05, 9, ".0000223"), (0.0278850, 9, ".027885"),
    (0.4920300, 9, ".49203"), (-0.0070411, 9, "-.0070411"), (39.44028, 9, "39.44028"),
    (-532.82489673, 10, "-532.8249"), (1518.84838, 10, "1518.8484"),
    (1410.99198, 10, "1410.992"), (123456789.0, 9, "1.23e+08"), (0.0, 9, "0"),
    (float("nan"), 9, "."),
])
def test_fmt_g(value, width, text):
    assert fmt_g(value, width) == text


def test_fmt_f_and_abbrev():
    assert fmt_f(354.20487, 9, 2) == "   354.20"
    assert fmt_f(0.00004, 8, 3) == "   0.000"
    assert abbrev("var(e.thickness)", 13) == "var(e.thic~s)"
    assert abbrev("thickness", 12) == "thickness"
