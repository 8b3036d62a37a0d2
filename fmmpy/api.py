"""``fmm()``: parse, build the design, estimate, return results.

Examples
--------
>>> import fmmpy
>>> df = fmmpy.datasets.load("stamp")
>>> res = fmmpy.fmm("fmm 3: glm thickness, family(lognormal)", data=df, log=False)
>>> round(res.llf, 3)
1511.311
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import replace
from typing import Any, TextIO

import numpy as np
import pandas as pd

from .constraints import apply_constraints
from .design import build_design
from .errors import FMMDataError, FMMSyntaxError
from .estimate.fit import estimate
from .estimate.layout import ParamLayout, build_layout
from .estimate.model import MixtureModel
from .estimate.multistart import Progress
from .estimate.start import split_largest_class
from .parse import log_switch, parse_command, parse_fmm_option
from .parse.spec import FMMSpec
from .results import FMMResults

__all__ = ["fmm"]


def _option_text(value: Any) -> str | None:
    if value is True:
        return None
    if isinstance(value, (list, tuple)):
        return " ".join(str(v) for v in value)
    return str(value)


def _merge_options(spec: FMMSpec, options: Mapping[str, Any]) -> FMMSpec:
    """Add ``fmm`` options given as keyword arguments (they override the command's)."""
    if not options:
        return spec
    items = dict(spec.options)
    for name, value in options.items():
        if value is False or value is None:
            continue
        key, parsed = parse_fmm_option(name, _option_text(value), command=str(spec))
        items.pop(key, None)
        items[key] = parsed
    return replace(spec, options=tuple(items.items()))


def fmm(command: str, data: pd.DataFrame, *, log: bool = True, stream: TextIO | None = None,
        from_: Any = None, constraints: Any = None, start_from: FMMResults | None = None,
        search: Any = True, progress: Callable[[Progress], None] | None = None,
        **options: Any) -> FMMResults:
    """Fit a finite mixture model written as a Stata ``fmm`` command.

    Parameters
    ----------
    command : str
        For example ``"3: regress thickness"`` or
        ``"fmm 2, lcprob(z): glm y x, family(lognormal)"``; the word ``fmm`` is
        optional.  Covariates may also be written in formula form, ``"2: regress y ~ x"``.
    data : DataFrame
        The data (never modified).
    log : bool
        Print Stata's iteration log while fitting (it is kept in the results either way);
        ``nolog`` among the command's fmm options turns it off too.
    stream : text stream, optional
        Where to print the log (default: standard output).
    from_ : array-like, optional
        Starting values in the order of ``res.params`` (Stata's ``from()``); variances
        on their reported scale.
    constraints : mapping, sequence or str, optional
        Stata's ``constraints()``: fixed values ``{"2.Class:_cons": 0}``, equalities
        ``[("1.Class:y:x", "2.Class:y:x")]`` or linear equations as text
        ``["1.Class:y:x = 2.Class:y:x"]``; see :mod:`fmmpy.constraints`.
    start_from : FMMResults, optional
        A fit of the same model with one class fewer on the same data: its largest
        class is split in two (at the weighted median of the factor score of its
        members) and the fit starts from there (a warm start).
    search : bool, int, dict or Search
        After a fit from a deterministic start (the default ``factor``), a few random
        starts screened by EM look for a higher maximum; if one is found the results
        keep Stata's solution, warn and say how to obtain it (``res.multistart``).
        ``False`` switches it off, an int sets the number of starts, a dict sets
        ``draws``, ``seed`` and ``iterate``.
    progress : callable, optional
        Called with a :class:`~fmmpy.estimate.multistart.Progress` after each random
        start (draws and search).
    **options
        Any ``fmm`` option, as in the command: ``vce="robust"``, ``level=90``,
        ``emopts="iterate(50)"``, ``noestimate=True``.

    Returns
    -------
    FMMResults

    Raises
    ------
    FMMSyntaxError
        The command does not parse (the message points at the column).
    FMMDataError
        The data cannot carry the model.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> res.nobs, round(res.llf, 4)
    (485, 1518.8484)
    """
    if progress is not None and not callable(progress):
        raise FMMSyntaxError(f"progress= must be a function called with each Progress, not "
                             f"{type(progress).__name__}")
    if stream is not None and not callable(getattr(stream, "write", None)):
        raise FMMSyntaxError(f"stream= must be a text stream (with a write() method), not "
                             f"{type(stream).__name__}")
    # nolog=True (Stata's display switch) as a keyword: the log, not the model (a value
    # other than True/False goes on to the option parser, which refuses it)
    quiet = options.pop("nolog") if isinstance(options.get("nolog"), bool) else False
    spec = _merge_options(parse_command(command), options)
    design = build_design(spec, data)
    layout = apply_constraints(build_layout(design), constraints)
    from_theta = None if from_ is None else _to_theta(from_, layout)
    start_post = None if start_from is None else _warm_start(start_from, design)
    echo = log and not quiet and log_switch(command) is not False
    fit = estimate(design, echo=echo, stream=stream, from_theta=from_theta, layout=layout,
                   start_post=start_post, search=search, progress=progress)
    return FMMResults(spec=spec, design=design, fit=fit, command=command)


def _warm_start(previous: FMMResults, design) -> np.ndarray:  # noqa: ANN001 - Design
    """Class probabilities for ``design`` from a fit with one class fewer."""
    if not isinstance(previous, FMMResults):
        raise FMMDataError("start_from= must be the results of an earlier fmm fit")
    if previous.k != design.k - 1 or not previous.design.index.equals(design.index):
        raise FMMDataError(f"start_from=: a fit with {design.k - 1} classes on the same "
                           f"estimation sample is required; got {previous.k} classes on "
                           f"{previous.nobs} observations")
    return split_largest_class(MixtureModel(design, build_layout(design)), previous.posterior)


def _to_theta(from_: Any, layout: ParamLayout) -> np.ndarray:
    """Start values on the reported scale (variances as variances) -> ``theta``.

    ``from_`` is an array in the order of ``res.params`` or a Series/mapping naming
    every parameter (``res.params`` of an earlier fit works as is).
    """
    names = layout.names
    if isinstance(from_, (pd.Series, Mapping)):
        values = dict(from_)
        unknown = [n for n in values if n not in names]
        missing = [n for n in names if n not in values]
        if unknown or missing:
            raise FMMDataError("from_=: " + "; ".join(
                part for part in (f"unknown parameter(s) {', '.join(unknown)}" if unknown else "",
                                  f"no value for {', '.join(missing)}" if missing else "")
                if part))
        try:
            arr = np.array([float(values[n]) for n in names])
        except (TypeError, ValueError):
            raise FMMDataError("from_= must be numbers (an array or res.params)") from None
    else:
        try:
            arr = np.asarray(from_, dtype=float).ravel()
        except (TypeError, ValueError):
            raise FMMDataError("from_= must be numbers (an array or res.params)") from None
        if arr.size != len(names):
            raise FMMDataError(f"from_=: expected {len(names)} values (one per parameter, in "
                               f"the order of res.params), got {arr.size}")
    if not np.all(np.isfinite(arr)):
        raise FMMDataError("from_=: every starting value must be a finite number; got "
                           + ", ".join(f"{n} = {v}" for n, v in zip(names, arr)
                                       if not np.isfinite(v)))
    theta = arr.copy()
    for b in layout.blocks:
        if b.kind == "variance":
            if np.any(arr[b.slice] <= 0):
                raise FMMDataError("from_=: variances must be positive")
            theta[b.slice] = np.log(arr[b.slice])
    return theta
