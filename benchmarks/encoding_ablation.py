"""Ablation of the fidelity engine's speed tricks on the whole ``benchkit.evaluate`` (issue 17).

Times ``benchkit.evaluate(real, synthetic, schema, families=["marginal", "pairwise"])`` on
fidelity_speed.py's tables (1,000,000 rows by default) with every trick on, and with each trick
replaced by its simplest equivalent: for each trick a run with it, then one without, ``--repeat``
times in one process, the tricks' order rotating. Prints the median seconds with and without, the
median and range of the pairs' ratios, and asserts that the scores without the trick are the same.

A trick stays only while it buys at least 1.2x on the whole evaluate under pandas 3 or pandas 2 (run
this under both). Those measured below that and removed (issue 17; figures in RESULTS.md): object
addresses for pandas-2 object columns, the packed-key argsort and its radix bucket pass, and the
shared nested task pool.

    python benchmarks/encoding_ablation.py [--rows 1000000] [--repeat 5]
"""

from __future__ import annotations

import argparse
import contextlib
import statistics
import sys
import time
import warnings
from pathlib import Path

import numpy as np
import pandas as pd

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from fidelity_speed import KINDS, make_table  # noqa: E402


@contextlib.contextmanager
def patched(module, name, value):
    before = getattr(module, name)
    setattr(module, name, value)
    try:
        yield
    finally:
        setattr(module, name, before)


def tricks():
    """name -> (exact, a context in which the trick is replaced by its simplest equivalent); exact:
    whether the scores must be bit-identical without it."""
    from benchkit.metrics import pairwise

    return {
        # np.dot (BLAS) sums in another order than einsum: Pearson scores differ in their last bits
        "einsum dot products": (False, lambda: patched(pairwise, "_dot", lambda a, b: float(np.dot(a, b)))),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--rows", type=int, default=1_000_000)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--tricks", default="", help="only the tricks whose names contain one of these words (comma-separated)")
    args = ap.parse_args()
    warnings.simplefilter("ignore")
    import benchkit
    from benchkit import Schema

    real = make_table(args.rows, 0)
    synthetic = make_table(args.rows, 1, perturb=0.3)
    schema = Schema.infer(real, overrides={c: "categorical" for c in real.columns if c not in KINDS})

    def fidelity():
        start = time.perf_counter()
        res = benchkit.evaluate(real, synthetic, schema, families=["marginal", "pairwise"], references=False)
        return time.perf_counter() - start, res

    def same(a, b, exact: bool) -> bool:
        keys = ["metric", "column", "column_2"]
        va, vb = a.scores["value"].to_numpy(dtype=float), b.scores["value"].to_numpy(dtype=float)
        close = np.array_equal(va, vb, equal_nan=True) if exact else np.allclose(va, vb, rtol=0, atol=1e-12, equal_nan=True)
        return a.scores[keys].equals(b.scores[keys]) and close

    wanted = [w for w in args.tricks.split(",") if w]
    variants = {name: trick for name, trick in tricks().items() if not wanted or any(w in name for w in wanted)}
    print(f"pandas {pd.__version__}, {args.rows:,} rows, text dtype {real['segment'].dtype}; "
          f"tricks: {', '.join(variants)}")
    fidelity()  # warm up
    _, reference = fidelity()
    runs: dict[str, list[tuple[float, float]]] = {name: [] for name in variants}  # (with, without) pairs
    names = list(variants)
    for r in range(args.repeat):
        # each trick: a run with it, then one without, back to back; the tricks' order rotates, so
        # no trick always follows the same one (a BLAS pool left spinning, a slow spell of the host)
        for name in names[r % len(names):] + names[: r % len(names)]:
            with_, _ = fidelity()
            exact, off = variants[name]
            with off():
                without, res = fidelity()
            runs[name].append((with_, without))
            assert same(res, reference, exact), f"scores changed without the {name}"
    print(f"\nwhole evaluate (marginal + pairwise), {args.repeat} pairs of runs per trick (with, then without); "
          "scores identical without each trick (to 1e-12 where it rounds differently)")
    print(f"{'trick':<34} {'with s':>7} {'without s':>10} {'ratio':>6}  {'ratio range':>12}")
    for name, pairs in runs.items():
        with_ = statistics.median(w for w, _ in pairs)
        without = statistics.median(wo for _, wo in pairs)
        ratios = [wo / w for w, wo in pairs]
        print(f"{name:<34} {with_:7.3f} {without:10.3f} {statistics.median(ratios):5.2f}x  "
              f"{min(ratios):5.2f}-{max(ratios):.2f}x")


if __name__ == "__main__":
    main()
