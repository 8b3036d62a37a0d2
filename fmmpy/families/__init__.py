"""Component models.  Importing this package registers every family.

Examples
--------
>>> import fmmpy
>>> from fmmpy.registry import model_names
>>> "regress" in model_names()
True
"""

from . import (  # noqa: F401  (registration side effects)
    beta, gaussian, glm, intreg, ivregress, lognormal, streg, tobit, truncreg,
)
from .base import Block, Family, Outcome

__all__ = ["Block", "Family", "Outcome"]
