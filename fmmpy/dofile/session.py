"""A do-file session: the data in memory, the active and stored estimation results,
display formats; runs commands one by one and prints what Stata prints.

Output follows Stata's log: each command is echoed as ``. command`` (continuation
lines as ``> line``), then its output, then a blank line; comment lines are echoed
and followed by nothing.  The first error stops the run with a
:class:`~fmmpy.dofile.errors.DoFileError` naming the line and Stata's return code.

Examples
--------
>>> s = Session()
>>> s.run('''webuse stamp
... summarize thickness''')
. webuse stamp
(1872 Hidalgo stamp of Mexico)
<BLANKLINE>
. summarize thickness
<BLANKLINE>
    Variable |        Obs        Mean    Std. dev.       Min        Max
-------------+---------------------------------------------------------
   thickness |        485    .0860247     .014964        .06       .131
<BLANKLINE>
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

import numpy as np
import pandas as pd

from ..design.variables import as_frame, range_mask
from ..errors import FMMError
from ..expr_eval import evaluate_condition
from ..parse.expr import Expr
from ..parse.spec import InRange
from ..progress import ProgressLine, is_terminal
from .errors import DoFileError, StataError, return_code
from .formats import DisplayFormat, default_format
from .reader import Command, split_commands
from .registry import COMMANDS, PLANNED, Call

if TYPE_CHECKING:  # pragma: no cover
    from ..results import FMMResults

__all__ = ["Session", "run_dofile", "UNSUPPORTED"]

_WORD = re.compile(r"\s*(#?[A-Za-z_][A-Za-z0-9_]*)")

#: Hints for Stata commands the runner does not run.
UNSUPPORTED: dict[str, str] = {
    "histogram": "draw the seed's figure in Python with res.plot('density') (fmmpy.plot)",
    "twoway": "draw figures in Python with res.plot() (fmmpy.plot)",
    "graph": "draw figures in Python with res.plot() (fmmpy.plot)",
    "#delimit": "end each command at the end of its line and continue long ones with ///",
    "local": "macros are not supported; write a Python script with fmmpy.fmm() for loops",
    "global": "macros are not supported; write a Python script with fmmpy.fmm() for loops",
    "foreach": "loops are not supported; write a Python script with fmmpy.fmm() for loops",
    "forvalues": "loops are not supported; write a Python script with fmmpy.fmm() for loops",
}


class _Null:
    def write(self, text: str) -> int:
        return len(text)

    def flush(self) -> None:
        return None


class Session:
    """Runs Stata commands on one dataset in memory.

    Parameters
    ----------
    data : DataFrame, optional
        Data to start with (copied; the caller's frame is never modified).
    stream : text stream, optional
        Where output goes (default: standard output at the time of writing).
    log : bool
        Show ``fmm``'s iteration log (``False`` is like adding ``nolog`` to every fit)
        and the progress line of long runs.
    directory : path, optional
        Where relative file names are looked up after the current directory (a
        do-file's own directory when run with :func:`run_dofile`).
    seed : int, optional
        Seed of ``runiform()``/``rnormal()`` in ``generate`` (``set seed #`` resets it).

    Attributes
    ----------
    data : DataFrame
        The data in memory (``RangeIndex``; observation ``i`` is row ``i - 1``).
    results : FMMResults or None
        The active estimation results (``e()``).
    stored : dict
        Results kept by ``estimates store``.
    formats : dict
        Display formats set by ``format``.

    Examples
    --------
    >>> import fmmpy
    >>> s = Session(fmmpy.datasets.load("stamp"), log=False)
    >>> s.run("quietly fmm 2: regress thickness")
    . quietly fmm 2: regress thickness
    <BLANKLINE>
    >>> round(s.results.llf, 4)
    1484.7501
    """

    def __init__(self, data: Any = None, *, stream: TextIO | None = None, log: bool = True,
                 directory: str | Path | None = None, seed: int | None = None):
        self.data = pd.DataFrame() if data is None else as_frame(data).reset_index(drop=True)
        self.data_label: str | None = None
        self.filename: Path | None = None
        self.changed = False
        self.formats: dict[str, DisplayFormat] = {}
        self.results: FMMResults | None = None
        self.stored: dict[str, FMMResults] = {}
        self.log = log
        self.stream = stream
        self.directory = None if directory is None else Path(directory)
        self.rng = np.random.default_rng(seed)
        self.storage = "float"
        self.rc = 0
        self._quiet = 0

    # -- output ----------------------------------------------------------------------
    @property
    def quiet(self) -> bool:
        """Whether output is suppressed (``quietly``, ``capture``)."""
        return self._quiet > 0

    @property
    def out(self) -> TextIO:
        """The stream commands print to (a sink under ``quietly``)."""
        if self.quiet:
            return _Null()  # type: ignore[return-value]
        return self.stream if self.stream is not None else sys.stdout

    def write(self, text: str = "") -> None:
        """Print ``text`` and a newline unless output is suppressed.

        Examples
        --------
        >>> Session().write("(results m1 are active now)")
        (results m1 are active now)
        """
        if not self.quiet:
            out = self.out
            out.write(text + "\n")
            out.flush()

    @contextmanager
    def quietly(self, on: bool = True) -> Iterator[None]:
        """Suppress output inside the block (``on=False``: show it, as ``noisily``).

        Examples
        --------
        >>> s = Session()
        >>> with s.quietly():
        ...     s.write("hidden")
        >>> s.quiet
        False
        """
        saved = self._quiet
        self._quiet = saved + 1 if on else 0
        try:
            yield
        finally:
            self._quiet = saved

    # -- running ---------------------------------------------------------------------
    def run(self, source: str, name: str = "<string>") -> None:
        """Run do-file text, echoing each command.

        Parameters
        ----------
        source : str
            The commands, one per line (comments and ``///`` as in a do-file).
        name : str
            How errors name the source.

        Raises
        ------
        DoFileError
            At the first command that fails.

        Examples
        --------
        >>> Session().run("* nothing but a comment")
        . * nothing but a comment
        """
        commands = split_commands(source)
        total = sum(1 for c in commands if c.text)
        transcript = self.stream if self.stream is not None else sys.stdout
        show_bar = self.log and not is_terminal(transcript)
        with ProgressLine(name, total, enabled=show_bar) as bar:
            for cmd in commands:
                self._echo(cmd)
                if not cmd.text:
                    continue
                bar.update(0, detail=f"line {cmd.line}: {cmd.text[:50]}")
                try:
                    self.execute(cmd.text)
                except FMMError as err:
                    raise DoFileError(str(err), return_code(err), cmd.line, name,
                                      " ".join(cmd.text.split())) from err
                bar.update(1)
                self._raw_write("")

    def run_file(self, path: str | Path) -> None:
        """Run a do-file (relative file names in it are looked up in the current
        directory, then in the do-file's directory).

        Raises
        ------
        DoFileError
            At the first command that fails (or ``r(601)`` if the do-file is missing).

        Examples
        --------
        >>> Session().run_file("no/such.do")
        Traceback (most recent call last):
        ...
        fmmpy.dofile.errors.DoFileError: file no/such.do not found
        (line 0 of no/such.do: do no/such.do)
        r(601);
        """
        p = Path(path)
        if not p.is_file():
            raise DoFileError(f"file {path} not found", 601, 0, str(path), f"do {path}")
        if self.directory is None:
            self.directory = p.resolve().parent
        self.run(p.read_text(encoding="utf-8"), name=str(path))

    def _raw_write(self, text: str) -> None:
        out = self.stream if self.stream is not None else sys.stdout
        out.write(text + "\n")
        out.flush()

    def _echo(self, cmd: Command) -> None:
        first, *rest = cmd.echo
        self._raw_write(f". {first}".rstrip())
        for line in rest:
            self._raw_write(f"> {line}")

    def execute(self, text: str) -> None:
        """Run one command (no echo) through its registered handler.

        Raises
        ------
        StataError
            ``r(199)`` for a command the runner does not know; the handler's errors.

        Examples
        --------
        >>> s = Session()
        >>> s.execute("webuse stamp")
        (1872 Hidalgo stamp of Mexico)
        >>> s.execute("tabulate thickness")
        Traceback (most recent call last):
        ...
        fmmpy.dofile.errors.StataError: command tabulate is unrecognized
        """
        m = _WORD.match(text)
        if m is None:
            raise StataError(f"{text.strip()!r}: expected a command", rc=198)
        word = m.group(1)
        spec = COMMANDS.lookup(word)
        if spec is None:
            raise self._unknown(word, text[m.end():])
        spec.handler(self, Call(spec.name, text[m.end():], text, m.end()))

    @staticmethod
    def _unknown(word: str, rest: str) -> StataError:
        sub = rest.split()[0] if rest.split() else ""
        for key in (f"{word} {sub}", word):
            if key in PLANNED:
                return StataError(PLANNED[key], rc=199)
        hint = UNSUPPORTED.get(word)
        message = f"command {word} is unrecognized"
        if hint:
            message += f" by fmmpy's do-file runner: {hint}"
        return StataError(message, rc=199)

    # -- helpers for command handlers --------------------------------------------------
    def require_results(self) -> "FMMResults":
        """The active results, or ``r(301)`` as Stata says when there are none.

        Examples
        --------
        >>> Session().require_results()
        Traceback (most recent call last):
        ...
        fmmpy.dofile.errors.StataError: last estimates not found
        """
        if self.results is None:
            raise StataError("last estimates not found", rc=301)
        return self.results

    def require_data(self) -> pd.DataFrame:
        """The data in memory, or ``r(111)`` when there are no variables.

        Examples
        --------
        >>> Session().require_data()
        Traceback (most recent call last):
        ...
        fmmpy.dofile.errors.StataError: no variables defined
        """
        if not len(self.data.columns):
            raise StataError("no variables defined", rc=111)
        return self.data

    def select(self, if_expr: Expr | None, in_range: InRange | None) -> np.ndarray:
        """Rows chosen by ``if`` and ``in`` (a boolean array over the data).

        Examples
        --------
        >>> from fmmpy.dofile.syntax import parse_qualifiers
        >>> s = Session({"x": [1.0, 5.0, 9.0]})
        >>> s.select(*parse_qualifiers("if x > 2 in 1/2")).tolist()
        [False, True, False]
        """
        n = len(self.data)
        try:
            mask = range_mask(n, in_range)
        except FMMError:
            raise StataError("Obs. nos. out of range", rc=198) from None
        if if_expr is not None:
            mask &= evaluate_condition(if_expr, self.data)
        return mask

    def format_of(self, name: str) -> DisplayFormat:
        """The display format of variable ``name`` (set by ``format`` or the default of
        its storage type).

        Examples
        --------
        >>> import fmmpy
        >>> str(Session(fmmpy.datasets.load("stamp")).format_of("thickness"))
        '%9.0g'
        """
        return self.formats.get(name) or default_format(self.data[name])

    def set_data(self, frame: pd.DataFrame, label: str | None = None,
                 filename: Path | None = None) -> None:
        """Replace the data in memory (formats reset; estimation results stay).

        Examples
        --------
        >>> import pandas as pd
        >>> s = Session()
        >>> s.set_data(pd.DataFrame({"y": [1.0]}), label="one row")
        >>> s.data_label, len(s.data)
        ('one row', 1)
        """
        self.data = frame.reset_index(drop=True)
        self.data_label = label
        self.filename = filename
        self.formats = {}
        self.changed = False

    def can_replace_data(self, clear: bool) -> None:
        """Stata's guard: loading data over changed, unsaved data needs ``clear``.

        Examples
        --------
        >>> s = Session()
        >>> s.changed = True
        >>> s.can_replace_data(clear=False)
        Traceback (most recent call last):
        ...
        fmmpy.dofile.errors.StataError: no; dataset in memory has changed since last saved
        """
        if self.changed and not clear:
            raise StataError("no; dataset in memory has changed since last saved", rc=4)

    def resolve(self, name: str) -> Path:
        """A file to read: the name as given (relative to the current directory), else
        relative to the do-file's directory.

        Examples
        --------
        >>> import pathlib, tempfile
        >>> d = pathlib.Path(tempfile.mkdtemp())
        >>> _ = (d / "a.dta").write_bytes(b"")
        >>> Session(directory=d).resolve("a.dta") == d / "a.dta"
        True
        """
        p = Path(name).expanduser()
        if p.is_absolute() or p.exists() or self.directory is None:
            return p
        alt = self.directory / p
        return alt if alt.exists() else p


def run_dofile(path: str | Path, *, stream: TextIO | None = None, log: bool = True,
               data: Any = None) -> Session:
    """Run a do-file and return the session (its data and results).

    Parameters
    ----------
    path : str or Path
        The do-file.
    stream : text stream, optional
        Where the transcript goes (default: standard output).
    log : bool
        Show iteration logs.
    data : DataFrame, optional
        Data in memory before the first command.

    Raises
    ------
    DoFileError
        Naming the line, the command and Stata's return code of the first failure.

    Examples
    --------
    >>> import io, tempfile, os
    >>> with tempfile.TemporaryDirectory() as d:
    ...     path = os.path.join(d, "a.do")
    ...     _ = open(path, "w").write("webuse stamp\\nkeep in 1/3\\n")
    ...     s = run_dofile(path, stream=io.StringIO())
    >>> len(s.data)
    3
    """
    session = Session(data, stream=stream, log=log)
    session.run_file(path)
    return session
