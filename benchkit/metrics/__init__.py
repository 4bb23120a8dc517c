"""Metrics turn a (real, synthetic) pair into tidy :class:`Score` rows.

A metric is a function ``fn(ctx: MetricContext) -> list[Score]`` registered by name through the
``benchkit_register_metrics`` hook: ``register(name, fn, family=..., higher_is_better=True,
description=..., requires=(...), rows=(...), parallel=False)``. Names are dotted, family first
(``marginal.ks_complement``).
``requires`` lists what the metric needs beyond real and synthetic: ``"target"`` and/or ``"holdout"``;
:func:`benchkit.evaluate` skips a metric whose needs are not met, and says so.

**The metric contract: the registration is the one source of truth.** :func:`benchkit.evaluate`
*stamps* every row a metric returns with the ``family`` the metric registered (rows may be named as
the metric likes: ``utility.tstr`` writes ``utility.tstr_roc_auc`` and ``utility.ratio_roc_auc``;
the family never comes from the name's prefix) and, unless the metric set ``higher_is_better`` on
the row itself, with the registered ``higher_is_better``. A metric whose rows differ in direction
(an AUC where lower is better beside a score where higher is) sets it per row; every other metric
leaves it unset and inherits the registration. Any family name is allowed; :data:`FAMILIES` lists
the built-in ones in the order reports show them. A metric whose rows are not named
``<name>_<suffix>`` lists them (names or ``fnmatch`` patterns) in ``rows=(...)``, so the report's
Methods section finds their description.

**Threaded metrics opt in at registration.** ``parallel=True`` says the metric reads the shared
column encodings of :mod:`benchkit.metrics._engine.encoding` (and values kept with
:func:`~benchkit.metrics._engine.ctx.memo`, never writing ``ctx.cache`` directly) and maps its
columns or pairs with ``thread_map``. When any runnable metric opted in, evaluate builds the shared
encodings up front (on threads on a large table, ``evaluation.PARALLEL_MIN_ROWS``), with the rank
encodings too if one of them registered ``shared_ranks=True``; on a large table the opted-in
metrics' ``thread_map`` calls then spread over threads, while every other metric's run serially.
Metrics run one after another (running them side by side in one pool bought nothing measurable:
``benchmarks/encoding_ablation.py``). The built-in marginal and pairwise metrics opt in, and so does
``utility.tstr`` (its TRTR and TSTR fits run side by side); a plugin's metric may do the same.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Sequence

import pandas as pd

from ..errors import RecordError
from ..schema import Schema

FAMILIES = ("marginal", "pairwise", "aggregate", "utility", "detection", "privacy")
"""The built-in families, in report order; plugins may register metrics in families of their own."""


@dataclass
class Score:
    """One measured value: a tidy result row.

    ``column`` names the column a per-column metric looked at; pair metrics also set ``column_2``
    (a separate field, so that column names containing any character stay unambiguous).
    ``higher_is_better`` and ``family`` are normally left unset by the metric: :func:`benchkit.evaluate`
    fills them in from the metric's registration (see the module docstring).
    """

    metric: str
    value: float
    column: str | None = None
    column_2: str | None = None
    higher_is_better: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    family: str | None = None

    def stamped(self, family: str, higher_is_better: bool) -> "Score":
        """This row with the registration's family, and its direction unless the row set its own."""
        self.family = family
        if self.higher_is_better is None:
            self.higher_is_better = bool(higher_is_better)
        return self

    def to_dict(self) -> dict[str, Any]:
        """The row as plain JSON data, keyed by :data:`SCORE_COLUMNS`: a NaN value is ``None``; a
        row built outside evaluate (tests, old callers) gets its name's prefix as family and
        higher-is-better. This is what a results folder's ``scores.jsonl`` holds (plus the run's ids)."""
        return {
            "metric": self.metric,
            "family": _written_family(self),
            "column": self.column,
            "column_2": self.column_2,
            "value": _written_value(self.value),
            "higher_is_better": _written_direction(self.higher_is_better),
            "details": dict(self.details),
        }

    @classmethod
    def from_dict(cls, row: Mapping[str, Any], where: str = "a score row", ids: frozenset[str] = frozenset()) -> "Score":
        """The Score a :meth:`to_dict` row holds (a ``scores.jsonl`` line: ``ids`` names the fields of
        the line around the row, its run ids, which are allowed and left out).

        Strict: a field the row does not know (a misspelt name, a file of a newer version) raises
        :class:`~benchkit.errors.RecordError` (a DataError) naming it and ``where`` (e.g.
        ``path:line``); a missing optional field gets its default, a ``None`` value reads as NaN.
        """
        allowed = _ALLOWED.get(ids) or _ALLOWED.setdefault(ids, _SCORE_FIELDS | ids)
        if not allowed.issuperset(row) or "metric" not in row:
            unknown = [k for k in row if k not in _SCORE_FIELDS and k not in ids]
            missing = [] if "metric" in row else ["metric"]
            raise RecordError.of_fields(where, "score row", unknown, missing, _SCORE_FIELDS | ids)
        value = row.get("value")
        details = row.get("details")
        if not (type(value) in _NUMBER or isinstance(value, (int, float)) and not isinstance(value, bool)) or not (
                type(details) in _DETAILS or isinstance(details, Mapping)):
            raise RecordError(f"{where}: a score row whose value is not a number (or null), or whose details "
                              "are not an object; fix or remove that line")
        return cls(row["metric"], math.nan if value is None else float(value), row.get("column"),
                   row.get("column_2"), row.get("higher_is_better"), {} if details is None else dict(details),
                   row.get("family"))


SCORE_COLUMNS = ["metric", "family", "column", "column_2", "value", "higher_is_better", "details"]
"""The fields of a Score row as written (:meth:`Score.to_dict`), in the order of its frame view."""
_SCORE_FIELDS = frozenset(SCORE_COLUMNS)
_ALLOWED: dict[frozenset[str], frozenset[str]] = {}
_NUMBER = (float, int, type(None))  # JSON numbers (bool is not one of them)
_DETAILS = (dict, type(None))


def _written_family(s: Score) -> str:
    """The family written: the stamped one; a row built outside evaluate (tests, old callers) its name's prefix."""
    return s.family if s.family is not None else s.metric.split(".", 1)[0]


def _written_value(v: Any) -> float | None:
    """The value written: a float, ``None`` for NaN (strict JSON has no NaN)."""
    return None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)


def _written_direction(h: bool | None) -> bool:
    """The direction written: the row's or its registration's; higher is better when neither set one."""
    return True if h is None else bool(h)


def score_frame(rows: Iterable[Score], **extra: Sequence[Any]) -> pd.DataFrame:
    """The tidy DataFrame view of Score rows: one row per value, :data:`SCORE_COLUMNS` written as
    :meth:`Score.to_dict` writes them (a NaN value is NaN in the frame), after any ``extra`` columns
    given (one value per row, e.g. ``run_id=[...]``). ``details`` holds the rows' own dicts."""
    rows = list(rows)
    if rows:  # column by column, each written as to_dict writes it (faster than a dict per row)
        frame = pd.DataFrame({
            "metric": [s.metric for s in rows],
            "family": [_written_family(s) for s in rows],
            "column": [s.column for s in rows],
            "column_2": [s.column_2 for s in rows],
            "value": [_written_value(s.value) for s in rows],
            "higher_is_better": [_written_direction(s.higher_is_better) for s in rows],
            "details": [s.details for s in rows],  # the rows' own dicts: a view, not a copy
        }, columns=SCORE_COLUMNS)
    else:
        frame = pd.DataFrame(columns=SCORE_COLUMNS)
    for i, (name, values) in enumerate(extra.items()):
        frame.insert(i, name, list(values))
    return frame


@dataclass
class MetricContext:
    """What a metric sees.

    ``real`` and ``synthetic`` hold the schema's columns, coerced to canonical dtypes
    (:meth:`Schema.coerce`). ``holdout`` is real data the generator never saw (None when unknown);
    ``target`` is the column utility metrics predict; ``seed`` drives every random choice.
    ``cache`` lets metrics of one evaluation share expensive encodings: read and write it only
    through :func:`benchkit.metrics._engine.ctx.memo` (keys owned by the building module, each key
    built once even when metrics run side by side in threads).
    """

    real: pd.DataFrame
    synthetic: pd.DataFrame
    schema: Schema
    holdout: pd.DataFrame | None = None
    target: str | None = None
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)
    shared: dict[Any, Any] = field(default_factory=dict)
    """The store of :func:`~benchkit.metrics._engine.ctx.memo` ``(..., across_references=True)``:
    values keyed by the *content* they were computed from (a model fitted on exactly these training
    rows), shared by an evaluation and the reference evaluations it runs."""


__all__ = ["Score", "MetricContext", "FAMILIES", "SCORE_COLUMNS", "score_frame"]
