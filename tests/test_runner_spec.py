"""The benchmark spec: TOML and flags build the same spec; bad specs get clear errors."""

from __future__ import annotations

import pytest

from benchkit.errors import BenchkitError, UnknownNameError
from benchkit.bench.spec import (
    BenchmarkSpec,
    DatasetSpec,
    GeneratorSpec,
    SpecError,
    load_spec,
    parse_dataset_flag,
    parse_generator_flag,
    parse_seeds,
    spec_from_flags,
)

TOML = """
out = "res"
seeds = 3
families = ["marginal", "pairwise"]
sample_size = 500
time_limit = 60
memory_limit = 2048

[[datasets]]
name = "bank_transactions"
n_rows = 1000

[[datasets]]
path = "data/tiny.csv"
target = "label"

[[generators]]
name = "independent"

[[generators]]
name = "wgan"
label = "wgan-long"
params = { epochs = 300, lr = 1e-4 }
time_limit = 7200
"""


def test_toml_spec_and_defaults(tmp_path):
    f = tmp_path / "bench.toml"
    f.write_text(TOML)
    spec = load_spec(f)
    assert spec.seeds == [0, 1, 2]
    assert spec.families == ["marginal", "pairwise"]
    assert spec.out == str(tmp_path / "res")  # relative to the spec file
    assert spec.datasets[0] == DatasetSpec("bank_transactions", n_rows=1000)
    assert spec.datasets[1].path == str(tmp_path / "data" / "tiny.csv")
    assert spec.datasets[1].name == "tiny" and spec.datasets[1].target == "label"
    wl = spec.generators[1]
    assert (wl.name, wl.key, wl.params) == ("wgan", "wgan-long", {"epochs": 300, "lr": 1e-4})
    assert spec.limits_for(wl) == (7200, 2048)
    assert spec.limits_for(spec.generators[0]) == (60, 2048)
    # defaults from the brief
    minimal = BenchmarkSpec([DatasetSpec("d")], [GeneratorSpec("g")])
    assert minimal.holdout == 0.2 and minimal.sample_size is None and minimal.split_seed == 0
    assert minimal.families is None and minimal.seeds == [0]


def test_flags_match_toml(tmp_path):
    f = tmp_path / "bench.toml"
    f.write_text(TOML)
    from_file = load_spec(f)
    from_flags = spec_from_flags(
        datasets=["bank_transactions:n_rows=1000", f"{tmp_path}/data/tiny.csv:target=label"],
        generators=["independent", "wgan-long=wgan:epochs=300,lr=1e-4"],
        seeds="3", families=["marginal", "pairwise"], sample_size=500, time_limit=60, memory_limit=2048,
        out=str(tmp_path / "res"),
    )
    assert from_flags.datasets == from_file.datasets
    assert [(g.name, g.key, g.params) for g in from_flags.generators] == \
        [(g.name, g.key, g.params) for g in from_file.generators]
    assert from_flags.seeds == from_file.seeds and from_flags.out == from_file.out
    # flags override the file, the rest of the file stays
    over = spec_from_flags(spec_file=f, seeds="4,9", out=str(tmp_path / "other"))
    assert over.seeds == [4, 9] and over.out == str(tmp_path / "other") and over.sample_size == 500


def test_flag_parsers():
    g = parse_generator_flag("gaussian_copula")
    assert (g.name, g.label, g.params) == ("gaussian_copula", None, {})
    g = parse_generator_flag("small=wgan:epochs=5,hidden=[64, 64],mode=fast,flag=true")
    assert g.key == "small" and g.params == {"epochs": 5, "hidden": [64, 64], "mode": "fast", "flag": True}
    d = parse_dataset_flag("adult.csv:n_rows=100,target=income")
    assert d.path == "adult.csv" and d.name == "adult" and d.n_rows == 100 and d.target == "income"
    assert parse_dataset_flag("bank_transactions").path is None
    assert parse_seeds(3) == [0, 1, 2] and parse_seeds("2") == [0, 1] and parse_seeds([5, 1]) == [5, 1]


@pytest.mark.parametrize(
    "changes, message",
    [
        ({"seeds": []}, "no seeds"),
        ({"seeds": [0, 0]}, "seed '0' appears twice"),
        ({"seeds": [-1]}, "non-negative"),
        ({"holdout": 1.0}, "strictly between 0 and 1"),
        ({"families": ["marginal", 3]}, "families must be names"),
        ({"sample_size": 0}, "sample_size must be a positive integer"),
        ({"time_limit": -5}, "time_limit must be a positive number"),
        ({"generators": [GeneratorSpec("g"), GeneratorSpec("g", {"a": 1})]}, "give each entry .* distinct `label`"),
        ({"generators": [GeneratorSpec("g", label="holdout")]}, "reserved"),
        ({"generators": [GeneratorSpec("g", {"seed": 3})]}, "do not set `seed`"),
        ({"datasets": []}, "names no datasets"),
    ],
)
def test_bad_values_are_named(changes, message):
    base = {"datasets": [DatasetSpec("d")], "generators": [GeneratorSpec("g")]}
    base.update(changes)
    with pytest.raises(SpecError, match=message):
        BenchmarkSpec(**base)


def test_bad_files_and_keys(tmp_path):
    with pytest.raises(SpecError, match="does not exist"):
        load_spec(tmp_path / "nope.toml")
    f = tmp_path / "bad.toml"
    f.write_text("seeds = [0\n")
    with pytest.raises(SpecError, match="not valid TOML"):
        load_spec(f)
    f.write_text('seed = 3\ndatasets = ["d"]\ngenerators = ["g"]\n')
    with pytest.raises(SpecError, match="unknown key 'seed'; did you mean 'seeds'"):
        load_spec(f)
    f.write_text('datasets = [{name = "d", rows = 5}]\ngenerators = ["g"]\n')
    with pytest.raises(SpecError, match="unknown key 'rows'"):
        load_spec(f)
    with pytest.raises(SpecError, match="give a spec file"):
        spec_from_flags(datasets=["d"])


def test_check_names(plugin_manager, tmp_path):
    spec = BenchmarkSpec([DatasetSpec("d", path=str(tmp_path / "missing.csv"))], [GeneratorSpec("independent")])
    with pytest.raises(SpecError, match="missing.csv does not exist"):
        spec.check_names()
    spec = BenchmarkSpec([DatasetSpec("bank_transactions")], [GeneratorSpec("independant")])
    with pytest.raises(UnknownNameError, match="did you mean 'independent'"):
        spec.check_names()
    spec = BenchmarkSpec([DatasetSpec("bank_transaction")], [GeneratorSpec("independent")])
    with pytest.raises(BenchkitError, match="did you mean 'bank_transactions'"):
        spec.check_names()


def test_cli_flags_end_to_end(tmp_path):
    """`benchkit run --datasets ... --generators ...` runs, prints the summary; bad input exits 2 with a message."""
    import subprocess
    import sys

    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(0)
    pd.DataFrame({"a": rng.normal(size=120), "b": rng.choice(["x", "y"], 120)}).to_csv(tmp_path / "t.csv", index=False)
    out = tmp_path / "out"
    cmd = [sys.executable, "-m", "benchkit", "run", "--datasets", f"{tmp_path / 't.csv'}:target=b",
           "--generators", "independent", "boot=bootstrap", "--seeds", "1", "--families", "marginal",
           "--out", str(out), "--in-process", "--no-progress", "--no-report"]
    done = subprocess.run(cmd, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert "dataset t" in done.stdout and "boot" in done.stdout and "independent" in done.stdout
    assert "3 job(s) run, 0 already recorded" in done.stdout
    assert (out / "runs.jsonl").read_text().count('"status": "ok"') == 3
    bad = subprocess.run(cmd + ["--holdout", "1.5"], capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "holdout must be a fraction strictly between 0 and 1" in bad.stderr
