"""Encodings that several metrics of one evaluation share, computed once and kept in ``ctx.cache``.

* categorical/boolean columns: integer codes, factorised jointly over real and synthetic so a code
  means the same label in both frames; a missing value gets its own code (the last one);
* numerical/datetime columns: float values (datetimes as nanoseconds), their validity mask, the
  argsort of the valid values (sorted values for KS, average ranks for Spearman);
* numerical/datetime columns discretised into bins (for contingency tables of mixed pairs).

Every function takes the :class:`~benchkit.metrics.MetricContext` and memoises in ``ctx.cache``
through :func:`benchkit.metrics._engine.ctx.memo` (keys owned by this module; its thread-safety rule).
"""

from __future__ import annotations

import threading
from contextlib import contextmanager
from dataclasses import dataclass, replace
from functools import cached_property

import numpy as np
import pandas as pd

from ...schema import label_keys
from .. import MetricContext
from .ctx import memo, peek, put

N_BINS = 10
"""Bins per numerical column in contingency tables (SDMetrics' default ``num_discrete_bins``)."""


@dataclass(frozen=True)
class Codes:
    """Integer codes of one column in both frames; ``n_codes`` codes in all, labels first."""

    real: np.ndarray
    synthetic: np.ndarray
    labels: np.ndarray  # label of code i, for i < len(labels)
    n_codes: int
    nan_code: int | None  # the code of a missing value, when either frame has one


@dataclass(frozen=True)
class Numeric:
    """Values of a numerical/datetime column in one frame, with its valid values sorted (a column
    of few distinct values is counted instead: its sorted sample is only built when asked for)."""

    values: np.ndarray  # float64, NaN where missing (datetimes: ns since the real minimum)
    valid: np.ndarray  # bool mask
    sorted_values: np.ndarray | None  # exact sorted valid values (int64 ns for datetimes); None when counted
    n_missing: int
    order: np.ndarray | None = None  # row positions of the valid values, ascending (see order_of)
    codes: np.ndarray | None = None  # few distinct values: per row, the index of its value in uniques (-1 missing)
    uniques: np.ndarray | None = None  # the distinct valid values, ascending (with codes)
    counts: np.ndarray | None = None  # with codes: the valid rows holding each unique value

    @cached_property
    def sorted(self) -> np.ndarray:
        """The exact sorted valid values (int64 ns for datetimes, float64 otherwise)."""
        return self.sorted_values if self.sorted_values is not None else np.repeat(self.uniques, self.counts)

    @property
    def has_missing(self) -> bool:
        return self.n_missing > 0

    @property
    def n_valid(self) -> int:
        return len(self.valid) - self.n_missing

    @property
    def lowest(self):
        """The smallest valid value (exact); only when ``n_valid`` > 0."""
        return self.sorted_values[0] if self.sorted_values is not None else self.uniques[0]

    @property
    def highest(self):
        """The largest valid value (exact); only when ``n_valid`` > 0."""
        return self.sorted_values[-1] if self.sorted_values is not None else self.uniques[-1]

    @property
    def is_constant(self) -> bool:
        """True when the valid values take exactly one distinct value."""
        return self.n_valid > 0 and self.lowest == self.highest


def _smallest(codes: np.ndarray, n_codes: int) -> np.ndarray:
    """Codes in the narrowest integer type that holds them (a 1M-row column of few labels: 1 MB)."""
    for dtype in (np.int8, np.int16, np.int32):
        if n_codes <= np.iinfo(dtype).max:
            return codes.astype(dtype, copy=False)
    return codes.astype(np.int64, copy=False)


def _memo(ctx: MetricContext, key: tuple, build):
    """This module's entries in ``ctx.cache`` (see :func:`benchkit.metrics._engine.ctx.memo`)."""
    return memo(ctx, __name__, key, build)


# ----------------------------------------------------------------------------------- categorical
def categorical_codes(ctx: MetricContext, column: str) -> Codes:
    """Joint integer codes of a categorical/boolean column (missing values get their own code)."""
    if ctx.schema[column].kind == "boolean":
        return _memo(ctx, ("codes", column), lambda: _boolean_codes(ctx.real[column], ctx.synthetic[column]))
    return _memo(ctx, ("codes", column), lambda: _factorise_jointly(ctx.real[column], ctx.synthetic[column]))


def _boolean_codes(real: pd.Series, synthetic: pd.Series) -> Codes:
    """Codes of coerced boolean columns (object True/False/NaN): 0 = True, 1 = False, 2 = missing."""
    out = []
    for s in (real, synthetic):
        v = s.to_numpy(dtype=object)
        codes = np.full(len(v), 2, dtype=np.int8)
        codes[v == False] = 1  # noqa: E712  (element-wise on an object array)
        codes[v == True] = 0  # noqa: E712
        out.append(codes)
    has_nan = bool((out[0] == 2).any() or (out[1] == 2).any())
    return Codes(out[0], out[1], np.array([True, False], dtype=object), 3 if has_nan else 2, 2 if has_nan else None)


def _factorise(values: pd.Series) -> tuple[np.ndarray, np.ndarray | pd.Index]:
    """One frame's codes (-1: missing) and labels in order of first appearance (benchmarks/scale_speed.py
    swaps it for its Arrow ablation)."""
    return pd.factorize(values, sort=False)


def _factorise_jointly(real: pd.Series, synthetic: pd.Series) -> Codes:
    codes_r, labels_r = _factorise(real)
    codes_s, labels_s = _factorise(synthetic)
    # labels with one canonical key (1.0 and "1", True and "true": see benchkit.schema.label_key)
    # share a code, in either frame; a joint code is labelled by its first label, real ones first
    key_code, _ = pd.factorize(np.concatenate([label_keys(labels_r), label_keys(labels_s)]))
    first = np.unique(key_code, return_index=True)[1]
    labels = np.concatenate([np.asarray(labels_r, dtype=object), np.asarray(labels_s, dtype=object)])[first]
    n_labels = len(labels)
    has_nan = bool((codes_r < 0).any() or (codes_s < 0).any())
    nan_code = n_labels if has_nan else None
    n_codes = n_labels + (1 if has_nan else 0)

    def joint(codes: np.ndarray, own: np.ndarray) -> np.ndarray:
        # a frame's own code -> joint code, by a table whose last entry serves code -1 (missing)
        table = _smallest(np.append(own, n_labels if has_nan else -1), n_codes)
        return np.take(table, codes)  # one gather of the rows, straight into the small type

    return Codes(
        real=joint(codes_r, key_code[: len(labels_r)]),
        synthetic=joint(codes_s, key_code[len(labels_r):]),
        labels=labels,
        n_codes=n_codes,
        nan_code=nan_code,
    )


# ------------------------------------------------------------------------------------- numerical
def is_datetime_column(ctx: MetricContext, column: str) -> bool:
    return ctx.schema[column].kind == "datetime"


def numeric(ctx: MetricContext, column: str, frame: str) -> Numeric:
    """Values and sorted values of a numerical/datetime column in ``frame`` ("real" or "synthetic")."""
    return _memo(ctx, ("numeric", column, frame), lambda: _build_numeric(ctx, column, frame, False))


def order_of(ctx: MetricContext, column: str, frame: str) -> np.ndarray:
    """Row positions of the valid values in ascending order (an argsort, only built for ranks)."""
    num = peek(ctx, __name__, ("numeric", column, frame))
    if num is None or (num.order is None and num.codes is None):
        num = put(ctx, __name__, ("numeric", column, frame), _build_numeric(ctx, column, frame, True))
    if num.order is None:  # a counted column: order by value code (stable, so rows keep their order)
        valid_rows = np.flatnonzero(num.codes >= 0) if num.has_missing else None
        keys = num.codes if valid_rows is None else num.codes[valid_rows]
        order = np.argsort(keys, kind="stable")
        order = (order if valid_rows is None else valid_rows[order]).astype(np.int32 if len(keys) < 2**31 else np.int64)
        num = put(ctx, __name__, ("numeric", column, frame), replace(num, order=order))
    return num.order


def _origin(ctx: MetricContext, column: str) -> int:
    """Datetime columns are measured in ns from the real minimum, so floats keep their precision."""

    def build() -> int:
        raw = _raw(ctx.real[column])
        ok = raw != np.iinfo(np.int64).min
        return int(raw[ok].min()) if ok.any() else 0

    return _memo(ctx, ("origin", column), build)


def _raw(s: pd.Series) -> np.ndarray:
    return s.to_numpy(dtype="datetime64[ns]").view(np.int64)


DISCRETE_PROBE = 20_000
"""Rows probed for the number of distinct values before a column is counted instead of sorted."""
MAX_DISCRETE = 1 << 16
"""A column with at most this many distinct values is counted (hash + bincount) instead of sorted."""


def _counted(exact: np.ndarray, valid: np.ndarray, n_missing: int) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(codes, sorted uniques, counts) of a column with few distinct values, or None when it has many.

    Hashing the values (``pd.factorize``) and counting is O(n), against O(n log n) for an argsort,
    and gives the same sorted sample (``np.repeat`` of the sorted uniques) and the same tie groups.
    """
    probe = exact[:DISCRETE_PROBE][valid[:DISCRETE_PROBE]] if n_missing else exact[:DISCRETE_PROBE]
    if len(probe) == 0 or len(pd.unique(probe)) > min(len(probe) // 4, MAX_DISCRETE):
        return None
    codes, uniques = pd.factorize(exact[valid] if n_missing else exact, sort=False)
    k = len(uniques)
    if k > MAX_DISCRETE:
        return None
    uniques = np.asarray(uniques)
    by_value = np.argsort(uniques, kind="stable")
    position = np.empty(k, dtype=np.int32)
    position[by_value] = np.arange(k, dtype=np.int32)
    codes = position[codes]
    if n_missing:
        full = np.full(len(valid), -1, dtype=np.int32)
        full[valid] = codes
        codes = full
    counts = np.bincount(codes[codes >= 0] if n_missing else codes, minlength=k)
    return codes, uniques[by_value], counts


def _build_numeric(ctx: MetricContext, column: str, frame: str, with_order: bool) -> Numeric:
    s = (ctx.real if frame == "real" else ctx.synthetic)[column]
    if is_datetime_column(ctx, column):
        raw = _raw(s)
        valid = raw != np.iinfo(np.int64).min
        values = np.empty(len(raw))  # raw - origin in int64 (exact), cast to float64 block by block
        np.subtract(raw, np.int64(_origin(ctx, column)), out=values, casting="unsafe")
        values[~valid] = np.nan
        exact = raw
    else:
        # coerced numerical columns are float64 already: no copy, NaN marks missing
        values = s.to_numpy(dtype=np.float64) if s.dtype == np.float64 else s.to_numpy(dtype=np.float64, na_value=np.nan)
        valid = ~np.isnan(values)
        exact = values
    n_missing = int(len(valid) - np.count_nonzero(valid))
    counted = _counted(exact, valid, n_missing)
    if counted is not None:  # ranks come from the counts: no argsort (order stays None)
        codes, uniques, counts = counted
        return Numeric(values, valid, None, n_missing, None, codes, uniques, counts)
    if not with_order:  # a plain sort is ~1.5x faster than an argsort
        return Numeric(values, valid, np.sort(exact[valid] if n_missing else exact), n_missing)
    if n_missing == 0:
        order = np.argsort(exact)
    else:
        idx = np.flatnonzero(valid)
        order = idx[np.argsort(exact[idx])]
    if len(order) < 2**31:
        order = order.astype(np.int32, copy=False)  # half the memory of a cached order
    return Numeric(values, valid, exact[order], n_missing, order)


RANK_FLOAT32_MAX_ROWS = 1 << 23
"""Up to this many rows, ranks (halves up to the row count) are exact in float32: half the memory."""


def rank_dtype(size: int) -> type:
    """The float type that holds every (average, or centred) rank of ``size`` rows exactly."""
    return np.float32 if size <= RANK_FLOAT32_MAX_ROWS else np.float64


def average_ranks(sorted_values: np.ndarray, order: np.ndarray, size: int, shift: float = 0.0) -> np.ndarray:
    """Average ranks (1-based, ties share the mean rank) minus ``shift``, placed at the rows in
    ``order``; NaN elsewhere. In :func:`rank_dtype` (exact; sum them in float64)."""
    n = len(sorted_values)
    ranks = np.empty(size, rank_dtype(size)) if n == size else np.full(size, np.nan, rank_dtype(size))
    if n == 0:
        return ranks
    new = np.empty(n, dtype=bool)
    new[0] = True
    np.not_equal(sorted_values[1:], sorted_values[:-1], out=new[1:])
    if new.all():
        ranks[order] = np.arange(1.0 - shift, n + 1.0 - shift)
        return ranks
    # a run of equal values at sorted positions start .. start + length - 1 shares rank start + (length + 1) / 2
    n_runs = int(np.count_nonzero(new))
    if n_runs < n // 2:  # many ties: every run's rank, repeated
        starts = np.flatnonzero(new)
        lengths = np.diff(starts, append=n)
        ranks[order] = np.repeat(starts + (lengths + 1) / 2.0 - shift, lengths)
        return ranks
    # mostly distinct: ranks by position, then the few tied positions set to their run's mean
    by_position = np.arange(1.0 - shift, n + 1.0 - shift)
    tied = ~new
    tied[:-1] |= tied[1:]  # the first copy of a tied value too
    pos = np.flatnonzero(tied)
    first = new[pos]
    run = np.cumsum(first) - 1
    lengths = np.bincount(run)
    by_position[pos] = (pos[first] + (lengths + 1) / 2.0 - shift)[run]
    ranks[order] = by_position
    return ranks


def counted_ranks(codes: np.ndarray, n_uniques: int, rows: np.ndarray | None = None, shift: float = 0.0) -> np.ndarray:
    """Average ranks (as :func:`average_ranks`, same dtype) of a counted column from its value
    codes, among the valid rows, or among the rows in mask ``rows`` (valid ones only); NaN elsewhere."""
    if rows is not None:
        codes = np.where(rows, codes, -1)
    counts = np.bincount(codes + 1, minlength=n_uniques + 1)[1:]  # code -1 (left out) counts in slot 0
    first = np.cumsum(counts) - counts  # 0-based sorted position of each value's first copy
    # rank of each value, then NaN in the last slot, which code -1 picks: one gather writes every row
    table = np.append(first + (counts + 1) / 2.0 - shift, np.nan).astype(rank_dtype(len(codes)))
    return table[codes]


def column_ranks(ctx: MetricContext, column: str, frame: str, rows: np.ndarray | None = None, shift: float = 0.0) -> np.ndarray:
    """Average ranks (minus ``shift``) of a column's values among its valid rows (or the rows in mask
    ``rows``); NaN at the other rows."""
    num = numeric(ctx, column, frame)
    if num.codes is not None:
        return counted_ranks(num.codes, len(num.uniques), rows, shift)
    order = order_of(ctx, column, frame)
    num = numeric(ctx, column, frame)
    if rows is None:
        return average_ranks(num.sorted, order, len(num.values), shift)
    keep = rows[order]
    return average_ranks(num.sorted[keep], order[keep], len(num.values), shift)


def ranks(ctx: MetricContext, column: str, frame: str) -> np.ndarray:
    """Average ranks of the valid values of a column in ``frame`` (NaN at missing rows)."""

    return _memo(ctx, ("ranks", column, frame), lambda: column_ranks(ctx, column, frame))


def centred_ranks(ctx: MetricContext, column: str, frame: str) -> np.ndarray:
    """Average ranks minus their mean (n + 1) / 2, for a column without missing values (cached alone,
    so a complete column keeps one rank array, not two)."""
    size = len(numeric(ctx, column, frame).values)
    return _memo(ctx, ("centred_ranks", column, frame), lambda: column_ranks(ctx, column, frame, shift=(size + 1) / 2.0))


# ------------------------------------------------------------------------------------------ bins
def bin_edges(values: np.ndarray) -> np.ndarray:
    """``N_BINS`` equal-width bin edges over the finite values (numpy's ``histogram_bin_edges``)."""
    finite = values[np.isfinite(values)]
    return np.histogram_bin_edges(finite, bins=N_BINS)


def _bin_codes(v: np.ndarray, edges: np.ndarray) -> np.ndarray:
    """Bin of each value on equal-width ``edges`` with open outer bins: ``searchsorted(edges[1:-1], v,
    side="right")``, computed arithmetically (a multiply and a floor) and then corrected by comparing
    with the edges themselves, so rounding at a boundary never moves a value to a neighbouring bin.
    NaN rows get an arbitrary code (the caller overwrites them). One float buffer serves every step."""
    lo, width = float(edges[0]), float(edges[-1] - edges[0])
    with np.errstate(over="ignore", invalid="ignore"):  # huge values overflow to inf: clipped below
        guess = np.subtract(v, lo)
        guess *= N_BINS / width if width > 0 else 0.0
    np.fmax(guess, 0, out=guess)  # fmax also turns NaN into 0
    np.fmin(guess, N_BINS - 1, out=guess)
    codes = guess.astype(np.int8)  # truncation = floor on the non-negative guesses
    # bin c holds bounds[c] <= v < bounds[c + 1]; the last bin has no upper bound (NaN compares False)
    bounds = np.concatenate([[-np.inf], edges[1:-1], [np.nan]])
    with np.errstate(invalid="ignore"):
        np.take(bounds, codes + 1, out=guess)
        codes += v >= guess
        np.take(bounds, codes, out=guess)
        codes -= v < guess
    return codes


def binned_codes(ctx: MetricContext, column: str, mode: str = "real") -> Codes:
    """A numerical/datetime column as bin codes, the missing values in a bin of their own.

    ``mode="real"`` (default): edges from the real data, outer edges open (a synthetic value beyond
    the real range falls in the first/last bin), as ``sdmetrics.utils.discretize_column`` does.
    ``mode="per_frame"``: each frame binned on its own edges with ``np.digitize``, which is what
    SDMetrics' QualityReport (0.32) does for mixed pairs; kept for comparisons with it.
    """
    return _memo(ctx, ("bins", column, mode), lambda: _build_bins(ctx, column, mode))


def _edges_of(ctx: MetricContext, column: str, frame: str) -> np.ndarray:
    """:func:`bin_edges` of a column from its sorted values (only the finite minimum and maximum
    matter), without a pass over the rows."""
    num = numeric(ctx, column, frame)
    s = num.sorted_values if num.sorted_values is not None else num.uniques  # same minimum and maximum
    first, stop = np.searchsorted(s, -np.inf, side="right"), np.searchsorted(s, np.inf, side="left")
    ends = s[[first, stop - 1]] if first < stop else s[:0]
    if is_datetime_column(ctx, column):  # sorted datetimes are int64 ns; values are ns from the origin
        ends = (ends - np.int64(_origin(ctx, column))).astype(np.float64)
    return np.histogram_bin_edges(ends.astype(np.float64), bins=N_BINS)


def _build_bins(ctx: MetricContext, column: str, mode: str) -> Codes:
    real_num, syn_num = numeric(ctx, column, "real"), numeric(ctx, column, "synthetic")
    real, syn = real_num.values, syn_num.values
    if mode == "real":
        edges = _edges_of(ctx, column, "real")
        nan_code = N_BINS
        out = [_bin_codes(v, edges) for v in (real, syn)]
        for num, codes in zip((real_num, syn_num), out):
            if num.has_missing:
                codes[~num.valid] = nan_code
        labels = np.arange(N_BINS)
        return Codes(out[0], out[1], labels, N_BINS + 1, nan_code)
    if mode == "per_frame":
        # np.digitize gives 1..N_BINS inside, N_BINS+1 for the maximum and for NaN (SDMetrics' quirk)
        out = [np.digitize(v, _edges_of(ctx, column, f)).astype(np.int8) for v, f in ((real, "real"), (syn, "synthetic"))]
        return Codes(out[0], out[1], np.arange(N_BINS + 2), N_BINS + 2, None)
    raise ValueError(f"unknown binning mode {mode!r}; use 'real' or 'per_frame'")


def discrete_codes(ctx: MetricContext, column: str, mode: str = "real") -> Codes:
    """Codes of any scored column: categories for categorical/boolean, bins for numerical/datetime."""
    kind = ctx.schema[column].kind
    if kind in ("categorical", "boolean"):
        return categorical_codes(ctx, column)
    return binned_codes(ctx, column, mode)


# ------------------------------------------------------------------------------------- warm-up
_serial = threading.local()


def worker_threads() -> int:
    """Threads for the column/pair work of one evaluation: the cores, at most 8, and inside a
    benchmark job at most the job's thread budget (``--threads-per-job``)."""
    import os

    from ...generator import job_threads

    cores = os.cpu_count() or 1
    return max(1, min(job_threads() or cores, cores, 8))


@contextmanager
def serial_threads(on: bool = True):
    """Within this block (in this thread), :func:`thread_map` runs its items one after another:
    used on small tables, where threads cost more than they share."""
    before = getattr(_serial, "on", False)
    _serial.on = before or on
    try:
        yield
    finally:
        _serial.on = before


def thread_map(fn, items: list, threads: int | None = None) -> list:
    """``[fn(x) for x in items]`` over a small pool of ``threads`` (default: the cores, at most one
    per item); order kept. numpy's sorts, searches and element-wise work release the GIL, so columns
    and pairs overlap on a multi-core machine."""
    from concurrent.futures import ThreadPoolExecutor

    if getattr(_serial, "on", False) or len(items) <= 1:
        return [fn(x) for x in items]
    n = threads or min(len(items), worker_threads())
    if n <= 1:
        return [fn(x) for x in items]
    with ThreadPoolExecutor(max_workers=n) as pool:
        return list(pool.map(fn, items))


def _rank_task(ctx: MetricContext, column: str, frame: str) -> None:
    # build the column with its argsort in one go: numeric() alone would sort it first, and
    # order_of() would then sort it again for the order
    _memo(ctx, ("numeric", column, frame), lambda: _build_numeric(ctx, column, frame, True))
    if numeric(ctx, column, frame).codes is None:
        order_of(ctx, column, frame)
    (ranks if numeric(ctx, column, frame).has_missing else centred_ranks)(ctx, column, frame)


def prepare(ctx: MetricContext, *, with_ranks: bool = False, threads: int | None = None) -> None:
    """Build every scored column's encodings up front in a thread pool (numpy sorts and pandas
    factorisation release the GIL), so the metrics that follow only read ``ctx.cache``."""
    tasks = []
    for col in ctx.schema.scored_columns:
        kind = ctx.schema[col].kind
        if kind in ("numerical", "datetime"):
            _origin(ctx, col)
            for frame in ("real", "synthetic"):
                tasks.append((_rank_task if with_ranks else numeric, col, frame))
    # the sorts come first, the (shorter) factorisations after: fewer idle threads at the end
    for col in ctx.schema.scored_columns:
        if ctx.schema[col].kind in ("categorical", "boolean"):
            tasks.append((lambda c, col, _f: categorical_codes(c, col), col, None))
    thread_map(lambda task: task[0](ctx, task[1], task[2]), tasks, threads)
