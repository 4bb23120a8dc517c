"""Fault injection: planted plugins that raise, hang, allocate without bound, segfault or return a
wrong schema are each recorded with the right status while the honest jobs finish and score."""

from __future__ import annotations

import json

import pytest
from runner_fixtures import planted, spec_dict, tiny_csv  # noqa: F401 - fixture

from benchkit.bench.results import REFERENCE_GENERATOR, ResultStore
from benchkit.bench.runner import run_benchmark

BALLAST_MB = 300  # the ballast job holds this much more touched memory than the toy job while fitting
HOG_LIMIT_MB = 900

FAULTY = [
    {"name": "toy", "params": {"epochs": 3}},
    {"name": "ballast", "params": {"mb": BALLAST_MB}},
    {"name": "boom"},
    {"name": "sleepy", "time_limit": 4},
    {"name": "hog", "memory_limit": HOG_LIMIT_MB},
    {"name": "wrong"},
    {"name": "crash"},
    {"name": "greedy"},
]


@pytest.fixture(scope="module")
def faulty_run(planted, tmp_path_factory):  # noqa: F811
    root = tmp_path_factory.mktemp("faults")
    data = tiny_csv(root)
    spec = spec_dict(data, root / "out", FAULTY, seeds=1, time_limit=120)
    result = run_benchmark(spec, jobs=2, progress=False, report=False)
    return spec, result


def test_each_fault_gets_its_status(faulty_run):
    _, result = faulty_run
    runs = result.runs.set_index("generator")
    assert set(runs.index) == {"toy", "ballast", "boom", "sleepy", "hog", "wrong", "crash", "greedy",
                               REFERENCE_GENERATOR}
    expected = {"toy": "ok", "ballast": "ok", REFERENCE_GENERATOR: "ok", "boom": "failed", "sleepy": "timeout", "hog": "oom",
                "wrong": "failed", "crash": "failed", "greedy": "oom"}
    assert runs["status"].to_dict() == expected
    assert "RuntimeError: planted failure in fit" in runs.loc["boom", "error"]
    assert "planted failure" in runs.loc["boom", "traceback"]
    assert "time limit of 4 s" in runs.loc["sleepy", "error"]
    assert f"memory limit of {HOG_LIMIT_MB} MB" in runs.loc["hog", "error"] or "MemoryError" in runs.loc["hog", "error"]
    assert "does not fit the dataset's schema" in runs.loc["wrong", "error"]
    assert "column 'x' is missing" in runs.loc["wrong", "error"]
    assert "SIGSEGV" in runs.loc["crash", "error"]
    assert "MemoryError during fit" in runs.loc["greedy", "error"]


def test_honest_jobs_score_and_leave_artifacts(faulty_run):
    spec, result = faulty_run
    store = ResultStore(result.folder)
    runs = result.runs.set_index("generator")
    for gen in ("toy", REFERENCE_GENERATOR):
        rid = runs.loc[gen, "run_id"]
        mine = result.scores[result.scores["run_id"] == rid]
        assert len(mine) > 5 and mine["value"].notna().any()
        assert store.load_sample(rid) is not None  # the report's figures need it
    toy = runs.loc["toy"]
    assert toy["fit_s"] >= 0 and toy["sample_s"] >= 0 and toy["score_s"] > 0
    # peak RSS: recorded and positive, and per job: the job holding a known extra BALLAST_MB shows
    # about that much more than the plain toy job (not a fixed range: interpreters differ in size)
    assert toy["peak_rss_mb"] > 0
    assert runs.loc["ballast", "peak_rss_mb"] - toy["peak_rss_mb"] >= 0.8 * BALLAST_MB, runs["peak_rss_mb"]
    assert toy["n_train"] == 192 and toy["n_synthetic"] == 192  # default sample size = the train split
    assert toy["plugin"] == "runner_testplug" and toy["plugin_version"] == "0.1"
    assert toy["versions"]["pandas"] and toy["versions"]["benchkit"]
    # the hog was stopped for growing past its limit (by the watchdog, or MemoryError at the
    # address-space cap of twice the limit above the start), and its record shows that growth
    assert runs.loc["hog", "peak_rss_mb"] > HOG_LIMIT_MB
    # failed jobs have no scores
    bad = runs[runs["status"] != "ok"]["run_id"]
    assert not result.scores["run_id"].isin(bad).any()
    # the real-train sample, schema and card per dataset
    real, schema, card = store.load_real("tiny")
    assert len(real) == 192 and list(schema.columns) == ["x", "k", "colour", "label"]
    assert card["target"] == "label" and card["n_holdout"] == 48
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert manifest["spec"]["generators"][0]["name"] == "toy"
    assert manifest["machine"]["cpu_count"] >= 1 and manifest["machine"]["python"]
    assert "runner_testplug" in manifest["plugins"]["loaded"]
    assert manifest["benchkit_version"] and manifest["finished_at"]
    # the summary ranks the scored generator and leaves the reference unranked
    s = result.summary
    overall = s[s["metric"] == "aggregate.overall"].set_index("generator")
    assert overall.loc["toy", "rank"] == 1 and overall["rank"].isna()[REFERENCE_GENERATOR]


def test_rerun_skips_everything_recorded(faulty_run):
    spec, first = faulty_run
    again = run_benchmark(spec, jobs=2, progress=False, report=False)
    assert again.counts["ran"] == 0 and again.counts["skipped"] == len(FAULTY) + 1  # + the reference
    lines = (first.folder / "runs.jsonl").read_text().splitlines()
    assert len(lines) == len(FAULTY) + 1  # nothing recomputed, nothing appended


def test_rerun_failed_retries_only_failures(planted, tmp_path):  # noqa: F811
    data = tiny_csv(tmp_path)
    marker = tmp_path / "fail-now"
    marker.write_text("x")
    gens = [{"name": "toy"}, {"name": "flaky", "params": {"marker": str(marker)}}]
    spec = spec_dict(data, tmp_path / "out", gens, seeds=1)
    first = run_benchmark(spec, executor="inprocess", progress=False, report=False)
    st = first.runs.set_index("generator")["status"]
    assert st["flaky"] == "failed" and st["toy"] == "ok"
    marker.unlink()
    plain = run_benchmark(spec, executor="inprocess", progress=False, report=False)
    assert plain.counts["ran"] == 0 and plain.runs.set_index("generator")["status"]["flaky"] == "failed"
    retried = run_benchmark(spec, executor="inprocess", rerun_failed=True, progress=False, report=False)
    assert retried.counts["ran"] == 1
    assert retried.runs.set_index("generator")["status"]["flaky"] == "ok"
    toy_attempt = first.runs.set_index("generator")["attempt_id"]["toy"]
    assert retried.runs.set_index("generator")["attempt_id"]["toy"] == toy_attempt  # not recomputed


def test_epoch_progress_reaches_the_parent(planted, tmp_path):  # noqa: F811
    """A generator's progress callback travels from its job process to the runner's bar."""
    from benchkit.bench.executors import LocalPoolExecutor
    from benchkit.bench.runner import plan_jobs
    from benchkit.bench.prepare import prepare_dataset
    from benchkit.bench.spec import spec_from_dict

    spec = spec_from_dict(spec_dict(tiny_csv(tmp_path), tmp_path / "o", [{"name": "toy", "params": {"epochs": 4}}],
                                    seeds=1))
    data = {"tiny": prepare_dataset(spec.datasets[0], holdout=spec.holdout, split_seed=spec.split_seed)}
    jobs = [j for j in plan_jobs(spec, data) if not j.is_reference]
    events, results = [], []
    LocalPoolExecutor(1).run(jobs, data, results.append, lambda job, info: events.append((job.generator, info)))
    assert [r.record["status"] for r in results] == ["ok"]
    assert events == [("toy", {"epoch": i, "epochs": 4}) for i in (1, 2, 3, 4)]


def test_changed_spec_in_the_same_folder(planted, tmp_path):  # noqa: F811
    """Changing a parameter gives new job ids: those jobs run, the unchanged ones are kept."""
    data = tiny_csv(tmp_path)
    first = run_benchmark(spec_dict(data, tmp_path / "o", [{"name": "toy"}], seeds=1),
                          executor="inprocess", progress=False, report=False)
    second = run_benchmark(spec_dict(data, tmp_path / "o", [{"name": "toy", "params": {"scale": 3.0}}], seeds=1),
                           executor="inprocess", progress=False, report=False)
    assert second.counts["ran"] == 1 and second.counts["skipped"] == 1  # the reference is unchanged
    assert len(second.runs) == 2 and len(ResultStore(tmp_path / "o").runs()) == 3
    old = first.runs.set_index("generator")["run_id"]["toy"]
    assert old not in set(second.runs["run_id"])


def test_job_processes_that_cannot_start_stop_the_run_with_a_clear_error(planted, tmp_path, monkeypatch):  # noqa: F811
    import sys

    from benchkit.errors import BenchkitError

    monkeypatch.setattr(sys, "executable", "/bin/false")  # every job process exits at once
    spec = spec_dict(tiny_csv(tmp_path), tmp_path / "o", [{"name": "toy"}], seeds=1)
    with pytest.raises(BenchkitError, match="job processes keep exiting before they are ready"):
        run_benchmark(spec, jobs=1, progress=False, report=False)


def test_a_broken_dataset_plugin_fails_only_its_jobs(planted, tmp_path):  # noqa: F811
    spec = spec_dict(tiny_csv(tmp_path), tmp_path / "o", [{"name": "toy"}], seeds=1)
    spec["datasets"].append("broken_ds")
    result = run_benchmark(spec, executor="inprocess", progress=False, report=False)
    by = result.runs.set_index(["dataset", "generator"])["status"].to_dict()
    assert by == {("tiny", "toy"): "ok", ("tiny", REFERENCE_GENERATOR): "ok",
                  ("broken_ds", "toy"): "failed", ("broken_ds", REFERENCE_GENERATOR): "failed"}
    err = result.runs.set_index("dataset").loc["broken_ds", "error"].iloc[0]
    assert "could not be loaded" in err and "planted failure in a dataset loader" in err
    manifest = json.loads((result.folder / "manifest.json").read_text())
    assert "broken_ds" in manifest["dataset_errors"]
