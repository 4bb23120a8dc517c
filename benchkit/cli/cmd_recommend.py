"""``benchkit recommend DATA --target COL``: which generator to use on this data, within a time budget."""

from __future__ import annotations

import argparse
import time
from pathlib import Path


SHORT_TRAINING = 30.0
"""Training seconds per job under which the verdict warns that budgeted candidates were barely trained."""


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "recommend",
        help="run the candidate generators on DATA within a time budget and recommend one",
        description=(
            "Split --budget fairly across the candidate generators (every installed generator by default: "
            "each one that takes a time budget gets the same training seconds), run them over --seeds seeds "
            "through the ordinary runner (isolated jobs, resumable: the same command again resumes), then "
            "print the recommendation and write a report that opens with it. The rule: only generators that "
            "pass the privacy gate; the best mean utility (fidelity without a target); ties by a stated test; "
            "a cheaper runner-up when tied. See docs/reading-a-verdict.md."
        ),
    )
    p.add_argument("data", help="a registered dataset name or a table file (CSV/TSV/Parquet), optionally "
                                "NAME:n_rows=N,schema=FILE")
    p.add_argument("--target", metavar="COL", help="the column a model should predict (utility decides)")
    p.add_argument("--budget", default="10m", help="wall-clock budget for the whole recommendation: 300, 90s, "
                                                 "5m, 1h30m (default 10m)")
    p.add_argument("--generators", nargs="+", metavar="G", help="candidates (default: every installed generator)")
    p.add_argument("--seeds", type=int, default=3, help="seeds per candidate (default 3; at least 2 to test ties)")
    p.add_argument("--families", nargs="+", metavar="F",
                   help="metric families (default: marginal pairwise aggregate utility privacy)")
    p.add_argument("--jobs", "-j", type=int, help="jobs at once (default: one per CPU)")
    p.add_argument("--out", default="benchkit-recommend", help="results folder (default ./benchkit-recommend)")
    p.add_argument("--no-progress", action="store_true", help="no progress bars")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..errors import BenchkitError
    from ..report import REPORT_NAME, write_report
    from ..report.text import verdict_text
    from ..verdict.budget import parse_budget, run_recommendation
    from .failures import check_manifest, check_output_folder, report_unfinished

    budget = parse_budget(args.budget)
    if args.seeds < 1:
        raise BenchkitError(f"--seeds must be at least 1, got {args.seeds}")
    if args.jobs is not None and args.jobs < 1:
        raise BenchkitError(f"--jobs must be at least 1, got {args.jobs}")
    check_output_folder(args.out)
    check_manifest(args.out)
    started = time.perf_counter()
    result, plan = run_recommendation(args.data, target=args.target, budget_s=budget, out=args.out,
                                      generators=args.generators, seeds=args.seeds, jobs=args.jobs,
                                      families=args.families, progress=not args.no_progress,
                                      on_phase=lambda msg: print(f"benchkit recommend: {msg}", flush=True))
    report = write_report(result.folder, Path(result.folder) / REPORT_NAME)
    print()
    print(verdict_text(result.folder))
    if plan.budgeted and (plan.train_s or 0) < SHORT_TRAINING:
        print(f"\nCaution: each budgeted candidate ({', '.join(plan.budgeted)}) trained only {plan.train_s:.0f} s per "
              "seed after scoring took its share; a larger --budget (or fewer --seeds or candidates) may change "
              "the verdict for them.")
    print(f"\nfinished in {time.perf_counter() - started:.0f} s of a {budget:.0f} s budget "
          f"({plan.train_s or 0:.0f} s of training per budgeted job)")
    print(f"report: {report.resolve()}")
    bad = report_unfinished(result.runs, result.folder, "the report lists them")
    return 1 if bad else 0
