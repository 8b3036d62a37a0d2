"""Do-file commands for survival data and inference after ``fmm``: ``stset``,
``estat lcmean | ic | eform``, ``test`` and ``lrtest``.

Examples
--------
>>> from fmmpy.dofile import Session
>>> s = Session(log=False)
>>> s.run('''webuse stamp
... quietly fmm 2: regress thickness
... estimates store two
... quietly fmm 3: regress thickness
... lrtest two .''')  # doctest: +ELLIPSIS
. webuse stamp
...
Likelihood-ratio test
...
"""

from __future__ import annotations

import re

import numpy as np

from ..errors import FMMError
from ..parse.options import OptionSchema, as_float, as_name, match_options
from ..stset import stset
from .errors import StataError
from .model_commands import ESTAT
from .registry import Call, command
from .session import Session
from .syntax import parse_args

__all__: list[str] = []

_LEVEL = (OptionSchema("level", 1, as_float(lo=10, hi=99.99)),)


def _options(call: Call, schemas: tuple[OptionSchema, ...], context: str) -> tuple[tuple, dict]:
    args = parse_args(call.args, call.offset, call.command, allow_if=False, allow_in=False)
    return args.words, dict(match_options(args.options, schemas, call.command,
                                          context=context))


def _show(session: Session, table: object) -> None:
    session.write("")
    session.write(str(table))


def _fmm_errors(exc: FMMError) -> StataError:
    return StataError(str(exc), rc=198)


# ---------------------------------------------------------------------------
# estat lcmean | ic | eform
# ---------------------------------------------------------------------------


@ESTAT.register("lcmean", 3, summary="latent class marginal means")
def _lcmean(session: Session, call: Call) -> None:
    words, opts = _options(call, _LEVEL, "with estat lcmean")
    if words:
        raise StataError(f"estat lcmean: unexpected {words[0]}", rc=198)
    try:
        _show(session, session.require_results().estat_lcmean(opts.get("level")))
    except FMMError as exc:
        raise _fmm_errors(exc) from None


@ESTAT.register("ic", summary="information criteria (AIC and BIC)")
def _ic(session: Session, call: Call) -> None:
    words, _ = _options(call, (), "with estat ic")
    if words:
        raise StataError(f"estat ic: unexpected {words[0]}", rc=198)
    _show(session, session.require_results().estat_ic())


@ESTAT.register("eform", summary="exponentiated coefficients: estat eform [depvars]")
def _eform(session: Session, call: Call) -> None:
    words, opts = _options(call, _LEVEL, "with estat eform")
    try:
        table = session.require_results().estat_eform(list(words) or None, opts.get("level"))
    except FMMError as exc:
        raise _fmm_errors(exc) from None
    _show(session, table)


# ---------------------------------------------------------------------------
# test and lrtest
# ---------------------------------------------------------------------------

_B_RE = re.compile(r"_b\[([^\]]+)\]")


def _hypotheses(text: str) -> list[str]:
    """``test (a = 0) (b = c)`` or ``test a = 0``; ``_b[name]`` is the same as ``name``."""
    text = _B_RE.sub(lambda m: m.group(1), text.strip())
    if not text:
        raise StataError("test: nothing to test; type test name = value", rc=198)
    if not text.startswith("("):
        return [text]
    out: list[str] = []
    depth, start = 0, 0
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth == 0:
                out.append(text[start:i])
        elif depth == 0 and not ch.isspace():
            raise StataError("test: put each hypothesis in parentheses: "
                             "test (a = 0) (b = 0)", rc=198)
    if depth != 0:
        raise StataError("test: unbalanced parentheses", rc=198)
    return out


@command("test", summary="Wald test of linear hypotheses: test (2.Class:x = 0) (...)")
def _test(session: Session, call: Call) -> None:
    res = session.require_results()
    text, comma, rest = call.args.partition(",")
    if comma and rest.split():
        # accumulate, notest, mtest...: not available; refused rather than ignored
        raise StataError(f"option {rest.split()[0]} not allowed", rc=198)
    try:
        _show(session, res.test(*_hypotheses(text)))
    except FMMError as exc:
        raise _fmm_errors(exc) from None


@command("lrtest", summary="likelihood-ratio test: lrtest name1 [name2 | .] [, force]")
def _lrtest(session: Session, call: Call) -> None:
    from ..hypotheses import lrtest

    words, opts = _options(call, (OptionSchema("force", 5),), "with lrtest")
    if not 1 <= len(words) <= 2:
        raise StataError("lrtest: name one or two stored results (. is the active one)",
                         rc=198)
    names = list(words) + (["."] if len(words) == 1 else [])
    fits = []
    for name in names:
        if name == ".":
            fits.append(session.require_results())
        elif name in session.stored:
            fits.append(session.stored[name])
        else:
            raise StataError(f"estimation result {name} not found", rc=111)
    try:
        result = lrtest(fits[0], fits[1], names=tuple(names), force=bool(opts.get("force")))
    except FMMError as exc:
        raise _fmm_errors(exc) from None
    _show(session, result)


# ---------------------------------------------------------------------------
# stset
# ---------------------------------------------------------------------------


def _enter_var(text: str, col: int, command: str) -> str:
    words = text.split()
    if words and words[0] == "time":
        words = words[1:]
    if len(words) != 1:
        raise StataError("stset: enter() takes a variable: enter(time varname)", rc=198)
    return as_name()(words[0], col, command)


def _failure_var(text: str, col: int, command: str) -> str:
    if "==" in text or "=" in text:
        raise StataError("stset: failure(varname) counts nonzero, nonmissing values as "
                         "failures; create a 0/1 variable for other codes", rc=198)
    return as_name()(text, col, command)


@command("stset", summary="declare survival-time data: stset time [, failure(var) enter(time var)]")
def _stset(session: Session, call: Call) -> None:
    words, opts = _options(call, (OptionSchema("failure", 4, _failure_var),
                                  OptionSchema("enter", 5, _enter_var)), "with stset")
    if len(words) != 1:
        raise StataError("stset: name one time variable", rc=198)
    data = session.require_data()
    try:
        out = stset(data, words[0], failure=opts.get("failure"), entry=opts.get("enter"))
    except FMMError as exc:
        raise StataError(str(exc), rc=111) from None
    session.data = out.reset_index(drop=True)
    session.changed = True
    st = out["_st"].to_numpy() == 1
    n, kept = len(out), int(st.sum())
    fails = int(np.nansum(out["_d"].to_numpy()[st]))
    t, t0 = out["_t"].to_numpy()[st], out["_t0"].to_numpy()[st]
    failure = opts.get("failure")
    lines = ["",
             f"{'failure event':>18}: " + (f"{failure} != 0 & {failure} < ." if failure
                                          else "(assumed to fail at time=" + words[0] + ")"),
             f"{'obs. time interval':>18}: (0, {words[0]}]"]
    if opts.get("enter"):
        lines.append(f"{'enter on or after':>18}: time {opts['enter']}")
    lines += [f"{'exit on or before':>18}: failure", "", "-" * 78,
              f"{n:>11,}  total observations", f"{n - kept:>11,}  exclusions", "-" * 78,
              f"{kept:>11,}  observations remaining, representing",
              f"{fails:>11,}  failures in single-record/single-failure data",
              f"{float(np.sum(t - t0)):>11,.6g}  total analysis time at risk and under "
              "observation"]
    if kept:
        lines += [f"{'At risk from t =':>60} {0:>9g}",
                  f"{'Earliest observed entry t =':>60} {float(t0.min()):>9g}",
                  f"{'Last observed exit t =':>60} {float(t.max()):>9g}"]
    for line in lines:
        session.write(line)

