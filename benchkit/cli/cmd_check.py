"""``benchkit check NAME``: run the conformance suite on a registered generator."""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import threading
from typing import IO, Any

DEFAULT_TIME_LIMIT = 300.0


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
        help="hyper-parameter(s) for the generator, in the syntax of `benchkit run --generators NAME:KEY=VALUE,...`: "
        'VALUE is a TOML literal (3, 1e-4, true, "text", [64, 64]) or plain text; repeatable, or comma-separated',
    )
    p.add_argument("--time-limit", type=float, default=DEFAULT_TIME_LIMIT, metavar="SECONDS",
                   help=f"stop the suite after this many seconds; it runs in a child process that is killed then "
                   f"(default {DEFAULT_TIME_LIMIT:g}; 0: no limit, in this process)")
    p.set_defaults(func=run)


def parse_check_params(name: str, items: list[str]) -> dict[str, Any]:
    """``--param`` values for generator ``name``, parsed as ``benchkit run`` parses ``NAME:key=value,...``
    (:func:`benchkit.bench.spec.parse_params`); an unknown generator or parameter name is an error here, as in
    a run (a value the generator rejects is left to the checks, which report it)."""
    from ..bench.spec import GeneratorSpec, check_param_names, parse_params
    from ..errors import BenchkitError
    from ..plugins import get_generator

    params = parse_params(items, "--param")
    reg = get_generator(name)  # an unknown name fails here, with suggestions
    if "seed" in params:
        raise BenchkitError("--param seed=...: the checks set the seed themselves (they test determinism)")
    check_param_names(GeneratorSpec(name=name, params=params), reg.obj)
    return params


def run(args: argparse.Namespace) -> int:
    from ..errors import BenchkitError

    params = parse_check_params(args.name, args.param)
    if args.time_limit < 0:
        raise BenchkitError(f"--time-limit must be 0 (no limit) or a number of seconds, got {args.time_limit:g}")
    if args.time_limit == 0:
        return _run_here(args.name, params)
    return _run_in_child(args, args.time_limit)


def _run_here(name: str, params: dict[str, Any]) -> int:
    """Run the checks one by one, printing each result as it comes (so a hang shows where it is)."""
    import warnings

    from ..testing import CHECKS, SkippedKindsWarning, run_checks, skipped_columns

    skipped = skipped_columns(name, params=params)
    if skipped:
        print(f"{name} does not support the kind(s) {', '.join(sorted(set(skipped.values())))} (its supported_kinds): "
              f"the checks leave out {', '.join(f'{c} ({k})' for c, k in skipped.items())}\n", flush=True)
    width = max(len(c.__name__) for c in CHECKS)
    failed = 0
    for check in CHECKS:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", SkippedKindsWarning)  # said once above
            r = run_checks(name, params=params, checks=[check])[0]
        failed += not r.passed
        line = f"{'PASS' if r.passed else 'FAIL'}  {r.check.ljust(width)}  {r.seconds:6.2f}s"
        if not r.passed:
            line += f"\n      {r.message}"
        print(line, flush=True)
    print(f"\n{name}: {len(CHECKS) - failed} passed, {failed} failed")
    return 1 if failed else 0


def _pump(src: IO[str], dst: IO[str], lines: list[str]) -> None:
    for line in src:
        lines.append(line)
        dst.write(line)
        dst.flush()


def _run_in_child(args: argparse.Namespace, limit: float) -> int:
    """``benchkit check NAME --time-limit 0`` in a child process of its own group, killed past ``limit``."""
    from ..errors import BenchkitError
    from ..testing import CHECKS

    cmd = [sys.executable, "-m", "benchkit", "check", args.name, "--time-limit", "0",
           *(f"--param={item}" for item in args.param)]
    proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            stdin=subprocess.DEVNULL, start_new_session=True)
    out: list[str] = []
    pumps = [threading.Thread(target=_pump, args=(src, dst, lines), daemon=True)
             for src, dst, lines in ((proc.stdout, sys.stdout, out), (proc.stderr, sys.stderr, []))]
    for t in pumps:
        t.start()
    try:
        code = proc.wait(timeout=limit)
    except (subprocess.TimeoutExpired, KeyboardInterrupt) as exc:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait()
        if isinstance(exc, KeyboardInterrupt):
            raise
        for t in pumps:
            t.join(timeout=2)
        done = {line.split()[1] for line in out if line.startswith(("PASS  ", "FAIL  "))}
        running = next((c.__name__ for c in CHECKS if c.__name__ not in done), "the set-up")
        raise BenchkitError(
            f"check {args.name}: the conformance suite did not finish within --time-limit {limit:g} s and was "
            f"stopped; {running} was running ({len(done)} of {len(CHECKS)} checks done). A generator must not "
            "hang: fix it, or raise --time-limit if it is only slow (its test_params() should make it fast)"
        ) from None
    for t in pumps:
        t.join()
    return code
