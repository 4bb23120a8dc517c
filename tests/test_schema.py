import numpy as np
import pandas as pd
import pytest

from benchkit import BenchkitError, Schema
from benchkit.errors import SchemaError


def frame():
    return pd.DataFrame(
        {
            "account_id": [10, 11, 12, 13],
            "amount": [1.5, 2.0, np.nan, 4.25],
            "count": [1, 2, 3, 4],
            "kind": ["a", "b", "a", None],
            "flag": [True, False, True, True],
            "when": pd.to_datetime(["2020-01-01", "2020-02-01", "2020-03-01", None]),
            "yes": ["yes", "no", "no", "yes"],
            "numtext": ["1", "2.5", "3", "4"],
        }
    )


def test_infer_kinds():
    with pytest.warns(UserWarning, match="numtext"):
        s = Schema.infer(frame(), target="kind")
    kinds = {n: s.kind(n) for n in s}
    assert kinds == {
        "account_id": "id",
        "amount": "numerical",
        "count": "numerical",
        "kind": "categorical",
        "flag": "boolean",
        "when": "datetime",
        "yes": "boolean",
        "numtext": "numerical",
    }
    assert s["count"].subtype == "integer"
    assert s["amount"].subtype == "continuous" and s["amount"].nullable
    assert s["kind"].categories == ["a", "b"]
    assert s.scored_columns == [c for c in frame().columns if c != "account_id"]
    assert s.target == "kind"


def test_overrides_and_json_round_trip(tmp_path):
    s = Schema.infer(frame().drop(columns="numtext"), overrides={"count": "categorical", "amount": "integer"})
    assert s.kind("count") == "categorical" and s["count"].categories == [1, 2, 3, 4]
    assert s["amount"].subtype == "integer"
    path = tmp_path / "schema.json"
    s.to_json(path)
    assert Schema.from_json(path) == s
    assert Schema.from_json(s.to_json()) == s


def test_validate_reports_instead_of_raising():
    s = Schema.infer(frame().drop(columns="numtext"))
    bad = frame().drop(columns=["numtext", "amount"]).assign(extra=1)
    bad.loc[0, "kind"] = "zzz"
    bad["when"] = ["not a date", "x", "y", None]
    report = s.validate(bad)
    assert not report.ok
    assert [i.column for i in report.by_problem("missing_column")] == ["amount"]
    assert [i.column for i in report.by_problem("extra_column")] == ["extra"]
    assert [i.column for i in report.by_problem("unseen_categories")] == ["kind"]
    assert [i.column for i in report.by_problem("wrong_kind")] == ["when"]
    with pytest.raises(SchemaError, match="'amount' is missing"):
        s.check(bad, "synthetic table")


def test_coerce_canonical_dtypes():
    s = Schema.infer(frame().drop(columns="numtext"))
    out = s.coerce(frame())
    assert out["count"].dtype == np.float64
    assert out["when"].dtype == "datetime64[ns]"
    assert out["yes"].tolist() == [True, False, False, True]


def test_bad_input_errors():
    with pytest.raises(BenchkitError, match="no rows"):
        Schema.infer(pd.DataFrame({"a": []}))
    with pytest.raises(BenchkitError, match="not in the table"):
        Schema.infer(frame(), overrides={"nope": "categorical"})
    with pytest.raises(BenchkitError, match="unknown column kind"):
        Schema.from_dict({"columns": {"a": {"kind": "float"}}})
    with pytest.raises(BenchkitError, match="does not exist"):
        Schema.from_json("/nonexistent/schema.json")
