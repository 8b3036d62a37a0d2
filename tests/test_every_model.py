"""Every registered component model through the whole protocol and postestimation.

For each model name in the registry, every ``glm`` (family, link) pair and every
``streg`` distribution, a small two-class dataset suited to the model is simulated
(fixed seed) and ``fmm 2: <model> ...`` is fitted.  The checks are identities and
consistency conditions, not reference numbers (the k=1 comparisons with statsmodels
and scipy live in the ``test_family_*``, ``test_k1_*`` and ``test_identities`` files;
the glm pairs they do not cover are compared with statsmodels here):

* the fit converges with a finite log likelihood and finite standard errors;
  ``print``, ``tidy``, ``estat_lcprob``, ``estat_ic`` work;
* ``estat_lcmean`` gives finite margins and standard errors, and without lcprob
  covariates each class's margin is the sample average of ``predict("mu",
  class_=j)`` (Stata's ``estat lcmean`` is ``margins`` of that prediction);
* ``Family.mean_jacobian`` (the delta method of ``estat lcmean``) equals central
  differences of ``predict("mu")`` at the estimates;
* every ``predict`` statistic the family supports is finite on the estimation
  sample;
* ``lcinvariant(cons)`` and ``lcinvariant(all)`` fit, and the constrained
  parameters are equal across classes;
* a continuous outcome's scale ancillary is known to the degenerate-solution
  diagnosis (``Block.scale_power``): a class whose scale collapses is reported.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

import fmmpy
from fmmpy.estimate.model import MixtureModel
from fmmpy.families.glm import _IMPLEMENTED
from fmmpy.families.survival import DISTRIBUTIONS
from fmmpy.registry import lookup_model, model_names

from _family_helpers import num_grad

N = 320


def _base(seed: int):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=N)
    c = rng.random(N) < 0.4                     # the latent class
    return rng, x, c


def _normal(seed):
    rng, x, c = _base(seed)
    y = np.where(c, -1.0, 2.0) + 0.5 * x + rng.normal(scale=np.where(c, 0.6, 1.0))
    return pd.DataFrame({"y": y, "x": x})


def _binary(seed, link="logit"):
    rng, x, c = _base(seed)
    eta = np.where(c, -1.0 - 3.0 * x, 1.0 + 3.0 * x)     # opposite slopes: identified
    p = {"logit": lambda e: 1 / (1 + np.exp(-e)), "probit": lambda e: sm.families.links.Probit()
         .inverse(e), "cloglog": lambda e: 1 - np.exp(-np.exp(e))}[link](eta)
    return pd.DataFrame({"y": (rng.random(N) < p).astype(float), "x": x,
                         "n": rng.integers(1, 6, N).astype(float)}), rng, p


def _counts(seed, truncate=False):
    rng, x, c = _base(seed)
    mu = np.exp(np.where(c, 0.2, 1.6) + 0.4 * x)
    y = rng.poisson(mu)
    if truncate:
        while np.any(y == 0):
            y = np.where(y == 0, rng.poisson(mu), y)
    return pd.DataFrame({"y": y.astype(float), "x": x})


def _nb(seed):
    rng, x, c = _base(seed)
    mu = np.exp(np.where(c, 0.2, 1.6) + 0.4 * x)
    y = rng.negative_binomial(2.0, 2.0 / (2.0 + mu))
    return pd.DataFrame({"y": y.astype(float), "x": x})


def _positive(seed, dist):
    rng, x, c = _base(seed)
    xb = np.where(c, 0.0, 1.5) + 0.4 * x
    if dist == "weibull":
        t = (rng.exponential(size=N) / np.exp(-xb)) ** (1 / 1.5)
    elif dist == "exponential":
        t = rng.exponential(np.exp(xb))
    elif dist == "loglogistic":
        u = rng.random(N)
        t = np.exp(xb + 0.5 * np.log(u / (1 - u)))
    elif dist == "gamma":
        t = rng.gamma(3.0, np.exp(xb) / 3.0)
    else:
        t = np.exp(xb + 0.5 * rng.normal(size=N))
    return pd.DataFrame({"y": t, "x": x}), rng


def _ordinal(seed):
    # A single ordered item identifies a two-class mixture weakly: many draws reach a
    # boundary (a class's cutpoints meeting); this one (seed + 1) does not.
    rng, x, c = _base(seed + 1)
    latent = np.where(c, -2.0 + 2.0 * x, 2.0 + 2.0 * x) + rng.logistic(size=N)
    return pd.DataFrame({"y": np.digitize(latent, [-1.0, 1.0]).astype(float) + 1, "x": x})


def _mlogit(seed):
    # as for ordered outcomes, a draw (seed + 2) whose fit stays off the boundary
    rng, x, c = _base(seed + 2)
    u = np.column_stack([np.zeros(N), np.where(c, -1.5 + 2.0 * x, 1.5 - 2.0 * x),
                         np.where(c, 1.0 - 2.0 * x, -1.0 + 2.0 * x)]) + rng.gumbel(size=(N, 3))
    return pd.DataFrame({"y": u.argmax(axis=1).astype(float) + 1, "x": x})


def _beta(seed):
    rng, x, c = _base(seed)
    mu = 1 / (1 + np.exp(-(np.where(c, -1.0, 1.0) + 0.5 * x)))
    return pd.DataFrame({"y": rng.beta(mu * 10, (1 - mu) * 10), "x": x})


def _tobit(seed):
    df = _normal(seed)
    df["y"] = np.maximum(df["y"], 0.0)
    return df


def _truncreg(seed):
    df = _normal(seed)
    return df[df["y"] > -1.5].reset_index(drop=True)


def _intreg(seed):
    df = _normal(seed)
    lo, hi = np.floor(df["y"] * 2) / 2, np.floor(df["y"] * 2) / 2 + 0.5
    point = np.arange(N) % 3 == 0
    lo = np.where(point, df["y"], lo)
    hi = np.where(point, df["y"], hi)
    lo = np.where(df["y"] < -1.5, np.nan, lo)
    hi = np.where(df["y"] > 3.5, np.nan, hi)
    return pd.DataFrame({"ylo": lo, "yhi": hi, "x": df["x"]})


def _ivregress(seed):
    rng, x, c = _base(seed)
    z = rng.normal(size=N)
    e = rng.multivariate_normal([0, 0], [[1.0, 0.4], [0.4, 1.0]], size=N)
    w = 0.5 + z + 0.3 * x + e[:, 1]
    y = np.where(c, -1.0, 2.0) + 0.8 * w - 0.5 * x + e[:, 0]
    return pd.DataFrame({"y": y, "w": w, "z": z, "x": x})


def _streg(seed, dist):
    df, rng = _positive(seed, dist)
    cens = rng.exponential(np.quantile(df["y"], 0.9) * 3, N)
    df["fail"] = (df["y"] <= cens).astype(float)
    df["y"] = np.minimum(df["y"], cens)
    return fmmpy.stset(df, "y", failure="fail")


def _pointmass(seed):
    df = _counts(seed)
    rng = np.random.default_rng(seed + 1)
    df.loc[rng.random(N) < 0.3, "y"] = 0.0
    return df


#: model -> (command after ``fmm 2:`` or the hybrid text, data builder).
MODELS = {
    "regress": ("regress y x", _normal),
    "tobit": ("tobit y x, ll(0)", _tobit),
    "truncreg": ("truncreg y x, ll(-1.5)", _truncreg),
    "intreg": ("intreg ylo yhi x", _intreg),
    "ivregress": ("ivregress y (w = z) x", _ivregress),
    "betareg": ("betareg y x", _beta),
    "logit": ("logit y x", lambda s: _binary(s, "logit")[0]),
    "probit": ("probit y x", lambda s: _binary(s, "probit")[0]),
    "cloglog": ("cloglog y x", lambda s: _binary(s, "cloglog")[0]),
    "ologit": ("ologit y x", _ordinal),
    "oprobit": ("oprobit y x", _ordinal),
    "mlogit": ("mlogit y x", _mlogit),
    "poisson": ("poisson y x", _counts),
    "nbreg": ("nbreg y x", _nb),
    "tpoisson": ("tpoisson y x", lambda s: _counts(s, truncate=True)),
    "pointmass": ("(pointmass y) (poisson y x)", _pointmass),
}
EXTRA = {
    "nbreg constant": ("nbreg y x, dispersion(constant)", _nb),
}
for _d in DISTRIBUTIONS:
    EXTRA[f"streg {_d}"] = (f"streg x, distribution({_d})",
                            lambda s, _d=_d: _streg(s, _d))


def _glm_data(family: str, link: str):
    def build(seed):
        if family in ("bernoulli", "binomial"):
            df, rng, p = _binary(seed, link)
            if family == "binomial":
                df["y"] = rng.binomial(df["n"].astype(int), p).astype(float)
            return df
        if family == "beta":
            return _beta(seed)
        if family == "gaussian":
            return _normal(seed)
        if family == "poisson":
            return _counts(seed)
        if family == "nbinomial":
            return _nb(seed)
        return _positive(seed, family)[0]
    return build


for (_f, _lk) in sorted(_IMPLEMENTED):
    trials = " n" if _f == "binomial" else ""
    EXTRA[f"glm {_f} {_lk}"] = (f"glm y x, family({_f}{trials}) link({_lk})", _glm_data(_f, _lk))

CASES = {**MODELS, **EXTRA}
_SURVIVAL_GLM = [["exponential"], ["gamma"], ["loglogistic"], ["lognormal"], ["weibull"]]

#: Families with symmetric lcmean intervals although these data give positive means:
#: normal means (positive here by chance) and the point mass (a known constant).
_IDENTITY_POSITIVE = {"Gaussian", "Tobit", "TruncReg", "IntReg", "IVRegress", "PointMass"}


def test_every_registered_model_is_exercised():
    assert set(model_names()) <= set(MODELS) | {"glm", "streg"}
    assert {k.split()[0] for k in CASES} >= set(model_names())


def _command(text: str, options: str = "") -> str:
    sep = ", " + options if options else ""
    return f"{sep}: {text}" if text.startswith("(") else f"2{sep}: {text}"


_FITS: dict[str, tuple[pd.DataFrame, fmmpy.FMMResults]] = {}


def _fit(key: str):
    if key not in _FITS:
        text, build = CASES[key]
        df = build(20261121)
        _FITS[key] = df, fmmpy.fmm(_command(text), data=df, search=False, log=False)
    return _FITS[key]


@pytest.mark.parametrize("key", sorted(CASES))
def test_fit_and_postestimation(key):
    df, res = _fit(key)
    assert res.converged
    assert np.isfinite(res.llf)
    assert np.all(np.isfinite(res.bse.to_numpy())), res.bse[~np.isfinite(res.bse)]
    assert "Class" in str(res)
    tidy = res.tidy()
    assert len(tidy) == len(res.params)
    assert np.isclose(res.estat_lcprob().to_frame()["margin"].sum(), 1.0)
    ic = res.estat_ic()
    assert ic.aic == pytest.approx(-2 * res.llf + 2 * ic.df)
    with np.errstate(over="ignore"):        # exp of a diverging binary-class coefficient
        assert len(res.estat_eform().to_frame()) > 0

    sample = res.design.index
    lcmean = res.estat_lcmean().to_frame()
    assert np.all(np.isfinite(lcmean[["margin", "se"]].to_numpy())), lcmean
    assert np.all((lcmean.ci_lower <= lcmean.margin) & (lcmean.margin <= lcmean.ci_upper))
    # intervals of positive means on the log scale, of probabilities on the logit
    # scale, of unbounded means symmetric: every family of a kind says the same
    for j, eqs in enumerate(res.design.classes):
        for ed in eqs.equations:
            mu = res.predict("mu", class_=j + 1).loc[sample]
            scale = ed.family.mean_scale
            if scale == "identity":
                assert mu.min() < 0 or type(ed.family).__name__ in _IDENTITY_POSITIVE, ed.family
            else:
                assert mu.min() >= 0 and (scale == "log" or mu.max() <= 1), (ed.family, scale)
    for j in range(1, res.k + 1):
        mu = res.predict("mu", class_=j).loc[sample]
        assert np.all(np.isfinite(mu))
        assert lcmean.loc[j, "margin"].iloc[0] == pytest.approx(float(mu.mean()), rel=1e-10)

    for stat in ("eta", "density", "classposteriorpr", "classpr"):
        values = res.predict(stat).loc[sample]
        assert np.all(np.isfinite(np.asarray(values, dtype=float))), stat
    assert np.allclose(res.predict("classposteriorpr").loc[sample].sum(axis=1), 1.0)
    # ordered models: every class's cutpoints increase (out of order they are not a
    # distribution, and a mixture could exploit that)
    for j in range(1, res.k + 1):
        cuts = [v for name, v in res.params.items() if name.startswith(f"{j}.")
                and name.split(":")[-1].startswith("cut")]
        assert np.all(np.diff(cuts) > 0), cuts
    # the marginal density is the mixture of the class densities
    pi = res.predict("classpr").loc[sample].to_numpy()
    dens = res.predict("density").loc[sample].to_numpy()
    assert np.allclose(res.predict("density", marginal=True).loc[sample],
                       np.sum(pi * dens, axis=1), rtol=1e-10)
    for stat in ("distribution", "survival"):
        try:
            values = res.predict(stat).loc[sample]
        except fmmpy.errors.FMMDataError:
            # not defined for this family: survival only for positive outcomes (streg
            # and the glm families of times), distribution not for mlogit
            assert stat == "distribution" and key == "mlogit" or stat == "survival" and not (
                key.startswith("streg") or key.split()[1:2] in _SURVIVAL_GLM), (key, stat)
            continue
        values = np.asarray(values, dtype=float)
        if stat == "survival" and not key.startswith("streg"):
            assert np.allclose(values, 1 - np.asarray(res.predict("distribution").loc[sample],
                                                      dtype=float))
        finite = np.isfinite(values)
        if key in ("tobit", "intreg"):
            # censored observations (tobit: y at the limit 0) and intervals (intreg:
            # ylo != yhi, either bound missing) have no CDF value: missing, they alone
            rows = df.loc[sample]
            no_value = rows["y"] == 0 if key == "tobit" else ~(rows["ylo"] == rows["yhi"])
            no_value = no_value.to_numpy().reshape((-1,) + (1,) * (finite.ndim - 1))
            assert np.array_equal(~finite, np.broadcast_to(no_value, finite.shape)), stat
        else:
            assert finite.all(), stat
        assert np.all((values[finite] >= 0) & (values[finite] <= 1 + 1e-12)), stat
    # predictions on new data rebuild the design (trials, stset and endogenous
    # variables, interval bounds included) and agree with those on the sample
    for stat in ("mu", "density"):
        assert np.allclose(np.asarray(res.predict(stat, data=df.head(12)), dtype=float),
                           np.asarray(res.predict(stat).iloc[:12], dtype=float),
                           rtol=1e-12, equal_nan=True), stat
    scores = res.predict("scores").loc[sample]
    assert scores.shape[1] == len(res.params)
    assert np.all(np.isfinite(scores.to_numpy()))
    # the scores add up to the gradient, zero at the maximum (Stata's criterion:
    # the scaled gradient g' V g)
    g = scores.sum().to_numpy()
    assert g @ res.vcov.to_numpy() @ g < 1e-5


@pytest.mark.parametrize("key", sorted(CASES))
def test_mean_jacobian_is_the_derivative_of_mu(key):
    """The delta method of ``estat lcmean`` differentiates the mean it reports."""
    _, res = _fit(key)
    model = MixtureModel(res.design, res.layout)
    for j in range(res.k):
        for e, (ed, _) in enumerate(model.equations[j]):
            eta = model.eta(res.fit.theta, j, e)[:5]
            out = ed.outcome.subset(np.arange(5))
            jac = ed.family.mean_jacobian(out, eta)
            assert jac.shape == eta.shape
            for i in range(eta.shape[0]):
                oi = out.subset(np.array([i]))
                fam = ed.family
                g = num_grad(lambda v, oi=oi, fam=fam: fam.predict("mu", oi, v[None, :])[0],
                             eta[i])
                assert np.allclose(jac[i], g, rtol=1e-5, atol=1e-8), (j, i, jac[i], g)


@pytest.mark.parametrize("key", sorted(k for k in CASES if k != "pointmass"))
@pytest.mark.parametrize("which", ["cons", "all"])
def test_lcinvariant(key, which):
    text, build = CASES[key]
    df = build(20261121)
    res = fmmpy.fmm(_command(text, f"lcinvariant({which})"), data=df, search=False,
                    log=False)
    # with every outcome parameter tied the class probability is not identified
    # (the likelihood is flat in it), so only lcinvariant(cons) must converge
    assert (res.converged or which == "all") and np.isfinite(res.llf)
    names, params = res.layout.names, res.params.to_numpy()
    value = dict(zip(names, params))
    tied = 0
    for name, pclass in zip(names, res.layout.pclasses()):
        if pclass is None or not name.startswith("1."):
            continue
        if which == "all" or pclass == "cons":
            other = "2." + name[2:]
            assert value[name] == pytest.approx(value[other], rel=1e-8, abs=1e-10), name
            tied += 1
    assert tied > 0
    if which == "all":
        # every outcome parameter tied: the classes are one model, the mixture is the
        # one-class fit
        k1 = fmmpy.fmm(f"1: {text}" if not text.startswith("(") else text, data=df,
                       log=False)
        assert res.llf == pytest.approx(k1.llf, rel=1e-7, abs=1e-6)


#: Scale ancillaries of continuous densities as ``Block.scale_power`` should declare
#: them (``p`` in ``ln(sigma^p)``; negative for a precision), every other ancillary 0.
_SCALE_POWERS = {"logs": 1, "ln_p": -1, "ln_phi": -2, "lnalpha": 0, "lndelta": 0}
_GAMMA_SCALE = 2        # gamma's logs is ln(s), s = Var / mean^2: ln(sigma^2) up to the mean


@pytest.mark.parametrize("key", sorted(CASES))
def test_scale_ancillaries_are_declared(key):
    """The degenerate-solution diagnosis reads ``Block.scale_power``: every scale of a
    continuous density declares its power, with the sign that makes ``exp(value / p)``
    proportional to the outcome's spread; shrinking that spread by 10 raises the
    log density of some observation by up to ln(10) (the likelihood is unbounded in
    that direction)."""
    _, res = _fit(key)
    model = res.model
    gains: dict[tuple[int, int], float] = {}
    for j in range(res.k):
        for e, (ed, _) in enumerate(model.equations[j]):
            eta = model.eta(res.fit.theta, j, e)
            for b, blk in enumerate(ed.blocks):
                if blk.kind == "aux" and not blk.term.startswith("cut"):
                    expected = (_GAMMA_SCALE if "gamma" in key and blk.term == "logs"
                                else _SCALE_POWERS[blk.term])
                else:       # a variance: 2; coefficients, cut points, covariances: none
                    expected = 2 if blk.kind == "variance" else 0
                assert blk.scale_power == expected, (blk, expected)
                if not blk.scale_power:
                    continue
                shrunk = eta.copy()
                shrunk[:, b] += blk.scale_power * np.log(1e-1)
                if any(c.kind == "cov" for c in ed.blocks):
                    # ivregress: shrink every error together, so that the covariance
                    # matrix stays positive definite
                    for c, other in enumerate(ed.blocks):
                        if other.kind == "variance":
                            shrunk[:, c] = eta[:, c] + 2 * np.log(1e-1)
                        elif other.kind == "cov":
                            shrunk[:, c] = eta[:, c] * 1e-2
                with np.errstate(all="ignore"):
                    gain = (ed.family.loglik(ed.outcome, shrunk)
                            - ed.family.loglik(ed.outcome, eta))
                gains[e, b] = max(gains.get((e, b), -np.inf), float(np.nanmax(gain)))
    # in some class (a class whose mode the data reach: not a tobit class sitting in
    # the censored region) the observation nearest the mode gains up to ln(10)
    assert all(g > 1.0 for g in gains.values()), gains


def test_k1_glm_gaussian_equals_ols():
    """The one glm pair no other file compares with a reference: family(gaussian) is
    OLS with the maximum-likelihood variance (statsmodels, live)."""
    df = _normal(20261121)
    res = fmmpy.fmm("1: glm y x, family(gaussian)", data=df, log=False)
    ols = sm.OLS(df["y"], sm.add_constant(df["x"])).fit()
    assert res.params["1.Class:y:x"] == pytest.approx(ols.params["x"], rel=1e-8)
    assert res.params["1.Class:y:_cons"] == pytest.approx(ols.params["const"], rel=1e-8)
    assert res.params["1.Class:y:var(e.y)"] == pytest.approx(ols.ssr / N, rel=1e-8)
    assert res.llf == pytest.approx(ols.llf, rel=1e-10)


@pytest.mark.parametrize("family", ["bernoulli", "binomial n"])
def test_glm_asis(family):
    """``asis`` (keep perfect predictors) is accepted for bernoulli and binomial
    outcomes; fmmpy never drops perfect predictors, so the fit is unchanged."""
    df, rng, p = _binary(20261121)
    df["y"] = rng.binomial(df["n"].astype(int), p).astype(float)
    plain = fmmpy.fmm(f"1: glm y x, family({family})", data=df, log=False)
    asis = fmmpy.fmm(f"1: glm y x, family({family}) asis", data=df, log=False)
    assert np.allclose(asis.params.to_numpy(), plain.params.to_numpy(), rtol=1e-12)
    assert "asis" in asis.command


def test_glm_asis_with_other_families_is_an_error():
    with pytest.raises(fmmpy.errors.FMMSyntaxError, match="asis is allowed only"):
        fmmpy.fmm("2: glm y x, family(poisson) asis", data=_counts(1), log=False)


def test_unordered_cutpoints_make_every_level_impossible():
    """With ``cut1 > cut2`` the level probabilities of an ordered model would add up to
    more than one (levels 1 and 3 each near 1): every level is impossible there, so
    neither EM nor Newton can step into that region (before this was enforced, a
    two-class ologit "converged" to such a class)."""
    from fmmpy.families.base import Outcome
    from fmmpy.families.ordinal import Ordinal

    y = Outcome(np.array([1.0, 2.0, 3.0]))
    for link in ("logit", "probit"):
        fam = Ordinal(link).configure(y)
        eta = np.tile([0.0, 5.0, -5.0], (3, 1))
        assert np.all(fam.loglik(y, eta) == -np.inf)
        ok = np.tile([0.0, -5.0, 5.0], (3, 1))
        assert np.isclose(np.exp(fam.loglik(y, ok)).sum(), 1.0)


def test_collapsing_precision_is_diagnosed():
    """A precision (Weibull's ln_p, scale_power -1) that grows is a collapsing spread:
    raising class 1's ln_p by 12 shrinks the spread of ln t by exp(-12) < 1e-4, which
    the diagnosis reports, naming streg's outcome _t."""
    from fmmpy.estimate.diagnose import diagnose

    _, res = _fit("streg weibull")
    theta = res.fit.theta.copy()
    theta[res.layout.index("1.Class:/_t:ln_p")] += 12.0
    found = [d for d in diagnose(MixtureModel(res.design, res.layout), theta)
             if d.kind == "collapsed"]
    assert [d.classes for d in found] == [(1,)]
    assert "distinct values of _t: its ln_p implies a standard deviation" in found[0].message


@pytest.mark.parametrize("command,data", [
    ("2: streg, distribution(weibull)",
     lambda: fmmpy.stset(pd.DataFrame({"t": np.repeat([1.0, 2.0], 5)}), "t")),
    ("2: betareg y", lambda: pd.DataFrame({"y": np.repeat([0.2, 0.7], 5)})),
])
def test_too_few_distinct_values_for_declared_scales(command, data):
    """Families whose scale is now declared get the same up-front refusal as regress."""
    with pytest.raises(fmmpy.errors.FMMDataError, match="has only 2 distinct values"):
        fmmpy.fmm(command, data=data(), log=False)


@pytest.mark.parametrize("key", sorted(k for k in CASES if lookup_model(k.split()[0]) and any(
    o.name == "offset" for o in lookup_model(k.split()[0]).options)))
def test_constant_offset_moves_only_the_constant(key):
    """Identity for every model with ``offset()``: an offset equal to 0.5 everywhere
    lowers ``_cons`` by 0.5 (raises the cutpoints of ordered models by 0.5) and changes
    nothing else, the log likelihood included."""
    text, build = CASES[key]
    df = build(20261121).assign(o=0.5)
    plain = fmmpy.fmm("1: " + text, data=df, log=False)
    shifted = fmmpy.fmm("1: " + text + (" " if "," in text else ", ") + "offset(o)", data=df,
                        log=False)
    diff = (shifted.params - plain.params).to_numpy()
    names = list(plain.params.index)
    expected = np.array([-0.5 if n.endswith(":_cons") else 0.5 if ":cut" in n else 0.0
                         for n in names])
    assert np.allclose(diff, expected, atol=2e-6), dict(zip(names, diff))
    assert shifted.llf == pytest.approx(plain.llf, abs=1e-8)


@pytest.mark.parametrize("key", sorted(CASES))
def test_k1_fweights_equal_duplicated_rows(key):
    """Identity for every model: frequency weights give the estimates, standard errors
    and log likelihood of the duplicated rows (one class, so that the fit does not
    depend on how the factor start splits tied outcomes)."""
    text, build = CASES[key]
    df = build(20261121)
    df["fw"] = np.random.default_rng(3).integers(1, 4, len(df)).astype(float)
    expanded = df.loc[df.index.repeat(df["fw"].astype(int))].reset_index(drop=True)
    if text.startswith("("):
        weighted = fmmpy.fmm(f"[fweight=fw]: {text}", data=df, log=False)
        plain = fmmpy.fmm(f": {text}", data=expanded, log=False)
    else:
        weighted = fmmpy.fmm(f"1 [fweight=fw]: {text}", data=df, log=False)
        plain = fmmpy.fmm(f"1: {text}", data=expanded, log=False)
    assert weighted.nobs == plain.nobs == int(df["fw"].sum())
    assert weighted.llf == pytest.approx(plain.llf, rel=1e-9)
    assert np.allclose(weighted.params, plain.params, rtol=1e-5, atol=1e-7)
    assert np.allclose(weighted.bse, plain.bse, rtol=1e-4)
