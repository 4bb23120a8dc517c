"""The counted (hash + bincount) path for numerical columns with few distinct values gives the same
sorted sample, ranks, KS and correlations as the sorting path."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchkit import Schema
from benchkit.metrics import MetricContext
from benchkit.metrics import encoding as E
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


@pytest.mark.parametrize("case", ["normal", "lognormal", "near-ties", "negative near-ties", "datetime ns", "with infinities"])
def test_packed_argsort_sorts_exactly(case):
    """The packed-key argsort used for large columns gives a permutation that sorts the values,
    also when many distinct values agree in all but their lowest bits."""
    from benchkit.metrics.encoding import argsort_values

    rng = np.random.default_rng(5)
    n = 200_000
    values = {
        "normal": lambda: rng.normal(size=n),
        "lognormal": lambda: np.exp(10 + rng.normal(size=n)),
        "near-ties": lambda: 1.0 + rng.integers(0, 2**14, n) * 2.0**-52,
        "negative near-ties": lambda: np.concatenate([-1.0 - rng.integers(0, 2**10, n // 2) * 2.0**-52, rng.normal(size=n // 2)]),
        "datetime ns": lambda: rng.integers(-2**62, 2**62, n),
        "with infinities": lambda: np.where(rng.random(n) < 0.05, np.inf, np.where(rng.random(n) < 0.05, -np.inf, rng.normal(size=n))),
    }[case]()
    order = argsort_values(values)
    assert np.array_equal(np.sort(order), np.arange(n))
    np.testing.assert_array_equal(values[order], np.sort(values))
