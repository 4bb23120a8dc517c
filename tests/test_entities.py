"""Entity roles on the schema, their inference, the rules, splits by entity, the generator contract and entity_bootstrap."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit import Schema
from benchkit.bench.prepare import split_train_holdout
from benchkit.entities import (ConstantWithin, EntityRoles, RunningBalance, entity_split, histories, infer_roles,
                               rule_from_dict)
from benchkit.errors import BenchkitError, DataError, SchemaError
from benchkit.generator import entity_support, schema_for_generator
from benchkit.metrics._engine.splits import split_real


def ledger() -> pd.DataFrame:
    """Three accounts; rows deliberately not in date order. Account 1 obeys the running balance,
    account 2 breaks it once, account 3 has one row."""
    return pd.DataFrame({
        "account_id": [2, 1, 1, 3, 2, 1, 2],
        "date": pd.to_datetime(["2020-01-01", "2020-01-05", "2020-01-01", "2020-01-02", "2020-01-03",
                                "2020-02-01", "2020-01-10"]),
        "type": ["credit", "debit", "credit", "credit", "debit", "credit", "credit"],
        "amount": [50.0, 30.0, 100.0, 10.0, 20.0, 5.0, 10.0],
        "balance": [50.0, 70.0, 100.0, 10.0, 30.0, 75.0, 45.0],  # account 2: 30 + 10 = 40, not 45
    })


def bank_schema(df: pd.DataFrame, rules=()) -> Schema:
    return Schema.infer(df).with_roles(EntityRoles("account_id", "date", rules))


SIGNED = {"column": "type", "negative": ["debit"]}


# ------------------------------------------------------------------------------ schema roles
def test_roles_round_trip_and_a_schema_without_roles_writes_what_it_always_wrote():
    df = ledger()
    plain = Schema.infer(df)
    assert "entity" not in plain.to_dict() and plain.roles is None and plain.entity is None
    s = bank_schema(df, [RunningBalance("balance", "amount", SIGNED)])
    assert s.kind("account_id") == "id" and plain.kind("account_id") == "numerical"  # the key is an identifier
    back = Schema.from_json(s.to_json())
    assert back == s and back.entity == "account_id" and back.order == "date"
    assert back.roles.rules[0] == RunningBalance("balance", "amount", SIGNED)
    assert s.without_roles().roles is None and s.without_roles().kind("account_id") == "id"


def test_bad_roles_name_the_column_and_the_fix():
    s = Schema.infer(ledger())
    with pytest.raises(SchemaError, match="entity key 'acct' is not a column"):
        s.with_roles(EntityRoles("acct", "date"))
    with pytest.raises(SchemaError, match="order column 'type' is a categorical column"):
        s.with_roles(EntityRoles("account_id", "type"))
    with pytest.raises(SchemaError, match="names column 'bal'"):
        s.with_roles(EntityRoles("account_id", "date", [{"kind": "running_balance", "balance": "bal", "amount": "amount"}]))
    with pytest.raises(SchemaError, match="unknown entity rule kind 'sum'"):
        rule_from_dict({"kind": "sum"})


def test_roles_are_inferred_only_when_unambiguous():
    df = ledger()
    kinds = {c: Schema.infer(df).kind(c) for c in df.columns}
    assert infer_roles(df, kinds) == EntityRoles("account_id", "date")
    two_keys = df.assign(branch_id=[1, 1, 2, 2, 1, 1, 2])
    assert infer_roles(two_keys, {**kinds, "branch_id": "numerical"}) is None
    two_dates = df.assign(booked=df["date"])
    assert infer_roles(two_dates, {**kinds, "booked": "datetime"}) is None
    unique_ids = df.assign(account_id=range(7))  # every value distinct: a row id, not an entity
    assert infer_roles(unique_ids, kinds) is None


# ------------------------------------------------------------------------------ histories and rules
def test_histories_sort_by_entity_then_order_stably():
    df = ledger()
    h = histories(df, EntityRoles("account_id", "date"))
    s = h.sorted(df)
    assert s["account_id"].tolist() == [2, 2, 2, 1, 1, 1, 3]  # entities by first appearance
    assert s["balance"].tolist() == [50, 30, 45, 100, 70, 75, 10]
    assert h.sizes.tolist() == [3, 3, 1] and h.first.tolist() == [1, 0, 0, 1, 0, 0, 1]
    # gaps in days: account 2: 2, 7; account 1: 4, 27
    assert h.gaps().tolist() == [2.0, 7.0, 4.0, 27.0]


def test_running_balance_by_hand():
    df = ledger()
    roles = EntityRoles("account_id", "date")
    h = histories(df, roles)
    ok, applicable = RunningBalance("balance", "amount", SIGNED).check(h.sorted(df), h)
    assert ok.tolist() == [False, True, True] and applicable.tolist() == [True, True, False]
    # the amount column already signed: the same answers
    signed = df.assign(amount=np.where(df["type"] == "debit", -df["amount"], df["amount"]))
    ok2, _ = RunningBalance("balance", "amount").check(h.sorted(signed), h)
    assert ok2.tolist() == ok.tolist()
    # within tolerance; above it
    off = df.assign(balance=df["balance"] + np.where(df["date"] == "2020-02-01", 0.009, 0.0))
    assert RunningBalance("balance", "amount", SIGNED).check(h.sorted(off), h)[0].tolist() == [False, True, True]
    off = df.assign(balance=df["balance"] + np.where(df["date"] == "2020-02-01", 0.02, 0.0))
    assert RunningBalance("balance", "amount", SIGNED).check(h.sorted(off), h)[0].tolist() == [False, False, True]


def test_running_balance_accepts_any_booking_order_within_a_day():
    # one day holds +100 and -30 after an opening 10: booked either way the day ends at 80
    day = pd.Timestamp("2020-01-02")
    a = pd.DataFrame({"account_id": [1, 1, 1], "date": [pd.Timestamp("2020-01-01"), day, day],
                      "amount": [10.0, 100.0, -30.0], "balance": [10.0, 110.0, 80.0]})
    b = a.iloc[[0, 2, 1]].reset_index(drop=True)  # same rows, the day's two in the other order
    c = a.assign(balance=[10.0, 110.0, 81.0])  # the day does not end where its amounts lead
    rule, roles = RunningBalance("balance", "amount"), EntityRoles("account_id", "date")
    for frame, expected in ((a, True), (b, True), (c, False)):
        h = histories(frame, roles)
        assert rule.check(h.sorted(frame), h)[0].tolist() == [expected]


def test_constant_within():
    df = ledger().assign(cls=["x", "y", "y", "z", "x", "y", "w"])
    h = histories(df, EntityRoles("account_id", "date"))
    ok, applicable = ConstantWithin("cls").check(h.sorted(df), h)
    assert ok.tolist() == [False, True, True] and applicable.tolist() == [True, True, False]


# ------------------------------------------------------------------------------ splits
def test_entity_split_keeps_each_entity_on_one_side():
    rng = np.random.default_rng(0)
    keys = rng.integers(0, 50, 2000)
    tr, ho = entity_split(keys, 0.3, seed=1)
    assert len(tr) + len(ho) == 2000 and not set(keys[tr]) & set(keys[ho])
    assert len(set(keys[ho])) == 15  # round(0.3 x 50) entities
    again = entity_split(keys, 0.3, seed=1)
    assert np.array_equal(again[1], ho)
    with pytest.raises(DataError, match="2 entities cannot be split by entity"):
        entity_split([1, 1, 2], 0.3, seed=0)


def test_prepare_and_utility_splits_are_by_entity_only_with_a_key():
    df = pd.DataFrame({"acc": np.repeat(np.arange(40), 5), "x": np.arange(200.0), "y": np.tile(["a", "b"], 100)})
    tr, ho = split_train_holdout(df, 0.25, 3, "acc")
    assert not set(tr["acc"]) & set(ho["acc"]) and ho["acc"].nunique() == 10
    # without a key: exactly the row split it always was (a seeded permutation)
    tr0, ho0 = split_train_holdout(df, 0.25, 3)
    order = np.random.default_rng(3).permutation(200)
    assert ho0["x"].tolist() == sorted(order[:50].astype(float).tolist())
    tr1, ho1 = split_real(df, 0.3, 0, "y", entity="acc")
    assert not set(tr1["acc"]) & set(ho1["acc"]) and ho1["acc"].nunique() == 12


# ------------------------------------------------------------------------------ generators
def test_only_generators_with_entity_support_get_the_roles():
    from benchkit_baselines import BootstrapGenerator, EntityBootstrapGenerator

    s = bank_schema(ledger())
    assert entity_support(EntityBootstrapGenerator) and not entity_support(BootstrapGenerator)
    assert schema_for_generator(EntityBootstrapGenerator(), s).roles is s.roles
    assert schema_for_generator(BootstrapGenerator(), s).roles is None


def test_entity_bootstrap_returns_whole_histories_under_fresh_ids():
    from benchkit_baselines import EntityBootstrapGenerator

    df = ledger()
    s = bank_schema(df, [RunningBalance("balance", "amount", SIGNED)])
    gen = EntityBootstrapGenerator(seed=0).fit(df, s)
    out = gen.sample(7)
    assert len(out) == 7 and set(out["account_id"]).isdisjoint(df["account_id"])  # fresh ids, > 3
    sizes = sorted(out.groupby("account_id").size().tolist())
    assert sizes == [1, 3, 3]  # the three histories, once each
    for _, hist in out.groupby("account_id"):  # each one a real history, in order
        match = [a for a, real in df.groupby("account_id")
                 if real.sort_values("date", kind="stable")["balance"].tolist() == hist["balance"].tolist()]
        assert len(match) == 1
    longer = gen.sample(9)  # a second pass starts; the last history drawn is cut to its earliest rows
    assert len(longer) == 9 and longer["account_id"].nunique() >= 4
    plain = EntityBootstrapGenerator(seed=0).fit(df, s.without_roles()).sample(5)  # no roles: rows
    assert len(plain) == 5


def test_evaluate_entity_flags_fail_clearly():
    df = ledger()
    with pytest.raises(SchemaError, match="entity key 'acct' is not a column"):
        benchkit.evaluate(df, df, entity="acct")
    with pytest.raises(SchemaError, match="order column 'type' is a categorical column"):
        benchkit.evaluate(df, df, entity="account_id", order="type")
    with pytest.raises(BenchkitError, match="without an entity key"):
        benchkit.evaluate(df, df, entity=None, order="date")
    with pytest.raises(SchemaError, match="lacks the entity key column 'account_id'"):
        benchkit.evaluate(df, df.drop(columns="account_id"), entity="account_id", families=["entity"])


def test_a_benchmark_spec_declares_entity_roles_and_the_runner_honours_them(plugin_manager, tmp_path):
    from benchkit.bench.prepare import prepare_dataset
    from benchkit.bench.runner import run_benchmark
    from benchkit.bench.spec import BenchmarkSpec, GeneratorSpec, parse_dataset_flag

    from benchkit_datasets.bank_transactions import simulator

    df = simulator.simulate(n_rows=3000, seed=0, n_accounts=40)
    path = tmp_path / "tx.csv"
    df.to_csv(path, index=False)
    ds = parse_dataset_flag(f"{path}:entity=account_id,order=date")
    assert (ds.entity, ds.order) == ("account_id", "date")
    prepared = prepare_dataset(ds, holdout=0.3, split_seed=0)
    assert prepared.schema.entity == "account_id" and prepared.schema.order == "date"
    assert not set(prepared.train["account_id"]) & set(prepared.holdout["account_id"])  # split by account
    spec = BenchmarkSpec(datasets=[ds], generators=[GeneratorSpec("entity_bootstrap"), GeneratorSpec("independent")],
                         seeds=[0], families=["entity"], out=str(tmp_path / "out"))
    res = run_benchmark(spec, executor="inprocess", progress=False)
    assert (res.runs["status"] == "ok").all()
    summ = res.summary.set_index(["metric", "generator"])["mean"]
    assert summ[("entity.size", "entity_bootstrap")] == 1.0 and summ[("entity.size", "independent")] < 0.2
    assert summ[("entity.profile_copies", "entity_bootstrap")] == 1.0


def test_entity_bootstrap_passes_the_conformance_checks_with_entity_roles():
    from benchkit.testing import check_generator, make_check_data
    from benchkit_baselines import EntityBootstrapGenerator

    data, _ = make_check_data()
    data["account_id"] = data["customer_id"] // 6  # histories of 6 rows
    schema = Schema.infer(data).with_roles(EntityRoles("account_id", "signup"))
    results = check_generator(EntityBootstrapGenerator, data=data, schema=schema)
    assert all(r.passed for r in results) and results[-1].check == "check_entity_histories"
    assert [r.check for r in check_generator(EntityBootstrapGenerator)][-1] == "check_entity_histories"  # no roles given
    out = EntityBootstrapGenerator(seed=0).fit(data, schema).sample(60)
    assert out.groupby("account_id").size().max() == 6 and set(out["account_id"]).isdisjoint(data["account_id"])


def test_rows_without_an_entity_are_refused_by_name():
    df = ledger()
    syn = df.assign(account_id=df["account_id"].astype(float).where(df.index != 2))
    with pytest.raises(SchemaError, match=r"entity key column 'account_id' of the synthetic table has 1 missing"):
        benchkit.evaluate(df, syn, entity="account_id", families=["entity"])


def test_the_conformance_suite_catches_a_generator_that_claims_entity_support_but_returns_rows():
    from benchkit.testing import check_entity_histories
    from benchkit.testing import ConformanceError
    from benchkit_baselines import BootstrapGenerator

    class RowsOnly(BootstrapGenerator):
        entity_support = True  # claims histories, mints a fresh id per row

    with pytest.raises(ConformanceError, match="every sampled entity has one row"):
        check_entity_histories(RowsOnly)
    check_entity_histories(BootstrapGenerator)  # no claim: nothing to check
