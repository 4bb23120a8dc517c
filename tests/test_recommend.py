"""The recommendation: gate first, then the best mean, ties by a stated test, a cheaper runner-up, the
noise check; `benchkit recommend` runs it end to end through the ordinary runner within a budget."""

from __future__ import annotations

import json
import subprocess
import sys

import numpy as np
import pandas as pd
import pytest

from benchkit.errors import BenchkitError
from benchkit.verdict.budget import parse_budget, training_seconds
from benchkit.verdict.gate import GateResult
from benchkit.verdict.recommend import recommend

METRIC = "utility.ratio_roc_auc"


def seed_level(values: dict[str, list[float]], metric: str = METRIC) -> pd.DataFrame:
    rows = [{"dataset": "d", "generator": g, "seed": i, "metric": metric, "value": v, "higher_is_better": True}
            for g, vs in values.items() for i, v in enumerate(vs)]
    return pd.DataFrame(rows)


def runs(fit: dict[str, float]) -> pd.DataFrame:
    return pd.DataFrame([{"dataset": "d", "generator": g, "status": "ok", "fit_s": s} for g, s in fit.items()])


def gates(failed: dict[str, list[str]], passed: list[str]) -> pd.DataFrame:
    rows = [{"dataset": "d", "generator": g, "passed": False, "label": "leaks training rows", "reasons": r,
             "result": GateResult(False, r, [{"short": x, "passed": False} for x in r])} for g, r in failed.items()]
    rows += [{"dataset": "d", "generator": g, "passed": True, "label": "passed", "reasons": [],
              "result": GateResult(True)} for g in passed]
    return pd.DataFrame(rows)


def test_the_copier_is_never_chosen_and_a_cheaper_tied_generator_is_the_runner_up():
    vals = seed_level({"copier": [0.99, 0.99, 0.99], "gan": [0.90, 0.93, 0.88], "copula": [0.91, 0.87, 0.90],
                       "independent": [0.55, 0.56, 0.54]})
    rec = recommend(vals, runs({"copier": 0.0, "gan": 90.0, "copula": 0.3, "independent": 0.0}),
                    gates({"copier": ["exact copies 100%"]}, ["gan", "copula", "independent"]), "d")
    assert rec.chosen == "gan"  # best mean among those that pass (0.903 vs copula's 0.893)
    assert set(rec.tied) == {"gan", "copula"} and rec.runner_up == "copula"
    assert rec.beats_baseline is True and rec.gated == {"copier": ["exact copies 100%"]}
    text = rec.paragraph()
    assert text.startswith("d: use gan.") and "Cheaper runner-up: copula" in text
    assert "Not recommended: copier leaks training rows (exact copies 100%)" in text


def test_a_winner_tied_with_independent_columns_is_not_called_a_win():
    vals = seed_level({"gan": [0.60, 0.50, 0.58], "independent": [0.55, 0.52, 0.56]})
    rec = recommend(vals, runs({"gan": 30.0, "independent": 0.0}), gates({}, ["gan", "independent"]), "d")
    assert rec.chosen == "gan" and "independent" in rec.tied and rec.beats_baseline is False
    assert "Caution: no candidate is significantly better than the independent-columns baseline" in rec.paragraph()


def test_one_seed_is_not_tested_and_fidelity_decides_without_a_target():
    vals = seed_level({"gan": [0.8], "copula": [0.7]}, metric="aggregate.overall")
    rec = recommend(vals, runs({"gan": 1.0, "copula": 1.0}), gates({}, ["gan", "copula"]), "d")
    assert rec.metric == "aggregate.overall" and rec.chosen == "gan" and rec.tied == ["gan"]
    assert "one seed" in rec.paragraph().lower()


def test_budget_parsing_and_the_fair_split():
    assert parse_budget("5m") == 300 and parse_budget("1h30m") == 5400 and parse_budget("90s") == 90
    assert parse_budget(120) == 120 and parse_budget("45") == 45
    for bad in ("soon", "5x", "10"):
        with pytest.raises(BenchkitError, match="--budget"):
            parse_budget(bad)
    # 3 budgeted jobs on 2 workers: 2 rounds; each round pays one job's scoring
    assert training_seconds(200, 3, 2, 30) == pytest.approx(70)
    assert training_seconds(200, 2, 2, 30) == pytest.approx(170)


def test_recommend_cli_runs_within_budget_resumes_and_gives_the_same_verdict(tmp_path):
    out = tmp_path / "rec"
    cmd = [sys.executable, "-m", "benchkit", "recommend", "bank_transactions:n_rows=1500", "--target", "customer_class",
           "--budget", "50s", "--generators", "gaussian_copula", "bootstrap", "wgan", "--seeds", "2",
           "--out", str(out), "--no-progress"]
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
    assert first.returncode == 0, first.stderr[-3000:]
    plan = json.loads((out / "recommend.json").read_text())
    assert plan["budgeted"] == ["wgan"] and plan["train_s"] > 5
    recorded = [json.loads(line) for line in (out / "runs.jsonl").read_text().splitlines()]
    wgan = [r for r in recorded if r["generator"] == "wgan"]
    assert len(wgan) == 2 and all(r["params"]["max_seconds"] == round(plan["train_s"], 1) for r in wgan)
    verdict = " ".join(first.stdout.split("bank_transactions: use ", 1)[1].split())
    assert not verdict.startswith("bootstrap") and "bootstrap leaks training rows" in verdict
    html = (out / "report.html").read_text(encoding="utf-8")
    assert html.index('id="verdict"') < html.index('id="leaderboard"')  # the report opens with it

    again = subprocess.run(cmd, capture_output=True, text=True, timeout=600)  # resumes: nothing runs again
    assert again.returncode == 0, again.stderr[-3000:]
    assert len((out / "runs.jsonl").read_text().splitlines()) == len(recorded)
    chosen = first.stdout.split("bank_transactions: use ", 1)[1].split(".")[0]
    assert again.stdout.split("bank_transactions: use ", 1)[1].split(".")[0] == chosen


def test_recommend_refuses_a_folder_planned_for_other_candidates(tmp_path):
    out = tmp_path / "rec"
    out.mkdir()
    (out / "recommend.json").write_text(json.dumps({"budget_s": 50.0, "seeds": [0], "budgeted": ["wgan"],
                                                     "unbudgeted": ["independent"], "jobs": 2}))
    done = subprocess.run([sys.executable, "-m", "benchkit", "recommend", "bank_transactions", "--budget", "60",
                           "--generators", "gaussian_copula", "--out", str(out)], capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 2 and "planned for other candidates or another budget" in done.stderr
    assert np.all([line.startswith("benchkit: error") for line in done.stderr.strip().splitlines()])
