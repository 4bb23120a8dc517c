"""Loader of the built-in ``bank_transactions`` dataset: runs the simulator in :mod:`.simulator`."""

from __future__ import annotations

import pandas as pd

from . import simulator


def load(n_rows: int | None = None, seed: int = 0, n_accounts: int | None = None) -> pd.DataFrame:
    """``n_rows`` simulated transactions (default 1,000,000) of ``n_accounts`` accounts (default 4,500 per 1M rows).

    With ``n_accounts`` set, activity per account is rescaled to give about ``n_rows``; the earliest
    ``n_rows`` transactions are kept, so accounts opened late may not appear when rows are few.
    """
    return simulator.simulate(n_rows=n_rows, seed=seed, n_accounts=n_accounts)
