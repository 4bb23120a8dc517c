"""Quality and speed of ``wgan`` against the baselines and CTGAN, same data, same machine, same run.

Datasets: the Berka bank transactions (../shared/data/berka/trans.asc, whole days only, ids dropped,
``date`` parsed from YYMMDD) and UCI Adult (adult.data to train, adult.test as holdout).
Per generator it prints: training seconds (whole ``fit``), rows/s (training rows per second of the
training loop, without data-transformer fitting: wgan's rows fed to the critic / loop seconds, CTGAN's
rows x epochs / seconds of its epoch loop), Column Shapes, Column Pair Trends,
the category-combination score, TSTR utility and how many categories with >= 0.1% real frequency
come out within a factor of two of it.

Scores come from ``benchkit.evaluate`` when the metric modules are present; otherwise a small fallback
scorer in this file is used and the output says so (see :func:`fallback_scores`).

CTGAN (the ``ctgan`` package) runs when importable (install it in a separate venv and run this script
with that venv's python). It has no time budget of its own; its epoch loop gets the same
``--budget-seconds`` (counted from the start of fit) that ``wgan`` gets via ``max_seconds``: no epoch
starts after the deadline, though the last one may end after it.

    /work/venv-ctgan/bin/python benchmarks/wgan_quality.py --budget-seconds 300   # the issue's setting
    python benchmarks/wgan_quality.py --budget-seconds 60 --rows 30000 --datasets berka

The issue-18 acceptance run (every table, 3 seeds, two budgets, calibration on/off, TRTR, the SDV
peers; the peers need the peer venv, CTGAN the ctgan package):

    .ci/peer-venv/bin/python benchmarks/wgan_quality.py --datasets adult,bank_marketing,default_credit_card,berka \
        --seeds 0,1,2 --budgets 90,300 --calibration both --relabel both --trtr \
        --generators wgan,gaussian_copula,sdv_tvae,ctgan --json results.jsonl
    .ci/peer-venv/bin/python benchmarks/wgan_quality.py --datasets adult,bank_marketing,default_credit_card \
        --seeds 0,1,2 --epochs 30 --generators wgan,sdv_tvae --trtr          # then --epochs 300
"""

from __future__ import annotations

import argparse
import logging
import math
import sys
import time
import warnings
from pathlib import Path

import os

os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")  # before torch loads: same setting for wgan and CTGAN

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
for p in (ROOT, ROOT / "plugins"):
    if str(p) not in sys.path:
        sys.path.insert(0, str(p))

from benchkit import Schema  # noqa: E402
from benchkit import plugins  # noqa: E402
from benchkit.bench.spec import parse_params  # noqa: E402

DATA = next((d for d in (ROOT.parent / "shared" / "data", ROOT.parent.parent / "shared" / "data") if d.is_dir()),
            ROOT.parent / "shared" / "data")
ADULT_COLUMNS = ["age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
                 "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week",
                 "native-country", "income"]


# ------------------------------------------------------------------ data
def load_berka(rows: int | None, seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None, Schema, str]:
    df = pd.read_csv(DATA / "berka" / "trans.asc", sep=";")
    df = df[df["date"] < 941031]  # the last day of the prefix is incomplete (PROVENANCE.md)
    df = df.drop(columns=["trans_id", "account_id"])
    df["date"] = pd.to_datetime(df["date"].astype(str), format="%y%m%d")
    df = df.sample(frac=1.0, random_state=seed).reset_index(drop=True)
    hold = df.iloc[-10_000:].reset_index(drop=True)
    train = df.iloc[:-10_000].reset_index(drop=True)
    if rows:
        train = train.iloc[:rows]
    schema = Schema.infer(train, overrides={"account": "numerical"}, target="type")
    return train, hold, schema, "type"


def load_adult(rows: int | None, seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None, Schema, str]:
    kw = dict(header=None, names=ADULT_COLUMNS, skipinitialspace=True, na_values="?")
    train = pd.read_csv(DATA / "adult" / "adult.data", **kw)
    test = pd.read_csv(DATA / "adult" / "adult.test", skiprows=1, **kw)
    test["income"] = test["income"].str.rstrip(".")
    if rows:
        train = train.sample(n=min(rows, len(train)), random_state=seed).reset_index(drop=True)
    schema = Schema.infer(train, target="income")
    return train, test, schema, "income"


def _registered(name: str, target: str):
    """A registered benchkit dataset (read from DATA unless BENCHKIT_DATA_DIR says otherwise), shuffled by
    ``seed``; its last 5,000 rows are the real holdout for TSTR."""
    def load(rows: int | None, seed: int) -> tuple[pd.DataFrame, pd.DataFrame | None, Schema, str]:
        from benchkit.datasets import load_dataset

        os.environ.setdefault("BENCHKIT_DATA_DIR", str(DATA))
        ds = load_dataset(name)
        df = ds.data.sample(frac=1.0, random_state=seed).reset_index(drop=True)
        hold = df.iloc[-5_000:].reset_index(drop=True)
        train = df.iloc[:-5_000].reset_index(drop=True)
        if rows:
            train = train.iloc[:rows]
        return train, hold, ds.schema, ds.schema.target or target

    return load


DATASETS = {"berka": load_berka, "adult": load_adult,
            "bank_marketing": _registered("bank_marketing", "y"),
            "default_credit_card": _registered("default_credit_card", "default.payment.next.month")}
PEERS = {"sdv_tvae", "sdv_ctgan"}  # the SDV plugin's generators: run with the peer venv's python
# wgan's sampling settings side by side (--calibration, --relabel): one fit, sampled each way
WGAN_VARIANTS = {"wgan": {}, "wgan-nocal": {"calibrate": False}, "wgan-ownlabel": {"label_from_classifier": False}}


# --------------------------------------------------------------- scoring
def fallback_scores(real: pd.DataFrame, syn: pd.DataFrame, schema: Schema) -> dict[str, float]:
    """SDMetrics-style scores, used only when benchkit's metric modules are not present.

    Column Shapes: mean KS complement (numerical/datetime, non-missing values) or TV complement
    (categorical/boolean, missing as a category). Column Pair Trends: mean over *all* pairs (no
    association threshold) of 1 - |r_real - r_syn| / 2 for numerical pairs and of the contingency
    TV complement otherwise (numericals in 10 real-quantile bins, missing as a bin). Category
    combinations: 1 - TVD over the joint combinations of every categorical column.
    """
    cols = schema.scored_columns
    real, syn = schema.coerce(real[cols]), schema.coerce(syn[cols])

    def num(df, c):
        s = df[c]
        return (s.astype("int64").astype(float).where(s.notna()) if schema[c].kind == "datetime" else s.astype(float)).to_numpy()

    def codes(c):
        if schema[c].kind in ("numerical", "datetime"):
            r, s = num(real, c), num(syn, c)
            edges = np.unique(np.nanquantile(r, np.linspace(0, 1, 11)[1:-1])) if np.isfinite(r).any() else np.array([])
            f = lambda v: np.where(np.isnan(v), len(edges) + 1, np.searchsorted(edges, v))  # noqa: E731
            return f(r), f(s)
        both = pd.concat([real[c], syn[c]], ignore_index=True).astype(str)
        k, _ = pd.factorize(both, use_na_sentinel=False)
        return k[: len(real)], k[len(real):]

    def tvc(a, b):
        m = max(a.max(initial=0), b.max(initial=0)) + 1
        return 1 - 0.5 * np.abs(np.bincount(a, minlength=m) / len(a) - np.bincount(b, minlength=m) / len(b)).sum()

    shapes = []
    for c in cols:
        if schema[c].kind in ("numerical", "datetime"):
            from scipy.stats import ks_2samp

            r, s = num(real, c), num(syn, c)
            r, s = r[~np.isnan(r)], s[~np.isnan(s)]
            shapes.append(1 - ks_2samp(r, s).statistic if len(r) and len(s) else np.nan)
        else:
            shapes.append(tvc(*codes(c)))
    cc = {c: codes(c) for c in cols}
    pairs = []
    for i, a in enumerate(cols):
        for b in cols[i + 1:]:
            if all(schema[x].kind in ("numerical", "datetime") for x in (a, b)):
                def r_(df):
                    x, y = num(df, a), num(df, b)
                    ok = ~np.isnan(x) & ~np.isnan(y)
                    return np.corrcoef(x[ok], y[ok])[0, 1] if ok.sum() > 2 else np.nan
                pairs.append(1 - abs(r_(real) - r_(syn)) / 2)
            else:
                (ra, sa), (rb, sb) = cc[a], cc[b]
                m = max(rb.max(), sb.max()) + 1
                pairs.append(tvc(ra * m + rb, sa * m + sb))
    cats = schema.categorical
    if len(cats) >= 2:
        ra = np.zeros(len(real), dtype=np.int64)
        sa = np.zeros(len(syn), dtype=np.int64)
        for c in cats:
            r, s = cc[c]
            m = max(r.max(), s.max()) + 1
            ra, sa = ra * m + r, sa * m + s
        k, _ = pd.factorize(np.concatenate([ra, sa]))
        combo = tvc(k[: len(real)], k[len(real):])
    else:
        combo = math.nan
    return {"column_shapes": float(np.nanmean(shapes)), "column_pair_trends": float(np.nanmean(pairs)),
            "category_combinations": combo, "tstr": math.nan}


def category_rates(real: pd.DataFrame, syn: pd.DataFrame, schema: Schema) -> str:
    """How many categories with >= 0.1% real frequency the synthetic table has within 2x of it."""
    ok = total = 0
    for c in schema.categorical:
        r = real[c].astype(object).fillna("<NA>").astype(str).value_counts(normalize=True)
        s = syn[c].astype(object).fillna("<NA>").astype(str).value_counts(normalize=True).reindex(r.index).fillna(0.0)
        keep = r >= 0.001
        ok += int(((s[keep] >= r[keep] / 2) & (s[keep] <= r[keep] * 2)).sum())
        total += int(keep.sum())
    return f"{ok}/{total}"


PRIVACY = {"dcr_share": "privacy.dcr_share", "domias_auc": "privacy.mia_domias_auc",
           "mia_distance_auc": "privacy.mia_distance_auc", "exact_copies": "privacy.exact_copies",
           "target_inference_ratio": "privacy.attribute_inference_ratio"}  # the target is the sensitive column


def score(real, syn, schema, target, holdout, seed, privacy=False) -> tuple[dict[str, float], str]:
    try:
        from benchkit import evaluate
        res = evaluate(real, syn, schema, target=target, holdout=holdout, seed=seed,
                       families=["marginal", "pairwise", "aggregate", "utility"] + (["privacy"] if privacy else []),
                       references=False)  # the holdout's own level is the TRTR row (--trtr)
    except (ImportError, AttributeError, ModuleNotFoundError) as exc:
        return fallback_scores(real, syn, schema), f"fallback scorer ({type(exc).__name__}: benchkit.evaluate missing)"
    tstr = sorted((m for m in res.scores["metric"].unique() if str(m).startswith("utility.tstr")),
                  key=lambda m: (("auc" not in m), ("f1" not in m), m))  # prefer an AUC, then F1
    out = {
        "column_shapes": res.score("aggregate.column_shapes"),
        "column_pair_trends": res.score("aggregate.column_pair_trends"),
        "category_combinations": res.score("pairwise.category_combinations"),
        "tstr": res.scores.loc[res.scores["metric"] == tstr[0], "value"].astype(float).mean() if tstr else math.nan,
    }
    if privacy:
        for key, metric in PRIVACY.items():
            out[key] = res.scores.loc[res.scores["metric"] == metric, "value"].astype(float).mean()
    note = "benchkit.evaluate" + (f"; TSTR = {tstr[0]}" if tstr else " (no utility.tstr* metric registered)")
    return out, note


# ------------------------------------------------------------ generators
def run_registered(name, params, train, schema, n_sample, seed):
    factory = plugins.get_generator(name).obj
    gen = factory(**params, seed=seed)
    t = time.perf_counter()
    gen.fit(train, schema)
    fit_s = time.perf_counter() - t
    rows, loop_s = getattr(gen, "rows_seen_", None), getattr(gen, "train_seconds_", None)
    summary = gen.training_summary() if hasattr(gen, "training_summary") else {}
    epochs = getattr(gen, "epochs_done_", None) or summary.get("epochs_done")
    return gen.sample(n_sample), fit_s, (rows / loop_s if rows and loop_s else math.nan), epochs, summary, gen


def run_ctgan(train, schema, budget, n_sample, seed):
    import torch
    from ctgan import CTGAN

    discrete = list(schema.categorical)
    data = train[schema.scored_columns].copy()
    for c in schema.datetime:  # CTGAN models numbers; datetimes as int64 ns
        data[c] = data[c].astype("int64").where(data[c].notna())
    # CTGAN refuses missing numbers: an explicit indicator column + median fill (as RDT would do)
    gaps = [c for c in schema.numerical + schema.datetime if data[c].isna().any()]
    for c in gaps:
        data[c + "#missing"] = data[c].isna().map({True: "yes", False: "no"})
        data[c] = data[c].fillna(data[c].median() if data[c].notna().any() else 0.0)
        discrete.append(c + "#missing")
    for c in schema.categorical:  # CTGAN's one-hot encoder wants no NaN labels
        data[c] = data[c].astype(object).where(data[c].notna(), "__nan__")
    # CTGAN has no time budget: its epoch loop gets the SDV wrapper's (an epoch starts only when, at
    # the previous epoch's pace, it ends by the deadline), which counts from the start of fit,
    # transformer included, as wgan's max_seconds does; it also times the loop alone for rows/s
    from benchkit_sdv.generator import epoch_deadline

    torch.manual_seed(seed)
    model = CTGAN(epochs=10**6 if budget else 300)
    t = time.perf_counter()
    with epoch_deadline("CTGANSynthesizer", t + budget if budget else math.inf, "ctgan") as clock:
        model.fit(data, discrete)
    fit_s = time.perf_counter() - t
    epochs = clock.epochs
    per_epoch = (clock.end - clock.start) / max(epochs, 1)  # training loop only, no transformer
    syn = model.sample(n_sample)
    for c in gaps:
        syn[c] = syn[c].where(syn.pop(c + "#missing") == "no")
    for c in schema.datetime:
        syn[c] = pd.to_datetime(syn[c].round().astype("Int64"), unit="ns")
    for c in schema.categorical:
        syn[c] = syn[c].where(syn[c] != "__nan__")
    return syn, fit_s, len(train) / per_epoch, epochs


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--datasets", default="berka,adult")
    ap.add_argument("--generators", default="wgan,independent,gaussian_copula,bootstrap,ctgan")
    ap.add_argument("--budget-seconds", type=float, default=300.0, help="training budget of wgan and CTGAN")
    ap.add_argument("--budgets", default=None, help="several budgets, e.g. 90,300 (overrides --budget-seconds)")
    ap.add_argument("--epochs", type=int, default=None,
                    help="train wgan and the SDV peers for this many epochs instead of a time budget")
    ap.add_argument("--seeds", default=None, help="several seeds, e.g. 0,1,2 (overrides --seed)")
    ap.add_argument("--calibration", choices=["on", "off", "both"], default="on",
                    help="wgan's calibrate=True, False, or both side by side (wgan and wgan-nocal)")
    ap.add_argument("--relabel", choices=["on", "off", "both"], default="on",
                    help="wgan's label_from_classifier=True, False, or both side by side (wgan and "
                         "wgan-ownlabel: the same fit's targets drawn by the classifier or by the generator)")
    ap.add_argument("--privacy", action="store_true",
                    help="also score the privacy family (DCR share, DOMIAS and distance MIA AUCs, exact copies, "
                         "attribute inference of the target against its baseline)")
    ap.add_argument("--trtr", action="store_true", help="also score the real training rows (TRTR)")
    ap.add_argument("--json", default=None, help="append one JSON line per result to this file")
    ap.add_argument("--rows", type=int, default=None, help="limit training rows (default: all)")
    ap.add_argument("--sample-rows", type=int, default=None, help="synthetic rows (default: as many as training)")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--wgan", default="", help="extra wgan params in benchkit's parameter syntax, e.g. batch_size=2000,n_critic=2,calibrate=false")
    ap.add_argument("--debug", action="store_true", help="log tracebacks of failing generators")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.DEBUG if args.debug else logging.WARNING)
    warnings.filterwarnings("ignore")
    wgan_params = {"epochs": 100_000, "max_seconds": args.budget_seconds, "verbose": False,
                   **parse_params(args.wgan, "--wgan")}  # benchkit's one parameter syntax (TOML values)

    results = []
    budgets = [float(b) for b in args.budgets.split(",")] if args.budgets else [args.budget_seconds]
    seeds = [int(x) for x in args.seeds.split(",")] if args.seeds else [args.seed]
    names = args.generators.split(",")
    if "wgan" in names and args.calibration != "on":
        at = names.index("wgan")
        names[at:at + 1] = ["wgan", "wgan-nocal"] if args.calibration == "both" else ["wgan-nocal"]
    if "wgan" in names and args.relabel != "on":
        at = names.index("wgan")
        names[at:at + 1] = ["wgan", "wgan-ownlabel"] if args.relabel == "both" else ["wgan-ownlabel"]
    if args.trtr:
        names = ["trtr"] + names
    for ds in args.datasets.split(","):
      for seed in seeds:
        train, hold, schema, target = DATASETS[ds](args.rows, seed)
        n_sample = args.sample_rows or len(train)
        for budget in ([None] if args.epochs else budgets):
          what = f"{args.epochs} epochs" if args.epochs else f"budget {budget:.0f}s"
          print(f"\n== {ds} seed {seed}: {len(train):,} training rows x {train.shape[1]} columns; "
                f"{what}; scoring {n_sample:,} synthetic rows", flush=True)
          fitted_wgan = None
          for name in names:
            if budget != budgets[0] and name in ("trtr", "independent", "gaussian_copula", "bootstrap"):
                continue  # no training budget: scored once per seed
            summary = {}
            try:
                if name == "trtr":
                    syn, fit_s, rps, epochs = train, 0.0, math.nan, None
                elif name == "ctgan":
                    try:
                        import ctgan  # noqa: F401
                    except ImportError:
                        print("  ctgan: not installed here (pip install ctgan in a separate venv); skipped")
                        continue
                    syn, fit_s, rps, epochs = run_ctgan(train, schema, budget, n_sample, seed)
                else:
                    base = name.split("-")[0]
                    try:
                        plugins.get_generator(base)
                    except Exception as exc:
                        print(f"  {name}: not registered here ({exc.__class__.__name__}; the SDV peers need the "
                              "peer venv's python); skipped")
                        continue
                    if base == "wgan":
                        params = dict(wgan_params, **WGAN_VARIANTS[name])
                    elif base in PEERS:
                        params = {"verbose": False}
                    else:
                        params = {}
                    if base == "wgan" or base in PEERS:
                        if args.epochs:
                            params.update(epochs=args.epochs, max_seconds=None)
                        else:
                            params.update(max_seconds=budget)
                            params.setdefault("epochs", 100_000)
                    if name in ("wgan-nocal", "wgan-ownlabel") and fitted_wgan is not None:
                        # the networks just trained, sampled without the calibration or with the generator's
                        # own targets: training depends on neither, so this is a fit of the same seed with
                        # that setting, without the time-budget noise of a second fit (tests/test_wgan.py
                        # checks both equalities)
                        gen, (fit_s, rps, epochs, summary), fitted_settings = fitted_wgan
                        for attr, value in {**fitted_settings, **WGAN_VARIANTS[name]}.items():
                            setattr(gen, attr, value)
                        syn = gen.sample(n_sample)
                    else:
                        syn, fit_s, rps, epochs, summary, gen = run_registered(base, params, train, schema, n_sample, seed)
                        if name == "wgan":  # its sampling settings as fitted, restored under each variant's
                            fitted_wgan = (gen, (fit_s, rps, epochs, summary),
                                           {a: getattr(gen, a) for v in WGAN_VARIANTS.values() for a in v})
                sc, note = score(train, syn, schema, target, hold, seed, privacy=args.privacy)
            except Exception as exc:  # one failing generator never stops the benchmark
                print(f"  {name}: FAILED {type(exc).__name__}: {exc}")
                logging.getLogger("wgan_quality").debug("traceback", exc_info=True)
                continue
            row = {"dataset": ds, "seed": seed, "budget_s": budget, "epochs_planned": args.epochs, "generator": name,
                   "fit_s": fit_s, "rows_per_s": rps, "epochs": epochs, **sc,
                   "rates_2x": category_rates(train, syn, schema),
                   "best_epoch": summary.get("best_epoch"), "stopped": summary.get("stopped_because"),
                   "classifier_epoch": (summary.get("label_classifier") or {}).get("best_epoch")}
            results.append(row)
            print(f"  {name:16s} fit {fit_s:7.1f}s  rows/s {rps:9.0f}  epochs {epochs!s:>5}  shapes {sc['column_shapes']:.3f}  "
                  f"pair trends {sc['column_pair_trends']:.3f}  cat combos {sc['category_combinations']:.3f}  "
                  f"TSTR {sc['tstr']:.3f}  cats>=0.1% within 2x {row['rates_2x']}  best epoch {row['best_epoch']}  "
                  f"classifier epoch {row['classifier_epoch']}  "
                  f"[{note}]", flush=True)
            if args.privacy:
                print("  " + " " * 16 + "  privacy: " + "  ".join(f"{k} {sc.get(k, math.nan):.3f}" for k in PRIVACY), flush=True)
            if args.json:
                import json

                with open(args.json, "a") as fh:
                    fh.write(json.dumps({k: (None if isinstance(v, float) and math.isnan(v) else v)
                                         for k, v in row.items()}, default=str) + "\n")
          sub = [r for r in results if r["dataset"] == ds and r["seed"] == seed and r["budget_s"] == budget]
          w = next((r for r in sub if r["generator"] == "wgan"), None)
          c = next((r for r in sub if r["generator"] == "ctgan"), None)
          if w and c:
              print(f"  wgan / CTGAN training rows per second: {w['rows_per_s'] / c['rows_per_s']:.1f}x")
    if results:
        print("\n" + pd.DataFrame(results).round(4).to_string(index=False))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
