"""``glm``: a registry of (family, link) combinations.

Each distribution module registers the families it implements with
:func:`register_glm_family`; the ``glm`` model itself only parses ``family()`` and
``link()`` and looks the pair up, applying Stata's default link per family.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> from fmmpy.registry import build_family
>>> eq = parse_command("fmm 2: glm y, family(lognormal)").components[0].equations[0]
>>> build_family(eq).header(("y",))
(('Response', 'y'), ('Family', 'lognormal'), ('Link', 'log'))
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ..errors import FMMSyntaxError
from ..parse.options import OptionSchema, as_choice, as_varref, match_word
from ..registry import ModelSyntax, register_model
from .base import Family
from .common import ASIS

__all__ = ["register_glm_family", "GLM_FAMILIES", "GLM_LINKS", "DEFAULT_LINKS"]

#: Stata's fmm glm families with their minimal abbreviations.
GLM_FAMILIES: dict[str, int] = {
    "gaussian": 3, "bernoulli": 4, "beta": 4, "binomial": 3, "poisson": 3, "nbinomial": 2,
    "exponential": 3, "gamma": 3, "lognormal": 4, "loglogistic": 4, "weibull": 3,
}
_FAMILY_ALIASES = {"normal": "gaussian", "lnormal": "lognormal", "llogistic": "loglogistic",
                   "nb": "nbinomial"}
GLM_LINKS: dict[str, int] = {"identity": 1, "log": 3, "logit": 5, "probit": 1, "cloglog": 1}

#: Stata's default link for each family.
DEFAULT_LINKS: dict[str, str] = {
    "gaussian": "identity", "bernoulli": "logit", "beta": "logit", "binomial": "logit",
    "poisson": "log", "nbinomial": "log", "exponential": "log", "gamma": "log",
    "lognormal": "log", "loglogistic": "log", "weibull": "log",
}

_IMPLEMENTED: dict[tuple[str, str], Callable[[Any, Any], Family]] = {}


def register_glm_family(family: str, link: str,
                        factory: Callable[[Any, Any], Family]) -> None:
    """Register ``factory(equation_spec, family_argument) -> Family`` for one
    (family, link) pair.

    Examples
    --------
    >>> from fmmpy.families.glm import _IMPLEMENTED
    >>> ("lognormal", "log") in _IMPLEMENTED
    True
    """
    _IMPLEMENTED[(family, link)] = factory


def _family_option(text: str, col: int, command: str) -> tuple[Any, ...]:
    words = text.split()
    if not words:
        raise FMMSyntaxError("family() requires a family name", command=command, column=col)
    name = match_word(words[0], GLM_FAMILIES, _FAMILY_ALIASES)
    if name is None:
        raise FMMSyntaxError(
            f"unknown family '{words[0]}'; fmm's glm allows " + ", ".join(GLM_FAMILIES),
            command=command, column=col)
    rest = words[1:]
    if name == "binomial" and rest:
        if len(rest) != 1:
            raise FMMSyntaxError("family(binomial # | varname) takes one argument",
                                 command=command, column=col)
        try:
            return (name, float(rest[0]))
        except ValueError:
            return (name, as_varref()(rest[0], col, command))
    if name == "nbinomial" and rest:
        disp = match_word(rest[0], {"mean": 1, "constant": 1})
        if disp is None or len(rest) > 1:
            raise FMMSyntaxError("family(nbinomial mean | constant)", command=command,
                                 column=col)
        return (name, disp)
    if rest:
        raise FMMSyntaxError(f"family({name}) takes no further arguments", command=command,
                             column=col)
    return (name,)


def _glm_factory(equation: Any) -> Family:
    fam_value = equation.option("family", ("gaussian",))
    family = fam_value[0]
    if equation.option("asis") and family not in ("bernoulli", "binomial"):
        # asis keeps perfect predictors of a binary outcome; fmmpy never drops them,
        # so it changes nothing, but it means nothing for other families
        raise FMMSyntaxError(f"option asis is allowed only with family(bernoulli) or "
                             f"family(binomial), not with family({family})")
    link = equation.option("link", DEFAULT_LINKS[family])
    factory = _IMPLEMENTED.get((family, link))
    if factory is None:
        links = sorted(lk for (f, lk) in _IMPLEMENTED if f == family)
        if links:
            raise FMMSyntaxError(
                f"link({link}) is not allowed with family({family}); allowed: {', '.join(links)}")
        raise FMMSyntaxError(f"family({family}) is not available in this version of fmmpy")
    return factory(equation, fam_value[1] if len(fam_value) > 1 else None)


register_model(
    ModelSyntax(
        "glm", 3, 1,
        (
            OptionSchema("family", 1, _family_option),
            OptionSchema("link", 1, as_choice(GLM_LINKS, "link")),
            OptionSchema("exposure", 3, as_varref()),
            OptionSchema("offset", 3, as_varref()),
            OptionSchema("noconstant", 6),
            ASIS,
        ),
    ),
    _glm_factory,
)
