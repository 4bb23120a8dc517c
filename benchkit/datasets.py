"""Datasets: a frame, its schema and a card that says where it came from and how to use it.

This module holds the registry's types, :class:`BuiltinDataset` (a dataset defined by a package with a
``card.json``, as the built-in plugin :mod:`benchkit_datasets` uses) and :func:`load_dataset`, which
``benchkit run --datasets`` uses for names and file paths.

A dataset is provided by a loader registered through ``benchkit_register_datasets``:
``register(name, loader, **card_fields)``; ``loader(**kwargs) -> Dataset``. Loaders accept at least
``n_rows`` (None = the card's default) and ``seed``; loaders of files on disk also accept ``data_dir``
(default: ``$BENCHKIT_DATA_DIR``).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import json
import logging
import os
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any, Callable, Mapping

import pandas as pd

from .errors import BenchkitError, DataError, SchemaError, UnknownNameError
from .schema import ColumnSpec, Schema
from .data import DATA_DIR_ENV, read_table


log = logging.getLogger(__name__)


@dataclass
class DatasetCard:
    """What a person needs to know to use a dataset responsibly."""

    name: str
    description: str = ""
    source: str = ""
    license: str = ""
    target: str | None = None  # the column utility metrics predict
    task: str | None = None  # "classification" | "regression" | None
    default_sample_size: int | None = None
    citation: str = ""
    notes: dict[str, Any] = field(default_factory=dict)


@dataclass
class Dataset:
    """A loaded dataset."""

    name: str
    data: pd.DataFrame
    schema: Schema
    card: DatasetCard


# ====================================================================== registry
_CARD_FIELDS = {"description", "source", "license", "target", "task", "default_sample_size", "citation", "notes"}


def resolve_data_dir(data_dir: str | Path | None = None) -> Path:
    """The folder real data files live in: ``data_dir`` or ``$BENCHKIT_DATA_DIR``."""
    value = data_dir if data_dir is not None else os.environ.get(DATA_DIR_ENV)
    if not value:
        raise DataError(
            f"no data directory: pass data_dir=... or set {DATA_DIR_ENV} to the folder that holds the "
            "dataset files (e.g. .../shared/data with adult/, berka/, ...); benchkit never downloads data"
        )
    return Path(value).expanduser()


def read_card_file(folder: Path) -> dict[str, Any]:
    """The parsed ``card.json`` of a built-in dataset folder."""
    try:
        return json.loads((folder / "card.json").read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchkitError(f"the card {folder / 'card.json'} is not valid JSON: {exc}") from None


def card_from_info(name: str, info: Mapping[str, Any]) -> DatasetCard:
    """A DatasetCard from registration info; unknown keys go to ``notes``."""
    fields = {k: v for k, v in info.items() if k in _CARD_FIELDS}
    notes = dict(fields.pop("notes", None) or {})
    notes.update({k: v for k, v in info.items() if k not in _CARD_FIELDS and k != "name"})
    return DatasetCard(name=name, notes=notes, **fields)


class BuiltinDataset:
    """A dataset defined by a package: its ``load`` function, ``card.json`` and optional ``schema.json``.

    Calling it (``loader(n_rows=None, seed=0, data_dir=None, **kw) -> Dataset``) imports the package,
    resolves the data directory for loaders of real files and applies the declared schema. Third-party
    dataset plugins may use it for their own packages too.
    """

    def __init__(self, module: str):
        self.module = module
        spec = importlib.util.find_spec(module)
        if spec is None or not spec.submodule_search_locations:
            raise BenchkitError(f"dataset package {module!r} is not importable; is its plugin installed?")
        self.folder = Path(next(iter(spec.submodule_search_locations)))
        self.card_info = read_card_file(self.folder)
        self.name = str(self.card_info["name"])

    def load_module(self) -> ModuleType:
        """The dataset's package, imported."""
        return importlib.import_module(self.module)

    def __call__(self, n_rows: int | None = None, seed: int = 0, data_dir: str | Path | None = None, **kwargs: Any) -> Dataset:
        module = self.load_module()
        params = inspect.signature(module.load).parameters
        if "data_dir" in params:
            kwargs["data_dir"] = resolve_data_dir(data_dir)
        log.info("loading dataset %s (n_rows=%s, seed=%s)", self.name, n_rows, seed)
        df = module.load(n_rows=n_rows, seed=seed, **kwargs)
        schema = self.schema_for(df)
        return Dataset(self.name, df, schema, card_from_info(self.name, self.card_info))

    def schema_for(self, df: pd.DataFrame) -> Schema:
        """The folder's schema.json kinds, with categories and ranges from ``df``."""
        path = self.folder / "schema.json"
        target = self.card_info.get("target")
        roles = self.card_info.get("entity")  # the card's entity roles (see benchkit.entities)
        if not path.is_file():
            schema = Schema.infer(df, target=target)
            return schema.with_roles(roles) if roles else schema
        declared = Schema.from_json(path)
        roles = roles or declared.roles
        overrides = {n: ColumnSpec(s.kind, subtype=s.subtype, categories=s.categories) for n, s in declared.columns.items()}
        optional = set(self.card_info.get("optional_columns", ()))
        overrides = {n: s for n, s in overrides.items() if n in df.columns or n not in optional}
        extra = [c for c in df.columns if c not in overrides]
        missing = [c for c in overrides if c not in df.columns]
        if extra or missing:
            raise SchemaError(f"dataset {self.name!r}: loader columns differ from {path}: extra {extra}, missing {missing}")
        schema = Schema.infer(df[list(overrides)], overrides=overrides, target=declared.target or target)
        return schema.with_roles(roles) if roles else schema

    def files(self, data_dir: str | Path | None = None) -> list[Path] | None:
        """Paths of the files this dataset needs, or None for a simulated dataset."""
        rel = self.card_info.get("files")
        if not rel:
            return None
        base = resolve_data_dir(data_dir)
        return [base / r for r in rel]


def availability(loader: Callable[..., Any], data_dir: str | Path | None = None) -> str:
    """A short word on whether a registered dataset's files are on disk: 'simulated', 'available', 'missing: ...'."""
    files_of = getattr(loader, "files", None)
    if files_of is None:
        return "unknown (third-party loader)"
    try:
        files = files_of(data_dir)
    except DataError:
        return f"missing: set {DATA_DIR_ENV}"
    if files is None:
        return "simulated (always available)"
    absent = [str(p) for p in files if not p.is_file()]
    return "available" if not absent else "missing: " + ", ".join(absent)


# ================================================================== load_dataset
def load_dataset(
    name_or_path: str | Path,
    *,
    n_rows: int | None = None,
    seed: int = 0,
    schema: Schema | str | Path | None = None,
    target: str | None = None,
    data_dir: str | Path | None = None,
) -> Dataset:
    """Load a registered dataset by name, or a CSV/Parquet file (with an optional schema JSON and target)."""
    from . import plugins

    text = str(name_or_path)
    known = plugins.list_datasets()
    if text in known:
        reg = known[text]
        ds = _call_loader(reg.obj, n_rows=n_rows, seed=seed, data_dir=data_dir)
        if not isinstance(ds, Dataset):
            if not isinstance(ds, pd.DataFrame):
                raise DataError(f"dataset {text!r} ({reg.source}) returned {type(ds).__name__}, not a Dataset")
            ds = Dataset(text, ds, Schema.infer(ds, target=reg.info.get("target")), card_from_info(text, reg.info))
        if schema is not None:
            ds.schema = _read_schema(schema)
            ds.schema.check(ds.data, f"dataset {text!r}")
        if target is not None:
            ds.schema = _with_target(ds.schema, target, text)
            ds.card.target = target
        return ds
    path = Path(text).expanduser()
    if not path.suffix or not (path.is_file() or path.suffix.lower() in (".csv", ".tsv", ".parquet", ".pq")):
        raise UnknownNameError(plugins._unknown_message("dataset", text, list(known), []) + "; or pass a path to a .csv/.parquet file")
    df = read_table(path)
    if df.shape[1] == 1:
        raise DataError(
            f"table file {path} parsed into a single column {str(df.columns[0])[:60]!r}; a dataset needs at "
            "least two columns separated by , ; tab or |"
        )
    if n_rows is not None and n_rows < len(df):
        df = df.sample(n=int(n_rows), random_state=seed).sort_index()
    if schema is not None:
        sch = _read_schema(schema)
        sch.check(df, f"table {path}")
        df = df[list(sch.columns)]
    else:
        sch = Schema.infer(df)
    if target is not None:
        sch = _with_target(sch, target, str(path))
    card = DatasetCard(name=path.stem, description=f"user table {path}", source=str(path), target=sch.target)
    return Dataset(path.stem, df, sch, card)


def _call_loader(loader: Callable[..., Any], **kwargs: Any) -> Any:
    """Call a loader with only the keyword arguments it accepts (third-party loaders may take fewer)."""
    try:
        params = inspect.signature(loader).parameters
    except (TypeError, ValueError):
        params = {}
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return loader(**kwargs)
    return loader(**{k: v for k, v in kwargs.items() if k in params and (v is not None or k == "seed")})


def _read_schema(schema: Schema | str | Path) -> Schema:
    return schema if isinstance(schema, Schema) else Schema.from_json(Path(schema))


def _with_target(schema: Schema, target: str, what: str) -> Schema:
    if target not in schema.columns:
        raise DataError(f"target column {target!r} is not in {what}; columns are: {', '.join(schema.columns)}")
    return Schema(schema.columns, target=target, roles=schema.roles)
