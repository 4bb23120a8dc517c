"""Labels that the schema reads as equal match in every metric, however each frame types them:
a real ``1.0`` and a synthetic ``"1"``, a real ``True`` and a synthetic ``"true"`` (issue 17).

Before, a column mixing numbers and text was factorised as text ("1.0" != "1") and the mixed
encoding keyed labels by ``str`` ("True" != "true"), so identical columns scored 0."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit import Schema
from benchkit.data import read_table
from benchkit.metrics._engine.mixed_encoding import MixedEncoder, category_keys, row_hashes
from benchkit.schema import label_key

METRICS = ["marginal.tv_complement", "pairwise.contingency", "pairwise.category_combinations", "aggregate.kmarginal"]


def scores(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema | None = None) -> dict:
    res = benchkit.evaluate(real, synthetic, schema, metrics=METRICS, references=False)
    out = {}
    for row in res.scores.itertuples():
        out[(row.metric, row.column if isinstance(row.column, str) else None)] = row.value
    return out


def frames(a_real, a_syn):
    b = ["x", "y", "x"][: len(a_real)] * (len(a_real) // 3)
    return pd.DataFrame({"a": a_real, "b": b}), pd.DataFrame({"a": a_syn, "b": b})


SAME = [
    ([1.0, 2.0, 1.0], ["1", "2", "1"]),  # numbers and their text
    ([1, 2, 1], ["1.0", "2.0", "1.0"]),  # whole numbers written as floats
    ([True, False, True], ["true", "false", "true"]),  # booleans and their text
    ([True, False, True], ["TRUE", "False", "true"]),
    ([1.0, "x", 2.0], ["1", "x", "2"]),  # a column mixing numbers and text
    ([True, "x", False], ["true", "x", "false"]),
]


@pytest.mark.parametrize("kind", ["categorical", None])
@pytest.mark.parametrize("a_real, a_syn", SAME)
def test_equal_labels_match_in_every_metric(a_real, a_syn, kind):
    real, synthetic = frames(a_real, a_syn)
    schema = Schema.infer(real, overrides={"a": kind or "categorical"} if kind or Schema.infer(real)["a"].kind == "numerical" else None)
    assert schema["a"].kind in ("categorical", "boolean")
    assert schema.validate(synthetic).ok  # the schema sees no unseen label
    got = scores(real, synthetic, schema)
    assert got[("marginal.tv_complement", "a")] == pytest.approx(1.0)
    assert got[("pairwise.contingency", "a")] == pytest.approx(1.0)
    assert got[("pairwise.category_combinations", None)] == pytest.approx(1.0)
    assert got[("aggregate.kmarginal_2", None)] == pytest.approx(1.0)
    # the mixed encoding behind the distance metrics (equal rows, zero distance) and the exact-copy hashes
    real, synthetic = schema.coerce(real), schema.coerce(synthetic)
    enc = MixedEncoder(schema).fit(real)
    assert np.array_equal(enc.transform(real), enc.transform(synthetic))
    assert np.array_equal(row_hashes(real, schema), row_hashes(synthetic, schema))


DIFFERENT = [
    ([1.0, 2.0, 1.0], ["1", "3", "1"]),
    ([True, False, True], ["true", "no", "true"]),
    (["a", "b", "a"], ["a", "B", "a"]),  # text keeps its case
    (["1", "2", "1"], ["1", "02", "1"]),  # leading zeros keep text as text (codes such as "01234")
    ([1.5, 2.0, 1.5], ["1.5", "2.5", "1.5"]),
]


@pytest.mark.parametrize("a_real, a_syn", DIFFERENT)
def test_different_labels_still_differ(a_real, a_syn):
    real, synthetic = frames(a_real, a_syn)
    schema = Schema.infer(real, overrides={"a": "categorical"})
    got = scores(real, synthetic, schema)
    assert got[("marginal.tv_complement", "a")] == pytest.approx(2 / 3)  # one row in three moved
    assert got[("pairwise.contingency", "a")] == pytest.approx(2 / 3)
    assert not schema.validate(synthetic).ok


def test_through_csv_files(tmp_path):
    """Files written by different tools: "1.0" / "True" in one, "1" / "true" in the other."""
    (tmp_path / "real.csv").write_text("a,flag,b\n1.0,True,x\n2.0,False,y\nz,maybe,x\n1.0,True,x\n")
    (tmp_path / "synthetic.csv").write_text("a,flag,b\n1,true,x\n2,false,y\nz,maybe,x\n1,true,x\n")
    real, synthetic = read_table(tmp_path / "real.csv"), read_table(tmp_path / "synthetic.csv")
    assert real["a"].tolist() == ["1.0", "2.0", "z", "1.0"]  # text as written: the labels differ as text
    got = scores(real, synthetic)
    for column in ("a", "flag"):
        assert got[("marginal.tv_complement", column)] == pytest.approx(1.0)
    assert got[("pairwise.contingency", "a")] == pytest.approx(1.0)
    assert got[("aggregate.kmarginal_2", None)] == pytest.approx(1.0)
    same = benchkit.evaluate(tmp_path / "real.csv", tmp_path / "synthetic.csv", metrics=METRICS, references=False)
    assert same.score("marginal.tv_complement", "a") == pytest.approx(1.0)


def test_label_key_rule():
    assert {label_key(v) for v in (1, 1.0, np.int8(1), np.float32(1), "1", "1.0", "1.00")} == {"1"}
    assert {label_key(v) for v in (True, np.True_, "true", "True", "TRUE")} == {"true"}
    assert label_key(0.5) == label_key("0.50") == "0.5"
    assert len({label_key(v) for v in ("01", "1", "a", "A", 1.5, "1e0", True, 1)}) == 7  # "1" and 1 are one
    keys = category_keys(pd.Series([2.0, "2", None, False, "false", "x"], dtype=object))
    assert keys[0] == keys[1] and keys[3] == keys[4] and len({keys[0], keys[2], keys[3], keys[5]}) == 4
