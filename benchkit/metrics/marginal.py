"""Per-column (marginal) fidelity metrics, following SDMetrics' single-column definitions.

=================================  ==========================  ============================================
metric                             columns                     value
=================================  ==========================  ============================================
``marginal.ks_complement``         numerical, datetime         1 - two-sample Kolmogorov-Smirnov D
``marginal.tv_complement``         categorical, boolean        1 - total variation distance of frequencies
``marginal.missing_similarity``    every scored column         1 - |missing rate real - missing rate syn|
``marginal.range_coverage``        numerical, datetime         share of the real [min, max] covered
``marginal.category_coverage``     categorical, boolean        share of real categories present in syn
=================================  ==========================  ============================================

Missing values are left out of the KS, TV, range and category metrics (SDMetrics drops them too) and
measured by ``missing_similarity``. A value that cannot be computed (a real column with no values)
is NaN with ``details["reason"]``; aggregates skip NaN. A synthetic column with no values where the
real one has some scores 0 on KS/TV (SDMetrics gives NaN, which the aggregates would skip: an empty
column would raise Column Shapes instead of lowering it). See ``docs/metrics.md`` for the formulas.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..hookspecs import hookimpl
from . import MetricContext, Score
from ._engine.ctx import memo
from ._engine.encoding import categorical_codes, numeric, thread_map

CONTINUOUS = ("numerical", "datetime")
DISCRETE = ("categorical", "boolean")


def _columns(ctx: MetricContext, kinds: tuple[str, ...]) -> list[str]:
    return [c for c in ctx.schema.scored_columns if ctx.schema[c].kind in kinds]


# -------------------------------------------------------------------------------- statistics
_KS_BLOCK = 1 << 16
"""Synthetic values per block in :func:`ks_statistic`: its temporaries stay a few MB at any size."""


def ks_statistic(real_sorted: np.ndarray, synthetic_sorted: np.ndarray) -> float:
    """Two-sample KS statistic D = max_x |F_real(x) - F_syn(x)| of two sorted samples (exact, ties ok).

    g = F_real - F_syn is a right-continuous step function that falls only at synthetic values, so
    its minimum is reached at a synthetic value s_j (0-based position j): #(real <= s_j)/n1 -
    (j+1)/n2, lowest at the last copy of a tied value. Its maximum is reached just below a synthetic
    value (or is 0): #(real < s_j)/n1 - j/n2, highest at the first copy. Both counts come from
    ``searchsorted`` of the sorted synthetic values in the sorted real ones, a block at a time; the
    second count differs from the first only where a synthetic value also occurs among the real
    ones, and is searched for those values alone. The comparison is exact, in integers (units of
    1 / (n1 n2)).
    """
    n1, n2 = len(real_sorted), len(synthetic_sorted)
    if n1 == 0 or n2 == 0:
        return math.nan
    top = bottom = 0
    for start in range(0, n2, _KS_BLOCK):
        s = synthetic_sorted[start:start + _KS_BLOCK]
        below_or_at = np.searchsorted(real_sorted, s, side="right")  # real values <= s_j
        position = np.arange(start, start + len(s), dtype=np.int64)
        bottom = min(bottom, int((below_or_at * n2 - (position + 1) * n1).min()))
        shared = below_or_at > 0
        shared[shared] = real_sorted[below_or_at[shared] - 1] == s[shared]  # s_j is also a real value
        below = below_or_at
        if shared.any():
            below = below_or_at.copy()
            below[shared] = np.searchsorted(real_sorted, s[shared], side="left")  # real values < s_j
        top = max(top, int((below * n2 - position * n1).max()))
    return max(top, -bottom) / (n1 * n2)


def _ks_of_column(ctx: MetricContext, column: str) -> float:
    """KS D of one column; columns counted by value in both frames use their few ECDF steps only."""
    real, syn = numeric(ctx, column, "real"), numeric(ctx, column, "synthetic")
    if real.uniques is None or syn.uniques is None or real.n_valid == 0 or syn.n_valid == 0:
        return ks_statistic(real.sorted, syn.sorted)
    (u1, f1), (u2, f2) = _counted_steps(real), _counted_steps(syn)
    return float(max(np.abs(f1 - _cdf_at(u2, f2, u1)).max(), np.abs(_cdf_at(u1, f1, u2) - f2).max()))


def _counted_steps(num) -> tuple[np.ndarray, np.ndarray]:
    """Distinct values and ECDF of a column counted by value (its sorted sample is their repeat)."""
    return num.uniques, np.cumsum(num.counts) / num.n_valid


def _cdf_at(steps: np.ndarray, cdf: np.ndarray, x: np.ndarray) -> np.ndarray:
    """A right-continuous step ECDF (``cdf[i]`` from ``steps[i]`` on) evaluated at ``x``."""
    i = np.searchsorted(steps, x, side="right")
    return np.where(i > 0, cdf[np.maximum(i - 1, 0)], 0.0)


def category_counts(ctx: MetricContext, column: str) -> tuple[np.ndarray, np.ndarray]:
    """Counts of every non-missing label of a categorical column in real and synthetic (joint codes)."""

    def build() -> tuple[np.ndarray, np.ndarray]:
        codes = categorical_codes(ctx, column)
        n_labels = len(codes.labels)
        return (
            np.bincount(codes.real, minlength=codes.n_codes)[:n_labels],
            np.bincount(codes.synthetic, minlength=codes.n_codes)[:n_labels],
        )

    return memo(ctx, __name__, ("counts", column), build)


def tv_complement_from_counts(real_counts: np.ndarray, synthetic_counts: np.ndarray) -> float:
    """1 - TVD = 1 - 0.5 * sum_k |p_real(k) - p_syn(k)| over the union of labels; NaN if a side is empty."""
    nr, ns = real_counts.sum(), synthetic_counts.sum()
    if nr == 0 or ns == 0:
        return math.nan
    return float(1.0 - 0.5 * np.abs(real_counts / nr - synthetic_counts / ns).sum())


# ---------------------------------------------------------------------------------- metrics
def _shape_score(statistic: float, n_real: int, n_synthetic: int) -> tuple[float, str | None]:
    """A shape complement ``1 - statistic`` and the reason it is not plain: NaN when the real column
    has no values (nothing to match), 0 when only the synthetic one is empty (it matches nothing)."""
    if n_real == 0:
        side = "real and synthetic columns have" if n_synthetic == 0 else "real column has"
        return math.nan, f"the {side} no non-missing values"
    if n_synthetic == 0:
        return 0.0, "the synthetic column has no non-missing values where the real one has some: it scores 0"
    return 1.0 - statistic, None


def ks_complement(ctx: MetricContext) -> list[Score]:
    """KSComplement (SDMetrics): 1 - D of the two-sample KS test on the non-missing values."""
    out = []
    cols = _columns(ctx, CONTINUOUS)
    stats = thread_map(lambda c: _ks_of_column(ctx, c), cols)
    for col, d in zip(cols, stats):
        value, reason = _shape_score(d, numeric(ctx, col, "real").n_valid, numeric(ctx, col, "synthetic").n_valid)
        details = {"statistic": d} if reason is None else {"statistic": d, "reason": reason}
        out.append(Score("marginal.ks_complement", value, column=col, details=details))
    return out


def _per_category_column(ctx: MetricContext, metric: str, score: Callable[[np.ndarray, np.ndarray], tuple[float, dict]]) -> list[Score]:
    """One row per categorical/boolean column: ``score(real_counts, synthetic_counts) -> (value, details)``."""
    out = []
    for col in _columns(ctx, DISCRETE):
        value, details = score(*category_counts(ctx, col))
        out.append(Score(metric, value, column=col, details=details))
    return out


def tv_complement(ctx: MetricContext) -> list[Score]:
    """TVComplement (SDMetrics): 1 - total variation distance between the label frequencies."""
    def score(cr: np.ndarray, cs: np.ndarray) -> tuple[float, dict]:
        value, reason = _shape_score(1.0 - tv_complement_from_counts(cr, cs), int(cr.sum()), int(cs.sum()))
        details = {"n_categories_real": int((cr > 0).sum()), "n_categories_synthetic": int((cs > 0).sum())}
        return value, details if reason is None else {**details, "reason": reason}

    return _per_category_column(ctx, "marginal.tv_complement", score)


def missing_similarity(ctx: MetricContext) -> list[Score]:
    """MissingValueSimilarity (SDMetrics): 1 - |share missing in real - share missing in synthetic|."""
    out = []
    nr, ns = len(ctx.real), len(ctx.synthetic)
    for col in ctx.schema.scored_columns:
        kind = ctx.schema[col].kind
        if kind in CONTINUOUS:
            mr, ms = numeric(ctx, col, "real").n_missing, numeric(ctx, col, "synthetic").n_missing
        else:
            codes = categorical_codes(ctx, col)
            if codes.nan_code is None:
                mr = ms = 0
            else:
                mr = int((codes.real == codes.nan_code).sum())
                ms = int((codes.synthetic == codes.nan_code).sum())
        pr, ps = mr / nr, ms / ns
        out.append(Score("marginal.missing_similarity", 1.0 - abs(pr - ps), column=col, details={"real": pr, "synthetic": ps}))
    return out


def range_coverage(ctx: MetricContext) -> list[Score]:
    """RangeCoverage (SDMetrics): 1 - (uncovered share below + uncovered share above the real range), >= 0."""
    out = []
    for col in _columns(ctx, CONTINUOUS):
        real, syn = numeric(ctx, col, "real"), numeric(ctx, col, "synthetic")
        details: dict = {}
        if real.n_valid == 0:
            value, details["reason"] = math.nan, "the real column has no values"
        elif real.is_constant:
            value, details["reason"] = math.nan, "the real column is constant; its range has no width"
        elif syn.n_valid == 0:
            value, details["reason"] = 0.0, "the synthetic column has no values (SDMetrics gives NaN)"
        else:
            lo, hi = float(real.lowest), float(real.highest)
            slo, shi = float(syn.lowest), float(syn.highest)
            width = hi - lo
            below = max((slo - lo) / width, 0.0)
            above = max((hi - shi) / width, 0.0)
            value = max(1.0 - (below + above), 0.0)
            details = {"real_min": lo, "real_max": hi, "synthetic_min": slo, "synthetic_max": shi}
            if ctx.schema[col].kind == "datetime":
                details = {k: str(np.datetime64(int(v), "ns")) for k, v in details.items()}
        out.append(Score("marginal.range_coverage", value, column=col, details=details))
    return out


def category_coverage(ctx: MetricContext) -> list[Score]:
    """CategoryCoverage (SDMetrics): share of the real (non-missing) labels that synthetic produces."""
    def score(cr: np.ndarray, cs: np.ndarray) -> tuple[float, dict]:
        in_real = cr > 0
        n_real = int(in_real.sum())
        covered = int((in_real & (cs > 0)).sum())
        unseen = int(((~in_real) & (cs > 0)).sum())
        details = {"n_real": n_real, "n_covered": covered, "n_unseen_in_synthetic": unseen,
                   "synthetic_share_unseen": float(cs[~in_real].sum() / cs.sum()) if cs.sum() else math.nan}
        if n_real == 0:
            return math.nan, {**details, "reason": "the real column has no values"}
        return covered / n_real, details

    return _per_category_column(ctx, "marginal.category_coverage", score)


METRICS: dict[str, tuple[Callable[[MetricContext], list[Score]], str]] = {
    "marginal.ks_complement": (ks_complement, "1 - Kolmogorov-Smirnov D per numerical/datetime column (SDMetrics KSComplement)"),
    "marginal.tv_complement": (tv_complement, "1 - total variation distance per categorical/boolean column (SDMetrics TVComplement)"),
    "marginal.missing_similarity": (missing_similarity, "1 - difference of missing-value rates per column (SDMetrics MissingValueSimilarity)"),
    "marginal.range_coverage": (range_coverage, "share of the real value range the synthetic column covers (SDMetrics RangeCoverage)"),
    "marginal.category_coverage": (category_coverage, "share of real categories the synthetic column produces (SDMetrics CategoryCoverage)"),
}


@hookimpl
def benchkit_register_metrics(register) -> None:
    """Register the marginal metrics."""
    for name, (fn, description) in METRICS.items():
        register(name, fn, family="marginal", higher_is_better=True, description=description, parallel=True)
