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
from .expr import Expr, Var, parse_expression

__all__ = ["Factor", "Term", "RHS", "parse_varlist", "parse_formula_rhs", "split_formula"]

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
    column_offsets: tuple[int, ...] = field(default=(), compare=False, repr=False)

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


# ---------------------------------------------------------------------------
# Formula form
# ---------------------------------------------------------------------------


def split_formula(text: str) -> tuple[str, str] | None:
    """Split ``"lhs ~ rhs"`` at the tilde; ``None`` when there is no tilde.

    Examples
    --------
    >>> split_formula("y ~ x + z")
    ('y ', ' x + z')
    """
    if "~" not in text:
        return None
    lhs, rhs = text.split("~", 1)
    return lhs, rhs


_FORMULA_TOKEN = re.compile(
    r"\s+|(?P<name>[A-Za-z_][A-Za-z0-9_.]*)|(?P<num>\d+)|(?P<op>\*\*|[-+*:()~,=])"
)


def parse_formula_rhs(text: str, offset: int = 0, command: str | None = None) -> RHS:
    """Parse the right-hand side of the formula form.

    Supported: ``+``, ``-`` (``- 1`` drops the constant, ``- x`` drops a term),
    ``:`` (interaction), ``*`` (full factorial), ``**n`` (interactions up to order
    n), parentheses, ``1``/``0``, ``C(x)``, ``C(x, base=2)``,
    ``C(x, Treatment(2))``, ``C(x, contr.treatment(base=2))``, ``log(x)``,
    ``exp(x)``, ``sqrt(x)``, ``I(expr)`` and ``{expr}`` with arithmetic in the
    variables.

    Examples
    --------
    >>> str(parse_formula_rhs("x * C(g) - 1"))
    'x + C(g) + x:C(g) - 1'
    >>> str(parse_formula_rhs("I(t**2) + log(z)"))
    'I(t**2) + I(log(z))'
    """
    command = command if command is not None else text
    parser = _FormulaParser(text, offset, command)
    terms, constant = parser.parse()
    return RHS(tuple(terms), constant=constant, form="formula")


class _FormulaParser:
    _FUNCS = ("log", "ln", "exp", "sqrt", "abs")

    def __init__(self, text: str, offset: int, command: str):
        self.text = text
        self.offset = offset
        self.command = command
        self.toks: list[tuple[str, str, int]] = []
        self.call_args: dict[int, tuple[str, int]] = {}
        pos = 0
        while pos < len(text):
            if text[pos] == "{":
                end = self._matching(text, pos, "{", "}")
                self.toks.append(("brace", text[pos + 1:end], offset + pos + 1))
                pos = end + 1
                continue
            m = _FORMULA_TOKEN.match(text, pos)
            if m is None:
                raise FMMSyntaxError(f"unexpected character {text[pos]!r} in formula",
                                     command=command, column=offset + pos)
            if m.lastgroup == "name":
                after = m.end()
                while after < len(text) and text[after].isspace():
                    after += 1
                if after < len(text) and text[after] == "(":
                    # A call: keep its argument text whole, parsed by the callee.
                    end = self._matching(text, after, "(", ")")
                    self.call_args[len(self.toks)] = (text[after + 1:end], offset + after + 1)
                    self.toks.append(("call", m.group(), offset + pos))
                    pos = end + 1
                    continue
            if m.lastgroup:
                self.toks.append((m.lastgroup, m.group(), offset + pos))
            pos = m.end()
        self.toks.append(("end", "", offset + len(text)))
        self.i = 0

    def _matching(self, text: str, start: int, open_: str, close: str) -> int:
        depth = 0
        for j in range(start, len(text)):
            if text[j] == open_:
                depth += 1
            elif text[j] == close:
                depth -= 1
                if depth == 0:
                    return j
        raise FMMSyntaxError(f"missing '{close}'", command=self.command,
                             column=self.offset + len(text))

    def peek(self) -> tuple[str, str, int]:
        return self.toks[self.i]

    def take(self) -> tuple[str, str, int]:
        tok = self.toks[self.i]
        self.i += 1
        return tok

    def err(self, msg: str, tok: tuple[str, str, int] | None = None) -> FMMSyntaxError:
        tok = tok or self.peek()
        return FMMSyntaxError(msg, command=self.command, column=tok[2])

    def expect(self, op: str) -> None:
        tok = self.peek()
        if tok[0] == "op" and tok[1] == op:
            self.take()
            return
        raise self.err(f"expected '{op}' in formula")

    def parse(self) -> tuple[list[Term], bool]:
        constant = True
        terms: list[Term] = []
        sign = "+"
        first = True
        while True:
            tok = self.peek()
            if tok[0] == "end":
                if first:
                    raise self.err("expected a term after '~'")
                break
            if tok[0] == "op" and tok[1] in "+-" and (not first or tok[1] == "-"):
                sign = self.take()[1]
            elif not first:
                raise self.err("expected '+' or '-' between formula terms")
            group = self.product()
            first = False
            if group is None:  # intercept literal
                continue
            if isinstance(group, int):
                constant = (group == 1) if sign == "+" else (group == 0)
                continue
            for t in group:
                if sign == "+" and t not in terms:
                    terms.append(t)
                elif sign == "-" and t in terms:
                    terms.remove(t)
            sign = "+"
        return terms, constant

    # product := interaction ('*' interaction)* ; interaction := power (':' power)*
    def product(self) -> list[Term] | int | None:
        left = self.interaction()
        while self.peek()[0] == "op" and self.peek()[1] == "*":
            self.take()
            right = self.interaction()
            if isinstance(left, int) or isinstance(right, int):
                raise self.err("cannot multiply by a constant in a formula")
            left = _unique(left + right + _cross(left, right))
        return left

    def interaction(self) -> list[Term] | int | None:
        left = self.power()
        while self.peek()[0] == "op" and self.peek()[1] == ":":
            self.take()
            right = self.power()
            if isinstance(left, int) or isinstance(right, int):
                raise self.err("cannot interact with a constant in a formula")
            left = _cross(left, right)
        return left

    def power(self) -> list[Term] | int | None:
        base = self.atom()
        if self.peek()[0] == "op" and self.peek()[1] == "**":
            tok = self.take()
            n_tok = self.take()
            if n_tok[0] != "num" or isinstance(base, int):
                raise self.err("expected an integer power after '**'", tok)
            result = base
            for _ in range(int(n_tok[1]) - 1):
                result = _unique(result + _cross(result, base))
            return result
        return base

    def atom(self) -> list[Term] | int | None:
        tok = self.take()
        kind, text, col = tok
        if kind == "num":
            if text not in ("0", "1"):
                raise self.err("only 0 and 1 may appear as numbers in a formula", tok)
            return int(text)
        if kind == "op" and text == "(":
            inner: list[Term] = []
            sign = "+"
            while True:
                group = self.product()
                if isinstance(group, list):
                    for t in group:
                        if sign == "+" and t not in inner:
                            inner.append(t)
                        elif sign == "-" and t in inner:
                            inner.remove(t)
                nxt = self.peek()
                if nxt[0] == "op" and nxt[1] in "+-":
                    sign = self.take()[1]
                    continue
                break
            self.expect(")")
            return inner
        if kind == "brace":
            return [Term((self._expr_factor(text, col),))]
        if kind == "call":
            return [Term((self.call(tok, self.call_args[self.i - 1]),))]
        if kind == "name":
            if "." in text or not _NAME_RE.match(text):
                raise self.err(f"'{text}' is not a valid variable name", tok)
            return [Term((Factor(text),))]
        raise self.err(f"unexpected {text!r} in formula" if text else "unexpected end of formula",
                       tok)

    def call(self, name_tok: tuple[str, str, int], arg: tuple[str, int]) -> Factor:
        func = name_tok[1]
        args, col = arg
        if func == "C":
            return self._categorical(args, col)
        if func == "I":
            return self._expr_factor(args, col)
        if func in self._FUNCS:
            return self._expr_factor(f"{func}({args})", col - len(func) - 1)
        raise self.err(f"unknown function {func}() in formula; use I() for arithmetic",
                       name_tok)

    def _categorical(self, args: str, col: int) -> Factor:
        m = re.fullmatch(
            rf"\s*({_NAME})\s*(?:,\s*(?:base\s*=\s*(?P<b1>[\w.-]+)"
            rf"|Treatment\(\s*(?:reference\s*=\s*)?(?P<b2>[\w.-]+)\s*\)"
            rf"|contr\.treatment\(\s*base\s*=\s*(?P<b3>[\w.-]+)\s*\)))?\s*",
            args,
        )
        if m is None:
            raise FMMSyntaxError(
                "expected C(var) or C(var, base=level) in formula", command=self.command,
                column=col,
            )
        base = m.group("b1") or m.group("b2") or m.group("b3")
        if base is not None:
            base = base.strip("'\"")
        return Factor(m.group(1), categorical=True, base=base)

    def _expr_factor(self, text: str, col: int) -> Factor:
        expr = parse_expression(text.replace("**", "^"), offset=col, command=self.command)
        if isinstance(expr, Var):
            return Factor(expr.name)
        names = sorted(expr.variables())
        if not names:
            raise FMMSyntaxError("a formula term must involve a variable", command=self.command,
                                 column=col)
        return Factor(str(expr), expr=expr)


def _cross(a: list[Term], b: list[Term]) -> list[Term]:
    out: list[Term] = []
    for ta in a:
        for tb in b:
            factors = list(ta.factors)
            for f in tb.factors:
                if f not in factors:
                    factors.append(f)
            t = Term(tuple(factors))
            if t not in out:
                out.append(t)
    return out


def _unique(terms: list[Term]) -> list[Term]:
    out: list[Term] = []
    for t in terms:
        if t not in out:
            out.append(t)
    return out
