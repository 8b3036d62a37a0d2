"""Small linear-algebra helpers shared by the families and the estimators.

Examples
--------
>>> import numpy as np
>>> d, concave = ascent_direction(np.array([1.0, 1.0]), np.diag([-2.0, 1.0]))
>>> d.tolist(), concave
([0.5, 1.0], False)
"""

from __future__ import annotations

import weakref
from functools import lru_cache

import numpy as np

__all__ = ["CHORD_STEP", "GramProducts", "ascent_direction", "constant_design", "cross",
           "exp_inplace", "gram_products", "held_gram_products", "logsumexp_rows", "mreldif",
           "posterior_rows", "row_products", "row_sums", "rows_identical", "settles",
           "solve_normal_equations", "weighted_cross_products_classes",
           "weighted_least_squares", "weighted_products_classes", "weighted_residual_ss"]

# Rows per block of the row-wise reductions on large samples (temporaries stay in cache).
ROW_BLOCK = 65536


def constant_design(n: int) -> np.ndarray:
    """The design of an equation with a constant only: ``n`` rows of 1 as a read-only
    broadcast view, which takes no memory (a million rows would otherwise hold 8 MB of
    ones per equation and class model).

    Examples
    --------
    >>> c = constant_design(3)
    >>> c.tolist(), rows_identical(c)
    ([[1.0], [1.0], [1.0]], True)
    """
    return np.broadcast_to(np.ones((1, 1)), (n, 1))


def rows_identical(M: np.ndarray) -> bool:
    """Whether every row of ``M`` is the same row by construction (a broadcast view
    such as :func:`constant_design`: rows of stride 0).

    Examples
    --------
    >>> import numpy as np
    >>> rows_identical(np.ones((3, 1))), rows_identical(constant_design(3))
    (False, True)
    """
    return M.ndim == 2 and M.shape[0] > 1 and M.strides[0] == 0


def cross(M: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``M.T @ v`` for a vector ``v``; for a matrix of identical rows, that row times
    the sum of ``v`` (the same sum without a product per row).

    Examples
    --------
    >>> import numpy as np
    >>> cross(constant_design(3), np.array([1.0, 2.0, 3.0])).tolist()
    [6.0]
    """
    if rows_identical(M):
        return M[0] * float(v.sum())
    return M.T @ v


def mreldif(a: np.ndarray, b: np.ndarray) -> float:
    """Stata's ``mreldif()``: the largest relative difference ``|a - b| / (|b| + 1)``
    (0 for empty vectors), the convergence measure of EM and Newton-Raphson.

    Examples
    --------
    >>> import numpy as np
    >>> mreldif(np.array([1.0, 3.0]), np.array([1.0, 1.0]))
    1.0
    """
    if a.size == 0:
        return 0.0
    return float(np.max(np.abs(a - b) / (np.abs(b) + 1.0)))


def ascent_direction(g: np.ndarray, H: np.ndarray) -> tuple[np.ndarray, bool]:
    """Newton direction ``(-H)^{-1} g`` and ``True`` when ``-H`` is positive definite;
    otherwise a modified direction (absolute eigenvalues, floored, so that it is still
    an ascent direction) and ``False``.

    Examples
    --------
    >>> import numpy as np
    >>> ascent_direction(np.array([2.0]), np.array([[-4.0]]))[0].tolist()
    [0.5]
    """
    if g.size == 0:
        return g.copy(), True
    A = -0.5 * (H + H.T)
    try:
        L = np.linalg.cholesky(A)
        return np.linalg.solve(L.T, np.linalg.solve(L, g)), True
    except np.linalg.LinAlgError:
        pass
    vals, vecs = np.linalg.eigh(A)
    scale = float(np.max(np.abs(vals))) if vals.size else 1.0
    floor = max(scale * 1e-8, 1e-12)
    vals = np.maximum(np.abs(vals), floor)
    return vecs @ ((vecs.T @ g) / vals), False


def row_sums(a: np.ndarray) -> np.ndarray:
    """``a.sum(axis=1)`` by adding whole columns: the same numbers (with fewer than 8
    columns numpy adds a row's entries in order, as this does), without a reduction
    over the few entries of each row, which is slow on column-major arrays and very
    slow on row-major ones (100,000 x 2 row-major: about 15 times).

    Examples
    --------
    >>> import numpy as np
    >>> row_sums(np.array([[1.0, 2.0], [3.0, 4.0]])).tolist()
    [3.0, 7.0]
    """
    n, k = a.shape
    if k == 0 or k >= 8:
        return a.sum(axis=1)
    out = a[:, 0].astype(np.result_type(a.dtype, np.float64), copy=True)
    for j in range(1, k):
        out += a[:, j]
    return out


#: A full Newton step below this (relative) size leaves the Hessian good enough to
#: judge whether the next step is negligible from the new gradient alone (a chord
#: step, within a factor 1 + O(size) of Newton's): the Newton M-steps then skip the
#: Hessian that would only confirm convergence.
CHORD_STEP = 1e-4


def settles(size: float, previous: float | None, tol: float = 1e-10) -> bool:
    """Whether a Newton step of (relative) ``size`` that follows a full step of size
    ``previous`` is the last one worth taking: under quadratic convergence the error
    after it is about ``size**3 / previous**2`` (the steps shrink as ``e_{k+1} =
    C e_k**2``, ``C`` estimated from the two), and that must be below ``tol``.  Only
    trusted once the steps are small (``size < 1e-4``).  The fit then stops at the
    step's point without the derivatives there, which would only give a step of
    rounding size.

    Examples
    --------
    >>> settles(1e-6, 1e-3), settles(1e-6, 1e-5), settles(1e-6, None)
    (True, False, False)
    """
    return previous is not None and size < 1e-4 and size ** 3 < tol * previous ** 2


def logsumexp_rows(a: np.ndarray, underflow: bool = False) -> np.ndarray:
    """``log(sum(exp(a), axis=1))`` as a column ``(n, 1)``, stable, ``-inf`` for rows that
    are all ``-inf``.  Same values as ``scipy.special.logsumexp(a, axis=1,
    keepdims=True)`` at a fraction of its overhead on the small matrices of EM.

    Examples
    --------
    >>> import numpy as np
    >>> logsumexp_rows(np.log(np.array([[1.0, 3.0], [2.0, 2.0]]))).ravel().round(6).tolist()
    [1.386294, 1.386294]
    >>> logsumexp_rows(np.array([[-np.inf, -np.inf]])).tolist()
    [[-inf]]

    ``underflow=True`` when many entries lie far below their row's maximum (``-inf``
    where a class cannot produce a row): the same numbers by :func:`exp_inplace`'s
    guarded exponential.
    """
    n = a.shape[0]
    if n <= 2 * ROW_BLOCK:
        return _lse(a, underflow)
    out = np.empty((n, 1))
    for i in range(0, n, ROW_BLOCK):
        out[i:i + ROW_BLOCK] = _lse(a[i:i + ROW_BLOCK], underflow)
    return out


#: Arguments above this have normal exponentials (about 1e-261 and up), which numpy's
#: vectorized exp computes quickly; below it (where exp underflows towards subnormal
#: numbers or 0, and at -inf) it takes a slow path, up to 20 times slower.
_EXP_FAST = -600.0


def exp_inplace(v: np.ndarray, underflow: bool = True) -> np.ndarray:
    """``np.exp(v, out=v)``, the same numbers; with ``underflow`` the arguments below
    ``-600`` are not handed to numpy's exp (their exponentials are below 1e-260: 0
    from ``-746`` down and at ``-inf``, computed exactly in between, which is rare),
    which keeps it on its fast path: 100,000 entries, 60% of them ``-inf``: 0.59 ->
    0.2 ms.  Worth it only where such entries are common (a point-mass class); the
    check costs a comparison pass.

    Examples
    --------
    >>> import numpy as np
    >>> exp_inplace(np.array([0.0, -np.inf, -745.0, -800.0])).tolist()
    [1.0, 0.0, 5e-324, 0.0]
    """
    if underflow:
        low = v < _EXP_FAST
        if low.any():
            between = low & (v > -746.0)
            exact = np.exp(v[between]) if between.any() else None
            np.maximum(v, _EXP_FAST, out=v)
            np.exp(v, out=v)
            np.multiply(v, ~low, out=v)         # 0 where the argument was low
            if exact is not None:
                v[between] = exact
            return v
    return np.exp(v, out=v)


def _lse(a: np.ndarray, underflow: bool = False) -> np.ndarray:
    # Column by column, in place on two temporaries: the maximum, the sum of the
    # exponentials and its log are the same numbers as the reductions along a row
    # (``max``/``sum(axis=1)``: the same comparisons and additions in the same order),
    # and elementwise operations on whole columns beat reductions over the k entries of
    # each row (1.1-1.3 times on column-major arrays, 3-8 times on row-major ones).
    # (8 or more classes: numpy sums a contiguous row 8 at a time, in another order; the
    # reductions keep those numbers.)
    n, k = a.shape
    if k == 0:
        return np.full((n, 1), -np.inf)
    if k < 8:
        m = a[:, 0].copy()
        for j in range(1, k):
            np.maximum(m, a[:, j], out=m)
    else:
        m = a.max(axis=1)
    finite = np.isfinite(m)
    if finite.all():
        # No floating-point exceptions to silence: every row has a finite maximum, so
        # a - m <= 0 (or -inf) and each row sum is at least 1.  (No errstate: this runs
        # a few hundred times per fit on small data.)
        return _lse_shifted(a, m, underflow)
    m[~finite] = 0.0
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        return _lse_shifted(a, m, underflow)


def _lse_shifted(a: np.ndarray, m: np.ndarray, underflow: bool = False) -> np.ndarray:
    """``log(sum_j exp(a_j - m)) + m`` as a column ``(n, 1)``."""
    if a.shape[1] >= 8:
        e = a - m[:, None]
        exp_inplace(e, underflow)
        s = e.sum(axis=1, keepdims=True)
        np.log(s, out=s)
        s += m[:, None]
        return s
    s = np.empty((a.shape[0], 1))
    col = s[:, 0]
    np.subtract(a[:, 0], m, out=col)
    exp_inplace(col, underflow)
    if a.shape[1] > 1:
        tmp = np.empty_like(m)
        for j in range(1, a.shape[1]):
            np.subtract(a[:, j], m, out=tmp)
            exp_inplace(tmp, underflow)
            col += tmp
    np.log(col, out=col)
    col += m
    return s


def posterior_rows(a: np.ndarray, overwrite: bool = False, out: np.ndarray | None = None,
                   underflow: bool = False) -> tuple[np.ndarray, np.ndarray]:
    """Rows of ``exp(a)`` normalized to sum to one, ``exp(a - lse)``, and ``lse``, the
    :func:`logsumexp_rows` of ``a``; ``overwrite=True`` reuses ``a``'s memory for the
    result, ``out`` (same shape) receives it.  (Dividing ``exp(a - max)`` by its row sum would save an exponentiation,
    but rounds exactly symmetric rows to exactly symmetric posteriors, and a start at
    a symmetric saddle (``startvalues(zero)``) would never leave it.)  ``underflow``:
    see :func:`logsumexp_rows`.

    Examples
    --------
    >>> import numpy as np
    >>> post, lse = posterior_rows(np.log(np.array([[1.0, 3.0], [2.0, 2.0]])))
    >>> post.round(12).tolist(), lse.ravel().round(6).tolist()
    ([[0.25, 0.75], [0.5, 0.5]], [1.386294, 1.386294])
    """
    n = a.shape[0]
    if n <= 2 * ROW_BLOCK:
        lse = _lse(a, underflow)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            post = np.subtract(a, lse, out=out if out is not None else a if overwrite else None)
            exp_inplace(post, underflow)
        return post, lse
    # Large samples block by block (temporaries in cache); the same values row by row.
    post = out if out is not None else a if overwrite else np.empty_like(a)
    lse = np.empty((n, 1))
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        for i in range(0, n, ROW_BLOCK):
            rows = slice(i, i + ROW_BLOCK)
            lse[rows] = block = _lse(a[rows], underflow)
            p = post[rows]
            np.subtract(a[rows], block, out=p)
            exp_inplace(p, underflow)
    return post, lse


def weighted_least_squares(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Weighted least-squares coefficients (minimum-norm when ``X`` is rank deficient).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.arange(4.0), np.ones(4)])
    >>> np.round(weighted_least_squares(X, 2 * np.arange(4.0) + 1, np.ones(4)), 6)
    array([2., 1.])
    """
    if X.shape[1] == 0:
        return np.zeros(0)
    # Sufficient statistics X'WX and X'Wy: one pass over the rows, then a Cholesky solve
    # of the (equilibrated) normal equations; a rank-deficient or ill-conditioned X'WX
    # goes to the SVD least-squares solution instead.
    A, b = _weighted_cross_products(X, y, w)
    return solve_normal_equations(A, b, X, y, w)


def solve_normal_equations(A: np.ndarray, b: np.ndarray, X: np.ndarray, y: np.ndarray,
                           w: np.ndarray) -> np.ndarray:
    """The weighted least-squares coefficients from ``A = X'WX`` and ``b = X'Wy``
    (as :func:`weighted_least_squares` computes them): a Cholesky solve of the
    equilibrated normal equations, or the SVD least-squares solution of the rows
    when ``A`` is rank deficient or ill-conditioned.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.arange(4.0), np.ones(4)])
    >>> y = 2 * np.arange(4.0) + 1
    >>> np.round(solve_normal_equations(X.T @ X, X.T @ y, X, y, np.ones(4)), 6)
    array([2., 1.])
    """
    d = np.sqrt(A.diagonal())
    if X.shape[1] == 1:
        if d[0] > 0:
            return b / A[0]
    elif np.all(d > 0):
        As = A / (d[:, None] * d)
        try:
            L = np.linalg.cholesky(As)
        except np.linalg.LinAlgError:
            L = None
        if L is not None and np.min(L.diagonal()) ** 2 > 1e-10:
            return np.linalg.solve(As, b / d) / d
    sw = np.sqrt(np.maximum(w, 0.0))
    coef, *_ = np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)
    return coef


def _weighted_cross_products(X: np.ndarray, y: np.ndarray, w: np.ndarray
                             ) -> tuple[np.ndarray, np.ndarray]:
    """``X'WX`` and ``X'Wy`` with negative weights counted as 0 (one column of
    :func:`weighted_cross_products_classes`)."""
    if rows_identical(X):           # one row x: x x' sum(w) and x sum(w y)
        # (posteriors are never negative: no n-row copy unless a weight is)
        wp = w if w.size == 0 or w.min() >= 0.0 else np.maximum(w, 0.0)
        return np.outer(X[0], X[0]) * float(wp.sum()), X[0] * float(np.dot(wp, y))
    A, b, _ = weighted_cross_products_classes(X, y, w[:, None], np.zeros(1, int),
                                              squares=False)
    return A[0], b[0]


def weighted_cross_products_classes(X: np.ndarray, y: np.ndarray, W: np.ndarray,
                                    cols: np.ndarray, squares: bool = True
                                    ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``X'W_jX``, ``X'W_jy`` and (``squares``) ``y'W_jy`` for the columns ``j`` in
    ``cols`` of the weights ``W`` (``(len(cols), p, p)``, ``(len(cols), p)``,
    ``(len(cols),)``), negative weights counted as 0; a large sample block by block of
    rows (the same sums, added per block, with temporaries in cache), ``y^2`` formed
    once per block for all columns.  :func:`weighted_least_squares` takes its sums
    from here, so a column gives the same numbers alone or among many.

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.arange(3.0), np.ones(3)])
    >>> A, b, s = weighted_cross_products_classes(X, np.arange(3.0), np.ones((3, 1)),
    ...                                           np.array([0]))
    >>> A[0].tolist(), b[0].tolist(), s.tolist()
    ([[5.0, 3.0], [3.0, 3.0]], [5.0, 3.0], [5.0])
    """
    n, p = X.shape
    A = np.zeros((len(cols), p, p))
    b = np.zeros((len(cols), p))
    s = np.zeros(len(cols))
    step = n if n <= 2 * ROW_BLOCK else ROW_BLOCK
    for i in range(0, n, step):
        Xb, yb = X[i:i + step], y[i:i + step]
        y2 = yb * yb if squares else None
        for c, j in enumerate(cols):
            wb = np.maximum(W[i:i + step, j], 0.0)
            Xw = Xb * wb[:, None]
            A[c] += Xw.T @ Xb
            b[c] += Xw.T @ yb
            if y2 is not None:
                s[c] += np.dot(wb, y2)
    return A, b, s


def row_products(X: np.ndarray, y: np.ndarray) -> np.ndarray | None:
    """The products of every pair of columns of ``[X, y]`` on every row, ``(n, q)``
    column-major (pairs ``a <= b`` in :func:`numpy.triu_indices` order, ``q = (p + 1)
    (p + 2) / 2``): the weighted sums ``X'W_jX``, ``X'W_jy`` and ``y'W_jy`` of any
    weights are then one product ``W' P`` (see :func:`weighted_products_classes`).
    Worth holding for a design that EM refits many times; ``None`` when it would not
    pay or would hold too much: a design of fewer than 2 columns or of identical rows,
    or ``q`` more than three times the ``p + 1`` columns of ``[X, y]`` (``p > 4``).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.arange(3.0), np.ones(3)])
    >>> row_products(X, np.array([1.0, 2.0, 4.0]))[2].tolist()
    [4.0, 2.0, 8.0, 1.0, 4.0, 16.0]
    """
    if X.shape[1] < 2 or rows_identical(X) or not np.all(np.isfinite(y)):
        return None
    return _pair_products([X[:, a] for a in range(X.shape[1])] + [y])


def _pair_products(columns: list[np.ndarray]) -> np.ndarray | None:
    """The read-only ``(n, q)`` column-major products of every pair ``a <= b`` of
    ``columns`` (:func:`numpy.triu_indices` order), or ``None`` when ``q`` would be more
    than three times the number of columns (more than 5 columns)."""
    m = len(columns)
    q = m * (m + 1) // 2
    if q > 3 * m:
        return None
    P = np.empty((columns[0].shape[0], q), order="F")  # contiguous columns: one pass each
    for c, (a, b) in enumerate(zip(*np.triu_indices(m))):
        np.multiply(columns[a], columns[b], out=P[:, c])
    P.setflags(write=False)
    return P


@lru_cache(maxsize=16)
def _triangle(m: int) -> tuple[np.ndarray, np.ndarray]:
    """:func:`numpy.triu_indices` of ``m`` (every Hessian from held products uses them)."""
    return np.triu_indices(m)


def _symmetric_from_triangle(S: np.ndarray, m: int) -> np.ndarray:
    """``(r, m, m)`` symmetric matrices from the rows of ``S`` ``(r, q)``, each the upper
    triangle in :func:`numpy.triu_indices` order."""
    ia, ib = _triangle(m)
    full = np.empty((S.shape[0], m, m))
    full[:, ia, ib] = S
    full[:, ib, ia] = S
    return full


class GramProducts:
    """The products of every pair of columns of a design ``M`` ``(n, p)`` on every row,
    held so that any weighted Gram matrix ``M' diag(v) M`` -- the Hessian of a Newton
    M-step, at every iteration of every EM step -- is one matrix-vector product over
    ``p (p + 1) / 2`` contiguous columns instead of an ``n x p`` temporary and a
    matrix product (the same sums of the same per-row products, added in another
    order: they agree to rounding).  Build with :func:`gram_products`.

    Examples
    --------
    >>> import numpy as np
    >>> M = np.column_stack([np.arange(3.0), np.ones(3)])
    >>> gram_products(M).gram(np.array([1.0, 1.0, 2.0])).tolist()
    [[9.0, 5.0], [5.0, 4.0]]
    """

    __slots__ = ("P", "p")

    def __init__(self, P: np.ndarray, p: int):
        self.P = P
        self.p = p

    def gram(self, v: np.ndarray) -> np.ndarray:
        """``M' diag(v) M``, ``(p, p)``."""
        return _symmetric_from_triangle((v @ self.P)[None, :], self.p)[0]

    def grams(self, V: np.ndarray) -> np.ndarray:
        """``M' diag(V[:, j]) M`` for every column ``j`` of ``V``, ``(m, p, p)``."""
        return _symmetric_from_triangle(V.T @ self.P, self.p)


def gram_products(M: np.ndarray) -> GramProducts | None:
    """:class:`GramProducts` of a design, or ``None`` when holding them would not pay or
    would hold too much: fewer than 2 columns, identical rows (a broadcast constant),
    a non-finite entry, or more than 5 columns (``p (p + 1) / 2 > 3 p``).

    Examples
    --------
    >>> import numpy as np
    >>> gram_products(np.ones((3, 1))) is None
    True
    >>> gram_products(np.column_stack([np.arange(3.0), np.ones(3)])).P.shape
    (3, 3)
    """
    if M.ndim != 2 or M.shape[1] < 2 or rows_identical(M) or not np.all(np.isfinite(M)):
        return None
    P = _pair_products([M[:, a] for a in range(M.shape[1])])
    return None if P is None else GramProducts(P, M.shape[1])


_HELD_GRAMS: dict[int, GramProducts | None] = {}


def held_gram_products(M: np.ndarray) -> GramProducts | None:
    """:func:`gram_products` of ``M``, computed once while the array lives (the start
    fits and every EM M-step of one design share them; the design is never written
    to).

    Examples
    --------
    >>> import numpy as np
    >>> M = np.column_stack([np.arange(3.0), np.ones(3)])
    >>> held_gram_products(M) is held_gram_products(M)
    True
    """
    key = id(M)
    if key not in _HELD_GRAMS:
        _HELD_GRAMS[key] = gram_products(M)
        weakref.finalize(M, _HELD_GRAMS.pop, key, None)
    return _HELD_GRAMS[key]


def weighted_products_classes(P: np.ndarray, W: np.ndarray, cols: np.ndarray, p: int
                              ) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """:func:`weighted_cross_products_classes` from the :func:`row_products` ``P`` of a
    design of ``p`` columns: ``X'W_jX``, ``X'W_jy`` and ``y'W_jy`` for the columns
    ``cols`` of ``W`` as one product ``W' P`` (the same sums of the same per-row
    products, added in another order: they agree to rounding).  ``None`` when a weight
    is negative (the caller then counts it as 0 the row-by-row way).

    Examples
    --------
    >>> import numpy as np
    >>> X = np.column_stack([np.arange(3.0), np.ones(3)])
    >>> A, b, s = weighted_products_classes(row_products(X, np.arange(3.0)),
    ...                                     np.ones((3, 1)), np.array([0]), 2)
    >>> A[0].tolist(), b[0].tolist(), s.tolist()
    ([[5.0, 3.0], [3.0, 3.0]], [5.0, 3.0], [5.0])
    """
    if W.size and W.min() < 0.0:
        return None
    if not (len(cols) == W.shape[1] and np.array_equal(cols, np.arange(W.shape[1]))):
        W = W[:, cols]
    full = _symmetric_from_triangle(W.T @ P, p + 1)
    return full[:, :p, :p].copy(), full[:, :p, p].copy(), full[:, p, p].copy()


def weighted_residual_ss(X: np.ndarray, y: np.ndarray, beta: np.ndarray, w: np.ndarray
                         ) -> float:
    """``sum w (y - X beta)^2``; a large sample block by block of rows.

    Examples
    --------
    >>> import numpy as np
    >>> weighted_residual_ss(np.ones((2, 1)), np.array([1.0, 3.0]), np.array([2.0]),
    ...                      np.array([1.0, 2.0]))
    3.0
    """
    n = X.shape[0]
    if n <= 2 * ROW_BLOCK:
        return _residual_ss(X, y, beta, w)
    return sum(_residual_ss(X[i:i + ROW_BLOCK], y[i:i + ROW_BLOCK], beta, w[i:i + ROW_BLOCK])
               for i in range(0, n, ROW_BLOCK))


def _residual_ss(X: np.ndarray, y: np.ndarray, beta: np.ndarray, w: np.ndarray) -> float:
    # One column: x_i b directly (BLAS's one-column gemv is about 10 times slower; the
    # same products, and the squares do not see a zero's sign).
    if rows_identical(X):           # y - x b with one x: no product per row
        resid = y - float(X[0] @ beta)
    else:
        resid = X[:, 0] * beta[0] if X.shape[1] == 1 else X @ beta
        np.subtract(y, resid, out=resid)
    resid *= resid
    return float(np.dot(w, resid))
