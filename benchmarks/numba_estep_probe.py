"""Does a compiled E-step pay?  A numba loop against fmmpy's numpy E-step, same data.

Issue 8 allows a compiled kernel "only if a benchmark shows it pays".  This probe times
one E-step of a 3-class normal mixture (log densities, log-sum-exp, posteriors and the
log likelihood) on 200,000 and 1,000,000 rows: a fused numba loop over rows (one pass,
no temporaries) against ``MixtureModel.e_step`` (numpy, blocks of 65,536 rows).  numba
is not a dependency of fmmpy; the probe says so and stops when it is not installed.
Run from the repository root::

    pip install numba && python benchmarks/numba_estep_probe.py
"""

from __future__ import annotations

import os

for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.bench_scale import normal_mixture  # noqa: E402
from fmmpy.design import build_design  # noqa: E402
from fmmpy.estimate.layout import build_layout  # noqa: E402
from fmmpy.estimate.model import MixtureModel  # noqa: E402
from fmmpy.parse import parse_command  # noqa: E402

try:
    from numba import njit
except ImportError:  # pragma: no cover - optional
    print("numba is not installed: nothing to compare (pip install numba)")
    raise SystemExit(0) from None


@njit(cache=True, nogil=True)
def _estep(y, mean, var, logpi, post):  # pragma: no cover - compiled
    n, k = y.shape[0], var.shape[0]
    c = np.empty(k)
    iv = np.empty(k)
    for j in range(k):
        c[j] = logpi[j] - 0.5 * (np.log(2.0 * np.pi) + np.log(var[j]))
        iv[j] = -0.5 / var[j]
    a = np.empty(k)
    ll = 0.0
    for i in range(n):
        m = -np.inf
        for j in range(k):
            r = y[i] - mean[j]
            a[j] = c[j] + iv[j] * r * r
            if a[j] > m:
                m = a[j]
        s = 0.0
        for j in range(k):
            s += np.exp(a[j] - m)
        lse = m + np.log(s)
        ll += lse
        for j in range(k):
            post[i, j] = np.exp(a[j] - lse)
    return ll


def _median_ms(fn, repeats: int = 7) -> float:
    fn()
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1e3


def probe(n: int) -> None:
    """Time both E-steps on ``n`` rows and print the ratio."""
    df = normal_mixture(n)
    d = build_design(parse_command("3: regress y"), df)
    model = MixtureModel(d, build_layout(d))
    mean, var, pi = np.array([-2.0, 1.0, 4.0]), np.array([1.0, 0.5, 2.0]), np.full(3, 1 / 3)
    theta = np.array([np.log(pi[1] / pi[0]), np.log(pi[2] / pi[0]),
                      mean[0], np.log(var[0]), mean[1], np.log(var[1]),
                      mean[2], np.log(var[2])])
    theta = model.layout.to_theta(model.layout.to_phi(theta))
    post_np, ll_np, _ = model.e_step(theta)
    y = df["y"].to_numpy()
    post = np.empty((n, 3), order="F")
    ll_nb = _estep(y, mean, var, np.log(pi), post)
    assert abs(ll_nb - ll_np) <= 1e-9 * abs(ll_np), (ll_nb, ll_np)
    assert np.allclose(post, post_np, rtol=1e-12, atol=1e-300)
    t_np = _median_ms(lambda: model.e_step(theta, reuse=post_np))
    t_nb = _median_ms(lambda: _estep(y, mean, var, np.log(pi), post))
    print(f"n = {n:>9,}: numpy e_step {t_np:7.2f} ms   numba loop {t_nb:7.2f} ms   "
          f"ratio numba / numpy {t_nb / t_np:.2f}")


def main() -> None:
    for n in (200_000, 1_000_000):
        probe(n)


if __name__ == "__main__":
    main()
