"""The few places where pandas 2.3 and pandas 3 behave differently, handled once.

benchkit runs on pandas 3 (its default string dtype is ``"str"``) and on pandas 2.3 (needed by peers
such as SDV, which pins ``pandas<3``). Two differences matter to benchkit:

- text: pandas 3 stores strings in the ``"str"`` dtype with NaN for missing values; pandas 2 keeps
  object arrays, and ``astype(str)`` there turns ``None``/NaN into the text ``"None"``/``"nan"``.
  :data:`TEXT_DTYPE` is pandas 3's ``"str"`` dtype, spelt so that pandas 2.3 builds the same one;
  :func:`as_text` converts values with missing values kept missing on both.
- CSV floats: pandas 3 parses floats exactly (round trip); pandas 2's default parser may be one unit
  in the last place off, which shifts ties in rank statistics. :func:`csv_float_options` asks pandas 2
  for exact parsing (pandas 3 deprecated the option, and needs none).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

PANDAS_MAJOR = int(pd.__version__.split(".")[0])

TEXT_DTYPE = pd.StringDtype(na_value=np.nan)
"""pandas 3's default ``"str"`` dtype (``== "str"`` there); the same dtype on pandas 2.3."""


def as_text(values: Any) -> pd.Series:
    """``values`` as strings in :data:`TEXT_DTYPE`; None/NaN stay missing (``astype(str)`` on pandas 2 would write "None")."""
    s = values if isinstance(values, pd.Series) else pd.Series(values)
    return s.astype(TEXT_DTYPE)


def csv_float_options(read_kwargs: dict[str, Any]) -> dict[str, Any]:
    """Extra ``pandas.read_csv`` keywords so floats parse exactly as written, on pandas 2 and 3.

    Nothing for pandas 3, nor where pandas 2 would use its Python parser (``engine="python"`` or a
    regular-expression separator other than ``\\s+``), which does not take the option.
    """
    sep = read_kwargs.get("sep", read_kwargs.get("delimiter"))
    python_engine = read_kwargs.get("engine") == "python" or (isinstance(sep, str) and len(sep) > 1 and sep != r"\s+")
    if PANDAS_MAJOR >= 3 or "float_precision" in read_kwargs or python_engine:
        return {}
    return {"float_precision": "round_trip"}
