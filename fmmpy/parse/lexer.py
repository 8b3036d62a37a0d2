"""A small tokenizer for Stata command text that keeps the column of every token.

Columns are 0-based offsets into the *whole* command, so errors raised deep in a
sub-parser can still draw a caret under the right character.

Examples
--------
>>> [t.text for t in tokenize("x >= 2 & !missing(z)") if t.kind != "end"]
['x', '>=', '2', '&', '!', 'missing', '(', 'z', ')']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from ..errors import FMMSyntaxError

__all__ = ["Token", "tokenize", "TokenStream"]

# Order matters: longer operators first.
_TOKEN_RE = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<string>"[^"]*"|`"[^"]*"')
  | (?P<number>(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)
  | (?P<missing>\.[a-z]?(?![A-Za-z0-9_]))
  | (?P<name>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op>\#\#|==|!=|~=|<=|>=|[-+*/^()\[\],:;=<>&|!~\#.])
    """,
    re.VERBOSE,
)


@dataclass(frozen=True)
class Token:
    """One token: its kind (``name``, ``number``, ``string``, ``missing``, ``op``,
    ``end``), its text and its column in the command.

    Examples
    --------
    >>> Token("name", "x", 4).col
    4
    """

    kind: str
    text: str
    col: int


def tokenize(text: str, offset: int = 0, command: str | None = None) -> list[Token]:
    """Split ``text`` into tokens; ``offset`` is added to every column.

    Parameters
    ----------
    text : str
        The text to split.
    offset : int
        Column of ``text[0]`` in the full command.
    command : str, optional
        The full command, for error messages (defaults to ``text``).

    Returns
    -------
    list of Token
        Ends with a token of kind ``end``.

    Examples
    --------
    >>> [(t.kind, t.text) for t in tokenize('a=="b"')][:3]
    [('name', 'a'), ('op', '=='), ('string', '"b"')]
    """
    full = command if command is not None else text
    tokens: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN_RE.match(text, pos)
        if m is None:
            raise FMMSyntaxError(
                f"unexpected character {text[pos]!r}", command=full, column=offset + pos
            )
        kind = m.lastgroup or "op"
        if kind != "ws":
            tokens.append(Token(kind, m.group(), offset + pos))
        pos = m.end()
    tokens.append(Token("end", "", offset + len(text)))
    return tokens


class TokenStream:
    """A cursor over tokens with helpers for recursive-descent parsers.

    Examples
    --------
    >>> ts = TokenStream(tokenize("( a )"), "( a )")
    >>> ts.expect_op("(").text
    '('
    >>> ts.next().text
    'a'
    """

    def __init__(self, tokens: list[Token], command: str):
        self.tokens = tokens
        self.command = command
        self.pos = 0

    def peek(self, ahead: int = 0) -> Token:
        """The token ``ahead`` places after the cursor (the ``end`` token past the end)."""
        idx = min(self.pos + ahead, len(self.tokens) - 1)
        return self.tokens[idx]

    def next(self) -> Token:
        """Consume and return the current token."""
        tok = self.peek()
        if tok.kind != "end":
            self.pos += 1
        return tok

    def at_op(self, *ops: str) -> bool:
        """Whether the current token is one of the operators ``ops``."""
        tok = self.peek()
        return tok.kind == "op" and tok.text in ops

    def at_end(self) -> bool:
        """Whether every token has been consumed."""
        return self.peek().kind == "end"

    def expect_op(self, op: str, what: str | None = None) -> Token:
        """Consume operator ``op`` or raise :class:`FMMSyntaxError` naming it."""
        tok = self.peek()
        if tok.kind == "op" and tok.text == op:
            return self.next()
        found = "end of command" if tok.kind == "end" else repr(tok.text)
        raise self.error(f"expected {what or repr(op)}, found {found}", tok)

    def error(self, message: str, tok: Token | None = None) -> FMMSyntaxError:
        """An :class:`FMMSyntaxError` pointing at ``tok`` (default: the current token)."""
        tok = tok or self.peek()
        return FMMSyntaxError(message, command=self.command, column=tok.col)
