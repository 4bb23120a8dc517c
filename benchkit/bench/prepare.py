"""The data a benchmark's jobs need, prepared once in the parent process: each spec dataset loaded,
hashed and split into train and holdout, identically for every generator and seed.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from ..errors import DataError, SchemaError
from ..schema import Schema


@dataclass
class PreparedDataset:
    """A dataset split once, identically for every generator: train (what generators see) and holdout."""

    key: str  # the dataset's name in the spec
    train: pd.DataFrame
    holdout: pd.DataFrame
    schema: Schema
    card: dict[str, Any]
    sha256: str  # of the loaded table, so a changed file gives new job ids

    @property
    def target(self) -> str | None:
        return self.card.get("target") or self.schema.target



def table_sha256(df: pd.DataFrame) -> str:
    """A content hash of a table (values, column names and dtypes), independent of its index."""
    h = hashlib.sha256()
    h.update(repr([(str(c), str(t)) for c, t in df.dtypes.items()]).encode())
    h.update(pd.util.hash_pandas_object(df, index=False).to_numpy().tobytes())
    return h.hexdigest()


def split_train_holdout(df: pd.DataFrame, fraction: float, seed: int,
                        entity: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """A random train/holdout split fixed by ``seed`` (the spec's split seed, not the job seed).

    With ``entity`` (the schema's entity key) whole entities are split, never rows
    (:func:`benchkit.entities.entity_split`): no history is shared by train and holdout.
    """
    if entity is not None:
        from ..entities import entity_split

        tr, ho = entity_split(df[entity], fraction, seed)
        return df.iloc[tr].reset_index(drop=True), df.iloc[ho].reset_index(drop=True)
    n = len(df)
    n_hold = int(round(n * fraction))
    if n_hold < 1 or n - n_hold < 2:
        raise DataError(
            f"a table of {n} rows cannot be split with holdout={fraction}: need at least 1 holdout and 2 "
            "training rows; use more rows or another holdout fraction"
        )
    order = np.random.default_rng(seed).permutation(n)
    hold = np.sort(order[:n_hold])
    train = np.sort(order[n_hold:])
    return df.iloc[train].reset_index(drop=True), df.iloc[hold].reset_index(drop=True)


def load_table(source: str, *, n_rows: int | None, seed: int, schema: str | None, target: str | None):
    """Load a dataset by registered name or file path (see :func:`benchkit.datasets.load_dataset`)."""
    from ..datasets import load_dataset

    return load_dataset(source, n_rows=n_rows, seed=seed, schema=schema, target=target)


def prepare_dataset(spec_ds, *, holdout: float, split_seed: int) -> PreparedDataset:
    """Load one spec dataset, hash it and split it into train and holdout."""
    ds = load_table(spec_ds.source, n_rows=spec_ds.n_rows, seed=split_seed, schema=spec_ds.schema,
                    target=spec_ds.target)
    data = ds.data
    schema = ds.schema
    entity = getattr(spec_ds, "entity", None)
    if entity is not None:  # the spec's entity/order keys override the dataset's roles
        from ..entities import apply_roles

        schema, _ = apply_roles(schema, data, entity, getattr(spec_ds, "order", None))
    missing = [c for c in schema.columns if c not in data.columns]
    if missing:
        raise SchemaError(f"dataset {spec_ds.name!r}: columns {missing} of its schema are not in the table")
    data = data[list(schema.columns)]
    card = _card_dict(ds.card)
    if spec_ds.target is not None:
        card["target"] = spec_ds.target
    if card.get("target") is None and schema.target is not None:
        card["target"] = schema.target
    train, hold = split_train_holdout(data, holdout, split_seed, schema.entity)
    return PreparedDataset(spec_ds.name, train, hold, schema, card, table_sha256(data))


def _card_dict(card: Any) -> dict[str, Any]:
    from dataclasses import asdict, is_dataclass

    if card is None:
        return {}
    if is_dataclass(card):
        return asdict(card)
    return dict(card)
