"""``stset``: declare survival-time data, as Stata's ``stset`` does for one record
per subject.

Examples
--------
>>> import pandas as pd
>>> df = pd.DataFrame({"time": [5.0, 3.0, 4.0], "died": [1, 0, 1], "start": [0.0, 1.0, 4.0]})
>>> st = stset(df, "time", failure="died", entry="start")
>>> st[["_st", "_d", "_t", "_t0"]]
   _st   _d    _t  _t0
0    1  1.0   5.0  0.0
1    1  0.0   3.0  1.0
2    0  NaN   NaN  NaN
>>> list(df.columns)                                   # the caller's data are unchanged
['time', 'died', 'start']
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from .checks import check_name
from .design.variables import as_frame, check_exists, numeric_column
from .errors import FMMDataError

__all__ = ["stset"]


def stset(data: Any, time: str, failure: str | None = None, entry: str | None = None
          ) -> pd.DataFrame:
    """A copy of ``data`` with the survival variables ``_st``, ``_d``, ``_t``, ``_t0``.

    Parameters
    ----------
    data : DataFrame
        One record per subject; never modified.
    time : str
        The variable holding the exit (failure or censoring) time, measured from 0.
    failure : str, optional
        The failure variable: a nonzero, nonmissing value is a failure, zero or
        missing is a censored time (Stata's rule).  Without it every record fails.
    entry : str, optional
        The time each subject enters observation (late entry: the likelihood is
        conditional on surviving to it).  Without it every subject enters at 0.

    Returns
    -------
    DataFrame
        ``_st`` is 1 for the records used and 0 for those excluded -- a missing or
        non-positive exit time, a missing entry time, or an exit at or before entry;
        ``_d``, ``_t``, ``_t0`` are missing on excluded records, so ``fmm`` drops
        them.  Entry times before 0 are set to 0.

    Raises
    ------
    FMMDataError
        A named variable does not exist, is not numeric or holds infinite values.
    FMMSyntaxError
        A name that is not a string.

    Examples
    --------
    >>> import pandas as pd
    >>> st = stset(pd.DataFrame({"t": [2.0, 0.0]}), "t")
    >>> st["_st"].tolist(), st["_d"].tolist()
    ([1, 0], [1.0, nan])
    """
    frame = as_frame(data)
    check_name(time, "stset: time")
    names = [time] + [check_name(n, f"stset: {what}") for what, n in
                      (("failure", failure), ("entry", entry)) if n is not None]
    check_exists(names, [str(c) for c in frame.columns])
    t = numeric_column(frame, time, "a survival time")
    for name in (time, entry):
        if name is not None and np.any(np.isinf(numeric_column(frame, name, "a time"))):
            raise FMMDataError(f"{name} contains infinite values; replace them with missing "
                               "(NaN): a record with a missing time is excluded")
    if failure is None:
        d = np.ones(len(frame))
    else:
        f = numeric_column(frame, failure, "a failure variable")
        d = ((f != 0) & ~np.isnan(f)).astype(float)
    if entry is None:
        t0 = np.zeros(len(frame))
    else:
        t0 = np.maximum(numeric_column(frame, entry, "an entry time"), 0.0)
    with np.errstate(invalid="ignore"):
        st = ~np.isnan(t) & ~np.isnan(t0) & (t > 0) & (t > t0)
    out = frame.copy()
    out["_st"] = st.astype(int)
    out["_d"] = np.where(st, d, np.nan)
    out["_t"] = np.where(st, t, np.nan)
    out["_t0"] = np.where(st, t0, np.nan)
    return out
