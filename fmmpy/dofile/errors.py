"""Errors of the do-file runner, with Stata's return codes.

Stata stops a do-file at the first error and reports ``r(#);``.  Commands raise
:class:`StataError` with the code Stata uses for the same mistake; errors raised by
the rest of fmmpy get a code from :func:`return_code`.  The session wraps whatever
stopped it in a :class:`DoFileError` naming the line.

Examples
--------
>>> err = StataError("command foo is unrecognized", rc=199)
>>> err.rc, str(err)
(199, 'command foo is unrecognized')
"""

from __future__ import annotations

from ..errors import FMMConvergenceError, FMMDataError, FMMError, FMMSyntaxError

__all__ = ["StataError", "DoFileError", "return_code"]


class StataError(FMMError):
    """A command that cannot run, with Stata's return code ``rc`` (198: invalid syntax,
    199: unrecognized command, 111: variable not found, 601: file not found, ...).

    Examples
    --------
    >>> StataError("variable zz not found", rc=111).rc
    111
    """

    def __init__(self, message: str, rc: int = 198):
        super().__init__(message)
        self.message = message
        self.rc = rc


def return_code(err: Exception) -> int:
    """Stata's return code for an error raised while running a command.

    Examples
    --------
    >>> from fmmpy.errors import FMMDataError, FMMSyntaxError
    >>> return_code(FMMSyntaxError("expected ':'")), return_code(FMMDataError("variable x not found"))
    (198, 111)
    """
    if isinstance(err, StataError):
        return err.rc
    if isinstance(err, FMMSyntaxError):
        return 198
    if isinstance(err, FMMDataError):
        text = str(err)
        return 111 if text.startswith("variable") and "not found" in text else 459
    if isinstance(err, FMMConvergenceError):
        return 430
    return 498


class DoFileError(FMMError):
    """The error that stopped a do-file: the message, Stata's return code and where.

    Attributes
    ----------
    message : str
        What went wrong, as the command reported it.
    rc : int
        Stata's return code.
    line : int
        1-based line of the command in the do-file.
    source : str
        The do-file's name (``"<string>"`` for text run directly).
    command : str
        The command as written.

    Examples
    --------
    >>> err = DoFileError("command foo is unrecognized", 199, 3, "a.do", "foo bar")
    >>> print(err)
    command foo is unrecognized
    (line 3 of a.do: foo bar)
    r(199);
    """

    def __init__(self, message: str, rc: int, line: int, source: str, command: str):
        self.message = message
        self.rc = rc
        self.line = line
        self.source = source
        self.command = command
        super().__init__(f"{message}\n(line {line} of {source}: {command})\nr({rc});")
