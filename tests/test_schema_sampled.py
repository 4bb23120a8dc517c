"""Sampled schema inference (issue 19) gives exactly the schema, and the warnings, of inference over
every row: on the built-in datasets and on columns built to fool a sample."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from benchkit import Schema
from benchkit.datasets import load_dataset
from benchkit.schema import INFER_SAMPLE
from tests.test_datasets import BUILTIN
from tests.conftest import shared_data


def _infer(df: pd.DataFrame, sample: int | None) -> tuple[dict, list[str]]:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        schema = Schema.infer(df, sample=sample)
    return schema.to_dict(), sorted(str(w.message) for w in caught)


def assert_same_as_full(df: pd.DataFrame, samples=(50, 150)) -> dict:
    full = _infer(df, None)
    for k in samples:
        assert len(df) > 5 * k  # so the sample is used
        assert _infer(df, k) == full, f"sample={k}"
    return full[0]["columns"]


@pytest.mark.parametrize("name", sorted(BUILTIN))
def test_builtin_datasets(name, plugin_manager):
    data_dir = None if name == "bank_transactions" else shared_data()
    data = load_dataset(name, n_rows=4000, data_dir=data_dir).data
    assert_same_as_full(data)
    assert_same_as_full(data.astype(object))  # pandas 2's text columns: Python objects
    assert_same_as_full(data.astype(str).replace("nan", None))  # every column as text, as a CSV holds it


def adversarial(n: int = 5000) -> pd.DataFrame:
    rng = np.random.default_rng(1)
    late = np.zeros(n, dtype=bool)
    late[-1] = True
    numbers = rng.normal(size=n).round(3).astype(str).astype(object)
    dates = pd.Series(pd.date_range("2020-01-01", periods=n, freq="h").strftime("%Y-%m-%d %H:%M")).astype(object)
    levels = np.array([f"L{i}" for i in range(20)], dtype=object)[rng.integers(0, 20, n)]
    ids = np.arange(n).astype(object)
    return pd.DataFrame({
        "numbers_then_text": np.where(late, "n/a", numbers),          # the one non-number is past any sample
        "numbers_as_text": numbers,
        "dates_bad_late": np.where(late, "not a date", dates),        # one bad value, last
        "dates": dates,
        "levels_21st_last": np.where(late, "L20", levels),            # the 21st level only at the end
        "one_then_yes": np.where(late, "no", "yes"),                  # one value, its boolean twin last
        "zero_one": np.where(late, 0, 1),
        "customer_id": ids.astype(str),                               # all distinct ids ...
        "account_id": np.where(late, "0", ids.astype(str)),           # ... and one duplicate, last: numbers as text
        "order_id": np.where(late, 0.5, np.arange(n, dtype=float)),   # whole numbers but one
        "mostly_missing": np.where(late, "x", None),                  # missing in every sampled row
        "missing_num": np.where(late, 1.0, np.nan),
        "amount": np.where(late, np.inf, rng.normal(size=n)),
        "flag_with_none": np.where(rng.random(n) < 0.5, "true", np.where(late, None, "false")),
        "cat_dtype": pd.Categorical(levels),
        "stamps": pd.to_datetime(dates),
    })


def test_adversarial_columns():
    cols = assert_same_as_full(adversarial(), samples=(50, 200, 999))
    kinds = {c: spec["kind"] for c, spec in cols.items()}
    assert kinds["numbers_then_text"] == "categorical" and kinds["numbers_as_text"] == "numerical"
    assert kinds["dates"] == "datetime" and kinds["dates_bad_late"] == "datetime"
    assert len(cols["levels_21st_last"]["categories"]) == 21
    assert kinds["one_then_yes"] == "boolean" and kinds["zero_one"] == "boolean"
    assert kinds["customer_id"] == "id" and kinds["account_id"] == "numerical" and kinds["order_id"] == "numerical"
    assert kinds["mostly_missing"] == "categorical" and cols["mostly_missing"]["categories"] == ["x"]


def test_high_cardinality_and_default_sample():
    n = 5 * INFER_SAMPLE + 5000
    rng = np.random.default_rng(2)
    df = pd.DataFrame({
        "user_id": [f"u{i}" for i in rng.permutation(n)],
        "free_text": [f"t{i}" for i in rng.integers(0, n // 2, n)],
        "code": rng.integers(0, 5000, n),
        "tail_text": np.where(np.arange(n) == n - 1, "oops", rng.normal(size=n).astype(str)),
    })
    cols = assert_same_as_full(df, samples=(INFER_SAMPLE, 100))
    assert cols["user_id"]["kind"] == "id" and "categories" not in cols["free_text"]
    assert cols["tail_text"]["kind"] == "categorical"


def test_boolean_check_reads_distinct_values_and_names_the_first_bad_one():
    schema = Schema.infer(pd.DataFrame({"flag": ["yes", "no"] * 10}))
    bad = pd.DataFrame({"flag": ["yes", None, "no", "maybe", "nope", "maybe"]})
    (issue,) = schema.validate(bad).by_problem("wrong_kind")
    assert "found 'maybe'" in issue.message
    assert schema.validate(pd.DataFrame({"flag": [True, None, False]})).ok
    assert schema.validate(pd.DataFrame({"flag": [None, None]})).ok
