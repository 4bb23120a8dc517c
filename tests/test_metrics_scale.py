"""Issue 19: the fast paths of the privacy and alpha/beta metrics against their exact values.

The shared neighbour index (k-d tree over cells, blocked BLAS for the rest) must give the values the
blocked brute-force search gives; DOMIAS' sampled density fits must stay within the standard error
the metric states. Real Adult rows, a copying generator (bootstrap) and an independent-columns one.
"""

import numpy as np
import pytest

from adult_case import adult, bootstrap, independent
from benchkit.metrics import MetricContext
from benchkit.metrics.aggregate import alpha_beta
from benchkit.metrics.privacy.attribute_inference import attribute_inference
from benchkit.metrics.privacy.authenticity import authenticity
from benchkit.metrics.privacy.distance import dcr, nndr_metric
from benchkit.metrics.privacy.membership import distance_attack, domias_attack
from conftest import shared_data

METRICS = [dcr, nndr_metric, distance_attack, attribute_inference, alpha_beta, authenticity]


def _values(ctx):
    return {s.metric: s.value for fn in METRICS for s in fn(ctx)}


@pytest.mark.parametrize("generator", [bootstrap, independent])
def test_tree_search_gives_the_brute_force_values(generator):
    train, holdout, schema = adult(shared_data)
    syn = generator(train)
    exact = _values(MetricContext(train, syn, schema, holdout=holdout, target="income", seed=3,
                                  options={"neighbour_search": "blas"}))
    fast = _values(MetricContext(train, syn, schema, holdout=holdout, target="income", seed=3,
                                 options={"neighbour_search": "tree"}))
    assert fast.keys() == exact.keys()
    for name, value in exact.items():
        # shares over 3,000-6,000 rows: one row whose float32 distance rounds the other way moves them by 1/3000
        assert fast[name] == pytest.approx(value, abs=4e-4), name


def test_tree_search_settles_the_copies_on_adult():
    from benchkit.metrics.privacy.distance import _neighbours

    train, holdout, schema = adult(shared_data)
    # a copy has its source (and its own twins) at distance 0 in its own cell; the tree settles it when
    # a second row of that cell lies within squared distance 1
    ctx = MetricContext(train, bootstrap(train), schema, holdout=holdout, seed=0, options={"neighbour_search": "tree"})
    assert _neighbours(ctx)["tree_share"] > 0.5


def _domias(train, syn, holdout, schema, cap):
    ctx = MetricContext(train, syn, schema, holdout=holdout, seed=0, options={"mia_density_max_rows": cap})
    return {s.metric: s for s in domias_attack(ctx)}


def test_domias_density_sample_stays_within_the_stated_standard_error():
    train, holdout, schema = adult(shared_data)
    syn = independent(train)
    exact, sampled = _domias(train, syn, holdout, schema, None), _domias(train, syn, holdout, schema, 1500)
    assert exact["privacy.mia_domias_auc"].details["density_rows_synthetic"] == len(syn)
    assert sampled["privacy.mia_domias_auc"].details["density_rows_synthetic"] == 1500
    se = sampled["privacy.mia_domias_auc"].details["standard_error"]
    assert 0.005 < se < 0.05
    assert abs(sampled["privacy.mia_domias_auc"].value - exact["privacy.mia_domias_auc"].value) <= se
    # the stated error is the members' sampling and, for a sampled density only, the jackknife part
    d_exact, d_sampled = exact["privacy.mia_domias_auc"].details, sampled["privacy.mia_domias_auc"].details
    assert d_exact["standard_error_density"] == 0 and d_exact["standard_error"] == d_exact["standard_error_members"]
    assert d_sampled["standard_error_density"] > 0
    assert se == pytest.approx(np.hypot(d_sampled["standard_error_members"], d_sampled["standard_error_density"]))


def test_domias_jackknife_error_matches_the_spread_of_sampled_densities_around_the_exact_value():
    # over seeds, the sampled AUC minus the exact one (same members: only the density sample differs)
    # spreads as the jackknife's density part says
    train, holdout, schema = adult(shared_data)
    syn = independent(train)
    diffs, jk = [], []
    for seed in range(12):
        ctx = lambda cap: MetricContext(train, syn, schema, holdout=holdout, seed=seed, options={"mia_density_max_rows": cap})
        exact, sampled = domias_attack(ctx(None))[0], domias_attack(ctx(1000))[0]
        diffs.append(sampled.value - exact.value)
        jk.append(sampled.details["standard_error_density"])
    rms = float(np.sqrt(np.mean(np.square(diffs))))
    assert 0.5 < rms / float(np.mean(jk)) < 2.0, (rms, np.mean(jk))


def test_block_jackknife_of_a_mean_is_the_spread_of_the_block_means():
    from benchkit.metrics.privacy.membership import _jackknife_se

    rng = np.random.default_rng(0)
    x = rng.normal(size=400)
    blocks = x.reshape(20, 20)
    replicates = [(x.sum() - b.sum()) / (len(x) - len(b)) for b in blocks]
    # for equal blocks the delete-a-block jackknife of a mean is sd(block means) / sqrt(blocks)
    expected = blocks.mean(axis=1).std(ddof=1) / np.sqrt(20)
    assert _jackknife_se(replicates, 400, 10**9) == pytest.approx(expected, rel=1e-6)
    assert _jackknife_se(replicates, 400, 800) == pytest.approx(expected * np.sqrt(0.5), rel=1e-6)  # finite population
    assert _jackknife_se(replicates, 400, 400) == 0.0 and _jackknife_se([0.5], 400, 800) == 0.0


def test_domias_on_fewer_synthetic_rows_is_a_weaker_attack_on_a_copying_generator():
    # documented: the attacker's synthetic sample is capped, and a copy of a member only helps the
    # attack when it is in that sample, so a copying generator's AUC falls with the cap (as DOMIAS'
    # own experiments over synthetic sample sizes show) but stays far above chance
    train, holdout, schema = adult(shared_data)
    syn = bootstrap(train)
    exact, sampled = _domias(train, syn, holdout, schema, None), _domias(train, syn, holdout, schema, 1500)
    auc, se = sampled["privacy.mia_domias_auc"].value, sampled["privacy.mia_domias_auc"].details["standard_error"]
    assert 0.5 + 3 * se < auc < exact["privacy.mia_domias_auc"].value


def _bank_like(n: int, seed: int, shift: float = 0.0):
    """A mixed table like the issue's (categories of several sizes, numbers, a datetime, missing values)."""
    import pandas as pd

    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)
    df = pd.DataFrame({
        "segment": np.array(["s0", "s1", "s2", "s3"])[np.clip(((z + 2) * 1.2).astype(int), 0, 3)],
        "region": rng.choice([f"r{i}" for i in range(12)], n),
        "product": rng.choice([f"p{i}" for i in range(30)], n),
        "flag": np.where(z + rng.normal(0, 1, n) > 0.5 + shift, "yes", "no"),
        "income": np.exp(10 + 0.5 * z + rng.normal(0, 0.5 + shift, n)),
        "age": np.clip(np.round(40 + 12 * z), 18, 90),
        "hours": np.round(rng.gamma(8, 5 + shift, n), 1),
        "opened": pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D"),
    })
    df.loc[rng.random(n) < 0.05, "hours"] = np.nan
    df.loc[rng.random(n) < 0.03, "region"] = None
    return df


def test_evaluate_defaults_match_the_exact_values_within_their_standard_errors():
    # 12,000 rows: the trees serve the searches (1.4e8 pairs) and DOMIAS fits its densities on 10,000 rows
    import benchkit

    real, syn, hold = _bank_like(12_000, 0), _bank_like(12_000, 1, shift=0.3), _bank_like(4_000, 2)
    kw = dict(target="flag", holdout=hold, families=["privacy", "aggregate"], references=False)
    fast = benchkit.evaluate(real, syn, **kw).scores.set_index("metric")
    exact = benchkit.evaluate(real, syn, options={"neighbour_search": "blas", "mia_density_max_rows": None},
                              **kw).scores.set_index("metric")
    assert fast.index.tolist() == exact.index.tolist()
    for name in exact.index:
        a, b = float(fast.loc[name, "value"]), float(exact.loc[name, "value"])
        if name.startswith("privacy.mia_domias"):  # the sampled densities: within the AUC's stated error
            assert abs(a - b) <= fast.loc[name, "details"]["standard_error"], name
        else:  # the trees' float64 distances against float32 products: a few rows of 12,000 at most
            assert a == pytest.approx(b, abs=5e-4, nan_ok=True), name


def test_references_reuse_the_trtr_fit_of_the_same_rows(monkeypatch):
    import benchkit
    from benchkit.metrics import utility

    real, syn, hold = _bank_like(3_000, 0), _bank_like(3_000, 1, shift=0.3), _bank_like(1_000, 2)
    made = []
    real_make = utility._make_model
    monkeypatch.setattr(utility, "_make_model", lambda *a, **k: made.append(a[0]) or real_make(*a, **k))
    result = benchkit.evaluate(real, syn, target="flag", holdout=hold)
    # TSTR of the synthetic rows, of the independent baseline and of the holdout half, and one TRTR:
    # the references train on the very same real rows, features and labels
    assert made == ["lightgbm"] * 4
    trtr = result.scores.set_index("metric").loc["utility.trtr_roc_auc", "value"]
    assert result.references["independent"].set_index("metric").loc["utility.trtr_roc_auc", "value"] == trtr


def test_domias_density_seed_draws_other_density_samples_for_the_same_members():
    train, holdout, schema = adult(shared_data)
    syn = independent(train)

    def run(**options):
        ctx = MetricContext(train, syn, schema, holdout=holdout, seed=4, options={"mia_density_max_rows": 1000, **options})
        return domias_attack(ctx)[0]

    default, same, other = run(), run(mia_density_seed=4 + 2), run(mia_density_seed=99)
    assert same.value == default.value  # the default draw is seeded by seed + 2
    assert other.value != default.value and other.details["n_members"] == default.details["n_members"]
