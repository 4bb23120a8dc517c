"""The ``benchkit`` command line. Each sub-command lives in its own module ``benchkit.cli.cmd_NAME``
with ``add_parser(subparsers)`` and ``run(args) -> int``."""

from __future__ import annotations

import argparse
import importlib
import logging
import sys
import traceback
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
    parser.add_argument("-v", "--verbose", action="count", default=0,
                        help="more log output (-vv: debug, and the full traceback of an error)")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for name in COMMANDS:
        module = importlib.import_module(f"{__name__}.cmd_{name}")
        module.add_parser(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run one verb; exit codes: 0 done, 1 some jobs or checks did not pass, 2 an error (one line on
    stderr; the traceback with -vv or BENCHKIT_DEBUG=1), 130 interrupted."""
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=[logging.WARNING, logging.INFO, logging.DEBUG][min(args.verbose, 2)],
        format="%(levelname)s %(name)s: %(message)s",
    )
    if not getattr(args, "func", None):
        parser.print_help()
        return 2
    from .failures import debug_wanted, describe

    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print("benchkit: interrupted", file=sys.stderr)
        return 130
    except Exception as exc:  # one clear line; the traceback only when asked for
        if debug_wanted(args.verbose):
            traceback.print_exc()
        message = str(exc) if isinstance(exc, BenchkitError) else describe(exc, args.command)
        print(f"benchkit: error: {message}", file=sys.stderr)
        return 2
