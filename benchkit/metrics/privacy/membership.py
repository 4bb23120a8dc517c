"""Membership inference attacks: can someone holding the synthetic data tell who was in the training set?

Both attacks score real rows; a higher score means "more likely a training member". They are
evaluated on **members** (real training rows, ``ctx.real``) against **non-members** (real holdout
rows the generator never saw). The holdout is split into two seeded halves: the *reference* half
plays the attacker's sample of the population (it fits the embedding and the reference density),
the other half supplies the non-members, so the two never overlap. Members are a seeded sample of
the training rows of the same size as the non-members (at most ``options["mia_max_rows"]``, 10,000,
per side), so the attack AUC has a 0.5 chance level.

``privacy.mia_distance_auc`` / ``privacy.mia_distance_advantage``
    Score = minus the Euclidean distance of the row to its closest synthetic row, on the mixed-type
    encoding (:mod:`.mixed_encoding`, fitted on the reference half). A generator that copies or
    over-fits training rows puts synthetic rows on top of members (e.g. Chen et al. 2020, "GAN-Leaks",
    full black-box attack; the DCR-based attack of SynthEval).
``privacy.mia_domias_auc`` / ``privacy.mia_domias_advantage``
    DOMIAS (van Breugel et al. 2023, "Membership Inference Attacks against Synthetic Data through
    Overfitting Detection"): score = ``log p_synthetic(x) - log p_reference(x)``, the density ratio,
    which flags rows where the generator put more mass than the population has (local over-fitting).
    Both densities are Gaussian KDEs with Scott's bandwidth (times ``options["mia_bandwidth"]``, 1) on
    the first ``options["mia_dims"]`` (16) whitened principal components of the mixed encoding, fitted
    on the reference half (:mod:`.embedding`) -- the paper's KDE variant ran on the raw features;
    the embedding makes mixed columns numeric and keeps the KDE tractable. Each density is fitted on a
    seeded sample of at most ``options["mia_density_max_rows"]`` (10,000; ``None``: all) rows, so the
    attacker holds at most that many synthetic rows: the cost stays 20,000 queries x 20,000 points at
    any table size. For a copying generator a smaller synthetic sample is a weaker attack (see
    docs/metrics-utility-privacy.md for the measured effect); tables up to the cap are unchanged.

AUC is the ROC AUC of members (positive) vs non-members (ties count one half): 0.5 means the
attacker does no better than a coin, 1 means perfect membership disclosure. **Advantage** is Yeom
et al.'s membership advantage ``max over thresholds of TPR - FPR`` (>= 0): 0 ideal, 1 total. With
10,000 rows a side, chance alone gives an advantage around 0.01-0.02. ``details["standard_error"]`` is
Hanley & McNeil's standard error of the AUC for those sample sizes (about 0.004 at 10,000 a side); for
DOMIAS with a sampled density it also holds that sample's part (``standard_error_density``, a
delete-a-block jackknife over the density's points with the finite-population correction), combined
in quadrature with the members' part (``standard_error_members``).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np
from scipy.special import logsumexp
from sklearn.metrics import roc_auc_score, roc_curve

from ...errors import DataError
from ...hookspecs import hookimpl
from .. import MetricContext, Score
from .._engine.ctx import memo
from .._engine.embedding import WhitenedEmbedding
from .._engine.kde import block_edges, kde_block_log_sums, log_density_of_sums, scott_bandwidth
from .._engine.mixed_encoding import MixedEncoder
from .._engine.neighbours import NeighbourIndex
from .._engine.splits import halves, metric_frames

log = logging.getLogger(__name__)

MAX_ROWS = 10_000
DIMS = 16
DENSITY_ROWS = 10_000
JACKKNIFE_BLOCKS = 20
"""Blocks of a sampled density's points for the delete-a-block jackknife of the AUC's standard error."""


def attack_scores(labels: np.ndarray, scores: np.ndarray) -> tuple[float, float]:
    """(ROC AUC, membership advantage max(TPR - FPR)) of ``scores`` for members (label 1)."""
    if len(np.unique(labels)) < 2:
        return float("nan"), float("nan")
    fpr, tpr, _ = roc_curve(labels, scores)
    return float(roc_auc_score(labels, scores)), float(max(0.0, np.max(tpr - fpr)))


def auc_standard_error(auc: float, n_pos: int, n_neg: int) -> float:
    """Hanley & McNeil's (1982) standard error of an ROC AUC from ``n_pos`` positives and ``n_neg`` negatives."""
    if not np.isfinite(auc) or n_pos < 1 or n_neg < 1:
        return float("nan")
    q1, q2 = auc / (2 - auc), 2 * auc * auc / (1 + auc)
    var = (auc * (1 - auc) + (n_pos - 1) * (q1 - auc * auc) + (n_neg - 1) * (q2 - auc * auc)) / (n_pos * n_neg)
    return float(np.sqrt(max(var, 0.0)))


def _density(query: np.ndarray, points: np.ndarray, h: float, population: int,
             threads: Any) -> tuple[np.ndarray, list[np.ndarray]]:
    """Log KDE density at the queries; when ``points`` are a sample of ``population`` rows, also the
    densities with each of :data:`JACKKNIFE_BLOCKS` blocks of them left out (same bandwidth)."""
    n, d = points.shape
    sampled = n < population
    sums = kde_block_log_sums(query, points, h, JACKKNIFE_BLOCKS if sampled else 1, threads)
    log_p = log_density_of_sums(logsumexp(sums, axis=0), n, d, h)
    if not sampled or len(sums) < 2:
        return log_p, []
    sizes = np.diff(block_edges(n, len(sums)))
    return log_p, [log_density_of_sums(logsumexp(np.delete(sums, b, axis=0), axis=0), n - sizes[b], d, h)
                   for b in range(len(sums))]


def _jackknife_se(replicates: list[float], n: int, population: int) -> float:
    """Delete-a-block jackknife standard error of a statistic from its ``replicates``, times the
    finite-population correction of a sample of ``n`` rows out of ``population``; 0 without replicates."""
    if len(replicates) < 2:
        return 0.0
    v = np.asarray(replicates, dtype=float)
    b = len(v)
    return float(np.sqrt((b - 1) / b * np.sum((v - v.mean()) ** 2) * max(0.0, 1.0 - n / population)))


def _sample(df, cap, rng):
    """A seeded sample of at most ``cap`` rows of ``df`` (in their order; ``None`` keeps every row)."""
    if cap is None or len(df) <= int(cap):
        return df
    return df.iloc[np.sort(rng.choice(len(df), int(cap), replace=False))]


def _attack_set(ctx: MetricContext) -> dict[str, Any]:
    """Reference, member and non-member frames (seeded), computed once per context."""
    key = ("sets", id(ctx.real), id(ctx.synthetic), id(ctx.holdout), ctx.seed)
    return memo(ctx, __name__, key, lambda: _build_attack_set(ctx))


def _build_attack_set(ctx: MetricContext) -> dict[str, Any]:
    fr = metric_frames(ctx)
    if fr.holdout is None or len(fr.holdout) < 4:
        raise DataError("membership attacks need a real holdout of at least 4 rows (pass holdout=...)")
    if len(fr.synthetic) == 0 or len(fr.train) == 0:
        raise DataError(f"membership attacks need training and synthetic rows, got {len(fr.train)} and {len(fr.synthetic)}")
    reference, outside = halves(fr.holdout, ctx.seed)
    cap = ctx.options.get("mia_max_rows", MAX_ROWS)
    n = min(len(outside), len(fr.train), int(cap) if cap is not None else len(outside))
    rng = np.random.default_rng(ctx.seed + 1)
    members = fr.train.iloc[np.sort(rng.choice(len(fr.train), n, replace=False))]
    outside = outside.iloc[np.sort(rng.choice(len(outside), n, replace=False))]
    labels = np.r_[np.ones(n), np.zeros(n)]
    out = {"frames": fr, "reference": reference, "members": members, "non_members": outside, "labels": labels,
           "details": {"n_members": n, "n_non_members": n, "n_reference": len(reference),
                       "n_synthetic": len(fr.synthetic), **fr.details()}}
    return out


def distance_attack(ctx: MetricContext) -> list[Score]:
    """Membership AUC/advantage of the closest-synthetic-row distance attack."""
    s = _attack_set(ctx)
    fr = s["frames"]
    enc = MixedEncoder(ctx.schema, ctx.schema.scored_columns,
                       max_categories=int(ctx.options.get("encoding_max_categories", 20))).fit(s["reference"])
    syn, syn_codes = enc.transform_with_codes(fr.synthetic)
    centre = syn.mean(axis=0)
    syn -= centre
    (mem, mem_codes), (non, non_codes) = enc.transform_with_codes(s["members"]), enc.transform_with_codes(s["non_members"])
    index = NeighbourIndex(syn, syn_codes, enc.numeric_width, n_threads=ctx.options.get("n_jobs", 1),
                           method=ctx.options.get("neighbour_search", "auto"))
    d1, _, _ = index.query(np.vstack([mem, non]) - centre, np.vstack([mem_codes, non_codes]))
    d1 = np.where(d1 * d1 < 1e-5, 0.0, d1)  # float32 rounding: copies are at distance 0
    auc, adv = attack_scores(s["labels"], -d1)
    n = len(s["members"])
    details = {**s["details"], "median_distance_members": float(np.median(d1[:n])),
               "median_distance_non_members": float(np.median(d1[n:])), "attack": "distance to closest synthetic row",
               "standard_error": auc_standard_error(auc, n, n)}
    return [Score("privacy.mia_distance_auc", auc, higher_is_better=False, details=details),
            Score("privacy.mia_distance_advantage", adv, higher_is_better=False, details=details)]


def domias_attack(ctx: MetricContext) -> list[Score]:
    """Membership AUC/advantage of the DOMIAS density-ratio attack p_synthetic / p_reference."""
    s = _attack_set(ctx)
    fr = s["frames"]
    emb = WhitenedEmbedding(ctx.schema, ctx.schema.scored_columns, dims=int(ctx.options.get("mia_dims", DIMS)),
                            max_categories=int(ctx.options.get("encoding_max_categories", 20))).fit(s["reference"])
    # the densities are fitted on seeded samples of at most mia_density_max_rows rows each: a KDE's cost
    # is queries x points, and a sample of the synthetic rows is itself a synthetic sample of that size
    cap = ctx.options.get("mia_density_max_rows", DENSITY_ROWS)
    density_seed = ctx.options.get("mia_density_seed")  # another draw of the density samples, same members
    rng = np.random.default_rng(ctx.seed + 2 if density_seed is None else int(density_seed))
    ref_rows, syn_rows = _sample(s["reference"], cap, rng), _sample(fr.synthetic, cap, rng)
    # the rows of each sample go to the jackknife blocks at random (a table's order may carry time or entities)
    blocks_rng = np.random.default_rng(ctx.seed + 3)
    ref = emb.transform(ref_rows)[blocks_rng.permutation(len(ref_rows))]
    syn = emb.transform(syn_rows)[blocks_rng.permutation(len(syn_rows))]
    query = np.vstack([emb.transform(s["members"]), emb.transform(s["non_members"])])
    d = emb.width
    factor = float(ctx.options.get("mia_bandwidth", 1.0))
    h_syn = scott_bandwidth(len(syn), d) * factor
    h_ref = scott_bandwidth(len(ref), d) * factor
    threads = ctx.options.get("n_jobs", 1)
    log_syn, loo_syn = _density(query, syn, h_syn, len(fr.synthetic), threads)
    log_ref, loo_ref = _density(query, ref, h_ref, len(s["reference"]), threads)
    labels = s["labels"]
    auc, adv = attack_scores(labels, log_syn - log_ref)
    n_pos = int(labels.sum())
    se_members = auc_standard_error(auc, n_pos, int(len(labels) - n_pos))
    se_density = float(np.hypot(
        _jackknife_se([roc_auc_score(labels, loo - log_ref) for loo in loo_syn], len(syn), len(fr.synthetic)),
        _jackknife_se([roc_auc_score(labels, log_syn - loo) for loo in loo_ref], len(ref), len(s["reference"]))))
    details = {**s["details"], "dims": d, "bandwidth_synthetic": h_syn, "bandwidth_reference": h_ref,
               "density_rows_synthetic": len(syn), "density_rows_reference": len(ref),
               "standard_error": float(np.hypot(se_members, se_density)),
               "standard_error_members": se_members, "standard_error_density": se_density,
               "attack": "DOMIAS density ratio (Gaussian KDE on whitened PCA of the mixed encoding)"}
    return [Score("privacy.mia_domias_auc", auc, higher_is_better=False, details=details),
            Score("privacy.mia_domias_advantage", adv, higher_is_better=False, details=details)]


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register("privacy.mia_distance", distance_attack, family="privacy", higher_is_better=False,
             description="membership inference by distance to the closest synthetic row: attack AUC (0.5 ideal) and advantage (0 ideal)",
             requires=("holdout",))
    register("privacy.mia_domias", domias_attack, family="privacy", higher_is_better=False,
             description="DOMIAS density-ratio membership inference (van Breugel et al. 2023): attack AUC and advantage",
             requires=("holdout",))
