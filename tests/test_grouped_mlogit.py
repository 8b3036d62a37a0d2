"""The second seed's model exactly: speeds (regress) and lap status (mlogit) per runner,
``fmm 3, group(runner) lcprob(age female) lcinvariant(errvar): regress speed t
c.t#c.t c.t#c.t#c.t ; mlogit status t``.

Sources of the numbers: the seed's likelihood computed directly with numpy from the
rows; statsmodels' OLS and MNLogit for the k=1 identity; the simulator's known
parameters for recovery.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import logsumexp, softmax

import fmmpy
from fmmpy.datasets import TrajectoryParams, simulate_trajectories

SEED = ("fmm {k}, group(runner) lcprob(age female) lcinvariant(errvar): "
        "regress speed t c.t#c.t c.t#c.t#c.t ; mlogit status t")
TERMS = ["t", "c.t#c.t", "c.t#c.t#c.t", "_cons"]


@pytest.fixture(scope="module")
def runners():
    return simulate_trajectories(200, seed=5, max_laps=30)


def seed_loglik(df, speed, var, status, classes):
    """The seed's log likelihood: sum_i log sum_u pi_iu prod_l p(b_il | u)
    prod_{l: b_il = 0} phi(y_il | u).  ``status`` (k, 2, 2): for rest and withdrawal,
    the coefficient of t and the constant."""
    ids, unit = np.unique(df["runner"].to_numpy(), return_inverse=True)
    k = speed.shape[0]
    t = df["t"].to_numpy()
    b = df["status"].to_numpy().astype(int)
    y = df["speed"].to_numpy()
    poly = np.column_stack([t, t * t, t ** 3, np.ones_like(t)])
    ls = np.zeros((ids.size, k))
    regular = b == 0
    for u in range(k):
        eta = np.column_stack([np.zeros_like(t), status[u, 0, 0] * t + status[u, 0, 1],
                               status[u, 1, 0] * t + status[u, 1, 1]])
        lp = np.log(softmax(eta, axis=1))[np.arange(t.size), b]
        ls_speed = stats.norm.logpdf(y, poly @ speed[u], np.sqrt(var))
        ls[:, u] = (np.bincount(unit, lp, ids.size)
                    + np.bincount(unit[regular], ls_speed[regular], ids.size))
    first = np.unique(unit, return_index=True)[1]
    Z = np.column_stack([df[["age", "female"]].to_numpy()[first], np.ones(ids.size)])
    a = np.log(softmax(np.column_stack([np.zeros(ids.size), Z @ classes.T]), axis=1)) + ls
    lse = logsumexp(a, axis=1)
    return float(lse.sum()), np.exp(a - lse[:, None])


def estimates(params, k):
    p = params
    return {
        "speed": np.array([[p[f"{j}.Class:speed:{t}"] for t in TERMS] for j in range(1, k + 1)]),
        "var": float(p["1.Class:speed:var(e.speed)"]),
        "status": np.array([[[p[f"{j}.Class:{lv}.status:t"], p[f"{j}.Class:{lv}.status:_cons"]]
                             for lv in (1, 2)] for j in range(1, k + 1)]),
        "classes": np.array([[p[f"{j}.Class:{v}"] for v in ("age", "female", "_cons")]
                             for j in range(2, k + 1)]).reshape(k - 1, 3),
    }


def test_every_lap_enters_the_status_equation(runners):
    res = fmmpy.fmm(SEED.format(k=1), data=runners, log=False)
    speed, status = res.design.classes[0].equations
    assert status.outcome.n == len(runners) == res.nobs
    assert speed.outcome.n == int((runners["status"] == 0).sum())
    assert res.n_groups == runners["runner"].nunique()


def test_k1_equals_regress_on_speed_rows_plus_mlogit_on_status_rows(runners):
    res = fmmpy.fmm(SEED.format(k=1), data=runners, log=False)
    s = runners.dropna(subset=["speed"])
    ols = sm.OLS(s["speed"], np.column_stack([s["t"], s["t"] ** 2, s["t"] ** 3,
                                              np.ones(len(s))])).fit()
    mnl = sm.MNLogit(runners["status"], sm.add_constant(runners["t"])).fit(disp=0, tol=1e-12)
    assert res.llf == pytest.approx(ols.llf + mnl.llf, rel=1e-9)
    for lv in (1, 2):
        got = res.params[[f"1.Class:{lv}.status:t", f"1.Class:{lv}.status:_cons"]].to_numpy()
        assert np.allclose(got, mnl.params.iloc[[1, 0], lv - 1].to_numpy(), rtol=1e-6)


def test_loglik_equals_the_seeds_formula_and_posteriors(runners):
    res = fmmpy.fmm(SEED.format(k=2), data=runners, log=False, search=False)
    e = estimates(res.params, 2)
    ll, post = seed_loglik(runners, e["speed"], e["var"], e["status"], e["classes"])
    assert res.llf == pytest.approx(ll, rel=1e-10)
    got = res.predict("classposteriorpr").groupby(runners["runner"]).first()
    assert np.allclose(got.to_numpy(), post, atol=1e-10)


def test_recovers_the_seeds_model_and_classifies_as_the_truth_allows():
    truth = TrajectoryParams()
    df = simulate_trajectories(600, seed=2024, max_laps=40, params=truth)
    res = fmmpy.fmm(SEED.format(k=3), data=df, log=False, search=False)
    assert res.converged
    true_cls = df.groupby("runner")["true_class"].first().to_numpy() - 1
    post = res.predict("classposteriorpr").groupby(df["runner"]).first().to_numpy()
    fitted = post.argmax(axis=1)
    perm = max(itertools.permutations(range(3)),
               key=lambda p: np.mean(np.array(p)[fitted] == true_cls))
    order = np.argsort(perm)
    e, se = estimates(res.params, 3), estimates(res.bse, 3)
    status_truth = np.stack([truth.rest, truth.withdraw], axis=1)
    z = [(e["var"] - truth.variance) / se["var"]]
    for u in range(3):
        j = order[u]
        z.extend((e["speed"][j] - truth.speed[u]) / se["speed"][j])
        z.extend(((e["status"][j] - status_truth[u]) / se["status"][j]).ravel())
    assert np.max(np.abs(z)) < 4.0, np.round(z, 2)
    _, post_true = seed_loglik(df, truth.speed, truth.variance, status_truth, truth.classes)
    bayes = np.mean(post_true.argmax(axis=1) == true_cls)
    assert abs(np.mean(np.array(perm)[fitted] == true_cls) - bayes) <= 0.02


def test_status_probabilities_over_t(runners):
    from fmmpy.trajectory import class_curves

    res = fmmpy.fmm(SEED.format(k=2), data=runners, log=False, search=False)
    curves = class_curves(res, grid=[0.2, 0.8])
    assert sorted(set(curves.columns.get_level_values(0))) == [
        "Pr(status=0)", "Pr(status=1)", "Pr(status=2)", "speed"]
    total = sum(curves[(f"Pr(status={v})", 1)] for v in (0, 1, 2))
    assert np.allclose(total, 1.0)
    e = estimates(res.params, 2)
    eta = np.column_stack([np.zeros(2), e["status"][0, 0, 0] * np.array([0.2, 0.8])
                           + e["status"][0, 0, 1], e["status"][0, 1, 0] * np.array([0.2, 0.8])
                           + e["status"][0, 1, 1]])
    assert np.allclose(curves[("Pr(status=2)", 1)], softmax(eta, axis=1)[:, 2], rtol=1e-12)
    pytest.importorskip("matplotlib")
    fig = res.plot("trajectory")
    assert [ax.get_title() for ax in fig.axes] == ["speed", "Pr(status=1)", "Pr(status=2)"]
