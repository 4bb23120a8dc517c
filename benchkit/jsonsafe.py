"""Strict JSON for everything benchkit writes: one place that turns our values into plain JSON.

Metrics and plugins hand back whatever numbers they computed: NaN from a constant column, ``inf``
from a division by zero, numpy scalars and arrays, Timestamps. Python's :func:`json.dumps` writes
``NaN``/``Infinity`` (which strict JSON readers refuse) or, with ``allow_nan=False``, raises
``ValueError`` and never calls ``default=`` for floats. :func:`plain` therefore rewrites a value
before it is dumped:

- every non-finite number (float, numpy float, inside dicts, lists, tuples, sets and numpy arrays
  at any depth) becomes ``null``;
- numpy scalars and arrays become Python numbers and lists; ``pd.NA``/``NaT``/``None`` become ``null``;
- Timestamps, datetimes and dates become ISO-8601 strings; paths and anything else its ``str``;
- dict keys become strings (JSON only has string keys).

:func:`dumps` is ``json.dumps(plain(obj), allow_nan=False, ...)``: the strict flag stays on as a
safety net, so a non-finite number that slipped through fails loudly instead of writing bad JSON.
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from decimal import Decimal
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["dumps", "plain"]


def plain(obj: Any) -> Any:
    """``obj`` as plain, strict JSON data: non-finite numbers as None, numpy/pandas values unwrapped."""
    if obj is None or isinstance(obj, (str, bool)):
        return obj
    if isinstance(obj, int):
        return int(obj)  # an IntEnum or bool subclass: its plain value
    if isinstance(obj, float):
        return float(obj) if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {_key(k): plain(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, set, frozenset)):
        return [plain(v) for v in obj]
    if isinstance(obj, np.ndarray):
        return [plain(v) for v in obj.tolist()]
    if isinstance(obj, (pd.Series, pd.Index)):
        return [plain(v) for v in obj.tolist()]
    if isinstance(obj, pd.DataFrame):
        return [plain(r) for r in obj.to_dict(orient="records")]
    if obj is pd.NaT or obj is pd.NA:
        return None
    if isinstance(obj, (np.datetime64, np.timedelta64)):
        return None if np.isnat(obj) else str(obj)
    if isinstance(obj, np.generic):  # numpy bool, int, float, str scalars
        return plain(obj.item())
    if isinstance(obj, Decimal):
        return plain(float(obj))
    if isinstance(obj, (pd.Timestamp, _dt.datetime, _dt.date, _dt.time)):
        return obj.isoformat()
    if isinstance(obj, pd.Timedelta):
        return str(obj)
    return str(obj)


def _key(k: Any) -> str:
    v = plain(k)
    return v if isinstance(v, str) else json.dumps(v)  # 1 -> "1", None/NaN -> "null", as json would


def dumps(obj: Any, **kwargs: Any) -> str:
    """Strict JSON text of ``obj`` (see :func:`plain`); keyword arguments go to :func:`json.dumps`."""
    return json.dumps(plain(obj), allow_nan=False, **kwargs)
