"""Analytic derivatives checked against numerical differences (numerical derivatives
live only here): the families' linear-predictor derivatives, and the full mixture
gradient and Hessian (the OIM)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from fmmpy.families.base import Outcome
from fmmpy.families.gaussian import Gaussian
from fmmpy.families.lognormal import Lognormal

from _family_helpers import (assert_eta_derivatives, check_mixture_derivatives,
                             mixture_model, num_grad)


@pytest.mark.parametrize("family,y", [
    (Gaussian(), np.array([-1.0, 0.3, 2.5])),
    (Lognormal(), np.array([0.2, 1.3, 4.0])),
])
def test_family_eta_derivatives(family, y):
    eta = np.array([[0.3, -0.4], [0.1, 0.2], [1.2, 0.5]])
    assert_eta_derivatives(family, Outcome(y), eta, atol=1e-8)


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
    check_mixture_derivatives(mixture_model(command, regdata), scale=0.3)


def test_complete_data_derivatives(regdata):
    m = mixture_model("3, lcprob(z): regress y x", regdata)
    rng = np.random.default_rng(1)
    theta = rng.normal(scale=0.3, size=m.layout.n_params)
    post = rng.dirichlet(np.ones(3), size=m.n)
    qc, qo, g, H = m.q_derivatives(theta, post)
    assert qc + qo == pytest.approx(m.q_value(theta, post), rel=1e-10)
    g_num = num_grad(lambda t: m.q_value(t, post), theta)
    assert np.allclose(g, g_num, rtol=1e-5, atol=1e-5)
