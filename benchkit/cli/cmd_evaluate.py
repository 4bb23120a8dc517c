"""``benchkit evaluate REAL SYNTHETIC``: score a synthetic table against a real one and print a summary."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from ..errors import BenchkitError


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "evaluate",
        help="score a synthetic table against the real one (CSV or Parquet)",
        description="Score SYNTHETIC against REAL with every registered metric and print the headline "
        "scores, the worst columns and the worst column pairs, then a one-line verdict (the privacy gate, and "
        "fidelity and utility against the real holdout and an independent baseline when --holdout is given).",
    )
    p.add_argument("real", help="the real table (.csv, .tsv or .parquet)")
    p.add_argument("synthetic", help="the synthetic table (.csv, .tsv or .parquet)")
    p.add_argument("--schema", metavar="FILE", help="schema JSON (default: inferred from REAL)")
    p.add_argument("--target", metavar="COL", help="target column for utility metrics")
    p.add_argument("--holdout", metavar="FILE", help="real rows the generator never saw (privacy/utility metrics)")
    p.add_argument("--entity", metavar="COL", default="auto",
                   help="the entity key column (e.g. account_id): rows are events of entities, scored by the entity "
                   "family and split by entity (default: the schema's, or inferred when unambiguous; 'none': "
                   "independent rows)")
    p.add_argument("--order", metavar="COL", help="the column that orders an entity's events (e.g. date; default: the "
                   "schema's, or the one datetime column)")
    p.add_argument("--families", nargs="+", metavar="FAMILY", help="metric families to run (default: all whose needs are met)")
    p.add_argument("--metrics", nargs="+", metavar="NAME", help="run only these metrics")
    p.add_argument("--seed", type=int, default=0, help="seed for metrics that draw at random (default 0)")
    p.add_argument("--no-references", dest="references", action="store_false",
                   help="do not score the real holdout and independent-baseline references (faster)")
    p.add_argument("--reference-families", nargs="+", metavar="FAMILY",
                   help="score the references with these families (default: marginal pairwise aggregate utility, "
                   "what the verdict compares; `all`: every family the synthetic table ran, about 2x slower)")
    p.add_argument("--sep", metavar="SEP", help="the CSV files' separator, e.g. ';' or tab (default: sniffed "
                   "among , ; tab |)")
    p.add_argument("--encoding", metavar="NAME", help="the CSV files' text encoding, e.g. latin-1 (default utf-8)")
    p.add_argument("--out", metavar="FILE", help="write the tidy scores to FILE.json or FILE.csv")
    p.add_argument("--report", metavar="FILE", help="also write a self-contained HTML report of the comparison")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    from ..data import read_table
    from ..evaluation import evaluate
    from ..schema import Schema
    from .failures import check_output_file, writing

    if args.out and Path(args.out).suffix.lower() not in (".json", ".csv"):
        raise BenchkitError(f"--out {args.out}: use a file name ending in .json or .csv")
    for flag, file in (("--out", args.out), ("--report", args.report)):
        if file:
            check_output_file(file, flag)
    options = {"sep": {"tab": "\t", "\\t": "\t"}.get(args.sep, args.sep)} if args.sep else {}
    if args.encoding:
        options["encoding"] = args.encoding
    schema = Schema.from_json(Path(args.schema)) if args.schema else None
    real = read_table(args.real, **options)
    synthetic = read_table(args.synthetic, **options)
    holdout = read_table(args.holdout, **options) if args.holdout else None
    result = evaluate(
        real,
        synthetic,
        schema,
        target=args.target,
        holdout=holdout,
        families=args.families,
        metrics=args.metrics,
        seed=args.seed,
        entity=args.entity,
        order=args.order,
        **({"references": False} if not args.references else
           {"references": True} if args.reference_families == ["all"] else
           {"references": args.reference_families} if args.reference_families else {}),
        options={"progress": sys.stderr.isatty()},
    )
    print(result.summary)
    from ..verdict.single import build_verdict

    verdict = build_verdict(result.scores, result.references)
    print("\n" + verdict.line())
    for reason in verdict.gate.reasons:
        print(f"  - {reason}")
    for note in result.notes:
        print(f"  ({note})")
    if args.out:
        with writing(args.out):
            path = result.to_file(args.out)
        print(f"\nscores written to {path}")
    if args.report:
        from ..report import write_evaluation_report

        with writing(args.report):
            report = write_evaluation_report(result, real, synthetic, result.schema, args.report, seed=args.seed)
        print(f"\nreport written to {report}")
    return 0
