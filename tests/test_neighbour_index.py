"""The shared neighbour index gives brute-force distances, on tables with ties and duplicates."""

import numpy as np
import pandas as pd
import pytest

from benchkit.metrics._engine.mixed_encoding import MixedEncoder
from benchkit.metrics._engine.neighbours import NeighbourIndex, first_of_distinct, nearest_first, two_nearest
from benchkit.schema import Schema


def _mixed(n: int, seed: int) -> pd.DataFrame:
    """Few levels and coarse numbers, so rows repeat and distances tie; some missing values."""
    rng = np.random.default_rng(seed)
    df = pd.DataFrame({
        "a": rng.choice(["x", "y", "z"], n),
        "b": rng.choice(["p", "q"], n, p=[0.8, 0.2]),
        "c": rng.choice(list("ABCDEFGHIJ"), n),
        "u": rng.integers(0, 4, n).astype(float),
        "v": np.round(rng.normal(size=n), 1),
    })
    df.loc[rng.random(n) < 0.05, "v"] = np.nan
    return df


def _brute(q: np.ndarray, r: np.ndarray) -> np.ndarray:
    return np.sqrt(((q[:, None, :].astype(float) - r[None, :, :].astype(float)) ** 2).sum(-1))


@pytest.mark.parametrize("n_ref,n_q", [(800, 300), (60, 200), (2, 5), (1, 4)])
def test_tree_distances_equal_brute_force_with_ties(n_ref, n_q):
    ref_df, q_df = _mixed(n_ref, 1), _mixed(n_q, 2)
    q_df.loc[: min(20, n_q) - 1, :] = ref_df.iloc[0].to_numpy()  # exact copies: distance 0, and ties
    q_df.loc[0, "c"] = "unseen"  # a cell the reference lacks
    q_df.loc[n_q - 3 :, ["a", "b", "c"]] = "unseen"  # three categories away from every row: blocked search
    schema = Schema.infer(ref_df)
    enc = MixedEncoder(schema, max_categories=6).fit(ref_df)
    r, rc = enc.transform_with_codes(ref_df)
    q, qc = enc.transform_with_codes(q_df)
    full = _brute(q, r)
    srt = np.sort(full, axis=1)
    index = NeighbourIndex(r, rc, enc.numeric_width, method="tree")
    d1, d2, i1 = index.query(q, qc)
    # squared distances: the blocked float32 search of the unsettled queries is exact to ~1e-6 there
    assert d1**2 == pytest.approx(srt[:, 0] ** 2, abs=1e-5)
    if n_ref > 1:
        assert d2**2 == pytest.approx(srt[:, 1] ** 2, abs=1e-5)
        if n_ref > 100:  # every stage took part: the cell tree, the one-mismatch trees, the blocked search
            assert min(index.last_stages.values()) > 0, index.last_stages
    else:
        assert np.isinf(d2).all()
    assert full[np.arange(n_q), i1] ** 2 == pytest.approx(srt[:, 0] ** 2, abs=1e-5)  # i1 is a nearest row
    # the blocked search gives the same
    b1, b2, _ = NeighbourIndex(r, rc, enc.numeric_width, method="blas").query(q, qc)
    assert b1**2 == pytest.approx(d1**2, abs=1e-5)
    assert b2**2 == pytest.approx(d2**2, abs=1e-5)


def test_tree_on_a_numerical_space_settles_every_query():
    rng = np.random.default_rng(0)
    r = np.round(rng.normal(size=(500, 8)), 1).astype(np.float32)
    r[250:] = r[:250]  # every row twice: the closest *other* row is at 0
    q = np.vstack([r[:50], rng.normal(size=(100, 8)).astype(np.float32)])
    index = NeighbourIndex(r, method="tree")
    d1, d2, i1 = index.query(q)
    srt = np.sort(_brute(q, r), axis=1)
    assert index.last_tree_share == 1.0
    assert d1 == pytest.approx(srt[:, 0], abs=1e-5)
    assert d2 == pytest.approx(srt[:, 1], abs=1e-5)
    assert (d2[:50] == 0).all()


def test_category_code_mismatches_are_the_categorical_distance():
    ref_df = _mixed(200, 3)
    enc = MixedEncoder(Schema.infer(ref_df)).fit(ref_df)
    x, codes = enc.transform_with_codes(ref_df)
    cat = x[:, enc.numeric_width:]
    sq = ((cat[:, None, :] - cat[None, :, :]) ** 2).sum(-1)
    mismatches = (codes[:, None, :] != codes[None, :, :]).sum(-1)
    assert sq == pytest.approx(mismatches, abs=1e-5)
    assert enc.feature_names[: enc.numeric_width] == ["u", "v", "v=<missing>"]


@pytest.mark.parametrize("columns", [["a", "b", "c"], ["a", "u"]])
def test_nearest_first_breaks_ties_to_the_lowest_index_as_brute_force(columns):
    ref_df, q_df = _mixed(600, 4), _mixed(300, 5)
    q_df.loc[:9, "c"] = "unseen"  # no exact match: the nearest are tied at one mismatch
    schema = Schema.infer(ref_df)
    enc = MixedEncoder(schema, columns).fit(ref_df)
    r, rc = enc.transform_with_codes(ref_df)
    q, qc = enc.transform_with_codes(q_df)
    expected = two_nearest(q, r)[2]  # first minimum in row order
    got = nearest_first(q, r, qc, rc, enc.numeric_width, method="tree")
    assert np.array_equal(got, expected)


def test_first_of_distinct_equals_a_sort_of_the_rows():
    ref_df = _mixed(2000, 6)
    enc = MixedEncoder(Schema.infer(ref_df)).fit(ref_df)
    x, codes = enc.transform_with_codes(ref_df)
    _, first = np.unique(x, axis=0, return_index=True)
    assert np.array_equal(first_of_distinct(x, codes, enc.numeric_width), np.sort(first))
    assert np.array_equal(first_of_distinct(x), np.sort(first))


def test_mid_ranks_of_many_values_equal_the_direct_count():
    from benchkit.metrics._engine.mixed_encoding import _mid_ranks

    rng = np.random.default_rng(7)
    ref = np.sort(np.round(rng.normal(size=5000), 1))  # many ties
    v = np.round(rng.normal(size=30_000) * 1.5, 1)
    v[::97] = np.nan
    direct = (ref[None, :] < v[:2000, None]).sum(1) + 0.5 * (ref[None, :] == v[:2000, None]).sum(1)
    got = _mid_ranks(ref, v)
    assert got[:2000][~np.isnan(v[:2000])] == pytest.approx(direct[~np.isnan(v[:2000])])
    small = np.concatenate([_mid_ranks(ref, part) for part in np.array_split(v, 4)])  # < 10,000 each: direct path
    assert np.array_equal(got[~np.isnan(v)], small[~np.isnan(v)])
