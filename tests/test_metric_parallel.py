"""Parallel metrics opt in at registration (``parallel=True``), not by module name: a plugin metric
that opts in runs in evaluate's shared thread pool; one that does not runs alone, on the caller's thread."""

from __future__ import annotations

import threading

import numpy as np
import pandas as pd

import benchkit
from benchkit import evaluation, hookimpl
from benchkit.metrics import Score
from benchkit.metrics._engine import encoding

SEEN: dict[str, str] = {}


def _where(name):
    def metric(ctx):
        SEEN[name] = threading.current_thread().name
        return [Score(name, 1.0)]
    return metric


class ThreadPlugin:
    @hookimpl
    def benchkit_register_metrics(self, register):
        register("probe.pooled", _where("probe.pooled"), family="probe", parallel=True)
        register("probe.alone", _where("probe.alone"), family="probe")


def test_a_plugin_metric_that_opts_in_runs_in_the_shared_pool(plugin_manager, monkeypatch):
    plugin_manager.register(ThreadPlugin(), name="thread-probe")
    monkeypatch.setattr(evaluation, "PARALLEL_MIN_ROWS", 0)  # threads on a small table
    monkeypatch.setattr(encoding, "worker_threads", lambda: 2)
    SEEN.clear()
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("ab"), 200)})
    syn = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(list("ab"), 200)})
    res = benchkit.evaluate(real, syn, metrics=["probe.pooled", "probe.alone", "marginal.ks_complement"])
    assert not res.skipped
    assert SEEN["probe.pooled"].startswith("benchkit")  # the shared pool's workers (task_pool)
    assert SEEN["probe.alone"] == threading.current_thread().name
    regs = benchkit.plugins.list_metrics()
    assert evaluation.metric_parallel(regs["probe.pooled"]) == "split"
    assert evaluation.metric_parallel(regs["probe.alone"]) is None
    assert evaluation.metric_parallel(regs["marginal.ks_complement"]) == "split"
    assert evaluation.metric_parallel(regs["pairwise.category_combinations"]) == "one_piece"
    assert not hasattr(evaluation, "_SIDE_BY_SIDE_MODULES")


def test_an_unknown_parallel_value_is_logged_and_the_metric_runs_alone(plugin_manager, caplog):
    class OddPlugin:
        @hookimpl
        def benchkit_register_metrics(self, register):
            register("probe.odd", _where("probe.odd"), family="probe", parallel="yes")

    plugin_manager.register(OddPlugin(), name="odd-probe")
    real = pd.DataFrame({"x": np.arange(20.0)})
    with caplog.at_level("WARNING", logger="benchkit.evaluation"):
        res = benchkit.evaluate(real, real, metrics=["probe.odd"])
    assert not res.skipped and SEEN["probe.odd"] == threading.current_thread().name
    assert "probe.odd" in caplog.text and "parallel='yes'" in caplog.text
