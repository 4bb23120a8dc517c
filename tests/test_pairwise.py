"""Pair metrics against values computed by hand (and scipy) on small frames."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import pearsonr, spearmanr
from scipy.stats.contingency import association

from benchkit import Schema
from benchkit.data import align_frames
from benchkit.metrics import MetricContext
from benchkit.metrics import pairwise


def ctx_for(real, synthetic, schema=None, **options) -> MetricContext:
    schema = schema or Schema.infer(real)
    r, s, _ = align_frames(real, synthetic, schema)
    return MetricContext(r, s, schema, options=options)


def pair_value(scores, a, b):
    [found] = [s for s in scores if (s.column, s.column_2) == (a, b)]
    return found


def test_pearson_by_hand():
    real = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [2.0, 4, 6, 8]})  # r = 1
    syn = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [1.0, 3, 2, 4]})  # r = 4 / 5 = 0.8
    s = pair_value(pairwise.correlation_pearson(ctx_for(real, syn)), "x", "y")
    assert s.details["real"] == pytest.approx(1.0)
    assert s.details["synthetic"] == pytest.approx(0.8)
    assert s.value == pytest.approx(1 - 0.2 / 2)
    anti = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [8.0, 6, 4, 2]})
    assert pair_value(pairwise.correlation_pearson(ctx_for(real, anti)), "x", "y").value == pytest.approx(0.0)


def test_correlation_uses_rows_where_both_are_present():
    real = pd.DataFrame({"x": [1.0, 2, 3, 4, np.nan, 6], "y": [2.0, 4, 6, 8, 100, np.nan]})
    syn = pd.DataFrame({"x": [1.0, 2, 3, np.nan], "y": [1.0, 3, 2, 50]})
    sp = pair_value(pairwise.correlation_pearson(ctx_for(real, syn)), "x", "y")
    assert sp.details["real"] == pytest.approx(1.0)
    assert sp.details["synthetic"] == pytest.approx(pearsonr([1, 2, 3], [1, 3, 2]).statistic)


def test_spearman_with_ties_and_missing_matches_scipy():
    rng = np.random.default_rng(7)
    n = 200
    real = pd.DataFrame({"x": rng.integers(0, 6, n).astype(float), "y": rng.normal(size=n)})
    real["y"] += real["x"]
    real.loc[rng.random(n) < 0.2, "x"] = np.nan
    real.loc[rng.random(n) < 0.1, "y"] = np.nan
    syn = pd.DataFrame({"x": rng.integers(0, 6, n).astype(float), "y": rng.normal(size=n)})
    s = pair_value(pairwise.correlation_spearman(ctx_for(real, syn)), "x", "y")
    both = real.dropna()
    expected_real = spearmanr(both["x"], both["y"]).statistic
    expected_syn = spearmanr(syn["x"], syn["y"]).statistic
    assert s.details["real"] == pytest.approx(expected_real, abs=1e-12)
    assert s.details["synthetic"] == pytest.approx(expected_syn, abs=1e-12)
    assert s.value == pytest.approx(1 - abs(expected_real - expected_syn) / 2, abs=1e-12)


def test_spearman_ties_by_hand():
    real = pd.DataFrame({"x": [1.0, 2, 2, 3], "y": [1.0, 2, 3, 4]})  # ranks x = 1, 2.5, 2.5, 4
    s = pair_value(pairwise.correlation_spearman(ctx_for(real, real)), "x", "y")
    assert s.details["real"] == pytest.approx(4.5 / math.sqrt(4.5 * 5))
    assert s.value == pytest.approx(1.0)


def test_correlation_with_datetime_matches_scipy():
    rng = np.random.default_rng(1)
    d = pd.Timestamp("2001-01-01") + pd.to_timedelta(rng.integers(0, 10_000, 100), unit="D")
    real = pd.DataFrame({"d": d, "v": rng.normal(size=100)})
    real["v"] += np.arange(100) / 50
    s = pair_value(pairwise.correlation_pearson(ctx_for(real, real)), "d", "v")
    assert s.details["real"] == pytest.approx(pearsonr(d.astype("int64"), real["v"]).statistic, abs=1e-9)


def test_correlation_of_constant_column_is_nan_with_reason():
    real = pd.DataFrame({"x": [1.0, 2, 3], "k": [5.0, 5, 5]})
    s = pair_value(pairwise.correlation_pearson(ctx_for(real, real)), "x", "k")
    assert math.isnan(s.value) and "constant" in s.details["reason"]


def test_contingency_by_hand():
    real = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "p", "q", "q"]})
    syn = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "q", "q"]})
    # real xp .5 yq .5; syn xp .25 xq .25 yq .5 -> TVD .25
    assert pair_value(pairwise.contingency(ctx_for(real, syn)), "a", "b").value == pytest.approx(0.75)


def test_contingency_missing_is_a_category_and_unseen_categories_count():
    real = pd.DataFrame({"a": ["x", None], "b": ["p", "p"]})
    syn = pd.DataFrame({"a": ["x", "x"], "b": ["p", "p"]})
    assert pair_value(pairwise.contingency(ctx_for(real, syn)), "a", "b").value == pytest.approx(0.5)
    syn2 = pd.DataFrame({"a": ["x", "z", "z", "z"], "b": ["p", "p", "p", "r"]})  # z, r never seen
    # real x,p .5 / NaN,p .5 ; syn x,p .25 z,p .5 z,r .25 -> |.25| + .5 + .5 + .25 = 1.5 -> TVD .75
    assert pair_value(pairwise.contingency(ctx_for(real, syn2)), "a", "b").value == pytest.approx(0.25)


def test_contingency_mixed_pair_bins_on_real_edges():
    real = pd.DataFrame({"v": np.arange(10.0), "c": ["a"] * 10})
    syn = pd.DataFrame({"v": np.full(10, 100.0), "c": ["a"] * 10})  # all beyond the real range
    # real: one row per bin; synthetic: all in the open last bin -> TVD .9
    ctx = ctx_for(real, syn)
    assert pair_value(pairwise.contingency(ctx), "v", "c").value == pytest.approx(0.1)
    # QualityReport's per-frame binning puts the synthetic column in its own bins (max and NaN share one)
    per_frame = ctx_for(real, syn, pair_binning="per_frame")
    assert pair_value(pairwise.contingency(per_frame), "v", "c").value == pytest.approx(0.1)
    shifted = pd.DataFrame({"v": np.arange(10.0) + 50, "c": ["a"] * 10})
    assert pair_value(pairwise.contingency(ctx_for(real, shifted, pair_binning="per_frame")), "v", "c").value == pytest.approx(1.0)
    assert pair_value(pairwise.contingency(ctx_for(real, shifted)), "v", "c").value == pytest.approx(0.1)


def test_cramers_v_matches_scipy():
    rng = np.random.default_rng(2)
    a = rng.integers(0, 4, 500)
    b = (a + rng.integers(0, 3, 500)) % 5
    keys, cr, _ = pairwise.joint_counts(a, b, a, b, 5, 20)
    table = np.bincount(a * 5 + b, minlength=20).reshape(4, 5)
    assert pairwise.cramers_v(keys, cr, 5, "none") == pytest.approx(association(table, method="cramer"), abs=1e-12)
    # the default (Bergsma's correction) is smaller: phi2 less its expectation under independence
    assert pairwise.cramers_v(keys, cr, 5) < pairwise.cramers_v(keys, cr, 5, "none")


def test_joint_counts_sparse_path_equals_dense():
    rng = np.random.default_rng(4)
    a_r, b_r = rng.integers(0, 50, 300), rng.integers(0, 40, 300)
    a_s, b_s = rng.integers(0, 50, 200), rng.integers(0, 40, 200)
    dense = pairwise.joint_counts(a_r, b_r, a_s, b_s, 40, 2000)
    sparse = pairwise.joint_counts(a_r, b_r, a_s, b_s, 40, 10**13)  # forces the hashing path
    order = np.argsort(sparse[0])
    for d, s in zip(dense, sparse):
        np.testing.assert_array_equal(d, s[order])


def test_category_combinations_by_hand():
    real = pd.DataFrame({"a": ["a", "a", "b", "b"], "b": ["x", "x", "y", "y"], "n": [1.0, 2, 3, 4]})
    syn = pd.DataFrame({"a": ["a", "a", "b", "b"], "b": ["x", "y", "y", "y"], "n": [1.0, 2, 3, 4]})
    table = pairwise.category_combinations(real, syn)
    assert list(table.columns) == ["a", "b", "real_count", "synthetic_count", "real", "synthetic"]
    got = {(r.a, r.b): (r.real, r.synthetic) for r in table.itertuples()}
    assert got == {("a", "x"): (0.5, 0.25), ("b", "y"): (0.5, 0.5), ("a", "y"): (0.0, 0.25)}
    [s] = pairwise.category_combinations_score(ctx_for(real, syn))
    assert s.value == pytest.approx(0.75)
    assert s.details["synthetic_share_unseen"] == pytest.approx(0.25)


def test_category_combinations_skip_high_cardinality_columns():
    n = 3000
    real = pd.DataFrame({"a": ["u", "v", "w"] * 1000, "b": ["x", "y"] * 1500, "code": [f"c{i}" for i in range(n)]})
    [s] = pairwise.category_combinations_score(ctx_for(real, real))
    assert s.details["excluded_columns"] == ["code"] and s.value == pytest.approx(1.0)


def test_arithmetic_binning_equals_searchsorted_on_real_edges_at_every_boundary():
    """Mixed-pair bins are computed with a multiply and a floor; values on, just above and just
    below every edge, huge values and infinities land where ``searchsorted`` on the edges puts them."""
    from benchkit.metrics._engine.encoding import _bin_codes, bin_edges

    rng = np.random.default_rng(11)
    for trial in range(200):
        v = rng.normal(size=500) * 10.0 ** rng.integers(-3, 8)
        if trial % 3 == 0:
            v = np.round(v, 1)
        if trial % 7 == 0:
            v = np.full(50, 3.0)  # a constant column: numpy widens the range by 0.5 each side
        e = bin_edges(v)
        probe = np.concatenate([v, e, np.nextafter(e, np.inf), np.nextafter(e, -np.inf),
                                [np.inf, -np.inf, 1e308, -1e308], v * 1.5 + 3])
        np.testing.assert_array_equal(_bin_codes(probe, e), np.searchsorted(e[1:-1], probe, side="right"))


def test_grouped_contingency_tables_equal_pair_by_pair_counts():
    """Columns counted a group at a time give every pair exactly the table ``joint_counts`` gives it,
    including a pair whose table is too large to group and columns with missing values."""
    rng = np.random.default_rng(21)
    n = 40_000

    def frame(shift):
        df = pd.DataFrame({
            "a": rng.choice(list("abcd"), n),
            "b": rng.choice([f"b{i}" for i in range(30)], n),
            "x": rng.normal(shift, 1, n),
            "c": rng.choice(["yes", "no", None], n),
            "wide": rng.integers(0, 3000, n).astype(str),  # a x wide: 4 x 3000 cells, past the limit
            "y": np.where(rng.random(n) < 0.1, np.nan, rng.gamma(2, 1 + shift, n)),
        })
        return df

    real, syn = frame(0.0), frame(0.4)
    schema = Schema.infer(real, overrides={"wide": "categorical"})
    ctx = ctx_for(real, syn, schema)
    pairs = [(a, b) for a, b, kind in pairwise.column_pairs(schema) if kind == "contingency"]
    tables = pairwise.contingency_tables(ctx, pairs, "real")
    assert set(tables) == set(pairs)
    from benchkit.metrics._engine.encoding import discrete_codes

    for a, b in pairs:
        ca, cb = discrete_codes(ctx, a), discrete_codes(ctx, b)
        want = pairwise.joint_counts(ca.real, cb.real, ca.synthetic, cb.synthetic, cb.n_codes, ca.n_codes * cb.n_codes)
        for got, expected in zip(tables[(a, b)], want):
            np.testing.assert_array_equal(got, expected)


def test_count_groups_cover_every_pair_once_within_the_cell_limit():
    rng = np.random.default_rng(3)
    for _ in range(50):
        cols = [f"c{i}" for i in range(int(rng.integers(2, 12)))]
        n_codes = {c: int(rng.choice([2, 3, 11, 40, 300, 5000])) for c in cols}
        pairs = [p for p in itertools.combinations(cols, 2) if rng.random() < 0.8] or [(cols[0], cols[1])]
        limit = int(rng.choice([1024, 1 << 17]))
        groups = pairwise.count_groups(pairs, n_codes, limit)
        scored = [p for _, ps in groups for p in ps]
        assert sorted(scored) == sorted(pairs)  # every pair exactly once
        for group, ps in groups:
            assert all(a in group and b in group for a, b in ps)
            if len(group) > 2:
                assert math.prod(n_codes[c] for c in group) <= limit


def test_category_combination_counts_equal_groupby_when_keys_are_renumbered_and_hashed():
    """Many columns of many categories: the combination key is renumbered (and finally hashed) as
    it grows; the counts still equal a plain groupby over the columns, missing values included."""
    rng = np.random.default_rng(12)
    n = 3000

    def frame():
        cols = {f"k{i}": np.char.add("v", rng.integers(0, 60, n).astype(str)).astype(object) for i in range(5)}
        df = pd.DataFrame(cols)
        df.loc[rng.random(n) < 0.05, "k1"] = None
        return df

    real, syn = frame(), frame()
    table = pairwise.category_combinations(real, syn, max_categories=100)
    keys = [f"k{i}" for i in range(5)]
    for df, col in ((real, "real_count"), (syn, "synthetic_count")):
        want = df.groupby(keys, dropna=False).size()
        got = table[table[col] > 0].set_index(keys)[col]
        assert len(got) == len(want) and got.sum() == n
        assert want.reindex(got.index).tolist() == got.tolist()
