import numpy as np
import pandas as pd
import pytest

from adult_case import adult, bootstrap, independent
from benchkit.metrics import MetricContext
from benchkit.metrics.privacy.distance import dcr, exact_copies, nndr, nndr_metric
from benchkit.schema import Schema
from conftest import shared_data


def _by_name(scores):
    return {s.metric: s for s in scores}


@pytest.fixture
def tiny():
    # ranks on train [0, 10, 20, 30]: 0.125, 0.375, 0.625, 0.875
    train = pd.DataFrame({"x": [0.0, 10.0, 20.0, 30.0]})
    synthetic = pd.DataFrame({"x": [0.0, 10.0, 12.0]})  # two copies, one at rank 0.5
    holdout = pd.DataFrame({"x": [5.0, 25.0]})  # ranks 0.25 and 0.75
    schema = Schema.infer(train)
    return MetricContext(train, synthetic, schema, holdout=holdout, seed=0)


def test_exact_copies_by_hand(tiny):
    (s,) = exact_copies(tiny)
    assert s.value == pytest.approx(2 / 3)
    assert s.details["holdout_rate"] == 0.0
    assert s.higher_is_better is False


def test_dcr_by_hand(tiny):
    out = _by_name(dcr(tiny))
    below = out["privacy.dcr_below_holdout_p5"]
    # synthetic DCRs [0, 0, 0.125]; holdout DCRs [0.125, 0.125] -> p5 = 0.125, strictly below: 2 of 3
    assert below.details["holdout_p5"] == pytest.approx(0.125)
    assert below.value == pytest.approx(2 / 3)
    share = out["privacy.dcr_share"]
    # to train [0, 0, 0.125] vs to holdout [0.125, 0.125, 0.25]: every row nearer to train
    assert share.details["raw_share"] == 1.0
    assert share.value == 1.0
    assert share.details["expected_raw_if_private"] == pytest.approx(4 / 6)


def test_nndr_by_hand(tiny):
    (s,) = nndr_metric(tiny)
    # copies: 0 / 0.25 = 0; x=12 at rank 0.5 is 0.125 from both 0.375 and 0.625: ratio 1
    assert s.value == pytest.approx(1 / 3)
    assert s.details["holdout_mean"] == pytest.approx(1.0)


def test_nndr_zero_over_zero_is_zero():
    r = nndr(np.array([0.0, 0.0, 1.0, 2.0]), np.array([0.0, 1.0, 2.0, np.inf]))
    assert r.tolist() == [0.0, 0.0, 0.5, 0.0]


def test_mixed_distance_by_hand():
    train = pd.DataFrame({"x": [0.0, 10.0, 20.0, 30.0], "c": ["a", "a", "b", "b"]})
    synthetic = pd.DataFrame({"x": [0.0, 30.0], "c": ["b", "b"]})
    ctx = MetricContext(train, synthetic, Schema.infer(train), holdout=train.iloc[:2], seed=0)
    from benchkit.metrics.privacy.distance import _neighbours

    nb = _neighbours(ctx)
    # row 1: x rank equal, category differs -> d^2 = 1; or x off by 0.5 rank with c equal -> 0.25
    # over 2 columns: sqrt(0.25 / 2); row 2 copies (30, b)
    assert nb["syn_d1"] == pytest.approx([np.sqrt(0.25 / 2), 0.0], abs=1e-6)


def test_holdout_scored_as_generator_is_split_in_halves():
    rng = np.random.default_rng(0)
    train = pd.DataFrame({"x": rng.normal(size=400), "y": rng.normal(size=400)})
    holdout = pd.DataFrame({"x": rng.normal(size=400), "y": rng.normal(size=400)})
    ctx = MetricContext(train, holdout.copy(), Schema.infer(train), holdout=holdout, seed=0)
    out = _by_name(dcr(ctx))
    assert out["privacy.dcr_share"].details["holdout_as_synthetic"] is True
    assert out["privacy.dcr_share"].details["n_synthetic"] == 200
    assert out["privacy.dcr_below_holdout_p5"].value < 0.15


def test_privacy_on_adult():
    train, holdout, schema = adult(shared_data)
    res = {}
    for name, syn in {"bootstrap": bootstrap(train), "independent": independent(train), "holdout": holdout}.items():
        ctx = MetricContext(train, syn, schema, holdout=holdout, target="income", seed=0)
        res[name] = _by_name(exact_copies(ctx) + dcr(ctx) + nndr_metric(ctx))
    assert res["bootstrap"]["privacy.exact_copies"].value > 0.99
    assert res["independent"]["privacy.exact_copies"].value < 0.01
    assert res["bootstrap"]["privacy.exact_copies"].details["holdout_rate"] < 0.01
    assert res["bootstrap"]["privacy.dcr_share"].value > 0.95
    assert res["bootstrap"]["privacy.dcr_below_holdout_p5"].value > 0.95
    assert res["bootstrap"]["privacy.nndr_mean"].value < 0.05
    assert res["holdout"]["privacy.dcr_share"].value == pytest.approx(0.5, abs=0.06)
    assert res["holdout"]["privacy.dcr_below_holdout_p5"].value == pytest.approx(0.05, abs=0.04)
    assert res["holdout"]["privacy.nndr_mean"].value > 0.6
    assert res["independent"]["privacy.dcr_below_holdout_p5"].value < 0.05


def small_privacy_frames(n_holdout: int):
    """A seeded train/synthetic/holdout triple of one numeric and one categorical column, and its schema."""
    rng = np.random.default_rng(3)
    train = pd.DataFrame({"x": rng.normal(size=300), "c": rng.choice(list("abc"), 300)})
    syn = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("abc"), 200)})
    hold = pd.DataFrame({"x": rng.normal(size=n_holdout), "c": rng.choice(list("abc"), n_holdout)})
    return train, syn, hold, Schema.infer(train)


def test_privacy_is_deterministic_under_a_seed():
    train, syn, hold, schema = small_privacy_frames(n_holdout=5000)
    opts = {"privacy_max_holdout": 100}
    a = dcr(MetricContext(train, syn, schema, holdout=hold, seed=7, options=opts))
    b = dcr(MetricContext(train, syn, schema, holdout=hold, seed=7, options=opts))
    assert [s.value for s in a] == [s.value for s in b]
    assert a[0].details["n_holdout"] == 100


def test_empty_synthetic_sample_is_a_clear_error(tiny):
    from benchkit.errors import DataError

    ctx = MetricContext(tiny.real, tiny.real.iloc[:0], tiny.schema, holdout=tiny.holdout, seed=0)
    with pytest.raises(DataError, match="real and synthetic rows, got 4 and 0"):
        dcr(ctx)
