"""The mixture likelihood, its derivatives, posteriors and the E-step (the M-step and
the complete-data objective are in :mod:`fmmpy.estimate.mstep`).

For unit ``i`` and class ``j`` let ``a_ij = log pi_ij + log f_ij``.  The log
likelihood is ``sum_i w_i log sum_j exp(a_ij)``.  Its gradient is the
posterior-weighted sum of the per-class scores, and its Hessian (the observed
information, negated) is the posterior-weighted per-class Hessian plus the
posterior covariance of the per-class scores:

    H = sum_i w_i [ sum_j p_ij d2 a_ij + sum_{l,m} (p_il [l=m] - p_il p_im) V_il V_im' ]

where ``V_il`` stacks class ``l``'s class-model covariates and its outcome scores.
Everything is assembled from the families' derivatives with respect to their
linear predictors; nothing here depends on which family a class carries.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> from fmmpy.design import build_design
>>> from fmmpy.estimate.layout import build_layout
>>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
>>> m = MixtureModel(d, build_layout(d))
>>> theta = m.layout.to_theta(m.layout.to_phi(np.array([0., .07, -13., .09, -9.])))
>>> round(m.loglik(theta), 3)
1223.313
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from ..classmodel import ClassModel
from ..design import Design, EquationDesign
from ..families.base import (Family, Outcome, grad_hess_from_eta, linear_predictors,
                             score_matrix)
from ..linalg import ROW_BLOCK, cross, logsumexp_rows, posterior_rows
from .layout import ParamLayout
from .mstep import CompleteDataObjective, TiedGroup, em_objective, m_step_plan
from .units import UnitSum

__all__ = ["MixtureModel", "Derivatives", "row_pieces"]

# Rows per block when the log densities of a large sample are evaluated block by block:
# the temporaries of a block stay in the CPU cache (2-3 times faster at 1e6 rows); the
# values are the same, row by row.  (The row reductions' block; a name of its own so
# that the tests can shrink the model's blocks alone.)
ROW_CHUNK = ROW_BLOCK


def row_pieces(ed: EquationDesign) -> list[tuple[slice, Outcome, dict, np.ndarray | None]]:
    """An equation's rows in blocks of ``ROW_CHUNK``: ``(rows, outcome, X, offset)``,
    views on the equation's arrays.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> [p[0] for p in row_pieces(res.design.classes[0].equations[0])]
    [slice(0, 485, None)]
    """
    n = ed.outcome.n
    return [(sl, ed.outcome.subset(sl), {k: v[sl] for k, v in ed.X.items()},
             None if ed.offset is None else ed.offset[sl])
            for sl in (slice(i, min(i + ROW_CHUNK, n)) for i in range(0, n, ROW_CHUNK))]


@dataclass(frozen=True)
class Derivatives:
    """Log likelihood with gradient and Hessian in ``theta``; per-unit quantities kept
    for the variance estimators and predictions."""

    ll: float
    grad: np.ndarray | None
    hess: np.ndarray | None
    post: np.ndarray


def _cov_weight(p: np.ndarray, j: int, m: int) -> np.ndarray:
    """``p_j [j = m] - p_j p_m`` (columns of ``p``), with two passes over the rows."""
    c = p[:, j] * p[:, m]
    if j == m:
        return np.subtract(p[:, j], c, out=c)
    return np.negative(c, out=c)


def _add_score_covariance(H: np.ndarray, V: list[tuple[np.ndarray, np.ndarray]],
                          post: np.ndarray, w: np.ndarray | None) -> None:
    """Add the posterior covariance of the per-class scores ``V`` (each class's columns
    and their positions in ``theta``), weighted by ``w`` (``None``: all 1), to ``H``:

        sum_l V_l' diag(w p_l) V_l  -  S' diag(w) S,   S = [p_1 V_1, ..., p_k V_k]

    (the sum over class pairs of ``(p_l [l = m] - p_l p_m) V_l V_m'`` as one product of
    the stacked posterior-weighted scores instead of one per pair)."""
    idx = np.concatenate([ij for _, ij in V])
    if len(V) == 2 and np.unique(idx).size == idx.size and (w is None or w.min() >= 0.0):
        _add_two_class_score_covariance(H, V, idx, post, w)
        return
    S = np.empty((post.shape[0], idx.shape[0]), order="F")
    col = 0
    for j, (Vj, ij) in enumerate(V):
        q = Vj.shape[1]
        Sj = np.multiply(Vj, post[:, j:j + 1], out=S[:, col:col + q])
        H[np.ix_(ij, ij)] += Vj.T @ (Sj if w is None else Sj * w[:, None])
        col += q
    H[np.ix_(idx, idx)] -= S.T @ (S if w is None else S * w[:, None])


def _add_two_class_score_covariance(H: np.ndarray, V: list[tuple[np.ndarray, np.ndarray]],
                                    idx: np.ndarray, post: np.ndarray,
                                    w: np.ndarray | None) -> None:
    """:func:`_add_score_covariance` of two classes: with ``p_1 + p_2 = 1`` the
    posterior covariance of the scores is ``p_1 p_2 (s_1 - s_2)(s_1 - s_2)'``, so the
    sum over rows is one symmetric product ``R'R`` of ``R = sqrt(w p_1 p_2) [V_1, -V_2]``
    (one pass to form ``R`` and one rank-update instead of two weighted products and
    the product of the stacked scores; and no difference of nearly equal terms where a
    posterior is near 1)."""
    (V1, _), (V2, _) = V
    c = post[:, 0] * post[:, 1]
    if w is not None:
        c *= w
    np.sqrt(c, out=c)
    q1 = V1.shape[1]
    R = np.empty((post.shape[0], idx.shape[0]), order="F")
    np.multiply(V1, c[:, None], out=R[:, :q1])
    np.negative(c, out=c)
    np.multiply(V2, c[:, None], out=R[:, q1:])
    H[np.ix_(idx, idx)] += R.T @ R


class MixtureModel(CompleteDataObjective):
    """The likelihood of a design under a parameter layout.

    Parameters
    ----------
    design : Design
    layout : ParamLayout
    """

    def __init__(self, design: Design, layout: ParamLayout):
        self.design = design
        self.layout = layout
        self.k = design.k
        self.n = design.n
        self.w = design.weights
        # No weights, or all 1: w * x is x (saves n x k products and temporaries).
        self.unit_weights = bool(np.all(self.w == 1.0))
        self.classmodel = ClassModel(design.k, design.base,
                                     tuple(cd.Z for cd in design.classes), design.n)
        self._once: dict[Hashable, Any] = {}
        self.equations: list[list[tuple[EquationDesign, slice]]] = [
            [(ed, layout.equation_slice(j, e)) for e, ed in enumerate(cd.equations)]
            for j, cd in enumerate(design.classes)
        ]
        self._sums: dict[int, UnitSum] = {}
        for cd in design.classes:
            for ed in cd.equations:
                self._sums.setdefault(id(ed), UnitSum(ed.unit, self.n))
        self._plan: tuple[TiedGroup, ...] | None = m_step_plan(layout, self.equations)
        # Row blocks of the equations whose rows are the units (no group()): views made
        # once, so per-outcome caches (log y!) hold across evaluations.
        self._blocks: dict[int, list[tuple[slice, Outcome, dict, np.ndarray | None]]] = {}
        if self.n > 2 * ROW_CHUNK:
            for cd in design.classes:
                for ed in cd.equations:
                    if ed.unit is None and ed.outcome.n == self.n and id(ed) not in self._blocks:
                        self._blocks[id(ed)] = row_pieces(ed)
        self._all_blocked = bool(self._blocks) and all(
            id(ed) in self._blocks for eqs in self.equations for ed, _ in eqs)
        # An equation several classes share (one EquationDesign, the rows are the units)
        # whose family evaluates and fits the classes together: its log densities and
        # M-step are computed for all those classes at once (the same numbers).
        self._shared: dict[int, tuple[dict[int, int], np.ndarray, slice | list[int]]] = {}
        found: dict[int, list[tuple[int, slice]]] = {}
        for j, eqs in enumerate(self.equations):
            for ed, sl in eqs:
                if ed.family.batches_classes and ed.unit is None:
                    found.setdefault(id(ed), []).append((j, sl))
        for key, members in found.items():
            classes = [j for j, _ in members]
            if len(members) < 2 or len(set(classes)) != len(classes):
                continue
            cols: slice | list[int] = (slice(classes[0], classes[-1] + 1)
                                       if classes == list(range(classes[0], classes[-1] + 1))
                                       else classes)
            idx = np.array([np.arange(sl.start, sl.stop) for _, sl in members])
            self._shared[key] = ({j: c for c, j in enumerate(classes)}, idx, cols)
        # The common mixture of one model: every class has one equation, the same one.
        self._one_shared = next(
            (ed for ed, _ in self.equations[0] if id(ed) in self._shared
             and self._shared[id(ed)][2] == slice(0, self.k)), None) if all(
            len(eqs) == 1 for eqs in self.equations) else None
        # Positions in theta of each class's score columns: class-model block first,
        # then the equations in order (the columns of the Hessian's score buffers).
        self._score_index = []
        for j, eqs in enumerate(self.equations):
            cb = layout.class_block(j)
            parts = ([np.arange(cb.start, cb.stop)] if cb is not None else []) + [
                np.arange(sl.start, sl.stop) for _, sl in eqs]
            self._score_index.append(np.concatenate(parts).astype(int) if parts
                                     else np.zeros(0, int))
        # The equations of each M-step group (looked up once, not at every iteration).
        self._plan_equations = [
            (group, [(self.equations[j][e], j) for j, e in group.members])
            for group in self._plan] if self._plan is not None else []
        # A class that cannot produce some rows (a point mass) puts -inf in the joint
        # densities: the posteriors' exponentials then go by the guarded path that
        # keeps numpy's exp fast (the same numbers; see linalg.exp_inplace).
        self._underflow = any(type(ed.family).support is not Family.support
                              for eqs in self.equations for ed, _ in eqs)
        # Constant-only class model: its curvature needs only Z'WZ (the total weight).
        z = next((z for z in self.classmodel.Z if z is not None), None)
        self._zwz = (z.T @ (z * self.w[:, None]) if z is not None and
                     self.classmodel.constant_only else None)

    @cached_property
    def unique_equations(self) -> list[tuple[EquationDesign, list[int]]]:
        """Each equation design once (classes may share one), with the classes that
        carry it, in class order."""
        seen: dict[int, tuple[EquationDesign, list[int]]] = {}
        for j in range(self.k):
            for ed, _ in self.equations[j]:
                seen.setdefault(id(ed), (ed, []))[1].append(j)
        return list(seen.values())

    def once(self, key: Hashable, compute: Callable[[], Any]) -> Any:
        """``compute()`` the first time ``key`` is asked for and the same value after:
        quantities of the data alone that several stages use (the one-class fits of
        jitter starts and of the degenerate checks, the factor score of every random
        start).  Callers do not modify the value."""
        if key not in self._once:
            self._once[key] = compute()
        return self._once[key]

    def weighted(self, post: np.ndarray) -> np.ndarray:
        """``w * post`` row by row, for ``(n, k)`` posteriors or one column of them
        (``post`` itself, not a copy, when every weight is 1; callers do not write to
        it)."""
        if self.unit_weights:
            return post
        return self.w[:, None] * post if post.ndim == 2 else self.w * post

    def unit_sum(self, ed: EquationDesign, values: np.ndarray) -> np.ndarray:
        """Row quantities of an equation summed within units (groups)."""
        return self._sums[id(ed)](values)

    # -- pieces ----------------------------------------------------------------------
    def eta(self, theta: np.ndarray, j: int, e: int) -> np.ndarray:
        """Linear predictors of equation ``e`` of class ``j``."""
        ed, sl = self.equations[j][e]
        return linear_predictors(ed.blocks, ed.X, theta[sl], ed.outcome.n, ed.offset)

    def class_logprob(self, theta: np.ndarray) -> np.ndarray:
        """``log pi_ij``, shape ``(n, k)``."""
        return self.classmodel.logprob(self.layout.deltas(theta))

    def log_density(self, theta: np.ndarray) -> np.ndarray:
        """``log f_ij``: the sum over a class's equations, shape ``(n, k)``."""
        if self._all_blocked:
            out = np.empty((self.n, self.k), order="F")
            for b, rows in enumerate(self._row_blocks()):
                out[rows] = self._block_log_density(theta, b)
            return out
        ed = self._one_shared
        if ed is not None:      # (adding these columns to zeros would not change them)
            return ed.family.loglik_classes(ed.outcome, ed.blocks, ed.X,
                                            theta[self._shared[id(ed)][1]], ed.offset)
        out = np.zeros((self.n, self.k), order="F")  # a contiguous column per class
        together: dict[int, np.ndarray] = {}
        for j in range(self.k):
            for e, (ed, sl) in enumerate(self.equations[j]):
                shared = self._shared.get(id(ed))
                if shared is not None and id(ed) not in self._blocks:   # all classes at once
                    ll = together.get(id(ed))
                    if ll is None:
                        ll = together[id(ed)] = ed.family.loglik_classes(
                            ed.outcome, ed.blocks, ed.X, theta[shared[1]], ed.offset)
                    out[:, j] += ll[:, shared[0][j]]
                    continue
                blocks = self._blocks.get(id(ed))
                if blocks is not None:
                    params = theta[sl]
                    for rows, outcome, X, offset in blocks:
                        eta = linear_predictors(ed.blocks, X, params, outcome.n, offset)
                        out[rows, j] += ed.family.loglik(outcome, eta)
                    continue
                out[:, j] += self.unit_sum(ed, ed.family.loglik(ed.outcome,
                                                                self.eta(theta, j, e)))
        return out

    def _row_blocks(self) -> list[slice]:
        """The row blocks of a large sample whose equations all go by blocks."""
        return [rows for rows, _, _, _ in next(iter(self._blocks.values()))]

    def _block_log_density(self, theta: np.ndarray, b: int) -> np.ndarray:
        """``log f_ij`` on row block ``b`` (every equation by blocks): the same numbers
        as those rows of the whole sample's, equation by equation in the same order."""
        ed = self._one_shared
        if ed is not None:
            _, outcome, X, offset = self._blocks[id(ed)][b]
            return ed.family.loglik_classes(outcome, ed.blocks, X,
                                            theta[self._shared[id(ed)][1]], offset)
        out = None
        for j, eqs in enumerate(self.equations):
            for ed, sl in eqs:
                _, outcome, X, offset = self._blocks[id(ed)][b]
                if out is None:
                    out = np.zeros((outcome.n, self.k), order="F")
                out[:, j] += ed.family.loglik(
                    outcome, linear_predictors(ed.blocks, X, theta[sl], outcome.n, offset))
        return out

    def e_step(self, theta: np.ndarray, pw: np.ndarray | None = None,
               reuse: np.ndarray | None = None) -> tuple[np.ndarray, float, float]:
        """Posteriors at ``theta``, the weighted log likelihood and, given the weighted
        posteriors ``pw`` of the previous iteration, the EM objective
        ``sum_ij pw_ij (log pi_ij + log f_ij)`` at ``theta`` (``nan`` without ``pw``).

        A large sample whose rows are the units goes block by block of rows: each
        block's joint densities are used for the objective and turned into posteriors
        before the next block, written into ``reuse`` (an ``n x k`` column-major array
        that may be ``pw`` itself; its block is read before it is overwritten), so EM
        holds one ``n x k`` array, not three."""
        q = float("nan") if pw is None else 0.0
        if not self._all_blocked:
            a = self.joint(theta)
            if pw is not None:
                q = em_objective(pw, a)
            post, lse = posterior_rows(a, overwrite=True, underflow=self._underflow)
            ll = float(np.dot(self.w, lse[:, 0]))
            return post, (ll if np.isfinite(ll) else -np.inf), q
        lp = self.classmodel.logprob(self.layout.deltas(theta), compact=True)
        shape = (self.n, self.k)
        post = (reuse if reuse is not None and reuse.shape == shape
                and reuse.flags.f_contiguous and reuse.flags.writeable
                else np.empty(shape, order="F"))
        ll = 0.0
        with np.errstate(all="ignore"):
            for b, rows in enumerate(self._row_blocks()):
                a = self._block_log_density(theta, b)
                a += lp if lp.shape[0] == 1 else lp[rows]
                if pw is not None:
                    q += em_objective(pw[rows], a)
                lse = posterior_rows(a, out=post[rows], underflow=self._underflow)[1]
                ll += float(np.dot(self.w[rows], lse[:, 0]))
        return post, (ll if np.isfinite(ll) else -np.inf), q

    def joint(self, theta: np.ndarray) -> np.ndarray:
        """``log pi_ij + log f_ij``."""
        with np.errstate(all="ignore"):
            lf = self.log_density(theta)
            lf += self.classmodel.logprob(self.layout.deltas(theta), compact=True)
        return lf

    def loglik_obs(self, theta: np.ndarray) -> np.ndarray:
        """Per-unit log likelihood (unweighted)."""
        return logsumexp_rows(self.joint(theta), self._underflow)[:, 0]

    def loglik(self, theta: np.ndarray) -> float:
        """The (weighted) mixture log likelihood."""
        value = float(np.dot(self.w, self.loglik_obs(theta)))
        return value if np.isfinite(value) else -np.inf

    def posterior(self, theta: np.ndarray) -> tuple[np.ndarray, float]:
        """Posterior class probabilities ``(n, k)`` and the log likelihood."""
        return self.e_step(theta)[:2]

    # -- full likelihood derivatives -------------------------------------------------------
    def derivatives(self, theta: np.ndarray, order: int = 2, scores: bool = False
                    ) -> tuple[Derivatives, np.ndarray | None]:
        """Log likelihood, gradient and (``order == 2``) Hessian in ``theta``.

        With ``scores=True`` also returns the per-unit score matrix ``(n, p)``
        (unweighted) used by the OPG and sandwich variance estimators.
        """
        if not scores and self._all_blocked:
            return self._derivatives_by_blocks(theta, order), None
        lay = self.layout
        deltas = lay.deltas(theta)
        lp = self.classmodel.logprob(deltas, compact=True)    # (1, k) when constant
        pi = np.exp(lp)
        lf = np.zeros((self.n, self.k), order="F")
        parts: list[list[tuple[np.ndarray, np.ndarray | None]]] = []
        # (As in the likelihood: a trial point of Newton's line search may overflow; its
        # log likelihood is then not finite and the point is refused.)
        with np.errstate(all="ignore"):
            for j in range(self.k):
                row = []
                for e, (ed, _) in enumerate(self.equations[j]):
                    ll_e, d1, d2 = ed.family.derivatives(ed.outcome, self.eta(theta, j, e),
                                                         order=max(order, 1))
                    lf[:, j] += self.unit_sum(ed, ll_e)
                    row.append((d1, d2))
                parts.append(row)
            lf += lp
        post, lse = posterior_rows(lf, overwrite=True,       # the joint's memory
                                   underflow=self._underflow)
        del lf
        ll = float(np.dot(self.w, lse[:, 0]))
        if not np.isfinite(ll):
            return Derivatives(-np.inf, None, None, post), None
        p = lay.n_params
        g = np.zeros(p)
        H = np.zeros((p, p)) if order >= 2 else None
        U = np.zeros((self.n, p)) if scores else None
        # V_l: class l's class-model covariates and outcome scores, with their positions.
        V: list[tuple[np.ndarray, np.ndarray]] = []
        for j in range(self.k):
            cb = lay.class_block(j)
            if cb is not None:
                Z = self.classmodel.Z[j]
                resid = self.w * (post[:, j] - pi[:, j])
                g[cb.slice] = cross(Z, resid)
                if U is not None:
                    U[:, cb.slice] = Z * (post[:, j] - pi[:, j])[:, None]
            Vj, col = self._score_buffer(j, self.n, slice(None)) if H is not None else (None, 0)
            row_parts, parts[j] = parts[j], []          # free class j's derivatives as we go
            items = [(ed, sl, ed.X, d1, d2)
                     for (ed, sl), (d1, d2) in zip(self.equations[j], row_parts)]
            del row_parts
            self._add_class_equations(items, self.weighted(post[:, j]), g, H, Vj, col, U,
                                      post[:, j:j + 1])
            del items
            if Vj is not None:     # V is only needed for the Hessian
                V.append((Vj, self._score_index[j]))
        if H is not None:
            self._add_class_curvature(H, pi)
            # Posterior covariance of the per-class scores.
            _add_score_covariance(H, V, post, None if self.unit_weights else self.w)
        return Derivatives(ll, g, H, post), U

    def _score_buffer(self, j: int, m_rows: int, rows: slice) -> tuple[np.ndarray, int]:
        """Class ``j``'s column-major buffer of score columns on ``m_rows`` rows, its
        class-model covariates (rows ``rows``) already in place, and the next column."""
        Vj = np.empty((m_rows, self._score_index[j].shape[0]), order="F")
        Z = self.classmodel.Z[j]
        if self.layout.class_block(j) is None:
            return Vj, 0
        Vj[:, :Z.shape[1]] = Z[rows]
        return Vj, Z.shape[1]

    def _add_class_equations(self, items: list, wp: np.ndarray, g: np.ndarray,
                             H: np.ndarray | None, Vj: np.ndarray | None, col: int,
                             U: np.ndarray | None = None, post_j: np.ndarray | None = None
                             ) -> None:
        """Add one class's equations to the gradient (and Hessian) from their
        linear-predictor derivatives ``items`` = ``(ed, slice, X, d1, d2)`` on the rows
        that ``wp`` (weight x posterior of the units) covers, and write their per-unit
        score columns into ``Vj`` from column ``col`` (and, times ``post_j``, into
        ``U``)."""
        for ed, sl, X, d1, d2 in items:
            ge, He = grad_hess_from_eta(ed.blocks, X, ed.to_rows(wp), d1,
                                        d2 if H is not None else None)
            g[sl] += ge
            if H is not None:
                H[sl, sl] += He
            if U is None and Vj is None:
                continue
            q = sl.stop - sl.start
            if Vj is not None and ed.unit is None:
                S = score_matrix(ed.blocks, X, d1, out=Vj[:, col:col + q])
            else:           # rows of a group summed into the group's scores
                S = self.unit_sum(ed, score_matrix(ed.blocks, X, d1))
                if Vj is not None:
                    Vj[:, col:col + q] = S
            col += q
            if U is not None:
                U[:, sl] = S * post_j

    def _add_class_curvature(self, H: np.ndarray, pi: np.ndarray) -> None:
        """Class-model curvature of ``log pi`` (the same for every class)."""
        lay = self.layout
        for j in range(self.k):
            cj = lay.class_block(j)
            if cj is None:
                continue
            for m in range(self.k):
                cm = lay.class_block(m)
                if cm is None:
                    continue
                if self._zwz is not None:     # constant-only class model: Z'WZ * c
                    H[cj.slice, cm.slice] -= self._zwz * _cov_weight(pi, j, m)[0]
                    continue
                c = self.w * _cov_weight(pi, j, m)
                H[cj.slice, cm.slice] -= self.classmodel.Z[j].T @ (
                    self.classmodel.Z[m] * c[:, None])

    def _derivatives_by_blocks(self, theta: np.ndarray, order: int) -> Derivatives:
        """:meth:`derivatives` of a large sample, one block of rows at a time: each
        block's family derivatives, posteriors and score columns are used and freed
        before the next, so the memory is the posteriors' ``n x k`` plus one block (and
        the block's temporaries stay in cache).  The log likelihood and the posteriors
        are the same numbers as in one pass; the gradient and Hessian are the same sums
        over rows, added block by block."""
        lay = self.layout
        lp = self.classmodel.logprob(lay.deltas(theta), compact=True)
        pi = np.exp(lp)
        post = np.empty((self.n, self.k), order="F")
        lse = np.empty(self.n)
        p = lay.n_params
        g = np.zeros(p)
        H = np.zeros((p, p)) if order >= 2 else None
        zs = self.classmodel.Z
        cbs = [lay.class_block(j) for j in range(self.k)]
        first = next(iter(self._blocks.values()))
        with np.errstate(all="ignore"):
            for b, (rows, _, _, _) in enumerate(first):
                m_rows = rows.stop - rows.start
                # The block's joint densities, turned into its posteriors, in place in
                # the posteriors' rows (no block-sized copies).
                lf = post[rows]
                parts = []
                for j, eqs in enumerate(self.equations):
                    row = []
                    if not eqs:
                        lf[:, j] = 0.0
                    for e, (ed, sl) in enumerate(eqs):
                        _, outcome, X, offset = self._blocks[id(ed)][b]
                        ll_e, d1, d2 = ed.family.derivatives(
                            outcome, linear_predictors(ed.blocks, X, theta[sl], m_rows, offset),
                            order=max(order, 1))
                        if e == 0:
                            lf[:, j] = ll_e
                        else:
                            lf[:, j] += ll_e
                        row.append((X, d1, d2))
                    parts.append(row)
                lf += lp if lp.shape[0] == 1 else lp[rows]
                pb, lse_b = posterior_rows(lf, overwrite=True, underflow=self._underflow)
                lse[rows] = lse_b[:, 0]
                wb = self.w[rows]
                V: list[tuple[np.ndarray, np.ndarray]] = []
                for j, eqs in enumerate(self.equations):
                    Vj, col = self._score_buffer(j, m_rows, rows) if H is not None else (None, 0)
                    items = [(ed, sl, X, d1, d2)
                             for (ed, sl), (X, d1, d2) in zip(eqs, parts[j])]
                    parts[j] = []
                    self._add_class_equations(items, pb[:, j] if self.unit_weights
                                              else wb * pb[:, j], g, H, Vj, col)
                    del items
                    if Vj is not None:
                        V.append((Vj, self._score_index[j]))
                if H is not None:
                    _add_score_covariance(H, V, pb, None if self.unit_weights else wb)
                del V, parts, lf
        ll = float(np.dot(self.w, lse))
        if not np.isfinite(ll):
            return Derivatives(-np.inf, None, None, post)
        for j, cb in enumerate(cbs):
            if cb is not None:
                g[cb.slice] = cross(zs[j], self.w * (post[:, j] - pi[:, j]))
        if H is not None:
            self._add_class_curvature(H, pi)
        return Derivatives(ll, g, H, post)
