"""Entity scores on ``bank_transactions``: the ceiling, the row generators and the holdout reference; and
the 1M-row CLI timing of the entity family.

Loads the simulator (``--rows``, default 100,000: about 450 accounts; ``--dataset berka_transactions``
for the real Berka prefix, whole accounts), splits it 70/30 *by account*
(seed 0), fits each generator on the training accounts (a generator that declares ``entity_support``
gets the entity roles; the others get the schema without them, as in a benchmark job), samples as many
rows as the training part and scores the sample with ``benchkit.evaluate(families=["entity"])`` against
the training accounts, the holdout accounts being the holdout. Generators:

* ``entity_bootstrap``: whole training histories under fresh ids (the ceiling; must be flagged by
  entity-level privacy);
* ``bootstrap``, ``independent``, ``gaussian_copula``: the row baselines (fresh account id per row);
* ``row_shuffle``: the training rows with their account ids permuted across rows (sizes kept, histories
  mixed: what a row-level generator that reuses real ids does);
* ``holdout``: the holdout reference (one half of the holdout accounts scored as the sample, the other
  half as the holdout).

The table has one column per generator and one row per entity metric (per-column metrics averaged over
their columns). Then, unless ``--no-cli``, it writes two simulated 1,000,000-row tables (seeds 0 and 1;
about 4,500 accounts each) and times ``benchkit evaluate real.csv synthetic.csv --entity account_id
--order date --families entity`` as a subprocess (wall seconds, the CSV reading included), ``--cli-repeat``
times; ``--full-cli`` also times the same command without ``--families`` (every family).

    PYTHONPATH=$PWD:$PWD/plugins:$PWD/datasets python benchmarks/entity_scores.py [--rows 100000] [--cli-rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path[:0] = [str(ROOT), str(ROOT / "plugins"), str(ROOT / "datasets")]

from benchkit import evaluate, plugins  # noqa: E402
from benchkit.bench.job import _reference_sample  # noqa: E402
from benchkit.bench.prepare import split_train_holdout  # noqa: E402
from benchkit.datasets import load_dataset  # noqa: E402
from benchkit.generator import schema_for_generator  # noqa: E402

GENERATORS = ("entity_bootstrap", "bootstrap", "independent", "gaussian_copula", "row_shuffle", "holdout")


class _Holdout:
    def __init__(self, holdout, schema):
        self.holdout, self.schema = holdout, schema


def sample(name: str, train: pd.DataFrame, hold: pd.DataFrame, schema, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """(synthetic, holdout) for one generator."""
    if name == "holdout":
        return _reference_sample(_Holdout(hold, schema), seed)
    if name == "row_shuffle":
        out = train.reset_index(drop=True).copy()
        out[schema.entity] = np.random.default_rng(seed).permutation(out[schema.entity].to_numpy())
        return out, hold
    gen = plugins.get_generator(name).obj(seed=seed)
    gen.fit(train.copy(), schema_for_generator(gen, schema))
    return gen.sample(len(train)), hold


def table(dataset: str, rows: int, seed: int, generators: list[str]) -> pd.DataFrame:
    ds = load_dataset(dataset, n_rows=rows, seed=seed)
    schema = ds.schema
    train, hold = split_train_holdout(ds.data, 0.3, seed, schema.entity)
    print(f"{dataset}: {len(ds.data):,} rows, {ds.data[schema.entity].nunique():,} accounts; train "
          f"{len(train):,} rows / {train[schema.entity].nunique()} accounts, holdout {len(hold):,} rows / "
          f"{hold[schema.entity].nunique()} accounts (split by account)")
    out = {}
    flags = {}
    for name in generators:
        t0 = time.perf_counter()
        syn, h = sample(name, train, hold, schema, seed)
        res = evaluate(train, syn, schema, holdout=h, families=["entity"], seed=seed, references=False)
        s = res.scores
        for sk in res.skipped:
            print(f"  {name}: {sk.metric} not run: {sk.reason}")
        per = s.groupby("metric", sort=False)["value"].mean()
        out[name] = per
        fl = s.loc[s["metric"] == "entity.profile_dcr_protection", "details"]
        flags[name] = bool(fl.iloc[0].get("flagged")) if len(fl) else None
        print(f"  {name}: {time.perf_counter() - t0:.1f} s")
    frame = pd.DataFrame(out)
    frame.loc["privacy flagged"] = pd.Series(flags)
    return frame


def cli_timing(rows: int, repeat: int, full: bool) -> None:
    sys.path.insert(0, str(ROOT / "datasets"))
    from benchkit_datasets.bank_transactions import simulator

    with tempfile.TemporaryDirectory() as tmp:
        real, syn = Path(tmp) / "real.csv", Path(tmp) / "synthetic.csv"
        for seed, path in ((0, real), (1, syn)):
            df = simulator.simulate(n_rows=rows, seed=seed)
            df.to_csv(path, index=False)
        print(f"\n1M-row CLI timing: two simulated tables of {rows:,} rows, "
              f"{df['account_id'].nunique():,} accounts each (os.cpu_count() = {os.cpu_count()}, "
              f"load average {os.getloadavg()[0]:.2f})")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(ROOT), str(ROOT / "plugins"), str(ROOT / "datasets")])}
        cmds = [("entity family", ["--families", "entity"])] + ([("every family", [])] if full else [])
        for what, extra in cmds:
            cmd = [sys.executable, "-m", "benchkit", "evaluate", str(real), str(syn), "--entity", "account_id",
                   "--order", "date", *extra]
            times = []
            for _ in range(repeat):
                t0 = time.perf_counter()
                done = subprocess.run(cmd, env=env, capture_output=True, text=True)
                times.append(time.perf_counter() - t0)
                if done.returncode != 0:
                    print(done.stdout[-2000:], done.stderr[-2000:])
                    raise SystemExit(f"the CLI failed ({what})")
            print(f"  benchkit evaluate real.csv synthetic.csv --entity account_id --order date {' '.join(extra)}: "
                  f"{', '.join(f'{t:.2f}' for t in times)} s (best {min(times):.2f} s)")
            lines = [line for line in done.stdout.splitlines() if "entity." in line]
            print(f"  entity score lines printed: {len(lines)}; e.g. {lines[0].strip() if lines else '-'}")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dataset", default="bank_transactions",
                    help="a registered dataset with entity roles (berka_transactions needs BENCHKIT_DATA_DIR)")
    ap.add_argument("--rows", type=int, default=100_000, help="transactions for the score table")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--generators", default=",".join(GENERATORS))
    ap.add_argument("--cli-rows", type=int, default=1_000_000)
    ap.add_argument("--cli-repeat", type=int, default=3)
    ap.add_argument("--no-cli", action="store_true", help="skip the CLI timing")
    ap.add_argument("--full-cli", action="store_true", help="also time the CLI with every family")
    args = ap.parse_args()
    frame = table(args.dataset, args.rows, args.seed, args.generators.split(","))
    with pd.option_context("display.width", 200, "display.max_columns", 20, "display.float_format", "{:.4f}".format):
        print("\nentity scores (mean over columns for per-column metrics; entity.profile_copies: lower is better)")
        print(frame.to_string())
    if not args.no_cli:
        cli_timing(args.cli_rows, args.cli_repeat, args.full_cli)


if __name__ == "__main__":
    main()
