"""Issue 16's end-to-end case: `benchkit run` on the first 3,000 US rows of Adult (a constant
`native-country` column, missing values) with independent, gaussian_copula and wgan under a 20 s
budget records every job, writes strict JSON, and ends with a verdict, no traceback."""

from __future__ import annotations

import json
import subprocess
import sys

import pandas as pd

from adult_case import COLUMNS
from conftest import shared_data


def _strict(line: str) -> dict:
    def refuse(name: str):
        raise ValueError(f"non-standard JSON constant {name}")

    return json.loads(line, parse_constant=refuse)


def test_adult_us_subset_run_records_every_job(tmp_path):
    adult = pd.read_csv(shared_data("adult", "adult.data"), header=None, names=COLUMNS, skipinitialspace=True,
                        na_values="?")
    us = adult[adult["native-country"] == "United-States"].head(3000)
    assert us["native-country"].nunique() == 1 and us.isna().any().any()  # a constant column and missing values
    path = tmp_path / "adult_us.csv"
    us.to_csv(path, index=False)
    out = tmp_path / "res"
    done = subprocess.run([sys.executable, "-m", "benchkit", "run", "--datasets", f"{path}:target=income",
                           "--generators", "independent", "gaussian_copula", "wgan:max_seconds=20", "--seeds", "1",
                           "--out", str(out), "--no-progress", "--jobs", "2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    assert "Traceback" not in done.stderr
    runs = [_strict(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    assert sorted(r["generator"] for r in runs) == ["gaussian_copula", "holdout", "independent", "wgan"]
    assert all(r["status"] == "ok" for r in runs)
    wgan = next(r for r in runs if r["generator"] == "wgan")
    assert wgan["budget_s"] == 20 and wgan["training"]["stopped_because"]
    scores = [_strict(line) for line in (out / "scores.jsonl").read_text().splitlines()]
    assert {s["run_id"] for s in scores} == {r["run_id"] for r in runs}
    assert "adult_us: use " in " ".join(done.stdout.split())
