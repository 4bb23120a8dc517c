"""The Generator contract and the helpers a generator plugin needs.

A generator is any object with ``fit(data, schema) -> self`` and ``sample(n) -> DataFrame``, whose
constructor takes keyword-only hyper-parameters (stored unchanged, as scikit-learn does) and ``seed``.
Subclassing :class:`Generator` is optional; it gives ``get_params``, a fitted-state check, a readable
``repr`` and the defaults of the optional attributes below.

Optional parts of the contract, each read from the class (or, for a factory that is a plain function,
set as an attribute of the function):

- ``test_params()``: a class method (or static method) returning cheap hyper-parameters (few epochs,
  small networks) for the conformance checks (:mod:`benchkit.testing`, ``benchkit check``). It is the
  one place they come from; ``register()`` takes no ``test_params``.
- ``supported_kinds``: the column kinds (:data:`benchkit.schema.KINDS`) the generator can fit, all of them
  by default. The conformance checks feed it only those; the runner fails a job whose dataset has another
  kind, naming the column (:func:`check_supported_kinds`).
- ``progress``: an attribute holding a :data:`ProgressCallback` or None. The runner sets it after
  building the generator and before ``fit``; ``fit`` calls it after each epoch with a
  :class:`ProgressInfo`. It is not a constructor argument (it is not a hyper-parameter).
- ``training_summary() -> dict``: plain JSON data on a fitted generator saying how much training it got
  (keys as in :class:`TrainingSummary`); the runner stores it in the job's run record (``training``),
  so a budgeted run shows whether the budget was used.

- ``entity_support``: True when the generator models whole entity histories. Only then does ``fit``
  receive the schema with its entity roles (``schema.roles``: the entity key, the order column, the
  dataset's rules and entity label, see :mod:`benchkit.entities`); every other generator gets the schema
  without roles (:func:`schema_for_generator`), the key then being an ordinary ``id`` column, exactly
  as before roles existed. Default False, so old plugins keep working unchanged.

Helpers for the chores every generator has: :func:`check_training_data` (fail early and clearly on an
unusable table), :func:`first_fresh_id` and :func:`fresh_ids` (synthetic ids that never repeat a real
one) and :func:`job_threads` (the CPU-thread budget inside a benchmark job).
"""

from __future__ import annotations

import inspect
import os
from typing import Any, Callable, Iterable, Protocol, TypedDict, runtime_checkable

import numpy as np
import pandas as pd

from .errors import BenchkitError, DataError, NotFittedError, UnsupportedKindError
from .schema import KINDS, Schema

ALL_KINDS: frozenset[str] = frozenset(KINDS)
"""Every column kind; the default ``supported_kinds``."""


class ProgressInfo(TypedDict, total=False):
    """What ``fit`` passes to its ``progress`` callback after each epoch. Only ``epoch`` is required;
    a plugin may add its own keys (plain numbers or strings: they cross process boundaries)."""

    epoch: int  # epochs done so far, counting from 1
    epochs: int | None  # epochs planned (None when open-ended)
    seconds: float  # seconds since fit() started
    loss: float  # the one headline training loss (for a GAN, the generator's); the runner's bar shows it


ProgressCallback = Callable[[ProgressInfo], None]
"""``progress(info)``: called by ``fit`` after each epoch, e.g. ``progress({"epoch": 3, "epochs": 300,
"seconds": 1.2, "loss": 0.41, "loss_c": -0.2})``. The generator's ``progress`` attribute holds it (None:
nobody listens); the benchmark runner sets the attribute and shows epoch and loss on its progress bar."""


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
    """Set by the runner before ``fit``; call it after each epoch (see :data:`ProgressCallback`)."""
    supported_kinds: frozenset[str] = ALL_KINDS
    """The column kinds this generator can fit (see :func:`check_supported_kinds`); narrow it in a subclass."""
    entity_support: bool = False
    """True: ``fit`` receives the schema's entity roles (see :func:`schema_for_generator`)."""

    def fit(self, data: pd.DataFrame, schema: Schema) -> "Generator":
        self.schema_ = schema
        if isinstance(data, pd.DataFrame) and not all(isinstance(c, str) for c in data.columns) \
                and not data.columns.map(str).has_duplicates:
            # labels 0, 1, ... (a frame built from an array) under the schema's names "0", "1", ...
            data = data.set_axis([str(c) for c in data.columns], axis=1)
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

    def store_params(self, values: dict[str, Any]) -> None:
        """Store the constructor's keyword arguments unchanged, scikit-learn style.

        Call it as ``self.store_params(locals())`` in ``__init__``: every parameter of the class's
        ``__init__`` signature found in ``values`` becomes an attribute of the same name (no logic,
        no validation: check values in ``fit``).
        """
        for name in inspect.signature(type(self).__init__).parameters:
            if name != "self" and name in values:
                setattr(self, name, values[name])

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
    """Fail early, naming the problem, when ``data`` cannot train a generator for ``schema``.

    Call it first thing in ``fit`` (``who`` is your generator's name, for the message): it raises
    :class:`~benchkit.errors.DataError` for something that is not a DataFrame or an empty table, and
    :class:`~benchkit.errors.SchemaError` listing every schema column that is missing or of the wrong kind.
    """
    if not isinstance(data, pd.DataFrame):
        raise DataError(f"{who}.fit() needs a pandas DataFrame, got {type(data).__name__}")
    if len(data) == 0:
        raise DataError(f"{who}.fit() got an empty table; it needs at least one row")
    schema.check(data, what=f"training data of {who}")


def first_fresh_id(series: pd.Series) -> int | None:
    """Where fresh ids for an id column start: after the largest real number (0 when there is none),
    or None for a text id column (its fresh ids are ``"syn-<n>"``). Fresh ids never repeat a real one.

    Call it in ``fit`` on each ``id`` column of the training data and keep the result for ``sample``.
    """
    if not pd.api.types.is_numeric_dtype(series.dtype) or pd.api.types.is_bool_dtype(series.dtype):
        return None
    values = series.to_numpy(dtype="float64", na_value=np.nan)
    finite = np.isfinite(values)
    return int(np.floor(values[finite].max())) + 1 if finite.any() else 0


def fresh_ids(start: int | None, n: int, name: str | None = None) -> pd.Series:
    """``n`` fresh ids from :func:`first_fresh_id`'s ``start``: int64 numbers, or ``"syn-0"``, ``"syn-1"``, ... for text.

    Identifier columns are not a distribution: a synthetic row must not carry a real id (it would link
    to a real record). ``np.arange(n)`` collides with real ids 0..n-1; these ids never do::

        def _fit(self, data, schema):                 # remember where fresh ids start
            self.id_start_ = {c: first_fresh_id(data[c]) for c in schema.names("id")}

        def _sample(self, n):
            ...
            for c, start in self.id_start_.items():
                out[c] = fresh_ids(start, n, c)
    """
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


# ------------------------------------------------------------------ supported column kinds
def supported_kinds(generator: Any) -> frozenset[str]:
    """The column kinds ``generator`` (a class, a factory or an instance) declares it can fit: its
    ``supported_kinds`` attribute, every kind when it has none. An unknown kind name is an error."""
    declared = getattr(generator, "supported_kinds", None)
    if declared is None:
        return ALL_KINDS
    if isinstance(declared, str) or not isinstance(declared, Iterable):
        raise BenchkitError(f"{_label(generator)}.supported_kinds must be a set of kind names such as "
                            f"frozenset({{'numerical', 'categorical'}}), not {declared!r}")
    kinds = frozenset(declared)
    unknown = sorted(map(str, kinds - ALL_KINDS))
    if unknown:
        raise BenchkitError(f"{_label(generator)}.supported_kinds names unknown kind(s) {', '.join(unknown)}; "
                            f"the kinds are {', '.join(KINDS)}")
    return kinds


def unsupported_columns(generator: Any, schema: Schema) -> dict[str, str]:
    """The columns of ``schema`` whose kind ``generator`` does not support, as ``{column: kind}``."""
    kinds = supported_kinds(generator)
    return {name: spec.kind for name, spec in schema.columns.items() if spec.kind not in kinds}


def check_supported_kinds(generator: Any, schema: Schema, who: str | None = None) -> None:
    """Raise :class:`~benchkit.errors.UnsupportedKindError` naming the generator (``who``), each column
    and its kind when ``schema`` has a kind ``generator`` does not declare in ``supported_kinds``."""
    bad = unsupported_columns(generator, schema)
    if bad:
        who = who or _label(generator)
        cols = ", ".join(f"{c!r} ({k})" for c, k in bad.items())
        raise UnsupportedKindError(
            f"generator {who!r} does not support the kind of column(s) {cols}; it supports "
            f"{', '.join(k for k in KINDS if k in supported_kinds(generator))}. Drop or convert "
            f"{'that column' if len(bad) == 1 else 'those columns'} (a schema override), or use another generator")


def entity_support(generator: Any) -> bool:
    """Whether ``generator`` (a class, a factory or an instance) declares ``entity_support = True``."""
    return getattr(generator, "entity_support", False) is True


def schema_for_generator(generator: Any, schema: Schema) -> Schema:
    """The schema ``generator.fit`` receives: with the entity roles for a generator that declares
    ``entity_support``, without them for any other (see the module docstring)."""
    return schema if entity_support(generator) else schema.without_roles()


def _label(obj: Any) -> str:
    return getattr(obj, "__name__", None) or type(obj).__name__


__all__ = [
    "ALL_KINDS",
    "Generator",
    "GeneratorProtocol",
    "ProgressCallback",
    "ProgressInfo",
    "THREADS_ENV",
    "TrainingSummary",
    "check_supported_kinds",
    "check_training_data",
    "entity_support",
    "first_fresh_id",
    "fresh_ids",
    "job_threads",
    "schema_for_generator",
    "supported_kinds",
    "unsupported_columns",
]
