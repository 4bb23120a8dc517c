"""Every script in benchmarks/ runs end to end at a tiny size, so the figures in RESULTS.md come from
scripts that still work as committed.

The peers (SDMetrics, SDV, CTGAN) are optional and need pandas < 3, so they live in a separate
interpreter: set ``BENCHKIT_PEER_PYTHON`` to a Python that has them (``.ci/run`` builds one) and
the peer comparisons run too; without it those cases are skipped with that reason. Scripts reading
``../shared/data`` are skipped when it is absent.

The script runs carry the ``bench_smoke`` marker: they are part of the default run (and of CI's),
and a quick local run leaves them out with ``python -m pytest -m "not slow and not bench_smoke"``
(``-m`` replaces the configured ``-m 'not slow'``, hence both); ``-m bench_smoke`` runs only them.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import SHARED_DATA

REPO = Path(__file__).resolve().parent.parent
BENCHMARKS = REPO / "benchmarks"
PEER = os.environ.get("BENCHKIT_PEER_PYTHON")

# script, tiny arguments, datasets it reads from ../shared/data, a line its output must contain, needs peers
CASES = [
    ("fidelity_speed.py", ["--rows", "3000,6000", "--repeat", "1"], [], "######## summary", False),
    ("fidelity_speed.py", ["--rows", "3000,6000", "--repeat", "1", "--exact"], [], "same definitions (--exact)", True),
    ("scale_speed.py", ["--rows", "3000", "--repeat", "1"], [], "same schema: True", False),
    ("encoding_ablation.py", ["--rows", "3000", "--repeat", "1"], [], "einsum dot products", False),
    ("runner_throughput.py", ["--rows", "1200", "--seeds", "1", "--wgan-seconds", "1"], [],
     "identical numbers on both executors (jobs without a time budget): True", False),
    ("baselines_speed.py", ["--rows", "3000"], [], "bootstrap", False),
    ("baselines_speed.py", ["--rows", "3000"], [], "sdv_gaussian_copula", True),
    ("bank_realism.py", ["--rows", "3000"], ["berka"], "amount q10/q50/q90", False),
    ("bank_utility.py", ["--rows", "3000"], ["berka"], "TSTR bootstrap", False),
    ("privacy_speed.py", ["--rows", "2000", "--holdout", "1000", "--peer-queries", "200"], [], "targets:", False),
    ("evaluate_scale.py", ["--rows", "2000", "--peer-rows", ""], [], "targets (issue 19)", False),
    ("evaluate_scale.py", ["--rows", "", "--peer-rows", "500"], [], "DCRBaselineProtection", True),
    ("privacy_attacks_speed.py", ["--rows", "2000", "--holdout", "1000"], [], "issue-10 metrics", False),
    ("report_speed.py", ["--rows", "3000", "--peer-rows", "1000"], [], "ratio big/peer", False),
    ("wgan_quality.py", ["--budget-seconds", "2", "--rows", "1000", "--datasets", "adult",
                         "--generators", "wgan,ctgan"], ["adult"], "ctgan", True),
    ("wgan_quality.py", ["--budgets", "2", "--rows", "1000", "--datasets", "berka,adult,bank_marketing", "--seeds", "0",
                         "--calibration", "both", "--trtr", "--generators", "wgan,independent"],
     ["berka", "adult", "bank_marketing"], "wgan-nocal", False),
    ("wgan_quality.py", ["--epochs", "1", "--rows", "1000", "--sample-rows", "1000", "--datasets", "adult",
                         "--relabel", "both", "--privacy", "--generators", "wgan"],
     ["adult"], "wgan-ownlabel", False),
    ("wgan_epochs.py", ["--datasets", "adult", "--rows", "800", "--holdout", "400", "--epochs", "1,2", "--copula"],
     ["adult"], '"generator": "gaussian_copula"', False),
    ("wgan_epochs.py", ["--datasets", "adult", "--rows", "800", "--holdout", "400", "--epochs", "1",
                        "--generator", "sdv_tvae"], ["adult"], '"generator": "sdv_tvae"', True),
    ("wgan_speed.py", ["--seconds", "2", "--rows", "2000"], ["berka"], "ratio", True),
    ("detection_vs_sdmetrics.py", ["--rows", "800"], ["adult"], "LogisticDetection", True),
    ("recommend_adult.py", ["--data", "bank_transactions:n_rows=800", "--target", "customer_class", "--budget", "40s",
                            "--runs", "1", "--generators", "gaussian_copula"], [], "same recommendation in every run", False),
    ("budget_use.py", ["--budget", "2", "--rows", "1000", "--epochs", "5"], ["adult"], "stopped_because", True),
    ("entity_scores.py", ["--rows", "3000", "--cli-rows", "3000", "--cli-repeat", "1"], [], "entity score lines printed",
     False),
    ("entity_generators.py", ["--dataset", "bank_transactions", "--rows", "2000", "--budget", "2",
                              "--generators", "wgan,wgan_rows,entity_bootstrap,independent"], [], "rule: running balance",
     False),
    ("entity_generators.py", ["--dataset", "berka_transactions", "--berka-accounts", "30", "--budget", "3",
                              "--generators", "wgan,sdv_par,independent"], ["berka"], "rule: running balance", True),
]


def _id(case) -> str:
    return case[0].removesuffix(".py") + ("-peers" if case[4] else "")


def test_every_benchmark_script_has_a_case():
    """A new script in benchmarks/ must be added here (and to RESULTS.md)."""
    covered = {c[0] for c in CASES} | {"wgan_vs_sdv.py"}
    scripts = {p.name for p in BENCHMARKS.glob("*.py")}
    assert scripts <= covered, f"benchmark scripts without a tiny-size test: {sorted(scripts - covered)}"


@pytest.mark.bench_smoke
@pytest.mark.parametrize("case", CASES, ids=[_id(c) for c in CASES])
def test_benchmark_script_runs_at_tiny_size(case, tmp_path):
    script, args, data, expect, peers = case
    for name in data:
        if not (SHARED_DATA / name).exists():
            pytest.skip(f"real data not available: {SHARED_DATA / name} is absent")
    if peers and not PEER:
        pytest.skip("peer comparison: set BENCHKIT_PEER_PYTHON to a Python with sdmetrics/sdv/ctgan (.ci/run builds one)")
    python = PEER if peers else sys.executable
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "plugins"), env.get("PYTHONPATH", "")])
    done = subprocess.run([python, str(BENCHMARKS / script), *args], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    out = done.stdout + done.stderr
    assert done.returncode == 0, f"{script} failed:\n{out[-4000:]}"
    assert expect in out, f"{script} printed no {expect!r}:\n{out[-4000:]}"
    assert "Traceback" not in out, out[-4000:]
