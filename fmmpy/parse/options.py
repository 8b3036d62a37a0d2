"""Stata-style options: ``name``, ``name(argument)``, ``name=value``; minimal
abbreviations; typed conversion of arguments; canonical rendering.

An :class:`OptionSchema` is plain data plus two small functions (convert, render);
the parsed value stored in a spec is always immutable (bool, int, float, str,
tuple, :class:`SubOptions` or another frozen object).

Examples
--------
>>> schemas = (OptionSchema("iterate", 4, as_int(minimum=0)), OptionSchema("nolog", 4))
>>> raw = split_options("iter(50) nolog", 0, "iter(50) nolog")
>>> match_options(raw, schemas, "iter(50) nolog")
(('iterate', 50), ('nolog', True))
>>> render_option("iterate", 50)
'iterate(50)'
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from ..errors import FMMSyntaxError

__all__ = [
    "RawOption",
    "OptionSchema",
    "SubOptions",
    "split_options",
    "match_options",
    "render_option",
    "render_options",
    "as_int",
    "as_float",
    "as_choice",
    "as_name",
    "as_names",
    "as_varlist",
    "as_number_or_var",
    "as_varref",
    "VarRef",
    "as_suboptions",
    "match_word",
]

Converter = Callable[[str, int, str], Any]


@dataclass(frozen=True)
class RawOption:
    """An option as typed: its name, argument text (``None`` when absent) and the
    columns of both in the command."""

    name: str
    arg: str | None
    col: int
    arg_col: int


@dataclass(frozen=True)
class VarRef:
    """A variable named inside an option argument (``exposure(t)``, ``ll(lo)``).

    Examples
    --------
    >>> str(VarRef("t"))
    't'
    """

    name: str

    def __str__(self) -> str:
        return self.name


@dataclass(frozen=True)
class SubOptions:
    """Options nested inside an option, e.g. ``emopts(iterate(20) ltolerance(1e-7))``.

    Examples
    --------
    >>> s = SubOptions((("iterate", 20),))
    >>> s.get("iterate"), s.get("tolerance", 1e-6)
    (20, 1e-06)
    """

    items: tuple[tuple[str, Any], ...] = ()

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.items:
            if key == name:
                return value
        return default

    def __str__(self) -> str:
        return render_options(self.items)


@dataclass(frozen=True)
class OptionSchema:
    """How one option is spelled and what its argument is.

    Attributes
    ----------
    name : str
        Full Stata name.
    min_abbrev : int
        Shortest accepted abbreviation (Stata's underlined part).
    convert : callable, optional
        ``convert(arg_text, arg_col, command) -> value``; ``None`` for a flag.
    optional_arg : bool
        For options like ``jitter`` that may or may not take an argument.
    """

    name: str
    min_abbrev: int
    convert: Converter | None = None
    optional_arg: bool = False

    def matches(self, typed: str) -> bool:
        return len(typed) >= self.min_abbrev and self.name.startswith(typed)


# ---------------------------------------------------------------------------
# Splitting option text
# ---------------------------------------------------------------------------

_OPT_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def split_options(text: str, offset: int, command: str) -> list[RawOption]:
    """Split option text into :class:`RawOption` items.

    Parameters
    ----------
    text : str
        The text after the comma.
    offset : int
        Column of ``text`` in ``command``.
    command : str
        The full command, for error carets.

    Examples
    --------
    >>> [(o.name, o.arg) for o in split_options("family(lognormal) nocons link=log", 0, "")]
    [('family', 'lognormal'), ('nocons', None), ('link', 'log')]
    """
    out: list[RawOption] = []
    pos = 0
    n = len(text)
    while pos < n:
        if text[pos].isspace():
            pos += 1
            continue
        m = _OPT_NAME.match(text, pos)
        if m is None:
            raise FMMSyntaxError(f"expected an option name, found {text[pos]!r}",
                                 command=command, column=offset + pos)
        name, col = m.group(), offset + pos
        pos = m.end()
        if pos < n and text[pos] == "(":
            depth, j = 0, pos
            while j < n:
                if text[j] == "(":
                    depth += 1
                elif text[j] == ")":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j >= n:
                raise FMMSyntaxError(f"option {name}(): missing ')'", command=command,
                                     column=offset + n)
            out.append(RawOption(name, text[pos + 1:j], col, offset + pos + 1))
            pos = j + 1
        elif pos < n and text[pos] == "=":
            j = pos + 1
            while j < n and text[j].isspace():
                j += 1
            k = j
            if k < n and text[k] == '"':
                end = text.find('"', k + 1)
                if end < 0:
                    raise FMMSyntaxError("missing closing quote", command=command,
                                         column=offset + k)
                value, k = text[k + 1:end], end + 1
            else:
                depth = 0
                while k < n and (not text[k].isspace() or depth > 0):
                    depth += text[k] == "("
                    depth -= text[k] == ")"
                    k += 1
                value = text[j:k]
            if not value:
                raise FMMSyntaxError(f"option {name}=: expected a value", command=command,
                                     column=offset + j)
            out.append(RawOption(name, value, col, offset + j))
            pos = k
        else:
            if pos < n and not text[pos].isspace():
                raise FMMSyntaxError(f"unexpected {text[pos]!r} after option {name}",
                                     command=command, column=offset + pos)
            out.append(RawOption(name, None, col, col))
    return out


def match_options(raw: Sequence[RawOption], schemas: Sequence[OptionSchema], command: str,
                  context: str = "") -> tuple[tuple[str, Any], ...]:
    """Resolve abbreviations and convert arguments.

    Returns canonical ``(name, value)`` pairs in the order typed; a repeated option
    keeps its last value, as Stata does.

    Raises
    ------
    FMMSyntaxError
        For an unknown option, a missing or unexpected argument, or a bad value.
    """
    result: dict[str, Any] = {}
    for opt in raw:
        schema = _find_schema(opt.name, schemas)
        if schema is None:
            where = f" {context}" if context else ""
            raise FMMSyntaxError(f"option {opt.name} not allowed{where}", command=command,
                                 column=opt.col)
        if schema.convert is None:
            if opt.arg is not None:
                raise FMMSyntaxError(f"option {schema.name} does not take an argument",
                                     command=command, column=opt.arg_col)
            value: Any = True
        elif opt.arg is None:
            if not schema.optional_arg:
                raise FMMSyntaxError(f"option {schema.name}() requires an argument",
                                     command=command, column=opt.col)
            value = schema.convert("", opt.col, command)
        else:
            value = schema.convert(opt.arg, opt.arg_col, command)
        result.pop(schema.name, None)
        result[schema.name] = value
    return tuple(result.items())


def _find_schema(typed: str, schemas: Sequence[OptionSchema]) -> OptionSchema | None:
    for s in schemas:
        if s.name == typed:
            return s
    for s in schemas:
        if s.matches(typed):
            return s
    return None


# ---------------------------------------------------------------------------
# Rendering
# ---------------------------------------------------------------------------


def _render_value(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"
    if isinstance(value, tuple):
        return " ".join(_render_value(v) for v in value)
    return str(value)


def render_option(name: str, value: Any) -> str:
    """Canonical text of one option.

    Examples
    --------
    >>> render_option("noconstant", True), render_option("vce", ("cluster", "id"))
    ('noconstant', 'vce(cluster id)')
    """
    if value is True:
        return name
    return f"{name}({_render_value(value)})"


def render_options(items: Sequence[tuple[str, Any]]) -> str:
    """Canonical text of several options, space separated."""
    return " ".join(render_option(k, v) for k, v in items)


# ---------------------------------------------------------------------------
# Converters
# ---------------------------------------------------------------------------


def _err(msg: str, col: int, command: str) -> FMMSyntaxError:
    return FMMSyntaxError(msg, command=command, column=col)


def as_int(minimum: int | None = None, maximum: int | None = None) -> Converter:
    """Converter for an integer argument within bounds."""

    def convert(text: str, col: int, command: str) -> int:
        s = text.strip()
        if not re.fullmatch(r"[-+]?\d+", s):
            raise _err(f"expected an integer, found '{s}'", col, command)
        v = int(s)
        if minimum is not None and v < minimum:
            raise _err(f"expected an integer >= {minimum}, found {v}", col, command)
        if maximum is not None and v > maximum:
            raise _err(f"expected an integer <= {maximum}, found {v}", col, command)
        return v

    return convert


def as_float(positive: bool = False, lo: float | None = None, hi: float | None = None) -> Converter:
    """Converter for a real number (optionally > 0, or within [lo, hi])."""

    def convert(text: str, col: int, command: str) -> float:
        s = text.strip()
        try:
            v = float(s)
        except ValueError:
            raise _err(f"expected a number, found '{s}'", col, command) from None
        if v != v or v in (float("inf"), float("-inf")):
            raise _err(f"expected a finite number, found '{s}'", col, command)
        if positive and v <= 0:
            raise _err(f"expected a positive number, found {s}", col, command)
        if (lo is not None and v < lo) or (hi is not None and v > hi):
            raise _err(f"expected a number between {lo:g} and {hi:g}, found {s}", col, command)
        return v

    return convert


def match_word(typed: str, choices: dict[str, int], aliases: dict[str, str] | None = None
               ) -> str | None:
    """Resolve an abbreviated keyword against ``{canonical: min_abbrev}``.

    Examples
    --------
    >>> match_word("logn", {"log": 3, "lognormal": 4})
    'lognormal'
    >>> match_word("log", {"log": 3, "lognormal": 4})
    'log'
    """
    t = typed.lower()
    if aliases and t in aliases:
        return aliases[t]
    if t in choices:
        return t
    for name, n in choices.items():
        if len(t) >= n and name.startswith(t):
            return name
    return None


def as_choice(choices: dict[str, int], what: str, aliases: dict[str, str] | None = None
              ) -> Converter:
    """Converter for one keyword out of ``choices`` (with abbreviations)."""

    def convert(text: str, col: int, command: str) -> str:
        s = text.strip()
        word = match_word(s, choices, aliases)
        if word is None:
            allowed = ", ".join(choices)
            raise _err(f"unknown {what} '{s}'; expected one of {allowed}", col, command)
        return word

    return convert


def as_name(what: str = "variable name") -> Converter:
    """Converter for a single identifier."""

    def convert(text: str, col: int, command: str) -> str:
        s = text.strip()
        if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", s):
            raise _err(f"expected a {what}, found '{s}'", col + (len(text) - len(text.lstrip())),
                       command)
        return s

    return convert


def as_names(choices: dict[str, int] | None = None, what: str = "name") -> Converter:
    """Converter for a space-separated list of identifiers (or of keywords)."""

    def convert(text: str, col: int, command: str) -> tuple[str, ...]:
        out: list[str] = []
        for m in re.finditer(r"\S+", text):
            word = m.group()
            if choices is not None:
                matched = match_word(word, choices)
                if matched is None:
                    raise _err(f"unknown {what} '{word}'; expected one of {', '.join(choices)}",
                               col + m.start(), command)
                word = matched
            elif not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", word):
                raise _err(f"expected a {what}, found '{word}'", col + m.start(), command)
            out.append(word)
        if not out:
            raise _err(f"expected at least one {what}", col, command)
        return tuple(out)

    return convert


def as_varlist() -> Converter:
    """Converter for a varlist with factor-variable notation (returns an RHS)."""

    def convert(text: str, col: int, command: str) -> Any:
        from .terms import parse_varlist

        rhs = parse_varlist(text, col, command)
        if not rhs.terms:
            raise _err("expected a varlist", col, command)
        return rhs

    return convert


def as_varref(what: str = "variable name") -> Converter:
    """Converter for one variable name, returned as a :class:`VarRef`."""

    def convert(text: str, col: int, command: str) -> VarRef:
        return VarRef(as_name(what)(text, col, command))

    return convert


def as_number_or_var() -> Converter:
    """Converter for ``#`` or ``varname`` (as in ``ll()`` and ``ul()``)."""

    def convert(text: str, col: int, command: str) -> float | VarRef:
        s = text.strip()
        try:
            return float(s)
        except ValueError:
            return as_varref("number or variable name")(s, col, command)

    return convert


def as_suboptions(schemas: Sequence[OptionSchema], what: str) -> Converter:
    """Converter for nested options, e.g. ``emopts(iterate(10))``."""

    def convert(text: str, col: int, command: str) -> SubOptions:
        raw = split_options(text, col, command)
        return SubOptions(match_options(raw, schemas, command, context=f"in {what}()"))

    return convert
