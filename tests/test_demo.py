"""`benchkit demo`: its spec is valid for the runner and names installed plugins; the quick demo runs."""

from __future__ import annotations

import subprocess
import sys

from benchkit.bench.spec import spec_from_dict
from benchkit.cli.cmd_demo import BASELINES, DATASET, demo_spec


def test_demo_spec_is_valid_and_names_installed_plugins(tmp_path, plugin_manager):
    spec = spec_from_dict(demo_spec(tmp_path / "demo"))
    spec.check_names()  # wgan, the baselines and bank_transactions are all registered
    assert [g.name for g in spec.generators] == ["wgan", *BASELINES]
    assert [d.name for d in spec.datasets] == [DATASET] and len(spec.seeds) >= 2  # ties can be tested
    quick = spec_from_dict(demo_spec(tmp_path / "q", quick=True))
    assert quick.datasets[0].n_rows < spec.datasets[0].n_rows


def test_quick_demo_writes_the_report_and_prints_the_leaderboard_and_verdict(tmp_path):
    out = tmp_path / "demo"
    done = subprocess.run([sys.executable, "-m", "benchkit", "demo", "--quick", "--out", str(out), "--jobs", "2"],
                          capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stderr[-3000:]
    html = (out / "report.html").read_text(encoding="utf-8")
    for gen in ("wgan", *BASELINES):
        assert gen in done.stdout and gen in html
    assert "holdout (reference)" in done.stdout
    assert f"report: {(out / 'report.html').resolve()}" in done.stdout
    # the row copier fails the privacy gate: ranked after every generator that passes, and never recommended
    board = [line.split() for line in done.stdout.splitlines() if line.split()[:1] in (["1"], ["2"], ["3"], ["4"])]
    assert [row[1] for row in board][-1] == "bootstrap" and "leaks training rows" in " ".join(board[-1])
    verdict = " ".join(done.stdout.split("bank_transactions: use ", 1)[1].split())  # unwrapped
    assert not verdict.startswith("bootstrap") and "Not recommended: bootstrap leaks training rows" in verdict
    assert "bootstrap leaks training rows" in html and 'id="verdict"' in html
