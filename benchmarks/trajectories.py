"""Benchmark: the latent-trajectory model on 2,000 runners x 100 laps.

Simulated runners (fmmpy.datasets.simulate_trajectories with a low withdrawal rate, so
that nearly every runner runs all 100 laps: about 195,000 rows) are fitted with

    fmm 3, group(runner) lcprob(age female) lcinvariant(errvar):
        regress speed t c.t#c.t c.t#c.t#c.t ; mlogit status t

(the second seed's model).  The script reports

* the time of the whole fmmpy fit (start values, 20 EM iterations, Newton-Raphson, OIM
  variance);
* the time of EM run to convergence from the same start by fmmpy's EM and by a plain
  numpy EM written here from the seed's formulas (closed-form speed coefficients and
  pooled variance, Newton for the logits and the class model), their ratio, their
  iteration counts and log likelihoods (they should agree: it is one algorithm).

    python benchmarks/trajectories.py [--runners 2000] [--laps 100] [--repeats 1]
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import time

import numpy as np
import pandas as pd
from scipy.special import logsumexp, softmax

import fmmpy
from fmmpy.design import build_design
from fmmpy.estimate.em import em_refine
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.estimate.start import fit_from_posteriors
from fmmpy.parse import parse_command

K = 3
COMMAND = ("fmm 3, group(runner) lcprob(age female) lcinvariant(errvar): "
           "regress speed t c.t#c.t c.t#c.t#c.t ; mlogit status t")


def simulate(runners: int, laps: int, seed: int = 1) -> pd.DataFrame:
    base = fmmpy.datasets.TrajectoryParams()
    params = dataclasses.replace(base, withdraw=base.withdraw - np.array([0.0, 3.0]))
    return fmmpy.datasets.simulate_trajectories(runners, seed, max_laps=laps, params=params)


# ---------------------------------------------------------------------------
# The reference: the seed's EM in plain numpy
# ---------------------------------------------------------------------------


def _wls(X: np.ndarray, y: np.ndarray, w: np.ndarray) -> np.ndarray:
    Xw = X * w[:, None]
    return np.linalg.solve(X.T @ Xw, Xw.T @ y)


def _mlogit_newton(X: np.ndarray, Y: np.ndarray, w: np.ndarray, beta: np.ndarray,
                   iters: int = 25) -> np.ndarray:
    """Weighted multinomial logit (base column 0): maximize sum w_i sum_c Y_ic log p_ic.
    ``beta`` is (p, C-1); ``Y`` holds the outcome indicators (or fractional targets).
    Newton with step halving: an outcome (withdrawal) that a class almost never shows
    sends its coefficients towards -inf, where full Newton steps overshoot."""
    p, m = beta.shape
    n = X.shape[0]
    tot = Y.sum(axis=1)

    def objective(b: np.ndarray) -> float:
        eta = np.column_stack([np.zeros(n), X @ b])
        return float(np.sum(w[:, None] * Y * (eta - logsumexp(eta, axis=1, keepdims=True))))

    f = objective(beta)
    for _ in range(iters):
        eta = np.column_stack([np.zeros(n), X @ beta])
        P = softmax(eta, axis=1)[:, 1:]
        g = (X.T @ (w[:, None] * (Y[:, 1:] - tot[:, None] * P))).T.ravel()
        H = np.zeros((p * m, p * m))
        for a in range(m):
            for b in range(m):
                c = w * tot * (P[:, a] * (a == b) - P[:, a] * P[:, b])
                H[a * p:(a + 1) * p, b * p:(b + 1) * p] = -(X.T @ (X * c[:, None]))
        step = np.linalg.lstsq(-H, g, rcond=None)[0].reshape(m, p).T
        t = 1.0
        while t > 1e-10:
            trial = beta + t * step
            f_t = objective(trial)
            if f_t >= f - 1e-12 * abs(f):
                break
            t *= 0.5
        else:
            break
        done = np.max(np.abs(trial - beta)) < 1e-10
        beta, f = trial, f_t
        if done:
            break
    return beta


class NumpyEM:
    """The seed's EM for the runners' model, from the rows."""

    def __init__(self, df: pd.DataFrame):
        ids, self.unit = np.unique(df["runner"].to_numpy(), return_inverse=True)
        self.n = ids.size
        t = df["t"].to_numpy()
        first = np.unique(self.unit, return_index=True)[1]
        self.Z = np.column_stack([df["age"].to_numpy()[first], df["female"].to_numpy()[first],
                                  np.ones(self.n)])
        s = df["speed"].notna().to_numpy()
        self.s_unit, ts = self.unit[s], t[s]
        self.Xs = np.column_stack([ts, ts ** 2, ts ** 3, np.ones(ts.size)])
        self.ys = df["speed"].to_numpy()[s]
        self.Xo = np.column_stack([t, np.ones(t.size)])       # status: every lap
        self.Yo = np.eye(3)[df["status"].to_numpy().astype(int)]

    def m_step(self, post: np.ndarray, state: dict | None) -> dict:
        beta_s, ss = [], 0.0
        for u in range(K):
            w = post[self.s_unit, u]
            b = _wls(self.Xs, self.ys, w)
            ss += float(np.dot(w, (self.ys - self.Xs @ b) ** 2))
            beta_s.append(b)
        var = ss / self.ys.size
        other = []
        for u in range(K):
            init = np.zeros((2, 2)) if state is None else state["other"][u]
            other.append(_mlogit_newton(self.Xo, self.Yo, post[self.unit, u], init))
        init = np.zeros((3, K - 1)) if state is None else state["delta"]
        delta = _mlogit_newton(self.Z, post, np.ones(self.n), init, iters=50)
        return {"speed": beta_s, "var": var, "other": other, "delta": delta}

    def e_step(self, st: dict) -> tuple[np.ndarray, float]:
        L = np.zeros((self.n, K))
        for u in range(K):
            r = self.ys - self.Xs @ st["speed"][u]
            ll = -0.5 * (np.log(2 * np.pi * st["var"]) + r * r / st["var"])
            L[:, u] = np.bincount(self.s_unit, ll, self.n)
            eta = np.column_stack([np.zeros(self.Xo.shape[0]), self.Xo @ st["other"][u]])
            lp = eta - logsumexp(eta, axis=1, keepdims=True)
            L[:, u] += np.bincount(self.unit, (lp * self.Yo).sum(axis=1), self.n)
        g = np.column_stack([np.zeros(self.n), self.Z @ st["delta"]])
        a = g - logsumexp(g, axis=1, keepdims=True) + L
        lse = logsumexp(a, axis=1, keepdims=True)
        return np.exp(a - lse), float(lse.sum())

    def run(self, post: np.ndarray, ltol: float, max_iter: int) -> tuple[float, int]:
        state = self.m_step(post, None)
        ll_old = -np.inf
        for it in range(1, max_iter + 1):
            post, ll = self.e_step(state)
            if abs(ll - ll_old) / (abs(ll_old) + 1.0) < ltol:
                return ll, it
            ll_old = ll
            state = self.m_step(post, state)
        return ll, max_iter


# ---------------------------------------------------------------------------


def start_posteriors(df: pd.DataFrame, model: MixtureModel) -> np.ndarray:
    """Runners ranked by mean speed and cut into K equal groups (unit order = fmmpy's)."""
    used = df.loc[model.design.index]
    runner_of_unit = used["runner"].to_numpy()[np.unique(model.design.unit,
                                                         return_index=True)[1]]
    mean = df.groupby("runner")["speed"].mean().fillna(df["speed"].mean())
    score = mean.loc[runner_of_unit].to_numpy()
    ranks = np.argsort(np.argsort(score, kind="stable"), kind="stable")
    post = np.zeros((model.n, K))
    post[np.arange(model.n), ranks * K // model.n] = 1.0
    return post


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--runners", type=int, default=2000)
    ap.add_argument("--laps", type=int, default=100)
    ap.add_argument("--repeats", type=int, default=1)
    ap.add_argument("--ltol", type=float, default=1e-9)
    ap.add_argument("--max-em", type=int, default=2000)
    args = ap.parse_args()
    df = simulate(args.runners, args.laps)
    print(f"{args.runners} runners, {len(df)} laps (rows); model: {COMMAND}")

    for search, what in ((False, "search=False"), (None, "with the default search")):
        fit_times = []
        for _ in range(args.repeats):
            t0 = time.perf_counter()
            res = fmmpy.fmm(COMMAND, data=df, log=False,
                            **({} if search is None else {"search": search}))
            fit_times.append(time.perf_counter() - t0)
        print(f"fmmpy fit (start, EM(20), Newton-Raphson, OIM), {what}: "
              f"{statistics.median(fit_times):.2f} s; ll = {res.llf:.4f}, converged = "
              f"{res.converged}, Newton iterations = {res.iterations}")

    design = build_design(parse_command(COMMAND), df)
    model = MixtureModel(design, build_layout(design))
    post0 = start_posteriors(df, model)
    ref = NumpyEM(df.loc[design.index])
    em_times, ref_times = [], []
    for _ in range(args.repeats):
        t0 = time.perf_counter()
        theta0 = fit_from_posteriors(model, post0, None)
        em = em_refine(model, theta0, iterate=args.max_em, tolerance=np.inf,
                       ltolerance=args.ltol)
        em_times.append(time.perf_counter() - t0)
        t0 = time.perf_counter()
        ll_ref, it_ref = ref.run(post0, args.ltol, args.max_em)
        ref_times.append(time.perf_counter() - t0)
    t_em, t_ref = statistics.median(em_times), statistics.median(ref_times)
    ll_em = model.loglik(em.theta)
    print(f"EM to convergence from the same start (relative ll change < {args.ltol:g}):")
    print(f"  fmmpy        {t_em:8.2f} s  {len(em.ll_history):5d} iterations  ll = {ll_em:.4f}")
    print(f"  numpy (seed) {t_ref:8.2f} s  {it_ref:5d} iterations  ll = {ll_ref:.4f}")
    print(f"  ratio fmmpy / numpy: {t_em / t_ref:.2f}; per iteration: "
          f"{(t_em / len(em.ll_history)) / (t_ref / it_ref):.2f}")


if __name__ == "__main__":
    main()
