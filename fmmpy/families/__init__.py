"""Component models.  Importing this package registers every family.

Examples
--------
>>> import fmmpy
>>> from fmmpy.registry import model_names
>>> "regress" in model_names()
True
"""

from . import gaussian, glm, lognormal  # noqa: F401  (registration side effects)
from . import binomial, mlogit, nbreg, ordinal, pointmass, poisson, tpoisson  # noqa: F401
from .base import Block, Family, Outcome

__all__ = ["Block", "Family", "Outcome"]
