"""The registry of component models: Stata's model name -> its syntax (pure data,
read by the parser) and a factory building the :class:`~fmmpy.families.base.Family`
(read by the design and estimation stages).

Each family module registers itself, so a new component model is one file.

Examples
--------
>>> import fmmpy
>>> lookup_model("reg").name
'regress'
>>> "glm" in model_names()
True
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from .parse.options import OptionSchema

if TYPE_CHECKING:  # pragma: no cover
    from .families.base import Family
    from .parse.spec import EquationSpec

__all__ = ["ModelSyntax", "register_model", "lookup_model", "build_family", "model_names"]


@dataclass(frozen=True)
class ModelSyntax:
    """How a component model is written.

    Attributes
    ----------
    name : str
        Stata's command name (``regress``).
    min_abbrev : int
        Shortest accepted abbreviation of the name (``reg``).
    n_depvars : int
        Number of dependent variables before the covariates (``intreg`` has 2).
    options : tuple of OptionSchema
        The model's options.
    n_groups : int
        Number of ``(varlist2 = varlist_iv)`` groups the varlist must contain
        (``ivregress`` has 1).
    """

    name: str
    min_abbrev: int
    n_depvars: int = 1
    options: tuple[OptionSchema, ...] = ()
    n_groups: int = 0


_MODELS: dict[str, tuple[ModelSyntax, Callable[..., Any]]] = {}


def register_model(syntax: ModelSyntax, factory: Callable[["EquationSpec"], "Family"]) -> None:
    """Register a component model under its Stata name.

    Parameters
    ----------
    syntax : ModelSyntax
        Its spelling and options.
    factory : callable
        ``factory(equation_spec) -> Family``; raises ``FMMSyntaxError`` for option
        combinations it cannot honour.

    Examples
    --------
    >>> from fmmpy.registry import lookup_model
    >>> lookup_model("regress").n_depvars
    1
    """
    _MODELS[syntax.name] = (syntax, factory)


def lookup_model(typed: str) -> ModelSyntax | None:
    """The syntax of the model named (or abbreviated) ``typed``, or ``None``.

    Examples
    --------
    >>> lookup_model("nosuchmodel") is None
    True
    """
    if typed in _MODELS:
        return _MODELS[typed][0]
    for syntax, _ in _MODELS.values():
        if len(typed) >= syntax.min_abbrev and syntax.name.startswith(typed):
            return syntax
    return None


def build_family(equation: "EquationSpec") -> "Family":
    """Build the :class:`Family` for a parsed equation.

    Examples
    --------
    >>> from fmmpy.parse import parse_command
    >>> eq = parse_command("fmm 2: glm y, family(lognormal)").components[0].equations[0]
    >>> build_family(eq).label
    'lognormal'
    """
    return _MODELS[equation.model][1](equation)


def model_names() -> tuple[str, ...]:
    """Names of every registered component model."""
    return tuple(sorted(_MODELS))
