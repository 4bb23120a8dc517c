"""One metric contract: a score row carries the family and direction its metric registered, from the
metric to the results folder, the ranking and the report (never guessed from the row's name)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit import hookimpl, run_benchmark
from benchkit.metrics import Score
from benchkit.report import write_report
from benchkit.bench.results import open_results
from benchkit.bench.spec import BenchmarkSpec, DatasetSpec, GeneratorSpec, SpecError


def copy_share(ctx):
    """Share of synthetic rows that equal a real row in every column: a lower-is-better number whose
    name prefix ("leak") is not its family ("audit")."""
    cols = list(ctx.schema.scored_columns)
    real = set(map(tuple, ctx.real[cols].astype(str).to_numpy()))
    syn = ctx.synthetic[cols].astype(str).to_numpy()
    share = float(np.mean([tuple(r) in real for r in syn]))
    return [Score("leak.copy_share", share)]  # direction and family left to the registration


def both_directions(ctx):
    """A metric with rows of both directions sets each row's own."""
    return [Score("audit.twin_low", 0.2, higher_is_better=False), Score("audit.twin_high", 0.8, higher_is_better=True)]


class AuditPlugin:
    @hookimpl
    def benchkit_register_metrics(self, register):
        register("leak.copy_share", copy_share, family="audit", higher_is_better=False,
                 description="share of synthetic rows copying a real row")
        register("audit.twin", both_directions, family="audit", higher_is_better=True)


def frames(n: int = 300, seed: int = 0) -> tuple[pd.DataFrame, pd.DataFrame]:
    rng = np.random.default_rng(seed)
    real = pd.DataFrame({"x": rng.integers(0, 1000, n).astype(float), "c": rng.choice(list("abc"), n)})
    syn = pd.DataFrame({"x": rng.integers(0, 1000, n).astype(float), "c": rng.choice(list("abc"), n)})
    return real, syn


def test_rows_carry_the_registered_family_and_direction(plugin_manager):
    plugin_manager.register(AuditPlugin(), name="audit-plugin")
    real, syn = frames()
    res = benchkit.evaluate(real, syn, families=["audit"])
    rows = res.scores.set_index("metric")
    assert rows.loc["leak.copy_share", "family"] == "audit"  # not "leak", the name's prefix
    assert not rows.loc["leak.copy_share", "higher_is_better"]  # inherited from the registration
    assert rows.loc["audit.twin_low", "higher_is_better"] == False  # noqa: E712 - the row's own choice wins
    assert rows.loc["audit.twin_high", "higher_is_better"] == True  # noqa: E712
    assert "lower is better" in str(res.summary)
    # built-in rows: family from the registration too (utility.tstr writes utility.ratio_*)
    full = benchkit.evaluate(real, syn, target="c", holdout=frames(100, 1)[0], families=["utility", "privacy"])
    fam = dict(zip(full.scores["metric"], full.scores["family"]))
    assert fam["utility.ratio_roc_auc"] == "utility" and fam["privacy.dcr_share"] == "privacy"
    assert not full.scores.set_index("metric").loc["privacy.exact_copies", "higher_is_better"]


def test_a_spec_naming_a_plugin_family_runs_and_ranks_it_the_right_way_up(plugin_manager, tmp_path):
    plugin_manager.register(AuditPlugin(), name="audit-plugin")
    real, _ = frames(400)
    path = tmp_path / "table.csv"
    real.to_csv(path, index=False)
    spec = BenchmarkSpec(datasets=[DatasetSpec("table", path=str(path))],
                         generators=[GeneratorSpec("bootstrap"), GeneratorSpec("independent")],
                         seeds=[0, 1], families=["audit", "marginal"], out=str(tmp_path / "out"))
    res = run_benchmark(spec, executor="inprocess", progress=False)
    assert (res.runs["status"] == "ok").all()
    stored = open_results(tmp_path / "out").load_scores()
    leak = stored[stored["metric"] == "leak.copy_share"]
    assert set(leak["family"]) == {"audit"} and not leak["higher_is_better"].any()
    summ = res.summary[res.summary["metric"] == "leak.copy_share"].set_index("generator")
    assert summ.loc["bootstrap", "mean"] == 1.0 and summ.loc["independent", "mean"] < 0.5
    assert summ.loc["independent", "rank"] == 1 and summ.loc["bootstrap", "rank"] == 2  # lower is better

    html = write_report(tmp_path / "out", tmp_path / "report.html").read_text(encoding="utf-8")
    assert "Audit metrics" in html  # the plugin family gets its own section
    assert "leak.copy_share: lower is better" in html
    assert "↓" in html.split("leak.copy_share: lower is better", 1)[1][:400]


def test_an_unknown_family_in_a_spec_is_named(plugin_manager, tmp_path):
    spec = BenchmarkSpec(datasets=[DatasetSpec("bank_transactions")], generators=[GeneratorSpec("independent")],
                         families=["audit"], out=str(tmp_path / "out"))
    with pytest.raises(SpecError, match=r"unknown metric families \['audit'\]"):
        spec.check_names()
    plugin_manager.register(AuditPlugin(), name="audit-plugin")
    spec.check_names()  # registered now: accepted
