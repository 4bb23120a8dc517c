"""Reading tables from CSV/Parquet and aligning a real and a synthetic frame to one schema.

Every failure is a :class:`~benchkit.errors.DataError` (or :class:`~benchkit.errors.SchemaError`)
that names the file or column and says what to do.
"""

from __future__ import annotations

import bz2
import csv
import gzip
import io
import logging
import lzma
import warnings
import zipfile
from pathlib import Path
from typing import IO, Any, Iterable

import pandas as pd

from .errors import DataError, SchemaError
from .pandas_compat import csv_float_options
from .schema import DateFormatWarning, Schema, infer_date_format

log = logging.getLogger(__name__)

PARQUET_SUFFIXES = (".parquet", ".pq")
SEPARATORS = (",", ";", "\t", "|")
DATA_DIR_ENV = "BENCHKIT_DATA_DIR"
"""The environment variable naming the folder real data files live in (e.g. ``.../shared/data``)."""
_COMPRESSED = {".gz": gzip.open, ".bz2": bz2.open, ".xz": lzma.open}


def _open_text(path: Path, encoding: str = "utf-8") -> IO[str]:
    """The file as text, decompressed when its suffix says so (as pandas infers it), for sniffing."""
    opener = _COMPRESSED.get(path.suffix.lower())
    if opener is not None:
        return opener(path, "rt", encoding=encoding, errors="replace", newline="")
    if path.suffix.lower() == ".zip":
        archive = zipfile.ZipFile(path)
        names = archive.namelist()
        if not names:
            raise DataError(f"{path} is an empty zip archive; expected one CSV file inside")
        return io.TextIOWrapper(archive.open(names[0]), encoding=encoding, errors="replace", newline="")
    return open(path, encoding=encoding, errors="replace", newline="")


def _first_lines(path: Path, n_lines: int, encoding: str = "utf-8") -> list[str]:
    """The first ``n_lines`` non-blank lines of a (possibly compressed) text file."""
    try:
        with _open_text(path, encoding) as fh:
            return [line for _, line in zip(range(n_lines), fh) if line.strip()]
    except LookupError as exc:
        raise DataError(f"cannot read {path}: {exc}; give a known encoding, e.g. utf-8 or latin-1") from None
    except (OSError, EOFError, zipfile.BadZipFile, lzma.LZMAError) as exc:
        raise DataError(f"cannot read {path}: {exc}; is it a {path.suffix or 'text'} file?") from None


def check_header(path: Path, sep: str, encoding: str = "utf-8") -> list[str]:
    """The header's column names; a :class:`DataError` naming the file for duplicated names (pandas
    would silently rename them ``age.1``) or for a one-column header that another separator splits."""
    lines = _first_lines(path, 1, encoding)
    names = [c.strip() for c in next(csv.reader(lines, delimiter=sep), [])] if lines else []
    dup = sorted({c for c in names if names.count(c) > 1})
    if dup:
        raise DataError(f"{path} has duplicate column names {dup} in its header; rename them so every "
                        "column is unique")
    if len(names) == 1:
        other = [s for s in SEPARATORS if s != sep and s in names[0]]
        if other:
            raise DataError(f"{path}: separator {sep!r} leaves one column {names[0][:60]!r}; the file looks "
                            f"separated by {other[0]!r}: pass --sep {other[0]!r} (sep= in Python)")
    return names


def sniff_separator(path: Path, n_lines: int = 50) -> str:
    """The separator among ``,`` ``;`` tab and ``|`` that splits the first lines into equally many fields.

    Counts each candidate per line outside double quotes; a candidate qualifies when it occurs on the
    header line and every sampled line holds the same number of fields. Among qualifiers the one
    giving the most fields wins; ``,`` when none qualifies (a one-column file).
    """
    lines = _first_lines(path, n_lines)
    if not lines:
        raise DataError(f"{path} is empty; expected a header line and rows")
    best, best_fields = ",", 1
    for sep in SEPARATORS:
        try:
            counts = {len(row) for row in csv.reader(lines, delimiter=sep)}
        except csv.Error:
            continue
        fields = next(iter(counts)) if len(counts) == 1 else 0
        if fields > best_fields:
            best, best_fields = sep, fields
    return best


def missing_file_error(path: Path, what: str = "data file") -> DataError:
    """The error for a data file that is not on disk, naming the path and ``BENCHKIT_DATA_DIR``."""
    return DataError(
        f"{what} {path} does not exist; check the path, or point {DATA_DIR_ENV} (or data_dir=) "
        "at the folder that holds it; benchkit never downloads data"
    )


def read_table(
    path: str | Path,
    schema: Schema | None = None,
    *,
    sep: str | None = None,
    columns: Iterable[str] | None = None,
    what: str = "data file",
    **read_kwargs: Any,
) -> pd.DataFrame:
    """Read a CSV (separator sniffed among ``,`` ``;`` tab ``|`` unless ``sep``) or Parquet file.

    The one table reader: users' files (``benchkit evaluate``, :func:`benchkit.evaluate`,
    ``load_dataset(path)``) and the built-in dataset loaders all read through it. ``columns`` lists
    columns the file must have; ``what`` names the file in errors ("Adult file"). With a ``schema``
    the frame is checked and coerced to it (:meth:`Schema.coerce`): schema columns only, canonical
    dtypes. Extra keyword arguments go to ``pandas.read_csv`` (``skipinitialspace`` defaults to True).
    """
    path = Path(path)
    if not path.exists():
        raise missing_file_error(path, what)
    if path.is_dir():
        raise DataError(f"{path} is a folder; give the path of a .csv or .parquet file")
    named = str(path) if what == "data file" else f"{what} {path}"
    if path.suffix.lower() in PARQUET_SUFFIXES:
        try:
            df = pd.read_parquet(path)
        except Exception as exc:  # pyarrow raises many kinds
            raise DataError(f"cannot read {named} as Parquet: {type(exc).__name__}: {exc}") from None
    else:
        if path.stat().st_size == 0:
            raise DataError(f"{named} is empty (0 bytes); expected a header line and rows")
        sep = sep or sniff_separator(path)
        if read_kwargs.get("header", "infer") in ("infer", 0) and "names" not in read_kwargs:
            check_header(path, sep, read_kwargs.get("encoding") or "utf-8")
        kwargs = {"skipinitialspace": True, **read_kwargs}
        try:
            df = pd.read_csv(path, sep=sep, **kwargs, **csv_float_options({**kwargs, "sep": sep}))
        except UnicodeDecodeError as exc:
            raise DataError(f"{path} is not UTF-8 text ({exc.reason}); is it a CSV file? if it is, give its encoding: --encoding latin-1 (encoding= in Python)") from None
        except pd.errors.EmptyDataError:
            raise DataError(f"{named} holds no table (no header and no rows); expected a header line and rows") from None
        except (pd.errors.ParserError, ValueError) as exc:
            raise DataError(f"cannot parse {named} as CSV with separator {sep!r}: {exc}") from None
        log.debug("read %s with separator %r: %d rows x %d columns", path, sep, *df.shape)
    if df.shape[1] == 0 or len(df) == 0:
        raise DataError(f"{named} holds no rows (shape {df.shape}); a table needs a header line and at least one row")
    if columns is not None:
        missing = [c for c in columns if c not in df.columns]
        if missing:
            raise DataError(
                f"{named} lacks the column(s) {missing}; found {[str(c) for c in df.columns][:12]}"
                + _separator_hint(path, df, sep or "")
            )
    df.columns = [str(c) for c in df.columns]
    if schema is not None:
        try:
            df = schema.coerce(df, what=f"table in {path}")
        except SchemaError as exc:
            raise SchemaError(f"{exc}\n(file: {path})") from None
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


def align_frames(
    real: pd.DataFrame,
    synthetic: pd.DataFrame,
    schema: Schema,
    holdout: pd.DataFrame | None = None,
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame | None]:
    """Check real/synthetic(/holdout) against ``schema`` and coerce them to its columns and dtypes.

    Row counts may differ. Extra columns in synthetic/holdout are dropped with a log message; a
    missing column, an empty frame or a value of the wrong kind raises a clear error.
    """
    out = []
    for what, df in (("real table", real), ("synthetic table", synthetic), ("holdout table", holdout)):
        if df is None:
            out.append(None)
            continue
        if not isinstance(df, pd.DataFrame):
            raise DataError(f"the {what} must be a pandas DataFrame or a file path, not {type(df).__name__}")
        if len(df) == 0 or df.shape[1] == 0:
            raise DataError(f"the {what} is empty (shape {df.shape}); it needs at least one row and the schema's columns")
        if df.columns.has_duplicates:
            dup = sorted(set(df.columns[df.columns.duplicated()].map(str)))
            raise DataError(f"the {what} has duplicate column names {dup}; rename them")
        cols = [str(c) for c in df.columns]
        missing = [c for c in schema.scored_columns if c not in cols]
        if missing:
            raise SchemaError(
                f"the {what} lacks column(s) {missing} that the schema scores; "
                f"it has {cols[:20]}{' ...' if len(cols) > 20 else ''}. Generate or keep those columns, "
                "or drop them from the schema"
            )
        extra = [c for c in cols if c not in schema]
        if extra:
            log.info("ignoring column(s) %s of the %s: not in the schema", extra, what)
        scored = schema.scored_columns
        if schema.entity is not None:  # the entity key travels with the rows (never scored: an id)
            if schema.entity not in cols:
                raise SchemaError(f"the {what} lacks the entity key column {schema.entity!r}; every table of an "
                                  "entity-keyed dataset needs it (or evaluate without entity roles: --entity none)")
            missing_keys = int(df[schema.entity].isna().sum())
            if missing_keys:
                raise SchemaError(f"the entity key column {schema.entity!r} of the {what} has {missing_keys:,} missing "
                                  "value(s); every row needs its entity: fill or drop those rows")
            scored = scored + [schema.entity]
        sub = Schema({c: schema[c] for c in scored})
        if list(df.columns) == scored and isinstance(df.index, pd.RangeIndex) and df.index.start == 0 and df.index.step == 1:
            frame = df  # already the scored columns in order: no selection copy
        else:
            frame = df.set_axis(cols, axis=1)[scored].reset_index(drop=True)
        out.append(sub.coerce(frame, what=what))
    _warn_date_formats_differ(schema, real, synthetic, holdout)
    return out[0], out[1], out[2]


def _warn_date_formats_differ(schema: Schema, real: pd.DataFrame, *others: pd.DataFrame | None) -> None:
    """A :class:`DateFormatWarning` for each text date column written in another format than in
    the real table (each table is read with its own format, so the values are right; the warning
    says so, because a generator that changes the format usually changes more)."""
    for col in schema.names("datetime"):
        if pd.api.types.is_datetime64_any_dtype(real[col].dtype):
            continue
        real_format = infer_date_format(real[col])[0]
        for what, df in zip(("synthetic table", "holdout table"), others):
            if df is None or pd.api.types.is_datetime64_any_dtype(df[col].dtype):
                continue
            fmt = infer_date_format(df[col])[0]
            if fmt is not None and real_format is not None and fmt != real_format:
                warnings.warn(
                    f"column {col!r}: the real table writes dates as {real_format!r}, the {what} as {fmt!r}; "
                    "each is read with its own format", DateFormatWarning, stacklevel=3)

