"""Threaded metrics opt in at registration (``parallel=True``), not by module name: on a large table a
plugin metric that opts in has its ``thread_map`` work spread over threads; one that does not runs it
serially on the caller's thread. An unknown value is logged and ignored."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

import benchkit
from benchkit import evaluation, hookimpl
from benchkit.metrics import Score
from benchkit.metrics._engine import encoding

SEEN: dict[str, set[str]] = {}


def _where(name):
    def metric(ctx):
        # each item records the thread it ran on; the sleep-free work is short, so 8 items on a
        # 2-worker pool land on the workers, never on the caller
        SEEN[name] = set(encoding.thread_map(lambda _i: threading.current_thread().name, list(range(8))))
        return [Score(name, 1.0)]
    return metric


class ThreadPlugin:
    @hookimpl
    def benchkit_register_metrics(self, register):
        register("probe.threaded", _where("probe.threaded"), family="probe", parallel=True)
        register("probe.alone", _where("probe.alone"), family="probe")


def test_a_plugin_metric_that_opts_in_maps_over_threads(plugin_manager, monkeypatch):
    plugin_manager.register(ThreadPlugin(), name="thread-probe")
    monkeypatch.setattr(evaluation, "PARALLEL_MIN_ROWS", 0)  # threads on a small table
    monkeypatch.setattr(encoding, "worker_threads", lambda: 2)
    SEEN.clear()
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("ab"), 200)})
    syn = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("ab"), 200)})
    res = benchkit.evaluate(real, syn, metrics=["probe.threaded", "probe.alone", "marginal.ks_complement"])
    assert not res.skipped
    caller = threading.current_thread().name
    assert caller not in SEEN["probe.threaded"]  # its items ran on pool threads
    assert SEEN["probe.alone"] == {caller}  # serial, on the caller's thread
    regs = benchkit.plugins.list_metrics()
    assert evaluation.metric_parallel(regs["probe.threaded"]) is True
    assert evaluation.metric_parallel(regs["probe.alone"]) is False
    assert evaluation.metric_parallel(regs["marginal.ks_complement"]) is True
    assert evaluation.metric_parallel(regs["pairwise.category_combinations"]) is True
    assert "encodings" in res.timings  # the shared encodings were built up front for the opted-in metrics


def test_an_unknown_parallel_value_is_logged_and_the_metric_runs_serially(plugin_manager, caplog):
    class OddPlugin:
        @hookimpl
        def benchkit_register_metrics(self, register):
            register("probe.odd", _where("probe.odd"), family="probe", parallel="yes")

    plugin_manager.register(OddPlugin(), name="odd-probe")
    real = pd.DataFrame({"x": np.arange(20.0)})
    with caplog.at_level("WARNING", logger="benchkit.evaluation"):
        res = benchkit.evaluate(real, real, metrics=["probe.odd"])
    assert not res.skipped and SEEN["probe.odd"] == {threading.current_thread().name}
    assert "probe.odd" in caplog.text and "parallel='yes'" in caplog.text
    assert "encodings" not in res.timings


def test_thread_budget_of_a_benchmark_job_caps_the_evaluation_threads(monkeypatch):
    """Inside a job (``BENCHKIT_THREADS``, set by the runner's ``--threads-per-job``) the evaluation
    uses no more threads than the job was given."""
    monkeypatch.setenv("BENCHKIT_THREADS", "1")
    assert encoding.worker_threads() == 1
    seen = set(encoding.thread_map(lambda _i: threading.current_thread().name, list(range(8))))
    assert seen == {threading.current_thread().name}
    monkeypatch.setenv("BENCHKIT_THREADS", "3")
    assert encoding.worker_threads() == min(3, __import__("os").cpu_count() or 1)


def test_trtr_and_tstr_fitted_side_by_side_give_the_serial_values(plugin_manager, monkeypatch):
    """utility.tstr opts in: on a large table its TRTR and TSTR fits run on two threads; the values
    are those of the fits one after the other (LightGBM with one thread each is deterministic)."""
    rng = np.random.default_rng(0)

    def table(n, shift):
        x = rng.normal(size=n)
        return pd.DataFrame({"x": x + shift, "z": rng.normal(size=n), "k": rng.choice(list("abc"), n),
                             "y": np.where(x + rng.normal(0, 0.7, n) > 0, "yes", "no")})

    real, syn, hold = table(3000, 0.0), table(3000, 0.3), table(1000, 0.0)
    assert evaluation.metric_parallel(benchkit.plugins.list_metrics()["utility.tstr"])
    monkeypatch.setattr(encoding, "worker_threads", lambda: 2)
    runs = {}
    for label, min_rows in (("threads", 0), ("serial", 10**9)):
        monkeypatch.setattr(evaluation, "PARALLEL_MIN_ROWS", min_rows)
        res = benchkit.evaluate(real, syn, target="y", holdout=hold, metrics=["utility.tstr"], references=False)
        runs[label] = res.scores.set_index("metric")["value"].astype(float)
    assert runs["threads"]["utility.trtr_roc_auc"] > 0.7  # a real fit on a learnable target
    pd.testing.assert_series_equal(runs["threads"], runs["serial"])
