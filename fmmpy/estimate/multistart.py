"""Several starts: Stata's ``draws()`` and the search for a higher maximum.

``startvalues(randomid | randompr | jitter, draws(#))``: every draw is refined by
EM (``emopts()``), and the draw with the best mixture log likelihood after EM goes
on to full maximum likelihood, as Stata describes it.  With one draw the start is
logged as usual (class model, outcome model, EM); with several, one line per draw.

The search (:func:`search_higher`) runs after a fit from a deterministic start (the
default ``factor``): a small number of ``randompr`` draws, screened by EM only.  A
draw whose EM log likelihood already exceeds the reported one (EM never lowers the
likelihood, so its maximum is higher too) gets full maximum likelihood; if that
lands on a higher, non-degenerate maximum the reported results are kept and a
warning says how to obtain the better ones.  The search never changes the reported
estimates.

Long loops report to an optional ``progress`` callable, which receives a
:class:`Progress` after each start.

Examples
--------
>>> import fmmpy
>>> df = fmmpy.datasets.load("stamp")
>>> res = fmmpy.fmm("2: regress thickness", data=df, log=False,
...                 startvalues="randompr, draws(3) seed(2)", search=False)
>>> ms = res.multistart
>>> ms.kind, len(ms.to_frame())
('draws', 3)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..checks import check_int
from ..display.format import fmt_g
from ..errors import FMMConvergenceError, FMMError, FMMSyntaxError
from ..parse.spec import FMMSettings, StartValues
from .diagnose import Reference, diagnose
from .em import EMResult, em_refine
from .log import IterationLog
from .ml import maximize_likelihood
from .model import MixtureModel
from .start import RANDOM_METHODS, fit_from_posteriors, make_rng, start_point

__all__ = ["Progress", "Search", "StartRecord", "MultiStart", "initial_values",
           "search_higher", "resolve_search"]


@dataclass(frozen=True)
class Progress:
    """One step of a long loop, for a progress display.

    Attributes
    ----------
    stage : str
        ``"draws"``, ``"search"`` or ``"select_k"``.
    done, total : int
        Steps finished and planned.
    ll : float or None
        The log likelihood the step reached, when it has one.
    """

    stage: str
    done: int
    total: int
    ll: float | None = None


ProgressCallback = Callable[[Progress], None]


@dataclass(frozen=True)
class Search:
    """The budget of the search for a higher maximum after a deterministic start.

    Attributes
    ----------
    draws : int
        Number of random starts (``randompr``).
    seed : int
        Seed of their random-number generator.
    iterate : int or None
        EM iterations per start (default: ``emopts(iterate())``, 20).

    Examples
    --------
    >>> str(Search())
    'randompr, draws(10) seed(1)'
    """

    draws: int = 10
    seed: int = 1
    iterate: int | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "draws", check_int(self.draws, "search: draws", minimum=0))
        object.__setattr__(self, "seed", check_int(self.seed, "search: seed", minimum=0))
        if self.iterate is not None:
            object.__setattr__(self, "iterate",
                               check_int(self.iterate, "search: iterate", minimum=0))

    def __str__(self) -> str:
        return f"randompr, draws({self.draws}) seed({self.seed})"


def resolve_search(search: object) -> Search | None:
    """``True``/``None`` -> the default budget, ``False`` -> no search, an int -> that many
    draws, a mapping -> :class:`Search` fields, a :class:`Search` as is.

    Examples
    --------
    >>> resolve_search(5)
    Search(draws=5, seed=1, iterate=None)
    >>> resolve_search(False) is None
    True
    """
    if search is None or search is True:
        return Search()
    if search is False:
        return None
    if isinstance(search, Search):
        return search
    if isinstance(search, (int, np.integer)) and not isinstance(search, bool):
        if search < 0:
            raise FMMSyntaxError("search= must be a nonnegative number of starts")
        return Search(draws=int(search)) if search else None
    if isinstance(search, dict):
        try:
            return Search(**search)
        except TypeError as exc:
            raise FMMSyntaxError(f"search=: {exc}") from None
    raise FMMSyntaxError("search= must be True, False, a number of starts or a dict "
                         "(draws=, seed=, iterate=)")


@dataclass(frozen=True)
class StartRecord:
    """One start of several.

    Attributes
    ----------
    label : str
        ``draw 3``, ``reported`` ...
    em_ll : float
        Mixture log likelihood after the EM refinement (``nan`` if not run).
    ll : float
        Log likelihood after full maximum likelihood (``nan`` if not run).
    converged : bool or None
        Whether full maximum likelihood converged (``None`` if not run).
    degenerate : str
        The degenerate features of the solution (``""`` if none).
    """

    label: str
    em_ll: float
    ll: float = float("nan")
    converged: bool | None = None
    degenerate: str = ""


@dataclass(frozen=True, eq=False)
class MultiStart:
    """The log likelihood each start reached.

    Attributes
    ----------
    kind : str
        ``"draws"`` (``startvalues(..., draws(#))``) or ``"search"``.
    option : str
        The ``startvalues()`` text that reproduces the draws.
    starts : tuple of StartRecord
    chosen : int
        Index of the start behind the reported results (for the search, the first
        row, ``reported``: the fit from the deterministic start).
    reported_ll : float
        Log likelihood of the reported results (``nan`` until known).
    best_ll : float
        Highest non-degenerate log likelihood reached after full ML.
    n_best : int
        Starts whose full-ML log likelihood is within ``1e-7`` (relative) of
        ``best_ll``.  Starts that were only screened by EM are not counted.
    better : bool
        Whether a higher non-degenerate maximum than the reported one was found.
    best_theta : ndarray or None
        The parameters of that higher maximum (estimation scale).
    best_reproducible : bool
        Whether ``startvalues(option)`` itself leads to the higher maximum (its draw
        had the best EM log likelihood).
    best_params : Series or None
        The higher maximum in the order and metric of ``res.params`` (variances as
        variances), ready for ``fmm(..., from_=res.multistart.best_params)``.
    """

    kind: str
    option: str
    starts: tuple[StartRecord, ...]
    chosen: int = -1
    reported_ll: float = float("nan")
    best_ll: float = float("nan")
    n_best: int = 0
    better: bool = False
    best_theta: np.ndarray | None = field(default=None, repr=False)
    best_reproducible: bool = False
    best_params: pd.Series | None = field(default=None, repr=False)

    def to_frame(self) -> pd.DataFrame:
        """One row per start: ``em_ll``, ``ll``, ``converged``, ``degenerate``."""
        return pd.DataFrame(
            [{"em_ll": r.em_ll, "ll": r.ll, "converged": r.converged,
              "degenerate": r.degenerate} for r in self.starts],
            index=pd.Index([r.label for r in self.starts], name="start"))

    def __str__(self) -> str:
        head = (f"Random starts: startvalues({self.option})" if self.kind == "draws"
                else f"Search for a higher maximum: {len(self.starts) - 1} random starts, "
                     f"startvalues({self.option})")
        lines = [head, "", f"{'start':>10} | {'EM ll':>11} {'ML ll':>11}  note"]
        lines.append("-" * 11 + "+" + "-" * 40)
        for i, r in enumerate(self.starts):
            note = r.degenerate or ("reported" if i == self.chosen and self.kind == "draws"
                                    else "")
            if r.converged is False:
                note = (note + "; " if note else "") + "not converged"
            lines.append(f"{r.label:>10} | {_num(r.em_ll):>11} {_num(r.ll):>11}  {note}")
        lines.append("")
        if np.isfinite(self.best_ll):
            lines.append(f"Best log likelihood {fmt_g(self.best_ll, 10).strip()}, reached by "
                         f"{self.n_best} start{'s' if self.n_best != 1 else ''}.")
        if self.better:
            lines.append(f"Higher than the reported {fmt_g(self.reported_ll, 10).strip()}.")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return str(self)


def _num(x: float) -> str:
    return fmt_g(x, 10).strip() if np.isfinite(x) else "."


def _ml(model: MixtureModel, theta: np.ndarray, settings: FMMSettings):
    """Full maximum likelihood from ``theta`` without a log."""
    r = maximize_likelihood(model, theta, settings)
    return model.layout.to_theta(r.x), r.f, r.converged


def _one_draw(model: MixtureModel, sv: StartValues, rng: np.random.Generator,
              settings: FMMSettings, iterate: int, record_q: bool = True
              ) -> EMResult | None:
    """A start refined by EM, or ``None`` when the start fails."""
    try:
        point = start_point(model, sv, rng)
        theta = point.theta if point.theta is not None else fit_from_posteriors(
            model, point.post, None)
        theta = model.layout.to_theta(model.layout.to_phi(theta))
        return em_refine(model, theta, iterate, settings.emtolerance, settings.emltolerance,
                         record_q=record_q)
    except (FMMError, np.linalg.LinAlgError, FloatingPointError):
        return None


def _ll(em: EMResult | None) -> float:
    return em.ll if em is not None and np.isfinite(em.ll) else -np.inf


def initial_values(model: MixtureModel, settings: FMMSettings, log: IterationLog, *,
                   post: np.ndarray | None = None, progress: ProgressCallback | None = None
                   ) -> tuple[np.ndarray, EMResult | None, MultiStart | None]:
    """Starting values refined by EM: one start, ``draws()`` random starts, or given
    class probabilities ``post`` (a warm start)."""
    sv = settings.startvalues
    draws = sv.draws or 1
    if draws > 1 and sv.method not in RANDOM_METHODS:
        raise FMMSyntaxError(f"startvalues({sv.method}) does not allow draws(); draws() "
                             "applies to randomid, randompr and jitter")
    lay = model.layout
    use_em = model.k > 1 and settings.emiterate >= 0
    if post is not None or draws == 1:
        if post is not None:
            theta = fit_from_posteriors(model, post, log)
        else:
            point = start_point(model, sv, make_rng(sv))
            theta = point.theta if point.theta is not None else fit_from_posteriors(
                model, point.post, log)
            del point                  # the start's n x k probabilities, not needed by EM
        theta = lay.to_theta(lay.to_phi(theta))
        if not use_em:
            return theta, None, None
        em = em_refine(model, theta, settings.emiterate, settings.emtolerance,
                       settings.emltolerance, log)
        return em.theta, em, None
    # Several draws: each refined by EM, the best goes on.
    rng = make_rng(sv)
    log.section(f"Random starting values ({sv.method}, {draws} draws):")
    results: list[EMResult | None] = []
    for d in range(draws):
        em = _one_draw(model, sv, rng, settings, settings.emiterate if use_em else -1)
        results.append(em)
        ll = _ll(em)
        log.note(f"{('Draw ' + str(d + 1) + ':').ljust(13)} Log likelihood = "
                 f"{fmt_g(ll, 10) if np.isfinite(ll) else '.'}")
        if progress is not None:
            progress(Progress("draws", d + 1, draws, ll if np.isfinite(ll) else None))
    lls = np.array([_ll(em) for em in results])
    if not np.isfinite(lls).any():
        raise FMMConvergenceError(f"initial values not feasible: no draw of startvalues({sv}) "
                                  "gave a log likelihood that can be evaluated")
    best = int(np.argmax(lls))
    log.note(f"Best draw: {best + 1}")
    records = tuple(StartRecord(f"draw {d + 1}", float(lls[d])) for d in range(draws))
    ms = MultiStart("draws", str(StartValues(sv.method, sv.args, draws, sv.seed)), records,
                    chosen=best)
    return results[best].theta, (results[best] if use_em else None), ms


def finish_draws(ms: MultiStart, ll: float, converged: bool, degenerate: str) -> MultiStart:
    """Record the full-ML outcome of the chosen draw."""
    starts = list(ms.starts)
    r = starts[ms.chosen]
    starts[ms.chosen] = StartRecord(r.label, r.em_ll, ll, converged, degenerate)
    ok = not degenerate and np.isfinite(ll)
    return MultiStart(ms.kind, ms.option, tuple(starts), ms.chosen, ll,
                      ll if ok else float("nan"), 1 if ok else 0)


def search_higher(model: MixtureModel, settings: FMMSettings, ll: float, converged: bool,
                  search: Search, reference: Reference | None = None,
                  progress: ProgressCallback | None = None) -> MultiStart:
    """Random starts screened by EM after a fit; full ML only for a start whose EM log
    likelihood beats ``ll``, the log likelihood of the reported solution (listed first,
    as ``reported``)."""
    sv = StartValues("randompr", (), search.draws, search.seed)
    iterate = settings.emiterate if search.iterate is None else search.iterate
    rng = make_rng(sv)
    tol = 1e-7 * (abs(ll) + 1.0) if np.isfinite(ll) else 0.0
    reference = reference or Reference(model)
    ems: list[EMResult | None] = []
    for d in range(search.draws):
        ems.append(_one_draw(model, sv, rng, settings, iterate, record_q=False))
        if progress is not None:
            e = _ll(ems[-1])
            progress(Progress("search", d + 1, search.draws, e if np.isfinite(e) else None))
    em_lls = np.array([_ll(e) for e in ems])
    records = [StartRecord("reported", float("nan"), ll, converged)]
    records += [StartRecord(f"draw {d + 1}", float(em_lls[d])) for d in range(search.draws)]
    best_ll, best_theta, best_draw = ll, None, -1
    for d in np.argsort(-em_lls, kind="stable"):
        if not em_lls[d] > ll + tol:
            break
        th, f, conv = _ml(model, ems[d].theta, settings)
        kinds = ", ".join(x.kind for x in diagnose(model, th, reference)) if np.isfinite(f) \
            else "infeasible"
        records[d + 1] = StartRecord(records[d + 1].label, float(em_lls[d]), float(f), conv,
                                     kinds)
        if conv and not kinds and f > best_ll + tol:
            best_ll, best_theta, best_draw = float(f), th, int(d)
    n_best = sum(1 for r in records if not r.degenerate and r.converged is not False
                 and np.isfinite(r.ll) and abs(r.ll - best_ll) <= tol)
    finite = np.isfinite(em_lls)
    reproducible = best_draw >= 0 and finite.any() and int(np.argmax(em_lls)) == best_draw
    params = None
    if best_theta is not None:
        lay = model.layout
        values = best_theta.copy()
        values[lay.log_scale] = np.exp(values[lay.log_scale])
        params = pd.Series(values, index=list(lay.names), name="coef")
    return MultiStart("search", str(search), tuple(records), 0, ll, best_ll, n_best,
                      best_theta is not None, best_theta, bool(reproducible), params)
