"""The one memo helper: keys owned by their module, each key built once even under threads."""

import threading
import time

import pandas as pd
import pytest

from benchkit.metrics import MetricContext
from benchkit.metrics._engine import ctx as ctx_module
from benchkit.metrics._engine.ctx import entries, memo, peek, put
from benchkit.schema import Schema


def _ctx() -> MetricContext:
    df = pd.DataFrame({"x": [1.0, 2.0]})
    return MetricContext(df, df, Schema.infer(df))


def test_keys_are_owned_by_their_module():
    ctx = _ctx()
    assert memo(ctx, "mod.a", ("k",), lambda: 1) == 1
    assert memo(ctx, "mod.b", ("k",), lambda: 2) == 2  # the same key tuple, another owner: no collision
    assert memo(ctx, "mod.a", ("k",), lambda: 3) == 1
    assert peek(ctx, "mod.b", ("k",)) == 2 and peek(ctx, "mod.c", ("k",)) is None
    assert entries(ctx, "mod.a") == {("k",): 1}
    put(ctx, "mod.a", ("k",), 4)
    assert memo(ctx, "mod.a", ("k",), lambda: 5) == 4
    with pytest.raises(TypeError, match="__name__"):
        memo(ctx, "", ("k",), lambda: 0)


def test_none_is_a_value_and_a_failed_build_keeps_nothing():
    ctx = _ctx()
    calls = []
    assert memo(ctx, __name__, ("n",), lambda: calls.append(1)) is None
    assert memo(ctx, __name__, ("n",), lambda: calls.append(1)) is None
    assert calls == [1]
    with pytest.raises(ZeroDivisionError):
        memo(ctx, __name__, ("bad",), lambda: 1 / 0)
    assert memo(ctx, __name__, ("bad",), lambda: "built") == "built"


def test_across_references_entries_outlive_one_evaluation_and_no_other():
    """``across_references=True`` keeps the entry in the store handed to the reference evaluations
    (``shared``): a second context given that store finds it; a fresh context does not; the
    per-evaluation entry of the same key is a separate value."""
    first = _ctx()
    assert memo(first, "mod.a", ("fit",), lambda: "model", across_references=True) == "model"
    df = pd.DataFrame({"x": [3.0, 4.0]})
    reference = MetricContext(df, df, Schema.infer(df), shared=first.shared)
    assert memo(reference, "mod.a", ("fit",), lambda: "refitted", across_references=True) == "model"
    assert memo(reference, "mod.a", ("fit",), lambda: "per evaluation") == "per evaluation"
    assert memo(_ctx(), "mod.a", ("fit",), lambda: "fresh", across_references=True) == "fresh"


def test_two_threads_asking_for_one_key_build_it_once():
    ctx = _ctx()
    builds = []
    start = threading.Barrier(8)

    def build():
        builds.append(threading.current_thread().name)
        time.sleep(0.05)  # long enough for every other thread to arrive while it builds
        return object()

    got = []

    def ask():
        start.wait()
        got.append(memo(ctx, __name__, ("slow",), build))

    threads = [threading.Thread(target=ask) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(builds) == 1 and len({id(v) for v in got}) == 1
    assert ctx.cache[ctx_module._LOCKS] == {}  # the per-key lock is gone once its value is kept
