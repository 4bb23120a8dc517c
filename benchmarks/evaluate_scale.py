"""The whole evaluation at the use case's scale (issue 19): every family, a target and a 20% holdout.

``fidelity_speed.py``'s 11-column mixed table (6 categorical, 4 numerical, 1 datetime) as real rows,
its perturbed twin as synthetic rows and a fresh draw of ``rows / 5`` rows as the holdout;
``benchkit.evaluate(real, synthetic, target="flag", holdout=holdout)`` with everything else at its
defaults. Each size runs in a child process of its own, so its peak memory (VmHWM, tables included)
is its own; per-metric seconds come from ``result.timings``.

``--baseline DIR`` also runs, in turn with this checkout and under the same harness, the benchkit of
another source tree (e.g. ``git archive 845e777 | tar -x -C /tmp/base``) at the sizes up to
``--baseline-max-rows``, and compares every value.

The peers run in this process (they need pandas < 3, so run the script with the peer venv for
them): SDMetrics' DCRBaselineProtection against benchkit's ``privacy.dcr`` alone (the same
real/synthetic/holdout frames; the metric's own time, and the whole ``evaluate(metrics=[...])``
call), and DisclosureProtection (known: four categorical columns, sensitive: ``flag``) against
``privacy.attribute_inference``, at the sizes of ``--peer-rows``.

    python benchmarks/evaluate_scale.py [--rows 10000,100000,1000000] [--peer-rows 1000,5000] [--repeat 1]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
import warnings
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

TARGET = "flag"
KNOWN = ["segment", "region", "product", "channel"]


def _tables(rows: int):
    from fidelity_speed import make_table

    return make_table(rows, 0), make_table(rows, 1, perturb=0.3), make_table(max(rows // 5, 4), 2)


def _vmhwm_mb() -> float:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")


def child(rows: int) -> None:
    """One full evaluate of ``rows`` rows; prints one JSON line (seconds, per-metric seconds, values, peak MB)."""
    warnings.simplefilter("ignore")
    import benchkit

    real, syn, hold = _tables(rows)
    data_mb = _vmhwm_mb()
    start = time.perf_counter()
    result = benchkit.evaluate(real, syn, target=TARGET, holdout=hold)
    seconds = time.perf_counter() - start
    scores = result.scores
    values = {f"{m}|{c}|{c2}": float(v) for m, c, c2, v in zip(scores["metric"], scores["column"].astype(str),
                                                                  scores["column_2"].astype(str), scores["value"])}
    print(json.dumps({"rows": rows, "seconds": seconds, "timings": result.timings, "values": values,
                      "skipped": [s.metric for s in result.skipped], "peak_mb": _vmhwm_mb(), "data_mb": data_mb}))


def run_child(rows: int, code: Path) -> dict:
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(code), str(code / "plugins"), str(code / "datasets")])}
    out = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--child", str(rows)], env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise RuntimeError(f"evaluate at {rows} rows failed:\n{out.stderr[-3000:]}")
    return json.loads(out.stdout.strip().splitlines()[-1])


def best(runs: list[dict]) -> dict:
    """The fastest run, with each metric's time the smallest over the runs (the host is shared)."""
    out = dict(min(runs, key=lambda r: r["seconds"]))
    out["timings"] = {k: min(r["timings"].get(k, float("inf")) for r in runs) for k in runs[0]["timings"]}
    out["peak_mb"] = max(r["peak_mb"] for r in runs)
    return out


def show(label: str, r: dict, top: int = 12) -> None:
    print(f"\n## {label}: {r['rows']:,} rows, holdout {max(r['rows'] // 5, 4):,}: evaluate {r['seconds']:.1f} s, "
          f"peak {r['peak_mb'] / 1024:.2f} GiB (tables alone {r['data_mb'] / 1024:.2f} GiB)")
    if r["skipped"]:
        print(f"skipped: {r['skipped']}")
    for name, t in sorted(r["timings"].items(), key=lambda kv: -kv[1])[:top]:
        print(f"  {name:38s} {t:7.2f} s")


def compare(new: dict, old: dict) -> None:
    print(f"\n## before/after at {new['rows']:,} rows: {old['seconds']:.1f} s -> {new['seconds']:.1f} s "
          f"({old['seconds'] / new['seconds']:.1f}x)")
    names = sorted(set(new["timings"]) | set(old["timings"]), key=lambda k: -old["timings"].get(k, 0))
    for name in names[:14]:
        a, b = old["timings"].get(name, float("nan")), new["timings"].get(name, float("nan"))
        print(f"  {name:38s} {a:7.2f} s -> {b:6.2f} s")
    diffs = {k: abs(new["values"][k] - old["values"][k]) for k in old["values"]
             if k in new["values"] and np.isfinite(old["values"][k]) and np.isfinite(new["values"][k])}
    moved = {k: d for k, d in diffs.items() if d > 1e-9}
    print(f"values: {len(diffs)} compared, {len(diffs) - len(moved)} identical; largest differences:")
    for k, d in sorted(moved.items(), key=lambda kv: -kv[1])[:8]:
        print(f"  {k.split('|')[0]:42s} {old['values'][k]:.4f} -> {new['values'][k]:.4f} ({d:.4f})")


def peers(sizes: list[int]) -> None:
    warnings.simplefilter("ignore")
    try:
        from sdmetrics.single_table import DCRBaselineProtection, DisclosureProtection
    except ImportError:
        print("\n(SDMetrics is not importable here: run with the peer venv for the side-by-side)")
        return
    import benchkit
    from benchkit import Schema
    from benchkit.metrics import MetricContext
    from benchkit.metrics.privacy.attribute_inference import attribute_inference
    from benchkit.metrics.privacy.distance import dcr

    print("\n## side by side with SDMetrics, same process")
    for rows in sizes:
        real, syn, hold = _tables(rows)
        schema = Schema.infer(real, target=TARGET)
        meta = {"columns": {c: {"sdtype": {"numerical": "numerical", "datetime": "datetime"}.get(schema[c].kind, "categorical")}
                            for c in real.columns}}
        meta["columns"]["opened"]["datetime_format"] = "%Y-%m-%d %H:%M:%S"

        def ours_metric():
            ctx = MetricContext(real, syn, schema, holdout=hold, target=TARGET, seed=0)
            return {s.metric: s.value for s in dcr(ctx)}

        def ours_evaluate():
            return benchkit.evaluate(real, syn, schema, holdout=hold, target=TARGET, metrics=["privacy.dcr"], references=False)

        ours_metric()  # imports and first-call costs out of the timing
        t0 = time.perf_counter(); values = ours_metric(); t_metric = time.perf_counter() - t0
        t0 = time.perf_counter(); ours_evaluate(); t_eval = time.perf_counter() - t0
        t0 = time.perf_counter()
        peer = DCRBaselineProtection.compute_breakdown(real, syn, meta, None)
        t_peer = time.perf_counter() - t0
        print(f"{rows:,} rows: DCRBaselineProtection {t_peer:.2f} s (score {peer.get('score', float('nan')):.3f}); "
              f"benchkit privacy.dcr {t_metric:.3f} s as a metric, {t_eval:.3f} s through evaluate "
              f"(dcr_share {values['privacy.dcr_share']:.3f}); ratio {t_peer / t_metric:.0f}x (metric), "
              f"{t_peer / t_eval:.0f}x (evaluate)")
        t0 = time.perf_counter()
        disc = DisclosureProtection.compute_breakdown(real, syn, known_column_names=KNOWN, sensitive_column_names=[TARGET])
        t_disc = time.perf_counter() - t0
        ctx = MetricContext(real, syn, schema, holdout=hold, target=TARGET, seed=0, options={"quasi_identifiers": KNOWN})
        t0 = time.perf_counter(); ai = {s.metric: s.value for s in attribute_inference(ctx)}; t_ai = time.perf_counter() - t0
        print(f"{rows:,} rows: DisclosureProtection {t_disc:.2f} s (score {disc.get('score', float('nan')):.3f}); "
              f"benchkit privacy.attribute_inference {t_ai:.3f} s (ratio {ai['privacy.attribute_inference_ratio']:.3f}); "
              f"ratio {t_disc / t_ai:.0f}x")


def domias_caps(rows: int, caps: list[int | None], seeds: list[int], draws: int = 0) -> None:
    """DOMIAS alone on all synthetic rows and on density samples of each cap: AUC, its stated standard
    error (members' sampling and, for a density sample, the jackknife part) and seconds, per seed."""
    warnings.simplefilter("ignore")
    from benchkit import Schema
    from benchkit.metrics import MetricContext
    from benchkit.metrics.privacy.membership import domias_attack

    real, syn, hold = _tables(rows)
    schema = Schema.infer(real, target=TARGET)
    print(f"\n## DOMIAS at {rows:,} rows: density rows cap -> AUC (standard error, seconds) per seed")
    for cap in caps:
        cells = []
        for seed in seeds:
            t0 = time.perf_counter()
            ctx = MetricContext(real, syn, schema, holdout=hold, target=TARGET, seed=seed,
                                options={"mia_density_max_rows": cap})
            auc = next(s for s in domias_attack(ctx) if s.metric == "privacy.mia_domias_auc")
            cells.append(f"seed {seed}: {auc.value:.4f} (se {auc.details['standard_error']:.4f}, of which density "
                         f"{auc.details['standard_error_density']:.4f}; {time.perf_counter() - t0:.1f} s)")
        print(f"  {'all rows' if cap is None else f'{cap:,}':>10}  " + "; ".join(cells))
    if draws < 2:
        return
    print(f"\n## DOMIAS at {rows:,} rows: {draws} more draws of the density samples per seed (same members)")
    for seed in seeds:
        def auc_of(options):
            ctx = MetricContext(real, syn, schema, holdout=hold, target=TARGET, seed=seed, options=options)
            return next(s for s in domias_attack(ctx) if s.metric == "privacy.mia_domias_auc")

        exact = auc_of({"mia_density_max_rows": None}).value
        for cap in [c for c in caps if c is not None]:
            runs = [auc_of({"mia_density_max_rows": cap, "mia_density_seed": 1000 * (k + 1) + seed}) for k in range(draws)]
            v = np.array([r.value for r in runs])
            jk = float(np.mean([r.details["standard_error_density"] for r in runs]))
            print(f"  seed {seed}, densities on {cap:,}: all rows {exact:.4f}; draws {v.min():.4f}-{v.max():.4f}, mean "
                  f"{v.mean():.4f} ({v.mean() - exact:+.4f} +- {v.std(ddof=1) / np.sqrt(draws):.4f}), standard deviation "
                  f"{v.std(ddof=1):.4f} against a mean jackknife part of {jk:.4f}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", default="10000,100000,1000000")
    ap.add_argument("--peer-rows", default="1000,5000", help="sizes for the SDMetrics side by side ('' for none)")
    ap.add_argument("--baseline", type=Path, default=None, help="another benchkit source tree to run in turn")
    ap.add_argument("--baseline-max-rows", type=int, default=100_000)
    ap.add_argument("--repeat", type=int, default=1, help="runs per size (and per tree), best kept")
    ap.add_argument("--domias-caps", default="", help="e.g. all,20000,10000,5000: DOMIAS alone at --domias-rows")
    ap.add_argument("--domias-rows", type=int, default=100_000)
    ap.add_argument("--domias-seeds", default="0,1")
    ap.add_argument("--domias-draws", type=int, default=0,
                    help="with --domias-caps: this many more draws of the density samples per seed and cap")
    ap.add_argument("--child", type=int, default=None, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child is not None:
        child(args.child)
        return
    print(f"python {sys.version.split()[0]}, {os.cpu_count()} cores, load {os.getloadavg()[0]:.1f}")
    for rows in [int(r) for r in args.rows.split(",") if r]:
        with_base = args.baseline is not None and rows <= args.baseline_max_rows
        runs: dict[str, list[dict]] = {"new": [], "old": []}
        for _ in range(args.repeat):  # in turn, so a slow spell of the shared host hits both
            runs["new"].append(run_child(rows, ROOT))
            if with_base:
                runs["old"].append(run_child(rows, args.baseline))
        new = best(runs["new"])
        show("this checkout" + (f" (best of {args.repeat})" if args.repeat > 1 else ""), new)
        if with_base:
            old = best(runs["old"])
            show(f"baseline {args.baseline}" + (f" (best of {args.repeat})" if args.repeat > 1 else ""), old)
            compare(new, old)
    if args.domias_caps:
        caps = [None if c == "all" else int(c) for c in args.domias_caps.split(",") if c]
        domias_caps(args.domias_rows, caps, [int(x) for x in args.domias_seeds.split(",") if x], args.domias_draws)
    sizes = [int(r) for r in args.peer_rows.split(",") if r]
    if sizes:
        peers(sizes)
    print("\ntargets (issue 19): 100,000 rows <= 6 s on 2 cores; 1,000,000 rows <= 60 s and <= 4 GiB peak; "
          "DCR >= 300x SDMetrics' DCRBaselineProtection at 5,000 rows")


if __name__ == "__main__":
    main()
