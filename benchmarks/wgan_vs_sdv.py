"""``wgan`` against SDV's CTGAN and TVAE (through the ``benchkit_sdv`` plugin): same data, machine and run.

Two modes, each on the Berka transactions and UCI Adult (loaded by ``wgan_quality.py``'s loaders):

- ``epochs``: every generator trains for ``--epochs`` epochs (each with its own default batch size and
  networks: wgan 1000 rows/batch, SDV 500);
- ``budget``: every generator gets ``--budget-seconds`` of training. wgan checks its deadline after
  every step (``max_seconds``). SDV cannot stop part-way, and the plugin's own ``max_seconds`` plans
  from a one-epoch probe that counts preprocessing as epoch time (it used about half of a 60 s budget
  on 20k rows: conservative, see docs/sdv.md). So that each peer gets the whole budget, this script
  plans a peer's epochs from its own ``epochs``-mode run on the same data, when that mode ran first:
  ``floor(budget / (fit seconds / epochs))``, preprocessing amortised over the epochs. Otherwise it
  falls back to the plugin's ``max_seconds``. The fit seconds printed show how much each one used.

Per (mode, dataset, generator) it prints: fit seconds (whole ``fit``, preprocessing included), epochs
trained, sampling rows/s (``sample`` of ``--sample-rows``), Column Shapes and Column Pair Trends and
TSTR utility (``benchkit.evaluate``, scored against the real training rows; TSTR tested on the
held-out rows), then the ratios wgan / peer. Needs SDV, hence pandas<3:

    /work/venv-sdv/bin/python benchmarks/wgan_vs_sdv.py                           # full size
    /work/venv-sdv/bin/python benchmarks/wgan_vs_sdv.py --rows 400 --epochs 1 --budget-seconds 3 --sample-rows 400
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
import warnings
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import pandas as pd  # noqa: E402

from wgan_quality import DATASETS, score  # noqa: E402  (also puts the repo and plugins/ on sys.path)

from benchkit import plugins  # noqa: E402

PEERS = ("sdv_ctgan", "sdv_tvae")
BIG_EPOCHS = 10**6  # "until the budget runs out"


def params_for(name: str, mode: str, epochs: int, budget: float, rate: float | None = None) -> dict:
    """Hyper-parameters of one generator in one mode (everything else at its defaults).

    ``rate``: a peer's measured seconds per epoch (fit seconds / epochs of its ``epochs``-mode run),
    from which its epochs under the budget are planned.
    """
    if mode == "epochs":
        p: dict = {"epochs": epochs}
    elif name != "wgan" and rate:
        p = {"epochs": max(1, math.floor(budget / rate))}
    else:
        p = {"epochs": BIG_EPOCHS, "max_seconds": budget}
    if name == "wgan":
        p["verbose"] = False
    return p


def run_one(name: str, params: dict, train, hold, schema, target, n_sample: int, seed: int) -> dict:
    """Fit, time a sample, score it."""
    gen = plugins.get_generator(name).obj(**params, seed=seed)
    t = time.perf_counter()
    gen.fit(train, schema)
    fit_s = time.perf_counter() - t
    t = time.perf_counter()
    syn = gen.sample(n_sample)
    sample_s = time.perf_counter() - t
    sc, _ = score(train, syn, schema, target, hold, seed)
    return {"fit_s": fit_s, "epochs": getattr(gen, "epochs_done_", params.get("epochs")),
            "sample_rows_s": n_sample / sample_s if sample_s > 0 else math.nan,
            "shapes": sc["column_shapes"], "pair_trends": sc["column_pair_trends"], "tstr": sc["tstr"]}


def ratios(table: pd.DataFrame) -> pd.DataFrame:
    """Per (mode, dataset, peer): wgan's fit time, sampling speed and scores relative to the peer's."""
    rows = []
    for (mode, ds), sub in table.groupby(["mode", "dataset"], sort=False):
        w = sub[sub["generator"] == "wgan"]
        if w.empty:
            continue
        w = w.iloc[0]
        for _, p in sub[sub["generator"] != "wgan"].iterrows():
            rows.append({"mode": mode, "dataset": ds, "peer": p["generator"],
                         "fit_time_wgan/peer": w["fit_s"] / p["fit_s"],
                         "sampling_speed_wgan/peer": w["sample_rows_s"] / p["sample_rows_s"],
                         "shapes_wgan-peer": w["shapes"] - p["shapes"],
                         "pair_trends_wgan-peer": w["pair_trends"] - p["pair_trends"],
                         "tstr_wgan-peer": w["tstr"] - p["tstr"]})
    return pd.DataFrame(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="berka,adult", help="comma-separated: berka, adult")
    ap.add_argument("--generators", default="wgan," + ",".join(PEERS))
    ap.add_argument("--modes", default="epochs,budget", help="comma-separated: epochs, budget")
    ap.add_argument("--epochs", type=int, default=50, help="epochs of every generator in the 'epochs' mode")
    ap.add_argument("--budget-seconds", type=float, default=300.0, help="training seconds in the 'budget' mode")
    ap.add_argument("--rows", type=int, default=None, help="limit training rows (default: all)")
    ap.add_argument("--sample-rows", type=int, default=None, help="synthetic rows (default: as many as training)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.WARNING)
    warnings.filterwarnings("ignore")
    names = [g for g in args.generators.split(",") if g]
    missing = [g for g in names if g not in plugins.list_generators()]
    if missing:
        why = "; ".join(f"{p}: {r}" for p, r in plugins.inactive_plugins().items())
        print(f"generators not available here: {', '.join(missing)}" + (f" ({why})" if why else ""))
        names = [g for g in names if g not in missing]
    import torch

    print(f"torch threads: {torch.get_num_threads()}; pandas {pd.__version__}", flush=True)
    results = []
    for ds in args.datasets.split(","):
        train, hold, schema, target = DATASETS[ds](args.rows, args.seed)
        n_sample = args.sample_rows or len(train)
        print(f"\n== {ds}: {len(train):,} training rows x {train.shape[1]} columns; {n_sample:,} synthetic rows", flush=True)
        rates: dict[str, float] = {}
        for mode in args.modes.split(","):
            for name in names:
                params = params_for(name, mode, args.epochs, args.budget_seconds, rates.get(name))
                try:
                    row = run_one(name, params, train, hold, schema, target, n_sample, args.seed)
                except Exception as exc:  # one failing generator never stops the benchmark
                    print(f"  [{mode}] {name}: FAILED {type(exc).__name__}: {exc}", flush=True)
                    continue
                results.append({"mode": mode, "dataset": ds, "generator": name, **row})
                if mode == "epochs" and row["epochs"]:
                    rates[name] = row["fit_s"] / float(row["epochs"])
                print(f"  [{mode:6s}] {name:10s} fit {row['fit_s']:8.1f}s  epochs {row['epochs']!s:>6}  "
                      f"sample {row['sample_rows_s']:10.0f} rows/s  shapes {row['shapes']:.3f}  "
                      f"pair trends {row['pair_trends']:.3f}  TSTR {row['tstr']:.3f}", flush=True)
    if not results:
        return 1
    table = pd.DataFrame(results)
    print("\n" + table.round(4).to_string(index=False))
    rat = ratios(table)
    if not rat.empty:
        print("\nwgan relative to each peer (time ratio < 1: wgan faster; speed ratio > 1: wgan samples faster; "
              "score differences > 0: wgan better)")
        print(rat.round(3).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
