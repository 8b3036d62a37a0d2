"""Reference fits for the one-class (k=1) tests of tobit, intreg, truncreg, ivregress,
streg and the glm survival families.

Independent of fmmpy: each log likelihood is written here with scipy.stats
distributions (scipy's own logpdf/logcdf/logsf) and maximized with
scipy.optimize (BFGS from least-squares starts, polished with Nelder-Mead);
standard errors come from a finite-difference Hessian of that log likelihood.
The data are simulated once and saved beside the results, so the tests never
depend on the random-number stream.

Run from the repository root (takes a few seconds):

    python tests/reference/k1_limited_survival.py

It writes ``k1_limited_survival.csv`` (the data) and ``k1_limited_survival.json``
(for each model: the fmmpy command, parameter names in fmmpy's order, estimates in
Stata's reported metric, standard errors, log likelihood).
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import optimize, stats

HERE = Path(__file__).parent


def simulate(n: int = 400, seed: int = 20240611) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    x = rng.normal(size=n)
    w = rng.normal(size=n)
    z1, z2 = rng.normal(size=n), rng.normal(size=n)
    df = pd.DataFrame({"x": x, "w": w, "z1": z1, "z2": z2})
    # tobit: censored at 0 and 4; and a varying lower limit, missing for every 5th row.
    ys = 1.0 + 1.5 * x + rng.normal(scale=1.2, size=n)
    df["yc"] = np.clip(ys, 0.0, 4.0)
    lim = np.where(np.arange(n) % 5 == 0, np.nan, rng.uniform(-0.5, 1.0, size=n))
    df["lim"] = lim
    df["yv"] = np.where(np.isnan(lim), ys, np.maximum(ys, np.nan_to_num(lim)))
    # intreg: points, intervals, left- and right-censored, a few unusable rows.
    yi = 0.5 + x + rng.normal(size=n)
    kind = np.arange(n) % 4
    lo = np.where(kind == 0, yi, np.floor(yi))
    hi = np.where(kind == 0, yi, np.floor(yi) + 1.0)
    lo = np.where(kind == 2, np.nan, lo)
    hi = np.where(kind == 3, np.nan, hi)
    lo[:3], hi[:3] = np.nan, np.nan
    df["lo"], df["hi"] = lo, hi
    # truncreg: only y > 0 observed.
    yt = 0.5 + x + rng.normal(size=n)
    df["yt"] = np.where(yt > 0, yt, np.nan)
    # ivregress, over-identified.
    e = rng.multivariate_normal([0.0, 0.0], [[1.0, 0.5], [0.5, 1.0]], size=n)
    df["xe"] = 0.5 + z1 + 0.5 * z2 + 0.3 * w + e[:, 1]
    df["yiv"] = 1.0 + 2.0 * df["xe"] - w + e[:, 0]
    # survival: Weibull PH times, independent censoring, late entry for 30%.
    t = (rng.exponential(size=n) / np.exp(-0.5 + 0.5 * x)) ** (1 / 1.5)
    cens = rng.exponential(2.5, size=n)
    t0 = np.where(rng.random(n) < 0.3, rng.uniform(0, 0.4, size=n), 0.0)
    time = np.minimum(t, cens)
    keep = time > t0
    df["_t"] = np.where(keep, time, np.nan)
    df["_d"] = np.where(keep, (t <= cens).astype(float), np.nan)
    df["_t0"] = np.where(keep, t0, np.nan)
    # positive outcome for the glm families: gamma with shape 2, mean exp(0.5 + 0.3x).
    df["ypos"] = rng.gamma(2.0, np.exp(0.5 + 0.3 * x) / 2.0)
    return df


def fit(negll, start):
    res = optimize.minimize(negll, start, method="BFGS", options={"gtol": 1e-9, "maxiter": 5000})
    res = optimize.minimize(negll, res.x, method="Nelder-Mead",
                            options={"xatol": 1e-10, "fatol": 1e-12, "maxiter": 20000})
    res = optimize.minimize(negll, res.x, method="BFGS", options={"gtol": 1e-10})
    x = res.x
    h = 1e-4
    p = x.size
    H = np.zeros((p, p))
    for i in range(p):
        for j in range(p):
            ei = np.zeros(p)
            ej = np.zeros(p)
            ei[i] = h
            ej[j] = h
            H[i, j] = (negll(x + ei + ej) - negll(x + ei - ej) - negll(x - ei + ej)
                       + negll(x - ei - ej)) / (4 * h * h)
    return x, np.sqrt(np.diag(np.linalg.inv(H))), -res.fun


def design(df, cols):
    return np.column_stack([df[c].to_numpy() for c in cols] + [np.ones(len(df))])


def report(command, names, theta, se, llf, logscale=()):
    """Estimates in Stata's metric: variances exponentiated (delta-method SEs)."""
    est, ses = [], []
    for i, (v, s) in enumerate(zip(theta, se)):
        if i in logscale:
            est.append(float(np.exp(v)))
            ses.append(float(np.exp(v) * s))
        else:
            est.append(float(v))
            ses.append(float(s))
    return {"command": command, "names": names, "params": est, "se": ses, "llf": float(llf)}


def main() -> None:
    df = simulate()
    out = {}
    norm = stats.norm

    # tobit y x, ll(0) ul(4)
    X = design(df, ["x"])
    y = df["yc"].to_numpy()

    zeros, fours = np.zeros(len(df)), np.full(len(df), 4.0)

    def tobit(th, y=y, X=X, lo=zeros, hi=fours):
        mu, sd = X @ th[:2], np.exp(0.5 * th[2])
        left, right = y <= lo, y >= hi
        ll = np.where(left, norm.logcdf((lo - mu) / sd),
                      np.where(right, norm.logsf((hi - mu) / sd), norm.logpdf(y, mu, sd)))
        return -ll.sum()

    th, se, llf = fit(tobit, np.array([0.5, 0.5, 0.0]))
    out["tobit"] = report("1: tobit yc x, ll(0) ul(4)", ["1.Class:yc:x", "1.Class:yc:_cons",
                                                           "1.Class:yc:var(e.yc)"],
                          th, se, llf, (2,))

    # tobit with a variable lower limit (missing: no censoring)
    yv = df["yv"].to_numpy()
    lv = np.where(np.isnan(df["lim"]), -np.inf, df["lim"])
    th, se, llf = fit(lambda t: tobit(t, yv, X, lv, np.full(len(df), np.inf)),
                      np.array([0.5, 0.5, 0.0]))
    out["tobit_var"] = report("1: tobit yv x, ll(lim)", ["1.Class:yv:x", "1.Class:yv:_cons",
                                                         "1.Class:yv:var(e.yv)"],
                              th, se, llf, (2,))

    # intreg lo hi x
    use = ~(df["lo"].isna() & df["hi"].isna()).to_numpy()
    sub = df[use]
    Xi = design(sub, ["x"])
    lo_, hi_ = sub["lo"].to_numpy(), sub["hi"].to_numpy()

    def intreg(th):
        mu, sd = Xi @ th[:2], np.exp(0.5 * th[2])
        point = lo_ == hi_
        lcens, rcens = np.isnan(lo_), np.isnan(hi_)
        inter = ~point & ~lcens & ~rcens
        ll = np.zeros(len(mu))
        ll[point] = norm.logpdf(lo_[point], mu[point], sd)
        ll[lcens] = norm.logcdf((hi_[lcens] - mu[lcens]) / sd)
        ll[rcens] = norm.logsf((lo_[rcens] - mu[rcens]) / sd)
        ll[inter] = np.log(norm.cdf((hi_[inter] - mu[inter]) / sd)
                           - norm.cdf((lo_[inter] - mu[inter]) / sd))
        return -ll.sum()

    th, se, llf = fit(intreg, np.array([0.5, 0.5, 0.0]))
    out["intreg"] = report("1: intreg lo hi x", ["1.Class:lo:x", "1.Class:lo:_cons",
                                                 "1.Class:lo:var(e.lo)"], th, se, llf, (2,))

    # truncreg yt x, ll(0)
    sub = df[df["yt"].notna()]
    Xt, yt = design(sub, ["x"]), sub["yt"].to_numpy()

    def truncreg(th):
        mu, sd = Xt @ th[:2], np.exp(0.5 * th[2])
        return -(norm.logpdf(yt, mu, sd) - norm.logsf((0.0 - mu) / sd)).sum()

    th, se, llf = fit(truncreg, np.array([0.5, 0.5, 0.0]))
    out["truncreg"] = report("1: truncreg yt x, ll(0)", ["1.Class:yt:x", "1.Class:yt:_cons",
                                                         "1.Class:yt:var(e.yt)"],
                             th, se, llf, (2,))

    # ivregress yiv w (xe = z1 z2): joint normal, as f(x) f(y | x).
    Xy = design(df, ["xe", "w"])
    Zx = design(df, ["w", "z1", "z2"])
    yy, xx = df["yiv"].to_numpy(), df["xe"].to_numpy()

    def ivreg(th):
        b, p = th[:3], th[3:7]
        v1, v2, c = np.exp(th[7]), np.exp(th[8]), th[9]
        if c * c >= v1 * v2:
            return np.inf
        ex = xx - Zx @ p
        cond_mean = Xy @ b + c / v2 * ex
        return -(norm.logpdf(xx, Zx @ p, np.sqrt(v2))
                 + norm.logpdf(yy, cond_mean, np.sqrt(v1 - c * c / v2))).sum()

    th, se, llf = fit(ivreg, np.array([1.5, -1, 1, 0.3, 1, 0.5, 0.5, 0.0, 0.0, 0.3]))
    out["ivregress"] = report(
        "1: ivregress yiv w (xe = z1 z2)",
        ["1.Class:yiv:xe", "1.Class:yiv:w", "1.Class:yiv:_cons", "1.Class:xe:w",
         "1.Class:xe:z1", "1.Class:xe:z2", "1.Class:xe:_cons", "1.Class:yiv:var(e.yiv)",
         "1.Class:xe:var(e.xe)", "1.Class:yiv:cov(e.yiv,e.xe)"], th, se, llf, (7, 8))

    # streg x, distribution(...) with censoring and late entry.
    sub = df[df["_t"].notna()]
    Xs = design(sub, ["x"])
    t, d, t0 = sub["_t"].to_numpy(), sub["_d"].to_numpy(), sub["_t0"].to_numpy()

    def frozen(dist, th, X):
        xb = X @ th[:2]
        if dist == "exponential":
            return stats.expon(scale=np.exp(-xb))
        a = th[2]
        if dist == "weibull":
            p = np.exp(a)
            return stats.weibull_min(c=p, scale=np.exp(-xb / p))
        if dist == "lognormal":
            return stats.lognorm(s=np.exp(a), scale=np.exp(xb))
        if dist == "loglogistic":
            return stats.fisk(c=np.exp(-a), scale=np.exp(xb))
        return stats.gamma(a=np.exp(-a), scale=np.exp(a + xb))

    def survival_fit(key, command, eq, negll, dist):
        k = 2 if dist == "exponential" else 3
        th, se, llf = fit(negll, np.zeros(k))
        names = [f"1.Class:{eq}:x", f"1.Class:{eq}:_cons"]
        if k == 3:
            names.append(f"1.Class:/{eq}:" + ("ln_p" if dist == "weibull" else "logs"))
        out[key] = report(command, names, th, se, llf)

    for dist in ("exponential", "weibull", "lognormal", "loglogistic", "gamma"):
        def streg(th, dist=dist):
            f = frozen(dist, th, Xs)
            ll = d * f.logpdf(t) + (1 - d) * f.logsf(t) - np.where(t0 > 0, f.logsf(t0), 0.0)
            return -ll.sum()

        survival_fit(f"streg_{dist}", f"1: streg x, distribution({dist})", "_t", streg, dist)

    # glm ypos x, family(gamma | weibull | loglogistic | exponential): exact times.
    Xg, yp = design(df, ["x"]), df["ypos"].to_numpy()
    for fam in ("gamma", "weibull", "loglogistic", "exponential"):
        def glm(th, fam=fam):
            return -frozen(fam, th, Xg).logpdf(yp).sum()

        survival_fit(f"glm_{fam}", f"1: glm ypos x, family({fam})", "ypos", glm, fam)

    df.to_csv(HERE / "k1_limited_survival.csv", index=False, float_format="%.17g")
    (HERE / "k1_limited_survival.json").write_text(json.dumps(out, indent=1) + "\n")
    print("wrote", len(out), "reference fits")


if __name__ == "__main__":
    main()
