import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score

from adult_case import adult, bootstrap, independent
from benchkit.errors import BenchkitError, DataError
from benchkit.metrics import MetricContext
from benchkit.metrics.utility import macro_ovr_auc, tstr
from benchkit.schema import Schema
from conftest import shared_data


def _values(scores, model="lightgbm"):
    return {s.metric: s for s in scores if s.details["model"] == model}


@pytest.fixture(scope="module")
def adult_income():
    train, holdout, schema = adult(shared_data)
    out = {}
    for name, syn in {"bootstrap": bootstrap(train), "independent": independent(train), "holdout": holdout}.items():
        out[name] = _values(tstr(MetricContext(train, syn, schema, holdout=holdout, target="income", seed=0)))
    return out


def test_trtr_auc_on_adult_is_about_0_9(adult_income):
    trtr = adult_income["bootstrap"]["utility.trtr_roc_auc"]
    assert 0.87 < trtr.value < 0.95
    assert trtr.column == "income" and trtr.details["holdout"] == "given"
    assert 0.8 < adult_income["bootstrap"]["utility.trtr_accuracy"].value < 0.9


def test_bootstrap_tstr_is_close_to_trtr(adult_income):
    b = adult_income["bootstrap"]
    assert b["utility.tstr_roc_auc"].value == pytest.approx(b["utility.trtr_roc_auc"].value, abs=0.02)
    assert b["utility.ratio_roc_auc"].value == pytest.approx(
        b["utility.tstr_roc_auc"].value / b["utility.trtr_roc_auc"].value
    )
    assert b["utility.ratio_roc_auc"].value > 0.97


def test_independent_tstr_is_clearly_lower(adult_income):
    i = adult_income["independent"]
    assert i["utility.tstr_roc_auc"].value < i["utility.trtr_roc_auc"].value - 0.2
    assert i["utility.ratio_f1_macro"].value < 0.75


def test_holdout_as_generator_trains_on_one_half_and_tests_on_the_other(adult_income):
    h = adult_income["holdout"]
    assert h["utility.tstr_roc_auc"].details["holdout_as_synthetic"] is True
    assert h["utility.tstr_roc_auc"].details["n_train"] == 1500
    assert h["utility.tstr_roc_auc"].value > 0.85


def test_regression_target_on_adult():
    train, holdout, schema = adult(shared_data)
    train, holdout = train.iloc[:3000], holdout.iloc[:1500]
    res = {
        name: _values(tstr(MetricContext(train, syn, schema, holdout=holdout, target="age", seed=0)))
        for name, syn in {"bootstrap": bootstrap(train), "independent": independent(train)}.items()
    }
    b, i = res["bootstrap"], res["independent"]
    assert b["utility.trtr_r2"].value > 0.3
    assert b["utility.tstr_r2"].details["task"] == "regression"
    assert b["utility.ratio_r2"].value > 0.9
    assert i["utility.tstr_r2"].value < 0.05
    assert i["utility.tstr_mae"].higher_is_better is False
    # MAE ratio is TRTR / TSTR so that 1 is parity and lower utility gives a lower ratio
    assert i["utility.ratio_mae"].value == pytest.approx(i["utility.trtr_mae"].value / i["utility.tstr_mae"].value)
    assert i["utility.ratio_mae"].value < b["utility.ratio_mae"].value


def _multiclass(n=1500, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, 2))
    label = np.select([x[:, 0] > 0.5, x[:, 1] > 0.5], ["hi", "mid"], "lo")
    return pd.DataFrame({"x0": x[:, 0], "x1": x[:, 1], "c": rng.choice(["u", "v"], n), "y": label})


def test_multiclass_auc_is_macro_one_vs_rest():
    df = _multiclass()
    schema = Schema.infer(df, target="y")
    train, holdout = df.iloc[:1000], df.iloc[1000:]
    out = _values(tstr(MetricContext(train, train, schema, holdout=holdout, target="y", seed=0)))
    assert out["utility.trtr_roc_auc"].value > 0.9
    labels = np.array(["hi", "lo", "mid"])
    y = np.searchsorted(labels, holdout["y"].to_numpy(dtype=str))
    proba = np.random.default_rng(0).dirichlet(np.ones(3), size=len(y))
    assert macro_ovr_auc(y, proba) == pytest.approx(roc_auc_score(y, proba, multi_class="ovr", average="macro"))


def test_a_class_absent_from_the_synthetic_data_does_not_crash():
    df = _multiclass()
    schema = Schema.infer(df, target="y")
    train, holdout = df.iloc[:1000], df.iloc[1000:]
    syn = train[train["y"] != "mid"]
    out = _values(tstr(MetricContext(train, syn, schema, holdout=holdout, target="y", seed=0)))
    auc = out["utility.tstr_roc_auc"]
    assert auc.details["classes_absent_from_training"] == ["mid"]
    assert 0.5 < auc.value < out["utility.trtr_roc_auc"].value
    assert out["utility.tstr_accuracy"].value < out["utility.trtr_accuracy"].value


def test_a_single_class_synthetic_sample_gives_a_constant_predictor():
    df = _multiclass()
    schema = Schema.infer(df, target="y")
    syn = df.iloc[:1000][lambda d: d["y"] == "lo"]
    out = _values(tstr(MetricContext(df.iloc[:1000], syn, schema, holdout=df.iloc[1000:], target="y", seed=0)))
    assert out["utility.tstr_roc_auc"].value == 0.5
    assert "constant prediction" in out["utility.tstr_roc_auc"].details["note"]
    share_lo = (df.iloc[1000:]["y"] == "lo").mean()
    assert out["utility.tstr_accuracy"].value == pytest.approx(share_lo)


def test_missing_target_column_is_a_clear_error():
    df = _multiclass()
    schema = Schema.infer(df, target="y")
    with pytest.raises(DataError, match="'y' is missing from the synthetic data"):
        tstr(MetricContext(df, df.drop(columns="y"), schema, holdout=df, target="y", seed=0))
    with pytest.raises(BenchkitError, match="need a target"):
        tstr(MetricContext(df, df, schema, holdout=df, target=None, seed=0))


def test_constant_target_is_a_clear_error():
    df = _multiclass().assign(y="lo")
    schema = Schema.infer(df.assign(y=["a", "b"] * (len(df) // 2)), target="y")
    with pytest.raises(DataError, match="'y' is constant"):
        tstr(MetricContext(df, df, schema, holdout=df, target="y", seed=0))


def test_thousands_of_classes_is_a_clear_error():
    df = _multiclass(3000)
    df["y"] = [f"k{i}" for i in range(len(df))]
    schema = Schema.infer(df, target="y")
    with pytest.raises(DataError, match="3,000 classes"):
        tstr(MetricContext(df.iloc[:2000], df.iloc[:2000], schema, holdout=df.iloc[2000:], target="y", seed=0))


def test_without_holdout_real_is_split_once_by_seed():
    df = _multiclass(1000)
    schema = Schema.infer(df, target="y")
    a = tstr(MetricContext(df, df, schema, target="y", seed=4))
    b = tstr(MetricContext(df, df, schema, target="y", seed=4))
    assert [s.value for s in a] == [s.value for s in b]
    assert a[0].details["holdout"] == "split from real"
    assert a[0].details["n_test"] == 300


def test_sklearn_models_and_unknown_model():
    df = _multiclass(900)
    schema = Schema.infer(df, target="y")
    opts = {"utility_models": ["linear", "random_forest"]}
    out = tstr(MetricContext(df.iloc[:600], df.iloc[:600], schema, holdout=df.iloc[600:], target="y", seed=0, options=opts))
    assert {s.details["model"] for s in out} == {"linear", "random_forest"}
    assert _values(out, "linear")["utility.trtr_roc_auc"].value > 0.85
    with pytest.raises(DataError, match="unknown utility model 'svm'"):
        tstr(MetricContext(df, df, schema, holdout=df, target="y", seed=0, options={"utility_models": ["svm"]}))
