"""Loader of the built-in ``bank_transactions`` dataset: runs the simulator in ``simulator.py``."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pandas as pd

_NAME = "benchkit._builtin_datasets.bank_transactions_simulator"


def simulator_module():
    """The sibling ``simulator.py``, imported by file path under a unique module name."""
    module = sys.modules.get(_NAME)
    if module is None:
        spec = importlib.util.spec_from_file_location(_NAME, Path(__file__).with_name("simulator.py"))
        module = importlib.util.module_from_spec(spec)
        sys.modules[_NAME] = module
        spec.loader.exec_module(module)
    return module


def load(n_rows: int | None = None, seed: int = 0, n_accounts: int | None = None) -> pd.DataFrame:
    """``n_rows`` simulated transactions (default 1,000,000) of ``n_accounts`` accounts (default 4,500 per 1M rows).

    With ``n_accounts`` set, activity per account is rescaled to give about ``n_rows``; the earliest
    ``n_rows`` transactions are kept, so accounts opened late may not appear when rows are few.
    """
    return simulator_module().simulate(n_rows=n_rows, seed=seed, n_accounts=n_accounts)
