"""The fast paths of issue 8 give the numbers of the plain computations they replace.

References: numpy's SVD least squares (``np.linalg.lstsq``), the row-by-row class
probabilities of the class model, ``scipy.special.logsumexp``, ``gammaln``, and the
score matrix built by ``hstack``.  No timings here: speed lives in ``benchmarks/``.
"""

from __future__ import annotations

import gc

import numpy as np
import pandas as pd
import pytest
from scipy.special import gammaln, logsumexp

import fmmpy
from fmmpy.classmodel import ClassModel
from fmmpy.families import base
from fmmpy.families.base import Block, outcome_term, score_matrix, weighted_least_squares
from fmmpy.linalg import logsumexp_rows, posterior_rows


def _lstsq(X, y, w):
    sw = np.sqrt(w)
    return np.linalg.lstsq(X * sw[:, None], y * sw, rcond=None)[0]


@pytest.mark.parametrize("p", [1, 3])
def test_weighted_least_squares_equals_svd_solution(p):
    rng = np.random.default_rng(0)
    X = np.column_stack([rng.normal(size=(200, p - 1)), np.ones(200)])
    y, w = rng.normal(size=200), rng.random(200)
    np.testing.assert_allclose(weighted_least_squares(X, y, w), _lstsq(X, y, w),
                               rtol=1e-12, atol=1e-14)


def test_weighted_least_squares_rank_deficient_gives_minimum_norm():
    rng = np.random.default_rng(1)
    x = rng.normal(size=50)
    X = np.column_stack([x, 2 * x, np.ones(50)])        # collinear columns
    y, w = rng.normal(size=50), rng.random(50)
    np.testing.assert_allclose(weighted_least_squares(X, y, w), _lstsq(X, y, w),
                               rtol=1e-10, atol=1e-12)
    # a column without weight: lstsq's minimum-norm 0
    X0 = np.zeros((5, 1))
    assert weighted_least_squares(X0, np.ones(5), np.ones(5)).tolist() == [0.0]


def test_posterior_rows_matches_scipy_and_keeps_empty_rows_missing():
    a = np.log(np.array([[0.2, 0.3, 0.5], [1e-300, 1.0, 1.0]]))
    a = np.vstack([a, [-np.inf, -np.inf, -np.inf]])
    post, lse = posterior_rows(a.copy(order="F"))
    np.testing.assert_allclose(lse[:2, 0], logsumexp(a[:2], axis=1), rtol=1e-15)
    np.testing.assert_allclose(post[:2], np.exp(a[:2] - logsumexp(a[:2], axis=1,
                                                                   keepdims=True)))
    assert lse[2, 0] == -np.inf and np.isnan(post[2]).all()
    np.testing.assert_array_equal(logsumexp_rows(a), lse)


def test_compact_class_probabilities_equal_every_row():
    n = 4
    cm = ClassModel(3, 0, (None, np.ones((n, 1)), np.ones((n, 1))), n)
    deltas = [None, np.array([0.3]), np.array([-1.2])]
    full, compact = cm.logprob(deltas), cm.logprob(deltas, compact=True)
    assert compact.shape == (1, 3)
    np.testing.assert_array_equal(full, np.broadcast_to(compact, full.shape))


def test_score_matrix_into_a_buffer_equals_the_stacked_one():
    rng = np.random.default_rng(2)
    blocks = [Block("y"), Block("y", "const", "variance")]
    X = {"main": rng.normal(size=(6, 2))}
    d1 = rng.normal(size=(6, 2))
    out = np.empty((6, 3), order="F")
    np.testing.assert_array_equal(score_matrix(blocks, X, d1, out=out),
                                  score_matrix(blocks, X, d1))


def test_outcome_term_is_cached_per_array_and_dropped_with_it():
    y = np.array([0.0, 2.0, 5.0])
    first = outcome_term(y, "lgamma1", lambda v: gammaln(v + 1.0))
    np.testing.assert_array_equal(first, gammaln(y + 1.0))
    assert outcome_term(y, "lgamma1", lambda v: v * 0) is first     # not recomputed
    assert not first.flags.writeable
    key = (id(y), "lgamma1")
    assert key in base._OUTCOME_TERMS
    del y, first
    gc.collect()
    assert key not in base._OUTCOME_TERMS


def test_oim_fit_skips_scores_and_sandwich_fit_still_has_them():
    # Same coefficients whatever the variance; the robust one needs the scores.
    df = fmmpy.datasets.load("stamp")
    oim = fmmpy.fmm("2: regress thickness", data=df, log=False, search=False)
    rob = fmmpy.fmm("fmm 2, vce(robust): regress thickness", data=df, log=False, search=False)
    np.testing.assert_array_equal(oim.params.to_numpy(), rob.params.to_numpy())
    assert np.all(np.isfinite(rob.bse.to_numpy())) and not np.allclose(oim.bse, rob.bse)


# Models that go by blocks of rows on large samples (tested here on small ones).
BLOCKED_COMMANDS = [
    "fmm 2: regress y x1 x2",
    "fmm 3: regress y x1",
    "fmm 3: regress y",                  # a constant-only design (broadcast ones)
    "fmm, lcprob(x1 x2): (pointmass y0) (poisson y0 x1 x2, exposure(t))",
    "fmm 2: glm y x1, family(lognormal)",
    "fmm 2, lcprob(x1): glm y x2, family(lognormal)",
]


@pytest.mark.parametrize("command", BLOCKED_COMMANDS)
def test_log_densities_by_row_blocks_equal_the_whole_sample(monkeypatch, command):
    # Large samples are evaluated in blocks of rows (model.ROW_CHUNK); shrink the block
    # so that a small sample takes that path, and compare with the one-pass values.
    whole, blocked, theta = _whole_and_blocked(monkeypatch, command, 3)
    assert blocked._blocks and not whole._blocks
    np.testing.assert_array_equal(blocked.log_density(theta), whole.log_density(theta))
    np.testing.assert_array_equal(blocked.joint(theta), whole.joint(theta))
    # The Newton-Raphson derivatives block by block: the log likelihood and posteriors
    # are the same numbers, gradient and Hessian the same sums added in another order.
    assert blocked._all_blocked and not whole._all_blocked
    for order in (1, 2):
        a, _ = whole.derivatives(theta, order=order)
        b, _ = blocked.derivatives(theta, order=order)
        assert a.ll == b.ll
        np.testing.assert_array_equal(a.post, b.post)
        np.testing.assert_allclose(b.grad, a.grad, rtol=1e-12, atol=1e-12 * np.abs(a.grad).max())
        if order == 2:
            np.testing.assert_allclose(b.hess, a.hess, rtol=1e-12,
                                       atol=1e-12 * np.abs(a.hess).max())
    # the OPG/sandwich scores still come from the one-pass computation
    assert blocked.derivatives(theta, scores=True)[1].shape == (500, whole.layout.n_params)
    # the one-class fits behind the degenerate-solution checks, block by block
    from fmmpy.estimate import model as model_module
    from fmmpy.estimate.start import one_class_fit
    ed = whole.design.classes[-1].equations[0]
    by_blocks = one_class_fit(ed, whole.w)
    monkeypatch.setattr(model_module, "ROW_CHUNK", 65536)
    one_pass = one_class_fit(ed, whole.w)
    monkeypatch.setattr(model_module, "ROW_CHUNK", 64)
    np.testing.assert_array_equal(by_blocks[0], one_pass[0])
    np.testing.assert_allclose(by_blocks[1], one_pass[1], rtol=1e-12)
    # the start fits' complete-data derivatives, block by block
    for qa, qb in zip(whole.q_derivatives(theta, a.post), blocked.q_derivatives(theta, a.post)):
        np.testing.assert_allclose(qb, qa, rtol=1e-12, atol=1e-12 * np.max(np.abs(qa)))


def test_class_objective_by_row_blocks_equals_one_pass(monkeypatch):
    from fmmpy import classmodel

    rng = np.random.default_rng(10)
    pw = np.asfortranarray(rng.random((1000, 3)))
    # the class part of the EM objective, log pi as one row or one per row
    lp = np.log(rng.dirichlet(np.ones(3), size=1000))
    for rows in (lp[:1], lp):
        exact = float(np.sum(pw * rows))
        assert classmodel._weighted_total(pw, rows) == exact
        monkeypatch.setattr(classmodel, "ROW_BLOCK", 64)
        np.testing.assert_allclose(classmodel._weighted_total(pw, rows), exact, rtol=1e-13)
        monkeypatch.undo()


def _whole_and_blocked(monkeypatch, command, seed):
    """The model of ``command`` on 500 simulated rows evaluated in one pass and in
    blocks of 64 rows, and random parameters."""
    from fmmpy.design import build_design
    from fmmpy.estimate import model as model_module
    from fmmpy.estimate.layout import build_layout
    from fmmpy.parse import parse_command

    rng = np.random.default_rng(seed)
    n = 500
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n),
                       "t": rng.uniform(0.5, 2.0, size=n)})
    df["y"] = np.exp(0.3 * df.x1 + rng.normal(size=n))
    df["y0"] = np.where(rng.random(n) < 0.3, 0, rng.poisson(2.0 * df.t)).astype(float)
    d = build_design(parse_command(command), df)
    whole = model_module.MixtureModel(d, build_layout(d))
    monkeypatch.setattr(model_module, "ROW_CHUNK", 64)
    blocked = model_module.MixtureModel(d, build_layout(d))
    theta = whole.layout.to_theta(whole.layout.to_phi(
        rng.normal(scale=0.3, size=whole.layout.n_params)))
    return whole, blocked, theta


def test_row_blocks_of_log_sum_exp_and_posteriors_equal_one_pass(monkeypatch):
    from fmmpy import linalg

    rng = np.random.default_rng(4)
    a = np.asfortranarray(rng.normal(size=(1000, 3)) * 30)
    a[5] = -np.inf
    lse, (post, lse2) = logsumexp_rows(a), posterior_rows(a.copy(order="F"))
    monkeypatch.setattr(linalg, "ROW_BLOCK", 64)
    np.testing.assert_array_equal(logsumexp_rows(a), lse)
    bp, bl = posterior_rows(a.copy(order="F"), overwrite=True)
    np.testing.assert_array_equal(bl, lse2)
    np.testing.assert_array_equal(bp, post)
    np.testing.assert_array_equal(posterior_rows(a)[0], post)


@pytest.mark.parametrize("family", ["gaussian", "lognormal"])
@pytest.mark.parametrize("p", [1, 3])
@pytest.mark.parametrize("n", [300, 2000])   # Gaussian exponentiates a constant once > 1024
def test_classes_together_equal_class_by_class(family, p, n):
    # The batched log densities and M-step of the normal and lognormal families give
    # the numbers of Family's defaults, which call loglik / weighted_fit per class.
    from fmmpy.families.base import Family, Outcome
    from fmmpy.families.gaussian import Gaussian
    from fmmpy.families.lognormal import Lognormal

    fam = Gaussian() if family == "gaussian" else Lognormal()
    assert fam.batches_classes
    rng = np.random.default_rng(5)
    X = {"main": np.column_stack([rng.normal(size=(n, p - 1)), np.ones(n)])}
    outcome = Outcome(np.exp(rng.normal(size=n)))
    blocks = fam.blocks(("y",))
    W = np.asfortranarray(rng.dirichlet(np.ones(4), size=n) * rng.random((n, 1)))
    W[:, 2] = 0.0                             # a class without weight keeps its start
    init = rng.normal(size=(4, p + 1))
    for offset in (None, rng.normal(size=n)):
        np.testing.assert_array_equal(
            fam.loglik_classes(outcome, blocks, X, init, offset),
            Family.loglik_classes(fam, outcome, blocks, X, init, offset))
        fitted = fam.weighted_fit_classes(outcome, X, W, init, offset)
        np.testing.assert_array_equal(
            fitted, Family.weighted_fit_classes(fam, outcome, X, W, init, offset))
        np.testing.assert_array_equal(fitted[2], init[2])


@pytest.mark.parametrize("command", [
    "fmm 3: regress y",
    "fmm 2: regress y x1 x2",
    "fmm 3: glm y x1, family(lognormal)",
    "fmm 2, lcprob(x1): glm y x2, family(gaussian) offset(x1)",
])
def test_mixture_with_classes_together_equals_class_by_class(command):
    # MixtureModel evaluates an equation the classes share for all classes at once;
    # without that (no shared equations) the joint and the M-step are the same.
    from fmmpy.design import build_design
    from fmmpy.estimate.layout import build_layout
    from fmmpy.estimate.model import MixtureModel
    from fmmpy.linalg import posterior_rows
    from fmmpy.parse import parse_command

    rng = np.random.default_rng(6)
    n = 400
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    df["y"] = np.exp(0.3 * df.x1 + rng.normal(size=n))
    d = build_design(parse_command(command), df)
    together = MixtureModel(d, build_layout(d))
    apart = MixtureModel(d, build_layout(d))
    assert together._shared
    apart._shared, apart._one_shared = {}, None
    theta = together.layout.to_theta(together.layout.to_phi(
        rng.normal(scale=0.3, size=together.layout.n_params)))
    a = together.joint(theta)
    np.testing.assert_array_equal(a, apart.joint(theta))
    post = posterior_rows(a, overwrite=True)[0]
    pw = together.w[:, None] * post
    assert pw.flags.f_contiguous
    # (the sums from held row products agree to rounding: tested below)
    together.fit_statistics = apart.fit_statistics = lambda ed: None
    np.testing.assert_array_equal(together.m_step(theta, post, pw),
                                  apart.m_step(theta, post, pw))


@pytest.mark.parametrize("command, held", [
    ("fmm 2: regress y x1 x2", True),
    ("fmm 3: glm y x1 x2, family(lognormal)", True),
    ("fmm 2: glm y x2, family(gaussian) offset(x1)", True),
    ("fmm 3: regress y", False),                # a constant: its own moments
    ("fmm 2: regress y x1 x2 x3 x4 x5", False),  # 21 products: more than 3 x 6 columns
])
def test_m_step_from_held_row_products_equals_row_by_row_sums(command, held):
    # A regression's M-step takes X'WX, X'Wy and y'Wy of every class from one product
    # W'P with the per-row products P of [X, y] held across EM iterations; the same
    # sums of the same products as X'(w X), added in another order.
    from fmmpy.design import build_design
    from fmmpy.estimate.layout import build_layout
    from fmmpy.estimate.model import MixtureModel
    from fmmpy.linalg import (posterior_rows, row_products, weighted_cross_products_classes,
                              weighted_products_classes)
    from fmmpy.parse import parse_command

    rng = np.random.default_rng(61)
    n = 3000
    df = pd.DataFrame({f"x{i}": rng.normal(size=n) for i in range(1, 6)})
    df["y"] = np.exp(0.3 * df.x1 + rng.normal(size=n)) + 5.0
    d = build_design(parse_command(command), df)
    model = MixtureModel(d, build_layout(d))
    ed = d.classes[0].equations[0]
    stats = model.fit_statistics(ed)
    assert (stats is not None) == held
    assert model.fit_statistics(ed) is stats            # computed once per model
    theta = model.layout.to_theta(model.layout.to_phi(
        rng.normal(scale=0.3, size=model.layout.n_params)))
    post = posterior_rows(model.joint(theta), overwrite=True)[0]
    new = model.m_step(theta, post)
    model._once[("fit_statistics", id(ed))] = None      # the row-by-row sums
    np.testing.assert_allclose(new, model.m_step(theta, post), rtol=1e-12, atol=1e-13)
    if held:
        X = ed.X["main"]
        W = np.asfortranarray(post)
        cols = np.arange(W.shape[1])
        y = np.log(ed.outcome.y) if "lognormal" in command else ed.outcome.y
        if ed.offset is not None:
            y = y - ed.offset
        for got, ref in zip(weighted_products_classes(row_products(X, y), W, cols, X.shape[1]),
                            weighted_cross_products_classes(X, y, W, cols)):
            np.testing.assert_allclose(got, ref, rtol=1e-12)
        # a negative weight: counted as 0 the row-by-row way
        W[0, 0] = -1.0
        assert weighted_products_classes(row_products(X, y), W, cols, X.shape[1]) is None


def test_class_model_derivatives_from_given_log_probabilities_equal_recomputed():
    # ClassModel.fit passes log pi from its line search and the row totals of pw to
    # q_derivatives instead of recomputing them.
    rng = np.random.default_rng(8)
    n = 300
    Z = np.column_stack([rng.normal(size=(n, 2)), np.ones(n)])
    cm = ClassModel(3, 0, (None, Z, Z), n)
    pw = rng.dirichlet(np.ones(3), size=n) * rng.random((n, 1))
    deltas = [None, rng.normal(size=3), rng.normal(size=3)]
    f, g, H = cm.q_derivatives(pw, deltas)
    lp = cm.logprob(deltas, compact=True)
    f2, g2, H2 = cm.q_derivatives(pw, deltas, lp=lp, unit=pw.sum(axis=1),
                                  value=float(np.sum(pw * lp)))
    # q_derivatives and q_value take the value as sum_j pw_j'gamma_j - unit'lse; a
    # given value is returned as is; the two are the same objective to rounding
    assert f == cm.q_value(pw, deltas)
    assert f2 == float(np.sum(pw * lp)) == pytest.approx(f, rel=1e-14)
    np.testing.assert_array_equal(g, g2)
    np.testing.assert_array_equal(H, H2)


@pytest.mark.parametrize("p", [1, 3])
def test_least_squares_by_row_blocks_equal_one_pass(monkeypatch, p):
    # Above 2 x ROW_BLOCK rows X'WX, X'Wy and the residual sum of squares are summed
    # block by block; shrink the block and compare with the one-pass sums.
    from fmmpy import linalg
    from fmmpy.families.base import weighted_residual_ss

    rng = np.random.default_rng(9)
    n = 1000
    X = np.column_stack([rng.normal(size=(n, p - 1)), np.ones(n)])
    y, w = rng.normal(size=n), rng.random(n) - 0.1        # a few negative weights
    beta = weighted_least_squares(X, y, w)
    ss = weighted_residual_ss(X, y, beta, w)
    monkeypatch.setattr(linalg, "ROW_BLOCK", 64)
    np.testing.assert_allclose(weighted_least_squares(X, y, w), beta, rtol=1e-12)
    np.testing.assert_allclose(weighted_residual_ss(X, y, beta, w), ss, rtol=1e-12)
    np.testing.assert_allclose(beta, _lstsq(X, y, np.maximum(w, 0.0)), rtol=1e-10)


@pytest.mark.parametrize("b", [-0.7, 0.0, -0.0, 2.5])
def test_one_column_linear_predictor_equals_the_matrix_product(b):
    # linear_predictors, class_means and the residual sum of squares multiply a
    # one-column design directly instead of calling BLAS's matrix-vector product.
    from fmmpy.families.base import linear_predictors, weighted_residual_ss
    from fmmpy.families.gaussian import class_means

    rng = np.random.default_rng(11)
    X = rng.normal(size=(50, 1))
    X[:5] = 0.0                               # zero products: the sign must match too
    blocks = [Block("y"), Block("y", "const", "variance")]
    eta = linear_predictors(blocks, {"main": X}, np.array([b, 0.3]), 50)
    product = np.matmul(X, np.array([b]))
    np.testing.assert_array_equal(eta[:, 0], product)
    assert (np.signbit(eta[:, 0]) == np.signbit(product)).all()
    mu = class_means(X, np.array([[b], [1.0]]), 50)
    np.testing.assert_array_equal(mu[:, 0], product)
    assert (np.signbit(mu[:, 0]) == np.signbit(product)).all()
    y, w = rng.normal(size=50), rng.random(50)
    resid = y - product
    assert weighted_residual_ss(X, y, np.array([b]), w) == float(np.dot(w, resid * resid))


def _stable_sort_groups(score, k):
    # The definition: floor(k * rank / n) of each row's rank in a stable sort.
    order = np.argsort(score, kind="stable")
    groups = np.empty(score.shape[0], dtype=int)
    groups[order] = np.minimum(np.floor(k * np.arange(score.shape[0]) / score.shape[0]),
                               k - 1).astype(int)
    return groups


def test_factor_groups_without_sorting_equal_the_stable_sort():
    # Unit weights go through a partial sort; ties at a cut are ranked by position.
    from fmmpy.estimate.start import factor_groups
    rng = np.random.default_rng(12)
    for _ in range(500):
        n, k = int(rng.integers(1, 80)), int(rng.integers(1, 7))
        score = (rng.integers(0, int(rng.integers(1, 6)), n).astype(float)
                 if rng.random() < 0.7 else rng.normal(size=n))
        np.testing.assert_array_equal(factor_groups(score, k, np.ones(n)),
                                      _stable_sort_groups(score, k))


def test_constant_class_model_derivatives_equal_the_row_sums():
    # A constant-only class model's Q derivatives come from the class totals of pw.
    rng = np.random.default_rng(13)
    n = 400
    ones = np.full((n, 1), 2.0)                 # a constant column need not be 1
    cm = ClassModel(3, 1, (ones, None, ones), n)
    pw = rng.dirichlet(np.ones(3), size=n) * rng.random((n, 1))
    deltas = [np.array([0.3]), None, np.array([-0.4])]
    f, g, H = cm.q_derivatives(pw, deltas)
    lp = cm.logprob(deltas)                     # every row: the general sums
    pi, unit = np.exp(lp), pw.sum(axis=1)
    g_rows = np.array([ones[:, 0] @ (pw[:, j] - unit * pi[:, j]) for j in (0, 2)])
    H_rows = np.array([[-(ones[:, 0] ** 2) @ (unit * (pi[:, a] * (a == b) - pi[:, a] * pi[:, b]))
                        for b in (0, 2)] for a in (0, 2)])
    assert f == pytest.approx(float(np.sum(pw * lp)), rel=1e-13)
    np.testing.assert_allclose(g, g_rows, rtol=1e-11, atol=1e-10)
    np.testing.assert_allclose(H, H_rows, rtol=1e-12)


def test_newton_reuses_its_last_derivatives_for_the_variance():
    # The OIM comes from the Hessian of the last Newton evaluation, at the same theta:
    # the same numbers as a fresh evaluation there.
    from fmmpy.design import build_design
    from fmmpy.estimate.layout import build_layout
    from fmmpy.estimate.ml import maximize_likelihood
    from fmmpy.estimate.model import MixtureModel
    from fmmpy.parse import parse_command
    d = build_design(parse_command("2: regress thickness"), fmmpy.datasets.load("stamp"))
    m = MixtureModel(d, build_layout(d))
    r = maximize_likelihood(m, np.array([0.0, 0.07, -13.0, 0.09, -9.0]), d.settings)
    assert r.converged and r.at_x is not None
    fresh, _ = m.derivatives(m.layout.to_theta(r.x), order=2)
    assert r.at_x.ll == fresh.ll
    np.testing.assert_array_equal(r.at_x.hess, fresh.hess)
    np.testing.assert_array_equal(r.at_x.post, fresh.post)


def test_em_objective_by_one_dot_product_equals_the_masked_sum():
    from fmmpy.estimate.mstep import em_objective
    rng = np.random.default_rng(14)
    pw = np.asfortranarray(rng.dirichlet(np.ones(3), size=500))
    a = np.asfortranarray(rng.normal(size=(500, 3)))
    assert em_objective(pw, a) == pytest.approx(float(np.sum(pw * a)), rel=1e-13)
    # a class that cannot produce a row (-inf) where that row has no weight
    pw[:10, 2], a[:10, 2] = 0.0, -np.inf
    assert em_objective(pw, a) == pytest.approx(float(np.sum(np.where(pw > 0, pw * a, 0.0))),
                                            rel=1e-13)
    pw[0, 2] = 0.5
    assert em_objective(pw, a) == -np.inf


@pytest.mark.parametrize("command", BLOCKED_COMMANDS)
def test_e_step_by_row_blocks_equals_one_pass(monkeypatch, command):
    # EM's E-step on a large sample goes block by block, turning each block's joint
    # densities into posteriors in the memory of the previous posteriors.
    whole, blocked, theta = _whole_and_blocked(monkeypatch, command, 21)
    assert blocked._all_blocked and not whole._all_blocked
    post0, _, _ = whole.e_step(theta)
    post, ll, q = whole.e_step(theta, pw=post0)
    np.testing.assert_array_equal(post, post0)
    assert q == pytest.approx(float(np.sum(np.where(post0 > 0, post0 * whole.joint(theta), 0))),
                              rel=1e-13)
    old = post0.copy(order="F")
    bpost, bll, bq = blocked.e_step(theta, pw=old, reuse=old)
    assert bpost is old                           # written in place of the old posteriors
    np.testing.assert_allclose(bpost, post, rtol=1e-14, atol=1e-300)
    assert bll == pytest.approx(ll, rel=1e-14) and bq == pytest.approx(q, rel=1e-13)
    # and the whole EM, block by block, follows the one-pass EM
    from fmmpy.estimate.em import em_refine
    a, b = em_refine(whole, theta, iterate=5), em_refine(blocked, theta, iterate=5)
    np.testing.assert_allclose(b.theta, a.theta, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(b.q_history, a.q_history, rtol=1e-12)
    np.testing.assert_allclose(b.ll_history, a.ll_history, rtol=1e-12)


def test_newton_does_not_evaluate_a_step_below_rounding():
    # The start fits pass null_step: a start that already maximizes (a closed form)
    # costs one evaluation, and the log shows Stata's two iterations with one value.
    from fmmpy.estimate.log import IterationLog
    from fmmpy.estimate.ml import newton_raphson
    calls = []

    def f(x, order):
        calls.append(order)
        return -float((x - 1.0) @ (x - 1.0)), -2.0 * (x - 1.0), -2.0 * np.eye(2)

    for null_step, evaluations in ((0.0, 2), (1e-10, 1)):
        calls.clear()
        log = IterationLog(echo=False)
        r = newton_raphson(f, np.ones(2), log=log, caption="(outcome) log likelihood",
                           null_step=null_step)
        assert len(calls) == evaluations and r.converged and r.iterations == 1
        assert [line.split("=")[1] for line in log.lines() if "Iteration" in line] == [" 0"] * 2
    calls.clear()       # a step that is not rounding noise is evaluated, the next one not
    r = newton_raphson(f, np.array([0.0, 1.0]), null_step=1e-10)
    assert calls == [2, 2] and r.iterations == 2 and np.allclose(r.x, 1.0, rtol=0, atol=1e-15)


def _newton_fit_before(family, outcome, X, w, init):
    # newton_weighted_fit as it was: the value of every trial point, then derivatives
    # at the accepted point, also at the solution.
    from fmmpy.families.base import grad_hess_from_eta, linear_predictors
    from fmmpy.linalg import ascent_direction
    blocks = family.blocks(("y",))
    n = outcome.n
    params = np.array(init, dtype=float)
    ll, d1, d2 = family.derivatives(outcome, linear_predictors(blocks, X, params, n), order=2)
    f = float(np.dot(w, np.where(w > 0, ll, 0.0)))
    for _ in range(50):
        g, H = grad_hess_from_eta(blocks, X, w, d1, d2)
        step = ascent_direction(g, H)[0]
        t = 1.0
        for _ in range(40):
            trial = params + t * step
            eta_t = linear_predictors(blocks, X, trial, n)
            with np.errstate(all="ignore"):
                ll_t = family.loglik(outcome, eta_t)
                f_t = float(np.dot(w, np.where(w > 0, ll_t, 0.0)))
            if np.isfinite(f_t) and f_t >= f - 1e-12 * (abs(f) + 1):
                break
            t *= 0.5
        else:
            return params
        converged = abs(f_t - f) <= 1e-10 * (abs(f) + 1) and np.max(
            np.abs(trial - params) / (np.abs(params) + 1)) < 1e-8
        params, f = trial, f_t
        ll, d1, d2 = family.derivatives(outcome, eta_t, order=2)
        if converged:
            break
    return params


def _newton_family_data(family, n, seed):
    """A family of the Newton M-step and data it fits: y on two covariates and a
    constant (overdispersed counts for nbreg: an interior maximum; ologit without the
    constant, three levels)."""
    from fmmpy.families.base import Outcome
    from fmmpy.families.binomial import Binomial
    from fmmpy.families.nbreg import NBreg
    from fmmpy.families.ordinal import Ordinal
    from fmmpy.families.poisson import Poisson
    rng = np.random.default_rng(seed)
    X = {"main": np.column_stack([rng.normal(size=(n, 2)), np.ones(n)])}
    mu = np.exp(X["main"] @ np.array([0.4, -0.3, 0.5]))
    if family == "logit":
        fam, y = Binomial(), (rng.random(n) < mu / (1 + mu)).astype(float)
    elif family == "ologit":
        X = {"main": X["main"][:, :2]}
        y = np.digitize(np.log(mu) + rng.logistic(size=n), [0.0, 1.0]).astype(float)
        fam = Ordinal("logit", levels=(0.0, 1.0, 2.0))
    else:
        fam = Poisson() if family == "poisson" else NBreg()
        y = rng.poisson(mu * (1.0 if family == "poisson" else rng.gamma(2.0, 0.5, n)))
        y = y.astype(float)
    return fam, X, Outcome(y), rng


@pytest.mark.parametrize("family", ["poisson", "logit", "nbreg"])
def test_newton_m_step_equals_the_value_then_derivatives_loop(family):
    # newton_weighted_fit evaluates the full step with its derivatives (one call, not
    # two), none at the solution, takes a last negligible step without evaluating it,
    # and stops without derivatives where quadratic convergence puts the next step
    # below 1e-10 (relative): the same iterates, and the old loop's solution to that
    # 1e-10 -- with fewer evaluations of the derivatives.
    from fmmpy.families.base import newton_weighted_fit
    n = 3000
    fam, X, outcome, rng = _newton_family_data(family, n, 31)
    w = rng.random(n)
    w[:200] = 0.0                                      # rows another class explains
    init = np.zeros(len(fam.blocks(("y",))) + 2)
    orders = []

    class Counted(type(fam)):
        def derivatives(self, outcome, eta, order=2):
            orders.append(order)
            return super().derivatives(outcome, eta, order)

    counted = Counted()
    calls = []
    for _start in ("cold", "warm"):    # from zeros; near the solution, as in EM
        got = newton_weighted_fit(counted, outcome, X, w, init)
        calls.append(sum(o == 2 for o in orders))
        orders.clear()
        ref = _newton_fit_before(counted, outcome, X, w, init)
        calls.append(sum(o == 2 for o in orders))
        orders.clear()
        np.testing.assert_allclose(got, ref, rtol=1e-10, atol=1e-12)
        init = ref * (1.0 + 1e-3)
    assert calls[2] < calls[3]      # warm: fewer derivatives than the old loop


@pytest.mark.parametrize("n", [500, 300_000])
def test_constant_normal_m_step_from_moments_equals_two_passes(n):
    # A constant-only normal M-step takes the weighted mean and variance from the
    # moments about a fixed centre; a class far from the centre relative to its spread
    # (here 1e6 standard deviations) gets the exact two-pass sum.
    from fmmpy.families.gaussian import normal_fit_classes
    from fmmpy.linalg import constant_design, weighted_residual_ss
    rng = np.random.default_rng(32)
    y = np.concatenate([rng.normal(0.0, 1.0, n - n // 10), rng.normal(1e3, 1e-3, n // 10)])
    W = np.asfortranarray(rng.dirichlet(np.ones(3), size=n))
    W[: n - n // 10, 2] = 0.0                          # class 3: only the far rows
    W[:, 1] = 0.0 if n == 500 else W[:, 1]             # a class without weight
    X = constant_design(n)
    init = rng.normal(size=(3, 2))
    out, var, fitted = normal_fit_classes(y, X, W, init)
    for j in range(3):
        total = W[:, j].sum()
        if total <= 0:
            assert not fitted[j] and np.array_equal(out[j], init[j])
            continue
        mean = np.dot(W[:, j], y) / total
        exact = weighted_residual_ss(X, y, np.array([mean]), W[:, j]) / total
        assert out[j, 0] == pytest.approx(mean, rel=1e-13, abs=1e-13)
        assert var[j] == pytest.approx(exact, rel=1e-11)
    assert 1e-7 < var[2] < 1e-5        # the far class's own spread (sd 1e-3), not 1e6


@pytest.mark.parametrize("n", [600, 300_000])
@pytest.mark.parametrize("level", [0.0, 1e4])
def test_regression_m_step_from_sums_equals_two_passes(n, level):
    # A normal regression M-step takes the residual sum of squares from X'WX, X'Wy and
    # y'Wy; with y far above its residual spread (level 1e4, sd 1) the difference would
    # lose 8 digits, and the exact sum of squared residuals is taken instead.
    from fmmpy.families.gaussian import normal_fit_classes
    from fmmpy.linalg import weighted_residual_ss
    rng = np.random.default_rng(33)
    X = np.column_stack([rng.normal(size=(n, 2)), np.ones(n)])
    y = level + X @ np.array([1.0, -2.0, 0.5]) + rng.normal(size=n)
    W = np.asfortranarray(rng.dirichlet(np.ones(3), size=n))
    W[:, 1] = 0.0                                      # a class without weight
    init = rng.normal(size=(3, 4))
    out, var, fitted = normal_fit_classes(y, X, W, init)
    assert list(fitted) == [True, False, True] and np.array_equal(out[1], init[1])
    for j in (0, 2):
        beta = weighted_least_squares(X, y, W[:, j])
        np.testing.assert_array_equal(out[j, :-1], beta)       # the same sums, solved alike
        exact = weighted_residual_ss(X, y, beta, W[:, j]) / W[:, j].sum()
        assert var[j] == pytest.approx(exact, rel=1e-12)


def test_distinct_values_counted_up_to_a_cap_equal_the_sorted_count():
    # check_data only asks whether an outcome has more distinct values than a few
    # classes: counting them up to a cap gives np.unique's count below the cap.
    from fmmpy.estimate.diagnose import _distinct_rows
    rng = np.random.default_rng(34)
    for y in (rng.integers(0, 4, 1000).astype(float), np.full(50, 2.5),
              rng.integers(0, 3, (400, 2)).astype(float), rng.normal(size=300)):
        exact = np.unique(y, axis=0).shape[0]
        assert _distinct_rows(y) == exact
        for cap in (1, 2, 3, 4, 5, 10):
            assert _distinct_rows(y, cap) == min(exact, cap)


def test_an_lcprob_list_repeating_an_equations_covariates_is_built_once():
    # The zero-inflated model's lcprob(x1 x2) and its poisson y x1 x2 share one
    # (read-only) matrix; different lists or samples get their own.
    from fmmpy.design import build_design
    from fmmpy.parse import parse_command
    rng = np.random.default_rng(35)
    df = pd.DataFrame({"x1": rng.normal(size=200), "x2": rng.normal(size=200)})
    df["y"] = rng.poisson(np.exp(0.3 * df.x1)) * (rng.random(200) < 0.7)
    d = build_design(parse_command("fmm, lcprob(x1 x2): (pointmass y) (poisson y x1 x2)"), df)
    X = d.classes[1].equations[0].X["main"]
    assert d.classes[1].Z is X and not X.flags.writeable
    d = build_design(parse_command("fmm, lcprob(x2): (pointmass y) (poisson y x1 x2)"), df)
    assert d.classes[1].Z.shape[1] == 2 and d.classes[1].equations[0].X["main"].shape[1] == 3


def test_clearly_independent_columns_from_cross_products_equal_gram_schmidt(monkeypatch):
    # The collinearity check decides the common case from X'X and leaves anything near
    # its threshold to the exact Gram-Schmidt test: the same columns either way.
    from fmmpy.design import matrices
    rng = np.random.default_rng(36)
    n = 2000
    x1, x2 = rng.normal(size=n), rng.normal(size=n)
    cases = {
        "independent": [x1, 1e-10 * x2, np.ones(n)],          # a rescaled covariate stays
        "duplicate": [x1, x2, x1.copy(), np.ones(n)],
        "combination": [x1, x2, 2 * x1 - 3 * x2, np.ones(n)],
        "zero": [x1, np.zeros(n), np.ones(n)],
        "nearly": [x1, x1 + 1e-7 * x2, np.ones(n)],
    }
    exact = {}
    for name, cols in cases.items():
        X = np.column_stack(cols)
        names = [f"x{i}" for i in range(X.shape[1] - 1)] + ["_cons"]
        got = matrices._independent_columns(X, names)
        perm = rng.permutation(X.shape[1])         # the columns given as indices of X
        np.testing.assert_array_equal(
            matrices._independent_columns(X[:, np.argsort(perm)], names, columns=perm), got)
        clear = matrices._clearly_independent(X.T @ X, n,
                                              [X.shape[1] - 1, *range(X.shape[1] - 1)], 1e-9)
        assert (clear is not None) == (name in ("independent", "zero"))
        with monkeypatch.context() as m:               # the exact test alone
            m.setattr(matrices, "_clearly_independent", lambda *a: None)
            exact[name] = matrices._independent_columns(X, names)
        np.testing.assert_array_equal(got, exact[name])
    assert exact["independent"].tolist() == [0, 1, 2] and exact["zero"].tolist() == [0, 2]
    assert exact["duplicate"].tolist() == [0, 1, 3]
    assert exact["combination"].tolist() == [0, 1, 3]      # 2 x1 - 3 x2 is dropped


@pytest.mark.parametrize("k", [1, 2, 3, 7, 8, 12])
@pytest.mark.parametrize("order", ["F", "C"])
def test_logsumexp_by_columns_equals_row_reductions(k, order):
    # logsumexp_rows works column by column (elementwise maximum and sum over the k
    # columns); the numbers are those of the row reductions max/sum(axis=1), including
    # rows with -inf, +inf and nan.
    from fmmpy.linalg import logsumexp_rows

    rng = np.random.default_rng(k)
    a = np.asarray(rng.normal(scale=40.0, size=(2000, k)), order=order)
    a[3] = -np.inf
    a[5, 0] = np.inf
    a[7, 0] = np.nan
    if k > 1:
        a[9, 1] = -np.inf
    m = a.max(axis=1, keepdims=True)
    m[~np.isfinite(m)] = 0.0
    with np.errstate(all="ignore"):
        e = np.exp(a - m)
        ref = np.log(e.sum(axis=1, keepdims=True)) + m
        got = logsumexp_rows(a)
    np.testing.assert_array_equal(got, ref)
    assert got[3, 0] == -np.inf and got[5, 0] == np.inf and np.isnan(got[7, 0])


@pytest.mark.parametrize("weighted", [False, True])
def test_two_class_score_covariance_equals_the_general_sum(weighted):
    # Two classes: sum_l V_l' diag(w p_l) V_l - S' diag(w) S (S = [p_1 V_1, p_2 V_2]) is
    # R'R with R = sqrt(w p_1 p_2) [V_1, -V_2] (p_1 + p_2 = 1).
    from fmmpy.estimate.model import _add_score_covariance

    rng = np.random.default_rng(12)
    n = 500
    p1 = rng.uniform(size=n)
    post = np.asfortranarray(np.column_stack([p1, 1.0 - p1]))
    V = [(np.asfortranarray(rng.normal(size=(n, 3))), np.array([0, 1, 2])),
         (np.asfortranarray(rng.normal(size=(n, 4))), np.array([6, 3, 4, 5]))]
    w = rng.uniform(0.5, 2.0, size=n) if weighted else None
    got = np.zeros((8, 8))
    _add_score_covariance(got, V, post, w)
    ww = np.ones(n) if w is None else w
    ref = np.zeros((8, 8))
    S = np.zeros((n, 8))
    for j, (Vj, ij) in enumerate(V):
        ref[np.ix_(ij, ij)] += Vj.T @ (Vj * (ww * post[:, j])[:, None])
        S[:, ij] = Vj * post[:, j:j + 1]
    ref -= S.T @ (S * ww[:, None])
    np.testing.assert_allclose(got, ref, rtol=1e-11, atol=1e-11 * np.abs(ref).max())
    assert np.all(got[7] == 0.0) and np.all(got[:, 7] == 0.0)


def test_gram_products_equal_weighted_gram_matrices():
    # M' diag(v) M from the held row products equals the plain product (to rounding),
    # for one weight vector and several; designs that would not pay hold nothing.
    from fmmpy.linalg import constant_design, gram_products

    rng = np.random.default_rng(40)
    n = 700
    for p in (2, 3, 5):
        M = np.column_stack([rng.normal(size=(n, p - 1)), np.ones(n)])
        held = gram_products(M)
        assert held.P.shape == (n, p * (p + 1) // 2) and not held.P.flags.writeable
        V = rng.normal(size=(n, 3))                       # negative weights too
        ref = np.stack([M.T @ (M * V[:, [j]]) for j in range(3)])
        np.testing.assert_allclose(held.grams(V), ref, rtol=1e-12, atol=1e-12 * n)
        np.testing.assert_allclose(held.gram(V[:, 1]), ref[1], rtol=1e-12, atol=1e-12 * n)
        assert np.array_equal(held.gram(V[:, 1]), held.gram(V[:, 1]).T)
    assert gram_products(np.ones((n, 1))) is None                     # one column
    assert gram_products(np.ones((n, 6))) is None                     # 21 > 3 * 6 columns
    assert gram_products(np.broadcast_to(np.ones((1, 2)), (n, 2))) is None  # identical rows
    assert gram_products(constant_design(n)) is None
    bad = np.ones((n, 2))
    bad[3, 0] = np.nan
    assert gram_products(bad) is None
    # held once per design array (start fits and M-steps share them), let go with it
    from fmmpy import linalg
    M = np.column_stack([rng.normal(size=n), np.ones(n)])
    held = linalg.held_gram_products(M)
    assert linalg.held_gram_products(M) is held and id(M) in linalg._HELD_GRAMS
    key = id(M)
    del M, held
    gc.collect()
    assert key not in linalg._HELD_GRAMS


@pytest.mark.parametrize("family", ["poisson", "logit", "nbreg", "ologit"])
def test_newton_m_step_from_held_products_equals_the_plain_hessians(family):
    # The default fit_statistics holds the design's row products; the Newton M-step's
    # Hessians from them agree with X' diag(w d2) X to rounding, and so do the fits.
    from fmmpy.families.base import grad_hess_from_eta, linear_predictors
    n = 4000
    fam, X, outcome, rng = _newton_family_data(family, n, 41)
    stats = fam.fit_statistics(outcome, X)
    assert set(stats) == {"main"}
    w = rng.random(n)
    w[:300] = 0.0
    blocks = fam.blocks(("y",))
    init = fam.start(outcome, X, np.ones(n))
    eta = linear_predictors(blocks, X, init * 0.9, n)
    _, d1, d2 = fam.derivatives(outcome, eta, order=2)
    g0, H0 = grad_hess_from_eta(blocks, X, w, d1, d2)
    g1, H1 = grad_hess_from_eta(blocks, X, w, d1, d2, stats)
    np.testing.assert_array_equal(g0, g1)
    np.testing.assert_allclose(H1, H0, rtol=1e-11, atol=1e-11 * np.abs(H0).max())
    fit_plain = fam.weighted_fit(outcome, X, w, init * 0.9)
    fit_held = fam.weighted_fit(outcome, X, w, init * 0.9, stats=stats)
    np.testing.assert_allclose(fit_held, fit_plain, rtol=1e-8, atol=1e-9)


@pytest.mark.parametrize("k", [2, 3])
def test_class_model_newton_from_held_products_equals_the_plain_sums(k):
    # With the same lcprob() covariates in every class the class model's Hessian comes
    # from their held row products and its line search from sum_j pw_j'gamma_j -
    # unit'lse(gamma): the derivatives and the fit agree with the per-block products
    # (classes holding copies of the covariates hold nothing; here none at all).
    rng = np.random.default_rng(42)
    n = 3000
    Z = np.column_stack([rng.normal(size=(n, 2)), np.ones(n)])
    shared = ClassModel(k, 0, (None,) + (Z,) * (k - 1), n)
    apart = ClassModel(k, 0, (None,) + tuple(Z.copy() for _ in range(k - 1)), n)
    assert shared._grams is not None and (apart._grams is None) == (k > 2)
    apart.__dict__["_grams"] = None       # the per-block products
    pw = np.asfortranarray(rng.dirichlet(np.ones(k), size=n) * rng.uniform(0.5, 2, (n, 1)))
    deltas = [None] + [rng.normal(scale=0.5, size=3) for _ in range(k - 1)]
    f0, g0, H0 = apart.q_derivatives(pw, deltas)
    f1, g1, H1 = shared.q_derivatives(pw, deltas)
    assert f0 == f1
    np.testing.assert_array_equal(g0, g1)
    np.testing.assert_allclose(H1, H0, rtol=1e-11, atol=1e-11 * np.abs(H0).max())
    lp = shared.logprob(deltas)
    f2, g2, H2 = shared.q_derivatives(pw, deltas, pi=np.exp(lp), value=f1)
    np.testing.assert_array_equal(g2, g1)
    np.testing.assert_array_equal(H2, H1)
    # the line search's value is q_value at the trial point
    gam = shared.gammas(deltas)
    value = (sum(float(np.dot(pw[:, j], gam[:, j])) for j in range(1, k))
             - float(np.dot(pw.sum(axis=1), logsumexp_rows(gam)[:, 0])))
    assert value == pytest.approx(shared.q_value(pw, deltas), rel=1e-13)
    fit_apart = np.concatenate(apart.fit(pw)[1:])
    fit_shared = np.concatenate(shared.fit(pw)[1:])
    np.testing.assert_allclose(fit_shared, fit_apart, rtol=1e-8, atol=1e-9)
    # the maximum: the gradient vanishes there
    assert np.abs(apart.q_derivatives(pw, shared.fit(pw))[1]).max() < 1e-6 * n


@pytest.mark.parametrize("base", [0, 1])
def test_two_class_log_probabilities_from_one_column_equal_the_logsumexp(base):
    # Two classes with lcprob() covariates: log pi from the one linear predictor
    # (lse = log(1 + exp(-|gamma|)) + max(gamma, 0)) is bit for bit gamma - lse of the
    # (0, gamma) rows, including huge and infinite gammas; the fit equals the general
    # path's to rounding.
    rng = np.random.default_rng(43)
    n = 2000
    Z = np.column_stack([rng.normal(size=(n, 2)) * 5, np.ones(n)])
    Z[:3, 0] = [1e6, -1e6, np.inf]
    cm = ClassModel(2, base, (None, Z) if base == 0 else (Z, None), n)
    assert cm._single == 1 - base
    for scale in (0.1, 1.0, 30.0):
        d = rng.normal(size=3) * scale
        deltas = [None, d] if base == 0 else [d, None]
        g = cm.gammas(deltas)
        with np.errstate(invalid="ignore"):
            ref = g - logsumexp_rows(g)
            got = cm.logprob(deltas)
        np.testing.assert_array_equal(got, ref)
    pw = np.asfortranarray(rng.dirichlet(np.ones(2), size=n))
    Zf = Z.copy()
    Zf[:3, 0] = 0.0
    cm = ClassModel(2, base, (None, Zf) if base == 0 else (Zf, None), n)
    general = ClassModel(2, base, cm.Z, n)
    general.__dict__["_single"] = None
    j = 1 - base
    np.testing.assert_allclose(cm.fit(pw)[j], general.fit(pw)[j], rtol=1e-9, atol=1e-10)


def _zip_frame(n, seed):
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    zero = rng.random(n) < 1.0 / (1.0 + np.exp(-(-0.5 + 0.8 * df.x1)))
    df["y"] = np.where(zero, 0, rng.poisson(np.exp(0.5 + 0.3 * df.x1 - 0.4 * df.x2)))
    return df


@pytest.mark.parametrize("command", [
    "fmm, lcprob(x1 x2): (pointmass y) (poisson y x1 x2)",
    "fmm 2, lcprob(x1): logit y x2",
])
def test_em_from_extrapolated_starts_equals_em_from_the_last_iterate(monkeypatch, command):
    # The Newton M-steps start at EM's extrapolation of its path: the same maxima, so
    # the same EM log (to the M-steps' tolerance) and the same fit.
    from fmmpy.estimate import em

    df = _zip_frame(3000, 44)
    if "logit" in command:          # a two-class logit mixture
        rng = np.random.default_rng(46)
        second = rng.random(3000) < 1.0 / (1.0 + np.exp(-df.x1))
        eta = np.where(second, 1.0 - 1.5 * df.x2, -0.5 + 1.0 * df.x2)
        df["y"] = (rng.random(3000) < 1.0 / (1.0 + np.exp(-eta))).astype(float)
    kw = dict(data=df, log=False, search=False)
    r = fmmpy.fmm(command, **kw)
    guesses = []
    real = em.extrapolated
    monkeypatch.setattr(em, "extrapolated",
                        lambda *a: guesses.append(real(*a)) or guesses[-1])
    assert fmmpy.fmm(command, **kw).llf == r.llf
    assert sum(g is not None for g in guesses) >= 3        # it did extrapolate
    monkeypatch.setattr(em, "extrapolated", lambda *a: None)
    plain = fmmpy.fmm(command, **kw)
    # the M-steps stop at 1e-10 of the objective: the logged values agree to far below
    # the 4 decimals the log prints, and print the same
    np.testing.assert_allclose(r.fit.em.q_history, plain.fit.em.q_history, rtol=1e-9)
    assert np.array_equal(np.round(r.fit.em.q_history, 4), np.round(plain.fit.em.q_history, 4))
    np.testing.assert_allclose(np.asarray(r.params), np.asarray(plain.params), rtol=1e-8,
                               atol=1e-10)
    assert r.llf == pytest.approx(plain.llf, rel=1e-13)


def test_m_step_takes_a_guess_only_where_any_start_is_valid():
    # A family without an open parameter space (ordered logit's cutpoints) starts from
    # theta whatever the guess; Poisson and the class model reach the same maximum from
    # a guess.
    from fmmpy.design import build_design
    from fmmpy.estimate.layout import build_layout
    from fmmpy.estimate.model import MixtureModel
    from fmmpy.parse import parse_command

    df = _zip_frame(2000, 45)
    df["o"] = np.digitize(df.x2 + np.random.default_rng(1).logistic(size=2000), [0, 1])
    for command, guessed in (("fmm 2, lcprob(x1): poisson y x2", True),
                             ("fmm 2: ologit o x1", False)):
        d = build_design(parse_command(command), df)
        m = MixtureModel(d, build_layout(d))
        theta = fmmpy.fmm(command, data=df, log=False, search=False).fit.theta
        theta = np.asarray(theta) * 1.05
        post, _, _ = m.e_step(theta)
        ref = m.m_step(theta, post)
        guess = theta + (0.01 if guessed else 50.0)
        got = m.m_step(theta, post, guess=guess)
        if guessed:
            np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9)
        else:       # ologit ignores the (absurd) guess; its class model takes it
            out = np.setdiff1d(np.arange(theta.size), m.layout.class_index)
            np.testing.assert_array_equal(got[out], ref[out])
            np.testing.assert_allclose(got, ref, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("order", ["C", "F"])
def test_row_sums_by_columns_equal_the_row_reduction(order):
    from fmmpy.linalg import row_sums
    rng = np.random.default_rng(47)
    for k in (0, 1, 2, 3, 7, 8, 12):
        a = np.asarray(rng.normal(size=(1000, k)) * 10.0 ** rng.integers(-8, 8, (1000, k)),
                       order=order)
        np.testing.assert_array_equal(row_sums(a), a.sum(axis=1))


def test_start_probabilities_within_support_equal_the_masked_normalization():
    # A point-mass class takes no start probability on rows it cannot produce; the
    # column-major computation gives the row-major formula's numbers.
    from fmmpy.design import build_design
    from fmmpy.estimate.layout import build_layout
    from fmmpy.estimate.model import MixtureModel
    from fmmpy.estimate.start import _within_support
    from fmmpy.parse import parse_command

    df = _zip_frame(500, 48)
    d = build_design(parse_command("fmm: (pointmass y) (poisson y x1) (poisson y x2)"), df)
    m = MixtureModel(d, build_layout(d))
    rng = np.random.default_rng(49)
    post = rng.dirichlet(np.ones(3), size=500)
    post[:5] = [1.0, 0.0, 0.0]          # all mass on the point mass
    feasible = np.ones((500, 3), dtype=bool)
    feasible[:, 0] = df.y.to_numpy() == 0
    ref = np.where(feasible, post, 0.0)
    empty = ref.sum(axis=1) <= 0
    ref[empty] = feasible[empty]
    ref = ref / ref.sum(axis=1, keepdims=True)
    assert empty[:5].any() and not feasible[:, 0].all()
    got = _within_support(m, post)
    np.testing.assert_array_equal(got, ref)
    assert got.flags.f_contiguous


def test_guarded_exponential_equals_numpy_exp():
    # exp_inplace keeps arguments below -600 away from numpy's slow path: the same
    # numbers everywhere, subnormal results, -inf, nan and +inf included, on views.
    from fmmpy.linalg import exp_inplace, logsumexp_rows, posterior_rows
    rng = np.random.default_rng(50)
    v = np.concatenate([np.linspace(-760.0, -590.0, 4001), rng.normal(size=2000) * 50,
                        [-np.inf, np.inf, np.nan, 0.0, -0.0, -745.13, -745.14, -708.4]])
    with np.errstate(over="ignore"):
        ref = np.exp(v)
        np.testing.assert_array_equal(exp_inplace(v.copy()), ref)
        np.testing.assert_array_equal(exp_inplace(v.copy(), underflow=False), ref)
        M = np.asfortranarray(v[:6000].reshape(2000, 3))
        view = M[100:1500]
        np.testing.assert_array_equal(exp_inplace(view.copy()), np.exp(view))
    # posteriors and log-sum-exp with a class that cannot produce 60% of the rows
    a = np.asfortranarray(rng.normal(size=(3000, 3)) * 300)
    a[rng.random(3000) < 0.6, 0] = -np.inf
    for underflow in (False, True):
        post, lse = posterior_rows(a.copy(), underflow=underflow)
        ref_post, ref_lse = posterior_rows(a.copy())
        np.testing.assert_array_equal(post, ref_post)
        np.testing.assert_array_equal(lse, ref_lse)
        np.testing.assert_array_equal(logsumexp_rows(a, underflow), ref_lse)
    assert np.any(post == 0.0) and np.any((post > 0) & (post < 1e-300))


def test_warm_newton_m_steps_confirm_convergence_without_a_second_hessian(monkeypatch):
    # From a start near the maximum (as EM's extrapolated start is), the Poisson and
    # class-model M-steps take one Newton step and judge the next from the new gradient
    # with the old Hessian: one Hessian each, the maximum to the fits' tolerance.
    from fmmpy.families import base as fbase
    from fmmpy.families.base import Outcome, newton_weighted_fit
    from fmmpy.families.poisson import Poisson

    rng = np.random.default_rng(51)
    n = 4000
    X = {"main": np.column_stack([rng.normal(size=(n, 2)), np.ones(n)])}
    outcome = Outcome(rng.poisson(np.exp(X["main"] @ np.array([0.4, -0.3, 0.5]))) * 1.0)
    w = rng.random(n)
    best = newton_weighted_fit(Poisson(), outcome, X, w, np.zeros(3))
    hessians = []
    real = fbase.grad_hess_from_eta
    monkeypatch.setattr(fbase, "grad_hess_from_eta",
                        lambda *a, **k: hessians.append(a[4] is not None) or real(*a, **k))
    warm = newton_weighted_fit(Poisson(), outcome, X, w, best * (1 + 1e-6))
    assert sum(hessians) == 1 and len(hessians) == 2
    np.testing.assert_allclose(warm, best, rtol=1e-12)

    Z = X["main"]
    cm = ClassModel(2, 0, (None, Z), n)
    pw = np.asfortranarray(rng.dirichlet(np.ones(2), size=n))
    top = cm.fit(pw)[1]
    calls = []
    real_gh = ClassModel._grad_hess
    monkeypatch.setattr(ClassModel, "_grad_hess",
                        lambda self, *a: calls.append(1) or real_gh(self, *a))
    # (the class model stops at its last evaluated point: equal to its step tolerance)
    np.testing.assert_allclose(cm.fit(pw, [None, top * (1 + 1e-6)])[1], top, rtol=0,
                               atol=1e-9)
    assert len(calls) == 1


def test_class_model_remembers_its_last_point_for_the_e_step():
    # The M-step's fit ends at a point it evaluated; the E-step's log probabilities
    # there reuse that evaluation (read-only arrays), and equal a fresh computation.
    rng = np.random.default_rng(52)
    n = 3000
    Z = np.column_stack([rng.normal(size=(n, 2)), np.ones(n)])
    cm = ClassModel(2, 0, (None, Z), n)
    pw = np.asfortranarray(rng.dirichlet(np.ones(2), size=n))
    deltas = cm.fit(pw)
    remembered = cm.__dict__["_last_point"]
    assert remembered[0] == cm._stack(deltas).tobytes()
    assert not remembered[1].flags.writeable and not remembered[2].flags.writeable
    lp = cm.logprob(deltas, compact=True)
    fresh = ClassModel(2, 0, (None, Z), n)
    np.testing.assert_array_equal(lp, fresh.logprob(deltas, compact=True))
    other = [None, deltas[1] + 1e-3]
    assert cm._active_point(other)[0] is not remembered[1]
    np.testing.assert_array_equal(cm.logprob(other), fresh.logprob(other))
