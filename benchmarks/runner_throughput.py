"""End-to-end `benchkit run` throughput: jobs per hour on the local process pool vs a Dask LocalCluster.

Runs one spec through ``python -m benchkit run`` twice, into fresh folders: once with ``--jobs N``
and once with ``--dask-local N``. ``--spec demo`` (the default) is the spec ``benchkit demo`` runs
(the built-in ``bank_transactions`` dataset, ``wgan`` with a training budget and the three
baselines, every metric family) over several seeds; ``--spec baselines`` drops ``wgan`` and scores
only ``--families``. The peer is a bare loop in this process (load, split, then fit,
sample and ``benchkit.evaluate`` per job; no isolation, no recording), timed after its imports. Wall time includes interpreter start, plugin loading, dataset
preparation, the job processes' start-up and every job's fit, sample and score. Prints seconds,
jobs/hour and the Dask/pool ratio, and checks both runs produced the same numbers.

    python benchmarks/runner_throughput.py [--spec demo|baselines] [--workers 2] [--rows 5000] [--seeds 3] [--wgan-seconds 10]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent


def run_cli(args: list[str]) -> float:
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "plugins"), env.get("PYTHONPATH", "")])
    start = time.perf_counter()
    done = subprocess.run([sys.executable, "-m", "benchkit", "run", *args], env=env, capture_output=True, text=True)
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(f"benchkit run failed:\n{done.stderr[-3000:]}")
    return elapsed


def bare_loop(rows: int, gens: list[str], seeds: int, families: list[str] | None) -> float:
    """The same jobs as a plain sequential loop in this process: what the runner's machinery costs."""
    import benchkit
    from benchkit import plugins
    from benchkit.datasets import load_dataset
    from benchkit.bench.prepare import split_train_holdout
    from benchkit.bench.spec import parse_generator_flag

    plugins.registry()
    start = time.perf_counter()
    ds = load_dataset("bank_transactions", n_rows=rows, seed=0)
    train, hold = split_train_holdout(ds.data[list(ds.schema.columns)], 0.2, 0)
    target = ds.card.target
    for seed in range(seeds):
        a, b = split_train_holdout(hold, 0.5, seed)
        benchkit.evaluate(train, a, ds.schema, target=target, holdout=b, families=families, seed=seed)
        for name in gens:
            g = parse_generator_flag(name)  # the same NAME:key=value flags `benchkit run` takes
            gen = plugins.get_generator(g.name).obj(seed=seed, **g.params).fit(train, ds.schema)
            benchkit.evaluate(train, gen.sample(len(train)), ds.schema, target=target, holdout=hold,
                              families=families, seed=seed)
    return time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--workers", type=int, default=2, help="pool jobs and Dask workers (default 2)")
    ap.add_argument("--spec", choices=("demo", "baselines"), default="demo",
                    help="demo: benchkit demo's spec (wgan + baselines, every family); baselines: the baselines only")
    ap.add_argument("--rows", type=int, default=5000, help="rows of bank_transactions (default 5000, the quick demo's)")
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--wgan-seconds", type=float, default=10.0, help="wgan's training budget (default 10, the quick demo's)")
    ap.add_argument("--families", default="marginal,pairwise,utility",
                    help="metric families to score with --spec baselines (comma-separated)")
    opts = ap.parse_args()

    sys.path[:0] = [str(REPO), str(REPO / "plugins")]
    from benchkit.bench.runner import load_result

    from benchkit.cli.cmd_demo import BASELINES

    gens = list(BASELINES)
    families = opts.families.split(",") if opts.spec == "baselines" else None
    if opts.spec == "demo":
        gens = [f"wgan:max_seconds={opts.wgan_seconds:g}"] + gens
    n_jobs = (len(gens) + 1) * opts.seeds  # + the holdout reference per seed
    with tempfile.TemporaryDirectory() as tmp:
        common = ["--datasets", f"bank_transactions:n_rows={opts.rows}", "--generators", *gens,
                  "--seeds", str(opts.seeds), *(["--families", *families] if families else []),
                  "--no-progress", "--no-report"]
        timings = {}
        for label, extra in (("local pool", ["--jobs", str(opts.workers)]),
                             ("dask LocalCluster", ["--dask-local", str(opts.workers)])):
            out = Path(tmp) / label.replace(" ", "_")
            timings[label] = (run_cli(common + ["--out", str(out)] + extra), out)

        print(f"benchkit run, spec {opts.spec!r}: bank_transactions ({opts.rows} rows), {', '.join(gens)} + holdout reference, "
              f"{opts.seeds} seeds = {n_jobs} jobs; {opts.workers} workers; families {','.join(families) if families else 'all'}; "
              f"{os.cpu_count()} CPUs")
        peer = bare_loop(opts.rows, gens, opts.seeds, families)
        print(f"{'executor':<28}{'wall s':>9}{'jobs/hour':>12}")
        print(f"{'bare loop, 1 process (peer)':<28}{peer:>9.1f}{n_jobs / peer * 3600:>12.0f}")
        for label, (secs, _) in timings.items():
            print(f"{label + f' ({opts.workers})':<28}{secs:>9.1f}{n_jobs / secs * 3600:>12.0f}")
        pool_s, dask_s = timings["local pool"][0], timings["dask LocalCluster"][0]
        print(f"pool / bare-loop wall-time ratio: {pool_s / peer:.2f}; dask / pool: {dask_s / pool_s:.2f} "
              "(above 1: slower; start-up of processes and the cluster dominates small specs)")

        results = [load_result(timings[k][1]) for k in ("local pool", "dask LocalCluster")]
        statuses = [r.runs["status"].value_counts().to_dict() for r in results]
        print(f"job statuses: pool {statuses[0]}, dask {statuses[1]}")
        # wgan stops on a wall-clock budget, so its numbers may differ between runs; the others must not
        timed = set(results[0].runs.loc[results[0].runs["generator"].astype(str).str.startswith("wgan"), "run_id"])
        a, b = (r.scores[~r.scores["run_id"].isin(timed)] for r in results)
        key = ["run_id", "metric", "column", "column_2"]
        merged = a.merge(b, on=key, suffixes=("_pool", "_dask"))
        same = (merged["value_pool"].fillna(-9e9) == merged["value_dask"].fillna(-9e9)).all()
        print(f"identical numbers on both executors (jobs without a time budget): "
              f"{bool(same) and len(merged) == len(a) == len(b)} ({len(merged)} values)")


if __name__ == "__main__":
    main()
