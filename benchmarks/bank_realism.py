"""How close is the bank_transactions simulator to the real Berka transactions?

Prints, real vs simulated: frequencies of type, operation and k_symbol; amount and balance quantiles;
transactions per account per month (overall and per category); and the time to simulate 1,000,000 rows.
The stored real trans.asc is a prefix (1993-01-01 .. 1994-10-31, last day incomplete), so the
simulated table is compared on the same window of whole days, 1993-01-01 .. 1994-10-30; the full
1993-1998 simulated figures are shown beside it. Targets: main-category frequencies within 5
percentage points, amount quantiles (10/50/90 %) within a factor of 1.5.

    python benchmarks/bank_realism.py [--data-dir ../shared/data] [--rows 1000000] [--seed 0]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from benchkit.datasets import load_dataset  # noqa: E402

WINDOW_END = pd.Timestamp("1994-10-31")  # exclusive: the real prefix's last day is incomplete
MAIN_SHARE = 0.01  # categories with at least 1 % of real rows count as "main"
QUANTILES = [0.10, 0.25, 0.50, 0.75, 0.90, 0.99]


def real_transactions(data_dir: Path, simulator) -> pd.DataFrame:
    """The real prefix on whole days, with its Czech codes mapped to the simulator's labels."""
    df = load_dataset("berka_transactions", data_dir=data_dir).data
    df = df[df["date"] < WINDOW_END].copy()
    for col, mapping in (
        ("type", simulator.TYPE_TO_BERKA),
        ("operation", simulator.OPERATION_TO_BERKA),
        ("k_symbol", simulator.K_SYMBOL_TO_BERKA),
    ):
        inverse = {v: k for k, v in mapping.items() if v is not None}
        mapped = df[col].map(inverse)
        unknown = df[col].notna() & mapped.isna()
        df[col] = mapped.fillna("none").where(~unknown, "other:" + df[col].astype("str"))
    return df


def per_account_month(df: pd.DataFrame, end: pd.Timestamp) -> float:
    """Transactions per account per month, counting each account's months from its first transaction to ``end``."""
    ym = df["date"].dt.year * 12 + df["date"].dt.month
    first = ym.groupby(df["account_id"]).min()
    months = (end.year * 12 + end.month) - first + 1
    return len(df) / months.sum()


def frequency_table(real: pd.DataFrame, window: pd.DataFrame, full: pd.DataFrame, col: str) -> tuple[pd.DataFrame, float]:
    t = pd.DataFrame(
        {
            "real_%": real[col].value_counts(normalize=True) * 100,
            "sim_window_%": window[col].value_counts(normalize=True) * 100,
            "sim_1993-98_%": full[col].value_counts(normalize=True) * 100,
        }
    ).fillna(0.0)
    t["diff_pp"] = t["sim_window_%"] - t["real_%"]
    t = t.sort_values("real_%", ascending=False)
    main = t["real_%"] >= MAIN_SHARE * 100
    return t.round(2), float(t.loc[main, "diff_pp"].abs().max())


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_dir = os.environ.get("BENCHKIT_DATA_DIR") or str(REPO.parent / "shared" / "data")
    ap.add_argument("--data-dir", default=default_dir)
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    pd.set_option("display.width", 140)

    t0 = time.perf_counter()
    sim_ds = load_dataset("bank_transactions", n_rows=args.rows, seed=args.seed)
    gen_s = time.perf_counter() - t0
    sim = sim_ds.data
    from benchkit_datasets.bank_transactions import simulator
    print(f"simulated {len(sim):,} rows, {sim['account_id'].nunique():,} accounts in {gen_s:.2f} s "
          f"(load_dataset incl. schema; seed {args.seed})")

    real = real_transactions(Path(args.data_dir), simulator)
    window = sim[sim["date"] < WINDOW_END]
    print(f"real: {len(real):,} rows, {real['account_id'].nunique():,} accounts (1993-01-01..1994-10-30); "
          f"simulated on the same window: {len(window):,} rows, {window['account_id'].nunique():,} accounts\n")

    worst = {}
    for col in ("type", "operation", "k_symbol"):
        table, worst[col] = frequency_table(real, window, sim, col)
        print(f"== {col} frequency (%)\n{table.to_string()}\n")

    aq = pd.DataFrame({"real": real["amount"].quantile(QUANTILES), "sim_window": window["amount"].quantile(QUANTILES),
                       "sim_1993-98": sim["amount"].quantile(QUANTILES)})
    aq["ratio_window"] = np.maximum(aq["sim_window"] / aq["real"], aq["real"] / aq["sim_window"])
    print(f"== amount quantiles\n{aq.round(2).to_string()}\n")
    bq = pd.DataFrame({"real": real["balance"].quantile(QUANTILES), "sim_window": window["balance"].quantile(QUANTILES),
                       "sim_1993-98": sim["balance"].quantile(QUANTILES)})
    print(f"== balance quantiles\n{bq.round(1).to_string()}")
    print(f"negative balances: real {100 * (real['balance'] < 0).mean():.2f} %, "
          f"simulated window {100 * (window['balance'] < 0).mean():.2f} %\n")

    end_window = pd.Timestamp("1994-10-01")
    rates = pd.DataFrame({
        "real": [per_account_month(real, end_window)],
        "sim_window": [per_account_month(window, end_window)],
        "sim_1993-98": [per_account_month(sim, pd.Timestamp("1998-12-01"))],
    }, index=["all transactions"])
    for ks in ("interest", "statement", "household", "pension", "none"):
        rows = {k: d[d["k_symbol"] == ks] for k, d in (("real", real), ("sim_window", window))}
        rates.loc[f"k_symbol={ks}"] = [
            len(rows["real"]) / _account_months(real, end_window),
            len(rows["sim_window"]) / _account_months(window, end_window),
            np.nan,
        ]
    print(f"== transactions per account per month (months from each account's first transaction)\n{rates.round(3).to_string()}\n")

    amount_ratio = float(aq.loc[[0.10, 0.50, 0.90], "ratio_window"].max())
    print("== targets")
    for col, w in worst.items():
        print(f"{col}: largest main-category gap {w:.2f} pp (target <= 5): {'met' if w <= 5 else 'MISSED'}")
    print(f"amount q10/q50/q90: largest ratio {amount_ratio:.2f} (target <= 1.5): {'met' if amount_ratio <= 1.5 else 'MISSED'}")
    print(f"1,000,000-row target time ~15 s: {gen_s:.2f} s for {len(sim):,} rows")
    return 0


def _account_months(df: pd.DataFrame, end: pd.Timestamp) -> float:
    ym = df["date"].dt.year * 12 + df["date"].dt.month
    first = ym.groupby(df["account_id"]).min()
    return float(((end.year * 12 + end.month) - first + 1).sum())


if __name__ == "__main__":
    raise SystemExit(main())
