"""Speed, memory and agreement of benchkit's fidelity engine against SDMetrics' QualityReport.

Builds a mixed table (default 1,000,000 rows: 6 categorical, 4 numerical, 1 datetime column, with
missing values and associations between columns) and a perturbed twin, then runs
``benchkit.evaluate`` (all marginal + all pairwise metrics) and, when ``sdmetrics`` is importable,
SDMetrics' single-table QualityReport on the same frames. Each engine runs in a forked child so its
peak memory (VmHWM - VmRSS at start) is its own. Prints times, memory, the ratio and score
differences, per pair type.

    python benchmarks/fidelity_speed.py [--rows 10000,100000,1000000] [--seed S] [--repeat K] [--exact] [--text per-row]

``--text per-row`` gives every text value a string object of its own (issue 19's table; run it under
pandas 2, the peer venv, where text columns are object arrays).

``--exact`` also runs QualityReport without its 50,000-row subsampling and benchkit with
``pair_binning="per_frame"`` (QualityReport's binning) and ``association_correction="none"`` (its plain Cramér's V), where the two definitions agree exactly.
"""

from __future__ import annotations

import argparse
import math
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
    age = np.clip(np.round(40 + 12 * (0.8 * z + 0.6 * rng.normal(size=n)) + 3 * perturb), 18, 90)
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
    t0, c0 = time.perf_counter(), time.process_time()
    out = fn()
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    queue.put((wall, cpu, _status("VmHWM") - base, out))


CPU = {}


REPEAT = 1
TEXT = "shared"


def in_child(fn, label):
    """Run ``fn`` in a forked child, ``REPEAT`` times; return the best (wall seconds, peak extra MB)
    and fn's picklable result.

    The best CPU seconds of the child (all its threads) go to ``CPU[label]``: on a shared machine
    they are a steadier measure than wall time.
    """
    ctx = mp.get_context("fork")
    runs = []
    for _ in range(REPEAT):
        q = ctx.Queue()
        p = ctx.Process(target=_child, args=(fn, q))
        p.start()
        runs.append(q.get())
        p.join()
    CPU[label] = min(r[1] for r in runs)
    return min(r[0] for r in runs), min(r[2] for r in runs), runs[0][3]


REAL = SYN = SCHEMA = None
KINDS = {"opened": "datetime", "income": "numerical", "age": "numerical", "score": "numerical", "hours": "numerical"}


QR_METRICS = ["marginal.ks_complement", "marginal.tv_complement", "pairwise.correlation_pearson", "pairwise.contingency"]


def run_benchkit(options=None, metrics=None):
    import benchkit

    # the schema is given, as QualityReport is given its metadata (inference is not what we time)
    families = None if metrics else ["marginal", "pairwise"]
    res = benchkit.evaluate(REAL, SYN, SCHEMA, families=families, metrics=metrics, options=options or {})
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


def in_process(fns: dict, repeat: int) -> dict:
    """Best (wall, CPU) seconds of each function called in this process, engines alternated."""
    best: dict = {}
    for _ in range(repeat):
        for label, fn in fns.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall, cpu = time.perf_counter() - t0, time.process_time() - c0
            old = best.get(label, (math.inf, math.inf))
            best[label] = (min(old[0], wall), min(old[1], cpu))
    return best


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
        g = g.dropna(subset=["diff"])  # QualityReport leaves pairs below its thresholds unscored (NaN)
        if len(g) == 0:
            print(f"  {t:<24}   0 pairs scored by both (below QualityReport's real-association thresholds)")
            continue
        print(f"  {t:<24} {len(g):3d} pairs scored by both  max |diff| {g['diff'].max():.6f}  mean |diff| {g['diff'].mean():.6f}")


def measure(rows: int, seed: int, exact: bool) -> dict:
    """Build the tables at ``rows``, time both engines and print the details; return the figures."""
    global REAL, SYN, SCHEMA
    t0 = time.perf_counter()
    REAL = make_table(rows, seed)
    SYN = make_table(rows, seed + 1, perturb=0.3)
    if TEXT == "per-row":  # issue 19's table: every text value a Python string object of its own
        from scale_speed import per_row_strings

        REAL, SYN = per_row_strings(REAL), per_row_strings(SYN)
    print(f"\n######## {rows:,} rows x {REAL.shape[1]} columns each (6 categorical, 4 numerical, 1 datetime; "
          f"text {TEXT}: {REAL['segment'].dtype} under pandas {pd.__version__}), built in {time.perf_counter() - t0:.1f} s")
    from benchkit import Schema, plugins

    t0 = time.perf_counter()
    SCHEMA = Schema.infer(REAL, overrides={c: "categorical" for c in REAL.columns if c not in KINDS})
    print(f"schema inferred in {time.perf_counter() - t0:.2f} s (outside the timing)")

    plugins.registry()
    wall, mem, bk = in_child(run_benchkit, 'full')
    out = {"rows": rows, "bk_fork": wall, "bk_mem": mem, "shapes": bk["shapes"], "trends": bk["trends"]}
    print(f"\nbenchkit.evaluate (marginal + pairwise, all {len(bk['pairs'])} pairs): {wall:.2f} s wall, {CPU['full']:.2f} s CPU, peak +{mem:.0f} MB")
    print("  per metric: " + ", ".join(f"{k.split('.')[-1]} {v:.2f}s" for k, v in bk["timings"].items()))
    print(f"  Column Shapes {bk['shapes']:.4f}  Column Pair Trends {bk['trends']:.4f} (all pairs: {bk['trends_all']:.4f})")
    try:
        import sdmetrics
    except ImportError:
        print("\nsdmetrics is not importable: no QualityReport comparison (pip install sdmetrics in a separate venv)")
        best = in_process({"full": run_benchkit}, REPEAT)
        out["bk_wall"] = best["full"][0]
        return out
    swall, smem, _ = in_child(lambda: run_benchkit(metrics=QR_METRICS), 'same')
    print(f"benchkit.evaluate, only QualityReport's metrics (KS, TV, Pearson, contingency): {swall:.2f} s wall, {CPU['same']:.2f} s CPU, peak +{smem:.0f} MB")
    qwall, qmem, qr = in_child(run_quality_report, 'qr')
    print(f"\nSDMetrics {sdmetrics.__version__} QualityReport (defaults: 50,000-row subsample for contingency pairs): {qwall:.2f} s wall, {CPU['qr']:.2f} s CPU, peak +{qmem:.0f} MB")
    print(f"\nspeed-up (wall): full evaluate {qwall / wall:.1f}x, same metrics as QualityReport {qwall / swall:.1f}x")
    print(f"speed-up (CPU):  full evaluate {CPU['qr'] / CPU['full']:.1f}x, same metrics as QualityReport {CPU['qr'] / CPU['same']:.1f}x")
    print(f"peak memory: benchkit {mem:.0f} MB (same metrics {smem:.0f} MB) vs QualityReport {qmem:.0f} MB")
    print("  (times above: each engine in a freshly forked process, where every allocation page-faults)")
    best = in_process({"full": run_benchkit, "same": lambda: run_benchkit(metrics=QR_METRICS),
                       "qr": run_quality_report}, REPEAT)
    print(f"\nin-process, as a caller sees it (best of {REPEAT}, engines alternated):")
    for label, name in (("full", "benchkit full evaluate"), ("same", "benchkit, QualityReport's metrics"), ("qr", "QualityReport")):
        print(f"  {name:<36} {best[label][0]:6.2f} s wall  {best[label][1]:6.2f} s CPU")
    print(f"  speed-up: full {best['qr'][0] / best['full'][0]:.1f}x wall / {best['qr'][1] / best['full'][1]:.1f}x CPU;"
          f"  same metrics {best['qr'][0] / best['same'][0]:.1f}x wall / {best['qr'][1] / best['same'][1]:.1f}x CPU")
    for label, name in (("full", "full evaluate"), ("same", "QualityReport's metrics only")):
        ratio = best["qr"][0] / best[label][0]
        print(f"  target >= 10x faster than QualityReport (wall, in-process), {name}: {ratio:.1f}x "
              f"({'met' if ratio >= 10 else 'not met'}); memory {'below' if (mem if label == 'full' else smem) < qmem else 'above'} QualityReport's")
    compare(bk, qr, "defaults (benchkit bins on real edges, no subsample; QualityReport bins each frame on its own edges, subsamples)")
    out.update(bk_wall=best["full"][0], same_wall=best["same"][0], qr_wall=best["qr"][0], qr_fork=qwall, qr_mem=qmem,
               qr_shapes=qr["shapes"], qr_trends=qr["trends"])
    if exact:
        ewall, emem, bke = in_child(lambda: run_benchkit({"pair_binning": "per_frame", "association_correction": "none"}), "exact")
        qwall2, qmem2, qre = in_child(lambda: run_quality_report(subsample=False), "qr_exact")
        print(f"\nexact mode: benchkit per_frame {ewall:.2f} s ({CPU['exact']:.2f} s CPU) / +{emem:.0f} MB;  QualityReport without subsample "
              f"{qwall2:.2f} s ({CPU['qr_exact']:.2f} s CPU) / +{qmem2:.0f} MB ({qwall2 / ewall:.1f}x wall, {CPU['qr_exact'] / CPU['exact']:.1f}x CPU)")
        compare(bke, qre, "same definitions (QualityReport binning, no subsample)")
        out.update(exact_shapes_diff=bke["shapes"] - qre["shapes"], exact_trends_diff=bke["trends"] - qre["trends"])
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="1000000", help="table sizes, comma-separated (e.g. 10000,100000,1000000)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--exact", action="store_true", help="also compare without subsampling, QualityReport's binning")
    ap.add_argument("--repeat", type=int, default=3, help="in-process runs per engine; the best time counts (default 3)")
    ap.add_argument("--text", choices=("shared", "per-row"), default="shared",
                    help="text columns as the table builds them (shared string objects), or one string object per "
                         "row (as numpy.random.choice and many readers give; meaningful under pandas 2, whose text "
                         "columns are object arrays)")
    args = ap.parse_args()
    global REPEAT, TEXT
    REPEAT = max(1, args.repeat)
    TEXT = args.text
    sizes = [int(float(r)) for r in args.rows.split(",")]
    results = [measure(n, args.seed, args.exact) for n in sizes]
    print(f"\n######## summary ({os.cpu_count()} CPUs; wall seconds in-process, best of {REPEAT}; peak MB in a forked child)")
    head = f"{'rows':>10} {'benchkit s':>11} {'QR s':>8} {'ratio':>7} {'QR-metrics ratio':>17} {'benchkit MB':>12} {'QR MB':>7} {'d shapes':>9} {'d trends':>9}"
    print(head)
    for r in results:
        if "qr_wall" in r:
            print(f"{r['rows']:>10,} {r['bk_wall']:>11.3f} {r['qr_wall']:>8.2f} {r['qr_wall'] / r['bk_wall']:>6.1f}x "
                  f"{r['qr_wall'] / r['same_wall']:>16.1f}x {r['bk_mem']:>12.0f} {r['qr_mem']:>7.0f} "
                  f"{r['shapes'] - r['qr_shapes']:>+9.4f} {r['trends'] - r['qr_trends']:>+9.4f}")
        else:
            print(f"{r['rows']:>10,} {r['bk_wall']:>11.3f} {'-':>8} {'-':>7} {'-':>17} {r['bk_mem']:>12.0f} {'-':>7} {'-':>9} {'-':>9}")
    if args.exact and results and "exact_trends_diff" in results[-1]:
        print("same definitions (--exact): " + ", ".join(
            f"{r['rows']:,} rows: shapes {r['exact_shapes_diff']:+.5f}, trends {r['exact_trends_diff']:+.5f}" for r in results))


if __name__ == "__main__":
    main()
