"""Entity generators at the same fit budget: ``wgan`` in entity mode against row-mode ``wgan``, SDV's
PARSynthesizer and the anchors, on the ``bank_transactions`` simulator and the real Berka prefix.

For each dataset: whole accounts are split 70/30 by account (seed), each generator is fitted on the
training accounts with the same ``max_seconds`` (``--budget``) and samples as many rows as the training
part; the sample is scored with ``benchkit.evaluate`` against the training accounts, the holdout
accounts being the holdout (entity family, plus the row-level Column Shapes and Column Pair Trends).

Generators (``--generators``):

* ``wgan``: entity mode (``fit`` gets the schema with its roles; docs/wgan.md, "Entity mode");
* ``wgan_rows``: the same ``wgan`` with the roles withheld (``schema.without_roles()``, as any row
  generator gets them: fresh account id per row);
* ``sdv_par``: SDV's PARSynthesizer (only where ``sdv`` is importable, e.g. the peer venv);
* ``entity_bootstrap`` (the ceiling: real histories) and ``independent`` (the floor), no budget.

Berka: the stored 99,999-row prefix, cut to its first ``--berka-accounts`` accounts (whole histories)
so that PAR's epochs fit the budget. Run it with the peer venv to include PAR:

    PYTHONPATH=$PWD:$PWD/plugins:$PWD/datasets BENCHKIT_DATA_DIR=/work/shared/data \\
        /work/main/.ci/.../python benchmarks/entity_generators.py --dataset bank_transactions --rows 30000 --budget 90
"""

from __future__ import annotations

import argparse
import importlib.util
import json
import os
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(ROOT / "datasets")]

from benchkit import evaluate, plugins  # noqa: E402
from benchkit.bench.prepare import split_train_holdout  # noqa: E402
from benchkit.datasets import load_dataset  # noqa: E402

GENERATORS = ("wgan", "wgan_rows", "sdv_par", "entity_bootstrap", "independent")
SHOWN = [  # (label, metric, column or None for the mean over columns)
    ("rule: running balance", "entity.rule_consistency", "balance"),
    ("rule: constant class", "entity.rule_consistency", "customer_class"),
    ("utility TSTR ROC AUC", "entity.utility_tstr_roc_auc", None),
    ("utility ratio (TSTR/TRTR)", "entity.utility_ratio", None),
    ("size", "entity.size", None),
    ("gaps", "entity.gaps", None),
    ("monthly events", "entity.monthly_events", None),
    ("transitions (mean)", "entity.transitions", None),
    ("aggregate mean (mean)", "entity.aggregate_mean", None),
    ("category mix (mean)", "entity.category_mix", None),
    ("Column Shapes", "aggregate.column_shapes", None),
    ("Column Pair Trends", "aggregate.column_pair_trends", None),
]


def load(dataset: str, rows: int, seed: int, berka_accounts: int):
    if dataset == "berka_transactions":
        # the shared data beside the checkout unless BENCHKIT_DATA_DIR names another folder
        ds = load_dataset(dataset, data_dir=os.environ.get("BENCHKIT_DATA_DIR") or ROOT.parent / "shared" / "data")
        data, schema = ds.data, ds.schema
        keep = pd.unique(data[schema.entity])[:berka_accounts]
        data = data[data[schema.entity].isin(keep)].reset_index(drop=True)
        return data, schema
    ds = load_dataset(dataset, n_rows=rows, seed=seed)
    return ds.data, ds.schema


def fit_sample(name: str, train: pd.DataFrame, schema, budget: float, seed: int) -> tuple[pd.DataFrame, dict]:
    info: dict = {}
    if name in ("wgan", "wgan_rows"):
        gen = plugins.get_generator("wgan").obj(max_seconds=budget, epochs=10_000, seed=seed, verbose=False)
        sch = schema if name == "wgan" else schema.without_roles()
    elif name == "sdv_par":
        gen = plugins.get_generator("sdv_par").obj(max_seconds=budget, seed=seed, device="cpu")
        sch = schema
    else:
        gen = plugins.get_generator(name).obj(seed=seed)
        sch = schema if name == "entity_bootstrap" else schema.without_roles()
    t0 = time.perf_counter()
    gen.fit(train.copy(), sch)
    info["fit_s"] = time.perf_counter() - t0
    if hasattr(gen, "training_summary"):
        summ = gen.training_summary()
        info["epochs"] = summ.get("epochs_done")
        if "profile" in summ:
            info["profile_epochs"] = summ["profile"].get("epochs_done")
    t0 = time.perf_counter()
    syn = gen.sample(len(train))
    info["sample_s"] = time.perf_counter() - t0
    return syn, info


def pick(scores: pd.DataFrame, metric: str, column: str | None) -> float:
    s = scores[scores["metric"] == metric]
    if column is not None:
        s = s[s["column"] == column]
    return float(s["value"].mean()) if len(s) else float("nan")


def run(dataset: str, args) -> pd.DataFrame:
    data, schema = load(dataset, args.rows, args.seed, args.berka_accounts)
    train, hold = split_train_holdout(data, 0.3, args.seed, schema.entity)
    print(f"{dataset}: {len(data):,} rows, {data[schema.entity].nunique():,} accounts; train {len(train):,} rows / "
          f"{train[schema.entity].nunique()} accounts, holdout {len(hold):,} rows / {hold[schema.entity].nunique()} "
          f"accounts; budget {args.budget:g} s per fit; torch threads {os.environ.get('BENCHKIT_THREADS', 'all')}",
          flush=True)
    names = [g for g in args.generators.split(",") if g]
    if "sdv_par" in names and importlib.util.find_spec("sdv") is None:
        print("  sdv_par: not run (sdv is not importable here; use the peer venv)")
        names.remove("sdv_par")
    out, infos = {}, {}
    for name in names:
        try:
            syn, info = fit_sample(name, train, schema, args.budget, args.seed)
        except MemoryError as exc:  # PAR's padded sequence tensors can outgrow the machine
            print(f"  {name}: failed, out of memory ({exc!s:.200})", flush=True)
            continue
        res = evaluate(train, syn, schema, holdout=hold, families=["entity", "marginal", "pairwise", "aggregate"],
                       seed=args.seed, references=False)
        out[name] = {label: pick(res.scores, m, c) for label, m, c in SHOWN}
        infos[name] = info
        print(f"  {name}: fit {info['fit_s']:.1f} s, sample {info['sample_s']:.1f} s, "
              f"epochs {info.get('epochs')}{'' if 'profile_epochs' not in info else ' (profile ' + str(info['profile_epochs']) + ')'}",
              flush=True)
        print(f"  {name} scores: " + json.dumps({k: round(v, 4) for k, v in out[name].items()}), flush=True)
    frame = pd.DataFrame(out)
    frame.loc["fit seconds"] = pd.Series({k: v["fit_s"] for k, v in infos.items()})
    frame.loc["epochs"] = pd.Series({k: v.get("epochs") for k, v in infos.items()})
    return frame


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="bank_transactions,berka_transactions")
    ap.add_argument("--rows", type=int, default=30_000, help="simulated transactions (bank_transactions)")
    ap.add_argument("--berka-accounts", type=int, default=450, help="first accounts of the Berka prefix kept")
    ap.add_argument("--budget", type=float, default=90.0, help="max_seconds of every budgeted fit")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generators", default=",".join(GENERATORS))
    ap.add_argument("--json", help="also write the tables to this JSON file")
    args = ap.parse_args()
    threads = os.environ.get("BENCHKIT_THREADS", "")
    if threads.isdigit():  # PAR uses torch's global pool; wgan reads BENCHKIT_THREADS itself
        import torch

        torch.set_num_threads(int(threads))
    tables = {}
    for dataset in args.dataset.split(","):
        frame = run(dataset, args)
        tables[dataset] = frame
        with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.3f}".format):
            print(f"\n{dataset}\n{frame.to_string()}\n", flush=True)
    if args.json:
        Path(args.json).write_text(json.dumps({k: json.loads(v.to_json()) for k, v in tables.items()}, indent=1))


if __name__ == "__main__":
    main()
