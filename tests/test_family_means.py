"""``mean_jacobian`` (the delta method behind ``estat lcmean``) against central
differences of ``predict("mu")``, for every discrete family and level."""

from __future__ import annotations

import numpy as np
import pytest

from fmmpy.families.base import Outcome
from fmmpy.families.binomial import Binomial
from fmmpy.families.mlogit import MLogit
from fmmpy.families.nbreg import NBreg
from fmmpy.families.ordinal import Ordinal
from fmmpy.families.pointmass import PointMass
from fmmpy.families.poisson import Poisson
from fmmpy.families.tpoisson import TPoisson

from _family_helpers import num_grad

_OUT3 = Outcome(np.array([1.0, 2.0, 3.0]))


@pytest.mark.parametrize("family,eta,outcome", [
    (Binomial("logit", "probit"), [[0.3], [-1.2]], None),
    (Binomial("glm", "cloglog", "n"), [[0.3], [-1.2]],
     Outcome(np.array([1.0, 2.0]), {"n": np.array([3.0, 5.0])})),
    (Poisson(), [[0.3], [1.5]], None),
    (NBreg("constant"), [[0.3, -0.5], [1.5, 0.2]], None),
    (TPoisson(2.0), [[0.3], [1.5]], None),
    (TPoisson("t"), [[0.3], [1.5]], Outcome(np.array([3.0, 4.0]), {"t": np.array([0.0, 2.0])})),
    (Ordinal("logit").configure(_OUT3), [[0.4, -1.0, 0.5], [-0.7, -1.0, 0.5]], None),
    (Ordinal("probit").configure(_OUT3).at_outcome_level(2.0),
     [[0.4, -1.0, 0.5], [-0.7, -1.0, 0.5]], None),
    (MLogit().configure(_OUT3).at_outcome_level(3.0), [[0.0, 0.4, -1.0], [0.0, 2.0, 0.5]], None),
    (MLogit(2.0).configure(_OUT3), [[0.3, 0.0, -1.0], [-2.0, 0.0, 0.5]], None),
    (PointMass(1), np.zeros((2, 0)), None),
])
def test_mean_jacobian(family, eta, outcome):
    eta = np.asarray(eta, dtype=float)
    jac = family.mean_jacobian(outcome, eta)
    assert jac.shape == eta.shape
    assert family.mean_scale in ("identity", "log", "logit")
    for i in range(eta.shape[0]):
        sub = None if outcome is None else outcome.subset(np.array([i]))
        g = num_grad(lambda e, sub=sub: family.predict("mu", sub, e[None, :])[0], eta[i])
        assert np.allclose(jac[i], g, rtol=1e-6, atol=1e-9)
