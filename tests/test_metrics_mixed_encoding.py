import numpy as np
import pandas as pd
import pytest

from benchkit.errors import DataError
from benchkit.metrics._engine.mixed_encoding import MixedEncoder, row_hashes
from benchkit.metrics._engine.neighbours import two_nearest
from benchkit.schema import Schema


def test_numerical_rank_scaling_by_hand():
    ref = pd.DataFrame({"x": [1.0, 2.0, 2.0, 3.0]})
    enc = MixedEncoder(Schema.infer(ref)).fit(ref)
    out = enc.transform(pd.DataFrame({"x": [0.0, 1.0, 2.0, 2.5, 3.0, 9.0]}))
    # mid-rank empirical CDF: (#ref < v + 0.5 * #ref == v) / 4
    assert out[:, 0].tolist() == pytest.approx([0.0, 0.125, 0.5, 0.75, 0.875, 1.0])
    assert enc.width == 1


def test_missing_numerical_gets_midpoint_and_indicator():
    ref = pd.DataFrame({"x": [1.0, np.nan, 3.0]})
    enc = MixedEncoder(Schema.infer(ref)).fit(ref)
    out = enc.transform(pd.DataFrame({"x": [np.nan, 1.0]}))
    assert enc.feature_names == ["x", "x=<missing>"]
    assert out.tolist() == [[0.5, 1.0], [0.25, 0.0]]


def test_categorical_mismatch_contributes_exactly_one():
    ref = pd.DataFrame({"c": ["a", "a", "b", "c", None]})
    enc = MixedEncoder(Schema.infer(ref)).fit(ref)
    a, b, missing, unseen = enc.transform(pd.DataFrame({"c": ["a", "b", None, "zzz"]}))
    assert np.sum((a - b) ** 2) == pytest.approx(1.0)
    assert np.sum((a - missing) ** 2) == pytest.approx(1.0)
    assert np.sum((a - unseen) ** 2) == pytest.approx(1.0)
    assert np.sum((a - a) ** 2) == 0.0


def test_rare_categories_share_the_other_column():
    ref = pd.DataFrame({"c": ["a"] * 5 + ["b"] * 3 + ["c", "d"]})
    enc = MixedEncoder(Schema.infer(ref), max_categories=2).fit(ref)
    assert enc.feature_names == ["c=a", "c=b", "c=<other>"]
    c, d = enc.transform(pd.DataFrame({"c": ["c", "d"]}))
    assert np.array_equal(c, d)


def test_encoder_names_a_missing_column():
    ref = pd.DataFrame({"x": [1.0, 2.0]})
    enc = MixedEncoder(Schema.infer(ref)).fit(ref)
    with pytest.raises(DataError, match="'x'"):
        enc.transform(pd.DataFrame({"y": [1.0]}))


def test_row_hashes_match_equal_rows_only():
    schema = Schema.infer(pd.DataFrame({"x": [1.0, 2.5], "c": ["a", "b"]}))
    a = pd.DataFrame({"x": [1, np.nan, 2.5, -0.0], "c": ["a", None, "b", "a"]})
    b = pd.DataFrame({"x": [1.0, np.nan, 2.5, 0.0], "c": ["a", None, "B", "a"]})
    ha, hb = row_hashes(a, schema), row_hashes(b, schema)
    assert (ha == hb).tolist() == [True, True, False, True]


@pytest.mark.parametrize("n_q,n_r", [(37, 53), (5, 1), (300, 700)])
def test_two_nearest_matches_brute_force(n_q, n_r):
    rng = np.random.default_rng(n_q)
    q = rng.random((n_q, 6)).astype(np.float32)
    r = rng.random((n_r, 6)).astype(np.float32)
    d1, d2, i1 = two_nearest(q, r, query_chunk=16, ref_chunk=32)
    full = np.sqrt(((q[:, None, :].astype(float) - r[None, :, :]) ** 2).sum(-1))
    srt = np.sort(full, axis=1)
    assert d1 == pytest.approx(srt[:, 0], abs=1e-4)
    if n_r > 1:
        assert d2 == pytest.approx(srt[:, 1], abs=1e-4)
    else:
        assert np.isinf(d2).all()
    assert np.array_equal(i1, full.argmin(axis=1))


def test_datetimes_rank_alike_whatever_their_resolution():
    ref = pd.DataFrame({"d": pd.to_datetime(["2020-01-01", "2020-06-01", None]).astype("datetime64[ns]")})
    enc = MixedEncoder(Schema.infer(ref)).fit(ref)
    other = pd.DataFrame({"d": pd.to_datetime(["2020-06-01", None, "2019-01-01"]).astype("datetime64[s]")})
    assert enc.transform(other).tolist() == [[0.75, 0.0], [0.5, 1.0], [0.0, 0.0]]
