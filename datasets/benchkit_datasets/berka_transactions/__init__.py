"""Loader of the Berka (PKDD'99) transactions ``berka/trans.asc``, joined with account.asc and district.asc when present.

Each account gets the ``customer_class`` of the bank use case (``bank_transactions.simulator.customer_class``
on Berka's codes), computed on the rows read; ``n_rows`` keeps whole account histories.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from benchkit.pandas_compat import as_text
from benchkit.data import read_table

from ..bank_transactions.simulator import customer_class

TRANS = ["trans_id", "account_id", "date", "type", "operation", "amount", "balance", "k_symbol", "bank", "account"]
ACCOUNT_COLUMNS = ["district_id", "frequency", "account_date"]
DISTRICT_COLUMNS = ["district_name", "region", "inhabitants", "avg_salary", "unemployment_96"]


def _yymmdd(values: pd.Series) -> pd.Series:
    return pd.to_datetime((values.astype("int64") + 19_000_000).astype("str"), format="%Y%m%d").astype("datetime64[ns]")


def _code(s: pd.Series) -> pd.Series:
    """Strip Berka's code columns; empty and blank codes become missing."""
    out = as_text(s).str.strip()
    return out.where(out != "")


def load(n_rows: int | None = None, seed: int = 0, data_dir: Path | None = None) -> pd.DataFrame:
    """Transactions with dates parsed and codes cleaned; account/district columns when those files exist."""
    base = Path(data_dir) / "berka"
    df = read_table(
        base / "trans.asc", columns=TRANS, what="Berka transactions file", sep=";", keep_default_na=False,
        na_values={"bank": [""], "account": [""]}, dtype={"type": "str", "operation": "str", "k_symbol": "str"},
    )
    df = df[TRANS]
    df["date"] = _yymmdd(df["date"])
    for col in ("type", "operation", "k_symbol", "bank"):
        df[col] = _code(df[col])
    df["account"] = df["account"].astype("Int64")
    if (base / "account.asc").is_file():
        acc = read_table(base / "account.asc", columns=["account_id", "district_id", "frequency", "date"],
                             what="Berka account file", sep=";")
        acc = acc.rename(columns={"date": "account_date"})
        acc["account_date"] = _yymmdd(acc["account_date"])
        df = df.merge(acc, on="account_id", how="left", validate="many_to_one")
        if (base / "district.asc").is_file():
            dist = read_table(base / "district.asc", columns=["A1", "A2", "A3", "A4", "A11", "A12"],
                                  what="Berka district file", sep=";", na_values=["?"])
            dist = dist[["A1", "A2", "A3", "A4", "A11", "A12"]].rename(columns={
                "A1": "district_id", "A2": "district_name", "A3": "region", "A4": "inhabitants",
                "A11": "avg_salary", "A12": "unemployment_96"})
            df = df.merge(dist, on="district_id", how="left", validate="many_to_one")
    df["customer_class"] = customer_class(df, pension="DUCHOD", cash_operation="VYBER", plain_k_symbol=None)
    if n_rows is not None and n_rows < len(df):
        df = _whole_accounts(df, int(n_rows), seed)
    return df


def _whole_accounts(df: pd.DataFrame, n_rows: int, seed: int) -> pd.DataFrame:
    """``n_rows`` rows made of whole account histories, accounts in a seeded random order (the last one
    cut to its earliest rows), in the file's order: an entity's history is never broken up."""
    codes, uniques = pd.factorize(df["account_id"])
    rank = np.random.default_rng(seed).permutation(len(uniques))[codes]  # each row's account position
    when = df["date"].to_numpy()
    order = np.lexsort((np.arange(len(df)), when, rank))  # accounts in random order, each in date order
    keep = np.sort(order[:n_rows])
    return df.iloc[keep].reset_index(drop=True)
