"""Loader of UCI Statlog German Credit (``german_credit/german.data``, space-separated, no header)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchkit.errors import DataError
from benchkit.pandas_compat import as_text
from benchkit.data import read_table

COLUMNS = [
    "checking_status", "duration", "credit_history", "purpose", "credit_amount", "savings_status",
    "employment", "installment_rate", "personal_status", "other_parties", "residence_since",
    "property_magnitude", "age", "other_payment_plans", "housing", "existing_credits", "job",
    "num_dependents", "own_telephone", "foreign_worker", "class",
]


def load(n_rows: int | None = None, seed: int = 0, data_dir: Path | None = None) -> pd.DataFrame:
    """The 1,000 applicants with named columns; ``class`` 1/2 becomes 'good'/'bad'."""
    path = Path(data_dir) / "german_credit" / "german.data"
    df = read_table(path, what="German credit file", sep=r"\s+", header=None)
    if df.shape[1] != len(COLUMNS):
        raise DataError(
            f"German credit file {path} has {df.shape[1]} whitespace-separated columns, expected {len(COLUMNS)} "
            "(wrong separator or a different file?)"
        )
    df.columns = COLUMNS
    bad = ~df["class"].isin([1, 2])
    if bad.any():
        raise DataError(f"German credit file {path}: column 'class' holds {df['class'][bad].iloc[0]!r}, expected 1 or 2")
    df["class"] = as_text(df["class"].map({1: "good", 2: "bad"}))
    if n_rows is not None and n_rows < len(df):
        df = df.sample(n=int(n_rows), random_state=seed).sort_index().reset_index(drop=True)
    return df
