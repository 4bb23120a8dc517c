"""The counted (hash + bincount) path for numerical columns with few distinct values gives the same
sorted sample, ranks, KS and correlations as the sorting path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchkit import Schema
from benchkit.metrics import MetricContext
from benchkit.metrics._engine import encoding as E
from benchkit.metrics.marginal import ks_complement
from benchkit.metrics.pairwise import correlation_pearson, correlation_spearman


def _frame(rng: np.random.Generator, n: int, nan_share: float) -> pd.DataFrame:
    ties = rng.integers(0, 30, n).astype(float)  # few distinct values: counted
    halves = np.round(rng.normal(0, 3, n), 1)  # some hundreds of distinct values: counted
    smooth = rng.normal(size=n) + 0.3 * ties  # distinct values: sorted
    for v in (ties, halves, smooth):
        v[rng.random(n) < nan_share] = np.nan
    return pd.DataFrame({"ties": ties, "halves": halves, "smooth": smooth})


def _ctx(real: pd.DataFrame, syn: pd.DataFrame) -> MetricContext:
    schema = Schema.infer(real, overrides={c: "numerical" for c in real.columns})
    return MetricContext(real, syn, schema)


@pytest.mark.parametrize("nan_share", [0.0, 0.1])
def test_counted_path_matches_sorting(nan_share: float) -> None:
    rng = np.random.default_rng(7)
    real, syn = _frame(rng, 30_000, nan_share), _frame(rng, 25_000, nan_share)
    ctx = _ctx(real, syn)
    for col in ("ties", "halves"):
        for frame, df in (("real", real), ("synthetic", syn)):
            num = E.numeric(ctx, col, frame)
            assert num.codes is not None, f"{col} should take the counted path"
            v = df[col].to_numpy()
            ok = ~np.isnan(v)
            np.testing.assert_array_equal(num.sorted, np.sort(v[ok]))
            # ranks equal scipy's average ranks of the valid values
            r = E.ranks(ctx, col, frame)
            np.testing.assert_array_equal(r[ok], stats.rankdata(v[ok]))
            assert np.isnan(r[~ok]).all()
            # ranks within a subset of rows
            rows = ok & (rng.random(len(v)) < 0.5)
            sub = E.column_ranks(ctx, col, frame, rows)
            np.testing.assert_array_equal(sub[rows], stats.rankdata(v[rows]))
            assert np.isnan(sub[~rows]).all()
            # the value order, when asked for, sorts the values
            order = E.order_of(ctx, col, frame)
            np.testing.assert_array_equal(v[order], np.sort(v[ok]))
    assert E.numeric(ctx, "smooth", "real").codes is None


@pytest.mark.parametrize("nan_share", [0.0, 0.1])
def test_counted_path_scores_match_scipy(nan_share: float) -> None:
    rng = np.random.default_rng(11)
    real, syn = _frame(rng, 20_000, nan_share), _frame(rng, 20_000, nan_share)
    real["ties"] = np.where(real["smooth"] > 0.5, real["ties"] + 3, real["ties"])  # a real association
    ctx = _ctx(real, syn)
    ks = {s.column: s.value for s in ks_complement(ctx)}
    for col in real.columns:
        a, b = real[col].dropna(), syn[col].dropna()
        assert ks[col] == pytest.approx(1 - stats.ks_2samp(a, b).statistic, abs=1e-12)
    for fn, method in ((correlation_spearman, "spearman"), (correlation_pearson, "pearson")):
        for s in fn(ctx):
            for frame, df in (("real", real), ("synthetic", syn)):
                both = df[[s.column, s.column_2]].dropna()
                want = getattr(stats, f"{method}r")(both[s.column], both[s.column_2])[0]
                assert s.details[frame] == pytest.approx(want, abs=1e-9)


@pytest.mark.parametrize("ties", ["none", "few", "many"])
def test_average_ranks_match_scipy(ties):
    """Average ranks by position with the few tied runs patched, or by run when ties are many,
    both equal scipy's ``rankdata`` (and NaN at the rows left out)."""
    rng = np.random.default_rng(9)
    n = 50_000
    v = {"none": rng.normal(size=n), "few": np.round(rng.normal(size=n), 4), "many": rng.integers(0, 50, n).astype(float)}[ties]
    rows = rng.random(n) < 0.9
    order = np.flatnonzero(rows)[np.argsort(v[rows], kind="stable")]
    for shift in (0.0, (rows.sum() + 1) / 2):
        r = E.average_ranks(v[order], order, n, shift)
        np.testing.assert_array_equal(r[rows], stats.rankdata(v[rows]) - shift)
        assert np.isnan(r[~rows]).all()


def test_bin_edges_from_sorted_values_equal_numpy_edges():
    """Mixed-pair bin edges come from each column's sorted values (finite minimum and maximum),
    equal to ``np.histogram_bin_edges`` over the finite values, datetimes included."""
    rng = np.random.default_rng(8)
    n = 5_000
    v = rng.normal(size=n)
    v[:10] = [np.inf, -np.inf, np.nan, np.inf, 1e300, -3e5, np.nan, 2.5, -np.inf, 0.0]
    real = pd.DataFrame({"v": v, "when": pd.to_datetime(rng.integers(10**17, 2 * 10**17, n)), "empty": np.nan})
    syn = real.sample(frac=1.0, random_state=1).reset_index(drop=True)
    schema = Schema.infer(real, overrides={"v": "numerical", "when": "datetime", "empty": "numerical"})
    ctx = MetricContext(schema.coerce(real), schema.coerce(syn), schema)
    for col in ("v", "when", "empty"):
        got = E._edges_of(ctx, col, "real")
        np.testing.assert_array_equal(got, E.bin_edges(E.numeric(ctx, col, "real").values))


def test_ranks_are_float32_and_exact_up_to_the_row_limit():
    """Ranks are stored in float32 while every half-integer rank fits exactly (half the memory),
    in float64 beyond; Spearman sums them in float64 either way."""
    assert E.rank_dtype(E.RANK_FLOAT32_MAX_ROWS) is np.float32 and E.rank_dtype(E.RANK_FLOAT32_MAX_ROWS + 1) is np.float64
    n = E.RANK_FLOAT32_MAX_ROWS
    top = np.float32(n) - np.float32(0.5)  # the largest half-integer rank kept: exact
    assert float(top) == n - 0.5 and float(np.float32(-(n + 1) / 2.0 + 1)) == -(n + 1) / 2.0 + 1
    rng = np.random.default_rng(2)
    v = np.round(rng.normal(size=100_001), 3)
    order = np.argsort(v, kind="stable")
    r = E.average_ranks(v[order], order, len(v))
    assert r.dtype == np.float32
    np.testing.assert_array_equal(r.astype(np.float64), stats.rankdata(v))
