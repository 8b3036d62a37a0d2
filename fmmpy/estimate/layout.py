"""The one parameter layout every stage reads.

The full parameter vector ``theta`` holds, in order: the class-model coefficients
of every non-base class, then for each class its equations' blocks (coefficients,
then ancillary parameters on their estimation scale: log variance, log sigma...).
Linear constraints map a vector of free parameters ``phi`` to ``theta``:
``theta = T @ phi + c`` (identity without constraints).  Estimation works on
``phi``; names, display and predictions read ``theta``.  ``lcinvariant()`` is
applied here, once for every family: each outcome parameter has Stata's parameter
class (``cons``, ``coef``, ``errvar``, ``scale``; see :func:`param_class`) and the
parameters of the requested classes are set equal across the latent classes.

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
from functools import cached_property

import numpy as np

from ..design import Design
from ..errors import FMMSyntaxError

__all__ = ["ParamBlock", "ParamLayout", "build_layout", "param_class", "PCLASSES"]

#: The parameter classes of ``lcinvariant()``; ``all`` means every one of them.
PCLASSES: tuple[str, ...] = ("cons", "coef", "errvar", "scale")


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
    pclass : str or None
        The family block's explicit parameter class (see :func:`param_class`).
    """

    cls: int
    eq: int
    block: int
    equation: str
    kind: str
    terms: tuple[str, ...]
    start: int
    pclass: str | None = None

    @property
    def stop(self) -> int:
        return self.start + len(self.terms)

    @property
    def slice(self) -> slice:
        return slice(self.start, self.stop)


def param_class(block: ParamBlock, term: str) -> str | None:
    """Stata's parameter class of one parameter, as ``lcinvariant()`` reads it:
    ``None`` for the class model, the block's own ``pclass`` when it sets one, else
    ``cons`` for an intercept, ``coef`` for a coefficient, ``errvar`` for an error
    variance or covariance (kinds ``variance`` and ``cov``) and ``scale`` for an
    ancillary parameter.

    Examples
    --------
    >>> b = ParamBlock(0, 0, 0, "y", "coef", ("x", "_cons"), 1)
    >>> param_class(b, "x"), param_class(b, "_cons")
    ('coef', 'cons')
    """
    if block.kind == "class":
        return None
    if block.pclass is not None:
        return block.pclass
    if block.kind == "coef":
        return "cons" if term == "_cons" else "coef"
    if block.kind in ("variance", "cov"):  # error variances and covariances
        return "errvar"
    return "scale"


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
        The constraints as Stata lists them above the table (``a - b = 0``), in the
        reported metric.
    """

    blocks: tuple[ParamBlock, ...]
    k: int
    base: int
    label: str
    T: np.ndarray
    c: np.ndarray
    constraint_text: tuple[str, ...] = field(default=())
    fixed_values: tuple[tuple[int, float], ...] = field(default=())
    equal_pairs: tuple[tuple[int, int], ...] = field(default=())
    linear_rows: tuple[tuple[tuple[tuple[int, float], ...], float], ...] = field(default=())

    @property
    def n_params(self) -> int:
        return self.T.shape[0]

    @property
    def n_free(self) -> int:
        return self.T.shape[1]

    @property
    def constrained(self) -> bool:
        """Whether any constraint applies (``T`` is not the identity)."""
        return bool(self.fixed_values or self.equal_pairs or self.linear_rows)

    @property
    def fixed(self) -> np.ndarray:
        """Mask of parameters fixed at a value by the constraints."""
        return ~np.any(self.T != 0.0, axis=1)

    @property
    def log_scale(self) -> np.ndarray:
        """Mask of parameters estimated on the log scale and reported exponentiated
        (variances)."""
        mask = np.zeros(self.n_params, dtype=bool)
        for b in self.blocks:
            if b.kind == "variance":
                mask[b.slice] = True
        return mask

    def pclasses(self) -> list[str | None]:
        """The parameter class of every parameter (:func:`param_class`)."""
        return [param_class(b, t) for b in self.blocks for t in b.terms]

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
        return self._class_blocks[j] if 0 <= j < len(self._class_blocks) else None

    @cached_property
    def _class_blocks(self) -> tuple[ParamBlock | None, ...]:
        """The class-model block of each class (looked up on every likelihood call)."""
        found: dict[int, ParamBlock] = {}
        for b in self.blocks:
            if b.kind == "class":
                found.setdefault(b.cls, b)
        return tuple(found.get(j) for j in range(self.k))

    @cached_property
    def class_index(self) -> np.ndarray:
        """Positions of the class-model parameters, in the layout's order (empty with
        one class)."""
        parts = [np.arange(b.start, b.stop) for b in self.blocks if b.kind == "class"]
        return np.concatenate(parts).astype(int) if parts else np.zeros(0, int)

    @cached_property
    def _class_slices(self) -> tuple[slice | None, ...]:
        return tuple(None if b is None else b.slice for b in self._class_blocks)

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
        return [None if s is None else theta[s] for s in self._class_slices]

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
        """A layout with parameters fixed at values and/or set equal to each other,
        on top of the constraints it already has.

        Parameters
        ----------
        fixed : mapping of int to float
            ``theta[i] = value`` (on the estimation scale: log variances).
        equal : sequence of (int, int)
            ``theta[i] = theta[j]``.
        text : sequence of str
            The constraints as listed above the table.

        Raises
        ------
        FMMSyntaxError
            When a parameter would be fixed at two values.

        Examples
        --------
        >>> lay = ParamLayout((), 1, 0, "Class", np.eye(3), np.zeros(3))
        >>> new = lay.with_constraints({2: 0.5}, [(0, 1)])
        >>> new.n_free, new.to_theta(np.array([4.0])).tolist()
        (1, [4.0, 4.0, 0.5])
        """
        return replace(self, fixed_values=self.fixed_values + tuple((fixed or {}).items()),
                       equal_pairs=self.equal_pairs + tuple(equal),
                       constraint_text=self.constraint_text + tuple(text))._rebuilt()

    def with_linear(self, rows: Sequence[tuple[Mapping[int, float], float]],
                    text: Sequence[str] = ()) -> "ParamLayout":
        """A layout with general linear constraints ``sum_i a_i theta_i = r`` on top
        of the constraints it already has.

        Raises
        ------
        FMMSyntaxError
            When the constraints contradict each other.

        Examples
        --------
        >>> lay = ParamLayout((), 1, 0, "Class", np.eye(3), np.zeros(3))
        >>> new = lay.with_linear([({0: 1.0, 1: 1.0}, 1.0)], ["a + b = 1"])
        >>> new.n_free, round(float(new.to_theta(np.zeros(new.n_free))[:2].sum()), 12)
        (2, 1.0)
        """
        frozen = tuple((tuple(sorted(coefs.items())), float(rhs)) for coefs, rhs in rows)
        return replace(self, linear_rows=self.linear_rows + frozen,
                       constraint_text=self.constraint_text + tuple(text))._rebuilt()

    def _rebuilt(self) -> "ParamLayout":
        """``T`` and ``c`` from every constraint: fixed values and equalities by
        merging parameters (``T`` stays a 0/1 matrix), then general linear rows in
        the null space of what remains."""
        p = self.n_params
        parent = list(range(p))

        def find(i: int) -> int:
            while parent[i] != i:
                parent[i] = parent[parent[i]]
                i = parent[i]
            return i

        for i, j in self.equal_pairs:
            ri, rj = find(i), find(j)
            if ri != rj:
                parent[max(ri, rj)] = min(ri, rj)
        roots: dict[int, float] = {}
        for i, v in self.fixed_values:
            r = find(i)
            if r in roots and not np.isclose(roots[r], v, rtol=1e-12, atol=0.0):
                raise FMMSyntaxError("constraints conflict: a parameter is fixed at two values")
            roots[r] = v
        free_roots = sorted({find(i) for i in range(p)} - set(roots))
        col = {r: k for k, r in enumerate(free_roots)}
        T = np.zeros((p, len(free_roots)))
        c = np.zeros(p)
        for i in range(p):
            r = find(i)
            if r in roots:
                c[i] = roots[r]
            else:
                T[i, col[r]] = 1.0
        if self.linear_rows:
            R = np.zeros((len(self.linear_rows), p))
            rhs = np.zeros(len(self.linear_rows))
            for k, (coefs, value) in enumerate(self.linear_rows):
                for j, a in coefs:
                    R[k, j] += a
                rhs[k] = value
            A, b = R @ T, rhs - R @ c
            phi0 = np.linalg.lstsq(A, b, rcond=None)[0]
            if not np.allclose(A @ phi0, b, atol=1e-9 * (1.0 + np.abs(b).max())):
                raise FMMSyntaxError("constraints conflict: no parameter values satisfy them all")
            _, sv, Vt = np.linalg.svd(A)
            tol = max(A.shape) * np.finfo(float).eps * (sv[0] if sv.size else 0.0) * 100
            N = Vt[int(np.sum(sv > tol)):].T
            c = T @ phi0 + c
            T = T @ N
            T[np.abs(T) < 1e-12] = 0.0
        return replace(self, T=T, c=c)

    def with_lcinvariant(self, pclasses: Sequence[str]) -> "ParamLayout":
        """Set the parameters of the given classes (``cons``, ``coef``, ``errvar``,
        ``scale``, ``all``, ``none``) equal across the latent classes.

        A parameter is the same across classes when its equation, kind and term
        agree (``1.Class:y:x`` and ``2.Class:y:x``).  Each group is tied to its
        first class's parameter, and the constraints are listed as Stata lists
        them: ``1.Class:y:x - 2.Class:y:x = 0``.

        Examples
        --------
        >>> import fmmpy
        >>> from fmmpy.parse import parse_command
        >>> from fmmpy.design import build_design
        >>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
        >>> lay = build_layout(d, lcinvariant=False).with_lcinvariant(["errvar"])
        >>> lay.n_free, lay.constraint_text
        (4, ('1.Class:thickness:var(e.thickness) - 2.Class:thickness:var(e.thickness) = 0',))
        """
        if "none" in pclasses and len(set(pclasses)) > 1:
            raise FMMSyntaxError("lcinvariant(none) may not be combined with other classes")
        wanted: set[str] = set()
        for p in pclasses:
            if p == "none":
                continue
            if p != "all" and p not in PCLASSES:
                raise FMMSyntaxError(f"lcinvariant({p}) not allowed; expected cons, coef, "
                                     "errvar, scale, all or none")
            wanted |= set(PCLASSES) if p == "all" else {p}
        if not wanted:
            return self
        names = self.names
        groups: dict[tuple[str, str, str], list[int]] = {}
        pos = 0
        for b in self.blocks:
            for t in b.terms:
                if param_class(b, t) in wanted:
                    groups.setdefault((b.equation, b.kind, t), []).append(pos)
                pos += 1
        pairs: list[tuple[int, int]] = []
        text: list[str] = []
        for members in groups.values():
            for other in members[1:]:
                pairs.append((members[0], other))
                text.append(f"{names[members[0]]} - {names[other]} = 0")
        return self.with_constraints(equal=pairs, text=text) if pairs else self


def build_layout(design: Design, lcinvariant: bool = True) -> ParamLayout:
    """The layout of a design: class model first, then each class's equations, with
    the design's ``lcinvariant()`` constraints (unless ``lcinvariant=False``).

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
                blocks.append(ParamBlock(j, e, b, fb.equation, fb.kind, terms, pos, fb.pclass))
                pos += len(terms)
    layout = ParamLayout(tuple(blocks), design.k, design.base, label, np.eye(pos), np.zeros(pos))
    if lcinvariant:
        layout = layout.with_lcinvariant(design.settings.lcinvariant)
    return layout
