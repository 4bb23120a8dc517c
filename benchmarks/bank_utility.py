"""The bank-transactions utility case: predict each account's customer class from single transactions.

Every account gets a customer class from its aggregated behaviour (rules in :func:`customer_class`),
the label is attached to each of its transactions, and a classifier predicts it from one transaction
(date, type, operation, amount, balance, k_symbol, partner bank). Train and holdout are split *by
account* (70/30, seeded), so no account is on both sides. The script prints TRTR (train on real
train), TSTR for each generator, and the random baseline (every column shuffled independently, so
labels carry no information about the other columns).

Two sources, each run when present (the script says what is missing):
* the real PKDD'99 Berka prefix ``../shared/data/berka/trans.asc`` (whole days only), class derived here;
* the simulator ``benchkit.datasets.load_dataset("bank_transactions", n_rows=...)`` (datasets branch),
  whose rows already carry ``customer_class``.

    PYTHONPATH=$PWD:$PWD/plugins python benchmarks/bank_utility.py [--rows 100000] [--generators NAME,...]
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

from benchkit.metrics import MetricContext  # noqa: E402
from benchkit.metrics.utility import tstr  # noqa: E402
from benchkit.schema import Schema  # noqa: E402

BERKA = ROOT.parent / "shared" / "data" / "berka" / "trans.asc"
FEATURES = ["date", "type", "operation", "amount", "balance", "k_symbol", "bank"]
CLASSES = ("affluent", "retired", "cash_heavy", "standard")


def customer_class(account: pd.Series, date: pd.Series, balance: pd.Series, amount: pd.Series,
                   is_pension: pd.Series, is_cash: pd.Series) -> pd.Series:
    """Per-transaction label of its account's class, rules applied in order:

    affluent: mean balance in the top 30 % of accounts and mean amount at least the median account's;
    retired: a pension credited in at least half of the months the account is active;
    cash_heavy: cash withdrawals per active month in the top 25 % of accounts; standard: the rest.
    """
    acc = account.to_numpy()
    ym = date.dt.year.to_numpy() * 12 + date.dt.month.to_numpy()
    g = pd.DataFrame({"acc": acc, "ym": ym, "balance": balance.to_numpy(float), "amount": amount.to_numpy(float),
                      "pension": is_pension.to_numpy(), "cash": is_cash.to_numpy()}).groupby("acc")
    months = (g["ym"].max() - g["ym"].min() + 1).astype(float)
    mean_balance, mean_amount = g["balance"].mean(), g["amount"].mean()
    pension_density = g["pension"].sum() / months
    cash_density = g["cash"].sum() / months
    affluent = (mean_balance >= mean_balance.quantile(0.70)) & (mean_amount >= mean_amount.median())
    retired = pension_density >= 0.5
    cash_heavy = cash_density >= cash_density.quantile(0.75)
    cls = pd.Series(np.select([affluent, retired, cash_heavy], CLASSES[:3], CLASSES[3]), index=months.index)
    return pd.Series(cls.reindex(acc).to_numpy(), index=account.index, dtype="str")


def berka_case() -> pd.DataFrame | None:
    if not BERKA.is_file():
        print(f"MISSING real Berka transactions: {BERKA} is absent; skipping the real case")
        return None
    df = pd.read_csv(BERKA, sep=";", keep_default_na=False, na_values={"bank": [""], "account": [""]},
                     dtype={"type": "str", "operation": "str", "k_symbol": "str", "bank": "str"})
    df = df[df["date"] < 941031]  # the prefix's last day is incomplete (PROVENANCE.md)
    df["date"] = pd.to_datetime((df["date"] + 19_000_000).astype(str), format="%Y%m%d")
    for c in ("type", "operation", "k_symbol", "bank"):
        s = df[c].astype("str").str.strip()
        df[c] = s.where(s != "", "none")
    df["customer_class"] = customer_class(df["account_id"], df["date"], df["balance"], df["amount"],
                                          df["k_symbol"] == "DUCHOD", df["operation"] == "VYBER")
    return df[["account_id", *FEATURES, "customer_class"]].reset_index(drop=True)


def simulator_case(n_rows: int, seed: int) -> pd.DataFrame | None:
    try:
        from benchkit.datasets import load_dataset
    except ImportError:
        print("MISSING benchkit.datasets.load_dataset (lands with the datasets branch); skipping the simulator case")
        return None
    try:
        ds = load_dataset("bank_transactions", n_rows=n_rows, seed=seed)
    except Exception as exc:  # an unknown name or a failing simulator: say so and carry on
        print(f"MISSING dataset 'bank_transactions' ({type(exc).__name__}: {exc}); skipping the simulator case")
        return None
    df = ds.data.rename(columns={"partner_bank": "bank"})
    missing = [c for c in ["account_id", *FEATURES, "customer_class"] if c not in df.columns]
    if missing:
        print(f"MISSING columns {missing} in bank_transactions; skipping the simulator case")
        return None
    df = df[["account_id", *FEATURES, "customer_class"]].copy()
    df["bank"] = df["bank"].astype("str").fillna("none")
    return df


def split_by_account(df: pd.DataFrame, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    accounts = df["account_id"].unique()
    rng = np.random.default_rng(seed)
    hold = set(rng.choice(accounts, int(0.3 * len(accounts)), replace=False).tolist())
    mask = df["account_id"].isin(hold).to_numpy()
    cols = [*FEATURES, "customer_class"]
    return df.loc[~mask, cols].reset_index(drop=True), df.loc[mask, cols].reset_index(drop=True)


def independent(train: pd.DataFrame, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: train[c].to_numpy()[rng.permutation(len(train))] for c in train.columns})


def registered_generator(name: str, train: pd.DataFrame, schema: Schema, seed: int) -> pd.DataFrame | None:
    """A sample from a registered generator with its default settings, or None (saying why)."""
    from benchkit import plugins

    try:
        reg = plugins.get_generator(name)
    except Exception as exc:
        print(f"  MISSING generator {name!r}: {exc}")
        return None
    gen = reg.obj(seed=seed)
    gen.fit(train, schema)
    return gen.sample(len(train))


def run_case(title: str, df: pd.DataFrame, generators: list[str], seed: int) -> None:
    train, holdout = split_by_account(df, seed)
    schema = Schema.infer(train, overrides={c: "categorical" for c in ("type", "operation", "k_symbol", "bank")},
                          target="customer_class")
    train, holdout = schema.coerce(train), schema.coerce(holdout, "holdout")
    shares = train["customer_class"].value_counts(normalize=True).round(3).to_dict()
    print(f"\n== {title}: {len(train):,} train / {len(holdout):,} holdout transactions "
          f"({df['account_id'].nunique():,} accounts, split by account); classes {shares}")
    samples = {"random baseline (independent columns)": independent(train, seed)}
    for name in generators:
        if name == "bootstrap":  # inline: the registered one may not be in this checkout yet
            samples["bootstrap (rows resampled)"] = train.sample(len(train), replace=True, random_state=seed)
        elif name != "independent":
            s = registered_generator(name, train, schema, seed)
            if s is not None:
                samples[name] = s
    print(f"  {'sample':40s} {'ROC AUC':>8s} {'macro F1':>9s} {'accuracy':>9s} {'AUC ratio':>9s} {'s':>5s}")
    trtr_printed = False
    for name, syn in samples.items():
        t = time.perf_counter()
        rows = {s.metric: s.value for s in tstr(MetricContext(train, syn, schema, holdout=holdout,
                                                              target="customer_class", seed=seed))}
        el = time.perf_counter() - t
        if not trtr_printed:
            print(f"  {'TRTR (train on real)':40s} {rows['utility.trtr_roc_auc']:8.3f} "
                  f"{rows['utility.trtr_f1_macro']:9.3f} {rows['utility.trtr_accuracy']:9.3f} {1.0:9.3f}")
            trtr_printed = True
        print(f"  {'TSTR ' + name:40s} {rows['utility.tstr_roc_auc']:8.3f} {rows['utility.tstr_f1_macro']:9.3f} "
              f"{rows['utility.tstr_accuracy']:9.3f} {rows['utility.ratio_roc_auc']:9.3f} {el:5.1f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000, help="simulated transactions")
    ap.add_argument("--generators", default="bootstrap", help="comma-separated: bootstrap and/or registered names")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    gens = [g.strip() for g in args.generators.split(",") if g.strip()]
    real = berka_case()
    if real is not None:
        run_case("real Berka prefix (1993-01..1994-10)", real, gens, args.seed)
    sim = simulator_case(args.rows, args.seed)
    if sim is not None:
        run_case(f"simulated bank_transactions ({args.rows:,} rows)", sim, gens, args.seed)


if __name__ == "__main__":
    main()
