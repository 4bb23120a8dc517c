"""Membership and attribute inference, alpha-precision/beta-recall/authenticity and the k-marginal score:
hand-computed values on tiny frames, and the orderings issue 10 asks for on Adult."""

import numpy as np
import pandas as pd
import pytest

from adult_case import adult, bootstrap, independent
from benchkit import plugins
from benchkit.errors import DataError
from benchkit.metrics import MetricContext
from benchkit.metrics.privacy.attribute_inference import attribute_inference
from benchkit.metrics.aggregate import alpha_beta, faithfulness
from benchkit.metrics.privacy.authenticity import authenticity
from benchkit.metrics._engine.kde import kde_log_density
from benchkit.metrics.aggregate import kmarginal
from benchkit.metrics.privacy.membership import attack_scores, distance_attack, domias_attack
from benchkit.schema import Schema
from conftest import shared_data


def _by_name(scores):
    return {s.metric: s.value for s in scores}


# --- hand-computed -------------------------------------------------------------------------------

def test_attack_auc_and_advantage_by_hand():
    # members score [0, -1], non-members [-2, -1]: 3 wins + 1 tie of 4 pairs; best TPR - FPR is 1/2
    auc, adv = attack_scores(np.array([1, 1, 0, 0]), np.array([0.0, -1.0, -2.0, -1.0]))
    assert auc == pytest.approx(0.875)
    assert adv == pytest.approx(0.5)


def test_kde_matches_direct_sum():
    rng = np.random.default_rng(0)
    pts, q = rng.normal(size=(500, 3)), rng.normal(size=(40, 3)) * 3
    h = 0.4
    d2 = ((q[:, None, :] - pts[None]) ** 2).sum(-1)
    direct = np.log(np.exp(-d2 / (2 * h * h)).mean(1)) - 3 * np.log(h) - 1.5 * np.log(2 * np.pi)
    assert kde_log_density(q, pts, h) == pytest.approx(direct, abs=1e-4)
    # per block: the log kernel sums over 7 runs of consecutive points (the jackknife's pieces)
    from benchkit.metrics._engine.kde import block_edges, kde_block_log_sums

    blocks = kde_block_log_sums(q, pts, h, 7)
    edges = block_edges(500, 7)
    assert edges[0] == 0 and edges[-1] == 500 and np.ptp(np.diff(edges)) <= 1
    by_hand = [np.log(np.exp(-d2[:, a:b] / (2 * h * h)).sum(1)) for a, b in zip(edges[:-1], edges[1:])]
    assert blocks.shape == (7, 40) and blocks == pytest.approx(np.array(by_hand), abs=1e-4)


def test_alpha_beta_authenticity_by_hand():
    real = np.array([[-2.0], [-1.0], [1.0], [2.0]])
    syn = np.array([[0.0], [10.0]])
    r = faithfulness(real, syn, steps=2)
    # radii at alpha 0, .5, 1 = [1, 1.5, 2]; synthetic radii [0, 10] -> P = [.5, .5, .5]: 1 - 1/1.5
    assert r["alpha_precision"] == pytest.approx(1 / 3)
    # every real row's closest synthetic row is 0; covered (d_rs <= d_rr = 1) for -1 and 1 only
    assert r["beta_recall"] == pytest.approx(1 / 3)
    # 0 is 1 from its closest real row, which is 1 from its own neighbour: not authentic; 10 is
    assert r["authenticity"] == pytest.approx(0.5)


def test_kmarginal_by_hand():
    real = pd.DataFrame({"a": list("xxyy"), "b": list("pqpq"), "c": list("zzzz")})
    syn = pd.DataFrame({"a": list("xxxy"), "b": list("ppqq"), "c": list("zzzz")})
    out = _by_name(kmarginal(MetricContext(real, syn, Schema.infer(real), seed=0)))
    # TVD: (a,b) 1/4, (a,c) 1/4, (b,c) 0; (a,b,c) 1/4
    assert out["aggregate.kmarginal_2"] == pytest.approx(1 - 1 / 6)
    assert out["aggregate.kmarginal_3"] == pytest.approx(0.75)


def test_kmarginal_bins_numbers_at_real_quantiles():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0], "c": list("zzzz")})
    syn = pd.DataFrame({"x": [1.0, 1.0, 1.0, 1.0], "c": list("zzzz")})
    (s,) = kmarginal(MetricContext(real, syn, Schema.infer(real), seed=0, options={"kmarginal_bins": 2}))
    # edge at the real median 2.5: real bins [0, 0, 1, 1], synthetic all 0 -> TVD 1/2
    assert s.value == pytest.approx(0.5)
    assert s.details["sdnist_scale"] == pytest.approx(500.0)


def test_attribute_inference_by_hand():
    train = pd.DataFrame({"q": list("aabb"), "s": list("yynn")})
    syn = pd.DataFrame({"q": list("ab"), "s": list("ny")})  # relation inverted
    hold = pd.DataFrame({"q": list("ab"), "s": list("yn")})
    ctx = MetricContext(train, syn, Schema.infer(train), holdout=hold, seed=0, options={"sensitive_column": "s"})
    out = _by_name(attribute_inference(ctx))
    assert out["privacy.attribute_inference_accuracy"] == 0.0
    assert out["privacy.attribute_inference_baseline"] == 1.0
    assert out["privacy.attribute_inference_ratio"] == 0.0


def test_attacks_need_a_holdout_and_a_sensitive_column():
    train = pd.DataFrame({"q": list("aabb"), "s": list("yynn")})
    ctx = MetricContext(train, train, Schema.infer(train), seed=0)
    with pytest.raises(DataError, match="holdout"):
        distance_attack(ctx)
    ctx = MetricContext(train, train, Schema.infer(train), holdout=train, seed=0)
    with pytest.raises(DataError, match="sensitive column"):
        attribute_inference(ctx)


def test_new_metrics_are_registered(plugin_manager):
    metrics = plugins.list_metrics()
    for name in ("privacy.mia_distance", "privacy.mia_domias", "privacy.attribute_inference"):
        assert tuple(metrics[name].info["requires"]) == ("holdout",)
    for name in ("aggregate.alpha_beta", "privacy.authenticity", "aggregate.kmarginal"):
        assert metrics[name].info["description"]
    assert not [e for e in plugins.load_errors() if e.plugin.startswith("benchkit.metrics")]


# --- Adult: the orderings of issue 10 ------------------------------------------------------------

@pytest.fixture(scope="module")
def adult_results():
    train, holdout, schema = adult(shared_data)
    a, b = holdout.iloc[:1500], holdout.iloc[1500:]  # as the runner scores its "holdout" pseudo-generator
    cases = {"bootstrap": (bootstrap(train), holdout), "independent": (independent(train), holdout), "holdout": (a, b)}
    res = {}
    for name, (syn, hold) in cases.items():
        ctx = MetricContext(train, syn, schema, holdout=hold, target="income", seed=0)
        scores = (distance_attack(ctx) + domias_attack(ctx) + attribute_inference(ctx) + alpha_beta(ctx)
                  + authenticity(ctx) + kmarginal(ctx))
        res[name] = _by_name(scores)
    return res


def test_membership_attacks_on_adult(adult_results):
    boot, ind, hold = adult_results["bootstrap"], adult_results["independent"], adult_results["holdout"]
    assert boot["privacy.mia_distance_advantage"] > 0.5  # ~63 % of members are copied verbatim
    assert boot["privacy.mia_distance_auc"] > 0.75
    assert boot["privacy.mia_domias_auc"] > 0.58
    for other in (ind, hold):
        assert other["privacy.mia_distance_auc"] == pytest.approx(0.5, abs=0.04)
        assert other["privacy.mia_distance_advantage"] < 0.08
        assert other["privacy.mia_domias_advantage"] < 0.1
        assert other["privacy.mia_domias_auc"] < boot["privacy.mia_domias_auc"] - 0.05


def test_faithfulness_on_adult(adult_results):
    boot, ind, hold = adult_results["bootstrap"], adult_results["independent"], adult_results["holdout"]
    assert boot["privacy.authenticity"] < 0.05
    assert hold["privacy.authenticity"] > 0.3 and ind["privacy.authenticity"] > 0.3
    assert ind["aggregate.alpha_precision"] < min(boot["aggregate.alpha_precision"], hold["aggregate.alpha_precision"]) - 0.1
    assert ind["aggregate.beta_recall"] < min(boot["aggregate.beta_recall"], hold["aggregate.beta_recall"]) - 0.2
    assert hold["aggregate.beta_recall"] == pytest.approx(0.5, abs=0.1)  # exchangeable rows: a coin flip


def test_kmarginal_and_attribute_inference_on_adult(adult_results):
    boot, ind, hold = adult_results["bootstrap"], adult_results["independent"], adult_results["holdout"]
    assert ind["aggregate.kmarginal_3"] < hold["aggregate.kmarginal_3"] - 0.05
    assert ind["aggregate.kmarginal_2"] < hold["aggregate.kmarginal_2"]
    assert hold["aggregate.kmarginal_3"] < boot["aggregate.kmarginal_3"]  # bootstrap sees the training rows
    assert ind["privacy.attribute_inference_ratio"] < 0.9  # QI -> income relation lost
    assert boot["privacy.attribute_inference_ratio"] == pytest.approx(1.0, abs=0.05)
    assert hold["privacy.attribute_inference_ratio"] == pytest.approx(1.0, abs=0.05)


def test_attacks_are_deterministic_under_a_seed():
    """Every attack and the alpha/beta, authenticity and k-marginal scores give the same values twice
    under one seed (the distance metrics are checked the same way in test_metrics_privacy.py)."""
    from test_metrics_privacy import small_privacy_frames

    train, syn, hold, schema = small_privacy_frames(n_holdout=400)

    def run():
        ctx = MetricContext(train, syn, schema, holdout=hold, target="c", seed=7)
        return [s.value for s in distance_attack(ctx) + domias_attack(ctx) + attribute_inference(ctx)
                + alpha_beta(ctx) + authenticity(ctx) + kmarginal(ctx)]

    assert run() == run()
