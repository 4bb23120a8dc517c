"""The conformance suite a generator plugin must pass, usable from a plugin author's own pytest.

Each check is a plain function ``check_*(factory, data=None, schema=None, params=None)`` that raises
:class:`ConformanceError` (an ``AssertionError``) naming the check and the defect. ``factory`` is a
generator class or any callable ``factory(**params, seed=...)``; ``params`` are merged over the
factory's ``test_params()`` (cheap settings), when it has one. Without ``data`` the checks use
:func:`make_check_data`, a small mixed table with numerical (continuous and integer), categorical,
boolean, datetime and id columns and missing values. Columns of a kind the generator does not declare
in ``supported_kinds`` are left out of the data it is fed (:func:`skipped_columns` says which;
:func:`run_checks` and :func:`check_generator` warn with :class:`SkippedKindsWarning`).

Three ways in::

    benchkit.testing.check_generator(MyGenerator)          # raises on the first run with defects

    @benchkit.testing.parametrize_with_checks([MyGenerator])
    def test_conformance(generator, check):                 # one pytest case per check
        check(generator)

    $ benchkit check my_generator                          # pass/fail per check
"""

from __future__ import annotations

import functools
import re
import time
import warnings
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Sequence

import numpy as np
import pandas as pd

from .errors import BenchkitError
from .entities import EntityRoles
from .generator import ALL_KINDS, entity_support, supported_kinds
from .pandas_compat import TEXT_DTYPE
from .schema import ColumnSpec, Schema, _to_bool

Factory = Callable[..., Any]

LARGE_FACTOR = 10
"""``check_sample_more_rows_than_training`` asks for this many times the training rows."""


class ConformanceError(BenchkitError, AssertionError):
    """A generator broke the plugin contract; the message names the check and the defect."""


class SkippedKindsWarning(UserWarning):
    """The conformance checks left out columns of kinds the generator does not declare it supports."""


@dataclass
class CheckResult:
    """The outcome of one check on one generator."""

    check: str
    passed: bool
    message: str = ""
    seconds: float = 0.0


# ------------------------------------------------------------------ test data
@functools.lru_cache(maxsize=4)
def _check_data(n_rows: int, seed: int) -> tuple[pd.DataFrame, Schema]:
    rng = np.random.default_rng(seed)
    age = rng.integers(18, 90, n_rows).astype(float)
    income = np.round(np.exp(8 + 0.02 * age + rng.normal(0, 0.5, n_rows)), 2)
    city = rng.choice(["Lisbon", "Oslo", "Quito", "Nairobi", "Hanoi"], n_rows, p=[0.4, 0.25, 0.15, 0.12, 0.08])
    member = (income + rng.normal(0, 3000, n_rows)) > np.median(income)
    signup = pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n_rows), unit="D")
    score = np.round(rng.normal(50 + 10 * member, 8, n_rows), 3)
    df = pd.DataFrame(
        {
            "customer_id": np.arange(1000, 1000 + n_rows),
            "age": age,
            "income": income,
            "city": pd.Series(city, dtype=TEXT_DTYPE),
            "member": member,
            "signup": pd.Series(signup).astype("datetime64[ns]"),
            "score": score,
        }
    )
    df.loc[rng.random(n_rows) < 0.10, "age"] = np.nan
    df.loc[rng.random(n_rows) < 0.06, "city"] = np.nan
    df.loc[rng.random(n_rows) < 0.05, "signup"] = pd.NaT
    schema = Schema.infer(df)
    return df, schema


def make_check_data(n_rows: int = 300, seed: int = 0) -> tuple[pd.DataFrame, Schema]:
    """A small mixed table and its schema: id, integer (10% missing), continuous, categorical
    (6% missing), boolean, datetime (5% missing) and a second continuous column."""
    df, schema = _check_data(n_rows, seed)
    return df.copy(), Schema.from_dict(schema.to_dict())


# ---------------------------------------------------------------- plumbing
def _name(factory: Factory) -> str:
    return getattr(factory, "__name__", None) or type(factory).__name__


def _params(factory: Factory, params: dict[str, Any] | None) -> dict[str, Any]:
    base: dict[str, Any] = {}
    test_params = getattr(factory, "test_params", None)
    if callable(test_params):
        base.update(test_params() or {})
    base.update(params or {})
    base.pop("seed", None)
    return base


def _inputs(data: pd.DataFrame | None, schema: Schema | None) -> tuple[pd.DataFrame, Schema]:
    if data is None:
        if schema is not None:
            raise BenchkitError("check data: a schema was given without data; pass both, or neither")
        return make_check_data()
    schema = schema if schema is not None else Schema.infer(data)
    missing = [c for c in schema.columns if c not in data.columns]
    if missing:
        raise BenchkitError(f"check data: the schema's column(s) {missing} are not in the data; "
                            f"the data has {list(map(str, data.columns))}")
    return data, schema


def _kinds(factory: Factory, params: dict[str, Any] | None = None) -> frozenset[str]:
    """The kinds ``factory`` supports: its ``supported_kinds``, or (a plain-function factory) that of the
    object it builds; every kind when neither says."""
    if getattr(factory, "supported_kinds", None) is not None or isinstance(factory, type):
        return supported_kinds(factory)
    try:
        built = factory(**_params(factory, params), seed=0)
    except Exception:  # the checks themselves report a factory that cannot build
        return ALL_KINDS
    return supported_kinds(built)


def skipped_columns(factory: Factory | str, schema: Schema | None = None,
                    params: dict[str, Any] | None = None) -> dict[str, str]:
    """The columns of ``schema`` (default: the check data's) the checks leave out because ``factory`` does
    not declare their kind in ``supported_kinds``, as ``{column: kind}``."""
    factory, params, _ = resolve(factory, params)
    return _skipped(factory, params, schema if schema is not None else make_check_data()[1])


def _skipped(factory: Factory, params: dict[str, Any] | None, schema: Schema) -> dict[str, str]:
    kinds = _kinds(factory, params)
    return {name: spec.kind for name, spec in schema.columns.items() if spec.kind not in kinds}


def _supported_only(factory: Factory, data: pd.DataFrame, schema: Schema,
                    params: dict[str, Any] | None) -> tuple[pd.DataFrame, Schema]:
    """``data`` and ``schema`` without the columns of kinds ``factory`` does not support."""
    kinds = _kinds(factory, params)
    keep = [c for c, spec in schema.columns.items() if spec.kind in kinds]
    if len(keep) == len(schema.columns):
        return data, schema
    if not keep:
        raise ConformanceError(f"{_name(factory)} supports the column kinds {sorted(kinds)} and the check data has "
                               f"none of them ({', '.join(sorted({s.kind for s in schema.columns.values()}))}); "
                               "pass data= with columns it supports")
    target = schema.target if schema.target in keep else None
    return data[keep], Schema({c: schema.columns[c] for c in keep}, target=target)


def _warn_skipped(factory: Factory, params: dict[str, Any] | None, schema: Schema) -> None:
    skipped = _skipped(factory, params, schema)
    if skipped:
        warnings.warn(SkippedKindsWarning(
            f"{_name(factory)} does not support the kind(s) {', '.join(sorted(set(skipped.values())))}: the "
            f"checks left out column(s) {', '.join(f'{c} ({k})' for c, k in skipped.items())}"), stacklevel=3)


def _make(factory: Factory, params: dict[str, Any], seed: int = 0) -> Any:
    return factory(**params, seed=seed)


def _fitted(factory: Factory, params: dict[str, Any], data: pd.DataFrame, schema: Schema, seed: int = 0) -> Any:
    gen = _make(factory, params, seed)
    gen.fit(data, schema)
    return gen


def _fail(check: str, factory: Factory, defect: str) -> ConformanceError:
    return ConformanceError(f"{check} failed for {_name(factory)}: {defect}")


def _check(fn: Callable[..., None]) -> Callable[..., None]:
    """Give a check its uniform signature; any unexpected exception becomes a ConformanceError."""

    @functools.wraps(fn)
    def run(factory: Factory, data: pd.DataFrame | None = None, schema: Schema | None = None,
            params: dict[str, Any] | None = None) -> None:
        d, s = _inputs(data, schema)
        d, s = _supported_only(factory, d, s, params)
        try:
            fn(factory, d, s, _params(factory, params))
        except ConformanceError:
            raise
        except Exception as exc:
            raise _fail(fn.__name__, factory, f"raised {type(exc).__name__}: {exc}") from exc

    run.is_check = True  # type: ignore[attr-defined]
    return run


def _sample(gen: Any, n: int, check: str, factory: Factory) -> pd.DataFrame:
    out = gen.sample(n)
    if not isinstance(out, pd.DataFrame):
        raise _fail(check, factory, f"sample({n}) returned {type(out).__name__}, not a pandas DataFrame")
    if len(out) != n:
        raise _fail(check, factory, f"sample({n}) returned {len(out)} rows, not {n}")
    return out


def _key(v: Any) -> Any:
    if isinstance(v, np.generic):
        v = v.item()
    if isinstance(v, float) and v.is_integer():
        return int(v)
    return v


def _family(s: pd.Series) -> str:
    dtype = s.dtype
    if isinstance(dtype, pd.CategoricalDtype):
        return _family(pd.Series(dtype.categories))
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if pd.api.types.is_string_dtype(dtype) or pd.api.types.is_object_dtype(dtype):
        kinds = {type(_key(v)).__name__ for v in s.dropna().head(1000)}
        if kinds <= {"str"}:
            return "string"
        if kinds <= {"bool"}:
            return "bool"
        if kinds <= {"int", "float"}:
            return "number"
        return "object"
    return str(dtype)


def _same(a: Any, b: Any) -> bool:
    """Whether a stored hyper-parameter is the value passed in (arrays compared element-wise)."""
    if a is b:
        return True
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # e.g. numpy arrays: == is element-wise
        try:
            return bool(np.array_equal(np.asarray(a), np.asarray(b)))
        except Exception:
            return False


def _show(values: Sequence[Any], limit: int = 5) -> str:
    shown = ", ".join(repr(_key(v)) for v in values[:limit])
    return shown + (f" and {len(values) - limit} more" if len(values) > limit else "")


# ------------------------------------------------------------------ checks
@_check
def check_init_params(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """The constructor takes the hyper-parameters as keywords plus ``seed`` and stores them unchanged."""
    gen = _make(factory, params, seed=7)
    changed = [k for k, v in {**params, "seed": 7}.items() if hasattr(gen, k) and not _same(getattr(gen, k), v)]
    if changed:
        raise _fail("check_init_params", factory, "the constructor changed hyper-parameter(s) "
                    + ", ".join(f"{k}={params.get(k, 7)!r} -> {getattr(gen, k)!r}" for k in changed)
                    + "; store them unchanged and put logic in fit()")


@_check
def check_sample_before_fit(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """``sample`` before ``fit`` raises an error that says to call fit first."""
    gen = _make(factory, params)
    try:
        gen.sample(5)
    except Exception as exc:
        if not re.search(r"\bfit", str(exc), re.IGNORECASE):
            raise _fail("check_sample_before_fit", factory,
                        f"sample() before fit() raised {type(exc).__name__}: {exc!s:.200}; the message should "
                        "say that fit() must be called first (benchkit.errors.NotFittedError)") from exc
        return
    raise _fail("check_sample_before_fit", factory, "sample() before fit() returned data instead of raising "
                "an error (raise benchkit.errors.NotFittedError)")


@_check
def check_fit_leaves_data_unchanged(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """``fit`` returns self (or None) and does not modify the caller's table."""
    before = data.copy(deep=True)
    gen = _make(factory, params)
    returned = gen.fit(data, schema)
    if returned is not None and returned is not gen:
        raise _fail("check_fit_leaves_data_unchanged", factory,
                    f"fit() returned {type(returned).__name__}; return self")
    try:
        pd.testing.assert_frame_equal(data, before)
    except AssertionError as exc:
        raise _fail("check_fit_leaves_data_unchanged", factory, f"fit() modified the training table: {exc}") from None


@_check
def check_columns(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """``sample(n)`` returns n rows with exactly the schema's columns."""
    out = _sample(_fitted(factory, params, data, schema), 50, "check_columns", factory)
    expected = list(schema.columns)
    got = [str(c) for c in out.columns]
    missing = [c for c in expected if c not in got]
    extra = [c for c in got if c not in expected]
    dup = sorted({c for c in got if got.count(c) > 1})
    problems = []
    if missing:
        problems.append(f"missing column(s) {missing}")
    if extra:
        problems.append(f"unexpected column(s) {extra}")
    if dup:
        problems.append(f"duplicated column(s) {dup}")
    if problems:
        raise _fail("check_columns", factory, "; ".join(problems) + f" (the schema's columns are {expected})")


@_check
def check_dtypes(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """Each column's dtype fits its kind: numbers numeric (integers whole), dates datetime64,
    booleans true/false, categorical labels of the same type as the real ones."""
    out = _sample(_fitted(factory, params, data, schema), 200, "check_dtypes", factory)
    problems = []
    for name, spec in schema.columns.items():
        if name not in out.columns or spec.kind == "id":
            continue
        s, real = out[name], data[name]
        fam = _family(s)
        if spec.kind == "numerical":
            if fam != "number":
                problems.append(f"column {name!r} is numerical but has dtype {s.dtype} ({fam} values); return numbers")
            elif spec.subtype == "integer":
                v = s.dropna().to_numpy(dtype="float64")
                bad = v[np.isfinite(v) & (v != np.round(v))]
                if len(bad):
                    problems.append(f"column {name!r} is integer but has non-whole values such as {bad[0]!r}")
        elif spec.kind == "datetime":
            if not pd.api.types.is_datetime64_any_dtype(s.dtype):
                problems.append(f"column {name!r} is datetime but has dtype {s.dtype}; return datetime64 values")
        elif spec.kind == "boolean":
            seen = {_key(v) for v in real.dropna().unique()}
            if fam != "bool" and not {_key(v) for v in s.dropna().unique()} <= seen:
                problems.append(f"column {name!r} is boolean but has dtype {s.dtype} with values other than "
                                f"True/False or the real labels {sorted(map(str, seen))}")
        elif spec.kind == "categorical":
            want = _family(real)
            if fam != want and len(s.dropna()):
                problems.append(f"column {name!r} is categorical with {want} labels but the sample has "
                                f"{fam} values (dtype {s.dtype}); return labels of the real data's type")
    if problems:
        raise _fail("check_dtypes", factory, "; ".join(problems))


@_check
def check_sample_one_row(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """``sample(1)`` returns one row with the schema's columns."""
    out = _sample(_fitted(factory, params, data, schema), 1, "check_sample_one_row", factory)
    if set(map(str, out.columns)) != set(schema.columns):
        raise _fail("check_sample_one_row", factory, f"sample(1) returned columns {list(out.columns)}")


@_check
def check_sample_more_rows_than_training(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """``sample(n)`` works for n far above the number of training rows."""
    n = LARGE_FACTOR * len(data)
    _sample(_fitted(factory, params, data, schema), n, "check_sample_more_rows_than_training", factory)


@_check
def check_categories_seen(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """Categorical and boolean columns only hold values seen in the training data."""
    out = _sample(_fitted(factory, params, data, schema), 2 * len(data), "check_categories_seen", factory)
    problems = []
    for name in schema.names("categorical", "boolean"):
        if name not in out.columns:
            continue
        values = out[name].dropna().unique()
        if schema[name].kind == "boolean":  # True/False and the real labels ("yes"/"no") are the same values
            seen = set(_to_bool(data[name].dropna()).dropna())
            as_bool = _to_bool(pd.Series(values, dtype=object))
            unseen = [v for v, b in zip(values, as_bool) if pd.isna(b) or b not in seen]
        else:
            seen = {_key(v) for v in data[name].dropna().unique()}
            unseen = [v for v in values if _key(v) not in seen]
        if unseen:
            problems.append(f"column {name!r} has {len(unseen)} value(s) never seen in the training data: {_show(unseen)}")
    if problems:
        raise _fail("check_categories_seen", factory, "; ".join(problems))


@_check
def check_missing_values(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """Columns with missing values in the real data get some in the sample; complete ones get none."""
    n = max(1000, 2 * len(data))
    out = _sample(_fitted(factory, params, data, schema), n, "check_missing_values", factory)
    problems = []
    for name, spec in schema.columns.items():
        if name not in out.columns or spec.kind == "id":
            continue
        real_rate = float(data[name].isna().mean())
        got = int(out[name].isna().sum())
        if real_rate >= 0.02 and got == 0:
            problems.append(f"column {name!r} is {real_rate:.0%} missing in the real data but never in {n} sampled rows")
        elif real_rate == 0 and got:
            problems.append(f"column {name!r} has no missing values in the real data but {got} of {n} sampled rows are missing")
    if problems:
        raise _fail("check_missing_values", factory, "; ".join(problems))


@_check
def check_deterministic(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """Two generators built with the same seed and fitted on the same data sample the same table."""
    a = _sample(_fitted(factory, params, data, schema, seed=3), 100, "check_deterministic", factory)
    b = _sample(_fitted(factory, params, data, schema, seed=3), 100, "check_deterministic", factory)
    for name in a.columns:
        if name not in b.columns:
            continue
        x, y = a[name].reset_index(drop=True), b[name].reset_index(drop=True)
        same = (x == y) | (x.isna() & y.isna())
        if not bool(same.all()):
            i = int(np.flatnonzero(~same.to_numpy(dtype=bool, na_value=False))[0])
            raise _fail("check_deterministic", factory,
                        f"two runs with seed=3 differ in column {name!r} (row {i}: {x.iloc[i]!r} vs {y.iloc[i]!r}); "
                        "draw every random number from the seed (numpy Generator / torch.Generator)")
    if list(a.columns) != list(b.columns):
        raise _fail("check_deterministic", factory, f"two runs with seed=3 return columns in different orders: "
                    f"{list(a.columns)} vs {list(b.columns)}")


@_check
def check_fit_twice(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """Fitting again on another table replaces the first fit (no state leaks between fits)."""
    keep = [c for c in schema.columns if c != schema.names()[-1]] or list(schema.columns)
    other = data[keep].iloc[: max(2, len(data) // 2)].reset_index(drop=True)
    roles = schema.roles
    if roles is not None:  # the entity roles whose columns are kept (an entity generator needs its key)
        kept_rules = tuple(r for r in roles.rules if all(c in keep for c in r.columns()))
        roles = None if roles.key not in keep else EntityRoles(
            roles.key, roles.order if roles.order in keep else None, kept_rules, roles.label if roles.label in keep else None)
    other_schema = Schema({c: schema.columns[c] for c in keep}, target=schema.target if schema.target in keep else None,
                          roles=roles)
    gen = _fitted(factory, params, data, schema)
    gen.fit(other, other_schema)
    out = _sample(gen, 20, "check_fit_twice", factory)
    if set(map(str, out.columns)) != set(keep):
        raise _fail("check_fit_twice", factory,
                    f"after a second fit on columns {keep}, sample() returned columns {list(out.columns)}; "
                    "fit() must reset everything learnt before")
    gen.fit(data, schema)
    out = _sample(gen, 20, "check_fit_twice", factory)
    if set(map(str, out.columns)) != set(schema.columns):
        raise _fail("check_fit_twice", factory, f"after a third fit, sample() returned columns {list(out.columns)}")


@_check
def check_entity_histories(factory: Factory, data: pd.DataFrame, schema: Schema, params: dict[str, Any]) -> None:
    """A generator declaring ``entity_support`` returns histories: the entity key column, entities of
    several rows and entity ids that never repeat a real one (nothing to check for other generators)."""
    if not entity_support(factory):
        return
    if schema.roles is None:  # the check data has no entity key: histories of 5 rows, ordered by a date if any
        data = data.assign(_entity=np.arange(len(data)) // 5 + 1)
        dates = [c for c in schema.datetime if c in data.columns]
        schema = Schema({**schema.columns, "_entity": ColumnSpec("id")}, target=schema.target,
                        roles=EntityRoles("_entity", dates[0] if dates else None))
    key = schema.entity
    gen = _fitted(factory, params, data, schema)
    out = _sample(gen, 60, "check_entity_histories", factory)
    if key not in out.columns:
        raise _fail("check_entity_histories", factory, f"sample() dropped the entity key column {key!r}")
    if out[key].isna().any():
        raise _fail("check_entity_histories", factory, f"sample() left the entity key {key!r} missing in some rows")
    if out[key].value_counts().max() < 2:
        raise _fail("check_entity_histories", factory, "every sampled entity has one row; a generator declaring "
                    "entity_support returns whole histories (several rows per entity key)")
    reused = set(out[key].dropna()) & set(data[key].dropna())
    if reused:
        raise _fail("check_entity_histories", factory, f"sampled entity ids repeat real ones ({_show(sorted(reused, key=str))}); "
                    "mint fresh ids (benchkit.generator.fresh_ids)")


CHECKS: tuple[Callable[..., None], ...] = (
    check_init_params,
    check_sample_before_fit,
    check_fit_leaves_data_unchanged,
    check_columns,
    check_dtypes,
    check_sample_one_row,
    check_sample_more_rows_than_training,
    check_categories_seen,
    check_missing_values,
    check_deterministic,
    check_fit_twice,
)
"""Every check, in the order they run (plus :data:`ENTITY_CHECKS` for a generator declaring ``entity_support``)."""
ENTITY_CHECKS: tuple[Callable[..., None], ...] = (check_entity_histories,)
"""The checks run, after :data:`CHECKS`, only for a generator that declares ``entity_support``."""


def checks_for(factory: Factory) -> tuple[Callable[..., None], ...]:
    """The checks ``factory`` must pass: :data:`CHECKS`, and :data:`ENTITY_CHECKS` when it declares ``entity_support``."""
    return CHECKS + (ENTITY_CHECKS if entity_support(factory) else ())


# ------------------------------------------------------------- entry points
def resolve(generator: Factory | str, params: dict[str, Any] | None = None) -> tuple[Factory, dict[str, Any] | None, str]:
    """A factory, the params given and a label, from a factory or a registered name. (The factory's
    ``test_params()`` are merged under ``params`` by each check.)"""
    if isinstance(generator, str):
        from .plugins import get_generator

        return get_generator(generator).obj, params, generator
    return generator, params, _name(generator)


def run_checks(
    generator: Factory | str,
    data: pd.DataFrame | None = None,
    schema: Schema | None = None,
    params: dict[str, Any] | None = None,
    checks: Iterable[Callable[..., None]] | None = None,
) -> list[CheckResult]:
    """Run every check (or ``checks``) and return one :class:`CheckResult` each; never raises for a defect."""
    factory, params, _ = resolve(generator, params)
    data, schema = _inputs(data, schema)
    _warn_skipped(factory, params, schema)
    results = []
    for check in checks or checks_for(factory):
        start = time.perf_counter()
        try:
            check(factory, data, schema, params)
            results.append(CheckResult(check.__name__, True, "", time.perf_counter() - start))
        except AssertionError as exc:
            results.append(CheckResult(check.__name__, False, str(exc), time.perf_counter() - start))
    return results


def check_generator(
    factory: Factory | str,
    data: pd.DataFrame | None = None,
    schema: Schema | None = None,
    params: dict[str, Any] | None = None,
) -> list[CheckResult]:
    """Run the conformance suite; raise :class:`ConformanceError` listing every failed check."""
    results = run_checks(factory, data, schema, params)
    failed = [r for r in results if not r.passed]
    if failed:
        label = resolve(factory)[2] if not isinstance(factory, str) else factory
        lines = "\n".join(f"- {r.message}" for r in failed)
        raise ConformanceError(f"{label} failed {len(failed)} of {len(results)} conformance checks:\n{lines}")
    return results


def parametrize_with_checks(
    generators: Sequence[Factory | str] | Factory | str,
    data: pd.DataFrame | None = None,
    schema: Schema | None = None,
    params: dict[str, Any] | None = None,
) -> Any:
    """A pytest decorator giving one test case per (generator, check), with ids ``Name-check_x``.

    The test function takes ``generator`` and ``check`` and calls ``check(generator)``.
    """
    import pytest

    if isinstance(generators, str) or callable(generators):
        generators = [generators]
    cases, ids = [], []
    for g in generators:
        factory, merged, label = resolve(g, params)
        for check in checks_for(factory):
            cases.append((factory, functools.partial(check, data=data, schema=schema, params=merged)))
            ids.append(f"{label}-{check.__name__}")
    return pytest.mark.parametrize("generator, check", cases, ids=ids)


__all__ = [
    "CHECKS",
    "ENTITY_CHECKS",
    "checks_for",
    "CheckResult",
    "ConformanceError",
    "SkippedKindsWarning",
    "check_generator",
    "make_check_data",
    "parametrize_with_checks",
    "run_checks",
    "skipped_columns",
] + [c.__name__ for c in CHECKS + ENTITY_CHECKS]
