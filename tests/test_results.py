import json

import numpy as np
import pandas as pd
import pytest

from benchkit import Schema
from benchkit.errors import DataError
from benchkit.metrics import Score
from benchkit.bench.results import ResultStore, RunRecord, aggregate, open_results, rank, run_id_for


def record(store, gen, seed, value, status="ok"):
    rid = run_id_for("d", "sha", gen, {}, seed)
    run = RunRecord(run_id=rid, dataset="d", generator=gen, seed=seed, status=status)
    scores = [Score("aggregate.overall", value)] if status == "ok" else []
    store.append(run, scores)
    return run


def test_append_load_latest_attempt_wins(tmp_path):
    store = ResultStore(tmp_path)
    record(store, "g", 0, 0.5, status="failed")
    record(store, "g", 0, 0.8)  # a rerun of the failed job
    record(store, "h", 0, 0.6)
    runs = store.load_runs()
    assert sorted(runs["status"]) == ["ok", "ok"]
    scores = store.load_scores()
    assert sorted(scores["value"]) == [0.6, 0.8]
    assert set(scores["generator"]) == {"g", "h"}


def test_partial_write_is_ignored(tmp_path):
    store = ResultStore(tmp_path)
    record(store, "g", 0, 0.5)
    # a job killed after writing its scores but before its run line: scores are orphaned
    with open(tmp_path / "scores.jsonl", "a") as fh:
        fh.write(json.dumps({"run_id": "x", "attempt_id": "orphan", "metric": "aggregate.overall", "value": 1.0}) + "\n")
        fh.write('{"run_id": "cut mid-li')
    assert store.load_scores()["value"].tolist() == [0.5]


def test_aggregate_ci_and_rank(tmp_path):
    store = ResultStore(tmp_path)
    for seed, (a, b) in enumerate([(0.9, 0.5), (0.8, 0.6), (0.7, 0.7)]):
        record(store, "a", seed, a)
        record(store, "b", seed, b)
    agg = aggregate(store.load_scores())
    row = agg[agg.generator == "a"].iloc[0]
    assert row["mean"] == pytest.approx(0.8)
    assert row["std"] == pytest.approx(0.1)
    half = 4.302652729911275 * 0.1 / np.sqrt(3)  # t(0.975, df=2)
    assert row["ci_low"] == pytest.approx(0.8 - half) and row["ci_high"] == pytest.approx(0.8 + half)
    ranks = rank(agg, "aggregate.overall").set_index("generator")["rank"]
    assert ranks["a"] == 1 and ranks["b"] == 2


def test_samples_and_real_round_trip(tmp_path):
    store = ResultStore(tmp_path)
    df = pd.DataFrame({"x": [1.0, 2.0], "c": ["<b>", "é"], "flag": [True, np.nan]})
    schema = Schema.infer(df)
    store.save_real("weird/<name>", df, schema, {"target": "c"})
    got, s, card = store.load_real("weird/<name>")
    assert s == schema and card == {"target": "c"} and got["c"].tolist() == ["<b>", "é"]
    store.save_sample("abc", df)
    assert store.load_sample("abc")["x"].tolist() == [1.0, 2.0]


def test_open_results_error(tmp_path):
    with pytest.raises(DataError, match="no benchmark results"):
        open_results(tmp_path)
