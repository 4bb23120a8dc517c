"""Cross-check the detection score against SDMetrics' LogisticDetection on Adult, same data, same process.

SDMetrics' definition: 3-fold stratified CV, per fold ``max(0.5, AUC) * 2 - 1``, score = 1 - mean.
benchkit's ``detection.logistic_score`` uses the same folds and formula; the encodings differ
(SDMetrics: HyperTransformer + median imputation + RobustScaler; benchkit: rank-scaled numbers and
scaled one-hot), and SDMetrics' folds are unseeded, so values agree closely, not exactly.
SDMetrics is an optional peer: run this with a Python that has it (e.g. /work/venv-sdmetrics).

    PYTHONPATH=$PWD /work/venv-sdmetrics/bin/python benchmarks/detection_vs_sdmetrics.py [--rows 5000]
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from benchkit.metrics import MetricContext  # noqa: E402
from benchkit.metrics.detection import lightgbm_detection, logistic_detection  # noqa: E402
from benchkit.schema import Schema  # noqa: E402

ADULT = ROOT.parent / "shared" / "data" / "adult" / "adult.data"
COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country",
    "income",
]


def main() -> None:
    import argparse

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=5000, help="real rows, and as many holdout rows (default 5000)")
    n = ap.parse_args().rows
    try:
        from sdmetrics.single_table import LogisticDetection
    except ImportError:
        print("MISSING sdmetrics in this Python; run with a Python that has it (e.g. /work/venv-sdmetrics/bin/python)")
        return
    if not ADULT.is_file():
        print(f"MISSING {ADULT}")
        return
    df = pd.read_csv(ADULT, header=None, names=COLUMNS, skipinitialspace=True, na_values="?")
    schema = Schema.infer(df)
    df = schema.coerce(df)
    rng = np.random.default_rng(0)
    order = rng.permutation(len(df))
    real, holdout = df.iloc[order[:n]].reset_index(drop=True), df.iloc[order[n:2 * n]]
    # SDMetrics' HyperTransformer refuses categories unseen in the real table: keep holdout rows without any
    seen = np.ones(len(holdout), dtype=bool)
    for c in schema.categorical:
        seen &= holdout[c].isin(real[c].dropna().unique()).to_numpy() | holdout[c].isna().to_numpy()
    holdout = holdout[seen].reset_index(drop=True)
    samples = {
        "holdout (fresh real rows)": holdout,
        "independent columns": pd.DataFrame({c: real[c].to_numpy()[rng.permutation(len(real))] for c in real}),
        "age + 10 years": holdout.assign(age=holdout["age"] + 10),
        "hours x 1.5": holdout.assign(**{"hours-per-week": holdout["hours-per-week"] * 1.5}),
    }
    metadata = {"columns": {c: {"sdtype": "numerical" if schema[c].kind == "numerical" else "categorical"} for c in COLUMNS}}
    print(f"{'synthetic sample':28s} {'SDMetrics LogisticDetection':>28s} {'benchkit logistic_score':>24s} {'benchkit lightgbm_score':>24s}")
    for name, syn in samples.items():
        t = time.perf_counter()
        sd = float(LogisticDetection.compute(real, syn, metadata))
        t_sd = time.perf_counter() - t
        ctx = MetricContext(real, syn, schema, seed=0)
        t = time.perf_counter()
        ours = {s.metric: s.value for s in logistic_detection(ctx) + lightgbm_detection(ctx)}
        t_ours = time.perf_counter() - t
        print(f"{name:28s} {sd:20.3f} ({t_sd:4.1f} s) {ours['detection.logistic_score']:24.3f} "
              f"{ours['detection.lightgbm_score']:24.3f}   ({t_ours:.1f} s both)")


if __name__ == "__main__":
    main()
