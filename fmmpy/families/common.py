"""Pieces several families share: option schemas, outcome checks, level labels.

Examples
--------
>>> level_label(2.0), level_label(1.5)
('2', '1.5')
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..errors import FMMDataError, FMMSyntaxError
from ..parse.options import OptionSchema, as_varref

__all__ = ["NOCONSTANT", "OFFSET", "EXPOSURE", "ASIS", "check_counts", "check_varies",
           "level_label", "level_positions", "selected_position", "single_offset",
           "trials_values"]

NOCONSTANT = OptionSchema("noconstant", 6)
OFFSET = OptionSchema("offset", 3, as_varref())
EXPOSURE = OptionSchema("exposure", 3, as_varref())
#: Stata's ``asis`` (keep perfect predictors): fmmpy never drops them, so a no-op.
ASIS = OptionSchema("asis", 4)


def single_offset(equation: Any) -> None:
    """Stata allows ``offset()`` or ``exposure()``, not both.

    Examples
    --------
    >>> from fmmpy.parse import parse_command
    >>> eq = parse_command("fmm 2: poisson y, offset(a) exposure(b)").components[0].equations[0]
    >>> single_offset(eq)
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMSyntaxError: only one of offset() or exposure() can be specified
    """
    if equation.option("offset") is not None and equation.option("exposure") is not None:
        raise FMMSyntaxError("only one of offset() or exposure() can be specified")


def check_counts(y: np.ndarray, depvars: Sequence[str], model: str) -> None:
    """Counts must be non-negative integers.

    Examples
    --------
    >>> import numpy as np
    >>> check_counts(np.array([0.0, 2.5]), ["y"], "poisson")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: y must be a count for poisson (non-negative integers); 1 observation has a noninteger value
    """
    name = " ".join(depvars)
    neg = int(np.sum(y < 0))
    if neg:
        raise FMMDataError(f"{name} must be a count for {model} (non-negative integers); "
                           f"{neg} observation{'s have' if neg > 1 else ' has'} a negative value")
    frac = int(np.sum(y != np.floor(y)))
    if frac:
        raise FMMDataError(f"{name} must be a count for {model} (non-negative integers); "
                           f"{frac} observation{'s have' if frac > 1 else ' has'} a noninteger "
                           "value")


def check_varies(values: np.ndarray, depvars: Sequence[str], hint: str = "") -> None:
    """An outcome with one value cannot be modelled ("outcome does not vary").

    Examples
    --------
    >>> import numpy as np
    >>> check_varies(np.array([1.0, 1.0]), ["y"])
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: outcome does not vary: y is 1 in every observation
    """
    if values.size and np.all(values == values[0]):
        raise FMMDataError(f"outcome does not vary: {' '.join(depvars)} is "
                           f"{level_label(float(values[0]))} in every observation{hint}")


def level_label(value: float) -> str:
    """An outcome value as Stata prints it in equation names (``2`` for 2.0)."""
    v = float(value)
    return str(int(v)) if v.is_integer() else f"{v:g}"


def level_positions(levels: Sequence[float], y: np.ndarray) -> np.ndarray:
    """Position of each outcome value among ``levels`` (``-1`` for a value not there).

    Examples
    --------
    >>> import numpy as np
    >>> level_positions((1.0, 3.0, 4.0), np.array([3.0, 4.0, 2.0])).tolist()
    [1, 2, -1]
    """
    lv = np.asarray(levels, dtype=float)
    idx = np.searchsorted(lv, y)
    known = (idx < lv.size) & (lv[np.minimum(idx, lv.size - 1)] == y)
    return np.where(known, idx, -1)


def selected_position(levels: Sequence[float], selected: float | None) -> int:
    """Position of the outcome level ``predict`` reports (the first by default).

    Examples
    --------
    >>> selected_position((1.0, 3.0), 3.0), selected_position((1.0, 3.0), None)
    (1, 0)
    """
    if selected is None:
        return 0
    if float(selected) not in levels:
        raise FMMDataError(f"outcome level {selected:g} is not among the outcome values "
                           f"({', '.join(level_label(v) for v in levels)})")
    return list(levels).index(float(selected))


def trials_values(trials: float | str | None, extras: Any, n: int) -> np.ndarray:
    """Binomial trials per row: 1 (Bernoulli), a number, or a variable from
    ``Outcome.extras``.

    Examples
    --------
    >>> trials_values(5.0, {}, 2).tolist()
    [5.0, 5.0]
    """
    if trials is None:
        return np.ones(n)
    if isinstance(trials, str):
        return np.asarray(extras[trials], dtype=float)
    return np.full(n, float(trials))
