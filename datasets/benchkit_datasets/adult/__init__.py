"""Loader of UCI Adult (Census Income): ``adult/adult.data`` (train) and optionally ``adult/adult.test``."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchkit.errors import DataError
from benchkit.data import read_table

COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income",
]


def _read(path: Path, skiprows: int) -> pd.DataFrame:
    df = read_table(
        path, what="Adult file", header=None, names=COLUMNS, skipinitialspace=True, na_values="?",
        skiprows=skiprows, sep=",",
    )
    if df["income"].isna().all() or df[COLUMNS[1:]].isna().all(axis=None):
        raise DataError(f"Adult file {path} does not have 15 comma-separated columns (wrong separator?)")
    df["income"] = df["income"].str.rstrip(".")  # the test file writes '>50K.'
    return df


def load(n_rows: int | None = None, seed: int = 0, data_dir: Path | None = None, split: str = "train") -> pd.DataFrame:
    """The Adult table; ``split`` is 'train' (adult.data), 'test' (adult.test) or 'both'."""
    if split not in ("train", "test", "both"):
        raise DataError(f"Adult split must be 'train', 'test' or 'both', not {split!r}")
    parts = []
    if split in ("train", "both"):
        parts.append(_read(Path(data_dir) / "adult" / "adult.data", 0))
    if split in ("test", "both"):
        parts.append(_read(Path(data_dir) / "adult" / "adult.test", 1))
    df = pd.concat(parts, ignore_index=True)
    if n_rows is not None and n_rows < len(df):
        df = df.sample(n=int(n_rows), random_state=seed).sort_index().reset_index(drop=True)
    return df
