"""How fast ``wgan`` learns the relationships: TSTR ROC AUC after a number of epochs.

For each table (a registered benchkit dataset: set BENCHKIT_DATA_DIR), a sample of ``--rows``
training rows and a disjoint real holdout of ``--holdout`` rows are drawn; ``wgan`` is fitted
with ``epochs=k`` for each k of ``--epochs`` (same seed, so run k is the first k epochs of a
longer run only when the schedule does not depend on ``epochs``) and scored by TSTR: a LightGBM
classifier (100 trees, categoricals native) trained on as many synthetic rows as real training
rows, ROC AUC on the real holdout. TRTR (the same classifier trained on the real rows) and
``gaussian_copula`` are printed for reference.

    python benchmarks/wgan_epochs.py --datasets adult --rows 10000 --epochs 1,2,5,10,20,30
    python benchmarks/wgan_epochs.py --wgan calibrate=false        # any wgan parameter (TOML values)
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "plugins", ROOT / "datasets"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))
DATA = next((d for d in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if d.is_dir()),
            ROOT.parent / "shared" / "data")
os.environ.setdefault("BENCHKIT_DATA_DIR", str(DATA))  # the registered datasets read their files here


def split(name: str, rows: int, holdout: int, seed: int):
    from benchkit.datasets import load_dataset

    ds = load_dataset(name)
    df = ds.data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    hold = df.iloc[-holdout:].reset_index(drop=True)
    train = df.iloc[: min(rows, len(df) - holdout)].reset_index(drop=True) if rows else df.iloc[:-holdout].reset_index(drop=True)
    return train, hold, ds.schema


def _frame(df: pd.DataFrame, schema, target: str, cats: dict[str, list]) -> tuple[pd.DataFrame, np.ndarray, list]:
    feats = [c for c in schema.scored_columns if c != target]
    X = pd.DataFrame(index=df.index)
    for c in feats:
        kind = schema[c].kind
        if kind in ("numerical",):
            X[c] = pd.to_numeric(df[c], errors="coerce").astype(float)
        elif kind == "datetime":
            X[c] = pd.to_datetime(df[c]).astype("int64").astype(float)
        else:
            X[c] = pd.Categorical(df[c].astype(object).where(df[c].notna(), "<NA>").astype(str), categories=cats[c])
    y = df[target].astype(object).where(df[target].notna(), "<NA>").astype(str).to_numpy()
    return X, y, feats


def tstr_auc(syn: pd.DataFrame, real_train: pd.DataFrame, hold: pd.DataFrame, schema, seed: int = 0, threads: int = 1) -> float:
    """LightGBM trained on ``syn`` (100 trees), ROC AUC on ``hold`` (binary target; macro one-vs-rest else)."""
    import lightgbm as lgb
    from sklearn.metrics import roc_auc_score

    target = schema.target
    cats = {}
    for c in schema.scored_columns:
        if c != target and schema[c].kind not in ("numerical", "datetime"):
            vals = pd.concat([real_train[c], hold[c]]).astype(object)
            cats[c] = sorted(vals.where(vals.notna(), "<NA>").astype(str).unique())
    Xs, ys, _ = _frame(syn, schema, target, cats)
    Xh, yh, _ = _frame(hold, schema, target, cats)
    classes = sorted(set(yh))
    if len(set(ys)) < 2:
        return 0.5
    model = lgb.LGBMClassifier(n_estimators=100, learning_rate=0.1, num_leaves=31, verbose=-1,
                               n_jobs=threads, random_state=seed)
    model.fit(Xs, ys)
    proba = model.predict_proba(Xh)
    if len(classes) == 2:
        pos = classes[1]
        col = list(model.classes_).index(pos) if pos in model.classes_ else None
        return float(roc_auc_score(yh == pos, proba[:, col])) if col is not None else 0.5
    full = np.zeros((len(yh), len(classes)))
    for j, c in enumerate(model.classes_):
        if c in classes:
            full[:, classes.index(c)] = proba[:, j]
    full = full / np.clip(full.sum(1, keepdims=True), 1e-12, None)
    return float(roc_auc_score(yh, full, multi_class="ovr", labels=classes))


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="adult")
    ap.add_argument("--rows", type=int, default=10_000)
    ap.add_argument("--holdout", type=int, default=5_000)
    ap.add_argument("--epochs", default="1,2,5,10,20,30")
    ap.add_argument("--seeds", default="0")
    ap.add_argument("--wgan", default="", help="extra wgan params in benchkit's parameter syntax, e.g. calibrate=false,batch_size=500")
    ap.add_argument("--label", default="")
    ap.add_argument("--generator", default="wgan", help="wgan, or a registered generator with an epochs parameter "
                    "(sdv_tvae, sdv_ctgan: run with the peer venv's python)")
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--copula", action="store_true", help="also score gaussian_copula and TRTR")
    ap.add_argument("--json", default=None, help="append one JSON line per result to this file")
    args = ap.parse_args(argv)
    from benchkit.bench.spec import parse_params
    from benchkit.generator import THREADS_ENV

    os.environ[THREADS_ENV] = str(args.threads)  # wgan sizes torch's pool from the job's budget
    import torch

    torch.set_num_threads(args.threads)
    from benchkit import plugins
    from benchkit_wgan import WGANGenerator

    extra = parse_params(args.wgan, "--wgan")  # benchkit's one parameter syntax (TOML values)
    out = []
    for name in args.datasets.split(","):
        for seed in [int(s) for s in args.seeds.split(",")]:
            train, hold, schema = split(name, args.rows, args.holdout, seed)
            if args.copula:
                trtr = tstr_auc(train, train, hold, schema, seed, args.threads)
                t = time.perf_counter()
                cop = plugins.get_generator("gaussian_copula").obj(seed=seed).fit(train, schema)
                fit_s = time.perf_counter() - t
                auc = tstr_auc(cop.sample(len(train)), train, hold, schema, seed, args.threads)
                for gen_name, a, s in (("TRTR", trtr, 0.0), ("gaussian_copula", auc, fit_s)):
                    rec = dict(dataset=name, seed=seed, generator=gen_name, epochs=None, tstr=round(a, 4), fit_s=round(s, 2))
                    print(json.dumps(rec), flush=True)
                    out.append(rec)
            for k in [int(e) for e in args.epochs.split(",")]:
                if args.generator == "wgan":
                    params = dict(epochs=k, seed=seed, verbose=False, device="cpu")
                    params.update(extra)
                    gen = WGANGenerator(**params)
                else:
                    gen = plugins.get_generator(args.generator).obj(epochs=k, seed=seed, **extra)
                t = time.perf_counter()
                gen.fit(train, schema)
                fit_s = time.perf_counter() - t
                syn = gen.sample(len(train))
                auc = tstr_auc(syn, train, hold, schema, seed, args.threads)
                h = (getattr(gen, "history_", None) or [{}])[-1]
                tr = gen.training_summary() if hasattr(gen, "training_summary") else {}
                rec = dict(dataset=name, seed=seed, generator=args.generator + (f"[{args.label}]" if args.label else ""),
                           epochs=k, tstr=round(auc, 4), fit_s=round(fit_s, 2),
                           rows_per_s=round(tr["rows_seen"] / max(tr["train_s"], 1e-9)) if "rows_seen" in tr else None,
                           loss_c=h.get("loss_c"), loss_g=h.get("loss_g"), loss_cond=h.get("loss_cond"),
                           best_epoch=tr.get("best_epoch"), stopped=tr.get("stopped_because"), params=extra)
                print(json.dumps(rec), flush=True)
                out.append(rec)
    if args.json:
        with open(args.json, "a") as fh:
            for rec in out:
                fh.write(json.dumps(rec) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
