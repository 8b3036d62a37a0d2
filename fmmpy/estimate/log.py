"""The iteration log, recorded for the results and optionally echoed as it happens.

Lines follow Stata's layout::

    Fitting class model:

    Iteration 0:  (class) log likelihood = -532.8249
    Iteration 1:  (class) log likelihood = -532.8249

Examples
--------
>>> log = IterationLog(echo=False)
>>> log.section("Fitting full model:")
>>> log.iteration(0, 1516.5252, "Log likelihood", ("not concave",))
>>> print(log.text())
Fitting full model:
<BLANKLINE>
Iteration 0:  Log likelihood = 1516.5252  (not concave)
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import TextIO

from ..display.format import fmt_g

__all__ = ["IterationLog"]


class IterationLog:
    """Collects the lines of an estimation log.

    Parameters
    ----------
    echo : bool
        Print each line as it is added.
    stream : text stream, optional
        Where to print (default: ``sys.stdout`` at the time of printing).
    """

    def __init__(self, echo: bool = True, stream: TextIO | None = None):
        self.echo = echo
        self.stream = stream
        self._lines: list[str] = []

    def _add(self, line: str) -> None:
        self._lines.append(line)
        if self.echo:
            print(line, file=self.stream or sys.stdout, flush=True)

    def section(self, title: str) -> None:
        """A heading such as ``Fitting class model:`` followed by a blank line."""
        if self._lines and self._lines[-1] != "":
            self._add("")
        self._add(title)
        self._add("")

    def iteration(self, number: int, value: float, caption: str,
                  flags: Sequence[str] = ()) -> None:
        """One ``Iteration #:`` line; ``flags`` such as ``not concave`` or ``backed up``."""
        head = f"Iteration {number}:".ljust(13)
        line = f"{head} {caption} = {fmt_g(value, 10)}"
        if flags:
            line += "  " + " ".join(f"({f})" for f in flags)
        self._add(line)

    def note(self, text: str) -> None:
        """A note line (``note: EM algorithm reached maximum iterations.``)."""
        self._add(text)

    def lines(self) -> tuple[str, ...]:
        """All lines recorded so far."""
        return tuple(self._lines)

    def text(self) -> str:
        """The log as one string."""
        return "\n".join(self._lines)
