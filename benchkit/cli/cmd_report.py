"""``benchkit report RESULTS_DIR``: render a results folder into one self-contained HTML file."""

from __future__ import annotations

import argparse

from ..errors import BenchkitError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "report",
        help="render a results folder as a self-contained HTML report",
        description="Render the results folder of `benchkit run` (runs.jsonl, scores.jsonl, samples) as "
                    "one HTML file with inline figures; it needs nothing but that folder.",
    )
    p.add_argument("results_dir", metavar="RESULTS_DIR", help="the folder `benchkit run` wrote")
    p.add_argument("-o", "--output", default=None, help="the HTML file to write (default: RESULTS_DIR/report.html)")
    p.add_argument("--pair", nargs=2, metavar=("X", "Y"), default=None,
                   help="the two numerical columns of the 2-D density (default: the most correlated pair)")
    p.add_argument("--max-rows", type=int, default=None,
                   help="rows of each table the figures draw from (default 20000)")
    p.add_argument("--seed", type=int, default=0, help="seed of the row sampling for figures")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..report import write_report
    from ..report.model import MAX_ROWS
    from .failures import check_manifest, check_output_file, writing

    if args.max_rows is not None and args.max_rows < 1:
        raise BenchkitError(f"--max-rows must be a positive number of rows, got {args.max_rows}")
    check_manifest(args.results_dir)
    if args.output:
        check_output_file(args.output, "--output")
    with writing(args.output or args.results_dir):
        path = write_report(args.results_dir, args.output, pair=tuple(args.pair) if args.pair else None,
                            max_rows=args.max_rows or MAX_ROWS, seed=args.seed)
    print(f"report written to {path}")
    return 0
