"""Machine-learning utility: does a model trained on synthetic data work on real data?

For the target column ``ctx.target`` (classification when it is categorical/boolean, regression when
numerical; ``options["utility_task"]`` overrides), every other scored column is a feature, and:

* **TRTR** trains on the real training rows (``ctx.real``) and tests on the real holdout;
* **TSTR** trains on the synthetic rows and tests on the *same* holdout.

With no holdout, ``ctx.real`` is split once (30 %, ``options["utility_holdout_fraction"]``,
stratified, fixed by ``ctx.seed``); the generator saw those rows, so TSTR is then optimistic for
memorising generators (``details["holdout"] == "split from real"``). For the runner's "holdout"
pseudo-generator, one half of the holdout trains and the other tests (see :mod:`.splits`); TRTR then
uses that same test half.

Models (``options["utility_models"]``, default ``["lightgbm"]``): ``"lightgbm"`` (100 trees,
31 leaves, learning rate 0.1), ``"linear"`` (logistic regression for classification, least squares
for regression; alias ``"logistic"``) and ``"random_forest"`` (50 trees, min 2 rows per leaf); the
sklearn models read the mixed-type encoding of :mod:`.mixed_encoding`. ``options["n_jobs"]`` (default 1)
sets their threads.

Scores, one row each, ``column`` = target, ``details["model"]`` = model:

* classification: ``utility.{tstr,trtr}_roc_auc`` (binary AUC; for multiclass the macro average of
  one-vs-rest AUCs over the classes present in the holdout, sklearn's ``multi_class="ovr"``),
  ``..._f1_macro`` (sklearn macro F1 over true and predicted labels) and ``..._accuracy``;
* regression: ``utility.{tstr,trtr}_r2`` and ``..._mae`` (lower is better);
* ``utility.ratio_<metric>``: TSTR / TRTR (for MAE: TRTR / TSTR), so 1 means parity and higher is
  better; NaN when TRTR is not positive (e.g. R2 <= 0).

Handling of awkward targets (each raises :class:`~benchkit.errors.DataError` naming the column, or is
handled as stated): target missing from a frame -> error; constant target in the real training rows
-> error; more than ``options["utility_max_classes"]`` (default 50) classes -> error (a thousand-class
column is rarely a prediction target; choose another target or predict it as regression); rows with
a missing target are dropped; a class absent from the synthetic data simply gets probability 0 (its
column of ``predict_proba`` is aligned to the holdout's classes); a synthetic sample with a single
class gives a constant predictor (ROC AUC 0.5), noted in ``details["note"]``.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import DataError
from ..hookspecs import hookimpl
from . import MetricContext, Score
from .detection import lgbm_matrix
from ._engine.ctx import memo
from ._engine.encoding import thread_map
from ._engine.mixed_encoding import MixedEncoder, category_keys
from ._engine.splits import metric_frames

log = logging.getLogger(__name__)

MODELS = ("lightgbm", "linear", "random_forest")
MAX_CLASSES = 50
CLASSIFICATION_METRICS = ("roc_auc", "f1_macro", "accuracy")
REGRESSION_METRICS = ("r2", "mae")
LOWER_IS_BETTER = {"mae"}


@dataclass
class _Task:
    kind: str  # "classification" | "regression"
    target: str
    features: list[str]
    labels: np.ndarray | None = None  # classification: every label known, sorted


def _task(ctx: MetricContext) -> _Task:
    target = ctx.target
    if target is None:
        raise DataError("utility metrics need a target column; pass target=... (or --target)")
    for what, frame in (("real", ctx.real), ("synthetic", ctx.synthetic), ("holdout", ctx.holdout)):
        if frame is not None and target not in frame.columns:
            raise DataError(
                f"target column {target!r} is missing from the {what} data; columns are: {', '.join(map(str, frame.columns))}"
            )
    if target not in ctx.schema:
        raise DataError(f"target column {target!r} is not in the schema")
    kind = ctx.options.get("utility_task")
    if kind is None:
        col_kind = ctx.schema[target].kind
        if col_kind in ("categorical", "boolean"):
            kind = "classification"
        elif col_kind == "numerical":
            kind = "regression"
        else:
            raise DataError(
                f"target column {target!r} is of kind {col_kind!r}; utility metrics predict a categorical, "
                "boolean or numerical column"
            )
    if kind not in ("classification", "regression"):
        raise DataError(f"options['utility_task'] must be 'classification' or 'regression', not {kind!r}")
    features = [c for c in ctx.schema.scored_columns if c != target]
    if not features:
        raise DataError(f"utility metrics need at least one feature column besides the target {target!r}")
    return _Task(kind, target, features)


def _labels(s: pd.Series) -> np.ndarray:
    if len(s) == 0:  # no usable row (e.g. an all-missing synthetic target): pandas' empty result is read-only
        return np.array([], dtype=str)
    return category_keys(s).astype(str)


def _usable(df: pd.DataFrame, task: _Task) -> pd.DataFrame:
    """Rows whose target is known."""
    return df[df[task.target].notna().to_numpy()]


def _check_real_target(train: pd.DataFrame, holdout: pd.DataFrame, task: _Task, max_classes: int) -> None:
    if len(train) == 0:
        raise DataError(f"target column {task.target!r} has no known values in the real training rows")
    if len(holdout) == 0:
        raise DataError(f"target column {task.target!r} has no known values in the holdout rows")
    if task.kind == "classification":
        classes = np.unique(np.concatenate([_labels(train[task.target]), _labels(holdout[task.target])]))
        if len(classes) > max_classes:
            raise DataError(
                f"target column {task.target!r} has {len(classes):,} classes, more than utility_max_classes="
                f"{max_classes}; choose another target, predict it as regression (options utility_task="
                "'regression' for a numerical column) or raise options['utility_max_classes']"
            )
        if len(np.unique(_labels(train[task.target]))) < 2:
            raise DataError(
                f"target column {task.target!r} is constant in the real training rows; a classifier needs at "
                "least two classes, choose another target"
            )
    else:
        y = pd.to_numeric(train[task.target], errors="coerce").to_numpy(dtype=float)
        if np.nanstd(y) == 0:
            raise DataError(f"target column {task.target!r} is constant in the real training rows; R2 is undefined")


def _make_model(name: str, kind: str, seed: int, n_jobs: int) -> Any:
    if name == "lightgbm":
        import lightgbm as lgb

        cls = lgb.LGBMClassifier if kind == "classification" else lgb.LGBMRegressor
        return cls(n_estimators=100, learning_rate=0.1, num_leaves=31, n_jobs=n_jobs, verbose=-1, random_state=seed)
    if name == "linear":
        from sklearn.linear_model import LinearRegression, LogisticRegression

        return LogisticRegression(max_iter=1000) if kind == "classification" else LinearRegression()
    if name == "random_forest":
        from sklearn.ensemble import RandomForestClassifier, RandomForestRegressor

        cls = RandomForestClassifier if kind == "classification" else RandomForestRegressor
        return cls(n_estimators=50, min_samples_leaf=2, n_jobs=n_jobs, random_state=seed)
    raise DataError(f"unknown utility model {name!r}; options['utility_models'] takes {', '.join(MODELS)}")


def _model_names(ctx: MetricContext) -> list[str]:
    names = ctx.options.get("utility_models", ["lightgbm"])
    if isinstance(names, str):
        names = [n.strip() for n in names.split(",") if n.strip()]
    out = []
    for n in names:
        n = {"logistic": "linear", "lgbm": "lightgbm", "rf": "random_forest"}.get(n, n)
        if n not in MODELS:
            raise DataError(f"unknown utility model {n!r}; options['utility_models'] takes {', '.join(MODELS)}")
        out.append(n)
    return out


def _features(model: str, fit_on: pd.DataFrame, test: pd.DataFrame, ctx: MetricContext, task: _Task):
    if model == "lightgbm":
        (X, Xt), cat_idx = lgbm_matrix([fit_on, test], ctx.schema, task.features)
        return X, Xt, {"categorical_feature": cat_idx}
    enc = MixedEncoder(ctx.schema, task.features).fit(fit_on)
    return enc.transform(fit_on), enc.transform(test), {}


def _fitted(ctx: MetricContext, model: str, task: _Task, n_jobs: int, X: np.ndarray, y: np.ndarray, kw: dict) -> Any:
    """``model`` fitted on ``(X, y)``; a fit on the very same matrix, labels and settings is reused
    across the evaluation and its references (TRTR trains on the same real rows in both)."""
    import hashlib

    digest = hashlib.sha1(np.ascontiguousarray(X).view(np.uint8)).hexdigest()
    labels = tuple(map(str, task.labels)) if task.labels is not None else None
    key = ("fit", model, task.kind, ctx.seed, n_jobs, X.shape, digest,
           hashlib.sha1(np.ascontiguousarray(y).view(np.uint8)).hexdigest(), labels,
           tuple(kw.get("categorical_feature", ())))

    def fit() -> Any:
        est = _make_model(model, task.kind, ctx.seed, n_jobs)
        est.fit(X, y, **kw)
        return est

    return memo(ctx, __name__, key, fit, across_references=True)


def fit_and_score(
    model: str, fit_on: pd.DataFrame, test: pd.DataFrame, ctx: MetricContext, task: _Task
) -> tuple[dict[str, float], dict[str, Any]]:
    """Train ``model`` on ``fit_on``, test on ``test``; the metric values and notes."""
    from sklearn.metrics import accuracy_score, f1_score, mean_absolute_error, r2_score

    n_jobs = int(ctx.options.get("n_jobs", 1))
    notes: dict[str, Any] = {"n_train": int(len(fit_on)), "n_test": int(len(test))}
    if task.kind == "regression":
        y = pd.to_numeric(fit_on[task.target], errors="coerce").to_numpy(dtype=float)
        yt = pd.to_numeric(test[task.target], errors="coerce").to_numpy(dtype=float)
        X, Xt, kw = _features(model, fit_on, test, ctx, task)
        est = _fitted(ctx, model, task, n_jobs, X, y, kw)
        pred = est.predict(Xt)
        return {"r2": float(r2_score(yt, pred)), "mae": float(mean_absolute_error(yt, pred))}, notes

    labels = task.labels
    y = np.searchsorted(labels, _labels(fit_on[task.target]))
    yt = np.searchsorted(labels, _labels(test[task.target]))
    proba = np.zeros((len(test), len(labels)))
    present = np.unique(y)
    if len(present) == 1:
        proba[:, present[0]] = 1.0
        notes["note"] = f"training rows hold one class ({labels[present[0]]!r}); constant prediction"
    else:
        X, Xt, kw = _features(model, fit_on, test, ctx, task)
        est = _fitted(ctx, model, task, n_jobs, X, y, kw)
        # align predict_proba's columns (the classes seen in training) to every known label
        proba[:, np.asarray(est.classes_, dtype=int)] = est.predict_proba(Xt)
        missing = sorted(set(np.unique(yt)) - set(present.tolist()))
        if missing:
            notes["classes_absent_from_training"] = [str(labels[i]) for i in missing]
    pred = proba.argmax(axis=1)
    return {
        "roc_auc": macro_ovr_auc(yt, proba),
        "f1_macro": float(f1_score(yt, pred, average="macro")),
        "accuracy": float(accuracy_score(yt, pred)),
    }, notes


def macro_ovr_auc(y: np.ndarray, proba: np.ndarray) -> float:
    """ROC AUC: binary when the holdout has two classes, else the macro mean of one-vs-rest AUCs.

    Only classes present in ``y`` are averaged (an absent class has no positives). With two classes
    both one-vs-rest AUCs equal the usual binary AUC, so the mean is that AUC.
    """
    from sklearn.metrics import roc_auc_score

    present = np.unique(y)
    if len(present) < 2:
        return float("nan")
    aucs = [roc_auc_score(y == c, proba[:, c]) for c in present]
    return float(np.mean(aucs))


def _ratio(metric: str, tstr: float, trtr: float) -> float:
    num, den = (trtr, tstr) if metric in LOWER_IS_BETTER else (tstr, trtr)
    if not (np.isfinite(num) and np.isfinite(den)) or den <= 0:
        return float("nan")
    return float(num / den)


def tstr(ctx: MetricContext) -> list[Score]:
    """TSTR, TRTR and their ratio for every configured model (see the module docstring)."""
    task = _task(ctx)
    fr = metric_frames(
        ctx,
        split_when_missing=True,
        holdout_fraction=float(ctx.options.get("utility_holdout_fraction", 0.3)),
        stratify=task.target if task.kind == "classification" else None,
    )
    if fr.holdout_source == "split from real":
        log.info("utility: no holdout given; split %d real rows once (seed %d); TSTR is optimistic for "
                 "generators that memorise", len(ctx.real), ctx.seed)
    train, test, syn = _usable(fr.train, task), _usable(fr.holdout, task), _usable(fr.synthetic, task)
    _check_real_target(train, test, task, int(ctx.options.get("utility_max_classes", MAX_CLASSES)))
    if task.kind == "classification":
        task.labels = np.unique(
            np.concatenate([_labels(train[task.target]), _labels(test[task.target]), _labels(syn[task.target])])
        )
    names = CLASSIFICATION_METRICS if task.kind == "classification" else REGRESSION_METRICS
    rows: list[Score] = []
    for model in _model_names(ctx):
        base = {"model": model, "task": task.kind, **fr.details()}
        key = ("trtr", model, task.target, task.kind, id(ctx.real), id(ctx.holdout), len(test), ctx.seed)

        def trtr_fit(model=model, key=key):
            return memo(ctx, __name__, key, lambda: fit_and_score(model, train, test, ctx, task))

        def tstr_fit(model=model):
            if len(syn) == 0:
                return {m: float("nan") for m in names}, {"note": f"no synthetic row has a known {task.target!r}"}
            return fit_and_score(model, syn, test, ctx, task)

        # the two fits are independent, and LightGBM and the sklearn models train without the GIL:
        # on a large table they run side by side (each with its own n_jobs threads)
        (trtr_vals, trtr_notes), (tstr_vals, tstr_notes) = thread_map(lambda fit: fit(), [trtr_fit, tstr_fit])
        for m in names:
            hib = m not in LOWER_IS_BETTER
            rows.append(Score(f"utility.tstr_{m}", tstr_vals[m], task.target, None, hib, {**base, **tstr_notes}))
            rows.append(Score(f"utility.trtr_{m}", trtr_vals[m], task.target, None, hib, {**base, **trtr_notes}))
            rows.append(
                Score(f"utility.ratio_{m}", _ratio(m, tstr_vals[m], trtr_vals[m]), task.target, None, True, dict(base))
            )
    return rows


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register(
        "utility.tstr",
        tstr,
        family="utility",
        higher_is_better=True,
        description="train on synthetic, test on real holdout (TSTR) vs train on real (TRTR), and their ratio",
        rows=("utility.tstr_*", "utility.trtr_*", "utility.ratio_*"),
        requires=("target",),
        parallel=True,  # TRTR and TSTR are fitted side by side on a large table
    )
