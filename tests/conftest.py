"""Shared fixtures: the stamp data and the seed's fits (fitted once per session)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

import fmmpy

REFERENCE = Path(__file__).parent / "reference"


@pytest.fixture(scope="session")
def stamp():
    return fmmpy.datasets.load("stamp")


@pytest.fixture(scope="session")
def stata_stamp():
    return json.loads((REFERENCE / "stata_fmm_intro_stamp.json").read_text())


@pytest.fixture(scope="session")
def fit_regress3(stamp):
    return fmmpy.fmm("3: regress thickness", data=stamp, log=False)


@pytest.fixture(scope="session")
def fit_lognormal3(stamp):
    return fmmpy.fmm("fmm 3: glm thickness, family(lognormal)", data=stamp, log=False)
