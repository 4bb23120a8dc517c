"""Loader of UCI Bank Marketing (``bank_marketing/bank-full.csv``, ';'-separated)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchkit.data import read_table

COLUMNS = [
    "age", "job", "marital", "education", "default", "balance", "housing", "loan", "contact", "day",
    "month", "duration", "campaign", "pdays", "previous", "poutcome", "y",
]


def load(n_rows: int | None = None, seed: int = 0, data_dir: Path | None = None, file: str = "bank-full.csv") -> pd.DataFrame:
    """The full table (45,211 contacts); ``file='bank.csv'`` reads the 10 % sample instead."""
    path = Path(data_dir) / "bank_marketing" / file
    df = read_table(path, columns=COLUMNS, what="Bank Marketing file", sep=";")
    df = df[COLUMNS]
    if n_rows is not None and n_rows < len(df):
        df = df.sample(n=int(n_rows), random_state=seed).sort_index().reset_index(drop=True)
    return df
