"""The ``fmm`` command grammar.

Standard syntax::

    [fmm] # [if] [in] [weight] [, options] : model depvar [indepvars] [, model_options]

Hybrid syntax::

    [fmm] [if] [in] [weight] [, options] : (model1 ...) (model2 ...) ...

A class may carry several equations joined by ``;`` (a fmmpy extension for
multi-equation classes).  Covariates are a Stata varlist or, after ``~``, the
formula form.

Examples
--------
>>> spec = parse_command("3: regress thickness")
>>> spec.k, spec.components[0].equations[0].depvars
(3, ('thickness',))
>>> str(parse_command("fmm: (regress y) (glm y x1, exposure(t) family(lognormal))"))
'fmm: (regress y) (glm y x1, exposure(t) family(lognormal))'
"""

from __future__ import annotations

import re
from dataclasses import replace
from typing import Any

from ..errors import FMMSyntaxError
from ..registry import ModelSyntax, lookup_model, model_names
from .expr import parse_expression_tokens
from .lexer import TokenStream, tokenize
from .options import (
    OptionSchema,
    VarRef,
    as_choice,
    as_float,
    as_int,
    as_name,
    as_names,
    as_suboptions,
    as_varlist,
    as_varref,
    match_options,
    match_word,
    split_options,
)
from .spec import ComponentSpec, EquationSpec, FMMSpec, InRange, StartValues, WeightSpec
from .formula import parse_formula_rhs
from .terms import RHS, VarGroup, extract_groups, parse_varlist

__all__ = ["parse_command", "FMM_OPTIONS", "parse_fmm_option", "log_switch"]

_WEIGHTS = {
    "fweight": "fweight", "fw": "fweight", "frequency": "fweight",
    "pweight": "pweight", "pw": "pweight",
    "iweight": "iweight", "iw": "iweight",
}


# ---------------------------------------------------------------------------
# fmm-level option schemas
# ---------------------------------------------------------------------------


def _vce(text: str, col: int, command: str) -> tuple[Any, ...]:
    words = text.split()
    if not words:
        raise FMMSyntaxError("vce() requires a type: oim, opg, robust or cluster clustvar",
                             command=command, column=col)
    kind = match_word(words[0], {"oim": 3, "opg": 3, "robust": 1, "cluster": 2})
    if kind is None:
        raise FMMSyntaxError(
            f"vce({words[0]}) not allowed; expected oim, opg, robust or cluster clustvar",
            command=command, column=col,
        )
    if kind == "cluster":
        if len(words) != 2:
            raise FMMSyntaxError("vce(cluster clustvar) requires one variable name",
                                 command=command, column=col)
        return ("cluster", VarRef(as_name()(words[1], col, command)))
    if len(words) > 1:
        raise FMMSyntaxError(f"vce({kind}) takes no further arguments", command=command,
                             column=col)
    return (kind,)


def _constraints(text: str, col: int, command: str) -> Any:
    raise FMMSyntaxError("constraints() refers to Stata's numbered constraints; pass the "
                         "constraints themselves as fmmpy.fmm(..., constraints=...), for "
                         "example constraints={'2.Class:_cons': 0}", command=command,
                         column=col)


_SV_METHODS = {"zero": 4, "factor": 3, "classid": 6, "classpr": 6, "randomid": 7,
               "randompr": 7, "jitter": 3, "uniformpr": 7}


def _startvalues(text: str, col: int, command: str) -> StartValues:
    head, _, tail = text.partition(",")
    words = head.split()
    if not words:
        raise FMMSyntaxError("startvalues() requires a method", command=command, column=col)
    method = match_word(words[0], _SV_METHODS)
    if method is None:
        raise FMMSyntaxError(
            f"unknown startvalues() method '{words[0]}'; expected one of "
            + ", ".join(_SV_METHODS), command=command, column=col)
    args: tuple[Any, ...] = ()
    rest = words[1:]
    if method == "classid":
        if len(rest) != 1:
            raise FMMSyntaxError("startvalues(classid varname) requires one variable",
                                 command=command, column=col)
        args = (VarRef(as_name()(rest[0], col, command)),)
    elif method == "classpr":
        if not rest:
            raise FMMSyntaxError("startvalues(classpr varlist) requires variables",
                                 command=command, column=col)
        args = tuple(VarRef(as_name()(w, col, command)) for w in rest)
    elif method == "jitter":
        if len(rest) > 2:
            raise FMMSyntaxError("startvalues(jitter [#c [#v]]) takes at most two numbers",
                                 command=command, column=col)
        args = tuple(as_float(lo=0.0, hi=1e6)(w, col, command) for w in rest)
    elif rest:
        raise FMMSyntaxError(f"startvalues({method}) takes no arguments", command=command,
                             column=col)
    sub = match_options(split_options(tail, col + len(head) + 1, command),
                        (OptionSchema("draws", 4, as_int(minimum=1)),
                         OptionSchema("seed", 4, as_int(minimum=0))),
                        command, context="in startvalues()") if tail.strip() else ()
    opts = dict(sub)
    return StartValues(method, args, opts.get("draws"), opts.get("seed"))


_EMOPTS = (
    OptionSchema("iterate", 4, as_int(minimum=0)),
    OptionSchema("tolerance", 3, as_float(positive=True)),
    OptionSchema("ltolerance", 4, as_float(positive=True)),
)

FMM_OPTIONS: tuple[OptionSchema, ...] = (
    OptionSchema("lcinvariant", 5, as_names(
        {"none": 4, "cons": 4, "coef": 4, "errvar": 6, "scale": 5, "all": 3},
        "lcinvariant() class")),
    OptionSchema("lcprob", 6, as_varlist()),
    OptionSchema("lclabel", 7, as_name("name")),
    OptionSchema("lcbase", 6, as_int(minimum=1)),
    OptionSchema("group", 5, as_varref()),
    OptionSchema("listwise", 8),
    OptionSchema("constraints", 5, _constraints),
    OptionSchema("collinear", 3),
    OptionSchema("vce", 3, _vce),
    OptionSchema("level", 1, as_float(lo=10.0, hi=99.99)),
    OptionSchema("noheader", 4),
    OptionSchema("nodvheader", 10),
    OptionSchema("notable", 5),
    OptionSchema("nocnsreport", 6),
    OptionSchema("startvalues", 6, _startvalues),
    OptionSchema("emopts", 6, as_suboptions(_EMOPTS, "emopts")),
    OptionSchema("noestimate", 5),
    OptionSchema("iterate", 4, as_int(minimum=0)),
    OptionSchema("tolerance", 3, as_float(positive=True)),
    OptionSchema("ltolerance", 4, as_float(positive=True)),
    OptionSchema("nrtolerance", 5, as_float(positive=True)),
    OptionSchema("nonrtolerance", 7),
    OptionSchema("difficult", 3),
    OptionSchema("technique", 4, as_choice({"nr": 2}, "technique")),
    OptionSchema("nolog", 4),
    OptionSchema("log", 3),
)

# Synonyms Stata accepts for vce(): ``robust`` and ``cluster(var)``.
_VCE_SYNONYMS = (OptionSchema("robust", 1), OptionSchema("cluster", 2, as_name()))


def parse_fmm_option(name: str, arg: str | None, command: str = "") -> tuple[str, Any]:
    """Parse one ``fmm`` option given outside the command text (``fmm(..., vce="robust")``).

    Examples
    --------
    >>> parse_fmm_option("vce", "cluster id")
    ('vce', ('cluster', VarRef(name='id')))
    """
    from .options import RawOption

    opts = _match_fmm_options([RawOption(name, arg, 0, 0)], command)
    return opts[0]


def _match_fmm_options(raw: list[Any], command: str) -> tuple[tuple[str, Any], ...]:
    converted: list[Any] = []
    for opt in raw:
        syn = next((s for s in _VCE_SYNONYMS if s.matches(opt.name)), None)
        is_other = any(s.name == opt.name or s.matches(opt.name) for s in FMM_OPTIONS)
        if syn is not None and not is_other:
            arg = "robust" if syn.name == "robust" else f"cluster {opt.arg or ''}"
            converted.append(type(opt)("vce", arg, opt.col, opt.arg_col))
        else:
            converted.append(opt)
    items = match_options(converted, FMM_OPTIONS, command, context="with fmm")
    # nolog/log are display switches, not part of the model.
    return tuple((k, v) for k, v in items if k not in ("nolog", "log"))


def log_switch(command: str) -> bool | None:
    """The display switch among the command's fmm options: ``False`` for ``nolog``,
    ``True`` for ``log``, ``None`` when neither is given (the last one typed wins).

    Examples
    --------
    >>> log_switch("fmm 3, nolog: regress y"), log_switch("fmm 3: regress y")
    (False, None)
    """
    text = command.rstrip()
    m = re.match(r"\s*fmm\b", text)
    pos = m.end() if m is not None else 0
    colons = _scan_depth0(text, ":", pos)
    prefix = text[pos:colons[0] if colons else len(text)]
    comma = _scan_depth0(prefix, ",")
    if not comma:
        return None
    value = None
    switches = {s.name: s for s in FMM_OPTIONS if s.name in ("nolog", "log")}
    for opt in split_options(prefix[comma[0] + 1:], pos + comma[0] + 1, command):
        for name, schema in switches.items():
            if schema.matches(opt.name):
                value = name == "log"
    return value


# ---------------------------------------------------------------------------
# Scanning helpers
# ---------------------------------------------------------------------------


def _scan_depth0(text: str, targets: str, start: int = 0) -> list[int]:
    """Positions of characters in ``targets`` at parenthesis/bracket depth 0, outside quotes."""
    out: list[int] = []
    depth = 0
    quote = False
    for i in range(start, len(text)):
        ch = text[i]
        if ch == '"':
            quote = not quote
        elif quote:
            continue
        elif ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and ch in targets:
            out.append(i)
    return out


def _check_balanced(text: str, offset: int, command: str) -> None:
    stack: list[tuple[str, int]] = []
    pairs = {")": "(", "]": "[", "}": "{"}
    quote = False
    for i, ch in enumerate(text):
        if ch == '"':
            quote = not quote
        elif quote:
            continue
        elif ch in "([{":
            stack.append((ch, i))
        elif ch in ")]}":
            if not stack or stack[-1][0] != pairs[ch]:
                raise FMMSyntaxError(f"unmatched '{ch}'", command=command, column=offset + i)
            stack.pop()
    if quote:
        raise FMMSyntaxError("unmatched '\"'", command=command, column=offset + text.index('"'))
    if stack:
        ch, i = stack[-1]
        closing = {"(": ")", "[": "]", "{": "}"}[ch]
        raise FMMSyntaxError(f"unbalanced parentheses: '{ch}' is never closed by '{closing}'",
                             command=command, column=offset + i)


# ---------------------------------------------------------------------------
# The command
# ---------------------------------------------------------------------------


def parse_command(command: str) -> FMMSpec:
    """Parse an ``fmm`` command into an :class:`FMMSpec`.

    Parameters
    ----------
    command : str
        For example ``"fmm 3: regress thickness"``; the word ``fmm`` is optional.

    Returns
    -------
    FMMSpec

    Raises
    ------
    FMMSyntaxError
        Naming the column of the first mistake and what was expected.

    Examples
    --------
    >>> str(parse_command("2, lcprob(z) : glm y x, fam(lognormal)"))
    'fmm 2, lcprob(z): glm y x, family(lognormal)'
    >>> parse_command("fmm 3 regress y")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMSyntaxError: expected ':' between the fmm options and the model
        fmm 3 regress y
              ^
    """
    if not isinstance(command, str):
        raise FMMSyntaxError(f"the command must be a string, not {type(command).__name__}")
    text = command.rstrip()
    if not text.strip():
        raise FMMSyntaxError("empty command; expected something like 'fmm 3: regress y'",
                             command=command, column=0)
    _check_balanced(text, 0, command)
    pos = len(text) - len(text.lstrip())
    m = re.match(r"fmm\b", text[pos:])
    if m is not None:
        pos += m.end()
    colons = _scan_depth0(text, ":", pos)
    if not colons:
        prefix_end = len(text)
    else:
        prefix_end = colons[0]
    k, if_expr, in_range, weight, options = _parse_prefix(text, pos, prefix_end, command,
                                                          has_colon=bool(colons))
    body_start = prefix_end + 1
    body = text[body_start:]
    if not body.strip():
        raise FMMSyntaxError("expected a model after ':', such as 'regress y'", command=command,
                             column=len(text))
    lead = len(body) - len(body.lstrip())
    if body.lstrip().startswith("("):
        if k is not None:
            raise FMMSyntaxError(
                "the number of classes goes with the standard syntax 'fmm #: model'; "
                "the hybrid syntax 'fmm: (model1) (model2)' takes one component per class",
                command=command, column=pos + (len(text[pos:]) - len(text[pos:].lstrip())))
        components = _parse_hybrid(body, body_start, command)
    else:
        if k is None:
            raise FMMSyntaxError(
                "expected the number of classes: 'fmm #: model ...' "
                "(or the hybrid syntax 'fmm: (model1) (model2)')",
                command=command, column=body_start + lead)
        components = (_parse_component(body, body_start, command, hybrid=False),)
    return FMMSpec(k=k, components=components, if_expr=if_expr, in_range=in_range,
                   weight=weight, options=options)


def _parse_prefix(text: str, start: int, end: int, command: str, has_colon: bool):
    prefix = text[start:end]
    comma = _scan_depth0(prefix, ",")
    opt_text = None
    if comma:
        opt_text = prefix[comma[0] + 1:]
        opt_col = start + comma[0] + 1
        prefix = prefix[:comma[0]]
    ts = TokenStream(tokenize(prefix, start, command), command)
    k: int | None = None
    if_expr = in_range = weight = None
    tok = ts.peek()
    if tok.kind == "number" or (tok.kind == "op" and tok.text == "-"):
        k = _parse_k(ts, command)
    while not ts.at_end():
        tok = ts.peek()
        if tok.kind == "name" and tok.text == "if" and if_expr is None:
            ts.next()
            if ts.at_end() or ts.at_op("[", ","):
                raise ts.error("expected an expression after 'if'")
            if_expr = parse_expression_tokens(ts)
        elif tok.kind == "name" and tok.text == "in" and in_range is None:
            ts.next()
            in_range = _parse_in(ts)
        elif tok.kind == "op" and tok.text == "[" and weight is None:
            weight = _parse_weight(ts)
        elif not has_colon:
            raise ts.error("expected ':' between the fmm options and the model", tok)
        elif tok.kind == "number":
            raise ts.error("the number of classes must come first: 'fmm # [if] [in] ...'", tok)
        else:
            raise ts.error(f"unexpected {tok.text!r}; expected if, in, [weight], ',' or ':'", tok)
    options: tuple[tuple[str, Any], ...] = ()
    if opt_text is not None:
        if not has_colon:
            raise FMMSyntaxError("expected ':' between the fmm options and the model",
                                 command=command, column=end)
        options = _match_fmm_options(split_options(opt_text, opt_col, command), command)
    return k, if_expr, in_range, weight, options


def _parse_k(ts: TokenStream, command: str) -> int:
    tok = ts.next()
    if tok.kind == "op":  # a minus sign
        nxt = ts.peek()
        raise ts.error(f"the number of classes must be a positive integer, found -{nxt.text}", tok)
    if not re.fullmatch(r"\d+", tok.text):
        raise ts.error(f"the number of classes must be a positive integer, found {tok.text}", tok)
    k = int(tok.text)
    if k < 1:
        raise ts.error("the number of classes must be at least 1", tok)
    return k


def _parse_in(ts: TokenStream) -> InRange:
    def bound() -> int:
        neg = False
        if ts.at_op("-"):
            ts.next()
            neg = True
        tok = ts.next()
        if tok.kind == "name" and tok.text in ("f", "l"):
            if neg:
                raise ts.error("expected a number after '-'", tok)
            return 1 if tok.text == "f" else -1
        if tok.kind != "number" or not tok.text.isdigit() or int(tok.text) == 0:
            raise ts.error("expected a range such as 'in 1/100', 'in -10/l' or 'in f/50'", tok)
        return -int(tok.text) if neg else int(tok.text)

    first = bound()
    last = first
    if ts.at_op("/"):
        ts.next()
        last = bound()
    return InRange(first, last)


def _parse_weight(ts: TokenStream) -> WeightSpec:
    ts.expect_op("[")
    kind_tok = ts.next()
    if kind_tok.kind != "name":
        raise ts.error("expected a weight type such as fweight, pweight or iweight", kind_tok)
    if kind_tok.text in ("aweight", "aw"):
        raise ts.error("aweights not allowed with fmm; use fweight, pweight or iweight", kind_tok)
    kind = _WEIGHTS.get(kind_tok.text)
    if kind is None:
        raise ts.error(f"unknown weight type '{kind_tok.text}'; expected fweight, pweight "
                       "or iweight", kind_tok)
    ts.expect_op("=", "'=' after the weight type")
    var_tok = ts.next()
    if var_tok.kind != "name":
        raise ts.error("expected a variable name for the weight", var_tok)
    ts.expect_op("]", "']' closing the weight")
    return WeightSpec(kind, var_tok.text)


def _parse_hybrid(body: str, offset: int, command: str) -> tuple[ComponentSpec, ...]:
    comps: list[ComponentSpec] = []
    i = 0
    while i < len(body):
        ch = body[i]
        if ch.isspace():
            i += 1
            continue
        if ch != "(":
            raise FMMSyntaxError("expected '(' starting the next component, as in "
                                 "'fmm: (regress y) (poisson y)'", command=command,
                                 column=offset + i)
        depth, j = 0, i
        while j < len(body):
            if body[j] == "(":
                depth += 1
            elif body[j] == ")":
                depth -= 1
                if depth == 0:
                    break
            j += 1
        inner = body[i + 1:j]
        if not inner.strip():
            raise FMMSyntaxError("empty component '()'", command=command, column=offset + i)
        comps.append(_parse_component(inner, offset + i + 1, command, hybrid=True))
        i = j + 1
    return tuple(comps)


_LCPROB_SCHEMA = OptionSchema("lcprob", 6, as_varlist())


def _parse_component(text: str, offset: int, command: str, hybrid: bool) -> ComponentSpec:
    pieces: list[tuple[str, int]] = []
    start = 0
    for semi in _scan_depth0(text, ";"):
        pieces.append((text[start:semi], offset + start))
        start = semi + 1
    pieces.append((text[start:], offset + start))
    equations: list[EquationSpec] = []
    lcprob: RHS | None = None
    for piece, col in pieces:
        if not piece.strip():
            raise FMMSyntaxError("expected a model equation around ';'", command=command,
                                 column=col)
        eq, eq_lcprob = _parse_equation(piece, col, command, hybrid)
        equations.append(eq)
        if eq_lcprob is not None:
            lcprob = eq_lcprob
    return ComponentSpec(tuple(equations), lcprob)


def _parse_equation(text: str, offset: int, command: str, hybrid: bool):
    comma = _scan_depth0(text, ",")
    head = text[:comma[0]] if comma else text
    opt_text = text[comma[0] + 1:] if comma else ""
    opt_col = offset + comma[0] + 1 if comma else offset + len(text)
    lead = len(head) - len(head.lstrip())
    m = re.match(r"[A-Za-z_][A-Za-z0-9_]*", head[lead:])
    if m is None:
        raise FMMSyntaxError("expected a model name such as regress, poisson or glm",
                             command=command, column=offset + lead)
    typed = m.group()
    syntax = lookup_model(typed)
    if syntax is None:
        raise FMMSyntaxError(
            f"unknown model '{typed}'; fmm models are: {', '.join(model_names())}",
            command=command, column=offset + lead)
    rest = head[lead + m.end():]
    rest_col = offset + lead + m.end()
    depvars, rhs, groups = _parse_vars(syntax, rest, rest_col, command)
    schemas = syntax.options + ((_LCPROB_SCHEMA,) if hybrid else ())
    raw = split_options(opt_text, opt_col, command)
    if not hybrid:
        for r in raw:
            if _LCPROB_SCHEMA.matches(r.name):
                raise FMMSyntaxError(
                    "lcprob() goes before the colon in the standard syntax "
                    "('fmm 2, lcprob(z): regress y'), or inside a component in the hybrid syntax",
                    command=command, column=r.col)
    items = match_options(raw, schemas, command, context=f"with {syntax.name}")
    lcprob = None
    kept: list[tuple[str, Any]] = []
    for key, value in items:
        if key == "lcprob":
            lcprob = value
        else:
            kept.append((key, value))
    if dict(kept).get("noconstant"):
        rhs = replace(rhs, constant=False)
    return EquationSpec(syntax.name, depvars, rhs, tuple(kept), groups), lcprob


def _parse_vars(syntax: ModelSyntax, text: str, col: int, command: str
                ) -> tuple[tuple[str, ...], RHS, tuple[VarGroup, ...]]:
    tilde = _scan_depth0(text, "~")
    if tilde and syntax.n_groups:
        raise FMMSyntaxError(f"{syntax.name} takes a Stata varlist with a "
                             "(varlist2 = varlist_iv) group, not the formula form",
                             command=command, column=col + tilde[0])
    if tilde:
        lhs = text[:tilde[0]]
        names = [(mm.group(), col + mm.start()) for mm in re.finditer(r"[^\s+]+", lhs)]
        depvars = _check_depvars(syntax, names, col + tilde[0], command)
        rhs = parse_formula_rhs(text[tilde[0] + 1:], col + tilde[0] + 1, command)
        return depvars, rhs, ()
    items = [(mm.group(), col + mm.start()) for mm in re.finditer(r"\S+", text)]
    dep_items = items[:syntax.n_depvars]
    depvars = _check_depvars(syntax, dep_items, col + len(text), command)
    rest_start = (dep_items[-1][1] + len(dep_items[-1][0]) - col) if dep_items else 0
    rest, groups = extract_groups(text[rest_start:], col + rest_start, command)
    if len(groups) != syntax.n_groups:
        if syntax.n_groups:
            raise FMMSyntaxError(f"{syntax.name} requires {syntax.n_groups} group(s) "
                                 "'(varlist2 = varlist_iv)', as in 'ivregress y x1 (y2 = z1)'",
                                 command=command, column=col + len(text))
        raise FMMSyntaxError(f"{syntax.name} does not take a '(varlist = varlist)' group",
                             command=command, column=col + text.index("(", rest_start))
    rhs = parse_varlist(rest, col + rest_start, command)
    return depvars, rhs, groups


def _check_depvars(syntax: ModelSyntax, items: list[tuple[str, int]], end_col: int,
                   command: str) -> tuple[str, ...]:
    if len(items) < syntax.n_depvars:
        want = "a dependent variable" if syntax.n_depvars == 1 else \
            f"{syntax.n_depvars} dependent variables"
        raise FMMSyntaxError(f"{syntax.name} requires {want}", command=command, column=end_col)
    if len(items) > syntax.n_depvars and syntax.n_depvars:
        extra = items[syntax.n_depvars]
        raise FMMSyntaxError(f"{syntax.name} takes {syntax.n_depvars} dependent variable(s) "
                             "before '~'", command=command, column=extra[1])
    out: list[str] = []
    for name, c in items:
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise FMMSyntaxError(f"dependent variable '{name}' must be a plain variable name",
                                 command=command, column=c)
        out.append(name)
    return tuple(out)

