"""Component models.  Importing this package registers every family.

Examples
--------
>>> import fmmpy
>>> from fmmpy.registry import model_names
>>> "regress" in model_names()
True
"""

from . import (  # noqa: F401  (registration side effects)
    beta, binomial, gaussian, glm, intreg, ivregress, lognormal, mlogit, nbreg, ordinal,
    pointmass, poisson, streg, tobit, tpoisson, truncreg,
)
from .base import Block, Family, Outcome

__all__ = ["Block", "Family", "Outcome"]
