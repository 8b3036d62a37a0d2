"""The latent classes of a fit: classification statistics and relabeling.

:func:`lcstats` summarizes how well the classes are separated: the relative entropy
``E = 1 - sum_i w_i sum_j (-p_ij ln p_ij) / (N ln k)`` (1: every observation's
posterior probabilities are 0 or 1; 0: all equal), and per class the estimated
class probability, the expected share (mean posterior), the share of observations
whose most likely class it is, and the average posterior probability of those
observations (AvePP).

:func:`relabel` permutes the classes of a fit without refitting: outcome parameters
move with their class and the class-model coefficients are re-expressed against the
base class (``delta'_i = delta_order[i] - delta_order[base]``), a linear map ``A``
of the parameters, so the variance becomes ``A V A'``.

Examples
--------
>>> import fmmpy
>>> res = fmmpy.fmm("3: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
>>> res.lcstats().to_frame()["avepp"].round(3).tolist()
[0.928, 0.869, 0.991]
>>> r = res.relabel([3, 1, 2])
>>> round(r.llf, 4) == round(res.llf, 4)
True
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

from .checks import check_int
from .design import ClassDesign
from .display.format import fmt_fc, fmt_g
from .display.tables import header_lines, rule
from .errors import FMMSyntaxError
from .estimate.layout import build_layout

if TYPE_CHECKING:  # pragma: no cover
    from .results import FMMResults

__all__ = ["LCStats", "lcstats", "relabel", "entropy"]


def entropy(post: np.ndarray, w: np.ndarray) -> float:
    """Relative entropy of posterior class probabilities ``(n, k)`` with weights ``w``
    (``nan`` for one class).

    Examples
    --------
    >>> import numpy as np
    >>> entropy(np.array([[1.0, 0.0], [0.0, 1.0]]), np.ones(2))
    1.0
    >>> entropy(np.full((4, 2), 0.5), np.ones(4))
    0.0
    """
    k = post.shape[1]
    if k < 2:
        return float("nan")
    with np.errstate(divide="ignore", invalid="ignore"):
        plogp = np.where(post > 0, post * np.log(post), 0.0)
    return float(1.0 + np.dot(w, plogp.sum(axis=1)) / (w.sum() * np.log(k)))


@dataclass(frozen=True)
class LCStats:
    """Classification statistics of a fit (see :func:`lcstats`).

    Attributes
    ----------
    entropy : float
    nobs : int
    label : str
    frame : DataFrame
        One row per class: ``classpr`` (estimated class probability), ``expected``
        (mean posterior probability), ``modal`` (share of observations most likely in
        the class), ``avepp`` (their average posterior probability of it).
    """

    entropy: float
    nobs: int
    label: str
    frame: pd.DataFrame

    def to_frame(self) -> pd.DataFrame:
        """The per-class numbers (a copy)."""
        return self.frame.copy()

    def __str__(self) -> str:
        lines = header_lines("Latent class classification", [("Number of obs", fmt_fc(self.nobs))],
                             [f"Entropy = {fmt_g(self.entropy, 9).strip()}"])
        w = 62
        lines += ["", "-" * w,
                  f"{'':13}|  Class pr.   Expected      Modal      AvePP",
                  rule("mid", w), f"{self.label[:12]:>12} |"]
        for idx, r in self.frame.iterrows():
            lines.append(f"{str(idx) + '  ':>13}|{fmt_g(r.classpr, 9):>11}{fmt_g(r.expected, 9):>11}"
                         f"{fmt_g(r.modal, 9):>11}{fmt_g(r.avepp, 9):>11}")
        lines.append("-" * w)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def lcstats(res: "FMMResults") -> LCStats:
    """Entropy and per-class classification statistics of ``res``.

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> round(float(res.lcstats().to_frame()["expected"].sum()), 12)
    1.0
    """
    post = res.posterior
    pi = np.exp(res.model.class_logprob(res.fit.theta))
    w = res.design.weights
    wn = w / w.sum()
    modal = np.argmax(post, axis=1)
    rows = []
    for j in range(res.k):
        mine = modal == j
        rows.append({"classpr": float(wn @ pi[:, j]), "expected": float(wn @ post[:, j]),
                     "modal": float(wn[mine].sum()),
                     "avepp": float(np.average(post[mine, j], weights=w[mine]))
                     if mine.any() else float("nan")})
    frame = pd.DataFrame(rows, index=pd.Index(range(1, res.k + 1), name=res.layout.label))
    return LCStats(entropy(post, w), res.nobs, res.layout.label, frame)


def relabel(res: "FMMResults", order: Sequence[int]) -> "FMMResults":
    """The same fit with classes permuted: new class ``i`` is old class ``order[i-1]``.

    Raises
    ------
    FMMSyntaxError
        When ``order`` is not a permutation of ``1..k``, or the classes have different
        class-probability covariates (hybrid syntax with ``lcprob()`` in components).

    Examples
    --------
    >>> import fmmpy
    >>> res = fmmpy.fmm("2: regress thickness", data=fmmpy.datasets.load("stamp"), log=False)
    >>> r = res.relabel([2, 1])
    >>> round(float(r.params["2.Class:_cons"]), 6) == round(-float(res.params["2.Class:_cons"]), 6)
    True
    """
    k = res.k
    if isinstance(order, (str, bytes)) or not isinstance(order, Iterable):
        raise FMMSyntaxError("relabel(): order must be class numbers")
    try:
        perm = [check_int(o, "relabel(): each class number") - 1 for o in order]
    except FMMSyntaxError:
        raise FMMSyntaxError(f"relabel(): order must be class numbers; got {order!r}") from None
    if sorted(perm) != list(range(k)):
        raise FMMSyntaxError(f"relabel(): order must list each class 1 to {k} once; got "
                             f"{list(order)}")
    design, spec = res.design, res.spec
    zclasses = [cd for cd in design.classes if cd.Z is not None]
    if len({cd.znames for cd in zclasses}) > 1 or any(
            c.lcprob is not None for c in spec.components if spec.hybrid):
        raise FMMSyntaxError("relabel() needs the same class-probability covariates in every "
                             "class; fit the model with the classes in the order you want")
    base = design.base
    zc = zclasses[0] if zclasses else None
    classes = tuple(ClassDesign(design.classes[o].equations,
                                None if i == base or zc is None else zc.Z,
                                () if i == base or zc is None else zc.znames,
                                None if i == base or zc is None else zc.zbuilder)
                    for i, o in enumerate(perm))
    if spec.hybrid:
        spec = replace(spec, components=tuple(spec.components[o] for o in perm))
    new_design = replace(design, spec=spec, classes=classes)
    old_lay = res.layout
    new_lay = build_layout(new_design)
    A = _relabel_map(old_lay, new_lay, perm, base)
    lay = replace(new_lay, T=A @ old_lay.T, c=A @ old_lay.c,
                  constraint_text=old_lay.constraint_text)
    fit = res.fit
    Ainv = np.linalg.inv(A)
    em = fit.em if fit.em is None else replace(fit.em, theta=A @ fit.em.theta)
    new_fit = replace(fit, layout=lay, theta=A @ fit.theta,
                      grad=None if fit.grad is None else Ainv.T @ fit.grad,
                      vcov=A @ fit.vcov @ A.T,
                      unidentified=(np.abs(A) @ fit.unidentified.astype(float)) > 0,
                      start_theta=A @ fit.start_theta, em=em)
    return type(res)(spec=spec, design=new_design, fit=new_fit, command=str(spec))


def _relabel_map(old, new, perm: list[int], base: int) -> np.ndarray:  # noqa: ANN001
    """The matrix taking old parameters to relabeled ones."""
    p = old.n_params
    A = np.zeros((p, p))
    old_blocks = {(b.cls, b.eq, b.block): b for b in old.blocks if b.kind != "class"}
    for b in new.blocks:
        if b.kind == "class":
            continue
        ob = old_blocks[(perm[b.cls], b.eq, b.block)]
        A[b.slice, ob.slice] = np.eye(len(b.terms))
    ref = old.class_block(perm[base])
    for i in range(new.k):
        nb = new.class_block(i)
        if nb is None:
            continue
        ob = old.class_block(perm[i])
        if ob is not None:
            A[nb.slice, ob.slice] += np.eye(len(nb.terms))
        if ref is not None:
            A[nb.slice, ref.slice] -= np.eye(len(nb.terms))
    return A
