"""``wgan`` in entity mode: whole histories from a profile model and a row model given the profile."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("torch")

from benchkit.datasets import load_dataset  # noqa: E402
from benchkit.entities import EntityRoles, histories  # noqa: E402
from benchkit.errors import BenchkitError  # noqa: E402
from benchkit.testing import check_generator  # noqa: E402
from benchkit_wgan import WGANGenerator  # noqa: E402

PARAMS = dict(WGANGenerator.test_params(), epochs=3)


@pytest.fixture(scope="module")
def bank():
    """A small simulated bank table with its roles (running balance, constant class) and 40 accounts."""
    from benchkit_datasets.bank_transactions import simulator

    schema = load_dataset("bank_transactions", n_rows=500, seed=0).schema
    data = simulator.simulate(n_rows=4000, seed=0, n_accounts=40)
    return data, schema


@pytest.fixture(scope="module")
def fitted(bank):
    data, schema = bank
    return WGANGenerator(**PARAMS, seed=3).fit(data, schema)


def test_every_synthetic_account_obeys_the_declared_rules_exactly(bank, fitted):
    data, schema = bank
    out = fitted.sample(3000)
    assert len(out) == 3000 and list(out.columns) == list(schema.columns)
    hist = histories(out, schema.roles)
    sorted_out = hist.sorted(out)
    for rule in schema.roles.rules:  # running balance and constant class
        obeys, applicable = rule.check(sorted_out, hist)
        assert applicable.sum() >= 5, rule
        assert obeys[applicable].all(), rule.describe()
    # the balance is the opening balance plus the cumulated signed amounts, row by row
    signed = np.where(sorted_out["type"].isin(["debit", "cash_withdrawal"]), -sorted_out["amount"], sorted_out["amount"])
    step = np.diff(sorted_out["balance"].to_numpy()) - signed[1:]
    assert np.abs(step[~hist.first[1:]]).max() < 0.011


def test_histories_have_plausible_sizes_ordered_dates_and_fresh_ids(bank, fitted):
    data, schema = bank
    out = fitted.sample(4000)
    hist = histories(out, schema.roles)
    sizes = hist.sizes[:-1]  # the last account is cut to make exactly n rows
    real = histories(data, schema.roles).sizes
    assert len(np.unique(sizes)) > 5  # not one size for every account
    assert sizes.min() >= 1 and sizes.max() <= 3 * real.max()
    assert 0.2 * real.mean() < sizes.mean() < 5 * real.mean()
    assert not set(out["account_id"]) & set(data["account_id"])  # fresh ids
    # rows come in history order already: dates never go back within an account
    d = out["date"].to_numpy()
    same = out["account_id"].to_numpy()[1:] == out["account_id"].to_numpy()[:-1]
    assert (d[1:][same] >= d[:-1][same]).all()
    # dates stay whole days, as the real ones are; gaps are not all equal
    assert (out["date"] == out["date"].dt.normalize()).all()
    assert len(np.unique(hist.gaps())) > 3
    # the class comes from the profile model: more than one class, each with whole accounts
    assert out["customer_class"].nunique() >= 2


def test_the_same_seed_gives_the_same_histories_and_save_load_continues_the_stream(bank, tmp_path):
    data, schema = bank
    a = WGANGenerator(**PARAMS, seed=5).fit(data, schema)
    b = WGANGenerator(**PARAMS, seed=5).fit(data, schema)
    first = a.sample(800)
    pd.testing.assert_frame_equal(first, b.sample(800))
    a.save(tmp_path / "m.pt")
    loaded = WGANGenerator.load(tmp_path / "m.pt")
    pd.testing.assert_frame_equal(a.sample(700), loaded.sample(700))  # the second call of each
    assert loaded.training_summary()["mode"] == "entity"


def test_without_roles_wgan_is_the_row_model(bank):
    data, schema = bank
    gen = WGANGenerator(**PARAMS, seed=1).fit(data, schema.without_roles())
    assert gen.entity_ is None
    out = gen.sample(500)
    assert out["account_id"].nunique() == 500  # fresh id per row: no histories


def test_a_missing_entity_key_value_is_a_clear_error(bank):
    data, schema = bank
    bad = data.copy()
    bad.loc[3, "account_id"] = np.nan
    with pytest.raises(BenchkitError, match="account_id"):
        WGANGenerator(**PARAMS).fit(bad, schema)


def test_an_entity_key_without_order_or_rules_still_gives_histories():
    rng = np.random.default_rng(0)
    n = 600
    df = pd.DataFrame({"id": np.repeat(np.arange(60), 10), "x": rng.normal(size=n),
                       "c": rng.choice(["a", "b"], size=n)})
    from benchkit.schema import Schema

    schema = Schema.infer(df).with_roles(EntityRoles("id"))
    gen = WGANGenerator(**PARAMS).fit(df, schema)
    out = gen.sample(200)
    assert out["id"].value_counts().max() >= 2 and not set(out["id"]) & set(df["id"])


def test_conformance_suite_passes_in_entity_mode(bank):
    data, schema = bank
    check_generator(WGANGenerator, data=data.head(600), schema=schema)
