"""Degenerate solutions: checks before the fit and diagnoses after it.

Before fitting (:func:`check_data`), a dependent variable that is constant in the
estimation sample, or a continuous outcome with no more distinct values than
classes, is a :class:`~fmmpy.errors.FMMDataError`: every class could sit on one
value, where the likelihood is unbounded.

After fitting (:func:`diagnose`), each of these is reported with its classes:

``boundary``
    a class probability at the boundary: the estimated probability of the class is
    below ``1e-6``; its parameters are not identified;
``empty``
    fewer than one observation's worth of posterior probability in a class;
``collapsed``
    a class's scale parameter (a block with ``Block.scale_power != 0``: a variance,
    a log standard deviation, or a precision such as Weibull's ``ln_p`` or betareg's
    ``ln_phi``, with a negative power) shrank to less than ``1e-4`` times its one-class
    value (in standard-deviation terms): the class sits on a few repeated values, the
    likelihood is unbounded there and the estimates are not a maximum;
``identical``
    two or more classes with the same estimates: the data do not distinguish them.

Nothing here depends on which family a class carries.

Examples
--------
>>> import fmmpy
>>> from fmmpy.parse import parse_command
>>> from fmmpy.design import build_design
>>> from fmmpy.estimate.layout import build_layout
>>> d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
>>> m = MixtureModel(d, build_layout(d))
>>> theta = np.array([0.0, 0.08, np.log(1e-4), 0.08, np.log(1e-4)])
>>> [(x.kind, x.classes) for x in diagnose(m, theta)]
[('identical', (1, 2))]
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..design import EquationDesign
from ..display.format import fmt_g
from ..errors import FMMDataError
from .model import MixtureModel
from .start import shared_one_class_params

__all__ = ["Diagnosis", "check_data", "diagnose", "Reference", "DEGENERATE_KINDS"]

#: Diagnosis kinds that make a solution degenerate.
DEGENERATE_KINDS = frozenset({"boundary", "empty", "collapsed", "identical"})

_BOUNDARY = 1e-6
_COLLAPSE = 1e-4


@dataclass(frozen=True)
class Diagnosis:
    """One problem found in a solution.

    Attributes
    ----------
    kind : str
        ``boundary``, ``empty``, ``collapsed`` or ``identical``.
    classes : tuple of int
        The classes concerned (1-based).
    message : str
        What happened, for the user.
    """

    kind: str
    classes: tuple[int, ...]
    message: str


def _distinct_rows(y: np.ndarray, cap: int | None = None) -> int:
    """The number of distinct values (rows, for several columns) of ``y``; with ``cap``
    counted only up to ``cap``: one pass per value found instead of sorting them all."""
    if cap is None:
        return int(np.unique(y, axis=0).shape[0])
    found = 0
    rest = y
    while rest.shape[0] and found < cap:
        differ = rest != rest[0]
        rest = rest[differ if rest.ndim == 1 else differ.any(axis=1)]
        found += 1
    return found


def _outcome_values(ed: EquationDesign) -> np.ndarray:
    """The values the family models (``_t`` for streg, both bounds for intreg)."""
    cols = ed.family.factor_columns(ed.outcome)
    return cols[0] if len(cols) == 1 else np.column_stack(cols)


def _outcome_name(ed: EquationDesign) -> str:
    """The dependent variables, or the equation's name when there are none (``_t``)."""
    return " ".join(ed.depvars) or ed.blocks[0].equation


def check_data(model: MixtureModel) -> None:
    """Refuse data that cannot carry the model.

    Raises
    ------
    FMMDataError
        Fewer observations than classes, a dependent variable that is constant, or a
        continuous outcome (a family with a scale parameter) with no more distinct
        values than classes.
    """
    if model.n < model.k:
        raise FMMDataError(f"{model.k} classes cannot be estimated from {model.n} observations")
    by_depvar: dict[tuple[str, ...], tuple[EquationDesign, set[int]]] = {}
    for ed, classes in model.unique_equations:
        y = _outcome_values(ed)
        name = _outcome_name(ed)
        distinct = _distinct_rows(y, 2)
        if distinct < 2:
            value = fmt_g(float(np.ravel(y)[0]), 9).strip() if y.size else "."
            raise FMMDataError(f"{name} is constant in the estimation sample (every value is "
                               f"{value}); there is nothing for a mixture to model")
        if any(b.scale_power for b in ed.blocks):
            entry = by_depvar.setdefault(ed.depvars, (ed, set()))
            entry[1].update(classes)
    for ed, classes in by_depvar.values():
        distinct = _distinct_rows(_outcome_values(ed), len(classes) + 1)
        if len(classes) > 1 and distinct <= len(classes):
            raise FMMDataError(
                f"{_outcome_name(ed)} has only {distinct} distinct values in the estimation "
                f"sample, too few for {len(classes)} classes of a continuous distribution: each "
                "class could sit on one value, where the likelihood is unbounded")


class Reference:
    """One-class fits of the equations, the yardstick for collapsing scales (fitted
    when first asked for: only an equation with a scale parameter needs one).

    Parameters
    ----------
    model : MixtureModel
    """

    def __init__(self, model: MixtureModel):
        self._model = model

    def params(self, ed: EquationDesign) -> np.ndarray:
        return shared_one_class_params(self._model, ed)


def diagnose(model: MixtureModel, theta: np.ndarray, reference: Reference | None = None,
             post: np.ndarray | None = None) -> tuple[Diagnosis, ...]:
    """Degenerate features of the solution ``theta`` (see the module docstring);
    ``post``, the posteriors at ``theta``, may be passed when the caller has them."""
    out: list[Diagnosis] = []
    if post is None:
        post, ll = model.posterior(theta)
        if not np.isfinite(ll):
            return ()
    w = model.w
    # one row for a constant-only class model (no n x k temporaries)
    pi = np.exp(model.classmodel.logprob(model.layout.deltas(theta), compact=True))
    share = pi[0] if pi.shape[0] == 1 else (w @ pi) / w.sum()
    counts = w @ post
    gone: set[int] = set()
    for j in range(model.k):
        if share[j] < _BOUNDARY:
            gone.add(j)
            out.append(Diagnosis("boundary", (j + 1,), (
                f"class {j + 1}'s probability is at the boundary (estimated "
                f"{fmt_g(share[j], 9).strip()}): the class is empty and its parameters are "
                "not identified")))
        elif counts[j] < 1.0:
            gone.add(j)
            out.append(Diagnosis("empty", (j + 1,), (
                f"class {j + 1} is empty: its posterior probabilities add up to "
                f"{fmt_g(counts[j], 9).strip()} observations")))
    reference = reference or Reference(model)
    modal = None
    for j in range(model.k):
        if j in gone:
            continue
        for ed, sl in model.equations[j]:
            values = theta[sl]
            pos = 0
            for blk, size in zip(ed.blocks, ed.sizes):
                if blk.scale_power:
                    ref = reference.params(ed)      # (fitted on first use)
                    ratio = np.exp((values[pos] - ref[pos]) / blk.scale_power)
                    if ratio < _COLLAPSE:
                        if modal is None:
                            modal = np.argmax(post, axis=1)
                        rows = ed.to_rows(modal == j)
                        # the modelled values (streg's _t, not its empty depvar)
                        m = _distinct_rows(_outcome_values(ed)[rows]) if rows.any() else 0
                        name = _outcome_name(ed)
                        out.append(Diagnosis("collapsed", (j + 1,), (
                            f"class {j + 1} collapsed onto {m} distinct value"
                            f"{'' if m == 1 else 's'} of {name}: its {blk.term} implies a "
                            f"standard deviation {ratio:.1e} times that of the one-class fit; "
                            "the likelihood is unbounded there, so this is a degenerate "
                            "solution, not a maximum")))
                        break
                pos += size
    out.extend(_identical(model, theta, gone))
    return tuple(out)


def _identical(model: MixtureModel, theta: np.ndarray, gone: set[int]) -> list[Diagnosis]:
    groups: list[list[int]] = []
    for j in range(model.k):
        if j in gone:
            continue
        for g in groups:
            if _same_class(model, theta, g[0], j):
                g.append(j)
                break
        else:
            groups.append([j])
    out = []
    for g in groups:
        if len(g) > 1:
            names = " and ".join([", ".join(str(j + 1) for j in g[:-1]), str(g[-1] + 1)])
            out.append(Diagnosis("identical", tuple(j + 1 for j in g), (
                f"classes {names} have the same estimates: the data do not distinguish them "
                "(too many classes for these data, or a symmetric start)")))
    return out


def _same_class(model: MixtureModel, theta: np.ndarray, a: int, b: int) -> bool:
    ea, eb = model.equations[a], model.equations[b]
    if len(ea) != len(eb):
        return False
    for (da, sa), (db, sb) in zip(ea, eb):
        if da.spec != db.spec or (sa.stop - sa.start) != (sb.stop - sb.start):
            return False
        if not np.allclose(theta[sa], theta[sb], rtol=1e-5, atol=1e-8):
            return False
    return True
