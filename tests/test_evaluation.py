"""benchkit.evaluate end to end: tidy rows, aggregates, generic metric selection, bad input, Adult."""

from __future__ import annotations

import math
import threading

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit import Schema, hookimpl
from benchkit.errors import BenchkitError, DataError, SchemaError, UnknownNameError
from benchkit.metrics import Score
from tests.conftest import shared_data

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income",
]


def small_frames(seed: int = 0, n: int = 400):
    rng = np.random.default_rng(seed)
    real = pd.DataFrame({
        "x": rng.normal(size=n),
        "c": rng.choice(["a", "b", "c"], n),
        "d": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 300, n), unit="D"),
    })
    real["y"] = real["x"] * 2 + rng.normal(0, 0.3, n)
    real["g"] = np.where(real["x"] > 0, "hi", "lo")
    syn = real.sample(frac=0.8, random_state=seed + 1).reset_index(drop=True)
    syn["x"] = syn["x"] + 0.2
    return real, syn


def test_scores_are_tidy_and_aggregates_are_means_of_their_rows():
    real, syn = small_frames()
    res = benchkit.evaluate(real, syn, seed=0)
    df = res.scores
    assert list(df.columns) == ["metric", "family", "column", "column_2", "value", "higher_is_better", "details"]
    assert set(df["family"]) >= {"marginal", "pairwise", "aggregate"}
    shapes = df[df.metric.isin(["marginal.ks_complement", "marginal.tv_complement"])]["value"]
    assert len(shapes) == 5
    assert res.score("aggregate.column_shapes") == pytest.approx(shapes.mean())
    trends = df[df.metric.isin(["pairwise.correlation_pearson", "pairwise.contingency"])]
    counted = trends[[d["meets_threshold"] for d in trends["details"]]]["value"]
    assert 0 < len(counted) < len(trends)  # x~y and x~g are strongly associated, the rest are not
    assert res.score("aggregate.column_pair_trends") == pytest.approx(counted.mean())
    assert res.score("aggregate.overall") == pytest.approx(
        (res.score("aggregate.column_shapes") + res.score("aggregate.column_pair_trends")) / 2)
    # thresholds 0: every pair counts, as SDMetrics < 0.20 averaged
    res0 = benchkit.evaluate(real, syn, options={"correlation_threshold": 0, "association_threshold": 0})
    assert res0.score("aggregate.column_pair_trends") == pytest.approx(trends["value"].mean())


def test_tables_and_summary():
    real, syn = small_frames()
    res = benchkit.evaluate(real, syn)
    cols = res.column_table()
    assert set(cols["column"]) == {"x", "c", "d", "y", "g"}
    assert cols.iloc[0]["column"] == "x"  # the shifted column is the worst
    pairs = res.pair_table()
    assert len(pairs) == 10 and {"score", "real", "synthetic", "real_association", "spearman"} <= set(pairs.columns)
    text = str(res.summary)
    assert "aggregate.column_shapes" in text and "Worst columns" in text and "Worst column pairs" in text
    assert res.summary.worst_columns.iloc[0]["column"] == "x"


def test_same_seed_same_numbers_and_row_counts_may_differ():
    real, syn = small_frames(n=300)
    a = benchkit.evaluate(real, syn.head(50), seed=3)
    b = benchkit.evaluate(real, syn.head(50), seed=3)
    pd.testing.assert_frame_equal(a.scores.drop(columns="details"), b.scores.drop(columns="details"))
    assert a.n_real == 300 and a.n_synthetic == 50


def test_families_and_metric_names_limit_what_runs():
    real, syn = small_frames()
    res = benchkit.evaluate(real, syn, families=["marginal"])
    assert set(res.scores["family"]) == {"marginal", "aggregate"}
    assert "aggregate.column_pair_trends" not in set(res.scores["metric"])
    res = benchkit.evaluate(real, syn, metrics=["marginal.ks_complement"])
    assert set(res.scores["metric"]) == {"marginal.ks_complement", "aggregate.column_shapes", "aggregate.overall"}
    with pytest.raises(UnknownNameError, match="ks_complement"):
        benchkit.evaluate(real, syn, metrics=["marginal.ks_complemnt"])
    with pytest.raises(UnknownNameError, match="family"):
        benchkit.evaluate(real, syn, families=["margnal"])


class _ExtraMetrics:
    """A plugin with a metric needing a target, one needing a holdout, and one that raises."""

    @hookimpl
    def benchkit_register_metrics(self, register):
        def needs_target(ctx):
            return [Score("utility.dummy", float(ctx.real[ctx.target].nunique()), column=ctx.target)]

        def needs_holdout(ctx):
            return [Score("privacy.dummy", float(len(ctx.holdout)))]

        def broken(ctx):
            raise RuntimeError("boom")

        register("utility.dummy", needs_target, family="utility", requires=("target",))
        register("privacy.dummy", needs_holdout, family="privacy", requires=("holdout",))
        register("detection.broken", broken, family="detection")


def test_requires_and_failing_metric_are_recorded_as_skipped(plugin_manager):
    plugin_manager.register(_ExtraMetrics(), name="extra-metrics")
    real, syn = small_frames()
    res = benchkit.evaluate(real, syn)
    skipped = {s.metric: s for s in res.skipped}
    assert "target" in skipped["utility.dummy"].reason
    assert "holdout" in skipped["privacy.dummy"].reason
    assert "RuntimeError: boom" in skipped["detection.broken"].reason and "boom" in skipped["detection.broken"].error
    assert not math.isnan(res.score("aggregate.overall"))  # the others still ran
    res = benchkit.evaluate(real, syn, target="c", holdout=real.head(7))
    assert res.score("utility.dummy", "c") == 3.0 and res.score("privacy.dummy") == 7.0
    schema = Schema.infer(real, target="g")
    assert benchkit.evaluate(real, syn, schema).score("utility.dummy", "g") == 2.0


# ----------------------------------------------------------------------------------- bad input
def test_empty_frames_raise_clear_errors():
    real, syn = small_frames()
    with pytest.raises(DataError, match="synthetic table is empty"):
        benchkit.evaluate(real, syn.head(0))
    with pytest.raises(BenchkitError, match="empty|no rows"):
        benchkit.evaluate(real.head(0), syn)


def test_column_missing_from_synthetic_is_named():
    real, syn = small_frames()
    with pytest.raises(SchemaError, match=r"synthetic table lacks column\(s\) \['y'\]"):
        benchkit.evaluate(real, syn.drop(columns="y"))


def test_all_missing_synthetic_column_scores_zero_with_reason_not_a_crash():
    real, syn = small_frames()
    syn["x"] = np.nan
    res = benchkit.evaluate(real, syn)
    [row] = res.scores[(res.scores.metric == "marginal.ks_complement") & (res.scores.column == "x")].to_dict("records")
    assert row["value"] == 0.0 and "no non-missing values" in row["details"]["reason"]
    assert res.score("marginal.missing_similarity", "x") == 0.0
    assert not math.isnan(res.score("aggregate.column_shapes"))


def test_constant_column():
    real, syn = small_frames()
    real["k"] = 1.5
    syn["k"] = 1.5
    res = benchkit.evaluate(real, syn)
    assert res.score("marginal.ks_complement", "k") == 1.0
    assert math.isnan(res.score("marginal.range_coverage", "k"))
    assert "constant" in res.scores.set_index(["metric", "column", "column_2"]).loc[
        ("pairwise.correlation_pearson", "x", "k"), "details"]["reason"]


def test_numbers_stored_as_strings_are_read_as_numbers():
    real, syn = small_frames()
    syn_text = syn.copy()
    syn_text["x"] = syn["x"].map(lambda v: f" {v!r}")
    a = benchkit.evaluate(real, syn)
    b = benchkit.evaluate(real, syn_text)
    assert b.score("marginal.ks_complement", "x") == a.score("marginal.ks_complement", "x")
    syn_text.loc[3, "x"] = "twelve"
    with pytest.raises(SchemaError, match="'x'.*twelve"):
        benchkit.evaluate(real, syn_text)


def test_categorical_column_with_100k_distinct_values():
    n = 100_000
    rng = np.random.default_rng(0)
    ids = np.array([f"k{i}" for i in range(n)], dtype=object)
    real = pd.DataFrame({"key": ids, "other": rng.choice(ids, n), "c": rng.choice(["a", "b"], n)})
    syn = pd.DataFrame({"key": rng.choice(ids, n), "other": rng.choice(ids, n), "c": rng.choice(["a", "b"], n)})
    schema = Schema.infer(real, overrides={"key": "categorical", "other": "categorical"})
    res = benchkit.evaluate(real, syn, schema)
    tv = res.score("marginal.tv_complement", "key")
    assert 0.3 < tv < 0.8  # about 1 - 1/e of the keys are drawn
    assert 0 <= res.score("pairwise.contingency", "key", "other") < 0.01  # 1e10 cells: hashed, not dense
    skipped = {s.metric: s.reason for s in res.skipped}
    assert skipped["pairwise.category_combinations"] == "no applicable columns in this table"  # keys excluded


# ------------------------------------------------------------------------------------- Adult
def read_adult(name: str) -> pd.DataFrame:
    path = shared_data("adult", name)
    df = pd.read_csv(path, header=None, names=ADULT_COLUMNS, skipinitialspace=True, na_values="?",
                     skiprows=1 if name == "adult.test" else 0)
    df["income"] = df["income"].str.rstrip(".")
    return df


@pytest.fixture(scope="module")
def adult():
    train, test = read_adult("adult.data"), read_adult("adult.test")
    schema = Schema.infer(train, target="income")
    return train, test, schema


def test_adult_train_vs_test_scores_near_one(adult):
    train, test, schema = adult
    res = benchkit.evaluate(train, test, schema, families=["marginal", "pairwise"])
    assert res.score("aggregate.column_shapes") > 0.97
    assert res.score("aggregate.column_pair_trends") > 0.97
    assert len(res.scores) > 100


def test_adult_independently_shuffled_columns_keep_shapes_lose_pair_trends(adult):
    train, _, schema = adult
    rng = np.random.default_rng(0)
    shuffled = pd.DataFrame({c: train[c].to_numpy()[rng.permutation(len(train))] for c in train.columns})
    same = benchkit.evaluate(train, train, schema, families=["marginal", "pairwise"])
    res = benchkit.evaluate(train, shuffled, schema, families=["marginal", "pairwise"])
    assert res.score("aggregate.column_shapes") == pytest.approx(same.score("aggregate.column_shapes")) == 1.0
    assert same.score("aggregate.column_pair_trends") == 1.0
    assert res.score("aggregate.column_pair_trends") < 0.85
    # the strongest real associations are the ones the shuffle destroys
    pairs = res.pair_table().set_index(["column", "column_2"])
    assert pairs.loc[("marital-status", "relationship"), "score"] < 0.6


def test_paths_are_read_and_results_written(tmp_path):
    real, syn = small_frames()
    real.to_csv(tmp_path / "real.csv", index=False)
    syn.to_parquet(tmp_path / "syn.parquet")
    res = benchkit.evaluate(tmp_path / "real.csv", str(tmp_path / "syn.parquet"))
    direct = benchkit.evaluate(real, syn)
    assert res.score("aggregate.column_shapes") == pytest.approx(direct.score("aggregate.column_shapes"))
    res.to_file(tmp_path / "out.csv")
    assert len(pd.read_csv(tmp_path / "out.csv")) == len(res.scores)
    with pytest.raises(BenchkitError, match=r"\.json or \.csv"):
        res.to_file(tmp_path / "out.txt")


def test_fidelity_metrics_on_threads_give_the_same_rows_as_one_thread(monkeypatch):
    """The built-in marginal/pairwise metrics map their columns and pairs over threads; the scores,
    their order and the skipped list equal a single-threaded run."""
    import benchkit.evaluation as ev
    from benchkit.metrics._engine import encoding

    rng = np.random.default_rng(4)
    n = 3000

    def frame(shift):
        return pd.DataFrame({
            "a": rng.normal(shift, 1, n), "b": rng.integers(0, 9, n).astype(float),
            "c": rng.choice(list("xyz"), n), "d": rng.choice(list("pq"), n),
            "t": pd.Timestamp("2021-01-01") + pd.to_timedelta(rng.integers(0, 500, n), unit="D"),
        })

    real, syn = frame(0.0), frame(0.2)
    real.loc[real.index[:50], "b"] = np.nan
    monkeypatch.setattr(encoding, "worker_threads", lambda: 2)
    monkeypatch.setattr(ev, "PARALLEL_MIN_ROWS", 0)  # threads even on this small table
    together = ev.evaluate(real, syn, families=["marginal", "pairwise"])
    monkeypatch.setattr(ev, "metric_parallel", lambda reg: False)  # no metric opts in to threads
    monkeypatch.setattr(encoding, "worker_threads", lambda: 1)
    alone = ev.evaluate(real, syn, families=["marginal", "pairwise"])
    cols = ["metric", "column", "column_2", "value"]
    pd.testing.assert_frame_equal(together.scores[cols], alone.scores[cols])
    assert [s.metric for s in together.skipped] == [s.metric for s in alone.skipped]


def test_metrics_side_by_side_give_the_same_result_as_one_after_another(monkeypatch, plugin_manager):
    """On a large table the one-thread metrics and the two references run as tasks of a thread pool:
    the scores, the references, the skipped list (a failing metric included) and the order of the
    rows equal a run one after another, and numpy's BLAS thread limit is what it was before."""
    from threadpoolctl import threadpool_info, threadpool_limits

    import benchkit.evaluation as ev
    from benchkit.metrics._engine import encoding

    plugin_manager.register(_ExtraMetrics(), name="extra-metrics")  # detection.broken raises
    rng = np.random.default_rng(5)
    n = 1500

    def frame(shift, rows=n):
        x = rng.normal(shift, 1, rows)
        return pd.DataFrame({"x": x, "b": rng.integers(0, 9, rows).astype(float), "c": rng.choice(list("xyz"), rows),
                             "y": np.where(x + rng.normal(0, 1, rows) > 0, "yes", "no")})

    real, syn, hold = frame(0.0), frame(0.3), frame(0.0, 400)
    monkeypatch.setattr(ev, "PARALLEL_MIN_ROWS", 0)  # the large-table path on this small table
    ran_on: set[str] = set()
    run_metric = ev._run_metric

    def recording(reg, ctx, timings, serial=False):
        ran_on.add(threading.current_thread().name.split("_")[0])
        return run_metric(reg, ctx, timings, serial)

    monkeypatch.setattr(ev, "_run_metric", recording)
    monkeypatch.setattr(encoding, "worker_threads", lambda: 2)

    def limits():  # the thread count of each loaded BLAS library (the evaluation may load others: OpenMP)
        return {i["filepath"]: i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}

    blas_before = limits()
    pooled = ev.evaluate(real, syn, target="y", holdout=hold)
    assert "benchkit-evaluate" in ran_on  # the pool ran
    assert blas_before and {k: v for k, v in limits().items() if k in blas_before} == blas_before
    monkeypatch.setattr(encoding, "worker_threads", lambda: 1)
    ran_on.clear()
    with threadpool_limits(limits=1, user_api="blas"):  # the pool's tasks run numpy's BLAS on one thread; so does this run
        serial = ev.evaluate(real, syn, target="y", holdout=hold)
    assert ran_on == {"MainThread"}
    cols = ["metric", "column", "column_2", "value"]
    pd.testing.assert_frame_equal(pooled.scores[cols], serial.scores[cols])
    assert set(pooled.references) == set(serial.references) == {"independent", "holdout"}
    for name in pooled.references:
        pd.testing.assert_frame_equal(pooled.references[name][cols], serial.references[name][cols])
    assert [(s.metric, s.reason) for s in pooled.skipped] == [(s.metric, s.reason) for s in serial.skipped]
    assert "RuntimeError: boom" in {s.metric: s for s in pooled.skipped}["detection.broken"].reason
    assert {"references: independent", "references: holdout"} <= set(pooled.timings)
