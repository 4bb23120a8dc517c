"""read_table: CSV separators, Parquet, and a clear DataError for files that are missing or unreadable."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchkit import Schema
from benchkit.data import align_frames, read_table, sniff_separator
from benchkit.errors import DataError, SchemaError


@pytest.fixture
def frame():
    return pd.DataFrame({"a": [1.5, 2.5, 3.5], "b": ["x", "y;z", "w"], "c": [1, 2, 3]})


@pytest.mark.parametrize("sep", [",", ";", "\t"])
def test_separators_are_sniffed(tmp_path, frame, sep):
    path = tmp_path / "t.csv"
    frame.to_csv(path, sep=sep, index=False)
    assert sniff_separator(path) == sep
    got = read_table(path)
    assert list(got.columns) == ["a", "b", "c"]
    assert got["b"].tolist() == ["x", "y;z", "w"]  # a quoted separator inside a field is not a split
    assert got["a"].tolist() == [1.5, 2.5, 3.5]


def test_parquet_round_trip(tmp_path, frame):
    path = tmp_path / "t.parquet"
    frame.to_parquet(path)
    pd.testing.assert_frame_equal(read_table(path), frame, check_dtype=False)


def test_schema_coerces_columns(tmp_path):
    path = tmp_path / "t.csv"
    path.write_text("when,n,extra\n2020-01-02,1,q\n2021-03-04,2,r\n")
    schema = Schema.from_dict({"columns": {"when": "datetime", "n": "numerical"}})
    got = read_table(path, schema)
    assert list(got.columns) == ["when", "n"]
    assert str(got["when"].dtype) == "datetime64[ns]" and got["n"].dtype == np.float64
    bad = Schema.from_dict({"columns": {"when": "datetime", "missing": "numerical"}})
    with pytest.raises(SchemaError, match="missing"):
        read_table(path, bad)


BAD_FILES = [
    # (id, file name, content: None = no file, "dir" = a folder, str or bytes = the file's content; error pattern)
    ("missing", "nope.csv", None, "does not exist"),
    ("folder", "sub", "dir", "folder"),
    ("empty", "empty.csv", "", "empty"),
    ("header-only", "header.csv", "a,b\n", "no rows"),
    ("ragged", "ragged.csv", "a,b\n1,2\n3,4,5,6\n", "cannot parse .*ragged.csv"),
    ("binary", "blob.csv", bytes(range(256)) * 8, "blob.csv"),
    ("broken-parquet", "broken.parquet", "not parquet at all", "cannot read .*broken.parquet as Parquet"),
]


@pytest.mark.parametrize("name,content,match", [c[1:] for c in BAD_FILES], ids=[c[0] for c in BAD_FILES])
def test_unreadable_files_are_a_clear_data_error(tmp_path, name, content, match):
    path = tmp_path / name
    if content == "dir":
        path.mkdir()
    elif isinstance(content, bytes):
        path.write_bytes(content)
    elif content is not None:
        path.write_text(content)
    with pytest.raises(DataError, match=match):
        read_table(path)


def test_align_frames_drops_extra_columns_and_allows_other_row_counts():
    real = pd.DataFrame({"a": [1.0, 2.0, 3.0], "b": ["x", "y", "x"]})
    syn = pd.DataFrame({"b": ["y"], "a": ["4"], "junk": [0]})
    schema = Schema.infer(real)
    r, s, h = align_frames(real, syn, schema)
    assert list(s.columns) == ["a", "b"] and s["a"].tolist() == [4.0] and h is None
    with pytest.raises(DataError, match="duplicate"):
        align_frames(real, pd.DataFrame([[1, 2, 3]], columns=["a", "a", "b"]), schema)


def test_frames_with_non_string_column_labels_are_read_by_their_names():
    # DataFrame(ndarray) gives integer labels; the schema names columns as text ("0", "1"), and a
    # frame whose labels already come in the schema's order used to be passed on with its integer
    # labels, so coercing column "0" raised a bare KeyError
    rng = np.random.default_rng(0)
    real = pd.DataFrame({0: rng.normal(size=50), 1: rng.choice(["x", "y"], 50), 2: rng.integers(0, 9, 50)})
    syn = pd.DataFrame({0: rng.normal(size=40), 1: rng.choice(["x", "y"], 40), 2: rng.integers(0, 9, 40)})
    schema = Schema.infer(real)
    assert schema.scored_columns == ["0", "1", "2"]
    r, s, _ = align_frames(real, syn, schema)
    assert list(r.columns) == list(s.columns) == ["0", "1", "2"]
    assert s["0"].tolist() == syn[0].tolist() and s["1"].tolist() == syn[1].tolist()
    from benchkit.evaluation import evaluate

    res = evaluate(real, syn, metrics=["marginal.ks_complement", "marginal.tv_complement"])
    assert set(res.scores["column"].dropna()) == {"0", "1", "2"}


def test_schema_checks_and_generators_take_frames_with_non_string_labels():
    rng = np.random.default_rng(1)
    real = pd.DataFrame({0: rng.normal(size=60), 1: rng.choice(["x", "y"], 60)})
    schema = Schema.infer(real)
    schema.check(real)  # used to raise a bare KeyError '0'
    assert list(schema.coerce(real).columns) == ["0", "1"]
    with pytest.raises(SchemaError, match="'0'"):
        schema.check(pd.DataFrame({0: ["a"] * 5, 1: ["x"] * 5}))  # a wrong kind is named, not a KeyError
    from benchkit import plugins

    for name in ("gaussian_copula", "independent"):
        out = plugins.get_generator(name).obj().fit(real, schema).sample(30)
        assert list(out.columns) == ["0", "1"] and set(out["1"]) <= {"x", "y"}
