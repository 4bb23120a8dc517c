"""A planted third-party plugin for the runner's tests: one honest generator and several broken ones.

Installed by the tests into a temporary folder with a ``.dist-info`` whose ``entry_points.txt``
declares it in the ``benchkit`` group, so job processes and Dask workers find it exactly as they
would find a pip-installed plugin.
"""

from __future__ import annotations

import os
import signal
import time
from pathlib import Path

import numpy as np
import pandas as pd

from benchkit import Generator, hookimpl
from benchkit.metrics import Score


HOLD_ENV = "BENCHKIT_TESTPLUG_HOLD"
"""``"K:FOLDER"``: the first K toy fits run, the next one writes ``FOLDER/held`` and waits to be killed."""


def _hold_gate() -> None:
    """Let K fits through, then hold the next one (the resume test kills the runner on ``held``)."""
    spec = os.environ.get(HOLD_ENV)
    if not spec:
        return
    k, folder = spec.split(":", 1)
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    n = len(list(folder.glob("fit-*")))
    (folder / f"fit-{n + 1}").write_text(str(os.getpid()))
    if n + 1 > int(k):
        (folder / "held.tmp").write_text(str(os.getpid()))
        os.replace(folder / "held.tmp", folder / "held")
        while True:  # until the runner dies (its job processes die with it) or the job's time limit
            time.sleep(1)


class Toy(Generator):
    """Numerical columns from a fitted normal, categorical columns from their frequencies."""

    def __init__(self, *, scale: float = 1.0, delay: float = 0.0, epochs: int = 0, seed: int = 0):
        self.scale = scale
        self.delay = delay
        self.epochs = epochs
        self.seed = seed

    def _fit(self, data, schema):
        _hold_gate()
        for i in range(self.epochs):
            if self.progress is not None:
                self.progress({"epoch": i + 1, "epochs": self.epochs})
        if self.delay:
            time.sleep(self.delay)
        self.stats_ = {}
        for name, spec in schema.columns.items():
            col = data[name]
            if spec.kind == "numerical":
                self.stats_[name] = ("num", float(col.mean()), float(col.std()), spec.subtype)
            else:
                freq = col.astype(str).value_counts(normalize=True).sort_index()
                self.stats_[name] = ("cat", freq.index.to_numpy(), freq.to_numpy(), None)

    def _sample(self, n):
        rng = np.random.default_rng(self.seed)
        out = {}
        for name, (kind, a, b, sub) in self.stats_.items():
            if kind == "num":
                v = rng.normal(a, b * self.scale, n)
                out[name] = np.round(v) if sub == "integer" else v
            else:
                out[name] = rng.choice(a, size=n, p=b)
        return pd.DataFrame(out)


class Ballast(Toy):
    """A toy that holds ``mb`` MB of touched memory while it fits (the peak-RSS test's known extra)."""

    def __init__(self, *, mb: int = 0, seed: int = 0):
        super().__init__(seed=seed)
        self.mb = mb

    def _fit(self, data, schema):
        ballast = np.ones(self.mb * 2**20 // 8)  # np.ones writes every page: resident, not just mapped
        super()._fit(data, schema)
        del ballast


class Boom(Toy):
    def _fit(self, data, schema):
        raise RuntimeError("planted failure in fit")


class Sleepy(Toy):
    def _fit(self, data, schema):
        time.sleep(3600)


class Hog(Toy):
    def _fit(self, data, schema):
        hoard = []
        while True:  # allocate (and touch) 50 MB at a time, without bound
            hoard.append(np.ones(50 * 2**20 // 8))


class Greedy(Toy):
    def _fit(self, data, schema):
        np.ones(2**50)  # 8 PB: MemoryError at once


class Wrong(Toy):
    def _sample(self, n):
        return pd.DataFrame({"not_a_column": np.arange(n)})


class Crash(Toy):
    def _fit(self, data, schema):
        os.kill(os.getpid(), signal.SIGSEGV)


class Flaky(Toy):
    """Fails while the file named by ``marker`` exists (to test --rerun-failed)."""

    def __init__(self, *, marker: str = "", seed: int = 0):
        super().__init__(seed=seed)
        self.marker = marker

    def _fit(self, data, schema):
        if self.marker and Path(self.marker).exists():
            raise RuntimeError("flaky: the marker file exists")
        super()._fit(data, schema)


def mean_gap(ctx):
    """1 - mean |standardised mean difference| over numerical columns (a tiny stand-in fidelity metric)."""
    out = []
    for c in ctx.schema.numerical:
        r, s = ctx.real[c], ctx.synthetic[c]
        sd = float(r.std()) or 1.0
        out.append(Score("marginal.toy_mean_gap", max(0.0, 1 - abs(float(s.mean()) - float(r.mean())) / sd), column=c))
    if out:
        out.append(Score("marginal.toy_mean_gap", float(np.mean([x.value for x in out]))))
    return out


@hookimpl
def benchkit_register_generators(register):
    register("toy", Toy, description="test generator")
    register("ballast", Ballast)
    register("boom", Boom)
    register("sleepy", Sleepy)
    register("hog", Hog)
    register("wrong", Wrong)
    register("greedy", Greedy)
    register("crash", Crash)
    register("flaky", Flaky)


@hookimpl
def benchkit_register_metrics(register):
    register("marginal.toy_mean_gap", mean_gap, family="marginal", higher_is_better=True,
             description="test metric")


def broken_loader(**kwargs):
    raise RuntimeError("planted failure in a dataset loader")


@hookimpl
def benchkit_register_datasets(register):
    register("broken_ds", broken_loader, description="a dataset whose loader always raises")
