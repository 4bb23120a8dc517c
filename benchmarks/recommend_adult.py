"""`benchkit recommend` on Adult within a budget: wall time against the budget, and whether two
independent runs (fresh folders) give the same recommendation.

    BENCHKIT_DATA_DIR=../shared/data python benchmarks/recommend_adult.py --budget 5m --runs 2

Prints, per run: the wall time, the training seconds each budgeted candidate got, the chosen
generator, its tie group and the gated generators; then whether the runs agree.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchkit.report.model import from_results, recommendations


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", default="adult")
    ap.add_argument("--target", default="income")
    ap.add_argument("--budget", default="5m")
    ap.add_argument("--runs", type=int, default=2)
    ap.add_argument("--generators", nargs="*", default=None)
    args = ap.parse_args()
    shared = Path(__file__).resolve().parents[2] / "shared" / "data"
    if not os.environ.get("BENCHKIT_DATA_DIR") and shared.exists():
        os.environ["BENCHKIT_DATA_DIR"] = str(shared)  # the real datasets (the simulator needs none)
    chosen = []
    for i in range(args.runs):
        out = Path(tempfile.mkdtemp(prefix="bk-recommend-"))
        cmd = [sys.executable, "-m", "benchkit", "recommend", args.data, "--target", args.target,
               "--budget", args.budget, "--out", str(out), "--no-progress"]
        if args.generators:
            cmd += ["--generators", *args.generators]
        t0 = time.perf_counter()
        done = subprocess.run(cmd, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        if done.returncode != 0:
            print(done.stderr[-2000:])
            return 1
        plan = json.loads((out / "recommend.json").read_text())
        rec = recommendations(from_results(out, max_rows=1))[0]
        chosen.append(rec.chosen)
        print(f"run {i + 1}: {wall:6.1f} s wall for a {plan['budget_s']:.0f} s budget; "
              f"{plan['train_s']:.1f} s of training per budgeted job ({', '.join(plan['budgeted']) or 'none'}); "
              f"scoring {plan['score_s']:.1f} s/job planned")
        for c in sorted(rec.candidates, key=lambda c: -c.mean):
            print(f"    {c.generator:<20} {rec.metric} {c.mean:.3f} (n={c.n})  fit {c.fit_s:7.1f} s  gate: {c.gate}"
                  f"{'  tied with best' if c.tied else ''}")
        print(f"    -> {rec.chosen}; tied: {', '.join(rec.tied)}; runner-up: {rec.runner_up}; gated: {', '.join(rec.gated)}")
    print(f"same recommendation in every run: {len(set(chosen)) == 1} ({', '.join(map(str, chosen))})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
