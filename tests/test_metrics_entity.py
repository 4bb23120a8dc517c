"""The entity metric family, each metric against a value computed by hand, and the no-entity guarantee."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit import Schema
from benchkit.entities import ConstantWithin, EntityRoles, RunningBalance
from benchkit.evaluation import metric_family
from benchkit import plugins

D = pd.Timestamp("2021-01-01")


def frame(rows: list[tuple]) -> pd.DataFrame:
    """Rows (account, day offset, category, amount, balance)."""
    df = pd.DataFrame(rows, columns=["acc_id", "day", "cat", "amount", "balance"])
    df["date"] = D + pd.to_timedelta(df.pop("day"), unit="D")
    return df


REAL = frame([
    (1, 0, "a", 10.0, 10.0),
    (2, 0, "a", 5.0, 5.0), (2, 3, "b", 1.0, 6.0),
    (3, 0, "a", 1.0, 1.0), (3, 1, "b", 1.0, 2.0), (3, 40, "a", 2.0, 4.0),
])
SYN = frame([
    (7, 0, "a", 10.0, 10.0),
    (8, 0, "b", 5.0, 5.0),
    (9, 0, "a", 1.0, 1.0), (9, 2, "a", 1.0, 2.0), (9, 5, "b", 2.0, 9.0),  # 2 + 2 = 4, not 9
])


def schema(rules=(), label=None) -> Schema:
    return Schema.infer(REAL).with_roles(EntityRoles("acc_id", "date", rules, label))


def run(metric: str, real=REAL, syn=SYN, sch=None, **kw) -> pd.DataFrame:
    res = benchkit.evaluate(real, syn, sch or schema(), metrics=[metric], references=False, **kw)
    assert not res.skipped, res.skipped
    return res.scores


def test_size_is_the_ks_complement_of_rows_per_entity():
    # real sizes {1, 2, 3}, synthetic {1, 1, 3}: CDFs at 1: 1/3 vs 2/3 -> D = 1/3
    s = run("entity.size")
    assert s["value"].iloc[0] == pytest.approx(2 / 3)
    assert s["details"].iloc[0]["n_real_entities"] == 3 and s["family"].iloc[0] == "entity"


def test_gaps_between_consecutive_events_in_days():
    # real gaps: 3 (acc 2), 1 and 39 (acc 3); synthetic: 2 and 3 (acc 9)
    # real CDF at 1: 1/3, 2: 1/3, 3: 2/3, 39: 1; synthetic at 2: 1/2, 3: 1 -> D = max(|1/3-0|, |1/3-1/2|, |2/3-1|) = 1/3
    s = run("entity.gaps")
    assert s["value"].iloc[0] == pytest.approx(2 / 3) and s["details"].iloc[0]["unit"] == "days"


def test_monthly_events_count_empty_months_between_first_and_last():
    # real: acc 1 -> [1] (January); acc 2 -> [2]; acc 3 -> Jan 2, Feb 1 (day 40) -> [2, 1]: {1, 2, 2, 1}
    # synthetic: [1], [1], [3]. CDF at 1: 1/2 vs 2/3, at 2: 1 vs 2/3, at 3: 1 vs 1 -> D = 1/3
    s = run("entity.monthly_events")
    assert s["value"].iloc[0] == pytest.approx(2 / 3)


def test_aggregates_by_hand():
    s = run("entity.aggregate").set_index(["metric", "column"])["value"]
    # amount means: real {10, 3, 4/3}, synthetic {10, 5, 4/3}: CDFs at 4/3: 1/3 vs 1/3; 3: 2/3 vs 1/3 -> D = 1/3
    assert s[("entity.aggregate_mean", "amount")] == pytest.approx(2 / 3)
    # amount sums: real {10, 6, 4}, synthetic {10, 5, 4}: at 5: 1/3 vs 2/3 -> D = 1/3
    assert s[("entity.aggregate_sum", "amount")] == pytest.approx(2 / 3)
    # amount population stds: real {0, 2, sqrt(2/9)}, synthetic {0, 0, sqrt(2/9)}: at 0: 1/3 vs 2/3 -> 2/3
    assert s[("entity.aggregate_std", "amount")] == pytest.approx(2 / 3)


def test_category_mix_is_the_mean_over_categories_of_per_entity_share_ks():
    # share of "a" per entity: real {1, 1/2, 2/3}, synthetic {1, 0, 2/3}: at 0: 0 vs 1/3, at 1/2: 1/3 vs 1/3 -> D = 1/3
    # share of "b": real {0, 1/2, 1/3}, synthetic {0, 1, 1/3} -> D = 1/3 likewise; mean 2/3
    s = run("entity.category_mix")
    assert s.set_index("column").loc["cat", "value"] == pytest.approx(2 / 3)


def test_transitions_tv_complement_by_hand():
    # real pairs: a->b (acc 2), a->b, b->a (acc 3): p = {ab: 2/3, ba: 1/3}; synthetic (acc 9): a->a, a->b: q = {aa: 1/2, ab: 1/2}
    # TV = 0.5 (|0 - 1/2| + |2/3 - 1/2| + |1/3 - 0|) = 0.5 (1/2 + 1/6 + 1/3) = 1/2
    s = run("entity.transitions")
    assert s.set_index("column").loc["cat", "value"] == pytest.approx(0.5)
    assert s["details"].iloc[0]["n_real_transitions"] == 3


def test_transitions_are_zero_when_no_synthetic_entity_has_two_rows():
    one_row_each = SYN.assign(acc_id=range(len(SYN)))
    s = run("entity.transitions", syn=one_row_each)
    assert s["value"].iloc[0] == 0.0 and "two rows" in s["details"].iloc[0]["note"]


def test_rule_consistency_is_the_share_of_synthetic_entities_obeying():
    sch = schema([RunningBalance("balance", "amount"), ConstantWithin("cat")])
    s = run("entity.rule_consistency", sch=sch)
    bal, const = s.iloc[0], s.iloc[1]
    # synthetic entities with two rows or more: only acc 9, which breaks the balance -> 0 of 1
    assert bal["value"] == 0.0 and bal["details"]["real"] == 1.0
    assert bal["details"]["n_synthetic_entities_checked"] == 1
    # cat constant: acc 9 changes a -> b; real acc 2 and 3 both change -> real share 0
    assert const["value"] == 0.0 and const["details"]["real"] == 0.0
    fixed = SYN.copy()
    fixed.loc[4, "balance"] = 4.0
    assert run("entity.rule_consistency", syn=fixed, sch=sch)["value"].iloc[0] == 1.0


def accounts(n: int, seed: int, shift: float = 0.0) -> pd.DataFrame:
    """n accounts of 4-9 rows; the class follows the account's mean amount (rich: mean near 100)."""
    rng = np.random.default_rng(seed)
    sizes = rng.integers(4, 10, n)
    acc = np.repeat(np.arange(n) + seed * 10_000, sizes)
    rich = np.repeat(rng.random(n) < 0.5, sizes)
    amount = np.where(rich, 100.0, 10.0) + rng.normal(0, 3, len(acc)) + shift
    day = np.concatenate([np.sort(rng.integers(0, 300, k)) for k in sizes])  # per-account dates of a test table
    df = pd.DataFrame({"acc_id": acc, "date": D + pd.to_timedelta(day, unit="D"), "amount": amount,
                       "cat": rng.choice(["a", "b"], len(acc)), "cls": np.where(rich, "rich", "poor")})
    df["balance"] = df.groupby("acc_id")["amount"].cumsum()
    return df


def test_entity_utility_trains_on_synthetic_entities_and_tests_on_holdout_entities():
    real, hold = accounts(120, 1), accounts(60, 2)
    sch = Schema.infer(real).with_roles(EntityRoles("acc_id", "date", (), "cls"))
    same = run("entity.utility", real=real, syn=real.assign(acc_id=real["acc_id"] + 10**6), sch=sch, holdout=hold)
    v = same.set_index("metric")["value"]
    assert v["entity.utility_trtr_roc_auc"] == pytest.approx(1.0)  # the class is the mean amount's side
    assert v["entity.utility_ratio"] == pytest.approx(1.0) and v["entity.utility_random_roc_auc"] == 0.5
    assert same["details"].iloc[0]["n_holdout_entities"] == 60
    # synthetic entities whose labels say nothing of their amounts: about random
    noise = real.assign(cls=np.where(np.random.default_rng(5).random(len(real)) < 0.5, "rich", "poor"))
    noise["cls"] = noise.groupby("acc_id")["cls"].transform("first")
    w = run("entity.utility", real=real, syn=noise, sch=sch, holdout=hold).set_index("metric")["value"]
    assert w["entity.utility_tstr_roc_auc"] < 0.75 and w["entity.utility_lift"] < 0.5


def test_entity_privacy_catches_a_whole_history_copier():
    real, hold = accounts(80, 1), accounts(80, 2)
    sch = Schema.infer(real).with_roles(EntityRoles("acc_id", "date"))
    copier = real.assign(acc_id=real["acc_id"] + 10**6)  # every history, fresh ids
    s = run("entity.privacy", real=real, syn=copier, sch=sch, holdout=hold).set_index("metric")
    assert s.loc["entity.profile_copies", "value"] == 1.0 and s.loc["entity.profile_dcr_protection", "value"] == 0.0
    assert s.loc["entity.profile_copies", "details"]["flagged"] is True
    assert bool(s.loc["entity.profile_copies", "higher_is_better"]) is False
    fresh = accounts(80, 3)  # new histories from the same process
    f = run("entity.privacy", real=real, syn=fresh, sch=sch, holdout=hold).set_index("metric")
    assert f.loc["entity.profile_copies", "value"] == 0.0 and f.loc["entity.profile_dcr_protection", "value"] > 0.7
    assert f.loc["entity.profile_copies", "details"]["flagged"] is False


def test_entity_family_is_registered_like_any_family():
    regs = plugins.list_metrics()
    entity = {n for n, r in regs.items() if metric_family(r) == "entity"}
    assert {"entity.size", "entity.gaps", "entity.transitions", "entity.rule_consistency", "entity.utility",
            "entity.privacy"} <= entity
    assert all("entity" in regs[n].info["requires"] for n in entity)


def test_a_table_without_an_entity_key_scores_exactly_as_without_the_family():
    rng = np.random.default_rng(0)
    n = 300
    real = pd.DataFrame({"x": rng.normal(size=n), "c": rng.choice(["a", "b"], n),
                         "d": D + pd.to_timedelta(rng.integers(0, 90, n), unit="D")})
    syn = real.sample(frac=1.0, random_state=1).reset_index(drop=True).assign(x=lambda f: f["x"] + 0.1)
    res = benchkit.evaluate(real, syn, seed=0)
    assert res.schema.roles is None
    assert not any(r.family == "entity" for r in res.rows) and not any(s.metric.startswith("entity.") for s in res.skipped)
    others = sorted({metric_family(r) for r in plugins.list_metrics().values()} - {"entity"})
    explicit = benchkit.evaluate(real, syn, seed=0, families=others)
    a = res.scores[["metric", "column", "column_2", "value"]]
    b = explicit.scores[["metric", "column", "column_2", "value"]]
    pd.testing.assert_frame_equal(a, b)
    # a table with an entity-like key scored with entity=None: no roles, the key scored as a column
    keyed = real.assign(acc_id=np.repeat(np.arange(60), 5))
    off = benchkit.evaluate(keyed, keyed, seed=0, entity=None)
    assert off.schema.roles is None and off.schema.kind("acc_id") == "numerical"
    on = benchkit.evaluate(keyed, keyed, seed=0, families=["entity"])
    assert on.schema.entity == "acc_id" and any("inferred" in note for note in on.notes)
    assert math.isclose(on.score("entity.size"), 1.0)


def test_the_privacy_gate_fails_a_whole_history_copier_and_ignores_tables_without_entities():
    from benchkit.verdict.gate import gate_scores

    real, hold = accounts(80, 1), accounts(80, 2)
    sch = Schema.infer(real).with_roles(EntityRoles("acc_id", "date"))
    copier = real.assign(acc_id=real["acc_id"] + 10**6)
    gate = gate_scores(run("entity.privacy", real=real, syn=copier, sch=sch, holdout=hold))
    assert gate.passed is False and "repeat a training entity's whole history" in gate.reasons[0]
    fresh = gate_scores(run("entity.privacy", real=real, syn=accounts(80, 3), sch=sch, holdout=hold))
    assert fresh.passed is True and [c["name"] for c in fresh.checks] == ["history_copies"]
    assert gate_scores(pd.DataFrame({"metric": ["marginal.ks_complement"], "value": [0.9]})).passed is None


def test_the_gate_counts_unseen_entities_not_rows_for_clustered_tables():
    from benchkit.verdict.gate import gate_scores

    rows = pd.DataFrame({"metric": ["privacy.mia_domias_advantage"], "value": [0.3],
                         "details": [{"n_members": 1000}]})
    # 1000 independent rows: chance bound 1.63 sqrt(2/1000) = 0.073 < 0.10 -> the limit is 0.10 and 0.3 fails
    assert gate_scores(rows).passed is False
    # the same rows from 20 unseen entities: chance bound 1.63 sqrt(2/20) = 0.515 -> 0.3 is within chance
    clustered = rows.assign(details=[{"n_members": 1000, "n_holdout_entities": 20}])
    res = gate_scores(clustered)
    assert res.passed is True and res.checks[0]["limit"] == pytest.approx(1.63 * math.sqrt(2 / 20))


def test_asking_for_the_entity_family_without_a_key_says_what_is_missing():
    plain = REAL.drop(columns="acc_id")
    res = benchkit.evaluate(plain, plain, families=["entity"], entity=None)
    assert not res.rows and {s.reason for s in res.skipped} >= {"needs an entity key (pass entity=... / --entity COL)"}
    priv = next(s for s in res.skipped if s.metric == "entity.privacy")
    assert priv.reason == "needs an entity key (pass entity=... / --entity COL); needs holdout (pass holdout=...)"
