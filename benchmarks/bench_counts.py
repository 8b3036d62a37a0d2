"""Benchmark: count models, fmmpy against statsmodels in the same run.

Two comparisons on simulated data:

* ``fmm 1: poisson y x1 x2`` against ``statsmodels.Poisson``;
* the zero-inflated Poisson ``fmm, lcprob(x1 x2): (pointmass y) (poisson y x1 x2)``
  (fmmpy's full Stata path: factor start, 20 EM iterations, Newton-Raphson, OIM
  standard errors) against ``statsmodels.ZeroInflatedPoisson`` (its default BFGS,
  standard errors included).

The two programs run alternately, ``--repeats`` times each; the script prints the
median wall time of each, the ratio fmmpy / statsmodels, and the log likelihoods
(which must agree).  Run from the repository root::

    python benchmarks/bench_counts.py --n 5000 --repeats 7
"""

from __future__ import annotations

import argparse
import statistics
import time
import warnings

import numpy as np
import pandas as pd
import statsmodels.api as sm
from scipy.special import expit
from statsmodels.discrete.count_model import ZeroInflatedPoisson

import fmmpy


def simulate(n: int, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    zero = rng.random(n) < expit(-0.3 + 0.9 * x1 - 0.5 * x2)
    y = np.where(zero, 0, rng.poisson(np.exp(0.6 + 0.4 * x1 - 0.3 * x2)))
    return pd.DataFrame({"y": y.astype(float), "x1": x1, "x2": x2})


def _fmmpy_poisson(df):
    return fmmpy.fmm("fmm 1: poisson y x1 x2", data=df, log=False).llf


def _sm_poisson(df):
    X = sm.add_constant(df[["x1", "x2"]], prepend=False)
    r = sm.Poisson(df.y, X).fit(disp=0)
    r.bse  # noqa: B018 - standard errors are part of the work
    return r.llf


def _fmmpy_zip(df):
    return fmmpy.fmm("fmm, lcprob(x1 x2): (pointmass y) (poisson y x1 x2)", data=df,
                     log=False).llf


def _sm_zip(df):
    X = sm.add_constant(df[["x1", "x2"]], prepend=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = ZeroInflatedPoisson(df.y, X, exog_infl=X, inflation="logit").fit(
            disp=0, maxiter=1000)
    r.bse  # noqa: B018
    return r.llf


def race(name: str, ours, theirs, df: pd.DataFrame, repeats: int) -> None:
    times: dict[str, list[float]] = {"fmmpy": [], "statsmodels": []}
    llf: dict[str, float] = {}
    for _ in range(repeats):            # alternate, so drifts in machine load hit both
        for label, fn in (("fmmpy", ours), ("statsmodels", theirs)):
            t0 = time.perf_counter()
            llf[label] = fn(df)
            times[label].append(time.perf_counter() - t0)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"{name} (n = {len(df):,}, {repeats} repeats, medians)")
    for label in ("fmmpy", "statsmodels"):
        print(f"  {label:<12} {med[label] * 1e3:9.1f} ms   log likelihood {llf[label]:.4f}")
    print(f"  ratio fmmpy / statsmodels: {med['fmmpy'] / med['statsmodels']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=5000)
    parser.add_argument("--repeats", type=int, default=7)
    args = parser.parse_args()
    df = simulate(args.n)
    race("Poisson regression", _fmmpy_poisson, _sm_poisson, df, args.repeats)
    race("Zero-inflated Poisson", _fmmpy_zip, _sm_zip, df, args.repeats)


if __name__ == "__main__":
    main()
