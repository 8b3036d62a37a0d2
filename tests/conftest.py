"""Shared fixtures: the stamp data and the seed's fits (fitted once per session)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import fmmpy

# Property tests (tests/test_properties.py) are deterministic in CI: derandomized (the
# examples follow from each test's source), no example database, modest budgets;
# deadlines are generous because CI shares two cores.  HYPOTHESIS_PROFILE=explore
# draws fresh random examples locally.
settings.register_profile("fmmpy", derandomize=True, database=None, max_examples=25,
                          deadline=5000, print_blob=True,
                          suppress_health_check=[HealthCheck.too_slow])
settings.register_profile("explore", parent=settings.get_profile("fmmpy"),
                          derandomize=False, max_examples=200)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "fmmpy"))

REFERENCE = Path(__file__).parent / "reference"
#: A simulated 2-class regression mixture (tests/golden/make_mixreg.py).
MIXREG = Path(__file__).parent / "golden" / "mixreg.csv"


@pytest.fixture(scope="session")
def stamp():
    return fmmpy.datasets.load("stamp")


@pytest.fixture(scope="session")
def mixreg():
    import pandas as pd
    return pd.read_csv(MIXREG)


@pytest.fixture(scope="session")
def stata_stamp():
    return json.loads((REFERENCE / "stata_fmm_intro_stamp.json").read_text())


@pytest.fixture(scope="session")
def fit_regress3(stamp):
    return fmmpy.fmm("3: regress thickness", data=stamp, log=False)


@pytest.fixture(scope="session")
def fit_lognormal3(stamp):
    return fmmpy.fmm("fmm 3: glm thickness, family(lognormal)", data=stamp, log=False)
