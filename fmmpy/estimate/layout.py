"""The one parameter layout every stage reads.

The full parameter vector ``theta`` holds, in order: the class-model coefficients
of every non-base class, then for each class its equations' blocks (coefficients,
then ancillary parameters on their estimation scale: log variance, log sigma...).
Linear constraints map a vector of free parameters ``phi`` to ``theta``:
``theta = T @ phi + c`` (identity without constraints).  Estimation works on
``phi``; names, display and predictions read ``theta``.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> from fmmpy.design import build_design
>>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
>>> layout = build_layout(d)
>>> layout.names
('2.Class:_cons', '1.Class:thickness:_cons', '1.Class:thickness:var(e.thickness)', '2.Class:thickness:_cons', '2.Class:thickness:var(e.thickness)')
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..design import Design
from ..errors import FMMSyntaxError

__all__ = ["ParamBlock", "ParamLayout", "build_layout"]


@dataclass(frozen=True)
class ParamBlock:
    """A contiguous run of parameters.

    Attributes
    ----------
    cls : int
        0-based class.
    eq : int
        Equation index within the class; ``-1`` for the class model.
    block : int
        The family block index; ``-1`` for the class model.
    equation : str
        Equation name (tidy's ``equation``): the depvar, ``/depvar`` or the class label.
    kind : {"class", "coef", "variance", "aux"}
    terms : tuple of str
    start : int
        Offset in ``theta``.
    """

    cls: int
    eq: int
    block: int
    equation: str
    kind: str
    terms: tuple[str, ...]
    start: int

    @property
    def stop(self) -> int:
        return self.start + len(self.terms)

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)


@dataclass(frozen=True, eq=False)
class ParamLayout:
    """Names, order and constraints of the parameters.

    Attributes
    ----------
    blocks : tuple of ParamBlock
    k, base : int
    label : str
        The latent variable's name (``Class``).
    T, c : ndarray
        ``theta = T @ phi + c``.
    constraint_text : tuple of str
        Human-readable constraints, for the table footer.
    """

    blocks: tuple[ParamBlock, ...]
    k: int
    base: int
    label: str
    T: np.ndarray
    c: np.ndarray
    constraint_text: tuple[str, ...] = field(default=())

    @property
    def n_params(self) -> int:
        return self.T.shape[0]

    @property
    def n_free(self) -> int:
        return self.T.shape[1]

    @property
    def constrained(self) -> bool:
        return bool(self.constraint_text)

    @property
    def names(self) -> tuple[str, ...]:
        """Parameter names: ``2.Class:_cons`` for the class model,
        ``1.Class:y:x`` for outcome parameters."""
        out: list[str] = []
        for b in self.blocks:
            prefix = f"{b.cls + 1}.{self.label}:"
            for t in b.terms:
                out.append(prefix + t if b.kind == "class" else f"{prefix}{b.equation}:{t}")
        return tuple(out)

    def index(self, name: str) -> int:
        """Position of a parameter by name.

        Raises
        ------
        FMMSyntaxError
            When no parameter has that name.
        """
        names = self.names
        if name in names:
            return names.index(name)
        raise FMMSyntaxError(f"parameter {name} not found; parameters are: {', '.join(names)}")

    def class_block(self, j: int) -> ParamBlock | None:
        for b in self.blocks:
            if b.kind == "class" and b.cls == j:
                return b
        return None

    def outcome_blocks(self, j: int, e: int) -> list[ParamBlock]:
        return [b for b in self.blocks if b.kind != "class" and b.cls == j and b.eq == e]

    def equation_slice(self, j: int, e: int) -> slice:
        """The parameters of equation ``e`` of class ``j`` (all its blocks)."""
        bl = self.outcome_blocks(j, e)
        if not bl:                      # a model without parameters (pointmass)
            return slice(0, 0)
        return slice(bl[0].start, bl[-1].stop)

    def deltas(self, theta: np.ndarray) -> list[np.ndarray | None]:
        """The class-model coefficients of each class (``None`` for the base)."""
        out: list[np.ndarray | None] = []
        for j in range(self.k):
            b = self.class_block(j)
            out.append(None if b is None else theta[b.slice])
        return out

    def to_theta(self, phi: np.ndarray) -> np.ndarray:
        return self.T @ phi + self.c

    def to_phi(self, theta: np.ndarray) -> np.ndarray:
        """Free parameters reproducing ``theta`` (exact when ``theta`` satisfies the
        constraints, least squares otherwise)."""
        if not self.constrained:
            return np.array(theta, dtype=float)
        return np.linalg.lstsq(self.T, theta - self.c, rcond=None)[0]

    def with_constraints(self, fixed: Mapping[int, float] | None = None,
                         equal: Sequence[tuple[int, int]] = (),
                         text: Sequence[str] = ()) -> "ParamLayout":
        """A layout with parameters fixed at values and/or set equal to each other.

        Parameters
        ----------
        fixed : mapping of int to float
            ``theta[i] = value``.
        equal : sequence of (int, int)
            ``theta[i] = theta[j]``.
        text : sequence of str
            Descriptions shown under the table.
        """
        p = self.n_params
        parent = list(range(p))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, j in equal:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
        fixed = dict(fixed or {})
        roots: dict[int, float] = {}
        for i, v in fixed.items():
            r = find(i)
            if r in roots and roots[r] != v:
                raise FMMSyntaxError("constraints conflict: a parameter is fixed at two values")
            roots[r] = v
        free_roots = sorted({find(i) for i in range(p)} - set(roots))
        col = {r: c for c, r in enumerate(free_roots)}
        T = np.zeros((p, len(free_roots)))
        c = np.zeros(p)
        for i in range(p):
            r = find(i)
            if r in roots:
                c[i] = roots[r]
            else:
                T[i, col[r]] = 1.0
        return replace(self, T=T, c=c, constraint_text=tuple(self.constraint_text) + tuple(text))


def build_layout(design: Design) -> ParamLayout:
    """The layout of a design: class model first, then each class's equations.

    Examples
    --------
    >>> import fmmpy
    >>> from fmmpy.parse import parse_command
    >>> from fmmpy.design import build_design
    >>> d = build_design(parse_command("3: regress thickness"), fmmpy.datasets.load("stamp"))
    >>> build_layout(d).n_params
    8
    """
    label = design.settings.lclabel
    blocks: list[ParamBlock] = []
    pos = 0
    for j, cd in enumerate(design.classes):
        if cd.Z is not None:
            blocks.append(ParamBlock(j, -1, -1, f"{j + 1}.{label}", "class", cd.znames, pos))
            pos += len(cd.znames)
    for j, cd in enumerate(design.classes):
        for e, ed in enumerate(cd.equations):
            for b, fb in enumerate(ed.blocks):
                terms = ed.block_terms(b)
                blocks.append(ParamBlock(j, e, b, fb.equation, fb.kind, terms, pos))
                pos += len(terms)
    return ParamLayout(tuple(blocks), design.k, design.base, label, np.eye(pos), np.zeros(pos))
