"""From a spec and a DataFrame to arrays: the estimation sample and the design
matrices of every class and equation (:mod:`.build`, into the types of
:mod:`.types`), model matrices
(:mod:`.matrices`) and access to the caller's data (:mod:`.variables`).

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp")).nobs
485
"""

from .build import build_design
from .matrices import MatrixBuilder
from .types import ClassDesign, Design, EquationDesign

__all__ = ["Design", "ClassDesign", "EquationDesign", "MatrixBuilder", "build_design"]
