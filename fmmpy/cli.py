"""The ``fmmpy`` command: run Stata do-files, or a few commands, and print what Stata
prints.

Usage::

    python -m fmmpy run analysis.do                  # a do-file (also: fmmpy run ...)
    python -m fmmpy "fmm 3: regress thickness" --data data/stamp.dta
    python -m fmmpy "fmm 3: regress thickness" "estat lcprob" --data data/stamp.csv

The exit status is 0 on success and Stata's return code of the error that stopped
the run otherwise (198: invalid syntax, 199: unrecognized command, 111: variable not
found, ...); codes above 255, which a process cannot return, become 2.

Examples
--------
>>> main(["webuse stamp", "summarize", "--nolog"])  # doctest: +NORMALIZE_WHITESPACE
. webuse stamp
(1872 Hidalgo stamp of Mexico)
<BLANKLINE>
. summarize
<BLANKLINE>
    Variable |        Obs        Mean    Std. dev.       Min        Max
-------------+---------------------------------------------------------
   thickness |        485    .0860247     .014964        .06       .131
<BLANKLINE>
0
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

import pandas as pd

from .dofile import COMMANDS, DoFileError, Session
from .dofile.data_commands import load_file
from .dofile.errors import StataError
from .dofile.model_commands import ESTAT, ESTIMATES
from .errors import FMMDataError

__all__ = ["main", "read_data", "command_list"]


def read_data(path: str) -> pd.DataFrame:
    """Read a ``.dta``, ``.csv`` or ``.parquet`` file as Stata's ``use`` and
    ``import delimited`` would store it (decimals in a text file become float).

    Examples
    --------
    >>> read_data("no/such/file.dta")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: file no/such/file.dta not found
    """
    try:
        return load_file(Path(path))[0]
    except StataError as err:
        raise FMMDataError(str(err)) from None


def command_list() -> str:
    """The commands the do-file runner knows, one per line with a summary.

    Examples
    --------
    >>> print(command_list().splitlines()[0])
    commands fmmpy runs in do-files:
    """
    lines = ["commands fmmpy runs in do-files:"]
    for spec in COMMANDS.specs():
        lines.append(f"  {spec.name:<11} {spec.summary}")
        sub = {"estat": ESTAT, "estimates": ESTIMATES}.get(spec.name)
        for s in sub.specs() if sub is not None else ():
            lines.append(f"    {s.name:<9} {s.summary}")
    return "\n".join(lines)


def _exit_status(rc: int) -> int:
    return rc if 0 < rc < 256 else 2


def _execute(session: Session, data: str | None, action: Callable[[], None]) -> int:
    """Load ``data`` (if given), run ``action``, report the error that stops it."""
    try:
        if data:
            frame, label = load_file(Path(data))
            session.set_data(frame, label, Path(data))
        action()
    except DoFileError as err:
        print(err, file=sys.stderr)
        if err.rc == 199:
            print("(python -m fmmpy run --help lists the commands fmmpy's do-file runner "
                  "knows)", file=sys.stderr)
        return _exit_status(err.rc)
    except StataError as err:
        print(f"{err}\nr({err.rc});", file=sys.stderr)
        return _exit_status(err.rc)
    return 0


def _parser(prog: str, usage: str | None, description: str) -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog=prog, usage=usage, description=description,
                                     formatter_class=argparse.RawDescriptionHelpFormatter,
                                     epilog=command_list())
    parser.add_argument("--data", help="a .dta, .csv or .parquet file to load first")
    parser.add_argument("--nolog", action="store_true", help="omit fmm's iteration logs")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m fmmpy`` and the ``fmmpy`` console script.

    Parameters
    ----------
    argv : sequence of str, optional
        ``["run", "analysis.do"]`` to run a do-file, or commands followed by
        ``--data file`` (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit status (see the module docstring).

    Examples
    --------
    >>> main(["webuse stamp", "nosuchcommand"])
    . webuse stamp
    (1872 Hidalgo stamp of Mexico)
    <BLANKLINE>
    . nosuchcommand
    199
    """
    argv = list(sys.argv[1:] if argv is None else argv)
    if argv[:1] == ["run"]:
        parser = _parser("fmmpy run", None,
                         "Run Stata do-files with fmmpy and print what Stata prints.")
        parser.add_argument("dofiles", nargs="+", help="do-files to run, in order")
        args = parser.parse_args(argv[1:])
        session = Session(log=not args.nolog)

        def run_files() -> None:
            for path in args.dofiles:
                session.run_file(path)
                session.write("end of do-file")

        return _execute(session, args.data, run_files)
    parser = _parser("fmmpy", '%(prog)s run file.do | %(prog)s "command" ... [--data file]',
                     "Run Stata commands with fmmpy and print what Stata prints.  "
                     "'fmmpy run file.do' runs a do-file.")
    parser.add_argument("commands", nargs="+",
                        help='commands, e.g. "fmm 3: regress thickness" "estat lcprob"')
    args = parser.parse_args(argv)
    session = Session(log=not args.nolog)
    return _execute(session, args.data,
                    lambda: session.run("\n".join(args.commands), name="the command line"))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
