"""Privacy and detection metrics on 100,000 real x 100,000 synthetic rows: wall time and peak memory.

Targets (issue 6): under a minute on 2 cores and under 4 GiB. The naive peer is scikit-learn's
``NearestNeighbors(algorithm="brute")`` on the same encoding, timed in the same process on a slice
of the queries and extrapolated; its distances are checked against ours on that slice.

Data: Adult (train + test files, 48,842 rows) resampled to the requested size with the numerical
columns jittered by +-1 % (so rows are near, not exact, copies), or a random mixed table when the
shared data is absent. Synthetic rows: every column of a fresh resample shuffled independently.

    PYTHONPATH=$PWD python benchmarks/privacy_speed.py [--rows 100000] [--holdout 20000] [--threads 2]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit.metrics import MetricContext  # noqa: E402
from benchkit.metrics import detection  # noqa: E402
from benchkit.metrics.privacy import distance as privacy  # noqa: E402
from benchkit.metrics._engine.ctx import entries  # noqa: E402
from benchkit.metrics._engine.neighbours import two_nearest  # noqa: E402
from benchkit.schema import Schema  # noqa: E402

ADULT = ROOT.parent / "shared" / "data" / "adult"
COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country",
    "income",
]


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0


def cpu_s() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def rss_mib() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def base_table(seed: int) -> pd.DataFrame:
    if (ADULT / "adult.data").exists():
        parts = [pd.read_csv(ADULT / "adult.data", header=None, names=COLUMNS, skipinitialspace=True, na_values="?")]
        if (ADULT / "adult.test").exists():
            t = pd.read_csv(ADULT / "adult.test", header=None, names=COLUMNS, skipinitialspace=True, na_values="?", skiprows=1)
            t["income"] = t["income"].str.rstrip(".")
            parts.append(t)
        print(f"data: Adult ({sum(map(len, parts)):,} rows), resampled with 1 % numerical jitter")
        return pd.concat(parts, ignore_index=True)
    print("data: Adult absent; random mixed table (8 numerical, 6 categorical columns)")
    rng = np.random.default_rng(seed)
    n = 50_000
    df = pd.DataFrame({f"x{i}": rng.normal(size=n) * (i + 1) for i in range(8)})
    for j in range(6):
        df[f"c{j}"] = rng.choice([f"v{k}" for k in range(3 + 3 * j)], n)
    return df


def resample(df: pd.DataFrame, n: int, rng: np.random.Generator, schema: Schema) -> pd.DataFrame:
    out = df.iloc[rng.integers(0, len(df), n)].reset_index(drop=True)
    for c in schema.numerical:
        out[c] = out[c] * (1 + rng.uniform(-0.01, 0.01, n))
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=100_000)
    ap.add_argument("--holdout", type=int, default=20_000)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--peer-queries", type=int, default=5_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--full", action="store_true", help="no query caps: every synthetic and holdout row")
    args = ap.parse_args()
    rng = np.random.default_rng(args.seed)
    df = base_table(args.seed)
    schema = Schema.infer(df)
    df = schema.coerce(df)
    real = resample(df, args.rows, rng, schema)
    holdout = resample(df, args.holdout, rng, schema)
    fresh = resample(df, args.rows, rng, schema)
    synthetic = pd.DataFrame({c: fresh[c].to_numpy()[rng.permutation(len(fresh))] for c in fresh.columns})
    print(f"real {len(real):,} x synthetic {len(synthetic):,} rows (holdout {len(holdout):,}), "
          f"{len(schema.scored_columns)} columns, {args.threads} threads, load average {os.getloadavg()[0]:.1f}")
    base_rss = rss_mib()
    opts = {"n_jobs": args.threads}
    if args.full:
        opts.update(privacy_max_rows=None, privacy_max_holdout=None)
    ctx = MetricContext(real, synthetic, schema, holdout=holdout, seed=args.seed, options=opts)

    timings = {}
    c0 = cpu_s()
    t0 = time.perf_counter()
    privacy_s = 0.0
    for name, fn in [("privacy.exact_copies", privacy.exact_copies), ("privacy.dcr", privacy.dcr),
                     ("privacy.nndr", privacy.nndr_metric), ("detection.lightgbm", detection.lightgbm_detection),
                     ("detection.logistic", detection.logistic_detection)]:
        t = time.perf_counter()
        scores = fn(ctx)
        timings[name] = time.perf_counter() - t
        if name.startswith("privacy."):
            privacy_s = time.perf_counter() - t0
        for s in scores:
            print(f"  {s.metric:32s} {s.value:8.4f}   ({timings[name]:.1f} s)")
    total = time.perf_counter() - t0
    cpu = cpu_s() - c0
    ours_peak = peak_rss_mib()
    nb = next(v for k, v in entries(ctx, privacy.__name__).items() if k[0] == "neighbours")
    width = nb["encoder"].width
    print(f"benchkit: privacy {privacy_s:.1f} s + detection {total - privacy_s:.1f} s = {total:.1f} s wall, {cpu:.1f} s CPU "
          f"(CPU time is the better guide on a shared machine: with 1 thread it is the wall time of an idle core); "
          f"peak RSS {ours_peak:,.0f} MiB (data loaded: {base_rss:,.0f} MiB); encoded width {width}")

    # ---- the naive peer: scikit-learn brute-force kNN on the same encoding, a slice of the queries
    from sklearn.neighbors import NearestNeighbors
    from threadpoolctl import threadpool_limits

    q = nb["synthetic"][: args.peer_queries]
    t = time.perf_counter()
    ours_d1 = two_nearest(q, nb["train"], n_threads=args.threads)[0]
    ours_s = time.perf_counter() - t
    t = time.perf_counter()
    with threadpool_limits(args.threads):
        dist, _ = NearestNeighbors(n_neighbors=2, algorithm="brute", n_jobs=args.threads).fit(nb["train"]).kneighbors(q)
    peer_s = time.perf_counter() - t
    agree = float(np.max(np.abs(dist[:, 0] - ours_d1)))
    print(f"same {len(q):,} queries x {len(nb['train']):,} training rows, two nearest: benchkit {ours_s:.2f} s, "
          f"peer sklearn NearestNeighbors(brute) {peer_s:.2f} s (ratio {peer_s / ours_s:.1f}x); "
          f"max |d1 difference| {agree:.1e}; one full 100k-query pass would take the peer "
          f"~{peer_s * args.rows / len(q):.0f} s, benchkit ~{ours_s * args.rows / len(q):.0f} s")
    print(f"targets: wall {total:.1f} s (< 60 s: {'yes' if total < 60 else 'NO'}), "
          f"peak {ours_peak / 1024:.2f} GiB (< 4 GiB: {'yes' if ours_peak < 4096 else 'NO'})")


if __name__ == "__main__":
    main()
