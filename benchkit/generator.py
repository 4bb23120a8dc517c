"""The Generator contract and an optional base class that implements its chores.

A generator is any object with ``fit(data, schema) -> self`` and ``sample(n) -> DataFrame``, whose
constructor takes keyword-only hyper-parameters (stored unchanged, as scikit-learn does) and ``seed``.
Subclassing :class:`Generator` is optional; it gives ``get_params``, a fitted-state check and a
readable ``repr``.

Optional: a fitted generator may offer ``training_summary() -> dict``, plain JSON data saying how
much training it got (keys as in :class:`TrainingSummary`); the runner stores it in the job's run
record (``training``), so a budgeted run shows whether the budget was used.
"""

from __future__ import annotations

import inspect
import os
from typing import Any, Callable, Protocol, TypedDict, runtime_checkable

import numpy as np
import pandas as pd

from .errors import DataError, NotFittedError
from .schema import Schema

ProgressCallback = Callable[[dict[str, Any]], None]
"""``fit`` may call ``progress({"epoch": i, "epochs": n, "loss_g": ..., ...})`` after each epoch."""


class TrainingSummary(TypedDict, total=False):
    """The conventional keys of ``training_summary()`` (all optional; a plugin may add its own)."""

    epochs_done: int
    epochs_planned: int
    stopped_because: str  # "time budget" | "epochs done" | "early stopping" | ...
    budget_s: float | None  # the max_seconds it was given
    train_s: float  # seconds spent training (the fit's total is the run record's fit_s)


@runtime_checkable
class GeneratorProtocol(Protocol):
    def fit(self, data: pd.DataFrame, schema: Schema) -> Any: ...

    def sample(self, n: int) -> pd.DataFrame: ...


class Generator:
    """Convenience base class for generators. Subclasses implement ``_fit`` and ``_sample``.

    ``fit`` stores the schema, calls ``_fit`` and marks the object fitted; ``sample`` checks that
    ``fit`` ran and that ``n`` is a positive integer before calling ``_sample``.
    """

    schema_: Schema | None = None
    progress: ProgressCallback | None = None

    def fit(self, data: pd.DataFrame, schema: Schema) -> "Generator":
        self.schema_ = schema
        self._fit(data, schema)
        self._fitted = True
        return self

    def sample(self, n: int) -> pd.DataFrame:
        if not getattr(self, "_fitted", False):
            raise NotFittedError(f"{type(self).__name__}.sample() was called before fit(); fit it first")
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise ValueError(f"sample(n) needs a positive integer, got {n!r}")
        return self._sample(n)

    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:  # pragma: no cover - abstract
        raise NotImplementedError

    def _sample(self, n: int) -> pd.DataFrame:  # pragma: no cover - abstract
        raise NotImplementedError

    def get_params(self) -> dict[str, Any]:
        """The constructor's keyword arguments as stored on the object."""
        sig = inspect.signature(type(self).__init__)
        return {
            name: getattr(self, name)
            for name, p in sig.parameters.items()
            if name != "self" and p.kind in (p.KEYWORD_ONLY, p.POSITIONAL_OR_KEYWORD) and hasattr(self, name)
        }

    def __repr__(self) -> str:
        params = ", ".join(f"{k}={v!r}" for k, v in self.get_params().items())
        return f"{type(self).__name__}({params})"


# ------------------------------------------------------------------ chores every generator shares
def check_training_data(data: pd.DataFrame, schema: Schema, who: str) -> None:
    """Fail early, naming the problem, when ``data`` cannot train a generator for ``schema``."""
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{who}.fit() needs a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise DataError(f"{who}.fit() got an empty table; it needs at least one row")
    schema.check(data, what=f"training data of {who}")


def first_fresh_id(series: pd.Series) -> int | None:
    """Where fresh ids for an id column start: after the largest real number (0 when there is none),
    or None for a text id column (its fresh ids are ``"syn-<n>"``). Fresh ids never repeat a real one."""
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return None
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(values)
    return int(np.floor(values[finite].max())) + 1 if finite.any() else 0


def fresh_ids(start: int | None, n: int, name: str | None = None) -> pd.Series:
    """``n`` fresh ids from :func:`first_fresh_id`'s ``start``: int64 numbers, or ``"syn-0"``, ``"syn-1"``, ... for text."""
    ids = pd.Series(np.arange(start or 0, (start or 0) + n, dtype=np.int64), name=name)
    return ids if start is not None else "syn-" + ids.astype(str)


THREADS_ENV = "BENCHKIT_THREADS"
"""Set by the benchmark runner in each job process to the job's CPU-thread budget (``threads_per_job``)."""


def job_threads() -> int | None:
    """The CPU threads the benchmark runner gives this job (``--threads-per-job``), or None outside a job.

    A generator that sizes its own thread pool (torch's ``set_num_threads``, a BLAS or OpenMP pool)
    should use at most this many, so that jobs sharing a machine get the budget they were given.
    """
    value = os.environ.get(THREADS_ENV, "")
    return int(value) if value.isdigit() and int(value) > 0 else None
