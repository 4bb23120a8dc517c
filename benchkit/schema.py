"""Column kinds, schema inference from a DataFrame, JSON round trip and validation.

A :class:`Schema` says, for every column of a table, what *kind* of data it holds. Metrics,
generators and the report all read the schema rather than guessing from dtypes again.

Kinds
-----
``numerical``   numbers; ``subtype`` is ``"continuous"`` or ``"integer"``.
``categorical`` a finite set of labels (strings, or numbers used as codes).
``boolean``     two values, true/false.
``datetime``    points in time (stored as ``datetime64[ns]`` after :meth:`Schema.coerce`).
``id``          identifiers; excluded from scoring, never modelled as a distribution.

Inference rules (:meth:`Schema.infer`), first match wins, per column:

1. an explicit override (``overrides={"col": "categorical"}`` or a :class:`ColumnSpec`);
2. ``bool`` dtype, or exactly the values {true, false} / {yes, no} / {0, 1} -> ``boolean``;
3. ``datetime64`` dtype, or strings that look like dates -> ``datetime``: read with the one format
   that parses most of them (:func:`infer_date_format`); dates in several formats give a
   :class:`DateFormatWarning` with the format used and how many values do not fit it;
4. a name that looks like an identifier (``id``, ``*_id``, ``*ID``) with integer or string values,
   all distinct -> ``id``;
5. numeric dtype -> ``numerical`` (``integer`` when every value is whole, else ``continuous``);
6. strings that all parse as numbers ("numbers stored as strings") -> ``numerical``, with a warning;
7. anything else -> ``categorical``.

Categories seen in the data are stored (up to :data:`MAX_STORED_CATEGORIES` per column) so that a
synthetic table can later be checked for values the real data never had.
"""

from __future__ import annotations

import json
import logging
import re
import warnings
from dataclasses import asdict, dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd

from .entities import EntityRoles, check_roles
from .errors import SchemaError

log = logging.getLogger(__name__)

KINDS = ("numerical", "categorical", "boolean", "datetime", "id")
NUMERICAL_SUBTYPES = ("continuous", "integer")
MAX_STORED_CATEGORIES = 1000
_ID_NAME = re.compile(r"(^id$)|(_id$)|(^id_)|([a-z0-9]ID$)|(^ID$)", re.IGNORECASE)
_TRUE = {"true", "yes", "y", "t", "1"}
_FALSE = {"false", "no", "n", "f", "0"}
_SCHEMA_VERSION = 1


class DataWarning(UserWarning):
    """A value benchkit read other than as written (an infinite number, a date in another format)."""


class DateFormatWarning(DataWarning):
    """Dates of one column written in several formats, or in a format whose day and month are ambiguous."""


DATE_FORMATS = (
    "ISO8601",  # %Y-%m-%d with or without a time (T or space), fractions, offsets; also %Y%m%d
    "%d/%m/%Y", "%m/%d/%Y", "%d.%m.%Y", "%d-%m-%Y", "%Y/%m/%d", "%Y.%m.%d", "%m-%d-%Y",
    "%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M", "%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S", "%d.%m.%Y %H:%M",
    "%d/%m/%y", "%m/%d/%y", "%d %b %Y", "%d %B %Y", "%b %d %Y", "%B %d, %Y", "%b %d, %Y",
)
"""Candidate formats a text date column is read with (one per column: see :func:`infer_date_format`)."""
_DAY_MONTH_TWINS = {a: b for x, y in [("%d/%m/%Y", "%m/%d/%Y"), ("%d/%m/%y", "%m/%d/%y"), ("%d/%m/%Y %H:%M", "%m/%d/%Y %H:%M"),
                                       ("%d/%m/%Y %H:%M:%S", "%m/%d/%Y %H:%M:%S"), ("%d-%m-%Y", "%m-%d-%Y")]
                    for a, b in ((x, y), (y, x))}
DATE_SAMPLE = 2000
"""Distinct non-missing strings a date format is inferred from."""
INFER_SAMPLE = 20_000
"""Rows (drawn with a fixed seed) on which :meth:`Schema.infer` decides each column's kind first, on
tables of more than five times as many rows."""


@dataclass
class ColumnSpec:
    """What one column holds."""

    kind: str
    subtype: str | None = None  # numerical only: "continuous" | "integer"
    categories: list[Any] | None = None  # categorical/boolean: values seen (None = not stored)
    min: float | None = None  # numerical/datetime: seen range (datetime as ISO strings in JSON)
    max: float | None = None
    nullable: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise SchemaError(f"unknown column kind {self.kind!r}; use one of {', '.join(KINDS)}")
        if self.kind == "numerical":
            self.subtype = self.subtype or "continuous"
            if self.subtype not in NUMERICAL_SUBTYPES:
                raise SchemaError(
                    f"unknown numerical subtype {self.subtype!r}; use 'continuous' or 'integer'"
                )
        elif self.subtype is not None:
            raise SchemaError(f"only numerical columns take a subtype, not {self.kind!r}")


@dataclass
class ValidationIssue:
    """One way a frame departs from its schema."""

    column: str | None
    problem: str  # "missing_column" | "extra_column" | "wrong_kind" | "unseen_categories" | ...
    message: str


@dataclass
class ValidationReport:
    """The outcome of :meth:`Schema.validate`; truthy when the frame fits the schema."""

    issues: list[ValidationIssue] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.issues

    def __bool__(self) -> bool:
        return self.ok

    def by_problem(self, problem: str) -> list[ValidationIssue]:
        return [i for i in self.issues if i.problem == problem]

    def __str__(self) -> str:
        if self.ok:
            return "the frame fits the schema"
        return "\n".join(f"- {i.message}" for i in self.issues)


class Schema:
    """An ordered mapping of column name -> :class:`ColumnSpec`, plus an optional target column."""

    def __init__(self, columns: Mapping[str, ColumnSpec], target: str | None = None, roles: EntityRoles | None = None):
        self.columns: dict[str, ColumnSpec] = dict(columns)
        if target is not None and target not in self.columns:
            raise SchemaError(
                f"target column {target!r} is not in the schema; columns are: {', '.join(self.columns)}"
            )
        self.target = target
        self.roles: EntityRoles | None = None
        if roles is not None:
            self._set_roles(roles)

    # ------------------------------------------------------------ entity roles
    @property
    def entity(self) -> str | None:
        """The entity key column (``account_id``), or None: see :mod:`benchkit.entities`."""
        return self.roles.key if self.roles is not None else None

    @property
    def order(self) -> str | None:
        """The column the events of an entity are ordered by (``date``), or None."""
        return self.roles.order if self.roles is not None else None

    def with_roles(self, roles: EntityRoles | Mapping[str, Any] | None) -> "Schema":
        """A copy of this schema with entity ``roles`` (None: without any). The key column becomes an
        ``id`` column (an identifier: never scored as a distribution); the order column must be a
        datetime or numerical column."""
        if isinstance(roles, Mapping):
            roles = EntityRoles.from_dict(roles)
        return Schema(self.columns, target=self.target, roles=roles)

    def without_roles(self) -> "Schema":
        """This schema without entity roles (what a generator without entity support is given)."""
        return self if self.roles is None else Schema(self.columns, target=self.target)

    def _set_roles(self, roles: EntityRoles) -> None:
        check_roles(roles, self.columns, "the schema")
        if roles.key == self.target:
            raise SchemaError(f"the entity key {roles.key!r} is the target column; name another column as entity key")
        if self.columns[roles.key].kind != "id":
            self.columns[roles.key] = ColumnSpec("id", nullable=self.columns[roles.key].nullable)
        if roles.order is not None and self.columns[roles.order].kind not in ("datetime", "numerical"):
            raise SchemaError(f"the order column {roles.order!r} is a {self.columns[roles.order].kind} column; "
                              "events can only be ordered by a datetime or numerical column")
        self.roles = roles

    # ----------------------------------------------------------------- access
    def __getitem__(self, name: str) -> ColumnSpec:
        try:
            return self.columns[name]
        except KeyError:
            raise SchemaError(f"column {name!r} is not in the schema") from None

    def __contains__(self, name: object) -> bool:
        return name in self.columns

    def __iter__(self):
        return iter(self.columns)

    def __len__(self) -> int:
        return len(self.columns)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Schema) and self.to_dict() == other.to_dict()

    def __repr__(self) -> str:
        inner = ", ".join(f"{n}: {s.kind}" for n, s in self.columns.items())
        roles = f"; entity={self.entity!r}, order={self.order!r}" if self.roles is not None else ""
        return f"Schema({inner}; target={self.target!r}{roles})"

    def kind(self, name: str) -> str:
        return self[name].kind

    def names(self, *kinds: str) -> list[str]:
        """Column names of the given kinds (all columns when no kind is given), in order."""
        return [n for n, s in self.columns.items() if not kinds or s.kind in kinds]

    @property
    def scored_columns(self) -> list[str]:
        """Every column except ``id`` columns: the ones metrics look at."""
        return [n for n, s in self.columns.items() if s.kind != "id"]

    @property
    def numerical(self) -> list[str]:
        return self.names("numerical")

    @property
    def categorical(self) -> list[str]:
        """Categorical and boolean columns (both are scored as discrete labels)."""
        return self.names("categorical", "boolean")

    @property
    def datetime(self) -> list[str]:
        return self.names("datetime")

    # -------------------------------------------------------------- inference
    @classmethod
    def infer(
        cls,
        df: pd.DataFrame,
        overrides: Mapping[str, str | ColumnSpec | Mapping[str, Any]] | None = None,
        target: str | None = None,
        *,
        sample: int | None = INFER_SAMPLE,
    ) -> "Schema":
        """Infer a schema from ``df`` using the rules in this module's docstring.

        On a table of more than 5 x ``sample`` rows each rule is tried on a seeded sample of ``sample``
        rows first, and the whole column is read only to confirm a rule the sample passes (see
        :func:`_infer_kind`) and to describe the column: the schema is exactly the one inference over every
        row gives (``sample=None``), in a fraction of the time on a large table.
        """
        if not isinstance(df, pd.DataFrame):
            raise SchemaError(f"expected a pandas DataFrame, got {type(df).__name__}")
        if df.shape[1] == 0:
            raise SchemaError("the table has no columns; check the file's separator and header")
        if len(df) == 0:
            raise SchemaError("the table has no rows; a schema cannot be inferred from an empty table")
        if df.columns.has_duplicates:
            dup = df.columns[df.columns.duplicated()].tolist()
            raise SchemaError(f"duplicate column names {dup}; rename them so every column is unique")
        overrides = dict(overrides or {})
        unknown = [c for c in overrides if c not in df.columns]
        if unknown:
            raise SchemaError(
                f"overrides name columns that are not in the table: {unknown}; columns are: {list(df.columns)}"
            )
        rows = None
        if sample is not None and len(df) > 5 * sample:  # below that a sample saves less than it costs
            rows = np.sort(np.random.default_rng(0).choice(len(df), size=sample, replace=False))
        cols: dict[str, ColumnSpec] = {}
        for name in df.columns:
            values = _Values(df[name])
            if name in overrides:
                spec = _spec_from_override(overrides[name])
                cols[str(name)] = _describe(values.s, spec.kind, spec, values)
            else:
                cols[str(name)] = _describe(values.s, _infer_kind(str(name), values.s, rows, values), column=values)
        return cls(cols, target=target)

    # ------------------------------------------------------------------ JSON
    def to_dict(self) -> dict[str, Any]:
        out = {
            "version": _SCHEMA_VERSION,
            "target": self.target,
            "columns": {n: _spec_to_json(s) for n, s in self.columns.items()},
        }
        if self.roles is not None:  # only then: a schema without roles writes what it always wrote
            out["entity"] = self.roles.to_dict()
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "Schema":
        if not isinstance(data, Mapping) or "columns" not in data:
            raise SchemaError("a schema needs a 'columns' mapping of column name -> {kind: ...}")
        cols = {}
        for name, spec in data["columns"].items():
            if isinstance(spec, str):
                spec = {"kind": spec}
            if not isinstance(spec, Mapping) or "kind" not in spec:
                raise SchemaError(f"schema entry for column {name!r} needs a 'kind'")
            allowed = {"kind", "subtype", "categories", "min", "max", "nullable"}
            extra = set(spec) - allowed
            if extra:
                raise SchemaError(f"schema entry for column {name!r} has unknown keys {sorted(extra)}")
            cols[name] = ColumnSpec(**dict(spec))
        roles = EntityRoles.from_dict(data["entity"]) if data.get("entity") else None
        return cls(cols, target=data.get("target"), roles=roles)

    def to_json(self, path: str | Path | None = None) -> str:
        text = json.dumps(self.to_dict(), indent=2, ensure_ascii=False, default=_json_default)
        if path is not None:
            Path(path).write_text(text + "\n", encoding="utf-8")
        return text

    @classmethod
    def from_json(cls, text_or_path: str | Path) -> "Schema":
        """Read a schema from a JSON string or a path to a JSON file."""
        text = str(text_or_path)
        if isinstance(text_or_path, Path) or not text.lstrip().startswith("{"):
            path = Path(text_or_path)
            if not path.exists():
                raise SchemaError(f"schema file {path} does not exist")
            text = path.read_text(encoding="utf-8")
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise SchemaError(f"schema is not valid JSON: {exc}") from None
        return cls.from_dict(data)

    # ------------------------------------------------------------ validation
    def validate(self, df: pd.DataFrame, *, categories: bool = True) -> ValidationReport:
        """Check ``df`` against this schema; report every problem instead of raising.

        ``categories=False`` skips the unseen-category scan (a pass over every categorical value),
        for callers such as :meth:`check` that only act on missing columns and wrong kinds.
        """
        report = ValidationReport()
        labels = _labels_by_name(df)
        for name in self.columns:
            if name not in labels:
                report.issues.append(
                    ValidationIssue(name, "missing_column", f"column {name!r} is missing")
                )
        for name in df.columns:
            if str(name) not in self.columns:
                report.issues.append(
                    ValidationIssue(
                        str(name), "extra_column", f"column {name!r} is not in the schema"
                    )
                )
        for name, spec in self.columns.items():
            if name not in labels:
                continue
            series = df[labels[name]]
            problem = _kind_problem(series, spec)
            if problem:
                report.issues.append(ValidationIssue(name, "wrong_kind", f"column {name!r}: {problem}"))
                continue
            if categories and spec.kind == "categorical" and spec.categories is not None:
                seen = set(label_keys(list(spec.categories)))
                values = series.dropna().unique()
                unseen = [v for v, key in zip(values, label_keys(values)) if key not in seen]
                if unseen:
                    shown = ", ".join(repr(v) for v in unseen[:5])
                    more = f" and {len(unseen) - 5} more" if len(unseen) > 5 else ""
                    report.issues.append(
                        ValidationIssue(
                            name,
                            "unseen_categories",
                            f"column {name!r} has {len(unseen)} value(s) never seen in the real data: {shown}{more}",
                        )
                    )
        return report

    def check(self, df: pd.DataFrame, what: str = "table") -> None:
        """Raise :class:`SchemaError` listing every missing column or wrong kind in ``df``."""
        report = self.validate(df, categories=False)
        fatal = [i for i in report.issues if i.problem in ("missing_column", "wrong_kind")]
        if fatal:
            lines = "\n".join(f"- {i.message}" for i in fatal)
            raise SchemaError(f"the {what} does not fit the schema:\n{lines}")

    # -------------------------------------------------------------- coercion
    def coerce(self, df: pd.DataFrame, what: str = "table") -> pd.DataFrame:
        """Return ``df``'s schema columns converted to canonical dtypes, in schema order.

        numerical -> float64 (infinite values become missing, with a :class:`DataWarning`);
        datetime -> datetime64[ns] (text read with one format per column, see :func:`_parse_dates`);
        boolean -> object True/False/NaN; categorical and id -> unchanged. Values that cannot be
        converted raise a :class:`SchemaError` naming the column.
        """
        self.check(df, what)
        labels = _labels_by_name(df)
        out = {}
        for name, spec in self.columns.items():
            s = df[labels[name]]
            try:
                if spec.kind == "numerical":
                    s = _finite(_to_float(s), f"column {name!r} of the {what}")
                elif spec.kind == "datetime":
                    s = _to_datetime(s, what)
                elif spec.kind == "boolean":
                    s = _to_bool(s)
            except (ValueError, TypeError) as exc:
                raise SchemaError(
                    f"column {name!r} of the {what} cannot be read as {spec.kind}: {exc}"
                ) from None
            out[name] = s
        if list(df.columns) == list(self.columns) and all(out[c] is df[c] for c in out):
            return df.copy(deep=False)  # canonical already: share the columns, copy nothing
        return pd.DataFrame(out, index=df.index)


# ====================================================================== helpers
def _labels_by_name(df: pd.DataFrame) -> dict[str, Any]:
    """Each column's label in ``df`` by its name in a schema (the label as text: a frame built from an
    array has the labels 0, 1, ..., which a schema names "0", "1", ...)."""
    return {str(c): c for c in df.columns}


def _spec_from_override(value: str | ColumnSpec | Mapping[str, Any]) -> ColumnSpec:
    if isinstance(value, ColumnSpec):
        return value
    if isinstance(value, str):
        if value in NUMERICAL_SUBTYPES:
            return ColumnSpec("numerical", subtype=value)
        return ColumnSpec(value)
    if isinstance(value, Mapping):
        return ColumnSpec(**dict(value))
    raise SchemaError(f"an override must be a kind name, a mapping or a ColumnSpec, not {value!r}")


class _Values:
    """One column's values and what inference asks of them, each computed once, when first asked."""

    def __init__(self, s: pd.Series):
        self.s = s

    @cached_property
    def nonnull(self) -> pd.Series:
        return self.s.dropna()

    @cached_property
    def distinct(self) -> Any:
        """The distinct values, a missing one included (one hash pass, no copy of the column first)."""
        return self.s.unique()

    @cached_property
    def present(self) -> Any:
        """The distinct non-missing values."""
        return self.distinct[~pd.isna(self.distinct)]

    def has_missing(self) -> bool:
        if "nonnull" in self.__dict__:
            return len(self.nonnull) < len(self.s)
        if "distinct" in self.__dict__:
            return len(self.present) < len(self.distinct)
        return bool(self.s.isna().any())

    def first_present(self, k: int) -> pd.Series:
        """``nonnull.head(k)`` without a pass over the whole column when its head has k values."""
        n = 8 * k
        while True:
            head = self.s.iloc[:n].dropna()
            if len(head) >= k or n >= len(self.s):
                return head.head(k)
            n *= 16


def _infer_kind(name: str, s: pd.Series, rows: np.ndarray | None = None, whole: _Values | None = None) -> str:
    """The kind of ``s`` by the rules of this module's docstring.

    With ``rows`` (positions of a sample) each rule is tried on those rows first. A rule that every value
    must pass (all missing, all whole, all distinct, all numbers, at most two values) and that a sampled
    value fails fails for the column too; only a rule the sample passes is checked on the whole column.
    The date rule reads the column's first values, as without a sample. So the kind is always the
    whole column's.
    """
    whole = whole if whole is not None else _Values(s)
    part = whole if rows is None else _Values(s.iloc[rows])

    def holds(test) -> bool:
        return bool(test(part)) and (part is whole or bool(test(whole)))

    if pd.api.types.is_bool_dtype(s.dtype):
        return "boolean"
    if holds(lambda v: len(v.nonnull) == 0):
        return "numerical" if pd.api.types.is_numeric_dtype(s.dtype) else "categorical"
    if len(part.present) <= 2 and _looks_boolean(whole.present, s.dtype):
        return "boolean"
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        return "datetime"
    is_num = pd.api.types.is_numeric_dtype(s.dtype)
    is_text = pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
    if _ID_NAME.search(name) and (is_text or pd.api.types.is_integer_dtype(s.dtype) or holds(lambda v: _all_whole(v.nonnull))):
        if holds(lambda v: v.nonnull.is_unique):
            return "id"
    if is_num:
        return "numerical"
    if isinstance(s.dtype, pd.CategoricalDtype):
        return "categorical"
    if is_text:
        if holds(lambda v: _parses_numeric(v.nonnull.astype(str))):
            warnings.warn(
                f"column {name!r} holds numbers stored as text; it is read as numerical "
                "(override with kind 'categorical' if those numbers are codes)",
                stacklevel=3,
            )
            return "numerical"
        if _parses_datetime(whole.first_present(200).astype(str), whole):
            return "datetime"
    return "categorical"


def _looks_boolean(values: Any, dtype: Any) -> bool:
    """Whether a column of ``dtype`` whose distinct non-missing values are ``values`` is boolean."""
    if len(values) != 2:
        return False
    keys = {str(v).strip().lower() for v in values}
    if keys in ({"true", "false"}, {"yes", "no"}, {"y", "n"}, {"t", "f"}):
        return True
    if keys == {"0", "1"} and pd.api.types.is_numeric_dtype(dtype):
        return bool(set(np.asarray(values, dtype=float).tolist()) == {0.0, 1.0})
    return False


def _all_whole(nonnull: pd.Series) -> bool:
    if not pd.api.types.is_numeric_dtype(nonnull.dtype):
        return False
    v = nonnull.to_numpy(dtype=float)
    return bool(np.all(np.isfinite(v)) and np.all(v == np.round(v)))


def _parses_numeric(text: pd.Series) -> bool:
    sample = text.head(2000)
    converted = pd.to_numeric(sample.str.strip(), errors="coerce")
    if converted.notna().all():
        return bool(pd.to_numeric(text.str.strip(), errors="coerce").notna().all())
    return False


def _parses_datetime(sample: pd.Series, column: _Values) -> bool:
    """True when the strings are dates: each of the column's first 200 (``sample``) looks like one and
    90% of them parse in some format of :data:`DATE_FORMATS`. Dates in several formats give a
    :class:`DateFormatWarning` (the column is read with the most common one: :func:`_parse_dates`)."""
    # plain numbers are not dates; require a separator typical of dates
    if not sample.str.contains(r"\d[-/.:]\d|\d{4}-\d{2}", regex=True).all():
        return False
    fmt, per_format, checked, covered = infer_date_format(sample)
    if fmt is None or covered < 0.9 * checked:
        return False
    text = column.nonnull  # infer_date_format reads its values as text
    fmt, per_format, checked, covered = infer_date_format(text)
    if per_format[fmt] < checked:
        shown = ", ".join(f"{f!r} reads {k:,}" for f, k in per_format.items() if k)
        warnings.warn(
            f"column {text.name!r} holds dates in several formats (of {checked:,} distinct values checked, {shown}); "
            f"it is inferred as datetime and read with {fmt!r}, so the values in other formats "
            "become missing: write the column in one format, or override its kind with 'categorical'",
            DateFormatWarning, stacklevel=5,
        )
    return True


def infer_date_format(text: pd.Series) -> tuple[str | None, dict[str, int], int, int]:
    """The format of :data:`DATE_FORMATS` that parses the most of (a sample of) the distinct strings.

    Returns ``(format, parsed_by_format, checked, covered)``: the format (``None`` when none parses
    any value), how many of the ``checked`` distinct values (at most :data:`DATE_SAMPLE`) each
    format reads, and how many some format reads. Day-first and month-first formats tie only when no value
    has a day above 12; then the earlier one in :data:`DATE_FORMATS` (day-first) wins, and the tie
    is flagged by both having the same count in ``parsed_by_format``.
    """
    values = text.dropna()
    if len(values) > 20 * DATE_SAMPLE:  # distinct strings of a row sample: no pass over a long column's text
        values = values.sample(20 * DATE_SAMPLE, random_state=0)
    uniques = pd.Series(pd.unique(values.astype(str).str.strip()))
    if len(uniques) > DATE_SAMPLE:
        uniques = uniques.sample(DATE_SAMPLE, random_state=0)
    counts, covered = {}, np.zeros(len(uniques), dtype=bool)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for fmt in DATE_FORMATS:
            try:
                ok = pd.to_datetime(uniques, format=fmt, errors="coerce", utc=fmt == "ISO8601").notna().to_numpy()
            except (ValueError, TypeError):
                ok = np.zeros(len(uniques), dtype=bool)
            counts[fmt] = int(ok.sum())
            covered |= ok
    best = max(counts, key=counts.get)  # the first of equals: DATE_FORMATS is in order of preference
    return (best if counts[best] else None), counts, len(uniques), int(covered.sum())


def _parse_dates(s: pd.Series, what: str | None) -> pd.Series:
    """Strings read as dates with one inferred format (never value by value): values that do not
    fit it become missing, with a :class:`DateFormatWarning` naming the column, the format and the
    count; ValueError when not even half of the sampled values parse in any format (not dates)."""
    fmt, counts, checked, covered = infer_date_format(s)
    text = s.astype("string").str.strip()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        out = pd.to_datetime(text, format=fmt, errors="coerce", utc=fmt == "ISO8601") if fmt else pd.Series(pd.NaT, index=s.index)
    if fmt == "ISO8601":
        out = out.dt.tz_localize(None)
    bad = out.isna() & s.notna()
    n_bad, n_values = int(bad.sum()), int(s.notna().sum())
    if fmt is None or 2 * covered < checked:
        raise ValueError(f"value {s[bad].iloc[0]!r} is not a date" + (f" in format {fmt!r}" if fmt else ""))
    where = f"column {s.name!r}" + (f" of the {what}" if what else "")
    twin = _DAY_MONTH_TWINS.get(fmt)
    if n_bad:
        also = (f"; {twin!r} occurs too, so a value whose day and month are both 12 or less may be misread"
                if twin and counts[twin] else "")
        warnings.warn(
            f"{where} is read with the date format {fmt!r}: {n_bad:,} of {n_values:,} values do not fit it "
            f"(e.g. {s[bad].iloc[0]!r}) and are treated as missing{also}; write the column in one format",
            DateFormatWarning, stacklevel=4,
        )
    elif twin and counts[twin] == counts[fmt]:
        warnings.warn(
            f"{where}: no day is above 12, so {fmt!r} and {twin!r} both read every value; it is read as "
            f"{fmt!r}. Give the column as datetime64 (or ISO text) if it is {twin!r}",
            DateFormatWarning, stacklevel=4,
        )
    return out


def _describe(s: pd.Series, kind: str, base: ColumnSpec | None = None, column: _Values | None = None) -> ColumnSpec:
    """Fill in subtype, range, categories and nullability of a column of a known kind (one pass over a
    column of a numpy dtype or of labels: no copy without its missing values first)."""
    column = column if column is not None else _Values(s)
    spec = ColumnSpec(kind, subtype=base.subtype if base is not None else None)
    if kind == "numerical":
        try:
            values = np.asarray(_to_float(s if isinstance(s.dtype, np.dtype) else column.nonnull), dtype=float)
        except (ValueError, TypeError) as exc:
            raise SchemaError(f"column {s.name!r} was declared numerical but {exc}") from None
        values = values[np.isfinite(values)]
        if base is None or base.subtype is None:
            whole = len(values) > 0 and bool(np.all(values == np.round(values)))
            spec.subtype = "integer" if whole else "continuous"
        if len(values):
            spec.min, spec.max = float(values.min()), float(values.max())
    elif kind == "datetime":
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DateFormatWarning)  # inference warned already
                values = _to_datetime(s if isinstance(s.dtype, np.dtype) else column.nonnull)
        except (ValueError, TypeError) as exc:
            raise SchemaError(f"column {s.name!r} was declared datetime but {exc}") from None
        if len(values.dropna()):
            spec.min, spec.max = values.min().isoformat(), values.max().isoformat()
    elif kind in ("categorical", "boolean"):
        if base is not None and base.categories is not None:
            spec.categories = list(base.categories)
        else:
            uniques = column.present
            if kind == "boolean":
                uniques = _to_bool(pd.Series(uniques)).dropna().unique()
            if len(uniques) <= MAX_STORED_CATEGORIES:
                try:
                    spec.categories = sorted(uniques.tolist(), key=lambda v: (str(type(v)), v))
                except TypeError:
                    spec.categories = sorted(uniques.tolist(), key=str)
    spec.nullable = column.has_missing()
    return spec


def _kind_problem(s: pd.Series, spec: ColumnSpec) -> str | None:
    """Why ``s`` cannot hold ``spec.kind`` values, or None."""
    # answers that need no pass over the values first: a 1M-row dropna costs tens of ms per column
    if spec.kind in ("categorical", "id"):
        return None
    if spec.kind == "numerical" and pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return None
    if spec.kind == "datetime" and pd.api.types.is_datetime64_any_dtype(s.dtype):
        return None
    if spec.kind == "boolean":  # read the distinct values, in order of first appearance, not every row
        present = np.asarray(_Values(s).present, dtype=object)
        unread = _to_bool(pd.Series(present)).isna().to_numpy()
        return f"expected true/false values, found {present[unread][0]!r}" if unread.any() else None
    nonnull = s.dropna()
    if len(nonnull) == 0:
        return None
    if spec.kind == "numerical":
        bad = pd.to_numeric(nonnull.astype(str).str.strip(), errors="coerce").isna()
        if bad.any():
            return f"expected numbers, found e.g. {nonnull[bad].iloc[0]!r} (dtype {s.dtype})"
    elif spec.kind == "datetime":
        if pd.api.types.is_datetime64_any_dtype(s.dtype):
            return None
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DateFormatWarning)  # coercion warns, once per table
                _to_datetime(nonnull)
        except (ValueError, TypeError):
            return f"expected dates, found values that do not parse (dtype {s.dtype})"
    return None


def _to_float(s: pd.Series) -> np.ndarray | pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype):
        return s.astype(float)
    if s.dtype == np.float64:
        return s  # canonical already: no copy
    if pd.api.types.is_numeric_dtype(s.dtype):
        return s.astype("float64")
    converted = pd.to_numeric(s.astype("string").str.strip(), errors="coerce").astype("float64")
    bad = converted.isna() & s.notna()
    if bad.any():
        raise ValueError(f"value {s[bad].iloc[0]!r} is not a number")
    return converted


def _finite(s: pd.Series, where: str) -> pd.Series:
    """``s`` with infinite values as missing (a :class:`DataWarning` says how many): no statistic of
    the fidelity metrics is defined on them, and numpy would warn from deep inside each one."""
    infinite = np.isinf(s.to_numpy())
    n = int(np.count_nonzero(infinite))
    if n == 0:
        return s  # the usual case: no copy
    warnings.warn(f"{where} holds {n:,} infinite value(s); they are treated as missing", DataWarning, stacklevel=4)
    return s.mask(infinite)


def _to_datetime(s: pd.Series, what: str | None = None) -> pd.Series:
    if s.dtype == "datetime64[ns]":
        return s  # canonical already: no copy
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        out = s
        if getattr(out.dt, "tz", None) is not None:
            out = out.dt.tz_convert("UTC").dt.tz_localize(None)
        return out.astype("datetime64[ns]")
    if s.notna().sum() == 0 or pd.api.types.is_numeric_dtype(s.dtype):  # no text to read a format from
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            out = pd.to_datetime(s, errors="coerce")
        bad = out.isna() & s.notna()
        if bad.any():
            raise ValueError(f"value {s[bad].iloc[0]!r} is not a date")
        return out.astype("datetime64[ns]")
    return _parse_dates(s, what).astype("datetime64[ns]")


def _to_bool(s: pd.Series) -> pd.Series:
    if pd.api.types.is_bool_dtype(s.dtype) and not s.isna().any():
        return s.astype(object)
    # map the distinct values, not every row (a Python call per row took seconds on 1M rows)
    codes, uniques = pd.factorize(s, use_na_sentinel=True)
    keys = [str(v).strip().lower() for v in uniques]
    table = [True if k in _TRUE | {"1.0"} else False if k in _FALSE | {"0.0"} else np.nan for k in keys]
    values = np.array(table + [np.nan], dtype=object)  # code -1 (missing) -> the last entry
    return pd.Series(values[codes], index=s.index)


_PLAIN_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?")
"""Text written as a plain decimal number (no leading zeros, no exponent): keyed by the number."""


def label_key(v: Any) -> str:
    """The canonical key of one categorical/boolean label: labels equal under it are the same label
    in every metric and in :meth:`Schema.validate`, however each frame types them.

    * booleans: ``"true"`` / ``"false"``, as is text that reads so in any case (``"TRUE"``), the
      words the boolean kind reads as true and false (see :func:`_to_bool`);
    * numbers: whole ones as integers (``1``, ``1.0``, ``np.int8(1)``: ``"1"``), others by their
      shortest repr (``0.5``: ``"0.5"``);
    * text written as a plain decimal number: the number's key, exactly (``"1"``, ``"1.0"``,
      ``"1.00"``: ``"1"``; ``"0.50"``: ``"0.5"``); leading zeros keep text as text (``"01234"``);
    * other text as it is; any other object as ``str(v)``.

    So a real ``1.0`` matches a synthetic ``"1"``, and a real ``True`` a synthetic ``"true"``.
    """
    if isinstance(v, (bool, np.bool_)):
        return "true" if v else "false"
    if isinstance(v, (int, np.integer)):
        return str(int(v))
    if isinstance(v, (float, np.floating)):
        f = float(v)
        return str(int(f)) if f.is_integer() else repr(f)
    if isinstance(v, str):
        if _PLAIN_NUMBER.fullmatch(v):
            whole, _, fraction = v.partition(".")
            fraction = fraction.rstrip("0")
            return str(int(whole)) + "." + fraction if fraction else str(int(whole))
        lowered = v.lower()
        return lowered if lowered in ("true", "false") else v
    return str(v)


def label_keys(labels: Any) -> np.ndarray:
    """:func:`label_key` of each of ``labels`` (non-missing values, typically a column's distinct
    labels), as an object array of str."""
    values = np.asarray(pd.Index(labels))  # an Index keeps a list of mixed labels as objects
    if values.dtype.kind == "b":
        return np.where(values, "true", "false").astype(object)
    if values.dtype.kind in "iu":
        return values.astype(str).astype(object)
    values = values.astype(object, copy=False)
    if pd.api.types.infer_dtype(values, skipna=False) == "string":  # text: only the few special labels change
        text = pd.Index(values, dtype=object).str
        special = np.asarray(text.fullmatch(_PLAIN_NUMBER.pattern)) | np.asarray(text.lower().isin(["true", "false"]))
        if not special.any():
            return values
        values = values.copy()
        values[special] = [label_key(v) for v in values[special]]
        return values
    return np.array([label_key(v) for v in values], dtype=object)


def _category_key(v: Any) -> Any:
    """Compare categories loosely across JSON round trips (1 == 1.0 == '1' is not assumed)."""
    if isinstance(v, (np.generic,)):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _spec_to_json(spec: ColumnSpec) -> dict[str, Any]:
    d = {k: v for k, v in asdict(spec).items() if v is not None and v is not False}
    if "categories" in d:
        d["categories"] = [_category_key(v) for v in d["categories"]]
    return d


def _json_default(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, pd.Timestamp):
        return o.isoformat()
    raise TypeError(f"cannot write {type(o).__name__} to JSON")
