"""``benchkit demo``: benchmark ``wgan`` and the baselines on the built-in bank transactions data and
write the HTML report, within about five minutes on two CPU cores.

Without torch (``wgan`` inactive: ``pip install 'benchkit[wgan]'``) the demo runs the baselines alone
and says so in one line."""

from __future__ import annotations

import argparse
import os
import time
from pathlib import Path
from typing import Any

from ..errors import BenchkitError

DATASET = "bank_transactions"
BASELINES = ("independent", "gaussian_copula", "bootstrap")
BUDGETS = {
    # rows of the dataset, WGAN training seconds, seeds (at least 2, so that ties can be tested),
    # per-job time limit (s)
    "full": {"rows": 30_000, "wgan_seconds": 60, "seeds": 3, "time_limit": 400},
    "quick": {"rows": 5_000, "wgan_seconds": 10, "seeds": 2, "time_limit": 120},
}


def demo_spec(out: str | Path, *, quick: bool = False, seed: int = 0, wgan: bool = True) -> dict[str, Any]:
    """The demo's benchmark spec: one dataset, wgan (unless ``wgan=False``) and the three baselines,
    several seeds from ``seed``."""
    b = BUDGETS["quick" if quick else "full"]
    return {
        "out": str(out),
        "datasets": [{"name": DATASET, "n_rows": b["rows"]}],
        "generators": ([{"name": "wgan", "params": {"max_seconds": b["wgan_seconds"]}}] if wgan else [])
        + [{"name": g} for g in BASELINES],
        "seeds": list(range(seed, seed + b["seeds"])),
        "time_limit": b["time_limit"],
    }


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "demo",
        help="benchmark wgan and the baselines on bank_transactions and write the HTML report",
        description="Run a small benchmark of the built-in `wgan` generator and the baselines "
                    f"({', '.join(BASELINES)}) on the built-in `{DATASET}` dataset over several seeds (about "
                    "5 minutes on 2 CPU cores; --quick: about a minute), print the leaderboard and the "
                    "recommendation, and write the report.",
    )
    p.add_argument("--out", default="benchkit-demo", help="the results folder (default: ./benchkit-demo)")
    p.add_argument("--quick", action="store_true", help="a much smaller run, for a first look or CI")
    p.add_argument("--jobs", type=int, default=None, help="jobs in parallel (default: one per CPU, at most 4)")
    p.add_argument("--seed", type=int, default=0, help="the benchmark's seed")
    p.set_defaults(func=run)


def wgan_inactive_reason() -> str | None:
    """Why ``wgan`` is not registered here (torch missing, usually), or None when it is."""
    from ..plugins import inactive_plugins, list_generators

    if "wgan" in list_generators():
        return None
    return inactive_plugins().get("benchkit_wgan", "the wgan plugin is not loaded")


def run(args: argparse.Namespace) -> int:
    from .. import run_benchmark
    from ..report import REPORT_NAME, write_report
    from ..report.text import leaderboard_text, verdict_text
    from .failures import check_manifest, check_output_folder, report_unfinished

    if args.jobs is not None and args.jobs < 1:
        raise BenchkitError(f"--jobs must be at least 1, got {args.jobs}")
    jobs = args.jobs or max(1, min(4, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 2))
    no_wgan = wgan_inactive_reason()
    if no_wgan is not None:
        print(f"note: wgan is inactive ({no_wgan}); the demo runs the baselines only")
    spec = demo_spec(args.out, quick=args.quick, seed=args.seed, wgan=no_wgan is None)
    check_output_folder(args.out)
    check_manifest(args.out)
    started = time.perf_counter()
    result = run_benchmark(spec, executor="process", jobs=jobs, progress=True, report=False)
    report = write_report(result.folder, Path(result.folder) / REPORT_NAME)
    print()
    print(leaderboard_text(result.folder))
    print()
    print(verdict_text(result.folder))
    print()
    print(f"demo finished in {time.perf_counter() - started:.0f} s")
    print(f"report: {report.resolve()}")
    bad = report_unfinished(result.runs, result.folder, "the report lists them; run the demo again to retry")
    return 1 if bad else 0
