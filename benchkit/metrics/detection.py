"""Detection metrics: a classifier two-sample test that tries to tell real rows from synthetic ones.

Real training rows (``ctx.real``, label 0) and synthetic rows (label 1) are subsampled to the same
number, at most ``options["detection_max_rows"]`` (default 10,000) per side, seeded; a classifier is
cross-validated on them with stratified k-fold (``options["detection_folds"]``, default 3, as
SDMetrics' ``LogisticDetection``). For each fold the ROC AUC of the held-out predictions is computed
and turned into a score ``1 - 2 * max(AUC - 0.5, 0)``; both are averaged over the folds.

``detection.lightgbm_auc`` / ``detection.logistic_auc`` (lower is better; 0.5 = indistinguishable)
    Mean out-of-fold ROC AUC of LightGBM (numericals as numbers, categoricals as LightGBM
    categoricals) or of a logistic regression on the mixed-type encoding
    (:mod:`benchkit.metrics._engine.mixed_encoding`).
``detection.lightgbm_score`` / ``detection.logistic_score`` (higher is better; 1 = indistinguishable)
    Mean of ``1 - 2 * max(AUC - 0.5, 0)`` over the folds, SDMetrics' ``LogisticDetection``
    definition (``1 - (max(AUC, 0.5) * 2 - 1)``). An AUC below 0.5 (worse than chance) counts as 1.
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import DataError
from ..hookspecs import hookimpl
from ..schema import Schema, label_keys
from . import MetricContext, Score
from ._engine.mixed_encoding import MISSING, MixedEncoder, as_number

log = logging.getLogger(__name__)

MAX_ROWS = 10_000
FOLDS = 3


def lgbm_matrix(frames: list[pd.DataFrame], schema: Schema, columns: list[str]) -> tuple[list[np.ndarray], list[int]]:
    """Encode frames for LightGBM with shared category codes: numbers as float, categories as codes.

    Returns one float64 matrix per frame and the indices of the categorical columns. Category codes
    are assigned over the union of the frames' values (missing stays NaN), so they agree across frames.
    """
    mats = [np.empty((len(f), len(columns)), dtype=np.float64) for f in frames]
    cat_idx = []
    for j, name in enumerate(columns):
        kind = schema[name].kind
        if kind in ("categorical", "boolean"):
            cat_idx.append(j)
            # keys of each frame's distinct labels, then one gather per row (no per-row key objects)
            parts = []
            for f in frames:
                raw, labels = pd.factorize(f[name])
                keys = label_keys(labels).astype(str)
                # the missing key takes a code too when present (as it always did), so codes stay the same
                parts.append((raw, np.append(keys, MISSING) if (raw < 0).any() else keys))
            uniq = pd.Index(np.unique(np.concatenate([k for _, k in parts])))
            for m, (raw, keys) in zip(mats, parts):
                lookup = np.append(uniq.get_indexer(keys[: len(keys) - (keys[-1:] == MISSING).sum()]).astype(np.float64),
                                   np.nan)  # raw -1 (missing): the last entry, NaN
                m[:, j] = lookup[raw]
        else:
            for m, f in zip(mats, frames):
                m[:, j] = as_number(f[name], kind)
    return mats, cat_idx


def _balanced_sample(ctx: MetricContext) -> tuple[pd.DataFrame, pd.DataFrame]:
    cap = int(ctx.options.get("detection_max_rows", MAX_ROWS))
    n = min(len(ctx.real), len(ctx.synthetic), cap)
    if n < FOLDS * 2:
        raise DataError(
            f"detection needs at least {FOLDS * 2} real and synthetic rows, got {len(ctx.real)} and "
            f"{len(ctx.synthetic)}; sample more rows"
        )
    rng = np.random.default_rng(ctx.seed)
    real = ctx.real.iloc[np.sort(rng.choice(len(ctx.real), n, replace=False))]
    syn = ctx.synthetic.iloc[np.sort(rng.choice(len(ctx.synthetic), n, replace=False))]
    return real, syn


def _cross_validated(
    X: np.ndarray, y: np.ndarray, make_model: Callable[[], Any], folds: int, seed: int, fit_kw: dict | None = None
) -> tuple[list[float], list[float]]:
    from sklearn.metrics import roc_auc_score
    from sklearn.model_selection import StratifiedKFold

    aucs, scores = [], []
    for tr, te in StratifiedKFold(n_splits=folds, shuffle=True, random_state=seed).split(X, y):
        model = make_model()
        model.fit(X[tr], y[tr], **(fit_kw or {}))
        auc = float(roc_auc_score(y[te], model.predict_proba(X[te])[:, 1]))
        aucs.append(auc)
        scores.append(1.0 - 2.0 * max(auc - 0.5, 0.0))
    return aucs, scores


def _rows(prefix: str, aucs: list[float], scores: list[float], n: int, folds: int) -> list[Score]:
    details = {"fold_auc": aucs, "n_per_side": n, "folds": folds}
    return [
        Score(f"detection.{prefix}_auc", float(np.mean(aucs)), higher_is_better=False, details=details),
        Score(f"detection.{prefix}_score", float(np.mean(scores)), higher_is_better=True, details=details),
    ]


def lightgbm_detection(ctx: MetricContext) -> list[Score]:
    """Cross-validated LightGBM real-vs-synthetic AUC and its 1-is-indistinguishable score."""
    import lightgbm as lgb

    real, syn = _balanced_sample(ctx)
    cols = ctx.schema.scored_columns
    folds = int(ctx.options.get("detection_folds", FOLDS))
    (Xr, Xs), cat_idx = lgbm_matrix([real, syn], ctx.schema, cols)
    X = np.vstack([Xr, Xs])
    y = np.r_[np.zeros(len(Xr), dtype=int), np.ones(len(Xs), dtype=int)]

    def make():
        return lgb.LGBMClassifier(
            n_estimators=100, learning_rate=0.1, num_leaves=31, n_jobs=int(ctx.options.get("n_jobs", 1)),
            verbose=-1, random_state=ctx.seed,
        )

    aucs, scores = _cross_validated(X, y, make, folds, ctx.seed, {"categorical_feature": cat_idx})
    return _rows("lightgbm", aucs, scores, len(real), folds)


def logistic_detection(ctx: MetricContext) -> list[Score]:
    """Cross-validated logistic-regression real-vs-synthetic AUC on the mixed-type encoding."""
    from sklearn.linear_model import LogisticRegression

    real, syn = _balanced_sample(ctx)
    folds = int(ctx.options.get("detection_folds", FOLDS))
    enc = MixedEncoder(ctx.schema, ctx.schema.scored_columns).fit(pd.concat([real, syn], ignore_index=True))
    X = np.vstack([enc.transform(real), enc.transform(syn)])
    y = np.r_[np.zeros(len(real), dtype=int), np.ones(len(syn), dtype=int)]
    aucs, scores = _cross_validated(X, y, lambda: LogisticRegression(max_iter=500), folds, ctx.seed)
    return _rows("logistic", aucs, scores, len(real), folds)


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register(
        "detection.lightgbm",
        lightgbm_detection,
        family="detection",
        higher_is_better=True,
        description="LightGBM two-sample test: cross-validated real-vs-synthetic AUC and 1 - 2*max(AUC-0.5, 0)",
    )
    register(
        "detection.logistic",
        logistic_detection,
        family="detection",
        higher_is_better=True,
        description="logistic-regression two-sample test (SDMetrics LogisticDetection definition)",
    )
