"""Membership/attribute inference, alpha-precision/beta-recall/authenticity and k-marginal on 50,000 x 50,000 rows.

Target (issue 10): all of them under two minutes on 2 cores. Prints wall time, CPU time (the better
guide on the shared machine) and peak RSS per metric, and, as the same-process peer, the time of
``privacy.dcr`` (issue 6's distance metric) on the same frames.

Data as in ``privacy_speed.py``: Adult resampled with 1 % numerical jitter (or a random mixed table
when the shared data is absent); synthetic rows are a fresh resample with every column shuffled.

    PYTHONPATH=$PWD python benchmarks/privacy_attacks_speed.py [--rows 50000] [--holdout 20000] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT.parent))
sys.path.insert(0, str(ROOT))

from privacy_speed import base_table, cpu_s, peak_rss_mib, resample, rss_mib  # noqa: E402

from benchkit.metrics import MetricContext  # noqa: E402
from benchkit.metrics.privacy import distance as privacy  # noqa: E402
from benchkit.metrics.privacy.attribute_inference import attribute_inference  # noqa: E402
from benchkit.metrics.aggregate import alpha_beta  # noqa: E402
from benchkit.metrics.privacy.authenticity import authenticity  # noqa: E402
from benchkit.metrics.aggregate import kmarginal  # noqa: E402
from benchkit.metrics.privacy.membership import distance_attack, domias_attack  # noqa: E402
from benchkit.schema import Schema  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=50_000)
    ap.add_argument("--holdout", type=int, default=20_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    df = base_table(args.seed)
    schema = Schema.infer(df, target="income" if "income" in df.columns else None)
    df = schema.coerce(df)
    real = resample(df, args.rows, rng, schema)
    holdout = resample(df, args.holdout, rng, schema)
    fresh = resample(df, args.rows, rng, schema)
    synthetic = pd.DataFrame({c: fresh[c].to_numpy()[rng.permutation(len(fresh))] for c in fresh.columns})
    target = schema.target or schema.categorical[-1]
    print(f"real {len(real):,} x synthetic {len(synthetic):,} rows (holdout {len(holdout):,}), "
          f"{len(schema.scored_columns)} columns, {args.threads} threads, load average {os.getloadavg()[0]:.1f}")
    print(f"data loaded: RSS {rss_mib():,.0f} MiB")
    ctx = MetricContext(real, synthetic, schema, holdout=holdout, target=target, seed=args.seed,
                        options={"n_jobs": args.threads})
    runs = [("privacy.mia_distance", distance_attack), ("privacy.mia_domias", domias_attack),
            ("privacy.attribute_inference", attribute_inference), ("aggregate.alpha_beta", alpha_beta),
            ("privacy.authenticity", authenticity), ("aggregate.kmarginal", kmarginal)]
    w0, c0 = time.perf_counter(), cpu_s()
    for name, fn in runs:
        w, c = time.perf_counter(), cpu_s()
        scores = fn(ctx)
        wall, cpu = time.perf_counter() - w, cpu_s() - c
        for s in scores:
            print(f"  {s.metric:40s} {s.value:8.4f}")
        print(f"    {name}: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS so far {peak_rss_mib():,.0f} MiB")
    wall, cpu = time.perf_counter() - w0, cpu_s() - c0
    print(f"issue-10 metrics: {wall:.1f} s wall, {cpu:.1f} s CPU, peak RSS {peak_rss_mib():,.0f} MiB "
          f"(target: under 120 s wall on 2 idle cores)")

    peer = MetricContext(real, synthetic, schema, holdout=holdout, seed=args.seed, options={"n_jobs": args.threads})
    w, c = time.perf_counter(), cpu_s()
    privacy.dcr(peer)
    pw, pc = time.perf_counter() - w, cpu_s() - c
    print(f"peer privacy.dcr on the same frames: {pw:.1f} s wall, {pc:.1f} s CPU; "
          f"issue-10 metrics / dcr = {wall / pw:.1f}x wall, {cpu / pc:.1f}x CPU")


if __name__ == "__main__":
    main()
