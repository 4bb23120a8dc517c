"""The ``entity`` family: does a synthetic table keep the structure of each entity's history?

These metrics run only when the schema has an entity key (``schema.roles``, see
:mod:`benchkit.entities`); they register ``requires=("entity",)``. Real and synthetic entities are
compared as two samples of *entities* (each synthetic entity is the set of rows sharing a synthetic
key), rows in history order (by the order column; ties in table order). Every statistic is computed
with ``np.bincount``/``lexsort`` over dense entity codes: no loop over rows or entities.

KS complement below is ``1 - D``, ``D`` the two-sample Kolmogorov-Smirnov statistic of the real and
synthetic per-entity values (as SDMetrics' KSComplement); TV complement is
``1 - 0.5 sum |p - q|`` (SDMetrics' TVComplement). All are in [0, 1], 1 = identical.

* ``entity.size``: KS complement of rows per entity.
* ``entity.gaps``: KS complement of the gaps between consecutive events of an entity (order units;
  days for a date order). Needs an order column.
* ``entity.monthly_events``: KS complement of the number of events of an entity in each calendar
  month from its first to its last event month (empty months count 0). Needs a date order.
* ``entity.aggregate_{mean,sum,std}`` (column = each numerical column): KS complement of the
  entities' mean, sum and population std of that column.
* ``entity.category_mix`` (column = each categorical column): mean, over the column's real
  categories (the :data:`~._engine.profiles.MAX_PROFILE_CATEGORIES` most frequent), of the KS complement
  of each entity's share of rows in that category.
* ``entity.transitions`` (column = each categorical column with at most :data:`MAX_TRANSITION_CATEGORIES`
  real categories): TV complement of the distribution of (category, next category) pairs over
  consecutive rows within an entity; 0 when the synthetic table has no such pair (no entity with
  two rows) while the real one has.
* ``entity.rule_consistency`` (column = the rule's main column): for each declared rule, the share
  of synthetic entities with two rows or more whose history obeys it (``details["real"]``: the same
  share in the real table); 0 when no synthetic entity has two rows.
* ``entity.utility``: the entity-level utility case. Each entity's profile (rows, span, events per
  month, mean/sum/std of each numerical column, share and monthly density of each category) is a
  feature row; its label is the entity label (``roles.label``, or the target when it is constant
  within every real entity). LightGBM (as ``utility.tstr``) is trained on synthetic entities (TSTR)
  and on real training entities (TRTR) and tested on real holdout entities (the holdout given, else
  30% of the real entities, split by entity). Rows ``entity.utility_{tstr,trtr}_roc_auc`` (macro
  one-vs-rest AUC), ``entity.utility_random_roc_auc`` (0.5: the AUC of a random scorer),
  ``entity.utility_ratio`` (TSTR / TRTR AUC) and ``entity.utility_lift`` ((TSTR - 0.5) /
  (TRTR - 0.5): the share of the real model's lift over random that the synthetic one keeps).
* ``entity.privacy``: distance to the closest record between entity *profiles* (standardised by the
  real training entities' mean and std). ``entity.profile_copies`` (lower is better): the share of
  synthetic entities whose profile equals a training entity's (a copied whole history);
  ``entity.profile_dcr_protection``: each synthetic entity is compared with its nearest training and
  nearest holdout entity; with ``p`` the share closer to training (ties count half) and
  ``e = n_train / (n_train + n_holdout)`` the share expected of a sample exchangeable with the real
  entities, ``clip((1 - p) / (1 - e), 0, 1)`` (with equal sizes, ``min(1, 2 (1 - p))``: SDMetrics'
  DCROverfittingProtection; 1 = no sign of memorising, 0 = every entity closer to training).
  ``details["flagged"]`` is true when copies exceed 5% or protection is below 0.5. Needs a holdout.
"""

from __future__ import annotations

import logging
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import DataError
from ..hookspecs import hookimpl
from . import MetricContext, Score
from ._engine.ctx import memo
from ._engine.profiles import (MAX_PROFILE_CATEGORIES, ProfileSpec, Sorted, category_counts_per_entity,
                               constant_within, entity_labels, frequent_keys, key_codes, month_index,
                               monthly_counts, per_entity_mean, profile, sort_histories)
from ._engine.splits import halves, split_real
from .marginal import ks_statistic

log = logging.getLogger(__name__)

MAX_TRANSITION_CATEGORIES = 100
"""Categorical columns with more real categories than this get no transition matrix (its K x K cells
would be mostly empty)."""
COPY_FLAG = 0.05
PROTECTION_FLAG = 0.5


# ------------------------------------------------------------------------------------ shared
def _sorted(ctx: MetricContext, which: str) -> Sorted:
    frame = {"real": ctx.real, "synthetic": ctx.synthetic, "holdout": ctx.holdout}[which]
    return memo(ctx, __name__, ("sorted", which), lambda: sort_histories(frame, ctx.schema.roles))


def ks_complement(real: np.ndarray, synthetic: np.ndarray) -> float:
    """1 - the two-sample KS statistic of two samples (NaN values dropped; NaN when one is empty)."""
    r = np.sort(real[np.isfinite(real)])
    s = np.sort(synthetic[np.isfinite(synthetic)])
    d = ks_statistic(r, s)
    return float(1.0 - d) if np.isfinite(d) else float("nan")


def tv_complement(p_counts: np.ndarray, q_counts: np.ndarray) -> float:
    """1 - total variation distance of two count vectors over the same cells."""
    p, q = p_counts.sum(), q_counts.sum()
    if p == 0 or q == 0:
        return float("nan")
    return float(1.0 - 0.5 * np.abs(p_counts / p - q_counts / q).sum())


# ------------------------------------------------------------------------------------ structure
def size(ctx: MetricContext) -> list[Score]:
    r, s = _sorted(ctx, "real").hist, _sorted(ctx, "synthetic").hist
    return [Score("entity.size", ks_complement(r.sizes.astype(float), s.sizes.astype(float)), details={
        "n_real_entities": r.n, "n_synthetic_entities": s.n,
        "mean_rows_real": float(r.sizes.mean()), "mean_rows_synthetic": float(s.sizes.mean())})]


def gaps(ctx: MetricContext) -> list[Score]:
    if ctx.schema.order is None:
        return []
    r, s = _sorted(ctx, "real").hist.gaps(), _sorted(ctx, "synthetic").hist.gaps()
    unit = "days" if pd.api.types.is_datetime64_any_dtype(ctx.real[ctx.schema.order].dtype) else "order units"
    value = ks_complement(r, s) if len(r) else float("nan")
    if len(r) and not len(s):
        value = 0.0
    return [Score("entity.gaps", value, column=ctx.schema.order, details={
        "unit": unit, "n_real_gaps": int(len(r)), "n_synthetic_gaps": int(len(s)),
        "median_real": float(np.median(r)) if len(r) else None,
        "median_synthetic": float(np.median(s)) if len(s) else None})]


def monthly_events(ctx: MetricContext) -> list[Score]:
    order = ctx.schema.order
    if order is None or not pd.api.types.is_datetime64_any_dtype(ctx.real[order].dtype):
        return []
    rs, ss = _sorted(ctx, "real"), _sorted(ctx, "synthetic")
    r = monthly_counts(month_index(rs.frame, order), rs.hist)
    s = monthly_counts(month_index(ss.frame, order), ss.hist)
    return [Score("entity.monthly_events", ks_complement(r, s), column=order, details={
        "mean_real": float(r.mean()) if len(r) else None, "mean_synthetic": float(s.mean()) if len(s) else None})]


def _profile_columns(ctx: MetricContext) -> ProfileSpec:
    return memo(ctx, __name__, ("spec",), lambda: ProfileSpec.of(ctx.real, ctx.schema, set()))


def aggregates(ctx: MetricContext) -> list[Score]:
    rs, ss = _sorted(ctx, "real"), _sorted(ctx, "synthetic")
    rows = []
    for c in _profile_columns(ctx).numerical:
        r = per_entity_mean(rs.frame[c].to_numpy(dtype=float, na_value=np.nan), rs.hist.codes, rs.hist.n)
        s = per_entity_mean(ss.frame[c].to_numpy(dtype=float, na_value=np.nan), ss.hist.codes, ss.hist.n)
        for stat, a, b in zip(("mean", "sum", "std"), r, s):
            rows.append(Score(f"entity.aggregate_{stat}", ks_complement(a, b), column=c, details={"statistic": stat}))
    return rows


def category_mix(ctx: MetricContext) -> list[Score]:
    rs, ss = _sorted(ctx, "real"), _sorted(ctx, "synthetic")
    rows = []
    for c, cats in _profile_columns(ctx).categorical.items():
        if not len(cats):
            continue
        r = category_counts_per_entity(rs.frame[c], cats, rs.hist) / rs.hist.sizes[:, None]
        s = category_counts_per_entity(ss.frame[c], cats, ss.hist) / ss.hist.sizes[:, None]
        per = np.array([ks_complement(r[:, j], s[:, j]) for j in range(len(cats))])  # one per category (<= 30)
        worst = int(np.nanargmin(per)) if np.isfinite(per).any() else 0
        rows.append(Score("entity.category_mix", float(np.nanmean(per)), column=c, details={
            "n_categories": int(len(cats)), "worst_category": str(cats[worst]), "worst": float(per[worst]),
            "capped_at": MAX_PROFILE_CATEGORIES}))
    return rows


def transition_counts(frame: pd.DataFrame, column: str, cats: np.ndarray, hist) -> np.ndarray:
    """A (K+1) x (K+1) matrix of (category, next category) counts over consecutive rows of one
    entity; index K pools categories outside ``cats`` and missing values."""
    k = len(cats)
    code = key_codes(frame[column], cats)
    code = np.where(code < 0, k, code)
    inside = ~hist.first[1:]
    pair = code[:-1][inside] * (k + 1) + code[1:][inside]
    return np.bincount(pair, minlength=(k + 1) ** 2).reshape(k + 1, k + 1).astype(float)


def transitions(ctx: MetricContext) -> list[Score]:
    rs, ss = _sorted(ctx, "real"), _sorted(ctx, "synthetic")
    rows = []
    for c in ctx.schema.categorical:
        if c in (ctx.schema.roles.label,):
            continue
        cats = frequent_keys(ctx.real[c])
        if len(cats) > MAX_TRANSITION_CATEGORIES or len(cats) < 2:
            continue
        r = transition_counts(rs.frame, c, cats, rs.hist)
        s = transition_counts(ss.frame, c, cats, ss.hist)
        if r.sum() == 0:
            continue
        value = tv_complement(r, s) if s.sum() else 0.0
        rows.append(Score("entity.transitions", value, column=c, details={
            "n_real_transitions": int(r.sum()), "n_synthetic_transitions": int(s.sum()),
            **({"note": "no synthetic entity has two rows"} if not s.sum() else {})}))
    return rows


def rule_consistency(ctx: MetricContext) -> list[Score]:
    rules = ctx.schema.roles.rules
    rs, ss = _sorted(ctx, "real"), _sorted(ctx, "synthetic")
    rows = []
    for rule in rules:
        ok_r, app_r = rule.check(rs.frame, rs.hist)
        ok_s, app_s = rule.check(ss.frame, ss.hist)
        real_share = float(ok_r[app_r].mean()) if app_r.any() else float("nan")
        value = float(ok_s[app_s].mean()) if app_s.any() else 0.0
        rows.append(Score("entity.rule_consistency", value, column=rule.columns()[0], details={
            "rule": rule.to_dict(), "definition": rule.describe(), "real": real_share,
            "n_synthetic_entities_checked": int(app_s.sum()), "n_real_entities_checked": int(app_r.sum()),
            **({"note": "no synthetic entity has two rows"} if not app_s.any() else {})}))
    return rows


# ------------------------------------------------------------------------------------ utility
def entity_label(ctx: MetricContext) -> str | None:
    """The entity label: the roles' label, else the target when it is constant within every real entity."""
    roles = ctx.schema.roles
    if roles.label is not None:
        return roles.label
    target = ctx.target
    if target is None or ctx.schema[target].kind not in ("categorical", "boolean"):
        return None
    rs = _sorted(ctx, "real")
    return target if constant_within(rs.frame, target, rs.hist) else None


def _profiles(frame: pd.DataFrame, ctx: MetricContext, spec: ProfileSpec, label: str | None):
    s = sort_histories(frame, ctx.schema.roles)
    prof = profile(s, spec, ctx.schema)
    y = entity_labels(s.frame, label, s.hist) if label is not None else None
    return prof, y


def _entity_frames(ctx: MetricContext, stratify: str | None):
    """(train, holdout, synthetic, source): the holdout given, else 30% of the real entities split off;
    the holdout halves when the sample is the holdout itself (the holdout reference)."""
    from ._engine.splits import SAME_AS_HOLDOUT, copy_share

    key = ctx.schema.entity
    if ctx.holdout is None:
        frac = float(ctx.options.get("utility_holdout_fraction", 0.3))
        train, hold = split_real(ctx.real, frac, ctx.seed, stratify, entity=key)
        return train, hold, ctx.synthetic, "split from real"
    if len(ctx.holdout) >= 4 and copy_share(ctx.synthetic, ctx.holdout, ctx.schema) > SAME_AS_HOLDOUT:
        a, b = halves(ctx.holdout, ctx.seed, key)
        return ctx.real, b, a, "given (halved: the sample is the holdout)"
    return ctx.real, ctx.holdout, ctx.synthetic, "given"


def utility(ctx: MetricContext) -> list[Score]:
    from .utility import _make_model, macro_ovr_auc

    label = entity_label(ctx)
    if label is None:
        return []
    spec = ProfileSpec.of(ctx.real, ctx.schema, {label})
    train, hold, syn, source = _entity_frames(ctx, label)
    (Xr, yr), (Xh, yh), (Xs, ys) = (_profiles(f, ctx, spec, label) for f in (train, hold, syn))
    labels = np.unique(np.concatenate([yr, yh, ys]))
    if len(np.unique(yr)) < 2 or len(np.unique(yh)) < 2:
        raise DataError(f"entity label {label!r} has fewer than two classes among the real training or holdout "
                        "entities; entity-level utility needs two classes or more")

    def auc(X: pd.DataFrame, y: np.ndarray) -> float:
        yi = np.searchsorted(labels, y)
        proba = np.zeros((len(Xh), len(labels)))
        present = np.unique(yi)
        if len(present) == 1:
            proba[:, present[0]] = 1.0
        else:
            est = _make_model("lightgbm", "classification", ctx.seed, int(ctx.options.get("n_jobs", 1)))
            est.set_params(min_child_samples=5)
            est.fit(X.to_numpy(), yi)
            proba[:, np.asarray(est.classes_, dtype=int)] = est.predict_proba(Xh.to_numpy())
        return macro_ovr_auc(np.searchsorted(labels, yh), proba)

    tstr, trtr = auc(Xs, ys), auc(Xr, yr)
    base = {"label": label, "holdout": source, "n_train_entities": int(len(Xr)), "n_holdout_entities": int(len(Xh)),
            "n_synthetic_entities": int(len(Xs)), "n_features": int(Xr.shape[1]), "model": "lightgbm"}
    ratio = tstr / trtr if trtr > 0 else float("nan")
    lift = (tstr - 0.5) / (trtr - 0.5) if trtr > 0.5 else float("nan")
    return [Score("entity.utility_tstr_roc_auc", tstr, column=label, details=base),
            Score("entity.utility_trtr_roc_auc", trtr, column=label, details=base),
            Score("entity.utility_random_roc_auc", 0.5, column=label, details={**base, "model": "random scores"}),
            Score("entity.utility_ratio", ratio, column=label, details=base),
            Score("entity.utility_lift", lift, column=label, details=base)]


# ------------------------------------------------------------------------------------ privacy
def _nearest(a: np.ndarray, b: np.ndarray, block: int = 512) -> np.ndarray:
    """Euclidean distance from each row of ``a`` to its nearest row of ``b`` (blocks of ``a``: memory stays small)."""
    bb = (b * b).sum(axis=1)
    out = np.empty(len(a))
    for start in range(0, len(a), block):  # blocks of 512 entities: a matrix product each
        x = a[start:start + block]
        d2 = (x * x).sum(axis=1)[:, None] + bb[None, :] - 2.0 * x @ b.T
        out[start:start + block] = np.sqrt(np.maximum(d2.min(axis=1), 0.0))
    return out


def privacy(ctx: MetricContext) -> list[Score]:
    spec = _profile_columns(ctx)
    key = ctx.schema.entity
    train, hold, syn = ctx.real, ctx.holdout, ctx.synthetic
    from ._engine.splits import SAME_AS_HOLDOUT, copy_share

    source = "given"
    if len(hold) >= 4 and copy_share(syn, hold, ctx.schema) > SAME_AS_HOLDOUT:
        syn, hold = halves(hold, ctx.seed, key)
        source = "given (halved: the sample is the holdout)"
    P = [_profiles(f, ctx, spec, None)[0] for f in (train, hold, syn)]
    mu = P[0].mean().to_numpy()
    sd = P[0].std(ddof=0).to_numpy()
    sd = np.where(sd > 0, sd, 1.0)
    T, H, S = (np.nan_to_num((p.to_numpy() - mu) / sd) for p in P)
    copies = float(np.isin(_row_keys(S), _row_keys(T)).mean())
    d_train, d_hold = _nearest(S, T), _nearest(S, H)
    share_train = float(np.mean(d_train < d_hold) + 0.5 * np.mean(d_train == d_hold))
    expected = len(T) / (len(T) + len(H))
    protection = float(np.clip((1.0 - share_train) / (1.0 - expected), 0.0, 1.0))
    flagged = bool(copies > COPY_FLAG or protection < PROTECTION_FLAG)
    base = {"holdout": source, "n_synthetic_entities": int(len(S)), "n_train_entities": int(len(T)),
            "n_holdout_entities": int(len(H)), "n_features": int(T.shape[1]), "flagged": flagged}
    return [Score("entity.profile_copies", copies, higher_is_better=False, details=base),
            Score("entity.profile_dcr_protection", protection, higher_is_better=True,
                  details={**base, "share_closer_to_train": share_train, "expected_share": expected})]


def _row_keys(X: np.ndarray) -> np.ndarray:
    """One hash per row of ``X`` rounded to 9 decimals (equal profiles, equal keys)."""
    return pd.util.hash_pandas_object(pd.DataFrame(np.round(X, 9)), index=False).to_numpy()


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    """Register the entity family (each metric needs an entity key: ``requires=("entity",)``)."""
    common = {"family": "entity", "requires": ("entity",)}
    register("entity.size", size, higher_is_better=True, description="KS complement of rows per entity", **common)
    register("entity.gaps", gaps, higher_is_better=True,
             description="KS complement of the gaps between consecutive events of an entity", **common)
    register("entity.monthly_events", monthly_events, higher_is_better=True,
             description="KS complement of events per entity per calendar month (first to last month, empty months 0)",
             **common)
    register("entity.aggregate", aggregates, higher_is_better=True,
             description="KS complement of each entity's mean, sum and std of each numerical column",
             rows=("entity.aggregate_*",), **common)
    register("entity.category_mix", category_mix, higher_is_better=True,
             description="mean over categories of the KS complement of each entity's share of rows in the category",
             **common)
    register("entity.transitions", transitions, higher_is_better=True,
             description="TV complement of the category -> next category pairs within an entity", **common)
    register("entity.rule_consistency", rule_consistency, higher_is_better=True,
             description="share of synthetic entities whose history obeys a declared rule (e.g. a running balance)",
             **common)
    register("entity.utility", utility, higher_is_better=True,
             description="LightGBM on per-entity profiles: train on synthetic entities, test on real holdout entities",
             rows=("entity.utility_*",), **common)
    register("entity.privacy", privacy, higher_is_better=True,
             description="DCR of entity profiles: copied whole histories and closeness to training vs holdout entities",
             rows=("entity.profile_*",), family="entity", requires=("entity", "holdout"))
