"""Column-pair fidelity metrics, following SDMetrics' column-pair definitions.

* ``pairwise.correlation_pearson`` / ``pairwise.correlation_spearman`` -- CorrelationSimilarity for
  every pair of numerical/datetime columns: ``1 - |r_real - r_syn| / 2`` on the rows where both
  values are present (datetimes as nanoseconds).
* ``pairwise.contingency`` -- ContingencySimilarity for every other pair (categorical/boolean with
  anything): ``1 - TVD`` of the joint relative frequencies, a missing value being a category of its
  own; a numerical/datetime partner is cut into 10 equal-width bins whose edges come from the real
  column (outer bins open), missing values in a bin of their own.
* ``pairwise.category_combinations`` -- one score for all categorical columns jointly:
  ``1 - TVD`` over the combinations of their values; :func:`category_combinations` returns the raw
  table (one row per combination with its real and synthetic relative counts).

Pair scores carry the real and synthetic statistics in ``details`` plus ``meets_threshold``, the
filter SDMetrics' QualityReport applies before averaging (see :mod:`benchkit.evaluation`); for
contingency pairs it compares a bias-corrected Cramer's V by default (:func:`cramers_v`).
Contingency tables are counted a group of columns at a time (one combined integer key per row and
one ``bincount`` per group, see :func:`count_groups`); a pair whose table is too large for a group
is counted alone, hashed when even its own table would be large, so high-cardinality columns never
allocate a dense table.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..hookspecs import hookimpl
from ..schema import Schema
from . import MetricContext, Score
from ._engine.ctx import memo
from ._engine.encoding import categorical_codes, centred_ranks, column_ranks, discrete_codes, numeric, ranks, thread_map

CONTINUOUS = ("numerical", "datetime")
DISCRETE = ("categorical", "boolean")
DEFAULT_CORRELATION_THRESHOLD = 0.5  # SDMetrics 0.32 QualityReport.real_correlation_threshold
DEFAULT_ASSOCIATION_THRESHOLD = 0.3  # SDMetrics 0.32 QualityReport.real_association_threshold
DEFAULT_ASSOCIATION_CORRECTION = "bergsma"
"""Bias-corrected Cramer's V decides "real association" ("none": SDMetrics' plain V, see :func:`cramers_v`)."""
DEFAULT_MAX_COMBINATION_CATEGORIES = 1000
_DENSE_CELLS = 1 << 16
"""Cells a dense count table may always have; beyond it, at most 2 cells per row counted."""


def column_pairs(schema: Schema) -> list[tuple[str, str, str]]:
    """Every pair of scored columns in schema order with the metric kind that scores it.

    Returns ``(a, b, "correlation" | "contingency")``: correlation for two numerical/datetime
    columns, contingency otherwise (QualityReport's Column Pair Trends rule).
    """
    cols = schema.scored_columns
    out = []
    for a, b in itertools.combinations(cols, 2):
        both = schema[a].kind in CONTINUOUS and schema[b].kind in CONTINUOUS
        out.append((a, b, "correlation" if both else "contingency"))
    return out


# ------------------------------------------------------------------------------ correlation
def pearson(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r on the rows where both values are present; NaN when fewer than 2 or constant."""
    m = ~(np.isnan(x) | np.isnan(y))
    if not m.all():
        x, y = x[m], y[m]
    return _pearson_complete(x, y)


def _dot(a: np.ndarray, b: np.ndarray) -> float:
    """Dot product of two 1-D arrays without BLAS: its thread hand-offs cost milliseconds per call
    on a busy machine, more than the arithmetic."""
    return float(np.einsum("i,i->", a, b))


_BLOCK = 1 << 15
"""Rows per block in blocked sums: two float64 blocks (512 KB) stay in the core's cache."""


def _centred_blocks(x: np.ndarray, mx: float, y: np.ndarray, my: float):
    """Yield ``(x - mx, y - my)`` block by block, in float64 (also for float32 ranks).

    Centring a whole 1M-row column would write a fresh 8 MB array per call, whose page faults cost
    more than the arithmetic; two block-sized buffers serve every block instead.
    """
    n = len(x)
    if n <= _BLOCK:
        yield np.subtract(x, mx, dtype=np.float64), np.subtract(y, my, dtype=np.float64)
        return
    bx, by = np.empty(_BLOCK), np.empty(_BLOCK)
    for start in range(0, n, _BLOCK):
        stop = min(start + _BLOCK, n)
        xc, yc = bx[: stop - start], by[: stop - start]
        np.subtract(x[start:stop], mx, out=xc, dtype=np.float64)
        np.subtract(y[start:stop], my, out=yc, dtype=np.float64)
        yield xc, yc


def _centred_sums(x: np.ndarray, mx: float, y: np.ndarray, my: float) -> tuple[float, float, float]:
    """(sum (x-mx)^2, sum (y-my)^2, sum (x-mx)(y-my)), block by block (see :func:`_centred_blocks`)."""
    sxx = syy = sxy = 0.0
    for xc, yc in _centred_blocks(x, mx, y, my):
        sxx += _dot(xc, xc)
        syy += _dot(yc, yc)
        sxy += _dot(xc, yc)
    return sxx, syy, sxy


def _centred_dot(x: np.ndarray, mx: float, y: np.ndarray, my: float) -> float:
    """sum((x - mx) * (y - my)), block by block (see :func:`_centred_blocks`)."""
    return sum(_dot(xc, yc) for xc, yc in _centred_blocks(x, mx, y, my))


@dataclass(frozen=True)
class _Moments:
    """A complete column (values or centred ranks), its mean and its centred sum of squares:
    ``c - mean`` is the centred column, never stored."""

    c: np.ndarray
    norm2: float
    mean: float = 0.0


def _centre(v: np.ndarray) -> _Moments:
    mean = float(v.mean())
    return _Moments(v, _centred_dot(v, mean, v, mean), mean)


def _pearson_moments(ctx: MetricContext, column: str, frame: str) -> _Moments:
    """Mean and centred sum of squares of a complete column, kept for every pair it is in."""
    return memo(ctx, __name__, ("moments", column, frame), lambda: _centre(numeric(ctx, column, frame).values))


def _centred(c: np.ndarray) -> _Moments:
    return _Moments(c, _centred_dot(c, 0.0, c, 0.0))


def _pearson_from_moments(a: _Moments, b: _Moments) -> float:
    """Pearson's r of two complete columns: one dot product of the centred columns (centred block
    by block; centring first keeps the sums numerically stable)."""
    if len(a.c) < 2 or a.norm2 <= 0.0 or b.norm2 <= 0.0:
        return math.nan
    return float(np.clip(_centred_dot(a.c, a.mean, b.c, b.mean) / math.sqrt(a.norm2 * b.norm2), -1.0, 1.0))


def _frame_correlation(ctx: MetricContext, a: str, b: str, frame: str, method: str) -> float:
    na, nb = numeric(ctx, a, frame), numeric(ctx, b, frame)
    complete = not na.has_missing and not nb.has_missing
    if method == "pearson":
        if complete:
            return _pearson_from_moments(_pearson_moments(ctx, a, frame), _pearson_moments(ctx, b, frame))
        both = na.valid & nb.valid  # Pearson's r on the rows where both are present
        return _pearson_complete(na.values[both], nb.values[both])
    # spearman: Pearson's r of average ranks, ranked within the rows where both are present
    if complete:
        return _pearson_from_moments(
            memo(ctx, __name__, ("rank_moments", a, frame), lambda: _centred(centred_ranks(ctx, a, frame))),
            memo(ctx, __name__, ("rank_moments", b, frame), lambda: _centred(centred_ranks(ctx, b, frame))),
        )
    both = na.valid & nb.valid
    excluded = len(both) - int(both.sum())
    # a column whose own missing rows are exactly the excluded ones keeps its full-column ranks
    ra = ranks(ctx, a, frame) if na.n_missing == excluded else _subset_ranks(ctx, a, frame, both)
    rb = ranks(ctx, b, frame) if nb.n_missing == excluded else _subset_ranks(ctx, b, frame, both)
    return _pearson_complete(ra[both], rb[both])


def _pearson_complete(x: np.ndarray, y: np.ndarray) -> float:
    """Pearson's r of two complete arrays (centred first, for stable sums); NaN when < 2 or constant."""
    if len(x) < 2:
        return math.nan
    sxx, syy, sxy = _centred_sums(x, float(x.mean(dtype=np.float64)), y, float(y.mean(dtype=np.float64)))
    if sxx <= 0.0 or syy <= 0.0:
        return math.nan
    return float(np.clip(sxy / math.sqrt(sxx * syy), -1.0, 1.0))


def _subset_ranks(ctx: MetricContext, column: str, frame: str, rows: np.ndarray) -> np.ndarray:
    """Average ranks among the rows in mask ``rows`` only, reusing the column's sort order (O(n))."""
    return column_ranks(ctx, column, frame, rows)


def _correlation_scores(ctx: MetricContext, method: str) -> list[Score]:
    name = f"pairwise.correlation_{method}"
    threshold = float(ctx.options.get("correlation_threshold", DEFAULT_CORRELATION_THRESHOLD))
    pairs = [(a, b) for a, b, kind in column_pairs(ctx.schema) if kind == "correlation"]
    return thread_map(lambda p: _correlation_score(ctx, p[0], p[1], method, name, threshold), pairs)


def _correlation_score(ctx: MetricContext, a: str, b: str, method: str, name: str, threshold: float) -> Score:
    """One CorrelationSimilarity score of the pair (a, b) (see :func:`correlation_pearson`).

    NaN when the real correlation is undefined (nothing to match); 0 when only the synthetic one is
    (an empty or constant synthetic column keeps none of a real correlation)."""
    r_real, why_real = _defined_correlation(ctx, a, b, "real", method)
    r_syn, why_syn = _defined_correlation(ctx, a, b, "synthetic", method) if why_real is None else (math.nan, None)
    details: dict[str, Any] = {}
    if why_real is not None:
        value, details["reason"] = math.nan, why_real
    elif why_syn is not None:
        value, details["reason"] = 0.0, f"{why_syn} while the real one is defined: it scores 0"
    else:
        value = 1.0 - abs(r_real - r_syn) / 2.0
    details.update(real=r_real, synthetic=r_syn, meets_threshold=bool(abs(r_real) > threshold))
    return Score(name, value, column=a, column_2=b, details=details)


def _defined_correlation(ctx: MetricContext, a: str, b: str, frame: str, method: str) -> tuple[float, str | None]:
    """The frame's correlation of (a, b), or NaN and why it is undefined there."""
    empty = [repr(c) for c in (a, b) if numeric(ctx, c, frame).n_valid == 0]
    constant = [repr(c) for c in (a, b) if numeric(ctx, c, frame).is_constant]
    if empty:
        return math.nan, f"the {frame} correlation is undefined: no values in {', '.join(empty)}"
    if constant:
        return math.nan, f"the {frame} correlation is undefined: {', '.join(constant)} is constant"
    r = _frame_correlation(ctx, a, b, frame, method)
    if math.isnan(r):
        return r, f"the {frame} correlation is undefined on the rows where both columns have values"
    return r, None


def correlation_pearson(ctx: MetricContext) -> list[Score]:
    """CorrelationSimilarity with Pearson's r for every numerical/datetime pair."""
    return _correlation_scores(ctx, "pearson")


def correlation_spearman(ctx: MetricContext) -> list[Score]:
    """CorrelationSimilarity with Spearman's rho (average ranks for ties) for every numerical/datetime pair."""
    return _correlation_scores(ctx, "spearman")


# ------------------------------------------------------------------------------ contingency
def _dense_limit(rows: int) -> int:
    """Largest dense count table for ``rows`` counted values: its memory stays proportional to the data."""
    return max(_DENSE_CELLS, 2 * rows)


def joint_counts(
    a_real: np.ndarray, b_real: np.ndarray, a_syn: np.ndarray, b_syn: np.ndarray, n_b: int, n_cells: int
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Cells (``a * n_b + b`` keys) present in either frame, with their real and synthetic counts."""
    # the narrowest key type that holds every cell: int16 keys move a quarter of int64's bytes
    key_type = next(t for t in (np.int16, np.int32, np.int64) if n_cells <= np.iinfo(t).max)
    kr = a_real.astype(key_type, copy=False) * key_type(n_b) + b_real
    ks = a_syn.astype(key_type, copy=False) * key_type(n_b) + b_syn
    if n_cells <= _dense_limit(len(kr) + len(ks)):
        cr = np.bincount(kr, minlength=n_cells)
        cs = np.bincount(ks, minlength=n_cells)
        keys = np.flatnonzero((cr > 0) | (cs > 0))
        return keys, cr[keys], cs[keys]
    codes, uniques = pd.factorize(np.concatenate([kr, ks]))
    k = len(uniques)
    return np.asarray(uniques), np.bincount(codes[: len(kr)], minlength=k), np.bincount(codes[len(kr):], minlength=k)


def tv_complement_of_counts(cr: np.ndarray, cs: np.ndarray) -> float:
    """1 - 0.5 * sum |cr/nr - cs/ns|; NaN when either frame has no rows."""
    nr, ns = cr.sum(), cs.sum()
    if nr == 0 or ns == 0:
        return math.nan
    return float(1.0 - 0.5 * np.abs(cr / nr - cs / ns).sum())


def cramers_v(keys: np.ndarray, counts: np.ndarray, n_b: int, correction: str = "bergsma") -> float:
    """Cramer's V of a sparse table (non-empty cells as ``a * n_b + b`` keys with their counts).

    phi2 = chi2 / n = sum_ij O_ij^2 / (R_i C_j) - 1 over the non-empty cells, with r, c the numbers of
    non-empty rows and columns. ``correction="none"``: V = sqrt(phi2 / (min(r, c) - 1)), as
    ``scipy.stats.contingency.association`` (no continuity correction) and SDMetrics. ``"bergsma"``
    (default): Bergsma (2013)'s bias-corrected V, sqrt(phi2~ / min(r~ - 1, c~ - 1)) with
    phi2~ = max(0, phi2 - (r - 1)(c - 1) / (n - 1)), r~ = r - (r - 1)^2 / (n - 1) and
    c~ = c - (c - 1)^2 / (n - 1): for independent columns phi2 is about (r - 1)(c - 1) / n, so the
    plain V of two many-level columns is large even when they are independent. NaN when
    min(r, c) < 2 (or the corrected denominator is not positive, e.g. a column unique on every row).
    """
    nz = counts > 0
    keys, o = keys[nz], counts[nz].astype(np.float64)
    if len(o) == 0:
        return math.nan
    rows, ri = np.unique(keys // n_b, return_inverse=True)
    cols, ci = np.unique(keys % n_b, return_inverse=True)
    r, c = len(rows), len(cols)
    if min(r, c) < 2:
        return math.nan
    r_tot = np.bincount(ri, weights=o)
    c_tot = np.bincount(ci, weights=o)
    phi2 = max(float((o * o / (r_tot[ri] * c_tot[ci])).sum()) - 1.0, 0.0)
    if correction == "none":
        return math.sqrt(phi2 / (min(r, c) - 1))
    if correction != "bergsma":
        raise ValueError(f"options['association_correction'] must be 'bergsma' or 'none', not {correction!r}")
    n = float(o.sum())
    if n < 2:
        return math.nan
    phi2 = max(phi2 - (r - 1) * (c - 1) / (n - 1), 0.0)
    denominator = min(r - (r - 1) ** 2 / (n - 1), c - (c - 1) ** 2 / (n - 1)) - 1
    return math.sqrt(phi2 / denominator) if denominator > 0 else math.nan


_GROUP_CELLS = 1 << 17
"""Most cells of a table counted for a group of columns at once (1 MB of counts per frame)."""


def count_groups(pairs: list[tuple[str, str]], n_codes: dict[str, int], limit: int) -> list[tuple[list[str], list[tuple[str, str]]]]:
    """Groups of columns whose joint table (at most ``limit`` cells) is counted in one pass over
    the rows, each with the pairs it scores; every pair falls in exactly one group.

    Greedy: a group starts from the first pair not yet scored and takes in, one at a time, the
    column that completes the most unscored pairs with its members (the one with fewer codes on a
    tie) while the table stays within ``limit``. A pair whose own table exceeds ``limit`` is a group
    of its own (counted by :func:`joint_counts`).
    """
    canonical = {frozenset(p): p for p in pairs}
    pending = set(pairs)
    columns = list(dict.fromkeys(c for p in pairs for c in p))
    out = []
    for a, b in pairs:
        if (a, b) not in pending:
            continue
        group, cells = [a, b], n_codes[a] * n_codes[b]
        while cells <= limit:
            best, best_key = None, (0, 0)
            for c in columns:
                if c in group or cells * n_codes[c] > limit:
                    continue
                gain = sum(canonical.get(frozenset((g, c))) in pending for g in group)
                if gain and (gain, -n_codes[c]) > best_key:
                    best, best_key = c, (gain, -n_codes[c])
            if best is None:
                break
            group.append(best)
            cells *= n_codes[best]
        scored = [q for q in (canonical.get(frozenset(x)) for x in itertools.combinations(group, 2)) if q in pending]
        pending.difference_update(scored)
        out.append((group, scored))
    return out


def _group_counts(codes: list[np.ndarray], sizes: list[int]) -> np.ndarray:
    """Dense joint counts of several code columns (one key per row, one ``bincount``), shaped ``sizes``."""
    key = codes[0].astype(np.intp)
    for c, n in zip(codes[1:], sizes[1:]):
        key *= n
        key += c
    return np.bincount(key, minlength=math.prod(sizes)).reshape(sizes)


def _pair_of_group(counts: np.ndarray, i: int, j: int) -> np.ndarray:
    """The (column i, column j) table of a group's joint counts, flattened row-major."""
    others = tuple(k for k in range(counts.ndim) if k not in (i, j))
    table = counts.sum(axis=others) if others else counts
    return (table.T if i > j else table).ravel()


def contingency_tables(ctx: MetricContext, pairs: list[tuple[str, str]], mode: str) -> dict[tuple[str, str], tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """``joint_counts`` of every pair (its non-empty cells, real and synthetic counts), the pairs'
    columns counted a group at a time (see :func:`count_groups`)."""
    codes = {c: discrete_codes(ctx, c, mode) for p in pairs for c in p}
    rows = max(len(ctx.real), len(ctx.synthetic))
    limit = int(min(_GROUP_CELLS, max(1024, rows // 8)))  # a small table is counted pair by pair
    groups = count_groups(pairs, {c: k.n_codes for c, k in codes.items()}, limit)

    def count(task: tuple[int, str]) -> np.ndarray | None:
        group, _ = groups[task[0]]
        sizes = [codes[c].n_codes for c in group]
        if math.prod(sizes) > limit:  # a pair too large for any group: counted by joint_counts below
            return None
        return _group_counts([getattr(codes[c], task[1]) for c in group], sizes)

    tasks = [(g, side) for g in range(len(groups)) for side in ("real", "synthetic")]
    counted = dict(zip(tasks, thread_map(count, tasks)))
    out = {}
    for g, (group, scored) in enumerate(groups):
        real_counts, syn_counts = counted[(g, "real")], counted[(g, "synthetic")]
        for a, b in scored:
            ca, cb = codes[a], codes[b]
            if real_counts is None:
                out[(a, b)] = joint_counts(ca.real, cb.real, ca.synthetic, cb.synthetic, cb.n_codes, ca.n_codes * cb.n_codes)
                continue
            i, j = group.index(a), group.index(b)
            cr, cs = _pair_of_group(real_counts, i, j), _pair_of_group(syn_counts, i, j)
            keys = np.flatnonzero((cr > 0) | (cs > 0))
            out[(a, b)] = keys, cr[keys], cs[keys]
    return out


def contingency(ctx: MetricContext) -> list[Score]:
    """ContingencySimilarity for categorical pairs and mixed pairs (numerical side binned on real edges)."""
    mode = str(ctx.options.get("pair_binning", "real"))
    threshold = float(ctx.options.get("association_threshold", DEFAULT_ASSOCIATION_THRESHOLD))
    correction = str(ctx.options.get("association_correction", DEFAULT_ASSOCIATION_CORRECTION))
    pairs = [(a, b) for a, b, kind in column_pairs(ctx.schema) if kind == "contingency"]
    tables = contingency_tables(ctx, pairs, mode)
    return [_contingency_score(ctx, a, b, mode, threshold, tables[(a, b)], correction) for a, b in pairs]


def _contingency_score(ctx: MetricContext, a: str, b: str, mode: str, threshold: float, table, correction: str) -> Score:
    """One ContingencySimilarity score of the pair (a, b) from its table (see :func:`contingency`)."""
    keys, cr, cs = table
    value = tv_complement_of_counts(cr, cs)
    v = cramers_v(keys, cr, discrete_codes(ctx, b, mode).n_codes, correction)
    details = {
        "real_association": v,
        "association_correction": correction,
        # threshold 0 counts every pair (as documented), also one whose corrected V is 0
        "meets_threshold": bool(v > threshold or threshold <= 0) if not math.isnan(v) else False,
        "n_cells_real": int((cr > 0).sum()),
        "n_cells_synthetic": int((cs > 0).sum()),
        "binning": mode if (ctx.schema[a].kind in CONTINUOUS or ctx.schema[b].kind in CONTINUOUS) else None,
    }
    return Score("pairwise.contingency", value, column=a, column_2=b, details=details)


# ------------------------------------------------------------------------- combinations
def _combination_columns(ctx: MetricContext, columns: list[str] | None) -> tuple[list[str], list[str]]:
    limit = int(ctx.options.get("max_combination_categories", DEFAULT_MAX_COMBINATION_CATEGORIES))
    candidates = columns if columns is not None else [c for c in ctx.schema.scored_columns if ctx.schema[c].kind in DISCRETE]
    used, excluded = [], []
    for c in candidates:
        (used if categorical_codes(ctx, c).n_codes <= limit else excluded).append(c)
    return used, excluded


_RENUMBER_CELLS = 1 << 23
"""Largest key space renumbered densely (a bool mask and an int32 cumulative sum: 40 MB); small
tables renumber at most 8 cells per row."""


def _combination_ids(ctx: MetricContext, columns: list[str]) -> tuple[np.ndarray, int]:
    """One id per row of real+synthetic (concatenated) naming its combination of the columns' codes.

    Codes are combined column by column into one integer key. Whenever the next product of
    cardinalities would exceed ``_RENUMBER_CELLS``, the key is first renumbered to the combinations
    actually present (a presence mask over the key space and a cumulative sum: O(rows), no hashing);
    only when that is still too large does it fall back to hashing (``pd.factorize``). The result
    has at most :func:`_dense_limit` possible ids, so the counts that follow stay dense.
    """
    nr, ns = len(ctx.real), len(ctx.synthetic)
    limit = max(_dense_limit(nr + ns), min(_RENUMBER_CELLS, 8 * (nr + ns)))
    key = np.zeros(nr + ns, dtype=np.int64)  # built in place: no full-length temporaries
    card = 1
    for c in columns:
        codes = categorical_codes(ctx, c)
        if card * codes.n_codes > limit:
            card = _renumber(key, card)
        key *= codes.n_codes
        key[:nr] += codes.real
        key[nr:] += codes.synthetic
        card *= codes.n_codes
        if card > limit:  # too many possible combinations even after renumbering: hash them
            ids, uniques = pd.factorize(key)
            key[:], card = ids, len(uniques)
    if card > _dense_limit(nr + ns):
        card = _renumber(key, card)
    return key, card


def _renumber(key: np.ndarray, card: int) -> int:
    """Renumber keys in ``[0, card)`` to ``[0, k)`` over the k values present (order kept), in
    place; returns k."""
    present = np.zeros(card, dtype=bool)
    present[key] = True
    new_id = np.cumsum(present, dtype=np.int32 if card < 2**31 else np.int64)
    new_id -= 1
    key[:] = new_id[key]
    return int(new_id[-1]) + 1


def _combination_counts(ctx: MetricContext, columns: list[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    ids, card = _combination_ids(ctx, columns)
    nr = len(ctx.real)
    cr = np.bincount(ids[:nr], minlength=card)
    cs = np.bincount(ids[nr:], minlength=card)
    present = np.flatnonzero((cr > 0) | (cs > 0))
    return ids, present, cr[present], cs[present]


def category_combinations_score(ctx: MetricContext) -> list[Score]:
    """1 - TVD between the real and synthetic frequencies of the joint categorical combinations."""
    used, excluded = _combination_columns(ctx, None)
    if len(used) < 2:
        return []
    _, _, cr, cs = _combination_counts(ctx, used)
    value = tv_complement_of_counts(cr, cs)
    in_real, in_syn = cr > 0, cs > 0
    details = {
        "columns": used,
        "excluded_columns": excluded,
        "n_combinations_real": int(in_real.sum()),
        "n_combinations_synthetic": int(in_syn.sum()),
        "n_combinations_shared": int((in_real & in_syn).sum()),
        "synthetic_share_unseen": float(cs[~in_real].sum() / cs.sum()) if cs.sum() else math.nan,
        "real_share_covered": float(cr[in_syn].sum() / cr.sum()) if cr.sum() else math.nan,
    }
    return [Score("pairwise.category_combinations", value, details=details)]


def category_combination_table(ctx: MetricContext, columns: list[str] | None = None) -> pd.DataFrame:
    """The raw combination table of a metric context (see :func:`category_combinations`)."""
    used, _ = _combination_columns(ctx, columns)
    if not used:
        raise ValueError("no categorical column to combine")
    ids, present, cr, cs = _combination_counts(ctx, used)
    # one row (any) holding each present combination, to read its labels back
    where = np.empty(int(ids.max()) + 1 if len(ids) else 0, dtype=np.int64)
    where[ids] = np.arange(len(ids))
    rows = where[present]
    table: dict[str, Any] = {}
    for c in used:
        codes = categorical_codes(ctx, c)
        all_codes = np.concatenate([codes.real, codes.synthetic])[rows]
        labels = np.append(codes.labels, np.nan).astype(object)
        table[c] = labels[np.minimum(all_codes, len(codes.labels))]
    nr, ns = max(len(ctx.real), 1), max(len(ctx.synthetic), 1)
    table.update(real_count=cr, synthetic_count=cs, real=cr / nr, synthetic=cs / ns)
    df = pd.DataFrame(table)
    return df.sort_values(["real", "synthetic"], ascending=False, kind="stable").reset_index(drop=True)


def category_combinations(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema | None = None,
    columns: list[str] | None = None,
    max_categories: int = DEFAULT_MAX_COMBINATION_CATEGORIES,
) -> pd.DataFrame:
    """Relative count of every combination of categorical values in real vs synthetic.

    One row per combination seen in either frame: the columns' values (NaN for missing), then
    ``real_count``, ``synthetic_count``, ``real`` and ``synthetic`` (relative counts, summing to 1 per
    frame). Columns default to every categorical/boolean column with at most ``max_categories``
    distinct values. This is the data behind a log-log scatter of real vs synthetic frequency.
    """
    from ..data import align_frames

    schema = schema if schema is not None else Schema.infer(real)
    real_c, syn_c, _ = align_frames(real, synthetic, schema)
    ctx = MetricContext(real_c, syn_c, schema, options={"max_combination_categories": max_categories})
    return category_combination_table(ctx, columns)


METRICS = {
    "pairwise.correlation_pearson": (correlation_pearson, "1 - |r_real - r_syn|/2 with Pearson's r per numerical/datetime pair (SDMetrics CorrelationSimilarity)"),
    "pairwise.correlation_spearman": (correlation_spearman, "1 - |rho_real - rho_syn|/2 with Spearman's rho per numerical/datetime pair (SDMetrics CorrelationSimilarity)"),
    "pairwise.contingency": (contingency, "1 - TVD of the joint frequencies per categorical or mixed pair, numericals binned on real edges (SDMetrics ContingencySimilarity)"),
    "pairwise.category_combinations": (category_combinations_score, "1 - TVD over the joint combinations of all categorical columns"),
}


@hookimpl
def benchkit_register_metrics(register) -> None:
    """Register the pairwise metrics."""
    for name, (fn, description) in METRICS.items():
        # Spearman reads the shared ranks, which evaluate then builds with the other encodings
        register(name, fn, family="pairwise", higher_is_better=True, description=description, parallel=True,
                 **({"shared_ranks": True} if name == "pairwise.correlation_spearman" else {}))
