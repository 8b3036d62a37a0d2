"""Plots (matplotlib, Agg backend) and the numbers behind them."""

from __future__ import annotations

import sys

import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy.errors import FMMDataError, FMMDependencyError, FMMSyntaxError
from fmmpy.plot import mixture_density, stata_bins

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")


@pytest.fixture(scope="module")
def covariate_fit():
    rng = np.random.default_rng(1)
    n = 200
    x = rng.normal(size=n)
    y = np.where(rng.random(n) < 0.4, 1 + 0.5 * x, 4 - 0.5 * x) + rng.normal(scale=0.7, size=n)
    df = pd.DataFrame({"y": y, "x": x, "w": rng.integers(1, 3, n)})
    return df, fmmpy.fmm("2 [fw=w]: regress y x", data=df, log=False)


def test_density_equals_predict_marginal_without_covariates(fit_regress3):
    grid = np.linspace(0.05, 0.14, 50)
    dens = mixture_density(fit_regress3, grid)
    marginal = fit_regress3.predict("density", marginal=True,
                                    data=pd.DataFrame({"thickness": grid}))
    np.testing.assert_allclose(dens["density"].to_numpy(), marginal.to_numpy(), rtol=1e-12)
    np.testing.assert_allclose(dens.iloc[:, 1:].sum(axis=1), dens["density"], rtol=1e-12)


def test_density_with_covariates_is_the_weighted_sample_average(covariate_fit):
    df, res = covariate_fit
    grid = np.array([-1.0, 0.5, 2.5, 4.0])
    dens = mixture_density(res, grid)
    w = df["w"].to_numpy(dtype=float)
    for g, value in zip(grid, dens["density"]):
        f = res.predict("density", marginal=True, data=df.assign(y=g)).to_numpy()
        assert value == pytest.approx(np.sum(w * f) / w.sum(), rel=1e-10)
    wide = np.linspace(-6, 12, 4001)
    assert np.trapezoid(mixture_density(res, wide)["density"], wide) == pytest.approx(1, abs=1e-4)


def test_density_plot_bins_as_stata(fit_regress3, tmp_path):
    """Stata's log of the seed's histogram: ``(bin=80, start=.06, width=.0008875)``."""
    fig = fit_regress3.plot("density", bins=80)
    ax = fig.axes[0]
    bars = ax.patches
    assert len(bars) == 80
    assert bars[0].get_x() == pytest.approx(0.06, abs=1e-7)
    assert bars[0].get_width() == pytest.approx(0.0008875, abs=1e-7)
    area = sum(b.get_height() * b.get_width() for b in bars)
    assert area == pytest.approx(1.0, rel=1e-6)
    line = ax.get_lines()[0]
    x, y = line.get_data()
    np.testing.assert_allclose(y, mixture_density(fit_regress3, x)["density"], rtol=1e-12)
    assert len(fit_regress3.plot("density").axes[0].patches) == stata_bins(485) == 22
    path = tmp_path / "density.png"
    fig.savefig(path)
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_posterior_plot_matches_seed_table(fit_regress3, stata_stamp):
    ax = fit_regress3.plot("posterior").axes[0]
    lines = ax.get_lines()
    assert [ln.get_label() for ln in lines] == ["Class 1", "Class 2", "Class 3"]
    x = lines[0].get_xdata()
    for t, *probs in stata_stamp["regress3"]["posterior"]:
        i = int(np.argmin(np.abs(x - float(t))))
        assert [f"{ln.get_ydata()[i]:.3f}" for ln in lines] == probs, t


def test_posterior_against_another_variable(covariate_fit):
    df, res = covariate_fit
    with pytest.raises(FMMDataError, match="needs data="):
        res.plot("posterior", x="x")
    ax = res.plot("posterior", x="x", data=df).axes[0]
    assert ax.get_xlabel() == "x" and len(ax.collections) == 2  # scattered points


def test_overlay_on_given_axes(fit_regress3, fit_lognormal3):
    fig = fit_regress3.plot("density", components=False)
    again = fit_lognormal3.plot("density", ax=fig.axes[0], hist=False, components=False,
                                label="lognormal")
    assert again is fig
    assert [t.get_text() for t in fig.legends[0].get_texts()] == [
        "thickness", "mixture density", "lognormal"]


def test_bad_kinds(fit_regress3):
    with pytest.raises(FMMDataError, match="group-based trajectory"):
        fit_regress3.plot("trajectory")
    with pytest.raises(FMMSyntaxError, match="unknown plot kind"):
        fit_regress3.plot("pie")


def test_clear_message_without_matplotlib(fit_regress3, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(FMMDependencyError, match=r"pip install 'fmmpy\[plot\]'"):
        fit_regress3.plot("density")
