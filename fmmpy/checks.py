"""Checks of the arguments given to fmmpy's Python functions (the command text has its
own parser): each raises a typed fmmpy error that says what was expected, so no bare
``TypeError`` or ``ValueError`` from numpy or pandas reaches the user.

Examples
--------
>>> check_level(90, "estat lcprob")
90.0
>>> check_level(5, "estat lcprob")
Traceback (most recent call last):
...
fmmpy.errors.FMMSyntaxError: estat lcprob: level(5) must be a number between 10 and 99.99
"""

from __future__ import annotations

import numbers
from typing import Any

from .errors import FMMDataError, FMMSyntaxError

__all__ = ["check_level", "check_int", "check_name", "check_results"]


def check_level(level: Any, where: str) -> float:
    """A confidence level in percent, as Stata's ``level()`` allows: 10 to 99.99.

    Examples
    --------
    >>> check_level(95, "conf_int")
    95.0
    """
    if (isinstance(level, numbers.Real) and not isinstance(level, bool)
            and 10.0 <= float(level) <= 99.99):
        return float(level)
    raise FMMSyntaxError(f"{where}: level({level}) must be a number between 10 and 99.99")


def check_int(value: Any, where: str, minimum: int | None = None) -> int:
    """A whole number (an ``int`` or an integral float such as ``3.0``; not a bool), at
    least ``minimum``.

    Examples
    --------
    >>> check_int(3.0, "bins", minimum=1)
    3
    >>> check_int(1.5, "bins")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMSyntaxError: bins must be a whole number, not 1.5
    """
    ok = isinstance(value, numbers.Integral) or (
        isinstance(value, numbers.Real) and float(value).is_integer())
    if not ok or isinstance(value, bool):
        raise FMMSyntaxError(f"{where} must be a whole number, not {value!r}")
    value = int(value)
    if minimum is not None and value < minimum:
        raise FMMSyntaxError(f"{where} must be at least {minimum}, not {value}")
    return value


def check_name(value: Any, where: str) -> str:
    """A variable name given as a Python argument: a string.

    Examples
    --------
    >>> check_name(None, "stset(time=)")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMSyntaxError: stset(time=) must be a variable name (a string), not None
    """
    if not isinstance(value, str):
        raise FMMSyntaxError(f"{where} must be a variable name (a string), not {value!r}")
    return value


def check_results(value: Any, where: str) -> Any:
    """The results of an ``fmm`` fit.

    Examples
    --------
    >>> check_results(1, "lrtest")
    Traceback (most recent call last):
    ...
    fmmpy.errors.FMMDataError: lrtest: expected the results of an fmm fit (FMMResults), not int
    """
    from .results import FMMResults

    if not isinstance(value, FMMResults):
        raise FMMDataError(f"{where}: expected the results of an fmm fit (FMMResults), not "
                           f"{type(value).__name__}")
    return value
