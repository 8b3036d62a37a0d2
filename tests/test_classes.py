"""Class statistics, relabeling and choosing k.

Stata's numbers: 1518.8484 (the seed's 3-class stamp fit) and its estat lcprob margins
(.1942968, .3688746, .4368286).  The rest are identities: entropy and AvePP recomputed
from predict's posterior probabilities, a relabeled fit refitted from its own
estimates, the information criteria from their formulas, k = 1 equal to the normal
log likelihood at the sample mean and ML variance.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import fmmpy
from fmmpy.errors import FMMSyntaxError


def test_lcstats_entropy_and_avepp_from_posteriors(fit_regress3):
    post = fit_regress3.predict("classposteriorpr").to_numpy()
    n, k = post.shape
    e = 1 + np.sum(np.where(post > 0, post * np.log(post), 0)) / (n * np.log(k))
    st = fit_regress3.lcstats()
    assert st.entropy == pytest.approx(e, rel=1e-12)
    frame = st.to_frame()
    modal = post.argmax(axis=1)
    for j in range(k):
        assert frame.loc[j + 1, "avepp"] == pytest.approx(post[modal == j, j].mean())
        assert frame.loc[j + 1, "modal"] == pytest.approx(np.mean(modal == j))
    margins = fit_regress3.estat_lcprob().to_frame()["margin"]
    assert np.allclose(frame["classpr"], margins)
    assert np.allclose(frame["classpr"].round(7), [0.1942968, 0.3688746, 0.4368286])
    assert "Entropy = " in str(st) and "AvePP" in str(st)


def test_relabel_identities(stamp, fit_regress3):
    res = fit_regress3
    r = res.relabel([3, 1, 2])
    assert r.llf == res.llf
    margins = res.estat_lcprob().to_frame()["margin"].to_numpy()
    assert np.allclose(r.estat_lcprob().to_frame()["margin"], margins[[2, 0, 1]], rtol=1e-12)
    assert np.allclose(r.estat_lcprob().to_frame()["se"],
                       res.estat_lcprob().to_frame()["se"].to_numpy()[[2, 0, 1]], rtol=1e-8)
    for new, old in ((1, 3), (2, 1), (3, 2)):
        for term in ("_cons", "var(e.thickness)"):
            a, b = f"{new}.Class:thickness:{term}", f"{old}.Class:thickness:{term}"
            assert r.params[a] == res.params[b] and r.bse[a] == pytest.approx(res.bse[b])
    # The class model is re-based on the (new) class 1, old class 3.
    d = {1: 0.0, 2: res.params["2.Class:_cons"], 3: res.params["3.Class:_cons"]}
    assert r.params["2.Class:_cons"] == pytest.approx(d[1] - d[3])
    assert r.params["3.Class:_cons"] == pytest.approx(d[2] - d[3])
    # Refitting from the relabeled estimates gives the same fit and standard errors.
    refit = fmmpy.fmm("3: regress thickness", data=stamp, log=False, from_=r.params,
                      search=False)
    assert refit.llf == pytest.approx(r.llf, abs=1e-8)
    assert np.allclose(refit.bse, r.bse, rtol=1e-5)
    # Relabeling back gives the original numbers.
    back = r.relabel([2, 3, 1])
    assert np.allclose(back.params, res.params, rtol=1e-12, atol=1e-15)
    assert np.allclose(back.vcov, res.vcov, rtol=1e-10, atol=1e-20)
    assert np.allclose(r.predict("classposteriorpr").to_numpy(),
                       res.predict("classposteriorpr").to_numpy()[:, [2, 0, 1]])


def test_relabel_with_lcbase_and_hybrid(stamp):
    res = fmmpy.fmm("2, lcbase(2): regress thickness", data=stamp, log=False, search=False)
    r = res.relabel([2, 1])
    assert r.params["1.Class:_cons"] == pytest.approx(-res.params["1.Class:_cons"])
    hyb = fmmpy.fmm("fmm: (regress thickness) (glm thickness, family(lognormal))", data=stamp,
                    log=False, search=False)
    h = hyb.relabel([2, 1])
    assert h.llf == pytest.approx(hyb.llf, abs=1e-9)
    assert str(h.spec) == "fmm: (glm thickness, family(lognormal)) (regress thickness)"
    assert h.params["1.Class:/thickness:logs"] == hyb.params["2.Class:/thickness:logs"]


@pytest.mark.parametrize("order", [[1, 1, 2], [1, 2], [0, 1, 2], ["a", 1, 2]])
def test_relabel_rejects_bad_orders(fit_regress3, order):
    with pytest.raises(FMMSyntaxError):
        fit_regress3.relabel(order)


@pytest.fixture(scope="module")
def table(stamp):
    events = []
    tab = fmmpy.select_k("regress thickness", data=stamp, k=range(1, 6), draws=5,
                         progress=events.append)
    return tab, events


def test_select_k_on_stamp(table, stamp):
    tab, events = table
    frame = tab.to_frame()
    assert list(frame.index) == [1, 2, 3, 4, 5]
    assert tab.best_k == 3
    assert frame.loc[3, "ll"] == pytest.approx(1518.8484, abs=5e-5)
    y = stamp["thickness"].to_numpy(dtype=float)
    assert frame.loc[1, "ll"] == pytest.approx(
        -0.5 * len(y) * (np.log(2 * np.pi * y.var()) + 1), rel=1e-10)
    n = len(y)
    df = frame["df"].to_numpy()
    ll = frame["ll"].to_numpy()
    assert list(df) == [2, 5, 8, 11, 14]
    assert np.allclose(frame["aic"], -2 * ll + 2 * df)
    assert np.allclose(frame["bic"], -2 * ll + np.log(n) * df)
    assert np.allclose(frame["sabic"], -2 * ll + np.log((n + 2) / 24) * df)
    assert np.allclose(frame["caic"], -2 * ll + (np.log(n) + 1) * df)
    assert np.all(np.diff(ll) > 0)
    assert frame.loc[3, "entropy"] == pytest.approx(tab.fits[3].lcstats().entropy)
    assert frame["converged"].all() and not frame["degenerate"].any()
    assert (frame["n_best"] >= 1).all() and (frame["n_best"] <= frame["n_starts"]).all()
    text = str(tab)
    assert "Choosing the number of classes: regress thickness" in text
    assert max(len(line) for line in text.splitlines()) <= 80
    assert "-2988.224*" in text
    assert [e.done for e in events] == [1, 2, 3, 4, 5]


def test_select_k_passes_fmm_options(stamp):
    df = stamp.assign(z=np.arange(len(stamp)) % 2)
    tab = fmmpy.select_k("regress thickness", data=df, k=[2], draws=0, lcprob="z")
    assert "2.Class:z" in tab.fits[2].params.index
    assert isinstance(tab.to_frame(), pd.DataFrame)


def test_select_k_shows_a_progress_line_on_a_terminal(stamp, monkeypatch):
    import io
    import sys

    class Terminal(io.StringIO):
        def isatty(self):
            return True

    term = Terminal()
    monkeypatch.setattr(sys, "stderr", term)
    fmmpy.select_k("regress thickness", data=stamp, k=[1, 2], draws=1)
    assert "select_k: 2/2  k = 2, ll = " in term.getvalue()
    quiet = Terminal()
    monkeypatch.setattr(sys, "stderr", quiet)
    fmmpy.select_k("regress thickness", data=stamp, k=[1], draws=1, log=False)
    assert quiet.getvalue() == ""
