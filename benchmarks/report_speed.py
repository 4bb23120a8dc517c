"""How long the HTML report takes and how large it gets for a 1,000,000-row benchmark.

Builds two results folders with the same four generators and real scores: one whose real data and
samples hold 1,000,000 rows each, a peer holding 20,000. Prints render seconds and report MB for
both, and their ratio: sampling for figures keeps the report's cost flat in the table size.

    python benchmarks/report_speed.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "tests")]

from benchkit.report import write_report  # noqa: E402
from report_data import build_results  # noqa: E402


def measure(rows: int, folder: Path) -> tuple[float, float, float]:
    t0 = time.perf_counter()
    # fidelity scores only: the report's cost does not depend on which scores it shows
    build_results(folder, n=rows, seeds=(0,), failure=True, families=["marginal", "pairwise", "aggregate"])
    built = time.perf_counter() - t0
    t0 = time.perf_counter()
    path = write_report(folder)
    return built, time.perf_counter() - t0, path.stat().st_size / 1e6


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--rows", type=int, default=1_000_000)
    p.add_argument("--peer-rows", type=int, default=20_000)
    args = p.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        measure(args.peer_rows, Path(tmp) / "warm-up")  # imports, font cache
        _, peer_s, peer_mb = measure(args.peer_rows, Path(tmp) / "peer")
        built, big_s, big_mb = measure(args.rows, Path(tmp) / "big")
    print(f"results folder with {args.rows:,} rows per table built in {built:.1f} s")
    print(f"report, {args.rows:>9,} rows: {big_s:6.1f} s, {big_mb:5.2f} MB")
    print(f"report, {args.peer_rows:>9,} rows: {peer_s:6.1f} s, {peer_mb:5.2f} MB (peer)")
    print(f"ratio big/peer: time {big_s / peer_s:.2f}x, size {big_mb / peer_mb:.2f}x")


if __name__ == "__main__":
    main()
