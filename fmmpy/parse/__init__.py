"""Parsing ``fmm`` commands into frozen specifications (no numerics here).

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> str(parse_command("3: regress thickness"))
'fmm 3: regress thickness'
"""

from .command import FMM_OPTIONS, log_switch, parse_command, parse_fmm_option
from .expr import Expr, parse_expression
from .spec import ComponentSpec, EquationSpec, FMMSettings, FMMSpec, InRange, StartValues, WeightSpec
from .formula import parse_formula_rhs
from .terms import RHS, Factor, Term, parse_varlist

__all__ = [
    "parse_command",
    "parse_fmm_option",
    "log_switch",
    "parse_expression",
    "parse_varlist",
    "parse_formula_rhs",
    "FMM_OPTIONS",
    "FMMSpec",
    "FMMSettings",
    "ComponentSpec",
    "EquationSpec",
    "StartValues",
    "WeightSpec",
    "InRange",
    "Expr",
    "RHS",
    "Term",
    "Factor",
]
