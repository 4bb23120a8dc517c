"""Ties with the best (Welch + Holm) and ranks across datasets (Friedman + Nemenyi), against hand-computed values."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchkit.verdict.significance import (NOT_TESTED, TIE_TEST, ZERO_VARIANCE_TEST, RankTest, _holm,
                                           critical_difference, friedman_nemenyi, nemenyi_q, rank_design,
                                           tie_groups)


def seeds(metric: str = "m", higher: bool = True, dataset: str = "d", **per_generator: list[float]) -> pd.DataFrame:
    """Long values: one row per (generator, seed)."""
    rows = [(dataset, g, s, metric, v, higher) for g, vals in per_generator.items() for s, v in enumerate(vals)]
    return pd.DataFrame(rows, columns=["dataset", "generator", "seed", "metric", "value", "higher_is_better"])


def by_gen(result: pd.DataFrame) -> pd.DataFrame:
    return result.set_index("generator")


def test_welch_statistic_and_decision_match_the_hand_computation():
    # A = [1, 2, 3], B = [0, 1, 2]: means 2 and 1, variances 1 and 1.
    # t = 1 / sqrt(1/3 + 1/3) = sqrt(1.5); Welch df = (2/3)^2 / (2 * (1/3)^2 / 2) = 4
    r = by_gen(tie_groups(seeds(A=[1, 2, 3], B=[0, 1, 2])))
    expected = stats.t.sf(math.sqrt(1.5), 4)
    assert r.loc["B", "p_value"] == pytest.approx(expected, rel=1e-9)
    assert expected == pytest.approx(0.1439, abs=1e-4)
    # scipy's own Welch test agrees (an independent implementation)
    scipy_p = stats.ttest_ind([1, 2, 3], [0, 1, 2], equal_var=False, alternative="greater").pvalue
    assert r.loc["B", "p_value"] == pytest.approx(scipy_p, rel=1e-9)
    assert r.loc["A", "best"] and r.loc["A", "tied"] and math.isnan(r.loc["A", "p_value"])
    assert r.loc["B", "tied"] and not r.loc["B", "best"] and r.loc["B", "test"] == TIE_TEST
    assert r.loc["A", "mean"] == 2 and r.loc["B", "n"] == 3


def test_clearly_worse_is_not_tied_and_holm_adjusts_within_the_dataset_metric():
    r = by_gen(tie_groups(seeds(A=[0.90, 0.91, 0.92], B=[0.905, 0.915, 0.89], C=[0.70, 0.71, 0.72])))
    assert r.loc["A", "best"] and r.loc["B", "tied"]
    assert not r.loc["C", "tied"] and r.loc["C", "p_value"] < 0.01
    raw = stats.ttest_ind([0.90, 0.91, 0.92], [0.70, 0.71, 0.72], equal_var=False, alternative="greater").pvalue
    raw_b = stats.ttest_ind([0.90, 0.91, 0.92], [0.905, 0.915, 0.89], equal_var=False, alternative="greater").pvalue
    assert r.loc["C", "p_value"] == pytest.approx(2 * raw)  # smallest of two p-values: times 2
    assert r.loc["B", "p_value"] == pytest.approx(max(raw_b, 2 * raw))  # the largest: times 1, monotone


def test_holm_by_hand():
    p = pd.Series([0.01, 0.04, 0.03, 0.5], index=[10, 11, 12, 13])
    g = pd.Series(["x", "x", "x", "y"], index=p.index)
    # group x sorted: 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> cumulative max 0.06; y alone: 0.5
    assert _holm(p, [g]).tolist() == pytest.approx([0.03, 0.06, 0.06, 0.5])


def test_a_single_seed_is_not_tested_and_only_the_best_is_marked():
    r = by_gen(tie_groups(seeds(A=[0.9], B=[0.899], C=[0.5, 0.6])))
    assert r.loc["A", "best"] and r.loc["A", "tied"]
    for g in ("B", "C"):  # one seed on either side: nothing can be tested
        assert not r.loc[g, "tested"] and not r.loc[g, "tied"] and r.loc[g, "test"] == NOT_TESTED
        assert math.isnan(r.loc[g, "p_value"])


def test_zero_variance_decides_exactly():
    r = by_gen(tie_groups(seeds(A=[1.0, 1.0], B=[1.0, 1.0, 1.0], C=[0.5, 0.5])))
    assert r.loc["A", "best"] and r.loc["B", "best"]  # equal means share the best
    assert not r.loc["C", "tied"] and r.loc["C", "p_value"] == 0 and r.loc["C", "test"] == ZERO_VARIANCE_TEST
    r = by_gen(tie_groups(seeds(A=[1.0, 1.0], B=[0.9, 1.0])))  # one side constant: Welch with df = n_B - 1
    assert r.loc["B", "p_value"] == pytest.approx(stats.t.sf(0.05 / math.sqrt(0.005 / 2), 1))
    assert r.loc["B", "tied"]
    assert not r.isna().loc[:, ["mean", "n", "best", "tied", "tested"]].any().any()


def test_lower_is_better_and_ideal_value():
    r = by_gen(tie_groups(seeds("m", False, A=[0.10, 0.11, 0.12], B=[0.40, 0.41, 0.42], C=[0.105, 0.13, 0.10])))
    assert r.loc["A", "best"] and r.loc["C", "tied"] and not r.loc["B", "tied"]
    # ideal 0.5: closeness |value - 0.5| counts, seed by seed; 0.48 beats 0.6 and 0.9
    v = seeds("privacy.dcr_share", True, A=[0.49, 0.48, 0.47], B=[0.58, 0.60, 0.62], C=[0.9, 0.92, 0.91])
    r = by_gen(tie_groups(v, ideal={"privacy.dcr_share": 0.5}))
    assert r.loc["A", "best"] and not r.loc["C", "tied"] and not r.loc["B", "tied"]
    assert r.loc["A", "mean"] == pytest.approx(0.48)  # means are of the values, not of the closeness
    # without the ideal, higher wins
    assert by_gen(tie_groups(v)).loc["C", "best"]


def test_groups_are_separate_per_dataset_and_metric():
    v = pd.concat([seeds("m", True, "d1", A=[1, 2, 3], B=[0, 1, 2]), seeds("m", True, "d2", A=[0, 0.1], B=[5, 5.1]),
                   seeds("k", False, "d1", A=[1, 2, 3], B=[9, 10, 11])])
    r = tie_groups(v).set_index(["dataset", "metric", "generator"])
    assert r.loc[("d1", "m", "A"), "best"] and r.loc[("d2", "m", "B"), "best"] and r.loc[("d1", "k", "A"), "best"]
    assert len(r) == 6 and tie_groups(v.iloc[:0]).empty


def test_nemenyi_q_and_cd_match_demsar():
    # Demšar (2006), Table 5(a): q_0.05 for k = 3, 4, 5
    for k, q in ((3, 2.343), (4, 2.569), (5, 2.728)):
        assert nemenyi_q(k) == pytest.approx(q, abs=1e-3)  # his table truncates: 2.3437 -> 2.343
    # his worked example: k = 4 algorithms on N = 14 datasets gives CD = 2.569 * sqrt(4*5 / (6*14)) = 1.25
    assert critical_difference(4, 14) == pytest.approx(1.25, abs=5e-3)


def test_friedman_by_hand():
    # three datasets, three generators; ranks (1 = best): d1 A1 B2 C3, d2 A1 C2 B3, d3 B1 A2 C3
    scores = pd.DataFrame({"A": [0.9, 0.8, 0.7], "B": [0.8, 0.5, 0.75], "C": [0.7, 0.6, 0.6]},
                          index=["d1", "d2", "d3"])
    res = friedman_nemenyi(scores)
    assert res is not None
    # mean ranks 4/3, 2, 8/3; chi2 = 12N/(k(k+1)) * (sum Rj^2 - k(k+1)^2/4) = 3 * (116/9 - 12) = 8/3
    assert res.mean_ranks.to_dict() == pytest.approx({"A": 4 / 3, "B": 2.0, "C": 8 / 3})
    assert list(res.mean_ranks.index) == ["A", "B", "C"]
    assert res.statistic == pytest.approx(8 / 3)
    assert res.p_value == pytest.approx(math.exp(-4 / 3))  # chi-square with 2 df: exp(-x/2)
    # Iman–Davenport: (N-1) chi2 / (N(k-1) - chi2) = 2 * 8/3 / (6 - 8/3) = 1.6 on (2, 4) df
    assert res.f_statistic == pytest.approx(1.6)
    assert res.f_p_value == pytest.approx(stats.f.sf(1.6, 2, 4))
    assert res.cd == pytest.approx(2.343 * math.sqrt(12 / 18), abs=1e-3)
    # 3 datasets: the permutation p-value decides; exactly, P(chi2 >= 8/3) over the 6^3 equally likely rankings
    ranks = np.array(list(__import__("itertools").permutations([1, 2, 3])))
    all_tables = ranks[np.stack(np.meshgrid(*[np.arange(6)] * 3, indexing="ij"), -1).reshape(-1, 3)]
    null = 1.0 * ((all_tables.mean(axis=1) ** 2).sum(axis=1) * 3 - 36)
    assert res.p_permutation == pytest.approx(np.mean(null >= 8 / 3 - 1e-9), abs=0.01)
    assert res.decision_p == res.p_permutation
    assert not res.rejected and not res.pairs["significant"].any() and "does not reject" in res.note
    assert res.groups() == [["A", "B", "C"]]
    assert res.tests == ("Friedman", "Iman–Davenport", "Nemenyi")
    # lower is better reverses the ranks
    low = friedman_nemenyi(scores, higher_is_better=False)
    assert low.mean_ranks.to_dict() == pytest.approx({"C": 4 / 3, "B": 2.0, "A": 8 / 3})


def test_nemenyi_pairs_and_cd_groups():
    # 14 datasets: "good" and "good2" take ranks 1 and 2 in turn, "bad" and "bad2" ranks 3 and 4 in turn,
    # so the mean ranks are 1.5, 1.5, 3.5, 3.5: gaps of 0 and 2 around CD = 1.25
    flip = np.arange(14) % 2 == 0
    scores = pd.DataFrame({"good": np.where(flip, 4.0, 3.0), "good2": np.where(flip, 3.0, 4.0),
                           "bad": np.where(flip, 2.0, 1.0), "bad2": np.where(flip, 1.0, 2.0)})
    res = friedman_nemenyi(scores)
    assert res.k == 4 and res.n_datasets == 14 and res.rejected
    assert np.isnan(res.p_permutation) and res.decision_p == res.f_p_value  # 14 datasets: Iman–Davenport decides
    assert res.cd == pytest.approx(critical_difference(4, 14))
    assert res.mean_ranks.tolist() == [1.5, 1.5, 3.5, 3.5]
    called = {frozenset((a, b)) for a, b, s in res.pairs[["a", "b", "significant"]].itertuples(index=False) if s}
    assert frozenset(("good", "bad")) in called and frozenset(("good", "good2")) not in called
    assert sorted(map(sorted, res.groups())) == [["bad", "bad2"], ["good", "good2"]]
    # the Nemenyi p-value crosses alpha exactly where the rank gap crosses the CD
    assert ((res.pairs["p_value"] <= 0.05) == (res.pairs["rank_diff"] > res.cd)).all()


def test_cd_groups_by_hand():
    ranks = pd.Series([1.0, 1.5, 2.9, 3.0], index=list("ABCD"))
    res = RankTest(10.0, 0.001, 10.0, 0.001, ranks, 1.25, 2.569, 0.05, 14, 4, pd.DataFrame())
    assert res.groups() == [["A", "B"], ["C", "D"]]
    res.cd = 1.5  # A..B, B..D (1.4), C..D: B..D contains C..D, so two bars
    assert res.groups() == [["A", "B"], ["B", "C", "D"]]


def test_perfect_agreement_on_two_datasets_is_not_significant():
    # both datasets rank A > B > C: chi2 = N(k-1) = 4 and Iman–Davenport's F is infinite (p = 0), yet
    # one ranking in 6 repeats by chance; the permutation p-value (exactly 1/6) decides
    scores = pd.DataFrame({"A": [3.0, 3.0], "B": [2.0, 2.0], "C": [1.0, 1.0]})
    res = friedman_nemenyi(scores)
    assert res.statistic == pytest.approx(4.0) and math.isinf(res.f_statistic) and res.f_p_value == 0
    assert res.p_permutation == pytest.approx(1 / 6, abs=0.01)
    assert not res.rejected and res.groups() == [["A", "B", "C"]]
    three = friedman_nemenyi(pd.DataFrame({"A": [3.0] * 4, "B": [2.0] * 4, "C": [1.0] * 4}))
    assert three.p_permutation == pytest.approx(1 / 6 ** 3, abs=0.002) and three.rejected  # 1/216


def test_design_too_small_or_incomplete():
    one = pd.DataFrame({"A": [1.0], "B": [2.0], "C": [3.0]}, index=["d"])
    assert friedman_nemenyi(one) is None
    assert "at least 2 datasets" in rank_design(one)[2]
    two_gens = pd.DataFrame({"A": [1.0, 2.0], "B": [2.0, 1.0]})
    assert friedman_nemenyi(two_gens) is None
    gaps = pd.DataFrame({"A": [1.0, 2.0, 3.0], "B": [2.0, 1.0, 1.0], "C": [0.0, 0.5, 0.1], "D": [np.nan, 1, 1]})
    res = friedman_nemenyi(gaps)
    assert res.k == 3 and res.dropped == ["D"] and "not scored on every dataset: D" in res.note
    ties = pd.DataFrame({"A": [1.0, 1.0], "B": [1.0, 1.0], "C": [1.0, 1.0]})  # every generator tied everywhere
    res = friedman_nemenyi(ties)
    assert res.statistic == 0 and res.p_value == 1 and res.mean_ranks.tolist() == [2, 2, 2]
