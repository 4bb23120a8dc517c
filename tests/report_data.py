"""Build small results folders for the report tests from real computations.

The frames come from a seeded process shaped like bank transactions; the generators are real (if
simple) samplers; the scores come from :func:`benchkit.evaluate` on those frames and are stored
through :class:`benchkit.bench.results.ResultStore`, exactly as the runner stores them.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchkit import Schema
from benchkit.metrics import Score
from benchkit.bench.results import REFERENCE_GENERATOR, ResultStore, RunRecord, run_id_for

EVIL = "<script>alert(1)</script>"


def make_frame(n: int, seed: int, names: dict[str, str] | None = None, evil_values: bool = False) -> pd.DataFrame:
    """A transaction-like table: amount, balance (correlated), type, k_symbol, date, a binary target."""
    rng = np.random.default_rng(seed)
    kind = rng.choice(["credit", "debit", "withdrawal"], size=n, p=[0.4, 0.45, 0.15])
    amount = np.exp(rng.normal(6, 1.2, n)) * np.where(kind == "credit", 1.5, 1.0)
    balance = 20_000 + 3.0 * amount + rng.normal(0, 4000, n)
    symbol = rng.choice(["pension", "insurance", "household", "none"], size=n, p=[0.2, 0.1, 0.3, 0.4])
    if evil_values:
        symbol = np.where(symbol == "insurance", EVIL, np.where(symbol == "pension", 'quote"s & \'apos\' <b>', symbol))
        symbol = np.where(symbol == "household", "Haushalt – Größe ✓ 中文", symbol)
    date = pd.Timestamp("1995-01-01") + pd.to_timedelta(rng.integers(0, 3 * 365, n), unit="D")
    rich = np.where((balance + rng.normal(0, 3000, n)) > 26_000, "rich", "standard")
    df = pd.DataFrame({"amount": amount.round(2), "balance": balance.round(2), "type": kind, "k_symbol": symbol,
                       "date": date, "rich": rich})
    return df.rename(columns=names or {})


def sample_independent(real: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: real[c].to_numpy()[rng.integers(0, len(real), n)] for c in real.columns})


def sample_bootstrap(real: pd.DataFrame, n: int, seed: int) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return real.iloc[rng.integers(0, len(real), n)].reset_index(drop=True)


def sample_noisy(real: pd.DataFrame, n: int, seed: int, numeric: list[str]) -> pd.DataFrame:
    out = sample_bootstrap(real, n, seed + 1000)
    rng = np.random.default_rng(seed)
    for c in numeric:
        out[c] = out[c] * np.exp(rng.normal(0, 0.4, n))
    return out


def compute_scores(real: pd.DataFrame, syn: pd.DataFrame, holdout: pd.DataFrame, schema: Schema, seed: int,
                   families: list[str] | None = None) -> list[Score]:
    """Every registered metric, computed by :func:`benchkit.evaluate` as the runner computes it."""
    from benchkit import evaluate

    result = evaluate(real, syn, schema, target=schema.target, holdout=holdout, seed=seed, families=families)
    rows = result.scores.astype(object).where(result.scores.notna(), None)
    return [Score(r["metric"], r["value"], r["column"], r["column_2"], bool(r["higher_is_better"]),
                  r["details"] or {}, family=r["family"]) for r in rows.to_dict("records")]


def build_results(folder, *, n: int = 2000, seeds=(0, 1), evil: bool = False, failure: bool = True,
                  families: list[str] | None = None, dataset: str | None = None, data_seed: int = 1,
                  extra: bool = False) -> ResultStore:
    """A results folder: three generators x ``seeds``, the holdout reference, one failed job.

    Called again on the same folder with another ``dataset`` name (and ``data_seed``), it adds a dataset;
    ``extra`` adds two generators that never see the training rows and so pass the privacy gate: ``fresh``
    (new draws from the process that made the real data) and ``fresh_noisy`` (the same with noisy numbers).
    """
    names = {"amount": f"amount {EVIL}", "k_symbol": f'k_symbol "quoted" ünïcødé {EVIL}'} if evil else None
    real = make_frame(n, data_seed, names, evil_values=evil)
    holdout = make_frame(n // 2, data_seed + 1, names, evil_values=evil)
    target = "rich"
    schema = Schema.infer(real, target=target)
    dataset = dataset or ("bank <i>mini</i>" if evil else "bank-mini")
    store = ResultStore(folder)
    store.write_manifest({
        "spec": {"datasets": [dataset], "generators": ["independent", "bootstrap", "noisy"], "seeds": list(seeds)},
        "machine": {"cpus": 2, "python": "3.11"},
        "versions": {"benchkit": "0.1.0", "pandas": pd.__version__},
    })
    store.save_real(dataset, real, schema, {"description": f"test data {EVIL}", "target": target})
    numeric = schema.numerical
    samplers = {
        "independent": lambda s: sample_independent(real, n, s),
        "bootstrap": lambda s: sample_bootstrap(real, n, s),
        "noisy": lambda s: sample_noisy(real, n, s, numeric),
    }
    if extra:
        def fresh(s: int, sigma: float) -> pd.DataFrame:
            out = make_frame(n, 1000 + 7 * s + data_seed, names, evil_values=evil)
            noise = np.exp(np.random.default_rng(s).normal(0, sigma, (n, len(numeric))))
            return out.assign(**{c: out[c] * noise[:, i] for i, c in enumerate(numeric)})
        samplers["fresh"] = lambda s: fresh(s, 0.0)
        samplers["fresh_noisy"] = lambda s: fresh(s, 0.5)
    for seed in seeds:
        for gen, sampler in samplers.items():
            syn = sampler(seed)
            rid = run_id_for(dataset, "sha", gen, {}, seed)
            store.save_sample(rid, syn)
            run = RunRecord(run_id=rid, dataset=dataset, generator=gen, seed=seed, status="ok",
                            fit_s=0.1 * (seed + 1), sample_s=0.01, peak_rss_mb=150.0 + seed, n_train=n, n_synthetic=n)
            store.append(run, compute_scores(real, syn, holdout, schema, seed, families))
        rid = run_id_for(dataset, "sha", REFERENCE_GENERATOR, {}, seed)
        ref = RunRecord(run_id=rid, dataset=dataset, generator=REFERENCE_GENERATOR, seed=seed, status="ok", is_reference=True)
        store.append(ref, compute_scores(real, holdout, holdout, schema, seed, families))
    if failure:
        rid = run_id_for(dataset, "sha", "broken", {}, 0)
        store.append(RunRecord(run_id=rid, dataset=dataset, generator="broken", seed=0, status="failed",
                               error=f"ValueError: column {EVIL} exploded",
                               traceback=f"Traceback (most recent call last):\n  File \"x.py\", line 1\nValueError: {EVIL}"))
    return store
