"""Which gaps between generators are noise: ties with the best within a dataset, ranks across datasets.

Within one (dataset, metric) every generator is compared with the best one over its seeds
(:func:`tie_groups`): a one-sided Welch t-test of "worse than the best", Holm-corrected across the
comparisons of that (dataset, metric). Across datasets the generators' ranks on one headline metric
are compared with the Friedman test and the Nemenyi post-hoc test, whose critical difference (CD) is
what a CD diagram draws (:func:`friedman_nemenyi`; Demšar 2006, JMLR 7:1–30).

Why Welch and Holm: a benchmark has 1–5 seeds per generator. Rank tests cannot reject at that size
(Mann–Whitney's smallest one-sided p for 3 against 3 seeds is 1/20, before any correction), while a
seed-level value is already a mean over many rows, close to normal, so a t-test is the usable
choice. Welch's form does not assume equal variances: generators differ widely in how much they vary
across seeds (a copying baseline hardly varies at all). The test is one-sided because the question is
"is it worse than the best?", and unpaired because two generators' seed ``i`` share only the data
split and failed seeds leave pairs incomplete. Holm's step-down correction controls the family-wise
error over the k−1 comparisons without assuming they are independent (they share the best's sample),
and is never less powerful than Bonferroni. Picking the best by its sample mean before testing
favours it slightly; Hsu's multiple comparisons with the best is the exact procedure, this one is
simpler and reads the same in practice.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import stats

log = logging.getLogger(__name__)

TIE_TEST = "Welch t-test, Holm"
ZERO_VARIANCE_TEST = "zero variance, Holm"
NOT_TESTED = "not tested (one seed)"
RANK_TESTS = ("Friedman", "Iman–Davenport", "Nemenyi")

IDEAL = {"privacy.dcr_share": 0.5, "privacy.mia_distance_auc": 0.5, "privacy.mia_domias_auc": 0.5}
"""Metrics whose best value is neither end of their range (their authors say so): generators are compared
by their distance to it. The report marks and the recommendation both read it from here."""

TIE_COLUMNS = ["dataset", "metric", "generator", "mean", "n", "best", "tied", "p_value", "tested", "test"]


def _oriented(values: pd.DataFrame, ideal: dict[str, float]) -> pd.Series:
    """Each value turned into a score where higher is better: the value, its negation, or −|value − ideal|."""
    target = values["metric"].map(ideal).astype(float)
    higher = values["higher_is_better"].fillna(True).astype(bool)
    v = values["value"].astype(float)
    return pd.Series(np.where(target.notna(), -(v - target).abs(), np.where(higher, v, -v)), index=values.index)


def _holm(p: pd.Series, groups: list[pd.Series]) -> pd.Series:
    """Holm's step-down adjusted p-values within each group: max over j ≤ i of (m − j + 1)·p_(j), at most 1."""
    frame = pd.DataFrame({"p": p, **{f"g{i}": g for i, g in enumerate(groups)}})
    keys = [f"g{i}" for i in range(len(groups))]
    frame = frame.sort_values(keys + ["p"], kind="mergesort")
    by = frame.groupby(keys, sort=False)["p"]
    m = by.transform("size")
    position = by.cumcount() + 1
    frame["adj"] = ((m - position + 1) * frame["p"]).clip(upper=1.0)
    adj = frame.groupby(keys, sort=False)["adj"].cummax()
    return adj.reindex(p.index)


def tie_groups(values: pd.DataFrame, *, alpha: float = 0.05, ideal: dict[str, float] | None = None) -> pd.DataFrame:
    """Per (dataset, metric, generator): its mean, whether it is the best and whether it is tied with it.

    ``values`` holds one row per (dataset, generator, seed, metric) with ``value`` and
    ``higher_is_better`` (the reference generator already left out). The best generator of a
    (dataset, metric) has the best mean (largest, smallest, or closest to ``ideal[metric]``, where
    closeness ``|value − ideal|`` is tested seed by seed); generators with equal means share it. Every
    other generator is tested against it with a one-sided Welch t-test, Holm-corrected within the
    (dataset, metric); it is ``tied`` when not significantly worse at ``alpha``. With one seed on
    either side nothing is tested (``tested`` False, not tied). With zero variance on both sides the
    decision is exact: equal means are tied (p = 1), different means are not (p = 0).
    """
    ideal = dict(ideal or {})
    v = values.dropna(subset=["value"])
    if v.empty:
        return pd.DataFrame(columns=TIE_COLUMNS)
    v = v.assign(score=_oriented(v, ideal))
    dm = ["dataset", "metric"]
    st = (v.groupby(dm + ["generator"], sort=False)
          .agg(mean=("value", "mean"), n=("value", "size"), s_mean=("score", "mean"), s_var=("score", "var"))
          .reset_index())
    top = st.loc[st.groupby(dm, sort=False)["s_mean"].idxmax(), dm + ["s_mean", "s_var", "n"]]
    st = st.merge(top.rename(columns={"s_mean": "b_mean", "s_var": "b_var", "n": "b_n"}), on=dm, how="left")
    best = np.isclose(st["s_mean"], st["b_mean"], rtol=1e-12, atol=1e-12)
    tested = ~best & (st["n"] >= 2) & (st["b_n"] >= 2)

    a, b = st["s_var"] / st["n"], st["b_var"] / st["b_n"]
    se2 = a + b
    diff = st["b_mean"] - st["s_mean"]
    zero = tested & (se2 == 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t = diff / np.sqrt(se2)
        dof = se2 ** 2 / (a ** 2 / (st["n"] - 1) + b ** 2 / (st["b_n"] - 1))
        raw = pd.Series(stats.t.sf(t, dof), index=st.index)
    raw = raw.where(~zero, np.where(np.isclose(diff, 0.0, atol=1e-12), 1.0, 0.0))
    adj = pd.Series(np.nan, index=st.index)
    if tested.any():
        sub = st[tested]
        adj[tested] = _holm(raw[tested], [sub["dataset"], sub["metric"]])
    st["best"] = best
    st["tested"] = tested
    st["p_value"] = adj
    st["tied"] = best | (tested & ~(adj <= alpha))
    st["test"] = np.select([best, zero, tested], ["", ZERO_VARIANCE_TEST, TIE_TEST], NOT_TESTED)
    st["n"] = st["n"].astype(int)
    return st[TIE_COLUMNS]


@dataclass
class RankTest:
    """The Friedman test over datasets and the Nemenyi post-hoc test of one headline metric."""

    statistic: float  # Friedman chi-square (scipy, tie-corrected)
    p_value: float
    f_statistic: float  # Iman–Davenport F
    f_p_value: float
    mean_ranks: pd.Series  # generator -> average rank over datasets, 1 = best, ascending
    cd: float  # Nemenyi critical difference of average ranks
    q_alpha: float
    alpha: float
    n_datasets: int
    k: int
    pairs: pd.DataFrame  # a, b, rank_diff, p_value (Nemenyi), significant
    dropped: list[str] = field(default_factory=list)
    tests: tuple[str, ...] = RANK_TESTS
    note: str = ""
    p_permutation: float = float("nan")  # Friedman statistic against random rankings (small N only)

    @property
    def decision_p(self) -> float:
        """The omnibus p-value that decides: the permutation one for few datasets, else Iman–Davenport's."""
        return self.p_permutation if np.isfinite(self.p_permutation) else self.f_p_value

    @property
    def rejected(self) -> bool:
        """Whether the omnibus test rejects equal average ranks at ``alpha``."""
        return bool(self.decision_p <= self.alpha)

    def groups(self) -> list[list[str]]:
        """Maximal runs of generators (in rank order) not significantly different: a CD diagram's bars."""
        names = list(self.mean_ranks.index)
        r = self.mean_ranks.to_numpy(float)
        reach = r[-1] - r[0] if not self.rejected else self.cd
        last = np.searchsorted(r, r + reach + 1e-12, side="right") - 1
        keep = (last > np.arange(len(r))) & np.r_[True, last[1:] != last[:-1]]
        return [names[i:j + 1] for i, j in zip(np.flatnonzero(keep), last[keep])]


SMALL_N = 10
"""Below this many datasets the chi-square and F approximations are poor (Iman–Davenport's F is infinite
whenever every dataset ranks the generators alike): the decision uses a permutation p-value instead."""
PERMUTATIONS = 20_000


def friedman_permutation_p(statistic: float, n: int, k: int, *, draws: int = PERMUTATIONS, seed: int = 0) -> float:
    """P(Friedman chi-square ≥ ``statistic``) when every dataset ranks the k generators uniformly at random,
    estimated from ``draws`` seeded random rankings ((hits + 1) / (draws + 1), never 0)."""
    rng = np.random.default_rng(seed)
    mean_ranks = (rng.random((draws, n, k)).argsort(axis=2) + 1).mean(axis=1)
    null = 12.0 * n / (k * (k + 1)) * ((mean_ranks ** 2).sum(axis=1) - k * (k + 1) ** 2 / 4.0)
    return float((1 + np.count_nonzero(null >= statistic - 1e-9)) / (draws + 1))


def nemenyi_q(k: int, alpha: float = 0.05) -> float:
    """Nemenyi's critical value: the studentized range quantile (1 − alpha, k, ∞) over √2."""
    return float(stats.studentized_range.ppf(1 - alpha, k, np.inf) / np.sqrt(2))


def critical_difference(k: int, n_datasets: int, alpha: float = 0.05) -> float:
    """CD = q_alpha·√(k(k+1)/(6N)): average ranks further apart than this differ (Demšar 2006)."""
    return nemenyi_q(k, alpha) * float(np.sqrt(k * (k + 1) / (6.0 * n_datasets)))


def rank_design(scores: pd.DataFrame) -> tuple[pd.DataFrame, list[str], str | None]:
    """The complete datasets × generators block, the generators dropped for gaps, and why it is too small."""
    full = scores.dropna(how="all").dropna(axis=1, how="all")
    dropped = [str(c) for c in full.columns if full[c].isna().any()]
    full = full.drop(columns=dropped)
    n, k = full.shape
    if n < 2 or k < 3:
        return full, dropped, (f"a rank test across datasets needs at least 2 datasets and 3 generators "
                               f"scored on all of them; there are {n} and {k}")
    return full, dropped, None


def friedman_nemenyi(scores: pd.DataFrame, *, higher_is_better: bool = True, alpha: float = 0.05) -> RankTest | None:
    """Friedman and Nemenyi tests on a datasets × generators frame of one metric's means.

    Generators missing on some dataset are dropped (named in ``note`` and ``dropped``). Returns None
    when fewer than 2 datasets or 3 generators remain (:func:`rank_design` says why). Pairs are called
    different only when the omnibus test rejects (Demšar's order: no post-hoc without it); it decides by
    Iman–Davenport's F, or with fewer than 10 datasets by a permutation p-value of the Friedman statistic.
    """
    full, dropped, reason = rank_design(scores)
    if reason is not None:
        log.info("significance: %s", reason)
        return None
    n, k = full.shape
    ranks = full.rank(axis=1, ascending=not higher_is_better, method="average")
    mean_ranks = ranks.mean().sort_values(kind="mergesort")
    mean_ranks.index = mean_ranks.index.astype(str)
    if (ranks.nunique(axis=1) == 1).all():  # every dataset ties every generator: nothing to test
        stat, p = 0.0, 1.0
    else:
        stat, p = stats.friedmanchisquare(*(full[c].to_numpy(float) for c in full.columns))
    denom = n * (k - 1) - stat
    f_stat = (n - 1) * stat / denom if denom > 0 else np.inf
    f_p = float(stats.f.sf(f_stat, k - 1, (k - 1) * (n - 1))) if denom > 0 else 0.0
    q = nemenyi_q(k, alpha)
    se = np.sqrt(k * (k + 1) / (6.0 * n))
    cd = q * se
    i, j = np.triu_indices(k, 1)
    names = mean_ranks.index.to_numpy()
    gap = np.abs(mean_ranks.to_numpy()[j] - mean_ranks.to_numpy()[i])
    pairs = pd.DataFrame({"a": names[i], "b": names[j], "rank_diff": gap,
                          "p_value": stats.studentized_range.sf(gap * np.sqrt(2) / se, k, np.inf)})
    p_perm = friedman_permutation_p(float(stat), n, k) if n < SMALL_N else float("nan")
    result = RankTest(float(stat), float(p), float(f_stat), f_p, mean_ranks, float(cd), q, alpha, n, k, pairs,
                      dropped, p_permutation=p_perm)
    pairs["significant"] = (gap > cd) & result.rejected
    notes = []
    if dropped:
        notes.append(f"left out, not scored on every dataset: {', '.join(dropped)}")
    if n < SMALL_N:
        notes.append(f"with {n} datasets the chi-square and F approximations are poor, so the permutation p-value "
                     f"decides ({PERMUTATIONS:,} random rankings per dataset)")
    if not result.rejected:
        notes.append(f"the Friedman test does not reject equal ranks at alpha={alpha:g}, "
                     "so no pair is called different")
    result.note = "; ".join(notes)
    return result


__all__ = ["tie_groups", "friedman_nemenyi", "friedman_permutation_p", "rank_design", "critical_difference", "nemenyi_q", "RankTest",
           "TIE_TEST", "NOT_TESTED", "ZERO_VARIANCE_TEST"]
