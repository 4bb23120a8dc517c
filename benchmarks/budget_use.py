"""How much of an equal time budget each deep generator uses: SDV's CTGAN and TVAE (``benchkit_sdv``)
and ``wgan``, each given ``max_seconds`` on one table, run by the benchmark runner one job at a time
(a job process each, ``threads_per_job`` 1, so they never compete for the cores).

Per generator it prints the budget, the fit seconds and their share of the budget, the epochs done and
planned and why training stopped (from the run record's ``training``, the generator's
``training_summary()``), and, for the SDV models, their preprocessing and training seconds.
Needs SDV, hence pandas<3 (see RESULTS.md):

    .ci/peer-venv/bin/python benchmarks/budget_use.py --budget 90                    # Adult, 90 s each
    .ci/peer-venv/bin/python benchmarks/budget_use.py --budget 4 --rows 3000 --epochs 50   # tiny
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins")]

import pandas as pd  # noqa: E402

from benchkit.errors import BenchkitError  # noqa: E402
from benchkit.bench.runner import run_benchmark  # noqa: E402

DATA = next((d for d in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if d.is_dir()),
            ROOT.parent / "shared" / "data")


def spec_for(args: argparse.Namespace, out: Path) -> dict:
    """One dataset, each generator with ``max_seconds = budget``, one seed, marginal scores only."""
    gens = []
    for name in args.generators.split(","):
        params = {"epochs": args.epochs, "max_seconds": args.budget}
        params.update({"verbose": False} if name == "wgan" else {"device": "cpu"})
        gens.append({"name": name, "params": params})
    return {"out": str(out), "seeds": [args.seed], "families": ["marginal"], "sample_size": 2000,
            "datasets": [{"name": args.dataset, **({"n_rows": args.rows} if args.rows else {})}],
            "generators": gens, "time_limit": 3 * args.budget + 300}


SUMMARY_KEYS = ("epochs_done", "epochs_planned", "stopped_because", "preprocess_s", "train_s")


def budget_table(runs: pd.DataFrame, budget: float) -> pd.DataFrame:
    """One line per generator: fit seconds, share of the budget used, and its training summary's figures
    (epochs, why it stopped, SDV's preprocessing and training seconds); empty where a plugin gives none."""
    runs = runs[~runs["is_reference"].astype(bool)]
    summaries = runs["training"] if "training" in runs else pd.Series([{}] * len(runs), index=runs.index)
    training = pd.DataFrame(list(summaries), index=runs.index).reindex(columns=list(SUMMARY_KEYS))
    table = pd.DataFrame({"generator": runs["generator"], "status": runs["status"], "budget_s": budget,
                          "fit_s": runs["fit_s"].round(1), "used": (runs["fit_s"] / budget).map("{:.0%}".format)})
    return pd.concat([table, training], axis=1).reset_index(drop=True)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--dataset", default="adult", help="a registered dataset name (default: adult)")
    ap.add_argument("--rows", type=int, default=None, help="rows to load (default: all)")
    ap.add_argument("--budget", type=float, default=90.0, help="max_seconds of every generator")
    ap.add_argument("--epochs", type=int, default=300, help="epochs planned (every generator's default: 300)")
    ap.add_argument("--generators", default="sdv_ctgan,sdv_tvae,wgan")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="results folder (default: a temporary one)")
    args = ap.parse_args(argv)
    os.environ.setdefault("BENCHKIT_DATA_DIR", str(DATA))
    out = Path(args.out) if args.out else Path(tempfile.mkdtemp(prefix="budget-use-"))
    try:
        result = run_benchmark(spec_for(args, out), jobs=1, progress=False)
    except BenchkitError as exc:
        print(f"budget_use: {exc}", file=sys.stderr)
        return 2
    with pd.option_context("display.width", 200, "display.max_columns", 20):
        print(f"dataset {args.dataset}, budget {args.budget:g} s, epochs planned {args.epochs}, results in {out}")
        print(budget_table(result.runs, args.budget).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
