"""How the EM M-step splits into separate fits, read from the layout's constraints.

Without constraints the complete-data objective separates: the class model, and
every equation of every class, are maximized on their own.  ``lcinvariant()`` ties
parameters of the same equation across classes (``1.Class:y:var(e.y) =
2.Class:y:var(e.y)``); the tied equations then form one group that their family
fits jointly (:meth:`~fmmpy.families.base.Family.weighted_fit_tied`: the seed's
pooled variance for normal outcomes).  :func:`m_step_plan` finds those groups from
``theta = T phi + c`` alone, without asking which family an equation carries; it
returns ``None`` when the constraints are not such plain ties (fixed values, linear
constraints, ties between different equations or of only some parameters of a
block), and the M-step then maximizes over the free parameters by Newton.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> from fmmpy.design import build_design
>>> from fmmpy.estimate.layout import build_layout
>>> from fmmpy.estimate.model import MixtureModel
>>> d = build_design(parse_command("2, lcinvariant(errvar): regress thickness"),
...                  fmmpy.datasets.load("stamp"))
>>> MixtureModel(d, build_layout(d))._plan
(TiedGroup(members=((0, 0), (1, 0)), tied=frozenset({1})),)
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from .layout import ParamLayout

__all__ = ["TiedGroup", "m_step_plan"]


@dataclass(frozen=True)
class TiedGroup:
    """Equations fitted together in the M-step.

    Attributes
    ----------
    members : tuple of (int, int)
        ``(class, equation)`` pairs, in class order.
    tied : frozenset of int
        The family blocks whose parameters are equal across the members (empty for
        an equation fitted on its own).
    """

    members: tuple[tuple[int, int], ...]
    tied: frozenset[int] = frozenset()


def m_step_plan(layout: ParamLayout, equations: Sequence[Sequence[tuple[Any, slice]]]
                ) -> tuple[TiedGroup, ...] | None:
    """The groups of equations the M-step fits separately, or ``None`` when the
    constraints need the joint Newton M-step.

    ``equations[j][e]`` is ``(EquationDesign, slice in theta)``.
    """
    T, c = layout.T, layout.c
    nonzero = T != 0.0
    if T.shape[0] and (np.any(nonzero.sum(axis=1) != 1) or np.any(c != 0.0)
                       or np.any(T[nonzero] != 1.0)):
        return None                   # fixed values or general linear constraints
    col = np.argmax(nonzero, axis=1) if T.shape[0] else np.zeros(0, int)
    uses = np.bincount(col, minlength=T.shape[1])
    for b in layout.blocks:
        if b.kind == "class" and np.any(uses[col[b.slice]] != 1):
            return None               # a class-model parameter tied to another
    # Equations sharing a free parameter belong together (union-find on columns).
    owner: dict[int, tuple[int, int]] = {}
    parent: dict[tuple[int, int], tuple[int, int]] = {}

    def find(a: tuple[int, int]) -> tuple[int, int]:
        while parent[a] != a:
            a = parent[a]
        return a

    for j, eqs in enumerate(equations):
        for e, (_, sl) in enumerate(eqs):
            me = (j, e)
            parent[me] = me
            cols = col[sl]
            if np.unique(cols).size != cols.size:
                return None           # two parameters of one equation tied together
            for k in cols.tolist():
                other = owner.setdefault(k, me)
                if other != me:
                    ra, rb = find(other), find(me)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
    groups: dict[tuple[int, int], list[tuple[int, int]]] = {}
    for me in parent:
        groups.setdefault(find(me), []).append(me)
    plan: list[TiedGroup] = []
    for members in groups.values():
        if len(members) == 1:
            plan.append(TiedGroup(tuple(members)))
            continue
        tied = _tied_blocks([equations[j][e] for j, e in members], col, uses)
        if tied is None:
            return None
        plan.append(TiedGroup(tuple(members), tied))
    return tuple(plan)


def _tied_blocks(eqs: Sequence[tuple[Any, slice]], col: np.ndarray, uses: np.ndarray
                 ) -> frozenset[int] | None:
    """The blocks tied across equations of one family and shape, or ``None`` when the
    ties do not follow whole blocks."""
    first = eqs[0][0]
    if any(ed.family != first.family or ed.sizes != first.sizes for ed, _ in eqs):
        return None
    offsets = np.concatenate([[0], np.cumsum(first.sizes)]).astype(int)
    tied: set[int] = set()
    for b in range(len(first.sizes)):
        cols = np.array([col[sl][offsets[b]:offsets[b + 1]] for _, sl in eqs])
        if cols.size == 0:
            continue
        if np.all(cols == cols[0]):
            tied.add(b)
        elif not np.all(uses[cols] == 1):
            return None
    return frozenset(tied)
