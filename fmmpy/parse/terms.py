"""Right-hand sides of component models: Stata varlists with factor-variable notation
and the formulaic-style formula form ``y ~ x + C(z)``, both parsed into one
immutable tree of :class:`Term` objects.

The design stage turns the tree into formulaic text of its own making (variable
names are validated identifiers, transforms are computed by fmmpy), so user text
never reaches formulaic's Python evaluation.

Examples
--------
>>> rhs = parse_varlist("x##ib2.g c.t#c.t")
>>> str(rhs)
'i.x ib2.g i.x#ib2.g c.t#c.t'
>>> rhs.variables()
('x', 'g', 't')
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from itertools import combinations

from ..errors import FMMSyntaxError
from .expr import Expr, Var

__all__ = ["Factor", "Term", "RHS", "VarGroup", "parse_varlist", "extract_groups"]

_NAME = r"[A-Za-z_][A-Za-z0-9_]*"
_NAME_RE = re.compile(rf"^{_NAME}$")
_PATTERN_RE = re.compile(r"^[A-Za-z_*?][A-Za-z0-9_*?]*$")


@dataclass(frozen=True)
class Factor:
    """One factor of a term.

    Attributes
    ----------
    var : str
        Variable name, or a wildcard pattern (``x*``) or range (``x1-x5``) that the
        design stage expands against the data's columns.
    categorical : bool
        ``i.``-style factor (indicator coding) or continuous.
    base : str or None
        Base level of a categorical factor: a value (``"2"``), ``"first"``,
        ``"last"`` or ``"freq"``; ``None`` means Stata's default (lowest value).
    expr : Expr or None
        A continuous transform from the formula form (``log(z)``); ``None`` for a
        plain variable.
    explicit : bool
        Whether a ``c.`` prefix was written (kept so ``str()`` is faithful).
    """

    var: str
    categorical: bool = False
    base: str | None = None
    expr: Expr | None = None
    explicit: bool = field(default=False, compare=False)

    @property
    def is_pattern(self) -> bool:
        return any(ch in self.var for ch in "*?-")

    def variables(self) -> tuple[str, ...]:
        if self.expr is not None:
            return tuple(sorted(self.expr.variables()))
        return (self.var,)

    def stata(self, in_interaction: bool) -> str:
        if self.categorical:
            if self.base is None:
                return f"i.{self.var}"
            if re.fullmatch(r"\d+", self.base):
                return f"ib{self.base}.{self.var}"
            return f"ib({self.base}).{self.var}"
        if self.expr is not None:
            return str(self.expr)
        return f"c.{self.var}" if (in_interaction or self.explicit) else self.var

    def formula(self) -> str:
        if self.categorical:
            if self.base is None:
                return f"C({self.var})"
            return f"C({self.var}, base={self.base})"
        if self.expr is not None:
            if isinstance(self.expr, Var):
                return self.expr.name
            return f"I({str(self.expr).replace('^', '**')})"
        return self.var


@dataclass(frozen=True)
class Term:
    """A product of factors (a main effect has one factor).

    Examples
    --------
    >>> str(Term((Factor("x", categorical=True), Factor("z"))))
    'i.x#c.z'
    """

    factors: tuple[Factor, ...]

    def __str__(self) -> str:
        inter = len(self.factors) > 1
        return "#".join(f.stata(inter) for f in self.factors)

    def formula(self) -> str:
        return ":".join(f.formula() for f in self.factors)

    def variables(self) -> tuple[str, ...]:
        out: list[str] = []
        for f in self.factors:
            out.extend(v for v in f.variables() if v not in out)
        return tuple(out)


@dataclass(frozen=True)
class RHS:
    """The covariates of one equation.

    Attributes
    ----------
    terms : tuple of Term
        In the user's order (Stata's order in the tables).
    constant : bool
        Whether ``_cons`` is included.
    form : {"varlist", "formula"}
        How the user wrote it, so ``str()`` answers in kind.
    """

    terms: tuple[Term, ...] = ()
    constant: bool = True
    form: str = "varlist"

    def __str__(self) -> str:
        if self.form == "formula":
            parts = [t.formula() for t in self.terms]
            if not self.constant:
                parts.append("-1")
            if not parts:
                return "1"
            return " + ".join(parts).replace("+ -1", "- 1")
        return " ".join(str(t) for t in self.terms)

    def variables(self) -> tuple[str, ...]:
        out: list[str] = []
        for t in self.terms:
            out.extend(v for v in t.variables() if v not in out)
        return tuple(out)


# ---------------------------------------------------------------------------
# Stata varlists
# ---------------------------------------------------------------------------

_PREFIX_RE = re.compile(
    r"^(?:(?P<c>c)|(?P<i>i)|(?P<ib>ib(?:(?P<bnum>\d+)|\((?P<bword>first|last|freq|\d+)\)))"
    r"|(?P<ibn>ibn)|(?P<o>o))\.",
)


def _split_varlist(text: str, offset: int, command: str) -> list[tuple[str, int]]:
    """Split a varlist on whitespace, keeping parenthesized groups together."""
    items: list[tuple[str, int]] = []
    depth = 0
    start: int | None = None
    for i, ch in enumerate(text + " "):
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise FMMSyntaxError("unmatched ')'", command=command, column=offset + i)
        if ch.isspace() and depth == 0:
            if start is not None:
                items.append((text[start:i], offset + start))
                start = None
        elif start is None:
            start = i
    if depth != 0:
        raise FMMSyntaxError("unbalanced parentheses: missing ')'", command=command,
                             column=offset + len(text))
    return items


def _parse_factor_group(text: str, col: int, command: str) -> list[Factor]:
    """Parse ``[prefix.]name`` or ``[prefix.](a b c)`` into one or more factors."""
    categorical: bool | None = None
    base: str | None = None
    explicit = False
    m = _PREFIX_RE.match(text)
    rest, rest_col = text, col
    if m is not None:
        if m.group("o"):
            raise FMMSyntaxError("the o. (omitted) operator is not supported; drop the term",
                                 command=command, column=col)
        if m.group("ibn"):
            raise FMMSyntaxError("ibn. is not supported; use i. with a base level",
                                 command=command, column=col)
        if m.group("c"):
            categorical, explicit = False, True
        else:
            categorical = True
            if m.group("ib"):
                base = m.group("bnum") or m.group("bword")
        rest, rest_col = text[m.end():], col + m.end()
    elif re.match(r"^[A-Za-z]+[0-9]*\.", text):
        bad = text.split(".", 1)[0]
        raise FMMSyntaxError(f"unknown factor-variable operator '{bad}.'", command=command,
                             column=col)
    names: list[tuple[str, int]]
    if rest.startswith("("):
        if not rest.endswith(")"):
            raise FMMSyntaxError("expected ')' closing the variable group", command=command,
                                 column=rest_col + len(rest))
        names = _split_varlist(rest[1:-1], rest_col + 1, command)
        if not names:
            raise FMMSyntaxError("empty variable group '()'", command=command, column=rest_col)
    else:
        names = [(rest, rest_col)]
    out: list[Factor] = []
    for name, ncol in names:
        if not (_NAME_RE.match(name) or _PATTERN_RE.match(name) or _is_range(name)):
            raise FMMSyntaxError(f"'{name}' is not a valid variable name", command=command,
                                 column=ncol)
        out.append(Factor(name, categorical=bool(categorical), base=base, explicit=explicit)
                   if categorical is not None else Factor(name))
    return out


def _is_range(name: str) -> bool:
    parts = name.split("-")
    return len(parts) == 2 and all(_NAME_RE.match(p) for p in parts)


def _default_categorical(f: Factor, explicit_prefix: bool) -> Factor:
    """In an interaction, a factor written without ``c.`` or ``i.`` is categorical."""
    if explicit_prefix:
        return f
    return Factor(f.var, categorical=True, base=f.base)


def parse_varlist(text: str, offset: int = 0, command: str | None = None) -> RHS:
    """Parse a Stata varlist with factor-variable notation.

    Supports ``x``, ``c.x``, ``i.x``, ``ib2.x``, ``ib(last).x``, ``i.(a b)``,
    ``x#z``, ``x##z`` (full factorial), wildcards ``x*`` and ranges ``x1-x5``.

    Parameters
    ----------
    text : str
        The varlist.
    offset : int
        Column of ``text`` in ``command``.
    command : str, optional
        Full command for error messages.

    Returns
    -------
    RHS

    Examples
    --------
    >>> str(parse_varlist("i.g#c.x"))
    'i.g#c.x'
    >>> [str(t) for t in parse_varlist("a##b").terms]
    ['i.a', 'i.b', 'i.a#i.b']
    """
    command = command if command is not None else text
    terms: list[Term] = []
    for item, col in _split_varlist(text, offset, command):
        for term in _parse_varlist_item(item, col, command):
            if term not in terms:
                terms.append(term)
    return RHS(tuple(terms), constant=True, form="varlist")


def _parse_varlist_item(item: str, col: int, command: str) -> list[Term]:
    # Split on # and ## at depth 0.
    pieces: list[tuple[str, int]] = []
    ops: list[str] = []
    depth, start, i = 0, 0, 0
    while i < len(item):
        ch = item[i]
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        elif ch == "#" and depth == 0:
            pieces.append((item[start:i], col + start))
            if item[i:i + 2] == "##":
                ops.append("##")
                i += 1
            else:
                ops.append("#")
            start = i + 1
        i += 1
    pieces.append((item[start:], col + start))
    for text, pcol in pieces:
        if not text:
            raise FMMSyntaxError("expected a variable next to '#'", command=command, column=pcol)
    groups: list[list[Factor]] = []
    for text, pcol in pieces:
        factors = _parse_factor_group(text, pcol, command)
        explicit = _PREFIX_RE.match(text) is not None
        if ops:
            factors = [_default_categorical(f, explicit) for f in factors]
        groups.append(factors)
    if not ops:
        return [Term((f,)) for f in groups[0]]
    if "##" in ops and "#" in ops:
        raise FMMSyntaxError("cannot mix '#' and '##' in one term", command=command, column=col)
    # Cartesian product over groups (i.(a b)#c -> a#c b#c).
    combos: list[list[Factor]] = [[]]
    for g in groups:
        combos = [c + [f] for c in combos for f in g]
    terms: list[Term] = []
    for combo in combos:
        if ops[0] == "#":
            terms.append(Term(tuple(combo)))
            continue
        n = len(combo)
        for size in range(1, n + 1):
            for subset in combinations(range(n), size):
                factors = tuple(combo[j] for j in subset)
                if size == 1:
                    f = factors[0]
                    factors = (Factor(f.var, f.categorical, f.base, explicit=not f.categorical),)
                term = Term(factors)
                if term not in terms:
                    terms.append(term)
    return terms


@dataclass(frozen=True)
class VarGroup:
    """A parenthesized ``(varlist2 = varlist_iv)`` group in a varlist, as in
    ``ivregress y x1 (y2 = z1 z2)``: endogenous variables and their instruments.

    Examples
    --------
    >>> from fmmpy.parse import parse_command
    >>> eq = parse_command("fmm 2: ivregress y x1 (y2 = z1 z2)").components[0].equations[0]
    >>> str(eq.groups[0]), eq.groups[0].variables()
    ('(y2 = z1 z2)', ('y2', 'z1', 'z2'))
    """

    lhs: RHS
    rhs: RHS

    def variables(self) -> tuple[str, ...]:
        out = list(self.lhs.variables())
        out.extend(v for v in self.rhs.variables() if v not in out)
        return tuple(out)

    def __str__(self) -> str:
        return f"({self.lhs} = {self.rhs})"


def extract_groups(text: str, col: int, command: str) -> tuple[str, tuple[VarGroup, ...]]:
    """Take ``(lhs = rhs)`` groups out of a varlist, blanking them so that the columns
    of the rest stay right for error messages.

    Examples
    --------
    >>> rest, groups = extract_groups("x1 (y2 = z1 z2) x3", 0, "")
    >>> rest.split(), [str(g) for g in groups]
    (['x1', 'x3'], ['(y2 = z1 z2)'])
    """
    groups: list[VarGroup] = []
    out = list(text)
    i = 0
    while i < len(text):
        if text[i] == "(" and (i == 0 or text[i - 1].isspace()):
            depth, j = 0, i
            while j < len(text):
                depth += (text[j] == "(") - (text[j] == ")")
                if depth == 0:
                    break
                j += 1
            inner = text[i + 1:j]
            k = inner.find("=")
            if k >= 0:
                lhs_text, rhs_text = inner[:k], inner[k + 1:]
                if not lhs_text.strip() or not rhs_text.strip():
                    raise FMMSyntaxError("expected variables on both sides of '=' in "
                                         "(varlist2 = varlist_iv)", command=command,
                                         column=col + i + 1 + k)
                groups.append(VarGroup(parse_varlist(lhs_text, col + i + 1, command),
                                       parse_varlist(rhs_text, col + i + 2 + k, command)))
                out[i:j + 1] = " " * (j + 1 - i)
            i = j
        i += 1
    return "".join(out), tuple(groups)
