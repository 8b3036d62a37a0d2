"""The EM M-step: the complete-data objective, its derivatives and maximization, and
how the maximization splits into separate fits, read from the layout's constraints.

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
from typing import TYPE_CHECKING, Any

import numpy as np

from ..families.base import grad_hess_from_eta, linear_predictors, weighted_total
from ..linalg import ascent_direction
from .layout import ParamLayout

if TYPE_CHECKING:  # pragma: no cover
    from ..design import EquationDesign

__all__ = ["CompleteDataObjective", "TiedGroup", "em_objective", "m_step_plan"]


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


def em_objective(pw: np.ndarray, a: np.ndarray) -> float:
    """``sum_ij pw_ij a_ij`` over the cells with weight (``pw > 0``; ``a`` may be
    ``-inf`` where a class cannot produce a row): one dot product, and column by column
    (:func:`~fmmpy.families.base.weighted_total`) only when a cell without weight made
    it undefined (``0 * -inf``) or the columns are a block of rows (contiguous each,
    not together)."""
    if pw.flags.f_contiguous and a.flags.f_contiguous:
        with np.errstate(invalid="ignore"):
            value = float(np.dot(pw.ravel(order="F"), a.ravel(order="F")))
        if np.isfinite(value):
            return value
    return sum(weighted_total(pw[:, j], a[:, j]) for j in range(a.shape[1]))


class CompleteDataObjective:
    """The complete-data (EM) side of :class:`~fmmpy.estimate.model.MixtureModel`:
    the expected complete-data log likelihood for fixed posteriors, its derivatives
    (the start fits) and its maximization (EM's M-step).  The model provides
    ``layout``, ``k``, ``classmodel``, ``equations``, ``weighted()``, ``joint()``, its
    row blocks ``_blocks``, the shared equations ``_shared`` and the plan of
    :func:`m_step_plan` (``_plan``, ``_plan_equations``)."""

    def q_derivatives(self, theta: np.ndarray, post: np.ndarray, order: int = 2,
                      part: int | None = None
                      ) -> tuple[float, float, np.ndarray, np.ndarray | None]:
        """The expected complete-data log likelihood for fixed posteriors, split into
        its class part and outcome part, with gradient and Hessian in ``theta``;
        ``part=0`` (``1``) computes only the class (outcome) part, leaving the other's
        value 0 and its derivatives zero."""
        lay = self.layout
        pw = self.weighted(post)
        p = lay.n_params
        g = np.zeros(p)
        H = np.zeros((p, p)) if order >= 2 else None
        q_class = 0.0
        if self.k > 1 and part != 1 and order == 0:
            q_class = self.classmodel.q_value(pw, lay.deltas(theta))
        elif self.k > 1 and part != 1:
            q_class, gc, Hc = self.classmodel.q_derivatives(pw, lay.deltas(theta))
            idx = lay.class_index
            g[idx] = gc
            if H is not None:
                H[np.ix_(idx, idx)] = Hc
        q_out = 0.0
        for j in range(self.k if part != 0 else 0):
            for ed, sl in self.equations[j]:
                pw_rows = ed.to_rows(pw[:, j])
                # A large sample block by block (the same sums, added per block).
                pieces = self._blocks.get(id(ed)) or [(slice(None), ed.outcome, ed.X,
                                                       ed.offset)]
                for b, (rows, outcome, X, offset) in enumerate(pieces):
                    ll_e, d1, d2 = ed.family.derivatives(
                        outcome, linear_predictors(ed.blocks, X, theta[sl], outcome.n, offset),
                        order=max(order, 1))
                    pwb = pw_rows[rows]
                    q_out += weighted_total(pwb, ll_e)
                    ge, He = grad_hess_from_eta(ed.blocks, X, pwb, d1,
                                                d2 if order >= 2 else None)
                    del ll_e, d1, d2
                    if b == 0:
                        g[sl] = ge
                        if H is not None:
                            H[sl, sl] = He
                    else:
                        g[sl] += ge
                        if H is not None:
                            H[sl, sl] += He
        return q_class, q_out, g, H

    def fit_statistics(self, ed: EquationDesign) -> Any:
        """The family's :meth:`~fmmpy.families.base.Family.fit_statistics` of an
        equation, computed once per model (every M-step reuses them)."""
        return self.once(("fit_statistics", id(ed)),
                         lambda: ed.family.fit_statistics(ed.outcome, ed.X, ed.offset))

    def q_value(self, theta: np.ndarray, post: np.ndarray) -> float:
        """``sum_ij w_i p_ij (log pi_ij + log f_ij)`` -- the number Stata prints beside
        ``(EM) log likelihood``."""
        return em_objective(self.weighted(post), self.joint(theta))

    def m_step(self, theta: np.ndarray, post: np.ndarray, pw: np.ndarray | None = None,
               guess: np.ndarray | None = None) -> np.ndarray:
        """Parameters maximizing the complete-data objective for fixed posteriors.

        The class model and each equation are fitted on their own (closed forms where
        a family has them); equations whose parameters are tied across classes
        (``lcinvariant()``) are fitted together by their family's
        :meth:`~fmmpy.families.base.Family.weighted_fit_tied` (the pooled variance of
        ``lcinvariant(errvar)`` for normal outcomes).  Other constraints, or ties a
        family cannot fit in closed form, fit all parts jointly by Newton in the free
        parameters.  ``pw``, the weighted posteriors ``w * post``, may be passed when the
        caller has them.  ``guess``, a prediction of the maximum (EM's extrapolation of
        its path), is where Newton starts for the class model and for families with an
        open parameter space (:attr:`~fmmpy.families.base.Family.open_parameter_space`)
        instead of ``theta``: the same maximum, in fewer iterations.
        """
        lay = self.layout
        if self._plan is None:
            return self._constrained_m_step(theta, post)
        new = np.array(theta, dtype=float)
        if pw is None:
            pw = self.weighted(post)
        if self.k > 1:
            deltas = self.classmodel.fit(pw, lay.deltas(theta if guess is None else guess))
            for j, d in enumerate(deltas):
                b = lay.class_block(j)
                if b is not None:
                    new[b.slice] = d
        done: set[int] = set()
        # A row-major pw (probabilities given to a start) is fitted class by class, as
        # before: BLAS sums a strided column in another order than a contiguous one.
        together = pw.flags.f_contiguous
        for group, eqs in self._plan_equations:
            if not group.tied:
                (ed, sl), j = eqs[0]
                start = theta if guess is None or not ed.family.open_parameter_space else guess
                shared = self._shared.get(id(ed))
                # the classes sharing the equation together (on a large sample only
                # when their columns of pw are a view: no n x k copy)
                if shared is not None and together and (
                        id(ed) not in self._blocks or isinstance(shared[2], slice)):
                    if id(ed) not in done:
                        done.add(id(ed))
                        idx = shared[1]
                        new[idx] = ed.family.weighted_fit_classes(
                            ed.outcome, ed.X, pw[:, shared[2]] if isinstance(shared[2], slice)
                            else np.asfortranarray(pw[:, shared[2]]),
                            start[idx], ed.offset, stats=self.fit_statistics(ed))
                    continue
                new[sl] = ed.family.weighted_fit(ed.outcome, ed.X, ed.to_rows(pw[:, j]),
                                                 start[sl], ed.offset,
                                                 stats=self.fit_statistics(ed))
                continue
            parts = [(ed.outcome, ed.X, ed.to_rows(pw[:, j]), theta[sl], ed.offset)
                     for (ed, sl), j in eqs]
            fitted = eqs[0][0][0].family.weighted_fit_tied(parts, group.tied)
            if fitted is None:
                return self._constrained_m_step(theta, post)
            for ((_, sl), _), params in zip(eqs, fitted):
                new[sl] = params
        return new

    def _constrained_m_step(self, theta: np.ndarray, post: np.ndarray,
                            max_iter: int = 25) -> np.ndarray:
        lay = self.layout
        phi = lay.to_phi(theta)

        def value(ph: np.ndarray) -> float:
            return self.q_value(lay.to_theta(ph), post)

        f = value(phi)
        for _ in range(max_iter):
            qc, qo, g, H = self.q_derivatives(lay.to_theta(phi), post)
            gp, Hp = lay.T.T @ g, lay.T.T @ H @ lay.T
            step = ascent_direction(gp, Hp)[0]
            t = 1.0
            while t > 1e-8:
                trial = phi + t * step
                f_t = value(trial)
                if np.isfinite(f_t) and f_t >= f - 1e-12 * (abs(f) + 1):
                    break
                t *= 0.5
            else:
                break
            done = abs(f_t - f) <= 1e-12 * (abs(f) + 1)
            phi, f = trial, f_t
            if done:
                break
        return lay.to_theta(phi)
