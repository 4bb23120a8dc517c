"""Equal budgets: every job records its budget and the generator's training summary, a summary that
breaks never fails a job, and the report's resources table shows the budget beside the time used."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from runner_fixtures import spec_dict, tiny_csv

from benchkit import Schema, hookimpl
from benchkit.report.model import from_results
from benchkit.report.tables import resources_table
from benchkit.bench.results import RUNS, ResultStore, RunRecord
from benchkit.bench.runner import run_benchmark
from benchkit_baselines import IndependentGenerator
from benchkit_wgan import WGANGenerator


class _Summarised(IndependentGenerator):
    """The ``independent`` baseline with a ``training_summary`` chosen by the ``summary`` parameter."""

    def __init__(self, *, summary: str = "raises", seed: int | None = 0):
        super().__init__(seed=seed)
        self.summary = summary

    def training_summary(self) -> dict:
        if self.summary == "raises":
            raise RuntimeError("planted summary failure")
        if self.summary == "junk":
            return {"when": object()}  # not JSON data
        return {"epochs_done": np.int64(3), "stopped_because": "epochs done"}  # numpy scalars are fine


class _SummaryPlugin:
    @staticmethod
    @hookimpl
    def benchkit_register_generators(register):
        register("summarised", _Summarised, description="independent with a planted training summary")


def _runs(spec: dict) -> pd.DataFrame:
    return run_benchmark(spec, executor="inprocess", progress=False).runs.set_index("generator")


def test_wgan_job_records_its_budget_and_training(tmp_path, plugin_manager):
    gens = [{"name": "wgan", "params": {**WGANGenerator.test_params(), "epochs": 10**6, "max_seconds": 1.5}},
            {"name": "independent"}]
    runs = _runs(spec_dict(tiny_csv(tmp_path), tmp_path / "out", gens, seeds=1))
    wgan = runs.loc["wgan"]
    assert wgan["status"] == "ok" and wgan["budget_s"] == 1.5
    training = wgan["training"]
    assert training["stopped_because"] == "time budget"
    assert 1 <= training["epochs_done"] < 10**6 and training["epochs_planned"] == 10**6
    assert training["budget_s"] == 1.5 and 0 < training["train_s"] <= wgan["fit_s"]
    assert wgan["fit_s"] >= 1.5  # (a first fit in a process also pays torch's start-up, so no upper bound here)
    # a generator without a budget or a summary records neither
    assert pd.isna(runs.loc["independent", "budget_s"]) and runs.loc["independent", "training"] == {}
    line = json.loads((tmp_path / "out" / RUNS).read_text().splitlines()[-1])
    assert {"budget_s", "training"} <= set(line)


def test_wgan_summary_without_budget_says_epochs_done_and_survives_save_load(tmp_path):
    df = pd.read_csv(tiny_csv(tmp_path))
    gen = WGANGenerator(**WGANGenerator.test_params()).fit(df, Schema.infer(df))
    summary = gen.training_summary()
    assert summary["stopped_because"] == "epochs done" and summary["epochs_done"] == summary["epochs_planned"] == 2
    assert summary["budget_s"] is None
    gen.save(tmp_path / "m.pt")
    assert WGANGenerator.load(tmp_path / "m.pt").training_summary() == summary


@pytest.mark.parametrize("kind, expected", [
    ("raises", "training_summary() failed: RuntimeError: planted summary failure"),
    ("junk", "training_summary() failed: TypeError: object is not JSON data"),
])
def test_a_broken_training_summary_is_noted_not_fatal(kind, expected, tmp_path, plugin_manager):
    plugin_manager.register(_SummaryPlugin(), name="summary_plugin")
    gens = [{"name": "summarised", "params": {"summary": kind}}]
    spec = spec_dict(tiny_csv(tmp_path), tmp_path / "out", gens, seeds=1)
    run = _runs(spec).loc["summarised"]
    assert run["status"] == "ok" and run["error"] is None
    assert run["training"] == {"error": expected} and pd.isna(run["budget_s"])


def test_a_numpy_training_summary_is_stored_as_plain_json(tmp_path, plugin_manager):
    plugin_manager.register(_SummaryPlugin(), name="summary_plugin")
    gens = [{"name": "summarised", "params": {"summary": "ok"}}]
    spec = spec_dict(tiny_csv(tmp_path), tmp_path / "out", gens, seeds=1)
    assert _runs(spec).loc["summarised", "training"] == {"epochs_done": 3, "stopped_because": "epochs done"}


def _store_runs(folder, records: list[dict]) -> None:
    store = ResultStore(folder)
    for i, rec in enumerate(records):
        store.append(RunRecord(run_id=f"r{i}", dataset="adult <b>", seed=0, status="ok", **rec))


def test_resources_table_shows_budget_used_epochs_and_flags_an_under_used_budget(tmp_path):
    _store_runs(tmp_path, [
        {"generator": "wgan", "fit_s": 88.2, "sample_s": 0.4, "peak_rss_mb": 500.0, "budget_s": 90.0,
         "training": {"epochs_done": 37, "epochs_planned": 300, "stopped_because": "time budget"}},
        {"generator": "sdv_ctgan", "fit_s": 31.5, "sample_s": 1.2, "peak_rss_mb": 700.0, "budget_s": 90.0,
         "training": {"epochs_done": 4, "epochs_planned": 300, "stopped_because": "<i>planned</i> epochs done"}},
        {"generator": "independent", "fit_s": 0.1, "sample_s": 0.05, "peak_rss_mb": 200.0},
    ])
    # a line from before budget_s and training were recorded still loads (both take their defaults)
    old = {"run_id": "old", "dataset": "adult <b>", "generator": "bootstrap", "seed": 0, "status": "ok", "fit_s": 0.2}
    with (tmp_path / RUNS).open("a") as fh:
        fh.write(json.dumps(old) + "\n")
    table = resources_table(from_results(tmp_path))
    assert [h.text for h in table.headers] == ["Dataset", "Generator", "Budget (s)", "Fit (s)", "Used", "Epochs",
                                               "Stopped because", "Sample (s)", "Peak memory (MB)"]
    rows = {r[1].text: r for r in table.rows}
    assert [c.text for c in rows["wgan"]] == ["adult <b>", "wgan", "90", "88.2", "98%", "37/300", "time budget",
                                             "0.4", "500.0"]
    assert rows["wgan"][4].cls == ""
    used = rows["sdv_ctgan"][4]
    assert used.text == "35% ⚠" and used.cls == "warn"
    assert used.title == ("used 35% of its 90 s budget (31.5 s); epochs 4/300; "
                          "stopped because: <i>planned</i> epochs done")
    for name in ("independent", "bootstrap"):
        assert [c.text for c in rows[name][2:7]] == ["–", rows[name][3].text, "–", "–", "–"]


def test_report_html_escapes_the_resources_table(tmp_path):
    from benchkit.report import write_report

    _store_runs(tmp_path, [{"generator": "sdv_ctgan", "fit_s": 31.5, "budget_s": 90.0,
                            "training": {"epochs_done": 4, "stopped_because": "<script>x</script>"}}])
    html = write_report(tmp_path).read_text(encoding="utf-8")
    assert "<script>x</script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
    assert 'class="warn"' in html and "Budget (s)" in html


@pytest.mark.parametrize("threads", [1, 2])
def test_wgan_trains_on_the_threads_its_job_was_given(tmp_path, threads):
    """Inside a job process, wgan sizes torch's pool to --threads-per-job, not to every CPU (so a
    budgeted wgan never competes unfairly with single-threaded peers)."""
    gens = [{"name": "wgan", "params": WGANGenerator.test_params()}]
    spec = spec_dict(tiny_csv(tmp_path), tmp_path / "out", gens, seeds=1, threads_per_job=threads)
    runs = run_benchmark(spec, executor="process", jobs=1, progress=False).runs.set_index("generator")
    assert runs.loc["wgan", "status"] == "ok" and runs.loc["wgan", "training"]["threads"] == threads
