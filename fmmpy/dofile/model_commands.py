"""Estimation commands of the do-file runner: ``fmm``, ``estat``, ``predict``,
``estimates``.

``estat`` and ``estimates`` dispatch to their own registries (:data:`ESTAT`,
:data:`ESTIMATES`); an ``estat`` subcommand is a few lines::

    @ESTAT.register("ic", summary="information criteria")
    def _ic(session, call):
        session.write("")
        session.write(str(session.require_results().estat_ic()))

Examples
--------
>>> from fmmpy.dofile import Session
>>> s = Session(log=False)
>>> s.run('''webuse stamp
... quietly fmm 3: regress thickness
... predict pr*, classposteriorpr
... predict den, density marginal''')  # doctest: +ELLIPSIS
. webuse stamp
...
. predict den, density marginal
<BLANKLINE>
>>> s.data.columns.tolist(), str(s.data["den"].dtype)
(['thickness', 'pr1', 'pr2', 'pr3', 'den'], 'float32')
"""

from __future__ import annotations

import warnings
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import numpy as np
import pandas as pd

from ..api import fmm
from ..errors import FMMWarning
from ..parse import log_switch
from ..parse.options import OptionSchema, as_float, as_int, as_name, match_options
from .errors import StataError
from .registry import PLANNED, Call, Registry, command
from .session import Session
from .syntax import NAME_RE, check_new_name, parse_args

__all__ = ["ESTAT", "ESTIMATES"]

#: ``estat`` subcommands.
ESTAT = Registry("estat")
#: ``estimates`` subcommands.
ESTIMATES = Registry("estimates")


@contextmanager
def _shown_warnings() -> Iterator[None]:
    """fmmpy's warnings are part of the printed output already (notes, log lines)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FMMWarning)
        yield


def _sub(call: Call, registry: Registry) -> tuple[Any, Call]:
    words = call.args.split(None, 1)
    if not words:
        raise StataError(f"{call.name}: subcommand required ({', '.join(registry.names())})",
                         rc=198)
    typed = words[0].split(",")[0]
    spec = registry.lookup(typed)
    rest = call.args[call.args.index(typed) + len(typed):]
    if spec is None:
        planned = next((msg for key, msg in PLANNED.items()
                        if key.startswith(f"{call.name} ") and key.split()[1].startswith(typed)
                        and len(typed) >= 2), None)
        if planned:
            raise StataError(planned, rc=199)
        raise StataError(f"{call.name} {typed} not valid ({call.name} knows: "
                         f"{', '.join(registry.names())})", rc=321 if call.name == "estat"
                         else 198)
    offset = call.offset + len(call.args) - len(rest)
    return spec, Call(f"{call.name} {spec.name}", rest, call.command, offset)


# ---------------------------------------------------------------------------
# fmm
# ---------------------------------------------------------------------------


@command("fmm", summary="fit a finite mixture model (every form fmmpy.fmm accepts; "
         "fmm alone replays the results)")
def _fmm(session: Session, call: Call) -> None:
    if not call.args.strip():
        session.write("")
        session.write(session.require_results().summary())
        return
    data = session.require_data()
    show_log = session.log and not session.quiet and log_switch(call.command) is not False
    with _shown_warnings():
        res = fmm(call.command, data, log=show_log, stream=_BlankFirst(session.out))
    session.write("")
    session.write(res.summary())
    session.results = res


class _BlankFirst:
    """A stream that starts with a blank line, as Stata's output after a command does
    (and writes nothing at all if nothing is written, e.g. when the fit fails)."""

    def __init__(self, out: Any):
        self.out = out
        self.started = False

    def write(self, text: str) -> int:
        if not self.started:
            self.started = True
            self.out.write("\n")
        return self.out.write(text)

    def flush(self) -> None:
        self.out.flush()


# ---------------------------------------------------------------------------
# estat
# ---------------------------------------------------------------------------


@command("estat", summary="postestimation statistics: estat lcprob | lcmean | ic | eform")
def _estat(session: Session, call: Call) -> None:
    spec, sub = _sub(call, ESTAT)
    spec.handler(session, sub)


@ESTAT.register("lcprob", summary="latent class marginal probabilities")
def _lcprob(session: Session, call: Call) -> None:
    args = parse_args(call.args, call.offset, call.command, allow_if=False, allow_in=False)
    if args.words:
        raise StataError(f"estat lcprob: unexpected {args.words[0]}", rc=198)
    opts = dict(match_options(args.options, (OptionSchema("level", 1, as_float(lo=10, hi=99.99)),),
                              call.command, context="with estat lcprob"))
    res = session.require_results()
    session.write("")
    session.write(str(res.estat_lcprob(opts.get("level"))))


# ---------------------------------------------------------------------------
# predict
# ---------------------------------------------------------------------------

_STATISTICS = ("mu", "pr", "eta", "density", "distribution", "survival", "classpr",
               "classposteriorpr", "scores")
_PREDICT = tuple(OptionSchema(s, len(s)) for s in _STATISTICS) + (
    OptionSchema("marginal", 8), OptionSchema("class", 5, as_int(minimum=1)),
    OptionSchema("outcome", 7, as_name("dependent variable")))


def _new_names(words: list[str], columns: list[str]) -> tuple[str | None, list[str]]:
    """``(stub, [])`` for ``stub*`` or ``(None, names)`` for a new varlist."""
    if len(words) == 1 and words[0].endswith("*"):
        stub = words[0][:-1]
        if not NAME_RE.fullmatch(stub):
            raise StataError(f"{words[0]} invalid stub", rc=198)
        return stub, []
    for name in words:
        check_new_name(name, columns)
    return None, words


@command("predict", summary="predictions: predict newvar|stub* [if] [in] [, statistic "
         "marginal class(#) outcome()]")
def _predict(session: Session, call: Call) -> None:
    res = session.require_results()
    data = session.require_data()
    args = parse_args(call.args, call.offset, call.command)
    words = list(args.words)
    storage = session.storage
    if words and words[0] in ("float", "double"):
        storage = words.pop(0)
    if not words:
        raise StataError("predict: new variable name(s) required", rc=100)
    opts = dict(match_options(args.options, _PREDICT, call.command, context="with predict"))
    stats = [s for s in _STATISTICS if opts.get(s)]
    if len(stats) > 1:
        raise StataError(f"predict: only one statistic may be specified ({', '.join(stats)})",
                         rc=198)
    if stats == ["scores"] and any(opts.get(o) for o in ("marginal", "class", "outcome")):
        raise StataError("predict, scores: options marginal, class() and outcome() are not "
                         "allowed", rc=198)
    stub, names = _new_names(words, list(data.columns))
    with _shown_warnings():
        pred = res.predict(stats[0] if stats else "mu", marginal=bool(opts.get("marginal")),
                           class_=opts.get("class"), outcome=opts.get("outcome"), data=data)
    frame = pred.to_frame() if isinstance(pred, pd.Series) else pred
    width = frame.shape[1]
    if stub is not None:
        if width == 1 and (opts.get("marginal") or opts.get("class")):
            raise StataError("predict: this statistic gives one variable; type a new "
                             "variable name instead of a stub", rc=198)
        names = [f"{stub}{j}" for j in range(1, width + 1)]
        for name in names:
            check_new_name(name, list(data.columns))
    elif len(names) != width:
        which = "few" if len(names) < width else "many"
        per = "parameter" if stats == ["scores"] else "class"
        hint = (f"; {stats[0] if stats else 'mu'} gives one variable per {per}: type {width} "
                "names, a stub such as p*, or add class(#) or marginal") if which == "few" else ""
        if which == "few" and per == "parameter":
            hint = f"; scores gives one variable per parameter: type {width} names or a stub*"
        raise StataError(f"too {which} variables specified{hint}", rc=102 if which == "few"
                         else 103)
    if not stats:
        session.write("(option mu assumed)")
    mask = session.select(args.if_expr, args.in_range)
    dtype = np.float32 if storage == "float" else np.float64
    new = {}
    for name, col in zip(names, frame.columns):
        values = np.where(mask, frame[col].to_numpy(dtype=float, na_value=np.nan), np.nan)
        new[name] = values.astype(dtype)
        missing = int(np.isnan(values).sum())
        if missing:
            session.write(f"({missing:,} missing value{'s' if missing != 1 else ''} generated)")
    session.data = data.assign(**new)
    session.changed = True


# ---------------------------------------------------------------------------
# estimates
# ---------------------------------------------------------------------------


@command("estimates", 3, summary="estimates store|restore|replay|drop|clear")
def _estimates(session: Session, call: Call) -> None:
    spec, sub = _sub(call, ESTIMATES)
    spec.handler(session, sub)


def _one_name(call: Call) -> str:
    words = call.args.split()
    if len(words) != 1 or not NAME_RE.fullmatch(words[0]):
        raise StataError(f"{call.name}: expected one name", rc=198)
    return words[0]


@ESTIMATES.register("store", 3, summary="keep the active results under a name")
def _store(session: Session, call: Call) -> None:
    session.stored[_one_name(call)] = session.require_results()


@ESTIMATES.register("restore", 3, summary="make stored results active again")
def _restore(session: Session, call: Call) -> None:
    name = _one_name(call)
    if name not in session.stored:
        raise StataError(f"estimation result {name} not found", rc=111)
    session.results = session.stored[name]
    session.write(f"(results {name} are active now)")


@ESTIMATES.register("replay", 3, summary="show the active (or a stored) model's tables")
def _replay(session: Session, call: Call) -> None:
    words = call.args.split()
    res = session.stored.get(words[0]) if words else session.require_results()
    if res is None:
        raise StataError(f"estimation result {words[0]} not found", rc=111)
    session.write("")
    session.write(res.summary())


@ESTIMATES.register("drop", summary="forget stored results")
def _drop(session: Session, call: Call) -> None:
    for name in call.args.split():
        if session.stored.pop(name, None) is None:
            raise StataError(f"estimation result {name} not found", rc=111)


@ESTIMATES.register("clear", summary="forget all stored results")
def _clear(session: Session, call: Call) -> None:
    session.stored.clear()
