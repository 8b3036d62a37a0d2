"""Grouped, multi-equation mixtures (issue 6): group(), equationwise samples, the
pooled variance M-step, group-level postestimation.

The numbers checked come from identities and independent computations:

* the log likelihood equals the second seed's formula computed directly with numpy
  from the rows (class-weighted product over a runner's laps of the equations'
  densities);
* k=1 equals separate fits of each equation on its own rows (statsmodels OLS);
* grouped k=1 equals ungrouped k=1; frequency weights on groups equal duplicated
  groups; EM never lowers the likelihood; the closed-form pooled-variance M-step
  equals the generic Newton M-step;
* analytic gradient and Hessian equal numerical differences;
* on data simulated from known parameters the estimates lie within a few standard
  errors of the truth and classify runners as well as the true parameters do.

The status equation of the seed (``mlogit``) lives in tests/test_grouped_mlogit.py;
here the second equation is the rest length (lognormal) on the rest laps, which
exercises the same machinery (an equation on other rows of the same runner).
"""

from __future__ import annotations

import dataclasses
import itertools

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
from scipy import stats
from scipy.special import logsumexp, softmax

import fmmpy
from fmmpy.datasets import TrajectoryParams, simulate_trajectories
from fmmpy.design import build_design
from fmmpy.errors import FMMDataError, FMMSyntaxError
from fmmpy.estimate.em import em_refine
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.estimate.start import start_values
from fmmpy.parse import parse_command
from fmmpy.parse.spec import StartValues

from _family_helpers import mixture_model, num_grad

SPEED = "regress speed t c.t#c.t c.t#c.t#c.t"
REST = "glm rest t, family(lognormal)"
TERMS = ["t", "c.t#c.t", "c.t#c.t#c.t", "_cons"]


def command(k: int, opts: str = "group(runner) lcprob(age female) lcinvariant(errvar)") -> str:
    return f"fmm {k}, {opts}: {SPEED} ; {REST}"


@pytest.fixture(scope="module")
def runners():
    return simulate_trajectories(150, seed=11, max_laps=30)


@pytest.fixture(scope="module")
def fit2(runners):
    return fmmpy.fmm(command(2), data=runners, log=False)


# ---------------------------------------------------------------------------
# The seed's formula, computed directly from the rows
# ---------------------------------------------------------------------------


def numpy_loglik(df: pd.DataFrame, speed: np.ndarray, var: float, rest: np.ndarray,
                 logs: np.ndarray, classes: np.ndarray) -> tuple[float, np.ndarray]:
    """sum_i log sum_u pi_iu prod_{laps: b=0} phi(y | u) prod_{laps: b=1} lognormal(r | u).

    ``speed`` (k, 4) in the order t, t^2, t^3, 1; ``rest`` (k, 2): t, 1; ``logs`` (k,);
    ``classes`` (k-1, 3): age, female, 1.  Returns the log likelihood and the
    posterior class probabilities of each runner (in order of runner id)."""
    ids, unit = np.unique(df["runner"].to_numpy(), return_inverse=True)
    k = speed.shape[0]
    t = df["t"].to_numpy()
    poly = np.column_stack([t, t * t, t ** 3, np.ones_like(t)])
    ls = np.zeros((ids.size, k))
    s_ok = df["speed"].notna().to_numpy()
    r_ok = df["rest"].notna().to_numpy()
    y = df["speed"].to_numpy()
    logr = np.log(df["rest"].to_numpy())
    for u in range(k):
        ll_s = stats.norm.logpdf(y, poly @ speed[u], np.sqrt(var))
        ll_r = stats.norm.logpdf(logr, rest[u, 0] * t + rest[u, 1], np.exp(logs[u])) - logr
        ls[:, u] = (np.bincount(unit[s_ok], ll_s[s_ok], ids.size)
                    + np.bincount(unit[r_ok], ll_r[r_ok], ids.size))
    first = np.unique(unit, return_index=True)[1]
    Z = df[["age", "female"]].to_numpy()[first]
    Z = np.column_stack([Z, np.ones(ids.size)])
    logit = np.column_stack([np.zeros(ids.size), Z @ classes.T])
    a = np.log(softmax(logit, axis=1)) + ls
    lse = logsumexp(a, axis=1)
    return float(lse.sum()), np.exp(a - lse[:, None])


def estimates(res, k: int) -> dict[str, np.ndarray]:
    p = res.params
    return {
        "speed": np.array([[p[f"{j}.Class:speed:{t}"] for t in TERMS] for j in range(1, k + 1)]),
        "var": float(p["1.Class:speed:var(e.speed)"]),
        "rest": np.array([[p[f"{j}.Class:rest:t"], p[f"{j}.Class:rest:_cons"]]
                          for j in range(1, k + 1)]),
        "logs": np.array([p[f"{j}.Class:/rest:logs"] for j in range(1, k + 1)]),
        "classes": np.array([[p[f"{j}.Class:{v}"] for v in ("age", "female", "_cons")]
                             for j in range(2, k + 1)]).reshape(k - 1, 3),
    }


# ---------------------------------------------------------------------------
# Sample rules
# ---------------------------------------------------------------------------


def test_each_equation_uses_its_own_rows(runners):
    d = build_design(parse_command(command(2)), runners)
    speed, rest = d.classes[0].equations
    assert d.equationwise and d.group == "runner"
    sample = runners.loc[d.index]
    assert sample.iloc[speed.rows]["status"].eq(0).all()
    assert sample.iloc[rest.rows]["status"].eq(1).all()
    used = runners["status"].isin([0, 1])             # withdrawal laps have neither
    assert d.nobs == int(used.sum()) == speed.outcome.n + rest.outcome.n
    assert d.n_groups == runners.loc[used, "runner"].nunique() == d.n
    assert d.n_dropped == int((~used).sum())
    # Both equations' units point at the right runner.
    groups = sample["runner"].to_numpy()
    assert np.array_equal(groups[speed.rows], groups[np.unique(d.unit, return_index=True)[1]]
                          [speed.unit])


def test_single_equation_without_group_keeps_the_listwise_sample(runners):
    d = build_design(parse_command("2: regress speed t"), runners)
    assert not d.equationwise and d.classes[0].equations[0].rows is None
    assert d.nobs == int(runners["speed"].notna().sum())


def test_several_equations_without_group_are_equationwise_and_listwise_restores(runners):
    d = build_design(parse_command(f"2: {SPEED} ; {REST}"), runners)
    assert d.group is None and d.n == d.nobs == int(runners["status"].isin([0, 1]).sum())
    # speed and rest are never observed on the same lap: no listwise sample.
    with pytest.raises(FMMDataError, match="no observations"):
        build_design(parse_command(f"2, listwise: {SPEED} ; {REST}"), runners)


def test_group_and_class_variables_must_be_complete(runners):
    df = runners.copy()
    df.loc[df.index[:3], "runner"] = np.nan
    d = build_design(parse_command(command(2)), df)
    assert d.nobs == build_design(parse_command(command(2)), runners).nobs - int(
        runners.iloc[:3]["status"].isin([0, 1]).sum())
    assert df.loc[df.index[:3], "runner"].isna().all()          # caller's data untouched


def test_class_covariates_weights_and_clusters_constant_within_group(runners):
    df = runners.copy()
    df.loc[df.index[1], "age"] += 1
    with pytest.raises(FMMDataError, match=r"lcprob\(\) covariate age must be constant within "
                                           r"group\(runner\); it varies within runner 1"):
        build_design(parse_command(command(2)), df)
    df = runners.assign(w=np.arange(len(runners)) % 2 + 1)
    with pytest.raises(FMMDataError, match="weights must be constant within group"):
        build_design(parse_command(f"fmm 2 [fw=w], group(runner): {SPEED}"), df)
    df = runners.assign(c=np.arange(len(runners)) % 2)
    with pytest.raises(FMMDataError, match="cluster variable c must be constant"):
        build_design(parse_command(f"fmm 2, group(runner) vce(cluster c): {SPEED}"), df)


def test_every_class_models_the_same_outcomes(runners):
    with pytest.raises(FMMSyntaxError, match="same dependent variables"):
        build_design(parse_command(f"fmm, group(runner): ({SPEED} ; {REST}) ({SPEED})"),
                     runners)


def test_options_round_trip():
    spec = parse_command("fmm 2, group(runner) listwise: regress y x ; regress z x")
    assert str(spec) == "fmm 2, group(runner) listwise: regress y x ; regress z x"
    assert spec.settings.group.name == "runner" and spec.settings.listwise


# ---------------------------------------------------------------------------
# The likelihood
# ---------------------------------------------------------------------------


def test_loglik_equals_the_seeds_formula(fit2, runners):
    e = estimates(fit2, 2)
    ll, post = numpy_loglik(runners[runners["status"].isin([0, 1])], **{
        "speed": e["speed"], "var": e["var"], "rest": e["rest"], "logs": e["logs"],
        "classes": e["classes"]})
    assert fit2.llf == pytest.approx(ll, rel=1e-10)
    # Posteriors per runner, given to each of the runner's rows.
    got = fit2.predict("classposteriorpr")
    used = runners["status"].isin([0, 1])
    ids = np.unique(runners.loc[used, "runner"])
    per_runner = got[used].groupby(runners.loc[used, "runner"]).agg(["min", "max"])
    assert np.allclose(per_runner.xs("min", axis=1, level=1),
                       per_runner.xs("max", axis=1, level=1), atol=0)
    first = got[used].groupby(runners.loc[used, "runner"]).first().loc[ids].to_numpy()
    assert np.allclose(first, post, atol=1e-10)


def test_em_never_lowers_the_likelihood(runners):
    m = mixture_model(command(3), runners)
    r = em_refine(m, start_values(m, m.design.settings.startvalues, None), iterate=40)
    ll = np.array(r.ll_history)
    assert np.all(np.diff(ll) >= -1e-9 * np.abs(ll[1:]))
    assert ll[-1] > ll[0]


def test_pooled_variance_m_step_equals_newton_m_step(runners):
    m = mixture_model(command(3), runners)
    assert m._plan is not None and any(g.tied == frozenset({1}) for g in m._plan)
    theta = start_values(m, m.design.settings.startvalues, None)
    post, _ = m.posterior(theta)
    closed = m.m_step(theta, post)
    newton = m._constrained_m_step(theta, post, max_iter=100)
    assert np.allclose(closed, newton, rtol=1e-7, atol=1e-8)
    assert m.q_value(closed, post) >= m.q_value(newton, post) - 1e-9


def test_constraints_other_than_ties_use_newton(runners):
    d = build_design(parse_command(command(2)), runners)
    lay = build_layout(d)
    fixed = lay.with_constraints({lay.index("2.Class:female"): 0.0})
    assert MixtureModel(d, fixed)._plan is None
    partial = build_layout(d, lcinvariant=False).with_lcinvariant(["cons"])
    assert MixtureModel(d, partial)._plan is None        # ties only _cons of a block


def test_gradient_and_hessian_match_numerical_differences(runners):
    m = mixture_model(command(2, "group(runner) lcprob(age female)"), runners.iloc[:800])
    rng = np.random.default_rng(5)
    theta = start_values(m, m.design.settings.startvalues, None)
    theta = theta + rng.normal(scale=0.05, size=theta.size)
    d, U = m.derivatives(theta, order=2, scores=True)
    assert U.shape == (m.n, theta.size)
    assert np.allclose(U.sum(axis=0), d.grad, rtol=1e-10, atol=1e-8)

    assert np.allclose(d.grad, num_grad(m.loglik, theta, h=1e-5), rtol=1e-5, atol=1e-4)
    H_num = np.array([num_grad(lambda x, i=i: m.derivatives(x, order=1)[0].grad[i], theta,
                               h=1e-5) for i in range(theta.size)])
    assert np.allclose(d.hess, H_num, rtol=1e-5, atol=1e-3)


# ---------------------------------------------------------------------------
# Identities
# ---------------------------------------------------------------------------


def test_k1_equals_separate_fits_of_each_equation(runners):
    res = fmmpy.fmm(command(1, "group(runner)"), data=runners, log=False)
    s = runners.dropna(subset=["speed"])
    ols = sm.OLS(s["speed"], np.column_stack([s["t"], s["t"] ** 2, s["t"] ** 3,
                                              np.ones(len(s))])).fit()
    r = runners.dropna(subset=["rest"])
    ols_r = sm.OLS(np.log(r["rest"]), sm.add_constant(r["t"])).fit()
    assert res.llf == pytest.approx(ols.llf + ols_r.llf - np.log(r["rest"]).sum(), rel=1e-10)
    coefs = res.params[[f"1.Class:speed:{t}" for t in TERMS]].to_numpy()
    assert np.allclose(coefs, ols.params.to_numpy(), rtol=1e-8)
    assert res.params["1.Class:speed:var(e.speed)"] == pytest.approx(ols.ssr / len(s), rel=1e-8)


def test_grouped_k1_equals_ungrouped_k1(runners):
    grouped = fmmpy.fmm(command(1, "group(runner)"), data=runners, log=False)
    rows = fmmpy.fmm(f"fmm 1: {SPEED} ; {REST}", data=runners, log=False)
    assert grouped.llf == pytest.approx(rows.llf, rel=1e-12)
    assert np.allclose(grouped.params, rows.params, rtol=1e-10)
    assert np.allclose(grouped.bse, rows.bse, rtol=1e-8)
    assert grouped.nobs == rows.nobs and grouped.n_groups < rows.nobs


def test_frequency_weights_on_groups_equal_duplicated_groups(runners):
    df = runners[runners["runner"] <= 80]
    w = (df["runner"] % 3 + 1).astype(int)                   # 1, 2 or 3 copies per runner
    copies = [df[w >= c].assign(runner=df["runner"] + 1000 * c) for c in (1, 2, 3)]
    dup = pd.concat(copies, ignore_index=True)
    opts = "group(runner) lcprob(age) lcinvariant(errvar)"
    weighted = fmmpy.fmm(command(2, opts).replace("fmm 2,", "fmm 2 [fw=w],"),
                         data=df.assign(w=w), log=False)
    again = fmmpy.fmm(command(2, opts), data=dup, log=False, from_=weighted.params)
    assert weighted.nobs == again.nobs
    assert weighted.llf == pytest.approx(again.llf, rel=1e-10)
    assert np.allclose(weighted.params, again.params, rtol=1e-6, atol=1e-8)
    assert np.allclose(weighted.bse, again.bse, rtol=1e-6)
    # The same theta gives the same likelihood, gradient and Hessian.
    m_w = MixtureModel(weighted.design, weighted.layout)
    m_d = MixtureModel(again.design, again.layout)
    dw, _ = m_w.derivatives(weighted.fit.theta)
    dd, _ = m_d.derivatives(weighted.fit.theta)
    assert dw.ll == pytest.approx(dd.ll, rel=1e-12)
    assert np.allclose(dw.hess, dd.hess, rtol=1e-9)


# ---------------------------------------------------------------------------
# Recovery of known parameters and classification
# ---------------------------------------------------------------------------


def test_recovers_the_truth_and_classifies_as_well_as_the_truth():
    # Without the status equation, rests and withdrawals must not depend on the class:
    # class-dependent dropout is informative about the class, and a model of the
    # speeds alone would then be misspecified (the seed's point; with mlogit the
    # status equation models it, tests/test_grouped_mlogit.py).
    base = TrajectoryParams()
    truth = dataclasses.replace(base, rest=np.tile(base.rest[1], (3, 1)),
                                withdraw=np.tile(base.withdraw[2], (3, 1)))
    df = simulate_trajectories(600, seed=2024, max_laps=40, params=truth)
    res = fmmpy.fmm(command(3), data=df, log=False)
    assert res.converged
    used = df[df["status"].isin([0, 1])]
    # Match fitted classes to true classes by the posterior modes.
    post = res.predict("classposteriorpr").loc[used.index]
    by_runner = post.groupby(used["runner"]).first()
    true_cls = used.groupby("runner")["true_class"].first().loc[by_runner.index].to_numpy()
    fitted = by_runner.to_numpy().argmax(axis=1)
    perm = max(itertools.permutations(range(3)),
               key=lambda p: np.mean(np.array(p)[fitted] == true_cls - 1))
    order = np.argsort(perm)                      # fitted class of each true class
    e = estimates(res, 3)
    se = estimates(type("S", (), {"params": res.bse})(), 3)
    z = []
    for u in range(3):
        j = order[u]
        z.extend((e["speed"][j] - truth.speed[u]) / se["speed"][j])
        z.extend((e["rest"][j] - truth.rest_minutes[u, :2]) / se["rest"][j])
        z.append((e["logs"][j] - truth.rest_minutes[u, 2]) / se["logs"][j])
    z.append((e["var"] - truth.variance) / se["var"])
    # Class model: the truth is against true class 1; refer the fit to that class too.
    base = order[0]
    for u in (1, 2):
        j = order[u]
        diff = (e["classes"][j - 1] if j else 0.0) - (e["classes"][base - 1] if base else 0.0)
        name = [f"{j + 1}.Class:{v}" for v in ("age", "female", "_cons")]
        ref = [f"{base + 1}.Class:{v}" for v in ("age", "female", "_cons")]
        cov = res.vcov
        var = np.array([(cov.loc[a, a] if j else 0) + (cov.loc[b, b] if base else 0)
                        - 2 * (cov.loc[a, b] if j and base else 0) for a, b in zip(name, ref)])
        z.extend((diff - truth.classes[u - 1]) / np.sqrt(var))
    assert np.max(np.abs(z)) < 4.0, np.round(z, 2)
    # Classification: as good as the Bayes rule at the true parameters.
    ll_true, post_true = numpy_loglik(used, truth.speed, truth.variance,
                                      truth.rest_minutes[:, :2], truth.rest_minutes[:, 2],
                                      truth.classes)
    bayes = np.mean(post_true.argmax(axis=1) == true_cls - 1)
    rate = np.mean(np.array(perm)[fitted] == true_cls - 1)
    assert abs(rate - bayes) <= 0.02
    assert rate == pytest.approx(post_true.max(axis=1).mean(), abs=0.03)
    assert res.llf >= ll_true


# ---------------------------------------------------------------------------
# Postestimation per group
# ---------------------------------------------------------------------------


def test_predictions_per_group(fit2, runners):
    used = runners["status"].isin([0, 1])
    pr = fit2.predict("classpr")
    assert pr[used].groupby(runners.loc[used, "runner"]).nunique().max().max() == 1
    assert pr[~used].isna().all().all()
    # estat lcprob averages the class probabilities over groups, not rows.
    per_group = pr[used].groupby(runners.loc[used, "runner"]).first()
    margins = fit2.estat_lcprob().to_frame()["margin"].to_numpy()
    assert np.allclose(margins, per_group.mean().to_numpy(), rtol=1e-12)
    # The class speed curve is predicted on every lap of the sample, rest laps too.
    mu = fit2.predict("mu", class_=1, outcome="speed")
    assert mu[used].notna().all()
    t = runners["t"]
    e = estimates(fit2, 2)
    curve = np.column_stack([t, t ** 2, t ** 3, np.ones(len(t))]) @ e["speed"][0]
    assert np.allclose(mu[used], curve[used.to_numpy()], rtol=1e-12)
    rest_mu = fit2.predict("mu", class_=2, outcome="rest")
    lognormal_mean = np.exp(e["rest"][1, 0] * t + e["rest"][1, 1] + np.exp(e["logs"][1]) ** 2 / 2)
    assert np.allclose(rest_mu[used], lognormal_mean[used], rtol=1e-12)
    # Scores: a group's score sits on its first row; they sum to the gradient (zero
    # but for the two tied variances, whose sum is zero).
    sc = fit2.predict("scores")
    first = ~runners["runner"].duplicated() & used
    assert (sc[used & ~first] == 0).all().all()
    m = MixtureModel(fit2.design, fit2.layout)
    grad = m.derivatives(fit2.fit.theta, order=1)[0].grad
    grad = np.where(fit2.layout.log_scale, grad / np.exp(fit2.fit.theta), grad)
    assert np.allclose(sc[used].sum().to_numpy(), grad, atol=1e-8)
    assert np.allclose(fit2.layout.T.T @ (grad * np.exp(fit2.fit.theta) ** fit2.layout.log_scale),
                       0.0, atol=1e-3)


def test_posteriors_on_new_data_need_the_group(fit2, runners):
    new = runners.iloc[:200]
    post = fit2.predict("classposteriorpr", data=new)
    assert np.allclose(post.dropna().sum(axis=1), 1.0)
    with pytest.raises(FMMDataError, match="needs the group"):
        fit2.predict("classposteriorpr", data=new.drop(columns="runner"))
    mu = fit2.predict("mu", class_=1, outcome="speed", data=new.drop(columns="runner"))
    assert mu.notna().all()


def test_robust_variance_sums_scores_within_groups(runners):
    robust = fmmpy.fmm(command(2), data=runners, log=False, vce="robust")
    cluster = fmmpy.fmm(command(2), data=runners, log=False, vce="cluster runner")
    assert np.allclose(robust.bse, cluster.bse, rtol=1e-10)
    assert robust.n_clusters == robust.n_groups
    assert (f"(Std. err. adjusted for {robust.n_groups} clusters in runner)"
            in robust.summary())


def test_header_reports_groups(fit2):
    lines = fit2.summary().splitlines()
    assert lines[0].endswith(f"Number of obs    = {fit2.nobs:,}")
    assert lines[1].endswith(f"Number of groups = {fit2.n_groups:>{len(f'{fit2.nobs:,}')}}")


def test_uniform_random_start_is_per_group_and_reproducible(runners):
    m = mixture_model(command(2), runners)
    from fmmpy.estimate.start import START_METHODS

    sv = StartValues("uniformpr", seed=3)
    a = START_METHODS["uniformpr"](m, sv, np.random.default_rng(3)).post
    b = START_METHODS["uniformpr"](m, sv, np.random.default_rng(3)).post
    assert a.shape == (m.n, 2) and np.array_equal(a, b)
    assert np.allclose(a.sum(axis=1), 1.0) and (a > 0).all()
    res = fmmpy.fmm(command(2, "group(runner) startvalues(uniformpr, seed(3)) "
                               "emopts(iterate(200))"), data=runners, log=False)
    assert res.converged


def test_factor_start_ranks_groups(runners):
    m = mixture_model(command(2), runners)
    from fmmpy.estimate.start import factor_score

    score = factor_score(m)
    assert score.shape == (m.n,) and np.all(np.isfinite(score))
    # one score per runner (the variables averaged over a runner's rows), signed to
    # increase with the first outcome variable: its correlation with a runner's mean
    # speed is sqrt(lambda) times the first loading, positive by that rule (small here:
    # the lap-time polynomial dominates the first component)
    speed = runners.groupby("runner", sort=True)["speed"].mean().to_numpy()
    assert np.corrcoef(score, speed)[0, 1] > 0


# ---------------------------------------------------------------------------
# Trajectories
# ---------------------------------------------------------------------------


def test_class_curves_and_plot(fit2):
    from fmmpy.trajectory import class_curves, observed_curves

    grid = np.array([0.1, 0.5, 0.9])
    curves = class_curves(fit2, grid=grid)
    e = estimates(fit2, 2)
    poly = np.column_stack([grid, grid ** 2, grid ** 3, np.ones(3)])
    assert np.allclose(curves[("speed", 2)], poly @ e["speed"][1], rtol=1e-12)
    obs = observed_curves(fit2)
    assert obs.index.size == 30 and set(obs.columns.get_level_values(0)) == {"speed", "rest"}
    pytest.importorskip("matplotlib")
    fig = fit2.plot("trajectory", outcome="speed")
    assert [ax.get_title() for ax in fig.axes] == ["speed"]
    assert len(fig.axes[0].get_lines()) == 2


@pytest.mark.parametrize("method", ["randompr, draws(2) seed(1)", "randomid, seed(2)",
                                    "jitter .1 .1, seed(3)", "zero", "classid cls", "classpr p1 p2"])
def test_every_start_method_works_per_group(runners, method):
    # Stata's start methods act on units: with group() a group's rows share the start.
    ids = runners["runner"].to_numpy()
    df = runners.assign(cls=ids % 2 + 1, p1=(ids % 3 + 1) / 4.0, p2=1 - (ids % 3 + 1) / 4.0)
    res = fmmpy.fmm(command(2, f"group(runner) lcinvariant(errvar) startvalues({method})"),
                    data=df, log=False, search=False)
    ref = fmmpy.fmm(command(2, "group(runner) lcinvariant(errvar)"), data=runners, log=False,
                    search=False)
    # Reference: the default (factor) start on the same data; these data have one
    # maximum, so every start method, applied per group, must reach it.
    assert res.converged and res.n_groups == ref.n_groups
    assert res.llf == pytest.approx(ref.llf, rel=1e-9)


def test_classid_start_must_be_constant_within_groups(runners):
    df = runners.assign(cls=np.arange(len(runners)) % 2 + 1)
    with pytest.raises(fmmpy.FMMDataError, match=r"startvalues\(\) variable cls must be constant within group\(runner\)"):
        fmmpy.fmm(command(2, "group(runner) startvalues(classid cls)"), data=df, log=False,
                  search=False)


def test_collapse_diagnosis_maps_groups_to_their_rows(runners):
    # A wide jitter start (seed 3) collapses a class's lognormal rest time; the
    # diagnosis counts the distinct values on the rows of that class's groups.
    with pytest.warns(fmmpy.FMMWarning):
        res = fmmpy.fmm(command(2, "group(runner) lcinvariant(errvar) startvalues(jitter, "
                                   "seed(3))"), data=runners, log=False, search=False)
    assert any("collapsed onto" in w for w in res.warnings)


def test_sample_info_counts_rows_not_groups(fit2, runners):
    info = fit2.sample_info
    assert info["used"] == fit2.design.n_rows > fit2.n_groups
    assert info["rows"] == len(runners) and info["selected"] == len(runners)
    assert info["dropped"] == fit2.n_dropped == len(runners) - info["used"]
