"""Reading a dataset's data files (delimited text) with errors that say what to fix.

A user's own table (CSV or Parquet, separator sniffed) is read by :func:`benchkit.data.read_table`,
the one reader behind ``benchkit evaluate``, ``benchkit.evaluate`` and ``load_dataset(path)``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Iterable

import pandas as pd

from .data import SEPARATORS, sniff_separator
from .errors import DataError
from .pandas_compat import csv_float_options

DATA_DIR_ENV = "BENCHKIT_DATA_DIR"


def missing_file_error(path: Path, what: str = "data file") -> DataError:
    """The error for a data file that is not on disk, naming the path and ``BENCHKIT_DATA_DIR``."""
    return DataError(
        f"{what} {path} does not exist; put the file there, or point {DATA_DIR_ENV} (or data_dir=) "
        "at the folder that holds it; benchkit never downloads data"
    )


def read_delimited(
    path: str | Path,
    *,
    columns: Iterable[str] | None = None,
    what: str = "data file",
    **read_csv: Any,
) -> pd.DataFrame:
    """Read a delimited text file; raise :class:`DataError` when it is missing, empty, unparsable or lacks ``columns``."""
    path = Path(path)
    if not path.is_file():
        raise missing_file_error(path, what)
    if path.stat().st_size == 0:
        raise DataError(f"{what} {path} is empty (0 bytes); replace it with the real file")
    try:
        df = pd.read_csv(path, **read_csv, **csv_float_options(read_csv))
    except pd.errors.EmptyDataError:
        raise DataError(f"{what} {path} holds no table (no header or rows); replace it with the real file") from None
    except (pd.errors.ParserError, UnicodeDecodeError, ValueError) as exc:
        raise DataError(f"{what} {path} could not be parsed: {exc}; check its separator and encoding") from None
    if len(df) == 0:
        raise DataError(f"{what} {path} has a header but no rows")
    if columns is not None:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise DataError(
                f"{what} {path} lacks the column(s) {missing}; found {[str(c) for c in df.columns][:12]}"
                + _separator_hint(path, df, read_csv.get("sep", ","))
            )
    return df


def _separator_hint(path: Path, df: pd.DataFrame, sep: str) -> str:
    """A hint when a file seems to use another separator than the one it was read with."""
    if df.shape[1] > 2:
        return ""
    with path.open("r", encoding="utf-8", errors="replace") as fh:
        head = fh.readline()
    for other in SEPARATORS:
        if other != sep and head.count(other) >= 2:
            return f"; the file looks {other!r}-separated, not {sep!r}-separated (wrong separator?)"
    return "; the file may use another separator or lack its header"
