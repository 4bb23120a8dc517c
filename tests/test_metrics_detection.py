import numpy as np
import pandas as pd
import pytest

from adult_case import adult, bootstrap, independent
from benchkit.errors import DataError
from benchkit.metrics import MetricContext
from benchkit.metrics.detection import lightgbm_detection, logistic_detection
from benchkit.schema import Schema
from conftest import shared_data


def _by_name(scores):
    return {s.metric: s for s in scores}


@pytest.fixture(scope="module")
def adult_detection():
    train, holdout, schema = adult(shared_data)
    out = {}
    for name, syn in {"independent": independent(train), "holdout": holdout, "bootstrap": bootstrap(train)}.items():
        ctx = MetricContext(train, syn, schema, holdout=holdout, seed=0, options={"detection_max_rows": 3000})
        out[name] = _by_name(lightgbm_detection(ctx))
    return out


def test_independent_is_detected(adult_detection):
    auc = adult_detection["independent"]["detection.lightgbm_auc"]
    assert auc.value > 0.85
    assert adult_detection["independent"]["detection.lightgbm_score"].value < 0.3
    assert auc.details["n_per_side"] == 3000 and len(auc.details["fold_auc"]) == 3


def test_real_holdout_is_indistinguishable(adult_detection):
    assert adult_detection["holdout"]["detection.lightgbm_auc"].value == pytest.approx(0.5, abs=0.05)
    assert adult_detection["holdout"]["detection.lightgbm_score"].value > 0.9


def test_score_is_the_mean_of_per_fold_sdmetrics_scores(adult_detection):
    for res in adult_detection.values():
        folds = np.array(res["detection.lightgbm_auc"].details["fold_auc"])
        assert res["detection.lightgbm_auc"].value == pytest.approx(folds.mean())
        expected = np.mean(1 - 2 * np.maximum(folds - 0.5, 0))
        assert res["detection.lightgbm_score"].value == pytest.approx(expected)


def test_logistic_detects_a_shifted_mean_but_not_a_resample():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b"], 2000)})
    schema = Schema.infer(real)
    shifted = real.assign(x=real["x"] + 1.5)
    resample = pd.DataFrame({"x": rng.normal(size=2000), "c": rng.choice(["a", "b"], 2000)})
    far = _by_name(logistic_detection(MetricContext(real, shifted, schema, seed=0)))
    near = _by_name(logistic_detection(MetricContext(real, resample, schema, seed=0)))
    assert far["detection.logistic_auc"].value > 0.75
    assert near["detection.logistic_auc"].value == pytest.approx(0.5, abs=0.05)
    assert near["detection.logistic_score"].value > 0.9


def test_detection_is_deterministic_under_a_seed():
    rng = np.random.default_rng(1)
    real = pd.DataFrame({"x": rng.normal(size=500), "c": rng.choice(list("abc"), 500)})
    syn = pd.DataFrame({"x": rng.normal(0.3, size=400), "c": rng.choice(list("abc"), 400)})
    schema = Schema.infer(real)
    a = lightgbm_detection(MetricContext(real, syn, schema, seed=3))
    b = lightgbm_detection(MetricContext(real, syn, schema, seed=3))
    assert [s.value for s in a] == [s.value for s in b]


def test_too_few_rows_is_a_clear_error():
    real = pd.DataFrame({"x": [1.0, 2.0, 3.0]})
    with pytest.raises(DataError, match="at least 6"):
        lightgbm_detection(MetricContext(real, real, Schema.infer(real), seed=0))


def test_datetime_columns_are_used():
    rng = np.random.default_rng(2)
    days = pd.to_datetime("2020-01-01") + pd.to_timedelta(rng.integers(0, 365, 1000), unit="D")
    real = pd.DataFrame({"d": days.astype("datetime64[ns]"), "x": rng.normal(size=1000)})
    syn = real.assign(d=real["d"] + pd.Timedelta(days=200))
    out = _by_name(lightgbm_detection(MetricContext(real, syn, Schema.infer(real), seed=0)))
    assert out["detection.lightgbm_auc"].value > 0.7
