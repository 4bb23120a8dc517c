"""A reversible, vectorised encoding of a mixed table into one float matrix for the WGAN.

Layout of the encoded matrix: first one normal score per numerical/datetime column (the
:class:`~benchkit_wgan.quantile.QuantileNormalMap` of its seen values), then the one-hot blocks of the
*discrete spans*, in column order. A discrete span is a categorical or boolean column (missing values
are a category of their own) or the missing-value indicator of a numerical/datetime column that had
missing values in the training data (two categories: present, missing).

Decoding takes the numerical scores and one integer code per discrete span. Integer columns are
rounded, every numerical column is clipped to its seen range (the quantile map cannot leave it),
datetimes are whole multiples of the finest unit seen (day, second, ..., nanosecond), and ``id``
columns, which are not modelled, are numbered 0..n-1 (as text when the real ids were text).
Round trips are exact for categorical, boolean, integer and datetime columns and equal up to float
rounding for continuous ones.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from benchkit.errors import DataError
from benchkit.generator import first_fresh_id, fresh_ids
from benchkit.schema import Schema

from .quantile import QuantileNormalMap
from .state import array_from_state, array_to_state, dtype_from_state, dtype_to_state, index_from_state, index_to_state

_UNITS_NS = (86_400 * 10**9, 10**9, 10**6, 10**3, 1)  # day, s, ms, us, ns


@dataclass
class NumericColumn:
    """How one numerical or datetime column is encoded."""

    name: str
    qmap: QuantileNormalMap | None  # None when the column had no finite value
    integer: bool
    dtype: Any
    is_datetime: bool = False
    origin_ns: int = 0  # datetimes: value = origin + k * unit
    unit_ns: int = 1
    missing_span: int | None = None  # index of its missing-indicator span, if it had missing values

    def to_state(self) -> dict[str, Any]:
        """Plain data (see :mod:`benchkit_wgan.state`); :meth:`from_state` rebuilds the column exactly."""
        return {"name": self.name, "qmap": None if self.qmap is None else self.qmap.to_state(),
                "integer": bool(self.integer), "dtype": dtype_to_state(self.dtype), "is_datetime": bool(self.is_datetime),
                "origin_ns": int(self.origin_ns), "unit_ns": int(self.unit_ns),
                "missing_span": None if self.missing_span is None else int(self.missing_span)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "NumericColumn":
        qmap = None if state["qmap"] is None else QuantileNormalMap.from_state(state["qmap"])
        return cls(**{**state, "qmap": qmap, "dtype": dtype_from_state(state["dtype"])})


@dataclass
class DiscreteSpan:
    """One block of the one-hot region: a categorical/boolean column or a missing indicator."""

    name: str
    categories: Any  # pandas Index of the seen values (NaN may be one of them)
    frequencies: np.ndarray  # share of each category in the training data
    offset: int = 0  # start inside the one-hot region
    column: str | None = None  # the table column it decodes into (None for missing indicators)
    dtype: Any = None

    @property
    def size(self) -> int:
        return len(self.categories)

    def to_state(self) -> dict[str, Any]:
        """Plain data (see :mod:`benchkit_wgan.state`); :meth:`from_state` rebuilds the span exactly."""
        return {"name": self.name, "categories": index_to_state(self.categories),
                "frequencies": array_to_state(np.asarray(self.frequencies, dtype=np.float64)),
                "offset": int(self.offset), "column": self.column, "dtype": dtype_to_state(self.dtype)}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "DiscreteSpan":
        return cls(**{**state, "categories": index_from_state(state["categories"]),
                      "frequencies": array_from_state(state["frequencies"]), "dtype": dtype_from_state(state["dtype"])})


@dataclass
class Encoded:
    """An encoded table: ``numeric`` (n x n_numeric scores) and ``codes`` (n x n_spans category codes)."""

    numeric: np.ndarray
    codes: np.ndarray

    def matrix(self, spans: list[DiscreteSpan], dtype: Any = np.float32) -> np.ndarray:
        """The generator's training matrix: numeric scores then one-hot blocks."""
        n = len(self.numeric)
        width = sum(s.size for s in spans)
        out = np.zeros((n, self.numeric.shape[1] + width), dtype=dtype)
        out[:, : self.numeric.shape[1]] = np.nan_to_num(self.numeric, nan=0.0)
        base = self.numeric.shape[1]
        rows = np.arange(n)
        for j, span in enumerate(spans):
            out[rows, base + span.offset + self.codes[:, j]] = 1.0
        return out


@dataclass
class DataTransformer:
    """Fit on a table and its schema; ``transform``/``inverse_transform`` between frames and arrays."""

    n_quantiles: int = 1000
    numeric: list[NumericColumn] = field(default_factory=list)
    spans: list[DiscreteSpan] = field(default_factory=list)
    columns: list[str] = field(default_factory=list)
    id_columns: dict[str, Any] = field(default_factory=dict)  # name -> first fresh id (None: text ids)

    # ------------------------------------------------------------ save/load
    def to_state(self) -> dict[str, Any]:
        """The fitted transformer as plain data (no pickled classes); :meth:`from_state` rebuilds it exactly."""
        return {"n_quantiles": int(self.n_quantiles), "numeric": [c.to_state() for c in self.numeric],
                "spans": [s.to_state() for s in self.spans], "columns": list(self.columns),
                "id_columns": {k: None if v is None else int(v) for k, v in self.id_columns.items()}}

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "DataTransformer":
        return cls(n_quantiles=state["n_quantiles"], numeric=[NumericColumn.from_state(c) for c in state["numeric"]],
                   spans=[DiscreteSpan.from_state(s) for s in state["spans"]], columns=list(state["columns"]),
                   id_columns=dict(state["id_columns"]))

    # ------------------------------------------------------------------ fit
    def fit(self, data: pd.DataFrame, schema: Schema) -> "DataTransformer":
        """Learn every column's encoding; ``data`` must hold the schema's columns."""
        schema.check(data, "training data")
        if len(data) == 0:
            raise DataError("the training data has no rows; give the generator at least one row")
        self.columns = list(schema.columns)
        self.numeric, self.spans, self.id_columns = [], [], {}
        for name, spec in schema.columns.items():
            s = data[name]
            if spec.kind == "id":  # not modelled: sampled rows get fresh ids that repeat no real one
                self.id_columns[name] = first_fresh_id(s)
            elif spec.kind in ("numerical", "datetime"):
                self._fit_numeric(name, s, spec.kind == "datetime", spec.subtype == "integer")
            else:  # categorical, boolean: the raw values are the categories (exact round trip)
                codes, cats = pd.factorize(s, use_na_sentinel=False)
                freq = np.bincount(codes, minlength=len(cats)) / len(codes)
                self.spans.append(DiscreteSpan(name, pd.Index(cats), freq, column=name, dtype=s.dtype))
        offset = 0
        for span in self.spans:
            span.offset = offset
            offset += span.size
        return self

    def _fit_numeric(self, name: str, s: pd.Series, is_datetime: bool, integer: bool) -> None:
        col = NumericColumn(name, None, integer or is_datetime, s.dtype, is_datetime)
        values, missing = self._numeric_values(col, s, fitting=True)
        finite = values[~missing]
        if len(finite):
            col.qmap = QuantileNormalMap.fit(finite, self.n_quantiles)
        if missing.any():
            col.missing_span = len(self.spans)
            freq = np.array([1.0 - missing.mean(), missing.mean()])
            self.spans.append(DiscreteSpan(f"{name}#missing", pd.Index([False, True]), freq))
        self.numeric.append(col)

    @staticmethod
    def _numeric_values(col: NumericColumn, s: pd.Series, fitting: bool = False) -> tuple[np.ndarray, np.ndarray]:
        """Float values of a column (datetimes as whole units from an origin) and the missing mask."""
        if col.is_datetime:
            from benchkit.schema import _to_datetime

            try:
                dt = _to_datetime(s)
            except (ValueError, TypeError) as exc:
                raise DataError(f"column {col.name!r} cannot be read as datetime: {exc}") from None
            missing = dt.isna().to_numpy()
            ns = dt.to_numpy().astype("datetime64[ns]").astype(np.int64)
            if fitting and (~missing).any():
                seen = ns[~missing]
                col.origin_ns = int(seen.min())
                col.unit_ns = next(u for u in _UNITS_NS if np.all((seen - col.origin_ns) % u == 0))
            values = ((ns - col.origin_ns) // col.unit_ns).astype(np.float64)
            values[missing] = np.nan
            return values, missing
        try:
            values = pd.to_numeric(s, errors="raise").to_numpy(dtype=np.float64, na_value=np.nan)
        except (ValueError, TypeError) as exc:
            raise DataError(f"column {col.name!r} cannot be read as numbers: {exc}") from None
        missing = ~np.isfinite(values)  # +-inf are treated as missing
        return values, missing

    # ------------------------------------------------------------ transform
    @property
    def n_numeric(self) -> int:
        return len(self.numeric)

    @property
    def onehot_width(self) -> int:
        return sum(s.size for s in self.spans)

    @property
    def width(self) -> int:
        return self.n_numeric + self.onehot_width

    def transform(self, data: pd.DataFrame) -> Encoded:
        """Encode a frame with the fitted columns into numeric scores and span codes."""
        n = len(data)
        numeric = np.zeros((n, self.n_numeric))
        codes = np.zeros((n, len(self.spans)), dtype=np.int64)
        for j, col in enumerate(self.numeric):
            values, missing = self._numeric_values(col, data[col.name])
            if col.qmap is not None:
                numeric[:, j] = col.qmap.forward(values)
            numeric[missing, j] = np.nan
            if col.missing_span is not None:
                codes[:, col.missing_span] = missing.astype(np.int64)
        for j, span in enumerate(self.spans):
            if span.column is None:
                continue
            values = data[span.column]
            c = span.categories.get_indexer(values)
            missing = values.isna().to_numpy()
            seen_missing = np.flatnonzero(span.categories.isna())
            if missing.any() and len(seen_missing):  # None, NaN and NaT are one category (pandas 2 keeps None in object columns)
                c[missing] = seen_missing[0]
            if (c < 0).any():
                bad = data[span.column][c < 0].iloc[0]
                raise DataError(
                    f"column {span.column!r} has value {bad!r} that was not in the training data; "
                    "refit the transformer on data that contains it"
                )
            codes[:, j] = c
        return Encoded(numeric, codes)

    def canonical_scores(self, numeric: np.ndarray, codes: np.ndarray) -> np.ndarray:
        """The scores that real rows with the decoded values have (0 where a number is missing, as in
        the training matrix): each generated score is decoded and encoded again, so the scores of a point
        mass (a plateau of the map) or of one integer step collapse to the single score the real rows
        have. A model trained on real scores (the auxiliary classifier) then sees values it has seen."""
        numeric = np.asarray(numeric, dtype=np.float64)
        out = np.zeros_like(numeric)
        for j, col in enumerate(self.numeric):
            if col.qmap is None:
                continue
            values = self._decoded_values(col, numeric[:, j], codes, len(numeric))
            missing = np.isnan(values)
            out[:, j] = np.where(missing, 0.0, col.qmap.forward(np.where(missing, 0.0, values)))
        return out

    def inverse_transform(self, numeric: np.ndarray, codes: np.ndarray) -> pd.DataFrame:
        """Decode numeric scores (n x n_numeric) and span codes (n x n_spans) back to a frame."""
        numeric = np.asarray(numeric, dtype=np.float64)
        codes = np.asarray(codes, dtype=np.int64)
        n = len(codes) if codes.ndim == 2 and codes.shape[1] else len(numeric)
        out: dict[str, Any] = {}
        num_by_name = {c.name: (j, c) for j, c in enumerate(self.numeric)}
        span_by_col = {s.column: (j, s) for j, s in enumerate(self.spans) if s.column is not None}
        for name in self.columns:
            if name in num_by_name:
                j, col = num_by_name[name]
                out[name] = self._decode_numeric(col, numeric[:, j], codes, n)
            elif name in span_by_col:
                j, span = span_by_col[name]
                out[name] = self._decode_discrete(span, codes[:, j])
            else:
                start = self.id_columns[name]
                if not (start is None or isinstance(start, int)):  # a model saved before fresh ids: "text" or a dtype
                    start = None if isinstance(start, str) else 0
                out[name] = fresh_ids(start, n)
        return pd.DataFrame(out)

    @staticmethod
    def _decoded_values(col: NumericColumn, z: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
        """A numeric column's decoded values as floats (whole units for datetimes), NaN where missing."""
        if col.qmap is None:
            values = np.full(n, np.nan)
        else:
            values = col.qmap.inverse(z)
            if col.integer:
                values = np.round(values)
        if col.missing_span is not None:
            values = np.where(codes[:, col.missing_span] == 1, np.nan, values)
        return values

    def _decode_numeric(self, col: NumericColumn, z: np.ndarray, codes: np.ndarray, n: int) -> pd.Series:
        values = self._decoded_values(col, z, codes, n)
        if col.is_datetime:
            missing = np.isnan(values)
            ns = col.origin_ns + np.nan_to_num(values).astype(np.int64) * col.unit_ns
            dt = ns.astype("datetime64[ns]")
            dt[missing] = np.datetime64("NaT")
            out = pd.Series(dt)
            if isinstance(col.dtype, np.dtype) and col.dtype.kind == "M":  # keep the real data's resolution
                out = out.astype(col.dtype)
            return out
        s = pd.Series(values)
        if col.integer and pd.api.types.is_integer_dtype(col.dtype) and not np.isnan(values).any():
            return s.astype(col.dtype)
        return s

    @staticmethod
    def _decode_discrete(span: DiscreteSpan, codes: np.ndarray) -> pd.Series:
        values = span.categories.take(codes)
        if pd.api.types.is_bool_dtype(span.dtype) and values.dtype != bool and not values.isna().any():
            values = values.astype(bool)
        return pd.Series(values, copy=False)
