"""Marginal metrics against values computed by hand (and scipy's KS test) on small frames."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp

from benchkit import Schema
from benchkit.data import align_frames
from benchkit.metrics import MetricContext
from benchkit.metrics import marginal


def ctx_for(real: pd.DataFrame, synthetic: pd.DataFrame, **overrides) -> MetricContext:
    schema = Schema.infer(real, overrides=overrides or None)
    r, s, _ = align_frames(real, synthetic, schema)
    return MetricContext(r, s, schema)


def value(scores, column):
    [found] = [s for s in scores if s.column == column]
    return found.value


@pytest.mark.parametrize(
    "real, syn, expected",
    [
        ([1, 2, 3, 4], [3, 4, 5, 6], 0.5),  # D = 0.5 at x=2 and x=4
        ([1, 1, 2, 2], [1, 2, 2, 2], 0.75),  # ties: F_r(1)=.5, F_s(1)=.25
        ([1, 2, np.nan, 3], [1, 2, 3], 1.0),  # missing values are dropped
        ([0, 1, 2], [1.5], 1 - 2 / 3),  # unequal sizes: D = 2/3 at x=1
        ([5, 5, 5], [5, 5], 1.0),  # constant and equal
    ],
)
def test_ks_complement_by_hand(real, syn, expected):
    ctx = ctx_for(pd.DataFrame({"x": real}), pd.DataFrame({"x": syn}), x="numerical")
    assert value(marginal.ks_complement(ctx), "x") == pytest.approx(expected, abs=1e-12)


def test_ks_complement_datetime_by_hand():
    real = pd.DataFrame({"d": pd.to_datetime(["2020-01-01", "2020-01-02"])})
    syn = pd.DataFrame({"d": pd.to_datetime(["2020-01-02", "2020-01-03"])})
    assert value(marginal.ks_complement(ctx_for(real, syn)), "d") == pytest.approx(0.5)


def test_ks_statistic_matches_scipy_with_many_ties():
    rng = np.random.default_rng(3)
    for _ in range(20):
        a = np.sort(rng.integers(0, 7, rng.integers(1, 60)).astype(float))
        b = np.sort(rng.integers(0, 9, rng.integers(1, 60)).astype(float))
        assert marginal.ks_statistic(a, b) == pytest.approx(ks_2samp(a, b).statistic, abs=1e-12)


@pytest.mark.parametrize("distinct", [6, 100_000], ids=["counted-by-value", "sorted"])
def test_ks_complement_matches_scipy_on_both_column_paths(distinct):
    """Few distinct values take the ECDF-steps path, many take the merge path; both equal scipy."""
    rng = np.random.default_rng(distinct)
    real = rng.integers(0, distinct, 3000).astype(float)
    syn = rng.integers(1, distinct + 2, 2500).astype(float)
    real[rng.random(3000) < 0.1] = np.nan
    ctx = ctx_for(pd.DataFrame({"x": real}), pd.DataFrame({"x": syn}), x="numerical")
    from benchkit.metrics._engine.encoding import numeric
    counted = numeric(ctx, "x", "real").uniques is not None
    assert counted == (distinct == 6)
    expected = 1 - ks_2samp(real[~np.isnan(real)], syn).statistic
    assert value(marginal.ks_complement(ctx), "x") == pytest.approx(expected, abs=1e-12)


def test_ks_complement_empty_side_with_reason():
    # an empty synthetic column matches nothing: 0 (issue 16); an empty real one leaves nothing to match: NaN
    ctx = ctx_for(pd.DataFrame({"x": [1.0, 2.0]}), pd.DataFrame({"x": [np.nan, np.nan]}))
    [s] = marginal.ks_complement(ctx)
    assert s.value == 0.0 and "synthetic" in s.details["reason"]
    ctx = ctx_for(pd.DataFrame({"x": [np.nan, np.nan]}), pd.DataFrame({"x": [1.0, 2.0]}))
    [s] = marginal.ks_complement(ctx)
    assert math.isnan(s.value) and "real" in s.details["reason"]


def test_tv_complement_by_hand():
    real = pd.DataFrame({"c": ["a", "a", "b", "c"]})
    syn = pd.DataFrame({"c": ["a", "b", "b", "d"]})  # "d" never seen in real
    # |.5-.25| + |.25-.5| + |.25-0| + |0-.25| = 1 -> TVD .5
    assert value(marginal.tv_complement(ctx_for(real, syn)), "c") == pytest.approx(0.5)


def test_tv_complement_ignores_missing_values():
    real = pd.DataFrame({"c": ["a", "a", None, "b"]})
    syn = pd.DataFrame({"c": ["a", "b"]})
    # real (2/3, 1/3) vs syn (1/2, 1/2): TVD = 1/6
    assert value(marginal.tv_complement(ctx_for(real, syn)), "c") == pytest.approx(5 / 6)


def test_tv_complement_boolean_and_numeric_labels():
    real = pd.DataFrame({"b": [True, True, False, False]})
    syn = pd.DataFrame({"b": ["yes", "yes", "yes", "no"]})
    assert value(marginal.tv_complement(ctx_for(real, syn)), "b") == pytest.approx(0.75)
    # labels read as text in one frame and as integers in the other are the same labels
    real = pd.DataFrame({"c": ["1", "2", "2", "3"]})
    syn = pd.DataFrame({"c": [1, 2, 2, 3]})
    assert value(marginal.tv_complement(ctx_for(real, syn, c="categorical")), "c") == pytest.approx(1.0)


def test_missing_similarity_by_hand():
    real = pd.DataFrame({"x": [1.0, np.nan, 3.0, 4.0], "c": ["a", None, None, "b"]})
    syn = pd.DataFrame({"x": [1.0, 2.0], "c": ["a", None]})
    scores = marginal.missing_similarity(ctx_for(real, syn))
    assert value(scores, "x") == pytest.approx(1 - 0.25)
    assert value(scores, "c") == pytest.approx(1 - abs(0.5 - 0.5))


@pytest.mark.parametrize(
    "syn, expected",
    [([2.0, 12.0], 0.8), ([-5.0, 5.0], 0.5), ([-1.0, 11.0], 1.0), ([20.0, 30.0], 0.0)],
)
def test_range_coverage_by_hand(syn, expected):
    ctx = ctx_for(pd.DataFrame({"x": [0.0, 10.0, 5.0]}), pd.DataFrame({"x": syn}))
    assert value(marginal.range_coverage(ctx), "x") == pytest.approx(expected)


def test_range_coverage_constant_real_is_nan():
    [s] = marginal.range_coverage(ctx_for(pd.DataFrame({"x": [3.0, 3.0]}), pd.DataFrame({"x": [1.0, 2.0]})))
    assert math.isnan(s.value) and "constant" in s.details["reason"]


def test_category_coverage_by_hand():
    real = pd.DataFrame({"c": ["a", "b", "c", "d", None]})
    syn = pd.DataFrame({"c": ["a", "b", "e", "e"]})
    [s] = marginal.category_coverage(ctx_for(real, syn))
    assert s.value == pytest.approx(0.5)
    assert s.details["n_unseen_in_synthetic"] == 1
    assert s.details["synthetic_share_unseen"] == pytest.approx(0.5)


@pytest.mark.parametrize("case", ["distinct", "shared values", "heavy ties", "disjoint"])
def test_blockwise_ks_statistic_matches_scipy_across_blocks(case, monkeypatch):
    """KS from block-by-block ``searchsorted`` (small blocks here, so values and their ties straddle
    block edges) equals scipy's two-sample statistic."""
    from scipy.stats import ks_2samp

    from benchkit.metrics import marginal

    monkeypatch.setattr(marginal, "_KS_BLOCK", 97)
    rng = np.random.default_rng(6)
    real, syn = {
        "distinct": (rng.normal(size=2000), rng.normal(0.2, 1, 1500)),
        "shared values": (np.round(rng.normal(size=2000), 2), np.round(rng.normal(0.1, 1, 1700), 2)),
        "heavy ties": (rng.integers(0, 12, 3000).astype(float), rng.integers(2, 15, 900).astype(float)),
        "disjoint": (rng.normal(size=500), rng.normal(size=400) + 100),
    }[case]
    got = marginal.ks_statistic(np.sort(real), np.sort(syn))
    assert got == pytest.approx(ks_2samp(real, syn).statistic, abs=1e-12)
