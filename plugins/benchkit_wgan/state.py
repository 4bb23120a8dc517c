"""Plain-data forms of the values a fitted ``wgan`` model holds, so its file loads with
``torch.load(weights_only=True)`` and never runs code from the file.

A *plain* value is ``None``, ``bool``, ``int``, ``float``, ``str``, ``bytes``, a torch tensor, or a
list, tuple or str-keyed dict of plain values. Numpy arrays become tensors; numpy/pandas dtypes,
pandas Index objects (the categories of a span, which may hold text, numbers, booleans, missing
values, timestamps ...) and their scalars become tagged dicts, rebuilt exactly by the matching
``*_from_state`` function. A value with no plain form is refused when saving (:class:`BenchkitError`
naming it), so a model that saves always loads.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np
import pandas as pd

from benchkit.errors import BenchkitError


def _torch():
    import torch

    return torch


# ------------------------------------------------------------------ arrays
def array_to_state(a: np.ndarray) -> Any:
    """A numeric numpy array as a tensor (same dtype, same values)."""
    return _torch().from_numpy(np.ascontiguousarray(a).copy())


def array_from_state(t: Any) -> np.ndarray:
    return t.detach().cpu().numpy().copy()


# ------------------------------------------------------------------ dtypes
def dtype_to_state(dtype: Any) -> Any:
    """A numpy or pandas dtype as a tagged dict (None stays None)."""
    if dtype is None:
        return None
    if isinstance(dtype, np.dtype):
        if dtype.hasobject and dtype != np.dtype(object):
            raise BenchkitError(f"wgan: cannot save the structured dtype {dtype}")
        return {"numpy": dtype.str}
    if isinstance(dtype, pd.CategoricalDtype):
        return {"category": index_to_state(dtype.categories), "ordered": bool(dtype.ordered)}
    if isinstance(dtype, pd.StringDtype):
        return {"string": dtype.storage, "na": "NA" if dtype.na_value is pd.NA else "nan"}
    name = str(dtype)
    try:
        same = pd.api.types.pandas_dtype(name) == dtype
    except TypeError:
        same = False
    if not same:
        raise BenchkitError(f"wgan: cannot save a column of dtype {name!r} ({type(dtype).__name__})")
    return {"pandas": name}


def dtype_from_state(state: Any) -> Any:
    if state is None:
        return None
    if "numpy" in state:
        return np.dtype(state["numpy"])
    if "category" in state:
        return pd.CategoricalDtype(index_from_state(state["category"]), ordered=state["ordered"])
    if "string" in state:
        return pd.StringDtype(state["string"], na_value=pd.NA if state["na"] == "NA" else np.nan)
    return pd.api.types.pandas_dtype(state["pandas"])


# ----------------------------------------------------------------- scalars
_PLAIN_SCALARS = (type(None), bool, int, float, str)


def scalar_to_state(v: Any) -> Any:
    """One value of an object Index: plain Python scalars as they are, others as tagged dicts."""
    if type(v) in _PLAIN_SCALARS:
        return v
    if v is pd.NA:
        return {"t": "NA"}
    if v is pd.NaT:
        return {"t": "NaT"}
    if isinstance(v, pd.Timestamp):
        return {"t": "Timestamp", "v": int(v.asm8.view(np.int64)), "unit": v.unit,
                "tz": None if v.tz is None else str(v.tz)}
    if isinstance(v, pd.Timedelta):
        return {"t": "Timedelta", "v": int(v.asm8.view(np.int64)), "unit": v.unit}
    if isinstance(v, np.generic) and not v.dtype.hasobject:
        return {"t": "numpy", "dtype": v.dtype.str, "bytes": v.tobytes()}
    if isinstance(v, (dt.datetime, dt.date)):  # datetime before date: a datetime is a date
        return {"t": type(v).__name__, "iso": v.isoformat()}
    raise BenchkitError(f"wgan: cannot save the category value {v!r} of type {type(v).__name__}")


def scalar_from_state(s: Any) -> Any:
    if not isinstance(s, dict):
        return s
    tag = s["t"]
    if tag == "NA":
        return pd.NA
    if tag == "NaT":
        return pd.NaT
    if tag == "Timestamp":
        ts = pd.Timestamp(np.datetime64(s["v"], s["unit"]))
        return ts if s["tz"] is None else ts.tz_localize("UTC").tz_convert(s["tz"])
    if tag == "Timedelta":
        return pd.Timedelta(np.timedelta64(s["v"], s["unit"]))
    if tag == "numpy":
        return np.frombuffer(s["bytes"], dtype=np.dtype(s["dtype"]))[0]
    if tag == "datetime":
        return dt.datetime.fromisoformat(s["iso"])
    if tag == "date":
        return dt.date.fromisoformat(s["iso"])
    raise BenchkitError(f"wgan: unknown saved value tag {tag!r}")


# ----------------------------------------------------------------- indexes
def index_to_state(index: pd.Index) -> dict[str, Any]:
    """A pandas Index (the categories of a span) as plain data; :func:`index_from_state` rebuilds it."""
    if isinstance(index, pd.CategoricalIndex):
        return {"categorical": index_to_state(index.categories), "ordered": bool(index.ordered),
                "codes": index.codes.astype(np.int64).tolist()}
    if type(index) is not pd.Index and not isinstance(index, pd.DatetimeIndex | pd.TimedeltaIndex):
        raise BenchkitError(f"wgan: cannot save categories held in a {type(index).__name__}")
    if isinstance(index.dtype, np.dtype) and not index.dtype.hasobject:  # fixed-width: the raw bytes
        return {"dtype": dtype_to_state(index.dtype), "bytes": np.ascontiguousarray(index.to_numpy()).tobytes()}
    return {"dtype": dtype_to_state(index.dtype), "values": [scalar_to_state(v) for v in index.astype(object)]}


def index_from_state(state: dict[str, Any]) -> pd.Index:
    if "categorical" in state:
        cats = index_from_state(state["categorical"])
        return pd.CategoricalIndex(pd.Categorical.from_codes(state["codes"], categories=cats, ordered=state["ordered"]))
    dtype = dtype_from_state(state["dtype"])
    if "bytes" in state:
        return pd.Index(np.frombuffer(state["bytes"], dtype=dtype).copy())
    return pd.Index([scalar_from_state(v) for v in state["values"]], dtype=dtype)


# ----------------------------------------------------------------- checking
def check_plain(value: Any, where: str = "state") -> None:
    """Raise a :class:`BenchkitError` naming the first part of ``value`` that is not plain data."""
    torch = _torch()
    if type(value) in _PLAIN_SCALARS or type(value) is bytes or isinstance(value, torch.Tensor):
        return
    if type(value) in (list, tuple):
        for i, v in enumerate(value):
            check_plain(v, f"{where}[{i}]")
        return
    if type(value) is dict:
        for k, v in value.items():
            if type(k) is not str:
                raise BenchkitError(f"wgan: cannot save {where}: key {k!r} is not a string")
            check_plain(v, f"{where}[{k!r}]")
        return
    raise BenchkitError(f"wgan: cannot save {where}: {type(value).__name__} {value!r} is not plain data "
                        "(None, bool, int, float, str, bytes, tensors, lists, tuples, dicts)")
