"""Parser: round trips through str(spec), abbreviations, factor variables, the
formula form, and errors that point at the column of the mistake."""

from __future__ import annotations

import pytest

import fmmpy
from fmmpy import FMMSyntaxError
from fmmpy.parse import parse_command, parse_varlist

ROUND_TRIP = [
    "fmm 3: regress thickness",
    "3: regress thickness",
    "fmm 3: glm thickness, family(lognormal)",
    "fmm 2 if x > 1 & !missing(z) in 1/100 [fweight=w], vce(robust) lcprob(z): regress y x",
    "fmm 2, lcinvariant(errvar cons) lcbase(2) lclabel(Type): regress y i.g c.x#c.x",
    "fmm: (regress y) (glm y x, family(lognormal) lcprob(z))",
    "fmm 2, startvalues(randompr, draws(20) seed(1)) emopts(iterate(50) ltolerance(1e-8)): regress y",
    "fmm 2: regress y ~ x + C(g) + I(t**2) - 1",
    "fmm 2 [pw=w], vce(cluster id) level(90): regress y x ; glm z, family(gaussian)",
    "fmm 3 in -10/l: regress y ib2.g##c.x",
    "fmm 2, noestimate iterate(5) tolerance(1e-5) difficult: regress y x, noconstant",
]


@pytest.mark.parametrize("command", ROUND_TRIP)
def test_round_trip(command):
    spec = parse_command(command)
    again = parse_command(str(spec))
    assert again == spec
    assert str(again) == str(spec)


def test_canonical_text():
    assert str(parse_command("3: reg thickness")) == "fmm 3: regress thickness"
    spec = parse_command("fmm 2,vce(r) lcinv(errvar) iter(7) : glm y x,fam(logn) l(log)")
    assert str(spec) == ("fmm 2, vce(robust) lcinvariant(errvar) iterate(7): "
                         "glm y x, family(lognormal) link(log)")


def test_equals_form_of_options():
    a = parse_command("fmm 2: glm y, family=lognormal")
    b = parse_command("fmm 2: glm y, family(lognormal)")
    assert a == b


def test_standard_and_hybrid_components():
    spec = parse_command("fmm 3: regress y x")
    assert spec.nclasses == 3 and not spec.hybrid
    assert len(spec.class_components) == 3
    assert spec.class_components[0] is spec.class_components[2]
    hyb = parse_command("fmm: (regress y) (regress y x) (glm y, family(lognormal))")
    assert hyb.hybrid and hyb.nclasses == 3
    assert [c.equations[0].model for c in hyb.class_components] == ["regress", "regress", "glm"]


def test_multi_equation_class():
    spec = parse_command("fmm 2: regress speed t c.t#c.t ; glm z t, family(gaussian)")
    eqs = spec.components[0].equations
    assert [e.depvars for e in eqs] == [("speed",), ("z",)]


def test_settings_defaults_and_values():
    s = parse_command("fmm 2, emopts(iter(5)) level(90) vce(opg): regress y").settings
    assert (s.emiterate, s.level, s.vce, s.iterate, s.tolerance) == (5, 90.0, ("opg",), 300, 1e-6)
    sv = parse_command("fmm 2, startv(classid g): regress y").settings.startvalues
    assert sv.method == "classid" and str(sv.args[0]) == "g"


def test_variables_listed():
    spec = parse_command("fmm 2 if a > 0 [fw=w], lcprob(z) vce(cluster id): glm y x, exposure(t)")
    assert set(spec.variables()) == {"y", "x", "t", "z", "id", "a", "w"}


def test_factor_variable_notation():
    rhs = parse_varlist("x##z")
    assert [str(t) for t in rhs.terms] == ["i.x", "i.z", "i.x#i.z"]
    rhs = parse_varlist("c.x##c.z")
    assert [str(t) for t in rhs.terms] == ["c.x", "c.z", "c.x#c.z"]
    rhs = parse_varlist("i.(a b) ib(last).g c.t#c.t#c.t")
    assert [str(t) for t in rhs.terms] == ["i.a", "i.b", "ib(last).g", "c.t#c.t#c.t"]
    assert parse_varlist("x*").terms[0].factors[0].is_pattern


@pytest.mark.parametrize("command,column,fragment", [
    ("fmm 3 regress y", 6, "expected ':'"),
    ("fmm 0: regress y", 4, "at least 1"),
    ("fmm 2.5: regress y", 4, "positive integer"),
    ("fmm -2: regress y", 4, "positive integer"),
    ("fmm 2: regres2 y", 7, "unknown model 'regres2'"),
    ("fmm 2: regress", 14, "requires a dependent variable"),
    ("fmm 2, foo: regress y", 7, "option foo not allowed"),
    ("fmm 2: regress y, family(x)", 18, "not allowed with regress"),
    ("fmm 2: (regress y", 7, "unbalanced parentheses"),
    ("fmm 2: regress y)", 16, "unmatched ')'"),
    ("fmm 2 if x >: regress y", 12, "expected a number"),
    ("", 0, "empty command"),
    ("fmm: regress y", 5, "number of classes"),
    ("fmm 2: glm y, family(lognormall)", 21, "unknown family"),
    ("fmm 2: regress y x, lcprob(z)", 20, "lcprob() goes before the colon"),
    ("fmm 2 [aw=w]: regress y", 7, "aweights not allowed"),
    ("fmm 2: regress y ~ x + {__import__(\"os\")}", 24, "unknown function"),
    ("fmm 2: regress y ~ x + {open('f')}", 29, "unexpected character"),
    ("fmm 2: regress y ~ x + exec(1)", 23, "unknown function exec()"),
    ("fmm 2, vce(bogus): regress y", 11, "vce(bogus) not allowed"),
    ("fmm 2, level(101): regress y", 13, "between 10 and 99.99"),
    ("fmm 2: regress y z#", 19, "expected a variable next to '#'"),
    ("fmm 2: regress y b2.x", 17, "unknown factor-variable operator"),
    ("fmm 3: (regress y) (regress y)", 4, "hybrid syntax"),
])
def test_syntax_errors_point_at_column(command, column, fragment):
    with pytest.raises(FMMSyntaxError) as info:
        parse_command(command)
    err = info.value
    assert fragment in err.message
    assert err.column == column, (err.column, str(err))
    assert isinstance(err, fmmpy.FMMError)
    if command:
        caret_line = str(err).splitlines()[-1]
        assert caret_line.index("^") - 4 == column


def test_non_string_command():
    with pytest.raises(FMMSyntaxError):
        parse_command(3)  # type: ignore[arg-type]
