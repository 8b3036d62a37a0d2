"""Linear expressions in parameter names: the hypotheses of :meth:`FMMResults.test`
and the ``constraints=`` of :func:`fmmpy.fmm`.

Text such as ``"2.Class:y:x = 3.Class:y:x"`` or ``"2*1.Class:y:x + 1.Class:y:z = 1"``
is read with fmmpy's own expression parser (never ``eval``).  Parameter names
contain characters the expression grammar gives other meanings (``2.Class:y:x``,
``var(e.y)``), so every known name is first replaced by a placeholder identifier of
the same length; column numbers in error messages therefore still point into the
text as typed.  ``a = b = c`` means ``a = b`` and ``a = c``; a side without ``=``
means ``= 0``, as in Stata's ``test``.

Examples
--------
>>> names = ["2.Class:_cons", "1.Class:y:x", "2.Class:y:x"]
>>> [h.text(names) for h in parse_linear("1.Class:y:x = 2.Class:y:x", names)]
['1.Class:y:x - 2.Class:y:x = 0']
>>> [h.text(names) for h in parse_linear("2*2.Class:_cons - 1 = 0", names)]
['2*2.Class:_cons = 1']
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from .display.format import fmt_g
from .errors import FMMSyntaxError
from .parse.expr import Binary, Expr, Num, Unary, Var, parse_expression_tokens
from .parse.lexer import Token, TokenStream, tokenize

__all__ = ["LinearHypothesis", "parse_linear"]


@dataclass(frozen=True)
class LinearHypothesis:
    """``sum_i coef_i * theta[index_i] = rhs``.

    Attributes
    ----------
    coefs : tuple of (int, float)
        Parameter positions and their coefficients, in order of first appearance.
    rhs : float
    """

    coefs: tuple[tuple[int, float], ...]
    rhs: float

    def as_dict(self) -> dict[int, float]:
        return dict(self.coefs)

    def text(self, names: Sequence[str]) -> str:
        """Stata's normalized form, e.g. ``1.Class:y:x - 2.Class:y:x = 0``.

        Examples
        --------
        >>> LinearHypothesis(((0, 1.0), (1, -0.5)), 2.0).text(["a", "b"])
        'a - .5*b = 2'
        """
        parts: list[str] = []
        for k, (i, a) in enumerate(self.coefs):
            mag = abs(a)
            term = names[i] if mag == 1.0 else f"{fmt_g(mag, 10)}*{names[i]}"
            if k == 0:
                parts.append(("-" if a < 0 else "") + term)
            else:
                parts.append(("- " if a < 0 else "+ ") + term)
        return f"{' '.join(parts)} = {fmt_g(self.rhs + 0.0, 10)}"


def _substitute(text: str, names: Sequence[str]) -> tuple[str, dict[str, int]]:
    """Replace each parameter name by a same-length placeholder identifier."""
    order = sorted(range(len(names)), key=lambda i: -len(names[i]))
    pattern = re.compile("|".join(f"(?P<p{i}>{re.escape(names[i])})" for i in order)
                         + r"(?![A-Za-z0-9_.#(])") if names else None
    placeholders: dict[str, int] = {}
    out: list[str] = []
    pos = 0
    while pattern is not None and pos < len(text):
        m = pattern.search(text, pos)
        if m is None:
            break
        before = text[m.start() - 1] if m.start() > 0 else " "
        if re.match(r"[A-Za-z0-9_.:#]", before):
            out.append(text[pos:m.start() + 1])
            pos = m.start() + 1
            continue
        index = int(m.lastgroup[1:])
        width = m.end() - m.start()
        tag = f"_p{index}_"
        if len(tag) > width:  # pragma: no cover - names are at least "1.C:x"
            raise FMMSyntaxError(f"parameter name {names[index]} is too short to parse")
        placeholders[tag.ljust(width, "_")] = index
        out.append(text[pos:m.start()])
        out.append(tag.ljust(width, "_"))
        pos = m.end()
    out.append(text[pos:])
    return "".join(out), placeholders


def _linear(expr: Expr, placeholders: dict[str, int], ts: TokenStream, tok: Token,
            names: Sequence[str]) -> tuple[dict[int, float], float]:
    """The expression as ``(coefficients, constant)``; raises when not linear."""
    if isinstance(expr, Num):
        return {}, expr.value
    if isinstance(expr, Var):
        if expr.name in placeholders:
            return {placeholders[expr.name]: 1.0}, 0.0
        raise ts.error(f"{expr.name} is not a parameter name; see res.params.index for "
                       "the names", tok)
    if isinstance(expr, Unary) and expr.op == "-":
        coefs, const = _linear(expr.operand, placeholders, ts, tok, names)
        return {i: -a for i, a in coefs.items()}, -const
    if isinstance(expr, Binary) and expr.op in ("+", "-"):
        lc, lk = _linear(expr.left, placeholders, ts, tok, names)
        rc, rk = _linear(expr.right, placeholders, ts, tok, names)
        sign = 1.0 if expr.op == "+" else -1.0
        out = dict(lc)
        for i, a in rc.items():
            out[i] = out.get(i, 0.0) + sign * a
        return out, lk + sign * rk
    if isinstance(expr, Binary) and expr.op in ("*", "/"):
        lc, lk = _linear(expr.left, placeholders, ts, tok, names)
        rc, rk = _linear(expr.right, placeholders, ts, tok, names)
        if expr.op == "/":
            if rc or rk == 0:
                raise ts.error("only division by a nonzero number keeps a hypothesis linear",
                               tok)
            return {i: a / rk for i, a in lc.items()}, lk / rk
        if lc and rc:
            raise ts.error("products of parameters are not linear", tok)
        factor, (coefs, const) = (rk, (lc, lk)) if not rc else (lk, (rc, rk))
        return {i: a * factor for i, a in coefs.items()}, const * factor
    shown = str(expr)
    for tag, i in placeholders.items():
        shown = shown.replace(tag, names[i])
    raise ts.error(f"'{shown}' is not a linear expression in the parameters", tok)


def parse_linear(text: str, names: Sequence[str]) -> list[LinearHypothesis]:
    """Parse ``exp [= exp [= ...]]`` over parameter ``names`` into linear hypotheses.

    Parameters
    ----------
    text : str
        For example ``"2.Class:y:x = 0"``, ``"1.Class:y:x = 2.Class:y:x = 3.Class:y:x"``.
    names : sequence of str
        The parameter names (``res.params.index``).

    Returns
    -------
    list of LinearHypothesis

    Raises
    ------
    FMMSyntaxError
        Unknown names, nonlinear expressions, or a side without parameters.

    Examples
    --------
    >>> names = ["1.Class:y:x", "2.Class:y:x", "3.Class:y:x"]
    >>> [h.text(names) for h in parse_linear("1.Class:y:x = 2.Class:y:x = 3.Class:y:x", names)]
    ['1.Class:y:x - 2.Class:y:x = 0', '1.Class:y:x - 3.Class:y:x = 0']
    >>> parse_linear("2.Class:y:z = 0", names)
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMSyntaxError: unknown parameter name 2.Class:y:z; parameters are: ...
    """
    if not isinstance(text, str) or not text.strip():
        raise FMMSyntaxError("a hypothesis must be text such as '2.Class:y:x = 0'")
    subst, placeholders = _substitute(text, names)
    leftover = re.search(r"[^\s=+\-*/()]*:[^\s=+\-*/]*", subst)
    if leftover is not None:
        raise FMMSyntaxError(f"unknown parameter name {leftover.group()}; parameters are: "
                             + ", ".join(names), command=text, column=leftover.start())
    tokens = tokenize(subst, 0, text)
    ts = TokenStream(tokens, text)
    sides: list[tuple[dict[int, float], float]] = []
    while True:
        start = ts.peek()
        expr = parse_expression_tokens(ts)
        coefs, const = _linear(expr, placeholders, ts, start, names)
        sides.append((coefs, const))
        if ts.at_end():
            break
        ts.expect_op("=", "'=' or the end of the hypothesis")
    if len(sides) == 1:
        sides.append(({}, 0.0))
    first = sides[0]
    out: list[LinearHypothesis] = []
    for other in sides[1:]:
        coefs = dict(first[0])
        for i, a in other[0].items():
            coefs[i] = coefs.get(i, 0.0) - a
        kept = tuple((i, a) for i, a in coefs.items() if a != 0.0)
        if not kept:
            raise FMMSyntaxError(f"{text}: the hypothesis involves no parameter", command=text,
                                 column=0)
        out.append(LinearHypothesis(kept, other[1] - first[1]))
    return out
