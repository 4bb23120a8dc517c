"""Shared set-up for the runner tests: the planted plugin installed through a real entry point, and
a tiny dataset file."""

from __future__ import annotations

import json
import os
import shutil
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from benchkit import plugins

HERE = Path(__file__).resolve().parent
PLUGIN_SRC = HERE / "runner_plugin" / "benchkit_runner_testplug.py"


def install_plugin(folder: Path) -> Path:
    """Lay the planted plugin out like a pip install: the module plus a .dist-info with its entry point."""
    folder.mkdir(parents=True, exist_ok=True)
    shutil.copy(PLUGIN_SRC, folder / PLUGIN_SRC.name)
    info = folder / "benchkit_runner_testplug-0.1.dist-info"
    info.mkdir(exist_ok=True)
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: benchkit-runner-testplug\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text("[benchkit]\nrunner_testplug = benchkit_runner_testplug\n")
    return folder


@pytest.fixture(scope="module")
def planted(tmp_path_factory):
    """The planted plugin on sys.path and PYTHONPATH (so job processes and Dask workers load it)."""
    folder = install_plugin(tmp_path_factory.mktemp("site"))
    old_env = {k: os.environ.get(k) for k in ("PYTHONPATH", "BENCHKIT_LOAD_PLUGINS")}
    sys.path.insert(0, str(folder))
    os.environ["PYTHONPATH"] = os.pathsep.join([str(folder)] + [p for p in (old_env["PYTHONPATH"] or "").split(os.pathsep) if p])
    os.environ.pop("BENCHKIT_LOAD_PLUGINS", None)
    plugins.reset()
    yield folder
    sys.path.remove(str(folder))
    for k, v in old_env.items():
        if v is None:
            os.environ.pop(k, None)
        else:
            os.environ[k] = v
    sys.modules.pop("benchkit_runner_testplug", None)
    plugins.reset()


def tiny_csv(folder: Path, n: int = 240, seed: int = 7) -> Path:
    """A small mixed-type table with a binary target."""
    rng = np.random.default_rng(seed)
    x = rng.normal(10, 2, n)
    df = pd.DataFrame({
        "x": x,
        "k": rng.integers(0, 50, n),
        "colour": rng.choice(["red", "green", "blue"], n, p=[0.5, 0.3, 0.2]),
        "label": np.where(x + rng.normal(0, 1, n) > 10, "yes", "no"),
    })
    path = folder / "tiny.csv"
    df.to_csv(path, index=False)
    return path


def spec_dict(data: Path, out: Path, generators: list, seeds=2, **extra) -> dict:
    d = {
        "out": str(out),
        "seeds": seeds,
        "families": ["marginal"],
        "datasets": [{"path": str(data), "target": "label"}],
        "generators": generators,
    }
    d.update(extra)
    return d


def values_by_job(result) -> dict:
    """{(run_id, metric, column): value} for comparing two benchmarks number by number."""
    s = result.scores
    return {(r.run_id, r.metric, r.column if isinstance(r.column, str) else None): r.value for r in s.itertuples()}
