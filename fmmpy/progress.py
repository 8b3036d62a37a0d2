"""A one-line progress display for long loops (many fits, many draws, long do-files).

On a terminal the line is rewritten in place (``\\r``) and erased when the loop ends,
so it never ends up in a log; anywhere else (a file, a pipe, a notebook cell that is
not a TTY, or ``log=False``) nothing is written at all.  Code with a long loop wraps
it::

    with ProgressLine("select_k", total=len(ks), enabled=log) as bar:
        for k in ks:
            ...
            bar.update(detail=f"k = {k}")

or iterates through :func:`progress`.

Examples
--------
>>> import io
>>> out = io.StringIO()                       # not a terminal: nothing is written
>>> for _ in progress(range(3), "draws", stream=out):
...     pass
>>> out.getvalue()
''
"""

from __future__ import annotations

import sys
import time
from collections.abc import Iterable, Iterator
from typing import TextIO, TypeVar

__all__ = ["ProgressLine", "progress", "is_terminal"]

T = TypeVar("T")


def is_terminal(stream: TextIO | None) -> bool:
    """Whether ``stream`` is an interactive terminal (``isatty()``); ``False`` for
    anything that cannot tell.

    Examples
    --------
    >>> import io
    >>> is_terminal(io.StringIO())
    False
    """
    try:
        return bool(stream is not None and stream.isatty())
    except (AttributeError, ValueError):  # closed or file-like without isatty
        return False


class ProgressLine:
    """A progress line ``label: done/total  detail`` rewritten in place.

    Parameters
    ----------
    label : str
        What is progressing (``"draws"``, ``"analysis.do"``).
    total : int, optional
        Number of steps, if known.
    enabled : bool, optional
        ``False`` turns the display off (pass the caller's ``log`` flag); ``None`` or
        ``True`` show it only when ``stream`` is a terminal.
    stream : text stream, optional
        Where to draw (default: standard error, so that standard output stays a clean
        transcript).
    min_interval : float
        Seconds between redraws (the first and last states are always drawn).

    Examples
    --------
    >>> import io
    >>> class Terminal(io.StringIO):
    ...     def isatty(self):
    ...         return True
    >>> term = Terminal()
    >>> with ProgressLine("draws", total=2, stream=term, min_interval=0) as bar:
    ...     bar.update(detail="ll = 1518.85")
    ...     bar.update()
    >>> [part.rstrip() for part in term.getvalue().split("\\r")[1:3]]
    ['draws: 1/2  ll = 1518.85', 'draws: 2/2']
    >>> term.getvalue().endswith("\\r")                # erased at the end
    True
    """

    def __init__(self, label: str, total: int | None = None, *, enabled: bool | None = None,
                 stream: TextIO | None = None, min_interval: float = 0.1):
        self.label = label
        self.total = total
        self.done = 0
        self.stream = stream if stream is not None else sys.stderr
        self.active = enabled is not False and is_terminal(self.stream)
        self.min_interval = min_interval
        self._last_draw = -float("inf")
        self._width = 0

    def text(self, detail: str = "") -> str:
        """The line as it would be drawn now.

        Examples
        --------
        >>> ProgressLine("fits", total=5).text("k = 2")
        'fits: 0/5  k = 2'
        """
        count = f"{self.done}/{self.total}" if self.total is not None else str(self.done)
        return f"{self.label}: {count}" + (f"  {detail}" if detail else "")

    def update(self, steps: int = 1, detail: str = "") -> None:
        """Advance by ``steps`` and redraw (at most every ``min_interval`` seconds).

        Examples
        --------
        >>> bar = ProgressLine("fits", total=3, enabled=False)
        >>> bar.update(2)
        >>> bar.done
        2
        """
        self.done += steps
        if not self.active:
            return
        now = time.monotonic()
        last = self.total is not None and self.done >= self.total
        if not last and now - self._last_draw < self.min_interval:
            return
        self._last_draw = now
        self._draw(self.text(detail))

    def _draw(self, line: str) -> None:
        pad = max(self._width - len(line), 0)
        self.stream.write("\r" + line + " " * pad)
        self.stream.flush()
        self._width = len(line)

    def close(self) -> None:
        """Erase the line (nothing stays behind in the terminal's scrollback).

        Examples
        --------
        >>> ProgressLine("fits", enabled=False).close()
        """
        if self.active and self._width:
            self.stream.write("\r" + " " * self._width + "\r")
            self.stream.flush()
        self.active = False

    def __enter__(self) -> "ProgressLine":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


def progress(items: Iterable[T], label: str, total: int | None = None, *,
             enabled: bool | None = None, stream: TextIO | None = None) -> Iterator[T]:
    """Iterate over ``items`` while showing a :class:`ProgressLine`.

    Parameters
    ----------
    items : iterable
    label : str
    total : int, optional
        Defaults to ``len(items)`` when ``items`` has a length.
    enabled, stream
        As for :class:`ProgressLine`.

    Examples
    --------
    >>> [k for k in progress([2, 3, 4], "select_k", enabled=False)]
    [2, 3, 4]
    """
    if total is None and hasattr(items, "__len__"):
        total = len(items)  # type: ignore[arg-type]
    with ProgressLine(label, total, enabled=enabled, stream=stream) as bar:
        for item in items:
            yield item
            bar.update()
