"""What estimation reads: the design of a fitted model as arrays on the estimation
sample -- every class's equations (:class:`EquationDesign`), its class-model
covariates (:class:`ClassDesign`) and the sample's weights, units and notes
(:class:`Design`).  :func:`fmmpy.design.build.build_design` makes them.

Examples
--------
>>> import fmmpy
>>> from fmmpy.design import build_design
>>> from fmmpy.parse import parse_command
>>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
>>> type(d).__name__, d.k, d.classes[1].znames
('Design', 2, ('_cons',))
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..families.base import Block, Family, Outcome, block_sizes
from ..parse.spec import EquationSpec, FMMSettings, FMMSpec
from .matrices import MatrixBuilder

__all__ = ["ClassDesign", "Design", "EquationDesign"]


@dataclass(frozen=True, eq=False)
class EquationDesign:
    """One equation of one class on the estimation sample.

    Attributes
    ----------
    spec : EquationSpec
    family : Family
        Configured for the data.
    blocks : tuple of Block
        The family's linear predictors.
    outcome : Outcome
    X : mapping of str to ndarray
        Design matrices by name (``"main"``).
    xnames : tuple of str
        Stata names of the ``main`` columns.
    offset : ndarray or None
        ``offset()`` or ``ln(exposure())``.
    builder : MatrixBuilder
        Builds the ``main`` matrix (again, on new data).
    extra_builders : mapping of str to MatrixBuilder
        Builders of the family's other design matrices (``ivregress``'s first stages).
    rows : ndarray or None
        Positions of the equation's rows among the design's rows (``None``: all of
        them); with equationwise samples an equation uses only some.
    unit : ndarray or None
        The unit (group, or design row) of each of the equation's rows (``None``: its
        rows are the units, in order).
    """

    spec: EquationSpec
    family: Family
    blocks: tuple[Block, ...]
    outcome: Outcome
    X: Mapping[str, np.ndarray]
    xnames: tuple[str, ...]
    offset: np.ndarray | None
    builder: MatrixBuilder
    extra_builders: Mapping[str, MatrixBuilder] = field(default_factory=dict)
    rows: np.ndarray | None = None
    unit: np.ndarray | None = None

    @property
    def depvars(self) -> tuple[str, ...]:
        return self.spec.depvars

    @property
    def sizes(self) -> list[int]:
        """Number of parameters in each block."""
        return block_sizes(self.blocks, self.X)

    def to_rows(self, values: np.ndarray) -> np.ndarray:
        """Per-unit values (posteriors, weights) on the equation's rows."""
        return values if self.unit is None else values[self.unit]

    def block_terms(self, index: int) -> tuple[str, ...]:
        """Row labels of block ``index``."""
        b = self.blocks[index]
        if b.design == "none":
            return ()
        if b.design == "main":
            return self.xnames
        if b.design == "const":
            return (b.term,)
        return self.extra_builders[b.design].kept_names


@dataclass(frozen=True, eq=False)
class ClassDesign:
    """The equations of one latent class and its class-model covariates.

    ``Z`` is ``None`` for the base class.
    """

    equations: tuple[EquationDesign, ...]
    Z: np.ndarray | None
    znames: tuple[str, ...]
    zbuilder: MatrixBuilder | None


@dataclass(frozen=True, eq=False)
class Design:
    """Everything estimation needs, as arrays on the estimation sample.

    Attributes
    ----------
    spec, settings
        The parsed command and its options with defaults.
    classes : tuple of ClassDesign
        One per class (objects are shared between classes in the standard syntax).
    index : pandas Index
        Labels of the estimation rows in the caller's DataFrame.
    data_index : pandas Index
        All labels of the caller's DataFrame (predictions align to it).
    weights : ndarray
        Weight of every unit (ones without weights): of every group with
        ``group()``, of every row otherwise.
    weight_kind : str or None
    nobs : int
        Stata's ``Number of obs`` (the sum of frequency weights when given).
    n_dropped : int
        Rows that passed ``if``/``in`` but are not in the estimation sample: a missing
        value in a variable of the model (listwise deletion), a zero weight, or a row
        the family cannot use (``intreg`` with both bounds missing).
    cluster : ndarray or None
        Cluster code of every unit for ``vce(cluster)``.
    notes : tuple of str
        Stata-style notes (omitted covariates...).
    start_data : mapping of str to ndarray
        Values of the variables named in ``startvalues()`` (``classid varname``,
        ``classpr varlist``) for every unit (constant within groups).  They never
        restrict the sample.
    unit : ndarray or None
        The unit (0-based group) of every estimation row with ``group()``; ``None``
        when every row is its own unit.
    group : str or None
        The ``group()`` variable.
    equationwise : bool
        Whether each dependent variable's equations use their own rows
        (:mod:`fmmpy.design.sample`).
    sample : DataFrame or None
        The model's columns on the estimation rows, kept for predictions of grouped and
        multi-equation models.
    """

    spec: FMMSpec
    settings: FMMSettings
    classes: tuple[ClassDesign, ...]
    index: pd.Index
    data_index: pd.Index
    weights: np.ndarray
    weight_kind: str | None
    nobs: int
    n_dropped: int
    cluster: np.ndarray | None
    notes: tuple[str, ...] = ()
    base: int = 0
    prediction: bool = field(default=False)
    start_data: Mapping[str, np.ndarray] = field(default_factory=dict)
    unit: np.ndarray | None = None
    group: str | None = None
    equationwise: bool = False
    sample: pd.DataFrame | None = None

    @property
    def k(self) -> int:
        return len(self.classes)

    @property
    def n(self) -> int:
        """Number of units: groups with ``group()``, estimation rows otherwise."""
        return len(self.weights)

    @property
    def n_rows(self) -> int:
        """Number of estimation rows."""
        return len(self.index)

    @property
    def n_groups(self) -> int | None:
        """Stata's ``Number of groups`` with ``group()``; ``None`` without."""
        return None if self.group is None else self.n

    @property
    def unit_nobs(self) -> int:
        """The number of independent units the sandwich estimators count: groups
        (frequency and importance weights summed) with ``group()``, ``nobs`` without."""
        if self.group is None:
            return self.nobs
        if self.weight_kind in ("fweight", "iweight"):
            return int(round(float(self.weights.sum())))
        return self.n

    def to_rows(self, values: np.ndarray) -> np.ndarray:
        """Per-unit values on the estimation rows.

        Examples
        --------
        >>> import fmmpy, pandas as pd
        >>> from fmmpy.parse import parse_command
        >>> df = pd.DataFrame({"id": [1, 1, 2], "y": [1.0, 2.0, 4.0]})
        >>> from fmmpy.design import build_design
        >>> d = build_design(parse_command("2, group(id): regress y"), df)
        >>> d.n, d.to_rows(np.array([10.0, 20.0])).tolist()
        (2, [10.0, 10.0, 20.0])
        """
        return values if self.unit is None else values[self.unit]

    def for_prediction(self, data: pd.DataFrame, outcomes: bool = False) -> "Design":
        """The same model's matrices on new data (every row with complete covariates;
        the outcome may be missing).  With equationwise samples each equation gets the
        rows where its covariates are complete (and, with ``outcomes=True``, its
        outcomes too: what posterior probabilities need).

        Examples
        --------
        >>> import fmmpy
        >>> from fmmpy.parse import parse_command
        >>> from fmmpy.design import build_design
        >>> df = fmmpy.datasets.load("stamp")
        >>> d = build_design(parse_command("2: regress thickness"), df)
        >>> d.for_prediction(df.head(3)).n
        3
        """
        from .build import rebuild_design   # (the builder imports these types)
        return rebuild_design(self, data, outcomes)
