"""Datasets: a frame, its schema and a card that says where it came from and how to use it.

A dataset is provided by a loader registered through ``benchkit_register_datasets``:
``register(name, loader, **card_fields)``; ``loader(**kwargs) -> Dataset``. Loaders accept at least
``n_rows`` (None = the card's default) and ``seed``; loaders of files on disk also accept ``data_dir``
(default: ``$BENCHKIT_DATA_DIR``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .schema import Schema


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
