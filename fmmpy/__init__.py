"""fmmpy: Stata's ``fmm`` (finite mixture models) for Python.

Examples
--------
>>> import fmmpy
>>> df = fmmpy.datasets.load("stamp")
>>> res = fmmpy.fmm("3: regress thickness", data=df, log=False)
>>> round(res.llf, 4)
1518.8484
"""

from . import datasets, families  # noqa: F401  (families: registers the component models)
from .errors import (
    FMMCollinearityWarning,
    FMMConvergenceError,
    FMMConvergenceWarning,
    FMMDataError,
    FMMDegenerateWarning,
    FMMError,
    FMMLocalMaximumWarning,
    FMMNotConcaveWarning,
    FMMSyntaxError,
    FMMWarning,
)
from .api import fmm
from .estimate.multistart import Search
from .hypotheses import lrtest
from .parse import parse_command
from .results import FMMResults
from .select import SelectK, select_k
from .stset import stset

__version__ = "0.1.0"

__all__ = [
    "fmm",
    "lrtest",
    "select_k",
    "SelectK",
    "Search",
    "FMMResults",
    "datasets",
    "parse_command",
    "stset",
    "FMMError",
    "FMMSyntaxError",
    "FMMDataError",
    "FMMConvergenceError",
    "FMMWarning",
    "FMMConvergenceWarning",
    "FMMNotConcaveWarning",
    "FMMCollinearityWarning",
    "FMMDegenerateWarning",
    "FMMLocalMaximumWarning",
    "__version__",
]
