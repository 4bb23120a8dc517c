"""The dataset registry, the real-data loaders, user files and `benchkit datasets`."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest

from benchkit import Schema, hookimpl, plugins
import benchkit_datasets
from benchkit.datasets import Dataset, DatasetCard, load_dataset
from benchkit.errors import DataError, SchemaError, UnknownNameError
from conftest import SHARED_DATA, shared_data

BUILTIN = {"adult", "bank_marketing", "bank_transactions", "berka_transactions", "default_credit_card", "german_credit"}


# ----------------------------------------------------------------------- registry
def test_builtins_register_through_the_plugin_hook(plugin_manager):
    assert "benchkit_datasets" in plugins.DEFAULT_PLUGINS
    found = plugins.list_datasets()
    assert BUILTIN <= set(found)
    assert {found[n].plugin for n in BUILTIN} == {"benchkit_datasets"}
    assert found["adult"].info["target"] == "income"
    assert set(benchkit_datasets.BUILTIN) == BUILTIN


def test_loaders_are_an_importable_package_not_a_top_level_datasets_one(plugin_manager):
    load_dataset("german_credit", data_dir=shared_data())
    assert "datasets" not in sys.modules
    assert "benchkit_datasets.german_credit" in sys.modules


def test_third_party_dataset_is_listed_and_loaded(plugin_manager):
    class ThirdParty:
        @hookimpl
        def benchkit_register_datasets(self, register):
            def loader(n_rows=None, seed=0):  # accepts fewer arguments than a built-in
                df = pd.DataFrame({"x": range(n_rows or 10), "y": ["a", "b"] * ((n_rows or 10) // 2)})
                return Dataset("tiny", df, Schema.infer(df, target="y"), DatasetCard("tiny", target="y"))

            register("tiny", loader, description="a tiny table", target="y")

    plugin_manager.register(ThirdParty(), name="third")
    ds = load_dataset("tiny", n_rows=6, data_dir="/nowhere")
    assert len(ds.data) == 6 and ds.schema.target == "y"
    assert plugins.get_dataset("tiny").plugin == "third"


def test_unknown_name_suggests_close_names(plugin_manager):
    with pytest.raises(UnknownNameError, match="german_credit"):
        load_dataset("german_credt")


# -------------------------------------------------------------------- real loaders
REAL = [
    ("adult", "adult/adult.data", (32_561, 15), "income"),
    ("german_credit", "german_credit/german.data", (1_000, 21), "class"),
    ("bank_marketing", "bank_marketing/bank-full.csv", (45_211, 17), "y"),
    ("default_credit_card", "default_credit_card/UCI_Credit_Card.csv", (30_000, 25), "default.payment.next.month"),
    ("berka_transactions", "berka/trans.asc", (99_999, 19), "type"),  # + customer_class (issue 20)
]


@pytest.mark.parametrize("name,file,shape,target", REAL, ids=[r[0] for r in REAL])
def test_real_loader_matches_its_schema(plugin_manager, name, file, shape, target):
    shared_data(file)
    ds = load_dataset(name, data_dir=SHARED_DATA)
    assert ds.data.shape == shape
    report = ds.schema.validate(ds.data)
    assert report.ok, str(report)
    assert ds.schema.target == target == ds.card.target
    assert ds.schema.kind(target) == "categorical"
    assert ds.card.license and ds.card.source


def test_real_loaders_read_bench_kit_data_dir(plugin_manager, monkeypatch):
    monkeypatch.setenv("BENCHKIT_DATA_DIR", str(shared_data("german_credit")).rsplit("/german_credit", 1)[0])
    ds = load_dataset("german_credit", n_rows=100, seed=1)
    assert len(ds.data) == 100
    assert ds.data["class"].isin(["good", "bad"]).all()
    full = load_dataset("german_credit").data
    assert full["class"].value_counts().to_dict() == {"good": 700, "bad": 300}


def test_kinds_of_real_columns(plugin_manager):
    shared_data("berka", "trans.asc")
    berka = load_dataset("berka_transactions", data_dir=SHARED_DATA)
    s = berka.schema
    assert s.kind("account_id") == "id" and s.kind("trans_id") == "id"
    assert s.kind("date") == "datetime" and s.kind("account_date") == "datetime"
    assert s.kind("k_symbol") == "categorical" and s.kind("district_id") == "categorical"
    df = berka.data
    assert df["date"].min() == pd.Timestamp("1993-01-01") and df["date"].max() == pd.Timestamp("1994-10-31")
    assert set(df["type"]) == {"PRIJEM", "VYDAJ", "VYBER"}
    assert df["region"].notna().all() and df["frequency"].notna().all()
    assert not (df["k_symbol"].dropna().str.strip() == "").any()  # blank codes are missing values
    credit = load_dataset("default_credit_card", data_dir=SHARED_DATA).schema
    assert credit.kind("ID") == "id" and credit.kind("SEX") == "categorical" and credit.kind("PAY_0") == "categorical"


def test_adult_test_split_strips_label_dots(plugin_manager):
    shared_data("adult", "adult.test")
    test = load_dataset("adult", data_dir=SHARED_DATA)  # train by default
    assert set(test.data["income"]) == {"<=50K", ">50K"}
    from benchkit_datasets import adult

    df = adult.load(data_dir=SHARED_DATA, split="test")
    assert df["income"].value_counts().to_dict() == {"<=50K": 12_435, ">50K": 3_846}
    assert int(df.isna().sum().sum()) == 2_203


# ----------------------------------------------------------------------- bad files
def test_missing_file_names_path_and_env(plugin_manager, tmp_path):
    with pytest.raises(DataError, match="BENCHKIT_DATA_DIR") as err:
        load_dataset("adult", data_dir=tmp_path)
    assert str(tmp_path / "adult" / "adult.data") in str(err.value)


def test_no_data_dir_at_all(plugin_manager, monkeypatch):
    monkeypatch.delenv("BENCHKIT_DATA_DIR", raising=False)
    with pytest.raises(DataError, match="BENCHKIT_DATA_DIR"):
        load_dataset("bank_marketing")


def _write(tmp_path: Path, rel: str, text: str) -> Path:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_wrong_separator_is_explained(plugin_manager, tmp_path):
    src = shared_data("bank_marketing", "bank-full.csv")
    df = pd.read_csv(src, sep=";", nrows=50)
    _write(tmp_path, "bank_marketing/bank-full.csv", df.to_csv(index=False))  # commas, not semicolons
    with pytest.raises(DataError, match="separator ';' leaves one column") as err:
        load_dataset("bank_marketing", data_dir=tmp_path)
    assert "looks separated by ','" in str(err.value) and "bank-full.csv" in str(err.value)


def test_missing_columns_are_named(plugin_manager, tmp_path):
    src = shared_data("default_credit_card", "UCI_Credit_Card.csv")
    df = pd.read_csv(src, nrows=20).drop(columns=["AGE", "PAY_AMT3"])
    _write(tmp_path, "default_credit_card/UCI_Credit_Card.csv", df.to_csv(index=False))
    with pytest.raises(DataError, match=r"lacks the column\(s\) \['AGE', 'PAY_AMT3'\]"):
        load_dataset("default_credit_card", data_dir=tmp_path)


@pytest.mark.parametrize("content,match", [("", "empty"), ('"a";"b"\n', "no rows")], ids=["zero-bytes", "header-only"])
def test_empty_files(plugin_manager, tmp_path, content, match):
    _write(tmp_path, "berka/trans.asc", content)
    with pytest.raises(DataError, match=match):
        load_dataset("berka_transactions", data_dir=tmp_path)


def test_german_with_commas_is_rejected(plugin_manager, tmp_path):
    _write(tmp_path, "german_credit/german.data", "A11,6,A34\nA12,48,A32\n")
    with pytest.raises(DataError, match="whitespace-separated columns, expected 21"):
        load_dataset("german_credit", data_dir=tmp_path)


# ---------------------------------------------------------------------- user files
def test_user_csv_with_target_and_schema(plugin_manager, tmp_path):
    df = pd.DataFrame({"age": [30, 40, 50, 60] * 5, "city": ["a", "b", "c", "a"] * 5, "y": ["n", "y"] * 10})
    csv = tmp_path / "people.csv"
    df.to_csv(csv, sep=";", index=False)  # separator is sniffed
    ds = load_dataset(csv, target="y")
    assert ds.name == "people" and ds.schema.target == "y" and ds.schema.kind("city") == "categorical"
    assert ds.schema.validate(ds.data).ok
    schema_path = tmp_path / "schema.json"
    Schema.infer(df, overrides={"age": "categorical"}, target="y").to_json(schema_path)
    ds2 = load_dataset(str(csv), schema=schema_path, n_rows=8, seed=2)
    assert ds2.schema.kind("age") == "categorical" and ds2.schema.target == "y" and len(ds2.data) == 8
    pq = tmp_path / "people.parquet"
    df.to_parquet(pq)
    assert load_dataset(pq).data.equals(df)
    with pytest.raises(DataError, match="target column 'income' is not in"):
        load_dataset(csv, target="income")
    with pytest.raises(SchemaError, match="'zip' is missing"):
        load_dataset(csv, schema=Schema.infer(df.assign(zip=1)))


def test_user_file_errors(plugin_manager, tmp_path):
    with pytest.raises(DataError, match="does not exist"):
        load_dataset(tmp_path / "nope.csv")
    (tmp_path / "empty.csv").write_text("")
    with pytest.raises(DataError, match="empty"):
        load_dataset(tmp_path / "empty.csv")
    (tmp_path / "one.csv").write_text("just one column\n1\n2\n")
    with pytest.raises(DataError, match="single column"):
        load_dataset(tmp_path / "one.csv")
    (tmp_path / "bad.parquet").write_text("not parquet")
    with pytest.raises(DataError, match="cannot read .*bad.parquet as Parquet"):
        load_dataset(tmp_path / "bad.parquet")


# ----------------------------------------------------------------------------- CLI
def _cli(*args: str, data_dir: str | None) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.pop("BENCHKIT_DATA_DIR", None)
    if data_dir is not None:
        env["BENCHKIT_DATA_DIR"] = data_dir
    return subprocess.run([sys.executable, "-m", "benchkit", *args], capture_output=True, text=True, env=env, timeout=120)


def test_cli_lists_every_dataset_with_availability(tmp_path):
    out = _cli("datasets", data_dir=str(tmp_path))
    assert out.returncode == 0, out.stderr
    for name in BUILTIN:
        assert f"{name}  [" in out.stdout
    assert "bank_transactions  [simulated (always available)]" in out.stdout
    assert f"adult  [missing: {tmp_path / 'adult' / 'adult.data'}]" in out.stdout
    assert "target: income" in out.stdout


def test_cli_reports_available_files():
    shared_data("adult", "adult.data")
    out = _cli("datasets", "--json", data_dir=str(SHARED_DATA))
    assert out.returncode == 0, out.stderr
    rows = {r["name"]: r for r in map(__import__("json").loads, out.stdout.splitlines())}
    assert rows["adult"]["files"] == "available"
    assert rows["german_credit"]["target"] == "class"
