"""The formula form of covariates: ``y ~ x + C(g) + x:z + I(t**2) - 1``.

A safe subset of formulaic's grammar, parsed by fmmpy into the same :class:`Term`
tree as Stata varlists; transforms inside ``I()``, ``{}``, ``log()``... are parsed
with fmmpy's expression parser and never evaluated as Python.

Examples
--------
>>> str(parse_formula_rhs("x * C(g) - 1"))
'x + C(g) + x:C(g) - 1'
"""

from __future__ import annotations

import re

from ..errors import FMMSyntaxError
from .expr import Var, parse_expression
from .terms import _NAME, _NAME_RE, RHS, Factor, Term

__all__ = ["parse_formula_rhs", "split_formula"]


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
