"""Between benchkit tables and SDV tables: the SDV metadata from a benchkit Schema, the training frame
SDV is given, and the sampled frame turned back into the schema's columns and dtypes.

Kinds map one to one: numerical -> ``numerical``, categorical -> ``categorical``, boolean ->
``boolean``, datetime -> ``datetime``. ``id`` columns are kept away from SDV, as every benchkit
generator does: identifiers carry no distribution, so sampling mints fresh ones that never repeat a
real id (numbers after the largest real id, or ``"syn-<n>"`` for text ids), like the baselines.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from benchkit.errors import DataError
from benchkit.generator import check_training_data, first_fresh_id, fresh_ids
from benchkit.schema import Schema, _to_bool

TABLE = "table"
_SDTYPE = {"numerical": "numerical", "categorical": "categorical", "boolean": "boolean", "datetime": "datetime"}


def metadata_dict(schema: Schema) -> dict[str, Any]:
    """SDV (V2 spec) metadata for the schema's modelled columns: one table, no keys."""
    columns = {name: {"sdtype": _SDTYPE[spec.kind]} for name, spec in schema.columns.items() if spec.kind != "id"}
    return {"tables": {TABLE: {"columns": columns}}, "relationships": [], "METADATA_SPEC_VERSION": "V2"}


def training_frame(data: pd.DataFrame, schema: Schema, who: str) -> pd.DataFrame:
    """The modelled columns in the types SDV reads best: floats, datetime64[ns], True/False/NaN
    objects for booleans, and object labels (NaN for missing) for categories."""
    check_training_data(data, schema, who)
    modelled = [n for n, s in schema.columns.items() if s.kind != "id"]
    if not modelled:
        raise DataError(f"{who}: the table has no column to model (only id columns); nothing to learn")
    coerced = schema.coerce(data[list(schema.columns)], what=f"training data of {who}")
    out = {}
    for name in modelled:
        s = coerced[name]
        if schema[name].kind == "categorical":
            s = s.astype(object).where(s.notna(), np.nan)
        out[name] = s.reset_index(drop=True)
    return pd.DataFrame(out)


@dataclass
class OutputTypes:
    """What the training table looked like, so sampled columns come back in its dtypes and labels."""

    columns: list[str]
    kinds: dict[str, str]
    dtypes: dict[str, Any]
    integer: set[str] = field(default_factory=set)
    bool_labels: dict[str, dict[bool, Any]] = field(default_factory=dict)  # boolean columns with labels like "yes"/"no"
    id_start: dict[str, int | None] = field(default_factory=dict)  # numeric ids: first fresh id; text ids: None

    @classmethod
    def learn(cls, data: pd.DataFrame, schema: Schema) -> "OutputTypes":
        out = cls(list(schema.columns), {n: s.kind for n, s in schema.columns.items()},
                  {n: data[n].dtype for n in schema.columns})
        for name, spec in schema.columns.items():
            s = data[name]
            if spec.kind == "numerical" and spec.subtype == "integer":
                out.integer.add(name)
            elif spec.kind == "boolean" and not pd.api.types.is_bool_dtype(s.dtype):
                values = pd.Series(s.dropna().unique())
                flags = _to_bool(values)
                labels = {bool(f): v for f, v in zip(flags, values) if not pd.isna(f)}
                if any(not isinstance(v, (bool, np.bool_)) for v in labels.values()):
                    out.bool_labels[name] = labels
            elif spec.kind == "id":
                out.id_start[name] = first_fresh_id(s)
        return out

    def restore(self, sampled: pd.DataFrame, n: int) -> pd.DataFrame:
        """The schema's columns, in order, with the training table's dtypes where they can hold the values."""
        cols: dict[str, pd.Series] = {}
        for name in self.columns:
            kind = self.kinds[name]
            if kind == "id":
                cols[name] = self._ids(name, n)
                continue
            s = sampled[name].reset_index(drop=True)
            if kind == "numerical":
                cols[name] = self._number(name, s)
            elif kind == "datetime":
                cols[name] = self._datetime(name, s)
            elif kind == "boolean":
                cols[name] = self._boolean(name, s)
            else:
                cols[name] = self._label(name, s)
        return pd.DataFrame(cols)

    def _ids(self, name: str, n: int) -> pd.Series:
        start = self.id_start[name]
        ids = fresh_ids(start, n, name)
        dtype = self.dtypes[name]
        return ids.astype(dtype) if start is not None and isinstance(dtype, np.dtype) else ids

    def _number(self, name: str, s: pd.Series) -> pd.Series:
        values = pd.to_numeric(s, errors="coerce").to_numpy(dtype="float64", na_value=np.nan)
        if name in self.integer:
            values = np.round(values)
        dtype = self.dtypes[name]
        missing = np.isnan(values)
        if isinstance(dtype, np.dtype) and (dtype.kind == "f" or (dtype.kind in "iu" and not missing.any())):
            return pd.Series(values.astype(dtype), name=name)
        if pd.api.types.is_extension_array_dtype(dtype) and pd.api.types.is_numeric_dtype(dtype):
            try:
                return pd.Series(pd.array(values, dtype="Float64"), name=name).astype(dtype)
            except (TypeError, ValueError):
                pass
        return pd.Series(values, name=name)

    def _datetime(self, name: str, s: pd.Series) -> pd.Series:
        out = pd.to_datetime(s, errors="coerce")
        dtype = self.dtypes[name]
        if isinstance(dtype, np.dtype) and dtype.kind == "M":
            return out.astype(dtype)
        if isinstance(dtype, pd.DatetimeTZDtype):
            return out.dt.tz_localize("UTC").dt.tz_convert(dtype.tz)
        return out.astype("datetime64[ns]")

    def _boolean(self, name: str, s: pd.Series) -> pd.Series:
        flags = _to_bool(s)
        labels = self.bool_labels.get(name)
        if labels is not None:  # back to the real labels ("yes"/"no"), mapping the distinct values only
            codes, uniques = pd.factorize(flags, use_na_sentinel=True)
            table = np.array([labels.get(bool(u), np.nan) for u in uniques] + [np.nan], dtype=object)
            return pd.Series(table[codes], name=name)  # code -1 (missing) -> the last entry
        if pd.api.types.is_bool_dtype(self.dtypes[name]) and not flags.isna().any():
            return flags.astype(bool)
        return flags

    def _label(self, name: str, s: pd.Series) -> pd.Series:
        dtype = self.dtypes[name]
        try:
            return s.astype(dtype)
        except (TypeError, ValueError):
            return s
