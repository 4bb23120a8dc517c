"""The privacy gate: decided from measured leakage against the real holdout's own, never from names."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest

from benchkit import Generator, hookimpl, run_benchmark
from benchkit.errors import BenchkitError
from benchkit.report import write_report
from benchkit.bench.spec import SpecError, spec_from_dict
from benchkit.verdict.gate import GATE_FAILED, GateThresholds, gate_scores


def rows(**values) -> pd.DataFrame:
    """Score rows as evaluate writes them: ``metric=(value, details)``."""
    recs = [{"metric": f"privacy.{k}", "value": v[0], "details": v[1]} for k, v in values.items()]
    return pd.DataFrame(recs)


def test_exact_copies_are_judged_against_the_holdouts_natural_duplicates():
    natural = rows(exact_copies=(0.031, {"holdout_rate": 0.025}))
    assert gate_scores(natural).passed  # 0.6 points above the holdout's own duplicates
    copier = rows(exact_copies=(0.05, {"holdout_rate": 0.025}))
    res = gate_scores(copier)
    assert res.passed is False and "5.0% of synthetic rows are exact copies" in res.reasons[0]
    assert gate_scores(copier, GateThresholds(exact_copies_excess=0.03)).passed  # a looser spec


def test_dcr_check_allows_for_the_sampling_error_of_small_tables():
    big = {"n_synthetic": 20_000, "n_holdout": 20_000}
    assert gate_scores(rows(dcr_below_holdout_p5=(0.14, big))).passed
    assert gate_scores(rows(dcr_below_holdout_p5=(0.16, big))).passed is False
    # 40 rows each: SE = sqrt(2 * 0.05 * 0.95 / 40) = 0.0487; limit 0.05 + 3 * 0.0487 = 0.196
    small = {"n_synthetic": 40, "n_holdout": 40}
    check = gate_scores(rows(dcr_below_holdout_p5=(0.18, small))).checks[0]
    assert check["passed"] and check["limit"] == pytest.approx(0.05 + 3 * math.sqrt(2 * 0.05 * 0.95 / 40))


def test_a_collapsed_sample_counts_as_one_observation_not_a_leak():
    # 20,000 rows that are one row repeated: both DCR shares are 0 or 1 by construction
    one_row = {"n_synthetic": 20_000, "n_synthetic_distinct": 1, "n_holdout": 20_000}
    res = gate_scores(rows(dcr_below_holdout_p5=(1.0, one_row), dcr_share=(1.0, one_row)))
    assert res.passed, res.reasons
    # the same shares from 20,000 distinct rows are a leak
    many = {**one_row, "n_synthetic_distinct": 20_000}
    assert gate_scores(rows(dcr_below_holdout_p5=(1.0, many), dcr_share=(1.0, many))).passed is False


def test_membership_advantage_is_judged_against_its_chance_level():
    # 10,000 members and non-members: chance bound 1.63 * sqrt(2 / 10000) = 0.023 < 0.10
    assert gate_scores(rows(mia_distance_advantage=(0.12, {"n_members": 10_000}))).passed is False
    # 100 a side: chance alone reaches 1.63 * sqrt(0.02) = 0.23
    res = gate_scores(rows(mia_domias_advantage=(0.2, {"n_members": 100})))
    assert res.passed and res.checks[0]["limit"] == pytest.approx(1.63 * math.sqrt(0.02))


def test_no_privacy_score_means_not_judged_and_bad_thresholds_are_named():
    res = gate_scores(pd.DataFrame({"metric": ["aggregate.overall"], "value": [0.9], "details": [{}]}))
    assert res.passed is None and "not judged" in res.sentence()
    with pytest.raises(BenchkitError, match="mia_advantage must be a number in"):
        GateThresholds(mia_advantage=2)
    with pytest.raises(SpecError, match=r"unknown privacy_gate setting\(s\) \['mia'\]"):
        spec_from_dict({"datasets": ["d"], "generators": ["g"], "privacy_gate": {"mia": 0.2}})


class Memoriser(Generator):
    """A third-party generator with an innocent name: training rows with a tiny jitter on the numbers."""

    def __init__(self, *, seed: int | None = 0):
        self.seed = seed

    def _fit(self, data: pd.DataFrame, schema) -> None:
        self.rows_ = data.reset_index(drop=True)

    def _sample(self, n: int) -> pd.DataFrame:
        rng = np.random.default_rng(self.seed)
        out = self.rows_.iloc[rng.integers(0, len(self.rows_), n)].reset_index(drop=True)
        for c in self.schema_.numerical:
            out[c] = out[c] + rng.normal(0, 1e-6 * (float(out[c].std()) or 1.0), n)
        return out


class MemoriserPlugin:
    @hookimpl
    def benchkit_register_generators(self, register):
        register("smooth_sampler", Memoriser, description="definitely not a copier")


def test_a_plugin_returning_jittered_training_rows_is_gated_ranked_last_and_flagged(plugin_manager, tmp_path):
    plugin_manager.register(MemoriserPlugin(), name="memoriser-plugin")
    spec = {"datasets": [{"name": "bank_transactions", "n_rows": 3000}],
            "generators": ["smooth_sampler", "independent"], "seeds": [0, 1],
            "families": ["marginal", "pairwise", "privacy"], "out": str(tmp_path / "out")}
    res = run_benchmark(spec, executor="inprocess", progress=False)
    overall = res.summary[res.summary["metric"] == "aggregate.overall"].set_index("generator")
    # the copier's fidelity is higher, yet it ranks after the generator that passes the gate
    assert overall.loc["smooth_sampler", "mean"] > overall.loc["independent", "mean"]
    assert overall.loc["smooth_sampler", "gate"] == GATE_FAILED and overall.loc["independent", "gate"] == "passed"
    assert overall.loc["independent", "rank"] == 1 and overall.loc["smooth_sampler", "rank"] == 2
    copies = res.summary[(res.summary["metric"] == "privacy.exact_copies")].set_index("generator")
    assert copies.loc["smooth_sampler", "mean"] < 0.01  # no exact copy: the distances catch it

    html = write_report(tmp_path / "out", tmp_path / "r.html").read_text(encoding="utf-8")
    assert "smooth_sampler leaks training rows" in html and "never recommended" in html
