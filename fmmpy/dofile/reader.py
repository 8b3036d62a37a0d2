"""Reading a do-file into commands, with Stata's comment and continuation rules.

- ``* text`` at the start of a line (after blanks) comments out the line;
- ``// text`` comments out the rest of a line when ``//`` starts the line or follows a
  blank (so ``https://...`` is not a comment);
- ``/* ... */`` is removed wherever it is, may span lines and may nest;
- ``///`` (at the start of a line or after a blank) joins the next line to this one,
  and the rest of the line after it is a comment;
- nothing inside double quotes is a comment.

Each command keeps the physical lines it came from, so that it can be echoed as Stata
echoes it (``. first line`` then ``> continuation``).

Examples
--------
>>> cmds = split_commands('* the stamp data\\nfmm 3: ///\\n  regress thickness // normals')
>>> [(c.line, c.text) for c in cmds]
[(1, ''), (2, 'fmm 3: regress thickness')]
>>> cmds[1].echo
('fmm 3: ///', '  regress thickness // normals')
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = ["Command", "split_commands"]


@dataclass(frozen=True)
class Command:
    """One command of a do-file.

    Attributes
    ----------
    line : int
        1-based number of its first line.
    text : str
        The command without comments, continuation lines joined (``""`` for a line
        holding only a comment).
    echo : tuple of str
        The physical lines as written.

    Examples
    --------
    >>> Command(4, "summarize", ("summarize",)).text
    'summarize'
    """

    line: int
    text: str
    echo: tuple[str, ...]


class _Scanner:
    """Strips comments from one physical line, carrying ``/* */`` depth across lines."""

    def __init__(self) -> None:
        self.depth = 0

    def strip(self, line: str) -> tuple[str, bool]:
        """Return the line without comments and whether it ends in ``///``."""
        out: list[str] = []
        quote = False
        i, n = 0, len(line)
        while i < n:
            if self.depth:
                if line.startswith("*/", i):
                    self.depth -= 1
                    i += 2
                    if not self.depth:
                        out.append(" ")
                elif line.startswith("/*", i):
                    self.depth += 1
                    i += 2
                else:
                    i += 1
                continue
            ch = line[i]
            if quote:
                out.append(ch)
                quote = ch != '"'
                i += 1
                continue
            after_blank = i == 0 or line[i - 1].isspace()
            if ch == '"':
                quote = True
            elif line.startswith("/*", i):
                self.depth += 1
                i += 2
                continue
            elif line.startswith("///", i) and after_blank:
                return "".join(out), True
            elif line.startswith("//", i) and after_blank:
                break
            out.append(ch)
            i += 1
        return "".join(out), False


def split_commands(source: str) -> list[Command]:
    """Split do-file text into :class:`Command` objects (blank lines are dropped;
    comment-only lines are kept with empty ``text`` so they can be echoed).

    Parameters
    ----------
    source : str
        The do-file's text.

    Returns
    -------
    list of Command

    Examples
    --------
    >>> [c.text for c in split_commands('use "a b.dta" /* file */, clear\\n\\nlist')]
    ['use "a b.dta"  , clear', 'list']
    """
    scanner = _Scanner()
    commands: list[Command] = []
    parts: list[str] = []
    echo: list[str] = []
    first = 0
    star_comment = False
    for number, raw in enumerate(source.splitlines(), start=1):
        line = raw.rstrip("\r")
        if not echo:
            first = number
            star_comment = scanner.depth == 0 and line.lstrip().startswith("*")
        echo.append(line)
        if star_comment:
            # A * comment continues onto the next line only through ///.
            continues = line.rstrip().endswith("///")
        else:
            text, continues = scanner.strip(line)
            parts.append(text)
            continues = continues or scanner.depth > 0
        if continues:
            continue
        text = " ".join(p.strip() for p in parts if p.strip())
        if text or any(e.strip() for e in echo):
            commands.append(Command(first, text, tuple(echo)))
        parts, echo = [], []
    if echo:
        text = " ".join(p.strip() for p in parts if p.strip())
        commands.append(Command(first, text, tuple(echo)))
    return commands
