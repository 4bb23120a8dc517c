"""The ``benchkit`` command line. Each sub-command lives in its own module ``benchkit.cli.cmd_NAME``
with ``add_parser(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
from typing import Sequence

from ..errors import BenchkitError

COMMANDS: tuple[str, ...] = ("evaluate", "run", "recommend", "report", "demo", "datasets", "list", "check")
"""Sub-command modules, in the order ``benchkit --help`` lists them."""


def build_parser() -> argparse.ArgumentParser:
    from .. import __version__

    parser = argparse.ArgumentParser(
        prog="benchkit",
        description="Benchmark and evaluate tabular synthetic-data generators.",
    )
    parser.add_argument("--version", action="version", version=f"benchkit {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv for debug)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.cmd_{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except BenchkitError as exc:
        print(f"benchkit: error: {exc}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("benchkit: interrupted", file=sys.stderr)
        return 130
