"""Data shipped with fmmpy.

Examples
--------
>>> import fmmpy
>>> df = fmmpy.datasets.load("stamp")
>>> df.shape, str(df["thickness"].dtype)
((485, 1), 'float32')
"""

from __future__ import annotations

from importlib import resources

import numpy as np
import pandas as pd

from .errors import FMMDataError

__all__ = ["load", "names", "label"]

_DATASETS = {
    "stamp": ("stamp.csv", "1872 Hidalgo stamp of Mexico (Izenman and Sommer 1988): "
              "485 thicknesses in mm, float32 as in Stata's stamp.dta"),
}
_FLOAT32 = {"stamp": ("thickness",)}
_LABELS = {"stamp": "1872 Hidalgo stamp of Mexico"}


def names() -> dict[str, str]:
    """The shipped datasets and their descriptions.

    Examples
    --------
    >>> "stamp" in names()
    True
    """
    return {k: v[1] for k, v in _DATASETS.items()}


def label(name: str) -> str | None:
    """The dataset's label, as Stata's ``use`` prints it in parentheses.

    Examples
    --------
    >>> label("stamp")
    '1872 Hidalgo stamp of Mexico'
    """
    return _LABELS.get(name)


def load(name: str) -> pd.DataFrame:
    """Load a shipped dataset as a new DataFrame.

    Parameters
    ----------
    name : str
        ``"stamp"``.

    Returns
    -------
    DataFrame
        Stored with Stata's storage types (``thickness`` is float32, so fits give
        Stata's printed digits).

    Examples
    --------
    >>> load("stamp")["thickness"].iloc[0]
    np.float32(0.06)
    """
    if not isinstance(name, str) or name not in _DATASETS:
        raise FMMDataError(f"unknown dataset {name!r}; available: {', '.join(_DATASETS)}")
    path = resources.files("fmmpy") / "data" / _DATASETS[name][0]
    with resources.as_file(path) as p:
        df = pd.read_csv(p)
    for col in _FLOAT32.get(name, ()):
        df[col] = df[col].astype(np.float32)
    return df
