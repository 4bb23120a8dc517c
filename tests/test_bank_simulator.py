"""The bank_transactions simulator: balances, determinism, calendar structure, customer class."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchkit.datasets import load_dataset

N = 50_000


@pytest.fixture(scope="module")
def sim() -> pd.DataFrame:
    return load_dataset("bank_transactions", n_rows=N, seed=7).data


def _signed(df: pd.DataFrame) -> np.ndarray:
    return np.where(df["type"].to_numpy() == "credit", 1.0, -1.0) * df["amount"].to_numpy()


def test_size_columns_and_period(sim):
    assert len(sim) == N
    assert list(sim.columns) == [
        "account_id", "date", "type", "operation", "amount", "balance", "k_symbol", "partner_bank", "customer_class"
    ]
    assert sim["account_id"].nunique() == pytest.approx(4500 * N / 1_000_000, abs=5)
    assert sim["date"].min() >= pd.Timestamp("1993-01-01")
    assert sim["date"].max() <= pd.Timestamp("1998-12-31")
    assert sim["date"].is_monotonic_increasing  # the Berka file is in date order
    assert (sim["amount"] > 0).all()


def test_running_balance_is_consistent_per_account(sim):
    # rows of one account keep their booking order in the frame (date order, stable)
    by_acc = sim.sort_values(["account_id"], kind="stable")
    signed = _signed(by_acc)
    bal = by_acc["balance"].to_numpy()
    first = np.r_[True, by_acc["account_id"].to_numpy()[1:] != by_acc["account_id"].to_numpy()[:-1]]
    prev = np.r_[0.0, bal[:-1]]
    expected = np.where(first, 0.0, prev) + signed
    np.testing.assert_allclose(bal, expected, atol=1e-6)
    assert (by_acc["date"].diff()[~first] >= pd.Timedelta(0)).all()
    # every account opens with a cash deposit
    opening = by_acc[first]
    assert set(opening["operation"]) == {"cash_credit"}
    assert (opening["balance"] == opening["amount"]).all()


def test_same_seed_same_data_other_seed_other_data():
    a = load_dataset("bank_transactions", n_rows=20_000, seed=3).data
    b = load_dataset("bank_transactions", n_rows=20_000, seed=3).data
    c = load_dataset("bank_transactions", n_rows=20_000, seed=4).data
    pd.testing.assert_frame_equal(a, b)
    assert not a["amount"].equals(c["amount"])


def test_n_accounts_is_independent_of_rows():
    df = load_dataset("bank_transactions", n_rows=30_000, seed=1).data
    assert df["account_id"].nunique() <= 135
    from benchkit_datasets import bank_transactions

    df2 = bank_transactions.load(n_rows=30_000, seed=1, n_accounts=400)
    assert len(df2) == 30_000
    assert 350 <= df2["account_id"].nunique() <= 400


def test_month_end_bookings_and_periodic_payments(sim):
    month_end = sim["date"].dt.is_month_end
    for k in ("interest", "statement", "sanction"):
        rows = sim["k_symbol"] == k
        assert month_end[rows].all(), k
    interest = sim[sim["k_symbol"] == "interest"]
    assert (interest["type"] == "credit").all() and (interest["operation"] == "none").all()
    assert interest.groupby(["account_id", interest["date"].dt.to_period("M")]).size().max() == 1
    # a pension is the same amount, once a month, on the same day of the month
    pension = sim[sim["k_symbol"] == "pension"]
    assert len(pension) > 0
    per_acc = pension.groupby("account_id")
    assert (per_acc["amount"].nunique() == 1).all()
    assert (per_acc["date"].agg(lambda d: d.dt.day.nunique()) == 1).all()
    assert pension.groupby(["account_id", pension["date"].dt.to_period("M")]).size().max() == 1


def test_partner_bank_only_on_bank_transfers(sim):
    transfer = sim["operation"].isin(["collection_from_bank", "remittance_to_bank"])
    assert sim.loc[transfer, "partner_bank"].notna().all()
    assert sim.loc[~transfer, "partner_bank"].isna().all()
    assert sim.loc[transfer, "partner_bank"].str.fullmatch(r"[A-Z]{2}").all()


def test_labels_and_mapping(sim):
    from benchkit_datasets.bank_transactions import simulator
    assert set(sim["type"]) <= set(simulator.TYPE_TO_BERKA)
    assert set(sim["operation"]) <= set(simulator.OPERATION_TO_BERKA)
    assert set(sim["k_symbol"]) <= set(simulator.K_SYMBOL_TO_BERKA)
    assert {"interest", "statement", "household", "pension", "none"} <= set(sim["k_symbol"])


def test_amounts_are_heavy_tailed_and_multimodal(sim):
    amount = sim["amount"]
    q10, q50, q99 = amount.quantile([0.1, 0.5, 0.99])
    assert q99 / q50 > 10 and q50 / q10 > 10
    # a fee mode (14.6), periodic transfers and large cash movements
    assert (amount == 14.6).mean() > 0.05


def test_customer_class_is_per_account_and_follows_its_rules(sim):
    assert (sim.groupby("account_id")["customer_class"].nunique() == 1).all()
    cls = sim.groupby("account_id")["customer_class"].first()
    assert set(cls) == {"affluent", "retired", "cash_heavy", "standard"}
    mean_bal = sim.groupby("account_id")["balance"].mean()
    assert mean_bal[cls == "affluent"].min() >= mean_bal.quantile(0.70) - 1e-6
    pension_accounts = set(sim.loc[sim["k_symbol"] == "pension", "account_id"])
    assert set(cls[cls == "retired"].index) <= pension_accounts


def test_customer_class_is_learnable_but_not_trivial():
    import lightgbm as lgb

    df = load_dataset("bank_transactions", n_rows=60_000, seed=11).data
    X = df[["amount", "balance", "type", "operation", "k_symbol"]].copy()
    X["day"] = df["date"].dt.day
    for c in ("type", "operation", "k_symbol"):
        X[c] = X[c].astype("category")
    y = df["customer_class"].astype("category").cat.codes
    train = (df["account_id"] % 3 != 0).to_numpy()  # unseen accounts in the test part
    model = lgb.LGBMClassifier(n_estimators=60, n_jobs=1, verbose=-1, random_state=0).fit(X[train], y[train])
    accuracy = float((model.predict(X[~train]) == y[~train]).mean())
    majority = float(y[~train].value_counts(normalize=True).max())
    assert majority + 0.03 < accuracy < 0.95
