"""Cost of ``fmmpy.select_k`` and of the default search for a higher maximum.

    PYTHONPATH=. python benchmarks/select_k_bench.py [--repeat 3]

Prints absolute times (best of ``--repeat`` runs) and ratios against a reference
written here: a plain vectorized numpy EM for univariate normal mixtures, run from
as many starts per ``k`` as select_k uses (default, warm and 10 random starts), each
to convergence (relative change of the log likelihood below 1e-8, at most 500
iterations).  The reference computes no standard errors, no Newton-Raphson and no
diagnostics; it is the floor of what any EM-based multistart costs in numpy.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import fmmpy


def numpy_em(y: np.ndarray, k: int, starts: int, rng: np.random.Generator,
             max_iter: int = 500, tol: float = 1e-8) -> float:
    """Best log likelihood of a k-component normal mixture over random starts."""
    n = y.size
    best = -np.inf
    for _ in range(starts):
        mu = rng.choice(y, k, replace=False) if k > 1 else np.array([y.mean()])
        var = np.full(k, y.var())
        pi = np.full(k, 1.0 / k)
        old = -np.inf
        for _ in range(max_iter):
            a = np.log(pi) - 0.5 * (np.log(2 * np.pi * var) + (y[:, None] - mu) ** 2 / var)
            m = a.max(axis=1, keepdims=True)
            lse = m + np.log(np.exp(a - m).sum(axis=1, keepdims=True))
            ll = float(lse.sum())
            post = np.exp(a - lse)
            nk = post.sum(axis=0)
            pi = nk / n
            mu = post.T @ y / nk
            var = np.maximum((post * (y[:, None] - mu) ** 2).sum(axis=0) / nk, 1e-12)
            if abs(ll - old) <= tol * (abs(ll) + 1):
                break
            old = ll
        best = max(best, ll)
    return best


def best_time(fn, repeat: int) -> tuple[float, object]:
    times, out = [], None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
    return min(times), out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    warnings.simplefilter("ignore", fmmpy.FMMWarning)
    df = fmmpy.datasets.load("stamp")
    y = df["thickness"].to_numpy(dtype=float)
    ks = range(1, 6)

    t_sel, tab = best_time(lambda: fmmpy.select_k("regress thickness", data=df, k=ks),
                           args.repeat)
    t_ref, ref = best_time(lambda: [numpy_em(y, k, 12, np.random.default_rng(1)) for k in ks],
                           args.repeat)
    print(f"select_k('regress thickness', k=1..5) on stamp (n = {len(y)})")
    print(f"  fmmpy.select_k          {t_sel * 1000:8.1f} ms")
    print(f"  numpy EM reference      {t_ref * 1000:8.1f} ms   (12 starts per k, EM only)")
    print(f"  ratio                   {t_sel / t_ref:8.2f}")
    print(f"  log likelihoods: select_k {np.round(tab.to_frame()['ll'].to_numpy(), 3).tolist()}")
    print(f"                   numpy EM {np.round(ref, 3).tolist()}")
    print()
    print("Default fit of the stamp data, with and without the search for a higher maximum")
    for command in ("3: regress thickness", "3: glm thickness, family(lognormal)"):
        t_off, _ = best_time(lambda c=command: fmmpy.fmm(c, data=df, log=False, search=False),
                             args.repeat)
        t_on, _ = best_time(lambda c=command: fmmpy.fmm(c, data=df, log=False), args.repeat)
        print(f"  {command:<40} {t_off * 1000:7.1f} ms -> {t_on * 1000:7.1f} ms "
              f"(search adds {(t_on - t_off) * 1000:.1f} ms)")


if __name__ == "__main__":
    main()
