"""Loader of UCI Default of Credit Card Clients (``default_credit_card/UCI_Credit_Card.csv``)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd

from benchkit.data import read_table

TARGET = "default.payment.next.month"
COLUMNS = (
    ["ID", "LIMIT_BAL", "SEX", "EDUCATION", "MARRIAGE", "AGE", "PAY_0", "PAY_2", "PAY_3", "PAY_4", "PAY_5", "PAY_6"]
    + [f"BILL_AMT{i}" for i in range(1, 7)]
    + [f"PAY_AMT{i}" for i in range(1, 7)]
    + [TARGET]
)


def load(n_rows: int | None = None, seed: int = 0, data_dir: Path | None = None) -> pd.DataFrame:
    """The 30,000 clients with the UCI column names."""
    path = Path(data_dir) / "default_credit_card" / "UCI_Credit_Card.csv"
    df = read_table(path, columns=COLUMNS, what="credit card default file", sep=",")
    df = df[COLUMNS]
    if n_rows is not None and n_rows < len(df):
        df = df.sample(n=int(n_rows), random_state=seed).sort_index().reset_index(drop=True)
    return df
