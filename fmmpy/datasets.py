"""Data shipped with fmmpy.

Examples
--------
>>> import fmmpy
>>> df = fmmpy.datasets.load("stamp")
>>> df.shape, str(df["thickness"].dtype)
((485, 1), 'float32')
"""

from __future__ import annotations

from dataclasses import dataclass, field
from importlib import resources

import numpy as np
import pandas as pd
from scipy.special import softmax

from .errors import FMMDataError

__all__ = ["load", "names", "label", "simulate_trajectories", "TrajectoryParams"]

_DATASETS = {
    "stamp": ("stamp.csv", "1872 Hidalgo stamp of Mexico (Izenman and Sommer 1988): "
              "485 thicknesses in mm, float32 as in Stata's stamp.dta"),
}
_FLOAT32 = {"stamp": ("thickness",)}
_LABELS = {"stamp": "1872 Hidalgo stamp of Mexico"}


def names() -> dict[str, str]:
    """The shipped datasets and their descriptions.

    Examples
    --------
    >>> "stamp" in names()
    True
    """
    return {k: v[1] for k, v in _DATASETS.items()}


def label(name: str) -> str | None:
    """The dataset's label, as Stata's ``use`` prints it in parentheses.

    Examples
    --------
    >>> label("stamp")
    '1872 Hidalgo stamp of Mexico'
    """
    return _LABELS.get(name)


def load(name: str) -> pd.DataFrame:
    """Load a shipped dataset as a new DataFrame.

    Parameters
    ----------
    name : str
        ``"stamp"``.

    Returns
    -------
    DataFrame
        Stored with Stata's storage types (``thickness`` is float32, so fits give
        Stata's printed digits).

    Examples
    --------
    >>> load("stamp")["thickness"].iloc[0]
    np.float32(0.06)
    """
    if not isinstance(name, str) or name not in _DATASETS:
        raise FMMDataError(f"unknown dataset {name!r}; available: {', '.join(_DATASETS)}")
    path = resources.files("fmmpy") / "data" / _DATASETS[name][0]
    with resources.as_file(path) as p:
        df = pd.read_csv(p)
    for col in _FLOAT32.get(name, ()):
        df[col] = df[col].astype(np.float32)
    return df


# ---------------------------------------------------------------------------
# Simulated runners: the latent-trajectory model with informative dropout
# ---------------------------------------------------------------------------


@dataclass(frozen=True)
class TrajectoryParams:
    """True parameters of :func:`simulate_trajectories` (one row per class).

    Attributes
    ----------
    speed : array (k, 4)
        Speed curve of each class: coefficients of ``t``, ``t^2``, ``t^3`` and the
        constant (fmmpy's order: ``t c.t#c.t c.t#c.t#c.t _cons``).
    variance : float
        The speed's error variance, common to all classes.
    rest, withdraw : array (k, 2)
        Log odds of a rest lap and of withdrawal against a regular lap: coefficient of
        ``t`` and constant, per class.
    classes : array (k - 1, 3)
        Class model of classes 2..k against class 1: coefficients of ``age``,
        ``female`` and the constant.
    rest_minutes : array (k, 3)
        Length of a rest (minutes, lognormal; an fmmpy addition to try the machinery
        with families other than ``mlogit``): coefficient of ``t``, constant and
        ``ln(s)`` of ``ln(minutes)``, per class.

    Examples
    --------
    >>> p = TrajectoryParams()
    >>> p.k, p.speed[0].tolist()
    (3, [-1.0, -0.5, 0.0, 11.0])
    >>> import dataclasses
    >>> dataclasses.replace(p, variance=2.0).variance
    2.0
    """

    speed: np.ndarray = field(default_factory=lambda: np.array([
        [-1.0, -0.5, 0.0, 11.0],        # steady
        [-6.0, 2.0, 0.0, 12.5],         # fast start, fading
        [-2.0, -3.0, 2.0, 9.0]]))       # slow
    variance: float = 1.0
    rest: np.ndarray = field(default_factory=lambda: np.array([
        [1.0, -3.0], [2.0, -2.5], [1.5, -2.0]]))
    withdraw: np.ndarray = field(default_factory=lambda: np.array([
        [2.0, -6.0], [3.0, -4.5], [2.0, -4.0]]))
    classes: np.ndarray = field(default_factory=lambda: np.array([
        [0.03, 0.5, -1.0], [0.05, -0.5, -2.0]]))
    rest_minutes: np.ndarray = field(default_factory=lambda: np.array([
        [0.5, 2.0, np.log(0.5)], [1.0, 2.3, np.log(0.5)], [0.5, 2.6, np.log(0.5)]]))

    @property
    def k(self) -> int:
        """Number of classes."""
        return int(np.asarray(self.speed).shape[0])


def simulate_trajectories(n: int = 500, seed: int = 0, *, max_laps: int = 60,
                          params: TrajectoryParams | None = None) -> pd.DataFrame:
    """Simulate runners of a lap race from the latent-trajectory model with
    informative dropout (the second seed's model).

    Every runner belongs to one latent class, drawn from a multinomial logit on
    ``age`` (uniform on 20-70) and ``female`` (probability .4).  On each lap
    ``l = 1, 2, ...`` with ``t = l / max_laps``, the status is regular (0), rest (1)
    or withdrawal (2) from the class's multinomial logit in ``t``; withdrawal ends
    the race (it is absorbing), and nobody runs more than ``max_laps`` laps.  On a
    regular lap the speed is normal with the class's cubic mean in ``t`` and a
    variance common to all classes; on a rest lap ``rest`` holds the minutes rested
    (lognormal, class-specific).

    Parameters
    ----------
    n : int
        Number of runners.
    seed : int
        Seed of ``numpy.random.default_rng``: the same seed gives the same data.
    max_laps : int
        Laps of a runner who never withdraws.
    params : TrajectoryParams, optional
        True parameters (default: three classes, :class:`TrajectoryParams`).

    Returns
    -------
    DataFrame
        One row per lap: ``runner`` (1..n), ``lap``, ``t``, ``status``, ``speed``
        (missing unless the status is 0), ``rest`` (missing unless the status is 1),
        ``age``, ``female`` and ``true_class`` (1..k, the class the runner was drawn
        from; a fit does not use it).

    Examples
    --------
    >>> df = simulate_trajectories(200, seed=1)
    >>> df.columns.tolist()
    ['runner', 'lap', 't', 'status', 'speed', 'rest', 'age', 'female', 'true_class']
    >>> bool(df.groupby("runner")["status"].apply(lambda s: (s == 2).sum() <= 1).all())
    True
    >>> bool(df["speed"].notna().eq(df["status"] == 0).all())
    True
    """
    p = params or TrajectoryParams()
    if n < 1 or max_laps < 1:
        raise FMMDataError("simulate_trajectories needs n >= 1 runners and max_laps >= 1")
    rng = np.random.default_rng(seed)
    age = np.round(rng.uniform(20.0, 70.0, n))
    female = (rng.uniform(size=n) < 0.4).astype(float)
    Z = np.column_stack([age, female, np.ones(n)])
    logits = np.column_stack([np.zeros(n), Z @ np.asarray(p.classes).T])
    cls = _categorical(rng, softmax(logits, axis=1))
    t = np.arange(1, max_laps + 1) / max_laps
    T = np.column_stack([t, np.ones(max_laps)])
    rest = (T @ np.asarray(p.rest).T).T[cls]                  # (n, laps)
    withdraw = (T @ np.asarray(p.withdraw).T).T[cls]
    probs = softmax(np.stack([np.zeros_like(rest), rest, withdraw], axis=2), axis=2)
    status = _categorical(rng, probs.reshape(-1, 3)).reshape(n, max_laps)
    stopped = np.cumsum(status == 2, axis=1) - (status == 2)   # withdrawals before
    keep = stopped == 0
    runner_idx, lap_idx = np.nonzero(keep)
    b = status[runner_idx, lap_idx]
    tl = t[lap_idx]
    c = cls[runner_idx]
    poly = np.column_stack([tl, tl ** 2, tl ** 3, np.ones_like(tl)])
    mean = np.einsum("ij,ij->i", poly, np.asarray(p.speed)[c])
    speed = mean + np.sqrt(p.variance) * rng.standard_normal(tl.size)
    rm = np.asarray(p.rest_minutes)[c]
    minutes = np.exp(rm[:, 0] * tl + rm[:, 1] + np.exp(rm[:, 2]) * rng.standard_normal(tl.size))
    return pd.DataFrame({
        "runner": runner_idx + 1, "lap": lap_idx + 1, "t": tl, "status": b,
        "speed": np.where(b == 0, speed, np.nan), "rest": np.where(b == 1, minutes, np.nan),
        "age": age[runner_idx], "female": female[runner_idx], "true_class": c + 1})


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a matrix of probabilities."""
    u = rng.uniform(size=(probs.shape[0], 1))
    return np.minimum((np.cumsum(probs, axis=1) < u).sum(axis=1), probs.shape[1] - 1)
