"""Parameters <-> linear predictors: the numerics every family and the estimators share.

A family's parameters come in blocks (:class:`~fmmpy.families.base.Block`), each a
linear predictor: ``X @ b`` for a block with a design, a constant for an ancillary
parameter.  These functions turn parameters into linear predictors, and derivatives
with respect to the linear predictors into scores, gradients and Hessians with
respect to the parameters.

Examples
--------
>>> import numpy as np
>>> from fmmpy.families.base import Block
>>> linear_predictors([Block("y")], {"main": np.array([[1.0, 2.0]])}, np.array([3.0, 1.0]), 1)
array([[5.]])
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING

import numpy as np

from ..linalg import GramProducts, cross, held_gram_products, rows_identical

if TYPE_CHECKING:  # pragma: no cover
    from .base import Block

__all__ = ["block_sizes", "design_grams", "grad_hess_from_eta", "linear_predictors", "score_matrix"]


def _design_for(block: Block, X: Mapping[str, np.ndarray], n: int) -> np.ndarray | None:
    if block.design == "const":
        return None
    if block.design == "none":
        return np.zeros((n, 0))
    return X[block.design]


def block_sizes(blocks: Sequence[Block], X: Mapping[str, np.ndarray]) -> list[int]:
    """Number of parameters of each block.

    Examples
    --------
    >>> import numpy as np
    >>> from fmmpy.families.base import Block
    >>> block_sizes([Block("y"), Block("y", "const", "variance")], {"main": np.ones((4, 3))})
    [3, 1]
    """
    return [1 if b.design == "const" else 0 if b.design == "none" else X[b.design].shape[1]
            for b in blocks]


def score_matrix(blocks: Sequence[Block], X: Mapping[str, np.ndarray], d1: np.ndarray,
                 out: np.ndarray | None = None) -> np.ndarray:
    """Per-row scores ``(n, p)`` with respect to the parameters, from the derivatives
    ``d1`` with respect to the linear predictors (written into ``out`` when given).

    Examples
    --------
    >>> import numpy as np
    >>> from fmmpy.families.base import Block
    >>> score_matrix([Block("y"), Block("y", "const", "variance")],
    ...              {"main": np.array([[1.0, 2.0]])}, np.array([[3.0, 4.0]]))
    array([[3., 6., 4.]])
    """
    n = d1.shape[0]
    if out is None:
        out = np.empty((n, sum(block_sizes(blocks, X))))
    pos = 0
    for b, blk in enumerate(blocks):
        M = _design_for(blk, X, n)
        if M is None:
            out[:, pos] = d1[:, b]
            pos += 1
        else:
            np.multiply(M, d1[:, b:b + 1], out=out[:, pos:pos + M.shape[1]])
            pos += M.shape[1]
    return out


def linear_predictors(blocks: Sequence[Block], X: Mapping[str, np.ndarray], params: np.ndarray,
                      n: int, offset: np.ndarray | None = None) -> np.ndarray:
    """The ``(n, m)`` matrix of linear predictors for a parameter vector.

    The offset (``offset()``/``exposure()``) is added to the first block.

    Examples
    --------
    >>> import numpy as np
    >>> from fmmpy.families.base import Block
    >>> linear_predictors([Block("y"), Block("y", "const", "variance")],
    ...                   {"main": np.ones((2, 1))}, np.array([3.0, 0.5]), 2)
    array([[3. , 0.5],
           [3. , 0.5]])
    """
    eta = np.empty((n, len(blocks)), order="F")  # a contiguous column per block
    pos = 0
    for j, b in enumerate(blocks):
        Xb = _design_for(b, X, n)
        if Xb is None:
            eta[:, j] = params[pos]
            pos += 1
        else:
            p = Xb.shape[1]
            if p == 1:
                # x_i b: the one product the matrix-vector product makes (+0.0 gives its
                # zero sign), without BLAS's slow one-column gemv
                np.multiply(Xb[:, 0], params[pos], out=eta[:, j])
                eta[:, j] += 0.0
            elif p:
                np.matmul(Xb, params[pos:pos + p], out=eta[:, j])
            else:
                eta[:, j] = 0.0
            pos += p
    if offset is not None:
        eta[:, 0] += offset
    return eta


def grad_hess_from_eta(blocks: Sequence[Block], X: Mapping[str, np.ndarray], w: np.ndarray,
                       d1: np.ndarray, d2: np.ndarray | None,
                       grams: Mapping[str, GramProducts] | None = None
                       ) -> tuple[np.ndarray, np.ndarray | None]:
    """Gradient and Hessian of ``sum_i w_i ll_i`` with respect to the parameters, from
    the derivatives with respect to the linear predictors.

    ``grams`` maps design names to their held :class:`~fmmpy.linalg.GramProducts`: a
    Hessian block of two linear predictors on the same design is then one
    matrix-vector product (the same sums, to rounding).

    Examples
    --------
    >>> import numpy as np
    >>> from fmmpy.families.base import Block
    >>> b = [Block("y")]
    >>> g, H = grad_hess_from_eta(b, {"main": np.ones((3, 1))}, np.ones(3),
    ...                           np.array([[1.0], [2.0], [3.0]]), -np.ones((3, 1, 1)))
    >>> g, H
    (array([6.]), array([[-3.]]))
    """
    n = d1.shape[0]
    mats = [_design_for(b, X, n) for b in blocks]
    sizes = [1 if M is None else M.shape[1] for M in mats]
    offsets = np.concatenate([[0], np.cumsum(sizes)])
    p = int(offsets[-1])
    if mats and n > 1 and all(M is None or rows_identical(M) for M in mats):
        return _grad_hess_same_rows(mats, w, d1, d2)
    g = np.empty(p)
    for j, M in enumerate(mats):
        wd = w * d1[:, j]
        g[offsets[j]:offsets[j + 1]] = wd.sum() if M is None else cross(M, wd)
    if d2 is None:
        return g, None
    H = np.empty((p, p))
    for j, Mj in enumerate(mats):
        for k in range(j, len(mats)):
            Mk = mats[k]
            wd = w * d2[:, j, k]
            if Mj is None and Mk is None:
                blk = np.array([[wd.sum()]])
            elif Mj is None:
                blk = cross(Mk, wd)[None, :]
            elif Mk is None:
                blk = cross(Mj, wd)[:, None]
            elif rows_identical(Mj) and rows_identical(Mk):
                blk = np.outer(Mj[0], Mk[0]) * float(wd.sum())
            elif grams and blocks[j].design == blocks[k].design and blocks[j].design in grams:
                blk = grams[blocks[j].design].gram(wd)
            else:
                blk = Mj.T @ (Mk * wd[:, None])
            H[offsets[j]:offsets[j + 1], offsets[k]:offsets[k + 1]] = blk
            if k != j:
                H[offsets[k]:offsets[k + 1], offsets[j]:offsets[j + 1]] = blk.T
    return g, H


def _grad_hess_same_rows(mats: list, w: np.ndarray, d1: np.ndarray, d2: np.ndarray | None
                         ) -> tuple[np.ndarray, np.ndarray | None]:
    """:func:`grad_hess_from_eta` when every block's design has identical rows (a
    constant, or a broadcast row ``x``): the weighted sums of the derivatives, one
    matrix-vector product each for the gradient and the Hessian, times ``x`` (``x x'``)."""
    n, b = d1.shape
    rows = [np.ones(1) if M is None else M[0] for M in mats]
    x = np.concatenate(rows)
    block = np.repeat(np.arange(b), [r.shape[0] for r in rows])
    g = x * (d1.T @ w)[block]
    if d2 is None:
        return g, None
    h = (d2.reshape(n, b * b, order="F").T @ w).reshape(b, b, order="F")
    return g, np.outer(x, x) * h[np.ix_(block, block)]


def design_grams(X: Mapping[str, np.ndarray]) -> dict[str, GramProducts] | None:
    """The :class:`~fmmpy.linalg.GramProducts` of every design in ``X`` that holds them
    (2 to 5 columns, rows not identical), for :func:`grad_hess_from_eta`'s ``grams``;
    ``None`` when no design does.

    Examples
    --------
    >>> import numpy as np
    >>> sorted(design_grams({"main": np.column_stack([np.arange(3.0), np.ones(3)])}))
    ['main']
    >>> design_grams({"main": np.ones((3, 1))}) is None
    True
    """
    held = {name: g for name, M in X.items() if (g := held_gram_products(M)) is not None}
    return held or None
