"""Speed, memory and agreement of benchkit's fidelity engine against SDMetrics' QualityReport.

Builds a mixed table (default 1,000,000 rows: 6 categorical, 4 numerical, 1 datetime column, with
missing values and associations between columns) and a perturbed twin, then runs
``benchkit.evaluate`` (all marginal + all pairwise metrics) and, when ``sdmetrics`` is importable,
SDMetrics' single-table QualityReport on the same frames. Each engine runs in a forked child so its
peak memory (VmHWM - VmRSS at start) is its own. Prints times, memory, the ratio and score
differences, per pair type.

    python benchmarks/fidelity_speed.py [--rows N] [--seed S] [--exact]

``--exact`` also runs QualityReport without its 50,000-row subsampling and benchkit with
``pair_binning="per_frame"`` (QualityReport's binning), where the two definitions agree exactly.
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def make_table(n: int, seed: int, perturb: float = 0.0) -> pd.DataFrame:
    """A mixed table with dependent columns; ``perturb`` > 0 shifts distributions and weakens links."""
    rng = np.random.default_rng(seed)
    z = rng.normal(size=n)  # latent factor tying columns together
    income = np.exp(10 + 0.5 * z + rng.normal(0, 0.5 + perturb, n))
    age = np.clip(np.round(40 + 12 * (0.6 * z + 0.8 * rng.normal(size=n)) + 3 * perturb), 18, 90)
    score = 0.8 * z + rng.normal(0, 0.6, n) + perturb * 0.2
    hours = np.round(rng.gamma(8, 5 + perturb, n), 1)
    hours[rng.random(n) < 0.05] = np.nan
    start = np.datetime64("2015-01-01", "s").astype(np.int64)
    seconds = start + (rng.random(n) * (8 * 365 * 86400) * (1 - 0.05 * perturb) + 86400 * 30 * (z > 1)).astype(np.int64)
    when = pd.to_datetime(seconds, unit="s").astype("datetime64[ns]")
    letters = np.array(list("ABCDEFGHIJKLMNOPQRST"))

    def cat(k: int, link: float, prefix: str) -> np.ndarray:
        base = np.floor((np.clip(link * z + rng.normal(0, 1, n), -3, 3) + 3) / 6 * k).astype(int)
        noise = rng.random(n) < 0.1 + perturb * 0.1
        base[noise] = rng.integers(0, k, int(noise.sum()))
        return np.array([f"{prefix}{i}" for i in range(k + 1)], dtype=object)[np.minimum(base, k - 1)]

    df = pd.DataFrame({
        "segment": cat(4, 2.0, "seg"),
        "region": cat(12, 0.3, "reg"),
        "product": cat(40, 1.0, "prod"),
        "channel": letters[rng.integers(0, 5, n)],
        "flag": np.where(z + rng.normal(0, 1, n) > 0.5, "yes", "no"),
        "code": cat(300, 0.5, "c"),
        "income": income,
        "age": age,
        "score": score,
        "hours": hours,
        "opened": when,
    })
    df.loc[rng.random(n) < 0.03, "region"] = None
    for c in ("segment", "region", "product", "channel", "flag", "code"):
        df[c] = df[c].astype("str")
    return df


def _peak_mb_start() -> float:
    try:
        Path("/proc/self/clear_refs").write_text("5")  # reset VmHWM to the current RSS
    except OSError:
        pass
    return _status("VmRSS")


def _status(field: str) -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def _child(fn, queue):
    base = _peak_mb_start()
    t0 = time.perf_counter()
    out = fn()
    wall = time.perf_counter() - t0
    queue.put((wall, _status("VmHWM") - base, out))


def in_child(fn):
    """Run ``fn`` in a forked child; return (wall seconds, peak extra MB, fn's picklable result)."""
    ctx = mp.get_context("fork")
    q = ctx.Queue()
    p = ctx.Process(target=_child, args=(fn, q))
    p.start()
    res = q.get()
    p.join()
    return res


REAL = SYN = SCHEMA = None
KINDS = {"opened": "datetime", "income": "numerical", "age": "numerical", "score": "numerical", "hours": "numerical"}


def run_benchkit(options=None):
    import benchkit

    # the schema is given, as QualityReport is given its metadata (inference is not what we time)
    res = benchkit.evaluate(REAL, SYN, SCHEMA, families=["marginal", "pairwise"], options=options or {})
    pairs = res.pair_table()
    return {
        "shapes": res.score("aggregate.column_shapes"),
        "trends": res.score("aggregate.column_pair_trends"),
        "trends_all": float(res.scores.set_index("metric").loc["aggregate.column_pair_trends", "details"]["mean_all_pairs"]),
        "pairs": pairs[["column", "column_2", "metric", "score"]],
        "shapes_by_col": res.column_table()[["column", "shape"]],
        "timings": res.timings,
        "skipped": [(s.metric, s.reason) for s in res.skipped],
    }


def run_quality_report(subsample=True):
    from sdmetrics.reports.single_table import QualityReport

    meta = {"columns": {c: {"sdtype": KINDS.get(c, "categorical")} for c in REAL.columns}}
    qr = QualityReport()
    if not subsample:
        qr.num_rows_subsample = None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qr.generate(REAL, SYN, meta, verbose=False)
    props = qr.get_properties().set_index("Property")["Score"]
    details = qr.get_details("Column Pair Trends")
    return {
        "shapes": float(props["Column Shapes"]),
        "trends": float(props["Column Pair Trends"]),
        "pairs": details[["Column 1", "Column 2", "Metric", "Score"]],
        "shapes_by_col": qr.get_details("Column Shapes")[["Column", "Score"]],
    }


def compare(bk, qr, label):
    print(f"\n== scores: {label}")
    print(f"  Column Shapes       benchkit {bk['shapes']:.6f}  QualityReport {qr['shapes']:.6f}  diff {bk['shapes'] - qr['shapes']:+.6f}")
    print(f"  Column Pair Trends  benchkit {bk['trends']:.6f}  QualityReport {qr['trends']:.6f}  diff {bk['trends'] - qr['trends']:+.6f}")
    m = bk["pairs"].merge(qr["pairs"], left_on=["column", "column_2"], right_on=["Column 1", "Column 2"])
    kinds = {"opened", "income", "age", "score", "hours"}
    def ptype(r):
        n = (r.column in kinds) + (r.column_2 in kinds)
        return ["categorical-categorical", "mixed (binned)", "numerical-numerical"][n]
    m["type"] = [ptype(r) for r in m.itertuples()]
    m["diff"] = (m["score"] - m["Score"]).abs()
    for t, g in m.groupby("type"):
        print(f"  {t:<24} {len(g):3d} pairs  max |diff| {g['diff'].max():.6f}  mean |diff| {g['diff'].mean():.6f}")


def main() -> None:
    global REAL, SYN, SCHEMA
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--exact", action="store_true", help="also compare without subsampling, QualityReport's binning")
    args = ap.parse_args()
    t0 = time.perf_counter()
    REAL = make_table(args.rows, args.seed)
    SYN = make_table(args.rows, args.seed + 1, perturb=0.3)
    print(f"tables: {args.rows:,} rows x {REAL.shape[1]} columns each (6 categorical, 4 numerical, 1 datetime), built in {time.perf_counter() - t0:.1f} s")
    from benchkit import Schema, plugins

    t0 = time.perf_counter()
    SCHEMA = Schema.infer(REAL, overrides={c: "categorical" for c in REAL.columns if c not in KINDS})
    print(f"schema inferred in {time.perf_counter() - t0:.2f} s (outside the timing)")

    plugins.registry()
    wall, mem, bk = in_child(run_benchkit)
    print(f"\nbenchkit.evaluate (marginal + pairwise, all {len(bk['pairs'])} pairs): {wall:.2f} s, peak +{mem:.0f} MB")
    print("  per metric: " + ", ".join(f"{k.split('.')[-1]} {v:.2f}s" for k, v in bk["timings"].items()))
    print(f"  Column Shapes {bk['shapes']:.4f}  Column Pair Trends {bk['trends']:.4f} (all pairs: {bk['trends_all']:.4f})")
    try:
        import sdmetrics
    except ImportError:
        print("\nsdmetrics is not importable: no QualityReport comparison (pip install sdmetrics in a separate venv)")
        return
    qwall, qmem, qr = in_child(run_quality_report)
    print(f"\nSDMetrics {sdmetrics.__version__} QualityReport (defaults: 50,000-row subsample for contingency pairs): {qwall:.2f} s, peak +{qmem:.0f} MB")
    print(f"\nspeed-up: {qwall / wall:.1f}x   memory: benchkit {mem:.0f} MB vs QualityReport {qmem:.0f} MB ({qmem / max(mem, 1):.1f}x)")
    compare(bk, qr, "defaults (benchkit bins on real edges, no subsample; QualityReport bins each frame on its own edges, subsamples)")
    if args.exact:
        ewall, emem, bke = in_child(lambda: run_benchkit({"pair_binning": "per_frame"}))
        qwall2, qmem2, qre = in_child(lambda: run_quality_report(subsample=False))
        print(f"\nexact mode: benchkit per_frame {ewall:.2f} s / +{emem:.0f} MB;  QualityReport without subsample {qwall2:.2f} s / +{qmem2:.0f} MB ({qwall2 / ewall:.1f}x)")
        compare(bke, qre, "same definitions (QualityReport binning, no subsample)")


if __name__ == "__main__":
    main()
