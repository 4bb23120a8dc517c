"""One typed path for a score: Score rows from the metric to scores.jsonl and back, strict records
(a misspelt field fails loudly, naming the field and the file:line)."""

from __future__ import annotations

import json
import math

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit.errors import DataError, RecordError
from benchkit.metrics import SCORE_COLUMNS, Score, score_frame
from benchkit.bench.results import ResultStore, RunRecord, score_from_line, score_line


def _same(a: Score, b: Score) -> bool:
    nan = isinstance(a.value, float) and math.isnan(a.value)
    return (nan and math.isnan(b.value) or a.value == b.value) and (
        (a.metric, a.family, a.column, a.column_2, a.higher_is_better, a.details)
        == (b.metric, b.family, b.column, b.column_2, b.higher_is_better, b.details))


ROWS = [
    Score("pairwise.contingency", 0.75, "a, b", "c|d", True, {"real": 0.5, "meets_threshold": False, "n": [1, 2]},
          family="pairwise"),
    Score("audit.leak", math.nan, "x", None, False, {"reason": "constant column"}, family="audit"),
    Score("aggregate.overall", 0.9, None, None, True, {}, family="aggregate"),
]


def test_a_score_round_trips_through_scores_jsonl_unchanged(tmp_path):
    store = ResultStore(tmp_path)
    run = RunRecord(run_id="r", dataset="d", generator="g", seed=0, status="ok")
    store.append(run, ROWS)
    back = store.read_scores()
    assert [s.run_id for s in back] == ["r"] * 3 and {s.attempt_id for s in back} == {run.attempt_id}
    for a, b in zip(ROWS, (s.score for s in back)):
        assert _same(a, b), (a, b)
    frame = store.load_scores()
    assert list(frame.columns[:2]) == ["run_id", "attempt_id"] and list(frame.columns[2:9]) == SCORE_COLUMNS
    assert math.isnan(frame["value"].iloc[1]) and frame["column_2"].iloc[0] == "c|d"
    # the frame view of stored rows is the same view evaluate gives of its own rows
    pd.testing.assert_frame_equal(frame[SCORE_COLUMNS], score_frame(ROWS))
    assert store.runs()["r"] == run


def test_evaluate_keeps_typed_rows_and_the_frame_is_their_view():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=100), "c": rng.choice(list("ab"), 100)})
    res = benchkit.evaluate(real, real.sample(frac=1, random_state=1), families=["marginal"])
    assert res.rows and all(isinstance(s, Score) and s.family for s in res.rows)
    assert res.scores["metric"].tolist() == [s.metric for s in res.rows]
    for s in res.rows:
        back = score_from_line(score_line(s, RunRecord("r", "d", "g", 0, "ok"))).score
        assert _same(s, back)


def _folder(tmp_path):
    store = ResultStore(tmp_path)
    store.append(RunRecord(run_id="r", dataset="d", generator="g", seed=0, status="ok"), ROWS[:2])
    return store


def _rewrite(path, line_no, change):
    lines = path.read_text().splitlines()
    row = json.loads(lines[line_no - 1])
    change(row)
    lines[line_no - 1] = json.dumps(row)
    path.write_text("\n".join(lines) + "\n")


def test_a_misspelt_field_in_runs_jsonl_fails_loudly(tmp_path):
    _folder(tmp_path)
    _rewrite(tmp_path / "runs.jsonl", 1, lambda r: r.update(fit_sec=r.pop("fit_s")))
    with pytest.raises(DataError, match=r"runs\.jsonl:1: a run record with unknown field 'fit_sec'"):
        ResultStore(tmp_path).runs()


def test_a_misspelt_field_in_scores_jsonl_fails_loudly(tmp_path):
    _folder(tmp_path)
    _rewrite(tmp_path / "scores.jsonl", 2, lambda r: r.update(colum_2=r.pop("column_2")))
    with pytest.raises(DataError, match=r"scores\.jsonl:2: a score row with unknown field 'colum_2'"):
        ResultStore(tmp_path).load_scores()


def test_a_missing_required_field_or_a_bad_status_is_named(tmp_path):
    _folder(tmp_path)
    _rewrite(tmp_path / "runs.jsonl", 1, lambda r: r.pop("generator"))
    with pytest.raises(DataError, match=r"runs\.jsonl:1: .*missing field 'generator'"):
        ResultStore(tmp_path).runs()
    _rewrite(tmp_path / "runs.jsonl", 1, lambda r: r.update(generator="g", status="done"))
    with pytest.raises(DataError, match=r"runs\.jsonl:1: status must be one of"):
        ResultStore(tmp_path).runs()


def test_older_lines_without_later_fields_read_with_defaults(tmp_path):
    row = RunRecord(run_id="r", dataset="d", generator="g", seed=0, status="ok").to_dict()
    for later in ("n_scores", "budget_s", "training", "is_reference", "score_s"):
        del row[later]
    (tmp_path / "runs.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "scores.jsonl").write_text(json.dumps({"run_id": "r", "attempt_id": row["attempt_id"],
                                                       "metric": "marginal.ks_complement", "value": None}) + "\n")
    store = ResultStore(tmp_path)
    rec = store.runs()["r"]
    assert rec.n_scores is None and rec.training == {} and rec.is_reference is False
    [stored] = store.read_scores()
    assert stored.score.column is None and stored.score.details == {} and math.isnan(stored.score.value)
    assert store.load_scores()["family"].tolist() == ["marginal"]


def test_a_job_record_with_an_unknown_field_is_refused_before_it_is_written(tmp_path):
    from benchkit.bench.job import JobResult
    from benchkit.bench.runner import _record

    rec = RunRecord(run_id="r", dataset="d", generator="g", seed=0, status="ok").to_dict()
    rec["fit_secs"] = 1.0
    with pytest.raises(DataError, match=r"the record of job r: a run record with unknown field 'fit_secs'"):
        _record(JobResult(rec, list(ROWS)), ResultStore(tmp_path))
    assert not (tmp_path / "runs.jsonl").exists()


def test_a_score_line_with_a_value_that_is_not_a_number_is_named(tmp_path):
    _folder(tmp_path)
    _rewrite(tmp_path / "scores.jsonl", 1, lambda r: r.update(value="0.5"))
    with pytest.raises(RecordError, match=r"scores\.jsonl:1: a score row whose value is not a number"):
        ResultStore(tmp_path).read_scores()
