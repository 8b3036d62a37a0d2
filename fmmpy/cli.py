"""The ``fmmpy`` command: run an fmm command on a data file and print what Stata prints.

Usage::

    python -m fmmpy "fmm 3: regress thickness" --data data/stamp.dta
    python -m fmmpy "fmm 3: regress thickness" "estat lcprob" --data data/stamp.csv

Examples
--------
>>> main(["fmm 2: regress thickness", "--data", "data/stamp.csv", "--nolog"])  # doctest: +SKIP
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

import pandas as pd

from .errors import FMMDataError, FMMError

__all__ = ["main", "read_data"]


def read_data(path: str) -> pd.DataFrame:
    """Read a ``.dta``, ``.csv`` or ``.parquet`` file, keeping Stata's storage types.

    Examples
    --------
    >>> read_data("no/such/file.dta")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: file no/such/file.dta not found
    """
    p = Path(path)
    if not p.exists():
        raise FMMDataError(f"file {path} not found")
    suffix = p.suffix.lower()
    try:
        if suffix == ".dta":
            return pd.read_stata(p, convert_categoricals=False)
        if suffix in (".csv", ".txt"):
            return pd.read_csv(p)
        if suffix == ".parquet":
            return pd.read_parquet(p)
    except Exception as exc:  # pandas raises many types for unreadable files
        raise FMMDataError(f"cannot read {path}: {exc}") from None
    raise FMMDataError(f"cannot read {path}: expected a .dta, .csv or .parquet file")


def _run(commands: Sequence[str], data: pd.DataFrame, log: bool) -> None:
    from .api import fmm

    res = None
    for command in commands:
        text = command.strip()
        print(f". {text}")
        words = text.split()
        if words[:1] == ["estat"]:
            if res is None:
                raise FMMError("last estimates not found: run an fmm command before estat")
            sub = words[1] if len(words) > 1 else ""
            if not "lcprob".startswith(sub) or len(sub) < 4:
                raise FMMError(f"estat {sub}: only 'estat lcprob' is available from the "
                               "command line in this version")
            print()
            print(res.estat_lcprob())
        else:
            res = fmm(text, data, log=False)
            print()
            print(res if log else res.summary())
        print()


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of ``python -m fmmpy`` and the ``fmmpy`` console script.

    Returns the process exit status: 0 on success, 198 for a syntax error and 2 for
    other fmmpy errors (Stata's return code 198 is "invalid syntax").
    """
    parser = argparse.ArgumentParser(
        prog="fmmpy",
        description="Fit Stata fmm commands in Python and print Stata's output.")
    parser.add_argument("commands", nargs="+",
                        help='commands, e.g. "fmm 3: regress thickness" "estat lcprob"')
    parser.add_argument("--data", required=True, help="a .dta, .csv or .parquet file")
    parser.add_argument("--nolog", action="store_true", help="omit the iteration log")
    args = parser.parse_args(argv)
    from .errors import FMMSyntaxError

    try:
        data = read_data(args.data)
        _run(args.commands, data, log=not args.nolog)
    except FMMSyntaxError as exc:
        print(f"{exc}\nr(198);", file=sys.stderr)
        return 198
    except FMMError as exc:
        print(f"{exc}", file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
