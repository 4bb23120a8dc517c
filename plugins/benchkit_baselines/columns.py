"""Per-column empirical models shared by the baselines: fit a column, map it to uniforms and back.

Every column becomes one or more *dimensions* on [0, 1]:

- numerical and datetime columns: the empirical CDF of the observed values (ties spread uniformly
  over their step, the "distributional transform"), plus one missing-indicator dimension when the
  column is partly missing;
- categorical and boolean columns: categories ordered by frequency (most frequent first), each owning
  an interval of [0, 1] as wide as its frequency, as SDV's frequency encoder does; a missing value is
  one more category, so its rate and its relation to other columns are kept;
- id columns carry no distribution: fresh identifiers are minted on sampling.

:meth:`ColumnModel.from_uniform` inverts the map, so uniforms drawn independently give the
``independent`` baseline and uniforms from a Gaussian copula give ``gaussian_copula``.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np
import pandas as pd

from benchkit.generator import first_fresh_id, fresh_ids
from benchkit.schema import ColumnSpec

_NAT = np.iinfo(np.int64).min


class ColumnModel:
    """The empirical distribution of one column, as a map to and from ``n_dims`` uniforms."""

    name: str
    n_dims: int = 0

    def to_uniform(self, series: pd.Series, rng: np.random.Generator | None = None) -> list[np.ndarray]:
        """One array per dimension: the column's rows mapped into (0, 1); NaN where undefined.

        A value owning a step [a, b) of the CDF maps to its midpoint (a + b) / 2, or, given ``rng``,
        to a uniform draw inside the step (the randomised distributional transform).
        """
        raise NotImplementedError

    def from_uniform(self, us: list[np.ndarray], n: int) -> pd.Series:
        """Column values for ``n`` rows from ``n_dims`` arrays of uniforms."""
        raise NotImplementedError


def build_model(name: str, series: pd.Series, spec: ColumnSpec, interpolate: bool) -> ColumnModel:
    """The model for one column of the given kind."""
    if spec.kind == "id":
        return IdColumn(name, series)
    if spec.kind in ("categorical", "boolean"):
        return CategoricalColumn(name, series)
    if spec.kind == "datetime":
        return OrderedColumn(name, series, datetime=True, interpolate=False)
    continuous = spec.subtype != "integer"
    return OrderedColumn(name, series, datetime=False, interpolate=interpolate and continuous)


def _spread(lo: np.ndarray, width: np.ndarray, total: float, rng: np.random.Generator | None) -> np.ndarray:
    """Positions inside [lo, lo + width) / total (midpoints, or uniform draws given ``rng``), kept inside (0, 1)."""
    where = 0.5 if rng is None else rng.random(len(lo))
    u = (lo + where * width) / total
    return np.clip(u, 1e-9, 1.0 - 1e-9)


class OrderedColumn(ColumnModel):
    """A numerical or datetime column: sorted observed values plus the missing rate."""

    def __init__(self, name: str, series: pd.Series, *, datetime: bool, interpolate: bool):
        self.name = name
        self.datetime = datetime
        self.interpolate = interpolate
        self.tz = None
        if datetime:
            values, present, self.dtype = self._datetime_values(series)
        else:
            values, present = self._numeric_values(series)
            self.dtype = series.dtype
        self.sorted = np.sort(values[present])
        n = len(series)
        self.missing_rate = 1.0 - (len(self.sorted) / n) if n else 0.0
        self.has_missing_dim = 0.0 < self.missing_rate < 1.0
        self.n_dims = 0 if len(self.sorted) == 0 else 1 + int(self.has_missing_dim)

    def _numeric_values(self, series: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        if pd.api.types.is_numeric_dtype(series.dtype) and not pd.api.types.is_bool_dtype(series.dtype):
            values = series.to_numpy(dtype="float64", na_value=np.nan)
        else:
            values = pd.to_numeric(series, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        return values, np.isfinite(values)

    def _datetime_values(self, series: pd.Series) -> tuple[np.ndarray, np.ndarray, Any]:
        s = series
        if not pd.api.types.is_datetime64_any_dtype(s.dtype):
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                s = pd.to_datetime(s, errors="coerce", format="mixed")
        if getattr(s.dt, "tz", None) is not None:
            self.tz = s.dt.tz
            s = s.dt.tz_convert("UTC").dt.tz_localize(None)
        present = s.notna().to_numpy()
        arr = s.to_numpy()  # datetime64[unit], NaT where missing
        return arr.view("int64"), present, arr.dtype

    def to_uniform(self, series: pd.Series, rng: np.random.Generator | None = None) -> list[np.ndarray]:
        if self.n_dims == 0:
            return []
        if self.datetime:
            values, present, _ = self._datetime_values(series)
        else:
            values, present = self._numeric_values(series)
        m = len(self.sorted)
        u = np.full(len(values), np.nan)
        v = values[present]
        left = np.searchsorted(self.sorted, v, side="left")
        right = np.searchsorted(self.sorted, v, side="right")
        u[present] = _spread(left.astype(float), (right - left).astype(float), float(m), rng)
        out = [u]
        if self.has_missing_dim:
            r = self.missing_rate
            lo = np.where(present, r, 0.0)
            width = np.where(present, 1.0 - r, r)
            out.append(_spread(lo, width, 1.0, rng))
        return out

    def from_uniform(self, us: list[np.ndarray], n: int) -> pd.Series:
        m = len(self.sorted)
        if m == 0:
            values = np.full(n, _NAT if self.datetime else np.nan)
            missing = np.ones(n, dtype=bool)
        else:
            u = us[0]
            if self.interpolate and m > 1:
                pos = np.clip(u * m - 0.5, 0.0, m - 1.0)
                lo = np.floor(pos).astype(np.int64)
                hi = np.minimum(lo + 1, m - 1)
                frac = pos - lo
                values = self.sorted[lo] + frac * (self.sorted[hi] - self.sorted[lo])
            else:
                values = self.sorted[np.minimum((u * m).astype(np.int64), m - 1)]
            missing = us[1] < self.missing_rate if self.has_missing_dim else np.zeros(n, dtype=bool)
        if self.datetime:
            values = np.where(missing, _NAT, values).view(self.dtype)
            out = pd.Series(values, name=self.name)
            if self.tz is not None:
                out = out.dt.tz_localize("UTC").dt.tz_convert(self.tz)
            return out
        values = np.where(missing, np.nan, values)
        return pd.Series(_restore_numeric_dtype(values, self.dtype, missing.any()), name=self.name)


def _restore_numeric_dtype(values: np.ndarray, dtype: Any, any_missing: bool) -> Any:
    """Give values the training column's dtype where it can hold them (ints without NaN, Int64, float32)."""
    if isinstance(dtype, np.dtype):
        if dtype.kind in "iu" and not any_missing:
            return values.astype(dtype)
        if dtype.kind == "f":
            return values.astype(dtype)
        return values
    if pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_numeric_dtype(dtype):
        try:
            return pd.array(values, dtype="Float64").astype(dtype)
        except (TypeError, ValueError):  # e.g. interpolated values in an Int64 column
            return values
    return values


class CategoricalColumn(ColumnModel):
    """A categorical or boolean column: categories (missing included), each owning an interval of
    [0, 1] as wide as its frequency, most frequent first unless :meth:`set_order` says otherwise."""

    n_dims = 1

    def __init__(self, name: str, series: pd.Series):
        self.name = name
        codes, uniques = pd.factorize(series, use_na_sentinel=False)
        self.counts = np.bincount(codes, minlength=len(uniques)).astype(float)
        self.uniques = uniques
        total = self.counts.sum()
        self.widths = self.counts / total if total else self.counts
        self.set_order(np.argsort(-self.counts, kind="stable"))  # most frequent first
        self.n_dims = 1 if len(uniques) else 0

    def set_order(self, order: np.ndarray) -> None:
        """Lay the categories' intervals out on [0, 1] in ``order`` (category codes, first = lowest)."""
        self.order = np.asarray(order)
        self.lower = np.zeros(len(self.uniques))  # interval start of each category (by code)
        self.lower[self.order] = np.concatenate([[0.0], np.cumsum(self.widths[self.order])[:-1]])
        self.upper_sorted = np.cumsum(self.widths[self.order])  # interval ends, in layout order

    def codes(self, series: pd.Series) -> np.ndarray:
        """Each row's category code (values unseen at fit get the most frequent category)."""
        codes = pd.Index(self.uniques).get_indexer(series)
        return np.where(codes < 0, int(np.argmax(self.counts)), codes)

    def to_uniform(self, series: pd.Series, rng: np.random.Generator | None = None) -> list[np.ndarray]:
        if self.n_dims == 0:
            return []
        codes = self.codes(series)
        return [_spread(self.lower[codes], self.widths[codes], 1.0, rng)]

    def from_uniform(self, us: list[np.ndarray], n: int) -> pd.Series:
        if self.n_dims == 0:
            return pd.Series(np.full(n, np.nan, dtype=object), name=self.name)
        pos = np.searchsorted(self.upper_sorted, us[0], side="right")
        codes = self.order[np.minimum(pos, len(self.order) - 1)]
        return pd.Series(self.uniques.take(codes), name=self.name)


class IdColumn(ColumnModel):
    """An identifier column: never modelled; sampling mints fresh ids that never repeat a real one."""

    n_dims = 0

    def __init__(self, name: str, series: pd.Series):
        self.name = name
        self.start = first_fresh_id(series)  # None: a text id column

    def to_uniform(self, series: pd.Series, rng: np.random.Generator | None = None) -> list[np.ndarray]:
        return []

    def from_uniform(self, us: list[np.ndarray], n: int) -> pd.Series:
        return fresh_ids(self.start, n, self.name)
