"""Stata's standard command syntax for the do-file runner:
``command [varlist] [if exp] [in range] [, options]``, and variable lists with
wildcards (``pr*``, ``x?``), ranges (``a-c``) and unambiguous abbreviations.

Conditions are parsed by :mod:`fmmpy.parse.expr` and evaluated by
:mod:`fmmpy.expr_eval`; nothing a do-file says is run as Python.

Examples
--------
>>> a = parse_args("thickness pr* if thickness > .07 in 1/5, abbreviate(10)")
>>> a.words, str(a.if_expr), str(a.in_range), a.options[0].name
(('thickness', 'pr*'), 'thickness > .07', 'in 1/5', 'abbreviate')
>>> expand_varlist(["pr*", "thick"], ["thickness", "pr1", "pr2"])
['pr1', 'pr2', 'thickness']
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Sequence
from dataclasses import dataclass

from ..parse.command import _parse_in, _scan_depth0
from ..parse.expr import Expr, parse_expression_tokens
from ..parse.lexer import TokenStream, tokenize
from ..parse.options import RawOption, split_options
from ..parse.spec import InRange
from .errors import StataError

__all__ = ["Args", "parse_args", "split_comma", "parse_qualifiers", "parse_assignment",
           "expand_varlist", "check_new_name", "NAME_RE"]

NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,31}")
_RESERVED = {"_all", "_b", "byte", "_coef", "_cons", "double", "float", "if", "in", "int",
             "long", "_n", "_N", "_pi", "_pred", "_rc", "_skip", "str", "strL", "using", "with"}


@dataclass(frozen=True)
class Args:
    """A command's arguments split the standard way.

    Attributes
    ----------
    words : tuple of str
        The words before ``if``/``in``/the comma (a varlist, a file name, ...).
    if_expr : Expr or None
    in_range : InRange or None
    options : tuple of RawOption
        Unmatched options; commands match them with :func:`fmmpy.parse.options.match_options`.

    Examples
    --------
    >>> parse_args("in -3/l").in_range
    InRange(first=-3, last=-1)
    """

    words: tuple[str, ...]
    if_expr: Expr | None
    in_range: InRange | None
    options: tuple[RawOption, ...]


def split_comma(text: str) -> tuple[str, str | None]:
    """Split at the first comma outside parentheses and quotes.

    Examples
    --------
    >>> split_comma('"a,b.csv", clear')
    ('"a,b.csv"', ' clear')
    >>> split_comma("x y")
    ('x y', None)
    """
    commas = _scan_depth0(text, ",")
    if not commas:
        return text, None
    return text[:commas[0]], text[commas[0] + 1:]


def _keyword_at(text: str, words: Sequence[str]) -> int:
    """Position of the first of ``words`` standing alone outside quotes/parentheses."""
    pattern = re.compile(r"(?<![\w.~*?-])(" + "|".join(words) + r")(?![\w.~*?])")
    depth, quote = 0, False
    for i, ch in enumerate(text):
        if ch == '"':
            quote = not quote
        elif quote:
            continue
        elif ch in "([":
            depth += 1
        elif ch in ")]":
            depth -= 1
        elif depth == 0 and pattern.match(text, i):
            return i
    return -1


def _qualifiers(ts: TokenStream, allow_if: bool, allow_in: bool
                ) -> tuple[Expr | None, InRange | None]:
    if_expr: Expr | None = None
    in_range: InRange | None = None
    while not ts.at_end():
        tok = ts.next()
        if tok.kind == "name" and tok.text == "if" and if_expr is None:
            if not allow_if:
                raise StataError("if not allowed", rc=101)
            if_expr = parse_expression_tokens(ts)
        elif tok.kind == "name" and tok.text == "in" and in_range is None:
            if not allow_in:
                raise StataError("in range not allowed", rc=101)
            in_range = _parse_in(ts)
        else:
            raise ts.error(f"unexpected {tok.text!r}; expected 'if', 'in' or ','", tok)
    return if_expr, in_range


def parse_qualifiers(text: str, offset: int = 0, command: str | None = None, *,
                     allow_if: bool = True, allow_in: bool = True
                     ) -> tuple[Expr | None, InRange | None]:
    """Parse ``[if exp] [in range]`` (either order) making up all of ``text``.

    Examples
    --------
    >>> e, r = parse_qualifiers("in 1/3 if x > 2")
    >>> str(e), str(r)
    ('x > 2', 'in 1/3')
    """
    full = command if command is not None else text
    return _qualifiers(TokenStream(tokenize(text, offset, full), full), allow_if, allow_in)


def parse_assignment(text: str, offset: int = 0, command: str | None = None
                     ) -> tuple[Expr, Expr | None, InRange | None]:
    """Parse ``exp [if exp] [in range]``, the right-hand side of ``generate``/``replace``.

    Examples
    --------
    >>> e, cond, r = parse_assignment("ln(x) + 1 if x > 0")
    >>> str(e), str(cond), r
    ('ln(x) + 1', 'x > 0', None)
    """
    full = command if command is not None else text
    ts = TokenStream(tokenize(text, offset, full), full)
    expr = parse_expression_tokens(ts)
    return (expr, *_qualifiers(ts, True, True))


def parse_args(text: str, offset: int = 0, command: str | None = None, *,
               allow_if: bool = True, allow_in: bool = True) -> Args:
    """Split ``[words] [if exp] [in range] [, options]``.

    Parameters
    ----------
    text : str
        The arguments (the command without its name).
    offset : int
        Column of ``text`` in ``command`` (for carets under mistakes).
    command : str, optional
        The whole command.

    Examples
    --------
    >>> parse_args("x, sep(0)").options
    (RawOption(name='sep', arg='0', col=3, arg_col=7),)
    """
    full = command if command is not None else text
    main, opt_text = split_comma(text)
    options: tuple[RawOption, ...] = ()
    if opt_text is not None:
        options = tuple(split_options(opt_text, offset + len(main) + 1, full))
    cut = _keyword_at(main, ("if", "in"))
    head = main if cut < 0 else main[:cut]
    if_expr, in_range = (None, None) if cut < 0 else parse_qualifiers(
        main[cut:], offset + cut, full, allow_if=allow_if, allow_in=allow_in)
    return Args(tuple(head.split()), if_expr, in_range, options)


def _match_one(item: str, columns: Sequence[str]) -> list[str]:
    if item in columns:
        return [item]
    if any(ch in item for ch in "*?~"):
        found = [c for c in columns if fnmatch.fnmatchcase(c, item.replace("~", "*"))]
        if not found:
            raise StataError(f"variable {item} not found", rc=111)
        if "~" in item and len(found) > 1:
            raise StataError(f"{item} ambiguous abbreviation", rc=111)
        return found
    found = [c for c in columns if c.startswith(item)]
    if len(found) == 1:
        return found
    if found:
        raise StataError(f"{item} ambiguous abbreviation", rc=111)
    raise StataError(f"variable {item} not found", rc=111)


def expand_varlist(items: Sequence[str], columns: Sequence[str]) -> list[str]:
    """Expand a Stata varlist against the data's variables, in the order typed
    (a variable named twice is listed once).

    Raises
    ------
    StataError
        ``r(111)`` for a variable that does not exist or an ambiguous abbreviation.

    Examples
    --------
    >>> expand_varlist(["a-c", "_all"], ["a", "b", "c", "d"])
    ['a', 'b', 'c', 'd']
    >>> expand_varlist(["zz"], ["a"])
    Traceback (most recent call last):
    ...
    fmmpy.dofile.errors.StataError: variable zz not found
    """
    columns = [str(c) for c in columns]
    out: list[str] = []
    for item in items:
        if item == "_all":
            names = list(columns)
        elif "-" in item.strip("-") and not any(ch in item for ch in "*?~"):
            a, _, b = item.partition("-")
            first, last = _match_one(a, columns)[0], _match_one(b, columns)[0]
            i, j = columns.index(first), columns.index(last)
            if i > j:
                raise StataError(f"{item}: variables out of order", rc=111)
            names = columns[i:j + 1]
        else:
            names = _match_one(item, columns)
        out.extend(n for n in names if n not in out)
    return out


def check_new_name(name: str, columns: Sequence[str]) -> None:
    """Check that ``name`` can be a new variable.

    Examples
    --------
    >>> check_new_name("den", ["thickness"])
    >>> check_new_name("thickness", ["thickness"])
    Traceback (most recent call last):
    ...
    fmmpy.dofile.errors.StataError: variable thickness already defined
    """
    if not NAME_RE.fullmatch(name) or name in _RESERVED:
        raise StataError(f"{name} invalid name", rc=198)
    if name in columns:
        raise StataError(f"variable {name} already defined", rc=110)
