"""``benchkit run``: run (or resume) a benchmark from a TOML spec and/or flags."""

from __future__ import annotations

import argparse
import sys


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "run",
        help="run a benchmark: datasets x generators x seeds",
        description=(
            "Run a benchmark from SPEC.toml and/or flags (flags override the file). Results go to --out "
            "as each job finishes; running the same spec again skips finished jobs."
        ),
    )
    p.add_argument("spec", nargs="?", help="a benchmark spec (TOML); optional when --datasets and --generators are given")
    p.add_argument("--datasets", nargs="+", metavar="D",
                   help="registered names or file paths, each optionally NAME:n_rows=N,target=COL,schema=FILE")
    p.add_argument("--generators", nargs="+", metavar="G",
                   help="generators as [LABEL=]NAME[:param=value,...], e.g. wgan-long=wgan:epochs=300")
    p.add_argument("--seeds", help="a count (3 -> seeds 0,1,2) or a list (0,5,9)")
    p.add_argument("--families", nargs="+", metavar="F", help="metric families to score (default: all)")
    p.add_argument("--sample-size", type=int, help="synthetic rows per job (default: the training split's size)")
    p.add_argument("--holdout", type=float, help="fraction of each dataset held out (default 0.2)")
    p.add_argument("--split-seed", type=int, help="seed of the train/holdout split (default 0)")
    p.add_argument("--time-limit", type=float, metavar="S", help="seconds per job before it is killed")
    p.add_argument("--memory-limit", type=float, metavar="MB", help="resident memory per job before it is killed")
    p.add_argument("--threads-per-job", type=int, help="CPU threads each job may use (default 1)")
    p.add_argument("--out", help="results folder (default: the spec's `out`, else ./benchkit-results)")
    where = p.add_mutually_exclusive_group()
    where.add_argument("--jobs", "-j", type=int, help="jobs at once on the local process pool (default: CPUs)")
    where.add_argument("--in-process", action="store_true", help="run jobs here one by one (debugging; no limits)")
    where.add_argument("--scheduler", metavar="ADDRESS", help="run on the Dask cluster at ADDRESS")
    where.add_argument("--dask-local", type=int, metavar="N", help="start a Dask LocalCluster of N workers and run there")
    p.add_argument("--rerun-failed", action="store_true", help="run failed, timed-out and out-of-memory jobs again")
    p.add_argument("--no-progress", action="store_true", help="no progress bar")
    p.add_argument("--no-report", action="store_true", help="do not write the HTML report at the end")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..bench.runner import run_benchmark
    from ..bench.spec import spec_from_flags
    from ..report.text import verdict_text
    from ..verdict.summary import format_summary
    from .failures import check_manifest, check_output_folder, report_unfinished, writing

    spec = spec_from_flags(
        spec_file=args.spec, datasets=args.datasets, generators=args.generators, seeds=args.seeds,
        families=args.families, sample_size=args.sample_size, holdout=args.holdout, split_seed=args.split_seed,
        time_limit=args.time_limit, memory_limit=args.memory_limit, threads_per_job=args.threads_per_job,
        out=args.out,
    )
    check_output_folder(spec.out)
    check_manifest(spec.out)
    with writing(spec.out):
        result = run_benchmark(
            spec,
            executor="inprocess" if args.in_process else "process",
            jobs=args.jobs,
            scheduler=args.scheduler,
            dask_local=args.dask_local,
            rerun_failed=args.rerun_failed,
            progress=not args.no_progress,
        )
    if not args.no_report:
        _write_report(result.folder)
    print(format_summary(result.summary, result.runs))
    print()
    print(verdict_text(result.folder))
    c = result.counts
    print(f"\n{c.get('ran', 0)} job(s) run, {c.get('skipped', 0)} already recorded; results in {result.folder}")
    bad = report_unfinished(result.runs, result.folder, "rerun them with --rerun-failed")
    return 1 if bad else 0


def _write_report(folder) -> None:
    """The run's HTML report; a failure is a warning: the results are safe and `benchkit report` retries."""
    from ..report import write_report

    try:
        path = write_report(folder)
    except Exception as exc:  # noqa: BLE001 - any report failure leaves the results intact
        print(f"warning: the report could not be written ({type(exc).__name__}: {exc}); "
              f"run `benchkit report {folder}` to retry", file=sys.stderr)
        return
    print(f"report: {path}")
