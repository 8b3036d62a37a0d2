"""Benchmark: a two-class tobit mixture, fmmpy against a plain scipy fit.

The reference maximizes the same mixture log likelihood (written with
scipy.stats) by scipy.optimize's L-BFGS-B from a simple start (the sample split at
the median of y, least squares in each half).  The two fits run alternately,
several times each, in the same process; the script prints the median times, their
ratio, and how close the two log likelihoods are (they should agree).

    python benchmarks/tobit_mixture.py [--n 5000] [--repeats 5]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np
import pandas as pd
from scipy import optimize, stats
from scipy.special import logsumexp

import fmmpy


def simulate(n: int, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    c = rng.random(n) < 0.4
    ys = np.where(c, 1.5 + 2.0 * x, -0.5 + 0.5 * x) + rng.normal(size=n) * np.where(c, 0.8, 1.0)
    return pd.DataFrame({"y": np.maximum(ys, 0.0), "x": x})


def reference_fit(df: pd.DataFrame) -> float:
    """Direct maximization of the two-class tobit mixture likelihood with scipy."""
    y = df["y"].to_numpy()
    X = np.column_stack([df["x"].to_numpy(), np.ones(len(df))])
    cens = y <= 0.0

    def class_ll(b, lnv):
        mu, sd = X @ b, np.exp(0.5 * lnv)
        return np.where(cens, stats.norm.logcdf((0.0 - mu) / sd), stats.norm.logpdf(y, mu, sd))

    def negll(th):
        lp = th[0] - np.logaddexp(0.0, th[0])        # log pi_2; log pi_1 = lp - th[0]
        a = np.column_stack([lp - th[0] + class_ll(th[1:3], th[3]),
                             lp + class_ll(th[4:6], th[6])])
        return -logsumexp(a, axis=1).sum()

    hi = y > np.median(y)
    start = [0.0]
    for part in (~hi, hi):
        b = np.linalg.lstsq(X[part], y[part], rcond=None)[0]
        start += [*b, np.log(max(np.var(y[part] - X[part] @ b), 0.1))]
    res = optimize.minimize(negll, np.array(start), method="L-BFGS-B",
                            options={"maxiter": 10000, "ftol": 1e-14, "gtol": 1e-8})
    return -res.fun


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=5000)
    ap.add_argument("--repeats", type=int, default=5)
    args = ap.parse_args()
    df = simulate(args.n)
    times: dict[str, list[float]] = {"fmmpy": [], "scipy": []}
    ll = {}
    for _ in range(args.repeats):
        t = time.perf_counter()
        ll["fmmpy"] = fmmpy.fmm("2: tobit y x, ll(0)", data=df, log=False).llf
        times["fmmpy"].append(time.perf_counter() - t)
        t = time.perf_counter()
        ll["scipy"] = reference_fit(df)
        times["scipy"].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    print(f"two-class tobit mixture, n = {args.n}, {args.repeats} alternating repeats")
    for k in times:
        print(f"  {k:6s} median {med[k]:8.3f} s   (min {min(times[k]):.3f}, "
              f"max {max(times[k]):.3f})   log likelihood {ll[k]:.6f}")
    print(f"  ratio scipy/fmmpy = {med['scipy'] / med['fmmpy']:.2f}")
    print(f"  log likelihood difference fmmpy - scipy = {ll['fmmpy'] - ll['scipy']:.2e}")


if __name__ == "__main__":
    main()
