"""What a plugin author builds against: test_params from the class only, the progress attribute, the
fresh-id helpers, one command-line parameter syntax, and declared column kinds (checks and runner)."""

from __future__ import annotations

import warnings
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import benchkit.generator as bg
from benchkit import Generator, Schema, hookimpl, plugins
from benchkit.bench.job import execute_job
from benchkit.bench.prepare import prepare_dataset
from benchkit.bench.runner import plan_jobs, run_benchmark
from benchkit.bench.spec import SpecError, parse_generator_flag, parse_params, spec_from_dict
from benchkit.cli import main
from benchkit.cli.cmd_check import parse_check_params
from benchkit.errors import BenchkitError, UnsupportedKindError
from benchkit.schema import KINDS
from benchkit.testing import SkippedKindsWarning, check_columns, check_generator, make_check_data, skipped_columns
from benchkit_baselines import BootstrapGenerator, IndependentGenerator
from runner_fixtures import spec_dict, tiny_csv

EXAMPLE_SRC = Path(__file__).resolve().parents[1] / "examples" / "thirdparty_plugin" / "src"


class NumbersOnly(Generator):
    """A real (if plain) generator that can only fit numbers: each numerical column drawn from a normal
    with the real mean and spread, missing at the real rate. Fed a date or a label, it would crash."""

    supported_kinds = frozenset({"numerical"})

    def __init__(self, *, spread: float = 1.0, epochs: int = 3, seed: int | None = 0):
        self.spread = spread
        self.epochs = epochs
        self.seed = seed

    @classmethod
    def test_params(cls):
        return {"epochs": 2}

    def _fit(self, data, schema):
        bg.check_training_data(data, schema, "NumbersOnly")
        bg.check_supported_kinds(self, schema)
        values = data[list(schema.columns)].to_numpy(dtype="float64")  # raises on dates and text
        self.columns_ = list(schema.columns)
        self.integer_ = [schema[c].subtype == "integer" for c in self.columns_]
        self.mean_, self.std_ = np.nanmean(values, axis=0), np.nanstd(values, axis=0)
        self.missing_ = np.isnan(values).mean(axis=0)
        for epoch in range(1, self.epochs + 1):  # a pretend training loop that reports like a real one
            if self.progress is not None:
                self.progress({"epoch": epoch, "epochs": self.epochs, "seconds": 0.0, "loss": 1.0 / epoch})
        self.rng_ = np.random.default_rng(self.seed)

    def _sample(self, n):
        z = self.rng_.normal(self.mean_, self.spread * self.std_, size=(n, len(self.columns_)))
        z[:, self.integer_] = np.round(z[:, self.integer_])
        z[self.rng_.random(z.shape) < self.missing_] = np.nan
        return pd.DataFrame(z, columns=self.columns_)


class NumbersOnlyPlugin:
    @staticmethod
    @hookimpl
    def benchkit_register_generators(register):
        register("numbers_only", NumbersOnly, description="numbers from normals")


# ------------------------------------------------------------------ test_params: one place
class OldStyle:
    @staticmethod
    @hookimpl
    def benchkit_register_generators(register):
        register("old_style", BootstrapGenerator, test_params={})


def test_register_refuses_test_params_and_says_where_they_go(plugin_manager):
    plugin_manager.register(OldStyle(), name="old_style_plugin")
    with pytest.warns(RuntimeWarning):
        reg = plugins.registry()
    assert "old_style" not in reg.all("generator")
    (err,) = [e for e in reg.errors if e.plugin == "old_style_plugin"]
    assert "test_params" in err.error and "def test_params(cls)" in err.error


def test_checks_by_name_use_the_class_test_params_and_a_function_factory_may_carry_them(plugin_manager):
    plugin_manager.register(NumbersOnlyPlugin(), name="numbers_only_plugin")
    built = []

    class Counting(NumbersOnly):
        def __init__(self, **kw):
            built.append(kw.get("epochs"))
            super().__init__(**kw)

    check_columns(Counting)
    assert built == [2]  # from Counting.test_params()

    def make(**params):
        built.append(params.get("epochs"))
        return NumbersOnly(**params)

    make.test_params = lambda: {"epochs": 1}
    make.supported_kinds = NumbersOnly.supported_kinds
    check_columns(make)
    assert built[-1] == 1
    check_columns(make, params={"epochs": 4})
    assert built[-1] == 4


# ------------------------------------------------------------------ progress: one convention
def test_progress_is_an_attribute_the_runner_sets_not_a_constructor_argument(tmp_path, plugin_manager):
    from benchkit_wgan import WGANGenerator

    assert "progress" not in WGANGenerator().get_params()  # not a hyper-parameter, for wgan as for all
    assert Generator.progress is None and "loss" in bg.ProgressInfo.__annotations__
    plugin_manager.register(NumbersOnlyPlugin(), name="numbers_only_plugin")
    df = pd.DataFrame({"x": np.random.default_rng(0).normal(size=60), "y": np.arange(60.0)})
    df.to_csv(tmp_path / "nums.csv", index=False)
    spec = spec_from_dict({"out": str(tmp_path / "o"), "seeds": 1, "families": ["marginal"],
                           "datasets": [{"path": str(tmp_path / "nums.csv")}], "generators": ["numbers_only"]})
    data = {d.name: prepare_dataset(d, holdout=spec.holdout, split_seed=spec.split_seed) for d in spec.datasets}
    (job,) = [j for j in plan_jobs(spec, data) if not j.is_reference]
    seen = []
    result = execute_job(job, data[job.dataset], seen.append)
    assert result.record["status"] == "ok", result.record["error"]
    assert [(i["epoch"], i["epochs"], i["loss"]) for i in seen] == [(1, 3, 1.0), (2, 3, 0.5), (3, 3, 1 / 3)]


# ------------------------------------------------------------------ fresh ids, training-data check
def test_plugin_helpers_are_exported_and_the_example_mints_fresh_ids(monkeypatch):
    assert "ProgressCallback" in bg.__all__
    for name in ("fresh_ids", "first_fresh_id", "check_training_data", "ProgressInfo", "supported_kinds",
                 "check_supported_kinds"):
        assert name in bg.__all__ and getattr(bg, name).__doc__
    monkeypatch.syspath_prepend(str(EXAMPLE_SRC))
    from benchkit_noisy_bootstrap import NoisyBootstrap

    data = pd.DataFrame({"id": np.arange(200), "v": np.random.default_rng(1).normal(size=200)})
    schema = Schema.infer(data)
    assert schema["id"].kind == "id"
    out = NoisyBootstrap(seed=3).fit(data, schema).sample(500)
    assert not set(out["id"]) & set(data["id"]) and out["id"].is_unique


# ------------------------------------------------------------------ one parameter syntax
def test_check_param_and_run_flag_give_the_same_dict(plugin_manager):
    run = parse_generator_flag('label=wgan:epochs=3,generator_dims=[32, 32],device=cpu,lr=1e-4,calibrate=false').params
    check = parse_check_params("wgan", ["epochs=3", "generator_dims=[32, 32]", "device=cpu", "lr=1e-4,calibrate=false"])
    assert run == check == {"epochs": 3, "generator_dims": [32, 32], "device": "cpu", "lr": 1e-4, "calibrate": False}
    assert parse_params("epochs=3", "--param") == {"epochs": 3}
    with pytest.raises(SpecError, match="'epochs' is given twice"):
        parse_params(["epochs=3", "epochs=4"], "--param")


@pytest.mark.parametrize("argv", [
    ["check", "wgan", "--param", "generator_dims=[32, 32"],
    ["run", "--datasets", "nowhere.csv", "--generators", "wgan:generator_dims=[32, 32", "--no-progress"],
])
def test_a_bad_parameter_value_is_a_one_line_error_naming_it(argv, capsys, plugin_manager):
    assert main(argv) == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, err
    assert "the value of 'generator_dims' is not valid: '[32, 32' (unclosed array)" in err


# ------------------------------------------------------------------ supported kinds
def test_check_generator_feeds_only_supported_kinds_and_says_which_it_skipped():
    with pytest.warns(SkippedKindsWarning, match=r"left out column\(s\) customer_id \(id\), city \(categorical\), "
                                                  r"member \(boolean\), signup \(datetime\)"):
        results = check_generator(NumbersOnly)
    assert all(r.passed for r in results)
    assert skipped_columns(NumbersOnly) == {"customer_id": "id", "city": "categorical", "member": "boolean",
                                            "signup": "datetime"}
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a generator of every kind gets the whole table, no warning
        check_columns(IndependentGenerator)
        assert skipped_columns(IndependentGenerator) == {}
    data, _ = make_check_data()
    with pytest.raises(AssertionError, match="has none of them"):
        check_columns(NumbersOnly, data=data[["city", "signup"]])


def test_benchkit_check_prints_the_skipped_columns(plugin_manager, capsys):
    plugin_manager.register(NumbersOnlyPlugin(), name="numbers_only_plugin")
    assert main(["check", "numbers_only", "--time-limit", "0", "--param", "spread=0.5"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("numbers_only does not support the kind(s) boolean, categorical, datetime, id")
    assert "signup (datetime)" in out and "numbers_only: 11 passed, 0 failed" in out


def test_a_misspelt_kind_is_an_error_naming_it():
    class Typo(NumbersOnly):
        supported_kinds = frozenset({"numeric"})

    with pytest.raises(BenchkitError, match=r"Typo.supported_kinds names unknown kind\(s\) numeric; the kinds are "
                                            + ", ".join(KINDS)):
        bg.supported_kinds(Typo)
    assert bg.supported_kinds(object()) == bg.ALL_KINDS


def test_a_job_on_an_unsupported_kind_fails_naming_generator_column_and_kind(tmp_path, plugin_manager):
    plugin_manager.register(NumbersOnlyPlugin(), name="numbers_only_plugin")
    spec = spec_dict(tiny_csv(tmp_path), tmp_path / "o", ["numbers_only", "independent"], seeds=1)
    runs = run_benchmark(spec, executor="inprocess", progress=False, report=False).runs.set_index("generator")
    assert runs.loc["independent", "status"] == "ok"
    assert runs.loc["numbers_only", "status"] == "failed"
    error = runs.loc["numbers_only", "error"]
    assert error.startswith("dataset not supported: UnsupportedKindError: generator 'numbers_only' does not "
                            "support the kind of column(s) 'colour' (categorical), 'label' (boolean)")
    assert "it supports numerical" in error
    with pytest.raises(UnsupportedKindError):
        bg.check_supported_kinds(NumbersOnly, make_check_data()[1])
