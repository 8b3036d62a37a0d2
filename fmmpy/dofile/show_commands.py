"""Display commands of the do-file runner: ``list``, ``summarize``, and the prefixes
``quietly``, ``noisily``, ``capture``.

Examples
--------
>>> from fmmpy.dofile import Session
>>> s = Session()
>>> s.run('''webuse stamp
... list in 1/2''')
. webuse stamp
(1872 Hidalgo stamp of Mexico)
<BLANKLINE>
. list in 1/2
<BLANKLINE>
     +----------+
     | thickn~s |
     |----------|
  1. |      .06 |
  2. |     .064 |
     +----------+
<BLANKLINE>
"""

from __future__ import annotations

import numpy as np

from ..errors import FMMError
from ..parse.options import OptionSchema, as_int, match_options
from .errors import StataError, return_code
from .listing import list_lines, summarize_lines
from .registry import Call, command
from .session import Session
from .syntax import expand_varlist, parse_args

__all__: list[str] = []

_LIST = (OptionSchema("abbreviate", 2, as_int(minimum=1)),
         OptionSchema("separator", 3, as_int(minimum=0)),
         OptionSchema("nolabel", 3))


@command("list", 1, summary="list values: list [varlist] [if] [in] [, abbreviate(#) "
         "separator(#)]")
def _list(session: Session, call: Call) -> None:
    data = session.data
    args = parse_args(call.args, call.offset, call.command)
    opts = dict(match_options(args.options, _LIST, call.command, context="with list"))
    names = expand_varlist(args.words or ["_all"], list(data.columns)) if len(data.columns) \
        else []
    rows = np.flatnonzero(session.select(args.if_expr, args.in_range))
    if not names or not rows.size:
        return
    lines = list_lines(data.iloc[rows][names], (rows + 1).tolist(),
                       {n: session.format_of(n) for n in names}, n_total=len(data),
                       abbreviate=opts.get("abbreviate", 8), separator=opts.get("separator", 5))
    session.write("")
    for line in lines:
        session.write(line)


@command("summarize", 2, summary="summary statistics: summarize [varlist] [if] [in] "
         "[, meanonly]")
def _summarize(session: Session, call: Call) -> None:
    data = session.data
    args = parse_args(call.args, call.offset, call.command)
    opts = dict(match_options(args.options, (OptionSchema("meanonly", 4),
                                             OptionSchema("detail", 1)),
                              call.command, context="with summarize"))
    if opts.get("detail"):
        raise StataError("summarize, detail is not available in fmmpy's do-file runner",
                         rc=198)
    names = expand_varlist(args.words or ["_all"], list(data.columns)) if len(data.columns) \
        else []
    mask = session.select(args.if_expr, args.in_range)
    if opts.get("meanonly") or not names:
        return
    session.write("")
    for line in summarize_lines(data.loc[mask, names]):
        session.write(line)


def _inner(call: Call) -> str:
    inner = call.args.lstrip().removeprefix(":")
    if not inner.strip():
        raise StataError(f"{call.name}: expected a command after it", rc=198)
    return inner


@command("quietly", 3, summary="prefix: run a command without output")
def _quietly(session: Session, call: Call) -> None:
    with session.quietly():
        session.execute(_inner(call))


@command("noisily", 3, summary="prefix: show a command's output inside quietly")
def _noisily(session: Session, call: Call) -> None:
    with session.quietly(False):
        session.execute(_inner(call))


@command("capture", 3, summary="prefix: run a command, ignore its error (kept in _rc)")
def _capture(session: Session, call: Call) -> None:
    inner = _inner(call)
    with session.quietly():
        try:
            session.execute(inner)
        except FMMError as err:
            session.rc = return_code(err)
            return
    session.rc = 0
