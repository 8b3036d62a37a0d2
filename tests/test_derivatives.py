"""Analytic derivatives checked against numerical differences (numerical derivatives
live only here): the families' linear-predictor derivatives, and the full mixture
gradient and Hessian (the OIM)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fmmpy.design import build_design
from fmmpy.estimate.layout import build_layout
from fmmpy.estimate.model import MixtureModel
from fmmpy.families.base import Outcome
from fmmpy.families.gaussian import Gaussian
from fmmpy.families.lognormal import Lognormal
from fmmpy.parse import parse_command

from _family_helpers import num_grad as _num_grad


@pytest.mark.parametrize("family,y", [
    (Gaussian(), np.array([-1.0, 0.3, 2.5])),
    (Lognormal(), np.array([0.2, 1.3, 4.0])),
])
def test_family_eta_derivatives(family, y):
    out = Outcome(y)
    eta = np.array([[0.3, -0.4], [0.1, 0.2], [1.2, 0.5]])
    ll, d1, d2 = family.derivatives(out, eta, order=2)
    for i in range(y.size):
        def f(e, i=i):
            return family.loglik(Outcome(y[i:i + 1]), e[None, :])[0]
        g_num = _num_grad(f, eta[i])
        assert np.allclose(d1[i], g_num, rtol=1e-6, atol=1e-8)
        H_num = np.array([_num_grad(lambda e, i=i, j=j: family.derivatives(
            Outcome(y[i:i + 1]), e[None, :], 1)[1][0, j], eta[i]) for j in range(2)])
        assert np.allclose(d2[i], H_num, rtol=1e-5, atol=1e-7)


def _model(command, data):
    d = build_design(parse_command(command), data)
    return MixtureModel(d, build_layout(d))


@pytest.fixture(scope="module")
def regdata():
    rng = np.random.default_rng(2)
    n = 300
    x = rng.normal(size=n)
    z = rng.normal(size=n)
    cls = rng.random(n) < 0.4
    y = np.where(cls, 1 + 2 * x, -1 + 0.5 * x) + rng.normal(scale=np.where(cls, 0.5, 1.0))
    g = rng.integers(1, 4, size=n)
    return pd.DataFrame({"y": y, "x": x, "z": z, "g": g, "ypos": np.exp(y / 3)})


@pytest.mark.parametrize("command", [
    "2: regress y x",
    "3, lcprob(z): regress y x i.g",
    "fmm: (regress y x) (glm ypos ~ x, family(lognormal))",
    "2, lcbase(2): glm ypos x, family(lognormal)",
])
def test_mixture_gradient_and_hessian(regdata, command):
    check_mixture_derivatives(_model(command, regdata), scale=0.3)


def check_mixture_derivatives(m: MixtureModel, scale: float) -> None:
    """Gradient, Hessian and per-unit scores of a mixture at a random ``theta``."""
    rng = np.random.default_rng(0)
    theta = rng.normal(scale=scale, size=m.layout.n_params)
    d, scores = m.derivatives(theta, order=2, scores=True)
    assert np.isfinite(d.ll)
    g_num = _num_grad(m.loglik, theta)
    assert np.allclose(d.grad, g_num, rtol=1e-5, atol=1e-5)
    H_num = np.array([_num_grad(lambda t, j=j: m.derivatives(t, 1)[0].grad[j], theta)
                      for j in range(theta.size)])
    assert np.allclose(d.hess, H_num, rtol=1e-4, atol=1e-4)
    # Per-unit scores sum (with weights) to the gradient.
    assert np.allclose(scores.sum(axis=0), d.grad, rtol=1e-10, atol=1e-8)


def test_complete_data_derivatives(regdata):
    m = _model("3, lcprob(z): regress y x", regdata)
    rng = np.random.default_rng(1)
    theta = rng.normal(scale=0.3, size=m.layout.n_params)
    post = rng.dirichlet(np.ones(3), size=m.n)
    qc, qo, g, H = m.q_derivatives(theta, post)
    assert qc + qo == pytest.approx(m.q_value(theta, post), rel=1e-10)
    g_num = _num_grad(lambda t: m.q_value(t, post), theta)
    assert np.allclose(g, g_num, rtol=1e-5, atol=1e-5)
