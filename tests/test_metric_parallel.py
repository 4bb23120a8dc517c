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
