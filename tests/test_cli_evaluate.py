"""`benchkit evaluate` through a real subprocess: summary, --out files, clear errors."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest


def bk(*args: str, cwd=None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "benchkit", *args], capture_output=True, text=True, cwd=cwd, timeout=120)


@pytest.fixture
def files(tmp_path):
    rng = np.random.default_rng(0)
    n = 300
    real = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b", "c"], n), "k": rng.choice(["u", "v"], n)})
    real["y"] = real["x"] + rng.normal(0, 0.2, n)
    syn = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    syn["y"] = rng.normal(size=n)  # breaks the x~y correlation
    real.to_csv(tmp_path / "real.csv", index=False)
    syn.to_csv(tmp_path / "syn.csv", sep=";", index=False)
    syn.to_parquet(tmp_path / "syn.parquet")
    return tmp_path


def test_evaluate_prints_summary_and_writes_json(files):
    out = files / "scores.json"
    p = bk("evaluate", str(files / "real.csv"), str(files / "syn.csv"), "--out", str(out))
    assert p.returncode == 0, p.stderr
    assert "aggregate.column_shapes" in p.stdout and "Worst column pairs" in p.stdout
    assert "x / y" in p.stdout  # the broken pair is among the worst
    doc = json.loads(out.read_text())
    rows = {(r["metric"], r["column"], r["column_2"]): r for r in doc["scores"]}
    assert rows[("marginal.ks_complement", "x", None)]["value"] == pytest.approx(1.0)  # x was only reordered
    assert rows[("aggregate.column_shapes", None, None)]["value"] > 0.9
    assert rows[("pairwise.correlation_pearson", "x", "y")]["value"] < 0.7


def test_evaluate_parquet_csv_out_and_families(files):
    out = files / "scores.csv"
    p = bk("evaluate", str(files / "real.csv"), str(files / "syn.parquet"), "--families", "marginal", "--out", str(out))
    assert p.returncode == 0, p.stderr
    df = pd.read_csv(out)
    assert set(df["family"]) == {"marginal", "aggregate"}
    assert json.loads(df["details"].iloc[0]) is not None


def test_evaluate_with_schema_file(files):
    from benchkit import Schema

    schema = Schema.infer(pd.read_csv(files / "real.csv"), overrides={"k": "categorical"})
    schema.to_json(files / "schema.json")
    p = bk("evaluate", str(files / "real.csv"), str(files / "syn.csv"), "--schema", str(files / "schema.json"))
    assert p.returncode == 0, p.stderr


def test_missing_and_unparseable_files_exit_2_with_a_message(files):
    p = bk("evaluate", str(files / "nope.csv"), str(files / "syn.csv"))
    assert p.returncode == 2 and "nope.csv does not exist" in p.stderr and "Traceback" not in p.stderr
    (files / "bad.csv").write_text("a,b\n1,2\n3,4,5\n")
    p = bk("evaluate", str(files / "real.csv"), str(files / "bad.csv"))
    assert p.returncode == 2 and "cannot parse" in p.stderr
    p = bk("evaluate", str(files / "real.csv"), str(files / "syn.csv"), "--out", str(files / "x.txt"))
    assert p.returncode == 2 and ".json or .csv" in p.stderr
