"""``benchkit check NAME``: run the conformance suite on a registered generator."""

from __future__ import annotations

import argparse
import json
from typing import Any


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "check",
        help="run the plugin conformance checks on a registered generator",
        description="Fit the generator on a small built-in mixed table (numerical, categorical, boolean, "
        "datetime, missing values) and report pass/fail for each conformance check.",
    )
    p.add_argument("name", help="a registered generator name (see `benchkit list generators`)")
    p.add_argument(
        "--param",
        action="append",
        default=[],
        metavar="KEY=VALUE",
        help="hyper-parameter for the generator (VALUE read as JSON when it parses, else a string); repeatable",
    )
    p.set_defaults(func=run)


def _parse_params(items: list[str]) -> dict[str, Any]:
    from ..errors import BenchkitError

    params: dict[str, Any] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise BenchkitError(f"--param {item!r} is not KEY=VALUE, e.g. --param epochs=2")
        try:
            params[key.strip()] = json.loads(value)
        except json.JSONDecodeError:
            params[key.strip()] = value
    return params


def run(args: argparse.Namespace) -> int:
    from ..testing import run_checks

    results = run_checks(args.name, params=_parse_params(args.param))
    width = max(len(r.check) for r in results)
    for r in results:
        status = "PASS" if r.passed else "FAIL"
        line = f"{status}  {r.check.ljust(width)}  {r.seconds:6.2f}s"
        if not r.passed:
            line += f"\n      {r.message}"
        print(line)
    failed = sum(not r.passed for r in results)
    print(f"\n{args.name}: {len(results) - failed} passed, {failed} failed")
    return 1 if failed else 0
