"""From an equation's rows to the units that share a latent class.

With ``group()`` every row of a group shares the group's class, so the class's log
density of a group is the sum of its rows' log densities, and so are its scores.
Without ``group()`` the units are the rows, and an equation may use only some of
them (equationwise samples).  :class:`UnitSum` adds rows up by unit, vectorized
(``bincount`` for vectors, a sparse indicator matrix for matrices).

Examples
--------
>>> import numpy as np
>>> s = UnitSum(np.array([0, 0, 2]), 3)
>>> s(np.array([1.0, 2.0, 5.0])).tolist()
[3.0, 0.0, 5.0]
>>> s(np.array([[1.0, 1.0], [2.0, 0.0], [5.0, 1.0]])).tolist()
[[3.0, 1.0], [0.0, 0.0], [5.0, 1.0]]
>>> UnitSum(None, 2)(np.array([4.0, 5.0])).tolist()
[4.0, 5.0]
"""

from __future__ import annotations

import numpy as np
from scipy import sparse

__all__ = ["UnitSum"]


class UnitSum:
    """Sums of row quantities within units.

    Parameters
    ----------
    unit : ndarray or None
        The unit of every row; ``None`` when the rows are the units, in order.
    n_units : int
    """

    def __init__(self, unit: np.ndarray | None, n_units: int):
        self.unit = unit
        self.n_units = n_units
        self._matrix = None
        if unit is not None:
            m = unit.shape[0]
            self._matrix = sparse.csr_matrix((np.ones(m), (unit, np.arange(m))),
                                             shape=(n_units, m))

    def __call__(self, values: np.ndarray) -> np.ndarray:
        """Unit sums of ``values`` (rows, or rows by columns)."""
        if self.unit is None:
            return values
        if values.ndim == 1:
            return np.bincount(self.unit, weights=values, minlength=self.n_units)
        return np.asarray(self._matrix @ values)
