"""Class probabilities: a multinomial logit of class membership on the ``lcprob()``
covariates (a constant only by default), with the base class's coefficients at 0.

Examples
--------
>>> import numpy as np
>>> cm = ClassModel(k=3, base=0, Z=(None, np.ones((4, 1)), np.ones((4, 1))), n=4)
>>> deltas = cm.fit(np.array([[1, 0, 0], [1, 0, 0], [0, 1, 0], [0, 0, 1.0]]))
>>> [np.round(d, 4) for d in deltas[1:]]
[array([-0.6931]), array([-0.6931])]
>>> np.round(np.exp(cm.logprob(deltas)[0]), 2)
array([0.5 , 0.25, 0.25])
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from .linalg import (CHORD_STEP, ROW_BLOCK, GramProducts, gram_products, logsumexp_rows,
                     row_sums, settles)

__all__ = ["ClassModel"]


@dataclass(frozen=True, eq=False)
class ClassModel:
    """Multinomial logit for the latent class.

    Attributes
    ----------
    k : int
        Number of classes.
    base : int
        0-based index of the base class.
    Z : tuple of ndarray or None
        Covariates of each non-base class (``None`` for the base class); the last
        column is the constant.
    n : int
        Number of rows (units); only needed when ``k == 1``.
    """

    k: int
    base: int
    Z: tuple[np.ndarray | None, ...]
    n: int = 0

    @cached_property
    def constant_only(self) -> bool:
        return all(z is None or z.shape[1] == 1 for z in self.Z)

    def gammas(self, deltas: Sequence[np.ndarray | None]) -> np.ndarray:
        """Linear predictors ``(n, k)``; the base column is zero."""
        n = next((z.shape[0] for z in self.Z if z is not None), self.n)
        g = np.zeros((n, self.k), order="F")  # a contiguous column per class
        for j, (z, d) in enumerate(zip(self.Z, deltas)):
            if z is not None:
                g[:, j] = z @ d
        return g

    def logprob(self, deltas: Sequence[np.ndarray | None], compact: bool = False
                ) -> np.ndarray:
        """Log class probabilities ``(n, k)``; with ``compact=True`` a constant-only
        model gives its one row ``(1, k)`` (the same numbers, broadcast by the caller).

        Examples
        --------
        >>> import numpy as np
        >>> cm = ClassModel(2, 0, (None, np.ones((3, 1))), 3)
        >>> cm.logprob([None, np.array([0.0])], compact=True).round(4).tolist()
        [[-0.6931, -0.6931]]
        """
        if compact and self.constant_only:
            g = np.array([[0.0 if z is None else float(z[0, 0] * d[0]) if z.shape[0] else 0.0
                           for z, d in zip(self.Z, deltas)]])
        elif self._single is not None:
            # two classes: log pi = (0, gamma) - lse, with lse from gamma alone
            j = self._single
            gamma, lse = self._active_point(deltas)
            out = np.empty((gamma.shape[0], 2), order="F")
            np.subtract(0.0, lse, out=out[:, 1 - j])
            np.subtract(gamma[:, 0], lse, out=out[:, j])
            return out
        else:
            g = self.gammas(deltas)
        return g - logsumexp_rows(g)

    @cached_property
    def _single(self) -> int | None:
        """The non-base class of a two-class model with covariates (``None`` otherwise)."""
        if self.k != 2 or self.Z[1 - self.base] is None:
            return None
        return 1 - self.base

    @cached_property
    def _active(self) -> list[int]:
        """The non-base classes (those with coefficients), in order."""
        return [j for j in range(self.k) if self.Z[j] is not None]

    def _active_point(self, deltas: Sequence[np.ndarray | None]
                      ) -> tuple[np.ndarray, np.ndarray]:
        """The linear predictors of the non-base classes ``(n, a)`` (column-major) and
        the log-sum-exp over all classes ``(n,)``: for two classes from the one
        column, ``lse = log(1 + exp(-|gamma|)) + max(gamma, 0)``, the very operations
        :func:`~fmmpy.linalg.logsumexp_rows` performs on ``(0, gamma)`` (the same
        numbers) without the zero column, the second exponential or the maximum
        pass.  The last point computed is remembered (read-only arrays): the E-step
        after an M-step evaluates the point the M-step's Newton fit evaluated last."""
        key = self._stack(deltas).tobytes()
        last = self.__dict__.get("_last_point")
        if last is not None and last[0] == key:
            return last[1], last[2]
        gamma, lse = self._compute_point(deltas)
        gamma.setflags(write=False)
        lse.setflags(write=False)
        self.__dict__["_last_point"] = (key, gamma, lse)
        return gamma, lse

    def _compute_point(self, deltas: Sequence[np.ndarray | None]
                       ) -> tuple[np.ndarray, np.ndarray]:
        if self._single is not None:
            j = self._single
            gamma = np.empty((self.Z[j].shape[0], 1), order="F")
            g = gamma[:, 0]
            z, d = self.Z[j], deltas[j]
            if z.shape[1] == 1:
                np.multiply(z[:, 0], d[0], out=g)
                g += 0.0
            else:
                np.matmul(z, d, out=g)
            lse = np.abs(g)
            np.negative(lse, out=lse)
            with np.errstate(invalid="ignore"):          # (an infinite gamma: nan/inf as lse)
                np.exp(lse, out=lse)
                lse += 1.0
                np.log(lse, out=lse)
                lse += np.maximum(g, 0.0)
            return gamma, lse
        gam = self.gammas(deltas)
        lse = logsumexp_rows(gam)[:, 0]
        return np.asfortranarray(gam[:, self._active]), lse

    def _active_value(self, pw: np.ndarray, unit: np.ndarray, gamma: np.ndarray,
                      lse: np.ndarray) -> float:
        """:meth:`q_value` from :meth:`_active_point`: ``sum_j pw_j'gamma_j - unit'lse``
        (the rows of ``pw`` sum to ``unit``; no ``n x k`` log probabilities to form and
        weight)."""
        return (sum(float(np.dot(pw[:, j], gamma[:, a])) for a, j in enumerate(self._active))
                - float(np.dot(unit, lse)))

    def q_value(self, pw: np.ndarray, deltas: Sequence[np.ndarray | None]) -> float:
        """``sum_ij pw_ij log pi_ij`` for weighted posteriors ``pw``."""
        if self.constant_only:
            return _weighted_total(pw, self.logprob(deltas, compact=True))
        return self._active_value(pw, row_sums(pw), *self._active_point(deltas))

    @cached_property
    def _grams(self) -> GramProducts | None:
        """The held row products of the covariates when every non-base class has the
        same ones (the usual ``lcprob(varlist)``): each Hessian block of :meth:`fit`
        is then one matrix-vector product."""
        Z = [z for z in self.Z if z is not None]
        if self.constant_only or not Z or any(z is not Z[0] for z in Z):
            return None
        return gram_products(Z[0])

    def q_derivatives(self, pw: np.ndarray, deltas: Sequence[np.ndarray | None],
                      lp: np.ndarray | None = None, unit: np.ndarray | None = None,
                      value: float | None = None, pi: np.ndarray | None = None
                      ) -> tuple[float, np.ndarray, np.ndarray]:
        """Value, gradient and Hessian of :meth:`q_value` in the stacked non-base
        coefficients (in class order).  ``lp`` (the compact :meth:`logprob` at
        ``deltas``) or ``pi`` (its exponential, ``(n, k)``), ``unit``
        (``pw.sum(axis=1)``) and ``value`` may be passed when the caller has them
        (``value`` is required with ``pi``)."""
        if pi is None and lp is None and not self.constant_only:
            # (as fit does: the value from gamma and lse, then the probabilities)
            if unit is None:
                unit = row_sums(pw)
            gamma, lse = self._active_point(deltas)
            if value is None:
                value = self._active_value(pw, unit, gamma, lse)
            return value, *self._grad_hess(pw, unit, _probabilities(gamma, lse))
        if pi is None:
            if lp is None:
                lp = self.logprob(deltas, compact=True)
            pi = np.exp(lp)
            if self.constant_only and lp.shape[0] == 1:
                return self._constant_q_derivatives(pw, lp, pi, value)
            if value is None:
                value = _weighted_total(pw, lp)
        if unit is None:
            unit = row_sums(pw)
        return value, *self._grad_hess(pw, unit, pi[:, self._active])

    def _gradient(self, pw: np.ndarray, unit: np.ndarray, pi_active: np.ndarray
                  ) -> np.ndarray:
        """Gradient of :meth:`q_value` from the probabilities of the non-base classes
        ``pi_active`` ``(n, a)``."""
        return np.concatenate([self.Z[j].T @ (pw[:, j] - unit * pi_active[:, a])
                               for a, j in enumerate(self._active)])

    def _grad_hess(self, pw: np.ndarray, unit: np.ndarray, pi_active: np.ndarray
                   ) -> tuple[np.ndarray, np.ndarray]:
        """Gradient and Hessian of :meth:`q_value` from the probabilities of the
        non-base classes ``pi_active`` ``(n, a)``."""
        active = self._active
        sizes = [self.Z[j].shape[1] for j in active]
        offs = np.concatenate([[0], np.cumsum(sizes)]).astype(int)
        g = self._gradient(pw, unit, pi_active)
        H = np.empty((offs[-1], offs[-1]))
        pairs = [(a, b) for a in range(len(active)) for b in range(a, len(active))]
        # unit * Cov(1[class j], 1[class l]) per row, each pair (a column per pair)
        cov = np.empty((pw.shape[0], len(pairs)), order="F")
        for c, (a, b) in enumerate(pairs):
            np.multiply(pi_active[:, a], pi_active[:, b], out=cov[:, c])
            if a == b:
                np.subtract(pi_active[:, a], cov[:, c], out=cov[:, c])
            else:
                np.negative(cov[:, c], out=cov[:, c])
            cov[:, c] *= unit
        blocks = self._grams.grams(cov) if self._grams is not None else None
        for c, (a, b) in enumerate(pairs):
            blk = -(blocks[c] if blocks is not None
                    else self.Z[active[a]].T @ (self.Z[active[b]] * cov[:, c:c + 1]))
            H[offs[a]:offs[a + 1], offs[b]:offs[b + 1]] = blk
            if b != a:
                H[offs[b]:offs[b + 1], offs[a]:offs[a + 1]] = blk.T
        return g, H

    def _constant_q_derivatives(self, pw: np.ndarray, lp: np.ndarray, pi: np.ndarray,
                                value: float | None) -> tuple[float, np.ndarray, np.ndarray]:
        """:meth:`q_derivatives` of a constant-only model from the class totals of
        ``pw``: with ``Z = c`` on every row the sums over rows are ``c`` (``c**2``) times
        the totals (the same quantities without ``n``-row temporaries)."""
        totals = pw.sum(axis=0)
        mass = float(totals.sum())
        active = self._active
        c = np.array([float(self.Z[j][0, 0]) if self.Z[j].shape[0] else 0.0 for j in active])
        p = pi[0, active]
        g = c * (totals[active] - mass * p)
        H = -mass * (np.diag(p) - np.outer(p, p)) * np.outer(c, c)
        return (float(totals @ lp[0]) if value is None else value), g, H

    def fit(self, pw: np.ndarray, init: Sequence[np.ndarray | None] | None = None,
            max_iter: int = 100, tol: float = 1e-12) -> list[np.ndarray | None]:
        """The M-step: coefficients maximizing :meth:`q_value`.

        Closed form for a constant-only model (log odds of the weighted class
        counts); Newton with step halving otherwise.
        """
        if self.constant_only:
            safe = np.maximum(pw.sum(axis=0), 1e-300)
            lr = np.log(safe / safe[self.base])
            return [None if z is None else lr[j:j + 1] for j, z in enumerate(self.Z)]
        deltas = [None if z is None else np.zeros(z.shape[1]) for z in self.Z]
        if init is not None:
            deltas = [None if d is None else np.array(d, dtype=float) for d in init]
        # Per fit: the row totals of pw; per point: the non-base classes' linear
        # predictors and the log-sum-exp, which give the value and the probabilities
        # the derivatives need.
        unit = row_sums(pw)
        gamma, lse = self._active_point(deltas)
        f = self._active_value(pw, unit, gamma, lse)
        previous = None         # the size of the last full step
        H = None
        for _ in range(max_iter):
            pi = _probabilities(gamma, lse)
            if previous is not None and previous < CHORD_STEP:
                # after a small full step, the last Hessian judges whether the next
                # step is negligible (as newton_weighted_fit does)
                g = self._gradient(pw, unit, pi)
                step = _newton_step(H, g)
                if _negligible(step, g, f, tol):
                    break
            g, H = self._grad_hess(pw, unit, pi)
            step = _newton_step(H, g)
            if _negligible(step, g, f, tol):
                # The step of an iteration that would end the loop is not taken: the
                # point is the maximum to the tolerance, and its evaluation (remembered
                # by _active_point) serves the E-step that follows.
                break
            size = float(np.max(np.abs(step), initial=0.0))
            last = settles(size, previous, 1e-11)
            t = 1.0
            while t > 1e-10:
                trial = self._unstack(self._stack(deltas) + t * step)
                gamma, lse = self._active_point(trial)
                f_new = self._active_value(pw, unit, gamma, lse)
                if f_new >= f - 1e-12 * (abs(f) + 1):
                    break
                t *= 0.5
            else:
                break
            small_change = abs(f_new - f) <= tol * (abs(f) + 1)
            done = small_change and (np.max(np.abs(t * step)) < 1e-9
                                     or (t == 1.0 and last))   # the next: rounding
            deltas, f = trial, f_new
            if done:            # (no derivatives at the solution: nothing uses them)
                break
            previous = size if t == 1.0 else None
        return deltas

    def _stack(self, deltas: Sequence[np.ndarray | None]) -> np.ndarray:
        return np.concatenate([d for d in deltas if d is not None]) if self.k > 1 else np.zeros(0)

    def _unstack(self, vec: np.ndarray) -> list[np.ndarray | None]:
        out: list[np.ndarray | None] = []
        pos = 0
        for z in self.Z:
            if z is None:
                out.append(None)
            else:
                out.append(vec[pos:pos + z.shape[1]])
                pos += z.shape[1]
        return out


def _probabilities(gamma: np.ndarray, lse: np.ndarray) -> np.ndarray:
    """``exp(gamma - lse)``: the probabilities of the non-base classes."""
    pi = np.subtract(gamma, lse[:, None])
    return np.exp(pi, out=pi)


def _negligible(step: np.ndarray, g: np.ndarray, f: float, tol: float) -> bool:
    """Whether a Newton step of :meth:`ClassModel.fit` is below its tolerances: every
    coefficient moves less than 1e-9 and the first-order gain ``g'step`` is below
    ``tol * (|f| + 1)``."""
    return bool(np.max(np.abs(step), initial=0.0) < 1e-9
                and abs(float(g @ step)) <= tol * (abs(f) + 1))


def _newton_step(H: np.ndarray, g: np.ndarray) -> np.ndarray:
    """The Newton step ``-H^{-1} g`` (least squares when ``H`` is singular)."""
    try:
        return np.linalg.solve(-H, g)
    except np.linalg.LinAlgError:
        return np.linalg.lstsq(-H, g, rcond=None)[0]


def _weighted_total(pw: np.ndarray, lp: np.ndarray) -> float:
    """``sum(pw * lp)`` (``lp`` one row or ``n`` rows); a large sample block by block of
    rows (the same sum, added per block, without an ``n x k`` temporary)."""
    n = pw.shape[0]
    if n <= 2 * ROW_BLOCK:
        return float(np.sum(pw * lp))
    one = lp.shape[0] == 1
    return float(sum(np.sum(pw[i:i + ROW_BLOCK] * (lp if one else lp[i:i + ROW_BLOCK]))
                     for i in range(0, n, ROW_BLOCK)))
