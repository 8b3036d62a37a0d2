"""If-expressions: parsed (never eval'ed) and evaluated with Stata's semantics."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from fmmpy import FMMDataError, FMMSyntaxError
from fmmpy.expr_eval import evaluate, evaluate_condition
from fmmpy.parse.expr import parse_expression

DF = pd.DataFrame({"x": [1.0, np.nan, 3.0, 10.0], "s": ["a", "b", "", "a"],
                   "g": [1, 2, 2, 3]})


def cond(text):
    return evaluate_condition(parse_expression(text), DF).tolist()


def test_missing_is_larger_than_any_number():
    assert cond("x > 2") == [False, True, True, True]       # Stata: . > 2 is true
    assert cond("x < .") == [True, False, True, True]
    assert cond("x == .") == [False, True, False, False]
    assert cond("!missing(x) & x > 2") == [False, False, True, True]


def test_functions_and_logic():
    assert cond("inrange(x, 1, 3)") == [True, False, True, False]
    assert cond("inlist(g, 1, 3)") == [True, False, False, True]
    assert cond('s == "a" | g == 2') == [True, True, True, True]
    assert cond("mod(g, 2) == 0") == [False, True, True, False]
    assert cond("!(g == 2)") == [True, False, False, True]


def test_precedence_follows_stata():
    assert evaluate(parse_expression("-2^2"), DF)[0] == -4.0
    assert evaluate(parse_expression("2^3^2"), DF)[0] == 64.0        # left associative
    assert evaluate(parse_expression("1 + 2 * 3 == 7"), DF)[0] == 1.0
    assert str(parse_expression("(a | b) & c")) == "(a | b) & c"


def test_arithmetic_with_missing_and_logs():
    v = evaluate(parse_expression("ln(x - 1) + x / 0"), DF)
    assert np.isnan(v).all()
    assert evaluate(parse_expression("ln(x)"), DF)[2] == pytest.approx(np.log(3))


@pytest.mark.parametrize("text", ["x >", "x == (1", "foo(x)", "__import__('os')", "x.y",
                                  "inrange(x, 1)"])
def test_bad_expressions_raise_syntax_error(text):
    with pytest.raises(FMMSyntaxError):
        parse_expression(text)


def test_unknown_variable_and_type_mismatch():
    with pytest.raises(FMMDataError, match="variable nosuch not found"):
        evaluate(parse_expression("nosuch > 1"), DF)
    with pytest.raises(FMMDataError, match="type mismatch"):
        evaluate(parse_expression('s + 1'), DF)
