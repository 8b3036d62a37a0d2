"""Stata expressions (``if`` conditions, ``generate`` right-hand sides) parsed into
an immutable tree.  Nothing here evaluates anything; see :mod:`fmmpy.expr_eval`.

Operator precedence follows Stata's manual ([U] 13.2.5), tightest first:
``!`` (or ``~``), ``^``, unary ``-``, ``/ *``, ``- +``, relational operators,
``&``, ``|``.

Examples
--------
>>> e = parse_expression("thickness > .07 & !missing(x)")
>>> str(e)
'thickness > .07 & !missing(x)'
>>> sorted(e.variables())
['thickness', 'x']
"""

from __future__ import annotations

from dataclasses import dataclass

from .lexer import Token, TokenStream, tokenize

__all__ = [
    "Expr",
    "Num",
    "Str",
    "Missing",
    "Var",
    "Unary",
    "Binary",
    "Call",
    "parse_expression",
    "parse_expression_tokens",
    "FUNCTIONS",
]

# Functions the evaluator knows, with (min, max) argument counts (None = any).
FUNCTIONS: dict[str, tuple[int, int | None]] = {
    "missing": (1, None),
    "mi": (1, None),
    "inrange": (3, 3),
    "inlist": (2, None),
    "ln": (1, 1),
    "log": (1, 1),
    "log10": (1, 1),
    "exp": (1, 1),
    "sqrt": (1, 1),
    "abs": (1, 1),
    "floor": (1, 1),
    "ceil": (1, 1),
    "int": (1, 1),
    "round": (1, 2),
    "mod": (2, 2),
    "min": (1, None),
    "max": (1, None),
    "cond": (3, 4),
    "logit": (1, 1),
    "invlogit": (1, 1),
    "normal": (1, 1),
    "normalden": (1, 3),
    "lngamma": (1, 1),
    "sign": (1, 1),
    "runiform": (0, 2),
    "rnormal": (0, 2),
}

_RELATIONAL = ("==", "!=", "~=", "<", "<=", ">", ">=")


class Expr:
    """Base of expression nodes.  Nodes are frozen dataclasses, so specs holding them
    stay hashable and immutable.

    Examples
    --------
    >>> parse_expression("a + 1").variables()
    frozenset({'a'})
    """

    def variables(self) -> frozenset[str]:
        """Names of the variables the expression reads."""
        return frozenset()

    def precedence(self) -> int:
        """Binding strength, for printing the fewest parentheses."""
        return 100


@dataclass(frozen=True)
class Num(Expr):
    """A numeric literal, kept as written so ``str()`` gives it back."""

    text: str

    @property
    def value(self) -> float:
        return float(self.text)

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Str(Expr):
    """A string literal (without its quotes)."""

    value: str

    def __str__(self) -> str:
        return f'"{self.value}"'


@dataclass(frozen=True)
class Missing(Expr):
    """System missing ``.`` or an extended missing value ``.a`` ... ``.z``."""

    text: str = "."

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Var(Expr):
    """A variable reference (also ``_n`` and ``_N``)."""

    name: str

    def variables(self) -> frozenset[str]:
        if self.name in ("_n", "_N"):
            return frozenset()
        return frozenset({self.name})

    def __str__(self) -> str:
        return self.name


_BINARY_PREC = {"|": 1, "&": 2, **{op: 3 for op in _RELATIONAL}, "+": 4, "-": 4, "*": 5, "/": 5, "^": 7}


@dataclass(frozen=True)
class Unary(Expr):
    """``-x`` or ``!x``."""

    op: str
    operand: Expr

    def variables(self) -> frozenset[str]:
        return self.operand.variables()

    def precedence(self) -> int:
        return 8 if self.op == "!" else 6

    def __str__(self) -> str:
        inner = str(self.operand)
        if self.operand.precedence() < self.precedence():
            inner = f"({inner})"
        return f"{self.op}{inner}"


@dataclass(frozen=True)
class Binary(Expr):
    """A binary operation; ``op`` is one of ``| & == != < <= > >= + - * / ^``."""

    op: str
    left: Expr
    right: Expr

    def variables(self) -> frozenset[str]:
        return self.left.variables() | self.right.variables()

    def precedence(self) -> int:
        return _BINARY_PREC[self.op]

    def __str__(self) -> str:
        prec = self.precedence()
        left, right = str(self.left), str(self.right)
        if self.left.precedence() < prec:
            left = f"({left})"
        # Left-associative operators: a right operand of equal precedence needs parentheses.
        if self.right.precedence() <= prec:
            right = f"({right})"
        if self.op == "^":
            return f"{left}^{right}"
        return f"{left} {self.op} {right}"


@dataclass(frozen=True)
class Call(Expr):
    """A function call such as ``inrange(x, 1, 2)``."""

    func: str
    args: tuple[Expr, ...]

    def variables(self) -> frozenset[str]:
        out: frozenset[str] = frozenset()
        for a in self.args:
            out |= a.variables()
        return out

    def __str__(self) -> str:
        return f"{self.func}({', '.join(str(a) for a in self.args)})"


def parse_expression(text: str, offset: int = 0, command: str | None = None) -> Expr:
    """Parse a Stata expression.

    Parameters
    ----------
    text : str
        The expression, e.g. ``"x > 2 & inrange(z, 0, 1)"``.
    offset : int
        Column of ``text`` inside ``command`` (for error carets).
    command : str, optional
        The full command the expression came from.

    Returns
    -------
    Expr

    Raises
    ------
    FMMSyntaxError
        With the column of the first token that does not fit.

    Examples
    --------
    >>> str(parse_expression("-2^2 + (a|b)"))
    '-2^2 + (a | b)'
    """
    full = command if command is not None else text
    ts = TokenStream(tokenize(text, offset, full), full)
    expr = parse_expression_tokens(ts)
    if not ts.at_end():
        raise ts.error(f"unexpected {ts.peek().text!r} in expression")
    return expr


def parse_expression_tokens(ts: TokenStream) -> Expr:
    """Parse one expression from a token stream, stopping at the first token that
    cannot continue it (used by parsers that embed expressions).

    Examples
    --------
    >>> ts = TokenStream(tokenize("x>1 , opt"), "x>1 , opt")
    >>> str(parse_expression_tokens(ts)), ts.peek().text
    ('x > 1', ',')
    """
    return _Parser(ts).or_expr()


class _Parser:
    def __init__(self, ts: TokenStream):
        self.ts = ts

    def or_expr(self) -> Expr:
        left = self.and_expr()
        while self.ts.at_op("|"):
            self.ts.next()
            left = Binary("|", left, self.and_expr())
        return left

    def and_expr(self) -> Expr:
        left = self.rel_expr()
        while self.ts.at_op("&"):
            self.ts.next()
            left = Binary("&", left, self.rel_expr())
        return left

    def rel_expr(self) -> Expr:
        left = self.add_expr()
        while self.ts.at_op(*_RELATIONAL):
            op = self.ts.next().text
            if op == "~=":
                op = "!="
            left = Binary(op, left, self.add_expr())
        return left

    def add_expr(self) -> Expr:
        left = self.mul_expr()
        while self.ts.at_op("+", "-"):
            op = self.ts.next().text
            left = Binary(op, left, self.mul_expr())
        return left

    def mul_expr(self) -> Expr:
        left = self.neg_expr()
        while self.ts.at_op("*", "/"):
            op = self.ts.next().text
            left = Binary(op, left, self.neg_expr())
        return left

    def neg_expr(self) -> Expr:
        if self.ts.at_op("-"):
            self.ts.next()
            return Unary("-", self.neg_expr())
        if self.ts.at_op("+"):
            self.ts.next()
            return self.neg_expr()
        return self.pow_expr()

    def pow_expr(self) -> Expr:
        left = self.not_expr()
        while self.ts.at_op("^"):
            self.ts.next()
            left = Binary("^", left, self.not_expr())
        return left

    def not_expr(self) -> Expr:
        if self.ts.at_op("!", "~"):
            self.ts.next()
            return Unary("!", self.not_expr())
        return self.atom()

    def atom(self) -> Expr:
        tok = self.ts.peek()
        if tok.kind == "number":
            self.ts.next()
            return Num(tok.text)
        if tok.kind == "missing":
            self.ts.next()
            return Missing(tok.text)
        if tok.kind == "string":
            self.ts.next()
            text = tok.text
            inner = text[2:-2] if text.startswith("`") else text[1:-1]
            return Str(inner)
        if tok.kind == "name":
            self.ts.next()
            if self.ts.at_op("("):
                return self.call(tok)
            return Var(tok.text)
        if tok.kind == "op" and tok.text == "(":
            self.ts.next()
            inner = self.or_expr()
            self.ts.expect_op(")", "')'")
            return inner
        found = "end of expression" if tok.kind == "end" else repr(tok.text)
        raise self.ts.error(f"expected a number, variable or '(' but found {found}", tok)

    def call(self, name_tok: Token) -> Expr:
        func = name_tok.text
        if func not in FUNCTIONS:
            raise self.ts.error(f"unknown function {func}()", name_tok)
        self.ts.expect_op("(")
        args: list[Expr] = []
        if not self.ts.at_op(")"):
            args.append(self.or_expr())
            while self.ts.at_op(","):
                self.ts.next()
                args.append(self.or_expr())
        self.ts.expect_op(")", "')' or ','")
        lo, hi = FUNCTIONS[func]
        if len(args) < lo or (hi is not None and len(args) > hi):
            want = f"{lo}" if lo == hi else f"{lo} or more" if hi is None else f"{lo} to {hi}"
            raise self.ts.error(
                f"{func}() takes {want} arguments, {len(args)} given", name_tok
            )
        return Call(func, tuple(args))
