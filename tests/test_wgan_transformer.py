"""The wgan data transformer and its quantile-to-normal map: exact round trips, ranges, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchkit import Schema
from benchkit.errors import DataError
from benchkit_wgan.quantile import QuantileNormalMap
from benchkit_wgan.transformer import DataTransformer


def mixed_frame(n: int = 600, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    df = pd.DataFrame(
        {
            "row_id": np.arange(n) + 1000,
            "amount": np.r_[np.zeros(n // 4), rng.lognormal(4, 2, n - n // 4)],  # point mass + heavy tail
            "count": rng.integers(-5, 40, n),
            "kind": rng.choice(["a", "b", "c", None], n),
            "flag": rng.choice([True, False], n),
            "answer": rng.choice(["yes", "no"], n),
            "day": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 900, n), unit="D"),
            "stamp": pd.Timestamp("2021-06-01") + pd.to_timedelta(rng.integers(0, 10**7, n), unit="s"),
            "code": rng.choice([3, 7, 11], n),
        }
    )
    df.loc[::9, "amount"] = np.nan
    df.loc[::13, "day"] = pd.NaT
    return df


def test_round_trip_every_kind():
    df = mixed_frame()
    schema = Schema.infer(df, overrides={"code": "categorical"})
    assert {schema.kind(c) for c in df} == {"id", "numerical", "categorical", "boolean", "datetime"}
    t = DataTransformer().fit(df, schema)
    enc = t.transform(df)
    back = t.inverse_transform(enc.numeric, enc.codes)
    assert list(back.columns) == list(df.columns)
    for c in ["count", "kind", "flag", "answer", "day", "stamp", "code"]:  # exact kinds
        pd.testing.assert_series_equal(back[c], df[c], check_names=False)
    assert back["amount"].isna().equals(df["amount"].isna())
    np.testing.assert_allclose(back["amount"], df["amount"], rtol=1e-9, atol=1e-9)
    # the point mass at zero comes back exactly, not smeared
    assert (back["amount"] == 0).sum() == (df["amount"] == 0).sum()
    # ids are not modelled: fresh ones, after the largest real id, so none repeats a real one
    assert back["row_id"].tolist() == list(range(df["row_id"].max() + 1, df["row_id"].max() + 1 + len(df)))


def test_layout_spans_and_matrix():
    df = mixed_frame(200)
    schema = Schema.infer(df, overrides={"code": "categorical"})
    t = DataTransformer().fit(df, schema)
    names = [s.name for s in t.spans]
    # missing indicators only for numerical/datetime columns that had missing values
    assert names == ["amount#missing", "kind", "flag", "answer", "day#missing", "code"]
    assert [s.size for s in t.spans] == [2, 4, 2, 2, 2, 3]
    enc = t.transform(df)
    m = enc.matrix(t.spans)
    assert m.dtype == np.float32 and m.shape == (200, t.n_numeric + 15)
    one_hot = m[:, t.n_numeric :]
    assert (one_hot.sum(axis=1) == len(t.spans)).all()  # exactly one 1 per span
    kind = t.spans[1]
    np.testing.assert_allclose(kind.frequencies.sum(), 1.0)
    assert not np.isnan(m).any()


def test_decoding_clips_to_seen_range_and_rounds_integers():
    df = mixed_frame(300)
    schema = Schema.infer(df, overrides={"code": "categorical"})
    t = DataTransformer().fit(df, schema)
    z = np.random.default_rng(1).normal(0, 3, (5000, t.n_numeric))  # wilder than any real score
    codes = np.zeros((5000, len(t.spans)), dtype=np.int64)
    out = t.inverse_transform(z, codes)
    assert out["count"].between(df["count"].min(), df["count"].max()).all()
    assert out["amount"].between(0, df["amount"].max()).all()
    assert out["day"].between(df["day"].min(), df["day"].max()).all()
    assert (out["day"].dt.normalize() == out["day"]).all()  # day resolution kept


def test_quantile_map_handles_heavy_tails_and_modes():
    rng = np.random.default_rng(3)
    x = np.r_[rng.normal(-50, 1, 4000), rng.normal(200, 5, 4000), rng.pareto(1.2, 2000) * 1e4]
    q = QuantileNormalMap.fit(x)
    z = q.forward(x)
    assert abs(z.mean()) < 0.02 and abs(z.std() - 1) < 0.02  # normal scores
    np.testing.assert_allclose(q.inverse(z), x, rtol=1e-9, atol=1e-7)
    # normal draws decode to the empirical distribution: both modes keep their mass
    back = q.inverse(rng.normal(size=20000))
    assert abs((back < 0).mean() - 0.4) < 0.02
    assert abs(((back > 150) & (back < 250)).mean() - 0.4) < 0.03


def test_constant_and_all_missing_columns():
    df = pd.DataFrame({"const": [5.0] * 10, "empty": [np.nan] * 10, "c": list("ab" * 5)})
    schema = Schema.infer(df)
    t = DataTransformer().fit(df, schema)
    enc = t.transform(df)
    back = t.inverse_transform(enc.numeric, enc.codes)
    assert (back["const"] == 5.0).all() and back["empty"].isna().all()
    assert back["c"].tolist() == df["c"].tolist()


def test_unseen_category_is_a_clear_error():
    df = pd.DataFrame({"c": ["a", "b", "a"], "x": [1.0, 2.0, 3.0]})
    t = DataTransformer().fit(df, Schema.infer(df))
    with pytest.raises(DataError, match="'c'.*'z'"):
        t.transform(pd.DataFrame({"c": ["z"], "x": [1.0]}))


def test_empty_table_is_a_clear_error():
    df = pd.DataFrame({"x": [1.0, 2.0]})
    schema = Schema.infer(df)
    with pytest.raises(DataError, match="no rows"):
        DataTransformer().fit(df.iloc[:0], schema)


def test_text_ids_are_fresh_and_models_saved_before_fresh_ids_still_decode():
    df = mixed_frame(300)
    df["row_id"] = [f"r{i}" for i in range(len(df))]
    schema = Schema.infer(df, overrides={"code": "categorical", "row_id": "id"})
    t = DataTransformer().fit(df, schema)
    enc = t.transform(df)
    back = t.inverse_transform(enc.numeric, enc.codes)
    assert back["row_id"].tolist()[:3] == ["syn-0", "syn-1", "syn-2"] and not set(back["row_id"]) & set(df["row_id"])
    t.id_columns["row_id"] = np.dtype("int64")  # what an older pickled transformer holds
    assert t.inverse_transform(enc.numeric, enc.codes)["row_id"].tolist()[:3] == [0, 1, 2]


def test_canonical_scores_collapse_plateaus_and_keep_real_scores():
    """A generated score decodes to a value and comes back as the score real rows with that value have:
    real rows' own scores are unchanged, a point mass's plateau becomes one score, an integer column one
    score per integer, and a missing number 0 (as in the training matrix)."""
    rng = np.random.default_rng(0)
    n = 2000
    df = pd.DataFrame({"gain": np.where(rng.random(n) < 0.9, 0.0, rng.exponential(1000, n)),
                       "age": rng.integers(18, 90, n), "c": rng.choice(list("ab"), n)})
    df.loc[rng.random(n) < 0.1, "gain"] = np.nan
    t = DataTransformer(n_quantiles=200).fit(df, Schema.infer(df))
    enc = t.transform(df)
    real = np.nan_to_num(enc.numeric)
    np.testing.assert_allclose(t.canonical_scores(real, enc.codes), real, atol=1e-12)
    z = rng.normal(size=(5000, 2))
    codes = np.zeros((5000, len(t.spans)), dtype=np.int64)
    codes[:100, 0] = 1  # gain missing
    got = t.canonical_scores(z, codes)
    assert (got[:100, 0] == 0).all()
    zero_score = real[(df["gain"] == 0).to_numpy(), 0][0]
    decoded_zero = t.inverse_transform(z, codes)["gain"].to_numpy()[100:] == 0
    assert decoded_zero.sum() > 1000 and (got[100:, 0][decoded_zero] == zero_score).all()
    ages = t.inverse_transform(z, codes)["age"].to_numpy()
    assert len(np.unique(got[:, 1])) == len(np.unique(ages))
