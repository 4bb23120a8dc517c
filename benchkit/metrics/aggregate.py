"""The aggregate family: whole-table fidelity beyond single columns and pairs.

Two metrics: the k-marginal score (2- and 3-way marginals) and alpha-precision/beta-recall.

k-marginal
----------
k-marginal score (NIST CRC / SDNist): how well the synthetic rows reproduce 2- and 3-way marginals.

Columns are binned first: numerical and datetime columns into ``options["kmarginal_bins"]`` (10)
equal-frequency bins with edges at the real training rows' deciles (missing its own bin);
categorical and boolean columns keep their ``encoding_max_categories`` (20) most frequent real
categories, the rest share one "other" bin (missing is a category). For a set of ``k`` columns the
marginal is the share of rows in each combination of bins, and

    TVD = 1/2 * sum over cells |p_real - p_synthetic|      (in [0, 1])

``aggregate.kmarginal_2`` / ``aggregate.kmarginal_3`` (1 best) = ``1 - mean TVD`` over every
2-column and 3-column set (a seeded sample of ``options["kmarginal_max_sets"]``, 1,000, sets when
there are more). SDNist reports the same quantity on a 0-1000 scale, ``(2 - mean L1) * 500`` with
``L1 = 2 * TVD``, over randomly drawn column sets of binned data; ``details["sdnist_scale"]`` gives
it. ``details["worst"]`` names the five sets with the largest TVD.

Alpha-precision and beta-recall
-------------------------------
Alpha-precision, beta-recall and authenticity (Alaa et al. 2022, "How Faithful is your Synthetic Data?").

All three are computed on a fixed embedding: the mixed-type encoding followed by whitened PCA fitted
on the real training rows (:mod:`._engine.embedding`, ``options["faithful_dims"]``, 8 components). **The
paper instead learns a one-class embedding** (a network trained so real rows fall in a hypersphere);
ours is fixed, so the "alpha-support" balls below are ellipsoids of the real covariance in the
encoded space rather than learned minimum-volume sets. The estimators follow synthcity's
``AlphaPrecision`` (naive variant), except authenticity (see below).

With real embeddings ``R`` (centre ``c`` = their mean) and synthetic embeddings ``S``, and
``alpha`` on the grid 0, 1/30, ..., 1:

``aggregate.alpha_precision`` (1 best)
    ``r_alpha`` = alpha-quantile of ``|R - c|``; ``P(alpha)`` = share of synthetic rows with
    ``|S - c| <= r_alpha``. Score ``1 - sum|P(alpha) - alpha| / sum(alpha)`` (one minus twice the
    area between the curve and the diagonal): synthetic rows occupy the real alpha-supports in the
    right proportions, neither piling in the core nor inventing outliers.
``aggregate.beta_recall`` (1 best)
    For each real row: its closest synthetic row ``s(i)`` and its distance ``d_rs``; ``d_rr`` the
    distance to its closest other real row; ``q_beta`` = beta-quantile over real rows of
    ``|s(i) - c_s|`` (``c_s`` the synthetic mean). ``C(beta)`` = share of real rows with
    ``d_rs <= d_rr`` and ``|s(i) - c_s| <= q_beta``; score ``1 - sum|C(beta) - beta| / sum(beta)``:
    the real rows are covered by synthetic rows as densely as by each other. On this estimator fresh
    real rows score about 0.5 (``d_rs <= d_rr`` is a coin flip for exchangeable rows); a copying
    generator scores higher, a generator that misses the joint distribution much lower.
``privacy.authenticity`` (higher is better)
    Share of synthetic rows farther from their closest real row ``i*`` than ``i*`` is from its own
    closest other real row (the paper's definition; synthcity indexes ``d_rr`` by the synthetic
    row's neighbour differently). A copy scores 0; fresh rows from the real distribution score about
    0.5 on this estimator, not 1.

Both samples are cut to the same size (seeded), at most ``options["faithful_max_rows"]`` (20,000):
beta-recall and authenticity compare real-to-synthetic with real-to-real neighbour distances, which
shrink as a sample grows, so unequal sizes would bias them. Speed:
three exact nearest-neighbour searches (:mod:`._engine.neighbours`). Distances with squared value below
``1e-4`` count as 0 (float32 rounding of copies).
"""

from __future__ import annotations

from itertools import combinations
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import DataError
from ..hookspecs import hookimpl
from ..schema import Schema, label_keys
from . import MetricContext, Score
from ._engine.ctx import memo
from ._engine.embedding import WhitenedEmbedding
from ._engine.mixed_encoding import MISSING, as_number
from ._engine.neighbours import NeighbourIndex
from ._engine.splits import metric_frames


BINS = 10
MAX_SETS = 1000


def bin_codes(real: pd.DataFrame, other: pd.DataFrame, schema: Schema, columns: list[str],
              bins: int = BINS, max_categories: int = 20) -> tuple[dict[str, np.ndarray], dict[str, np.ndarray], dict[str, int]]:
    """Integer bin codes of each column in ``real`` and ``other``, bins learnt on ``real``, and bin counts."""
    codes_r, codes_o, sizes = {}, {}, {}
    for name in columns:
        kind = schema[name].kind
        if kind in ("numerical", "datetime"):
            vr, vo = as_number(real[name], kind), as_number(other[name], kind)
            present = vr[~np.isnan(vr)]
            edges = np.unique(np.quantile(present, np.arange(1, bins) / bins)) if len(present) else np.array([])
            n_bins = len(edges) + 1
            cr = np.searchsorted(edges, vr, side="right")
            co = np.searchsorted(edges, vo, side="right")
            cr[np.isnan(vr)] = n_bins
            co[np.isnan(vo)] = n_bins
            sizes[name] = n_bins + 1
        else:
            # keys of the distinct labels only, then one gather per row (no per-row key objects)
            raw_r, keys_r = _raw_codes(real[name])
            raw_o, keys_o = _raw_codes(other[name])
            counts = pd.Series(np.bincount(raw_r, minlength=len(keys_r)), index=pd.Index(keys_r, dtype=object))
            counts = counts[counts > 0].groupby(level=0, sort=False).sum()
            kept = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_categories]]
            index = pd.Index(kept, dtype=object)
            map_r, map_o = index.get_indexer(keys_r), index.get_indexer(keys_o)
            map_r[map_r < 0] = len(kept)
            map_o[map_o < 0] = len(kept)
            cr, co = map_r[raw_r], map_o[raw_o]
            sizes[name] = len(kept) + 1
        codes_r[name], codes_o[name] = cr.astype(np.int64), co.astype(np.int64)
    return codes_r, codes_o, sizes


def _raw_codes(s: pd.Series) -> tuple[np.ndarray, np.ndarray]:
    """Per-row codes into an array of category keys (:func:`category_keys`' keys; the last one is missing)."""
    raw, labels = pd.factorize(s)
    keys = np.append(label_keys(labels), MISSING).astype(object)
    raw = np.where(raw < 0, len(keys) - 1, raw)
    return raw, keys


def marginal_tvd(codes_a: list[np.ndarray], codes_b: list[np.ndarray], sizes: list[int]) -> float:
    """Total variation distance between the joint bin distributions of two tables over some columns."""
    cells = int(np.prod(sizes))
    flat_a = np.zeros(len(codes_a[0]), dtype=np.int64)
    flat_b = np.zeros(len(codes_b[0]), dtype=np.int64)
    for ca, cb, s in zip(codes_a, codes_b, sizes):
        flat_a = flat_a * s + ca
        flat_b = flat_b * s + cb
    pa = np.bincount(flat_a, minlength=cells) / len(flat_a)
    pb = np.bincount(flat_b, minlength=cells) / len(flat_b)
    return float(0.5 * np.abs(pa - pb).sum())


def kmarginal(ctx: MetricContext) -> list[Score]:
    """1 - mean TVD of all (or sampled) 2-way and 3-way marginals of binned columns."""
    cols = list(ctx.schema.scored_columns)
    if len(ctx.real) == 0 or len(ctx.synthetic) == 0:
        raise DataError(f"k-marginal needs real and synthetic rows, got {len(ctx.real)} and {len(ctx.synthetic)}")
    bins = int(ctx.options.get("kmarginal_bins", BINS))
    cr, cs, sizes = bin_codes(ctx.real, ctx.synthetic, ctx.schema, cols, bins,
                              int(ctx.options.get("encoding_max_categories", 20)))
    max_sets = int(ctx.options.get("kmarginal_max_sets", MAX_SETS))
    rng = np.random.default_rng(ctx.seed)
    out = []
    for k in (2, 3):
        sets = list(combinations(cols, k))
        if not sets:
            continue
        n_all = len(sets)
        if n_all > max_sets:
            sets = [sets[i] for i in np.sort(rng.choice(n_all, max_sets, replace=False))]
        tvd = np.array([marginal_tvd([cr[c] for c in s], [cs[c] for c in s], [sizes[c] for c in s]) for s in sets])
        value = float(1.0 - tvd.mean())
        worst = [{"columns": list(sets[i]), "tvd": round(float(tvd[i]), 4)} for i in np.argsort(-tvd)[:5]]
        out.append(Score(f"aggregate.kmarginal_{k}", value, details={
            "sdnist_scale": 1000.0 * value, "n_sets": len(sets), "n_sets_possible": n_all, "bins": bins, "worst": worst}))
    return out


# ---------------------------------------------------------------- alpha-precision, beta-recall
MAX_ROWS = 20_000
DIMS = 8
STEPS = 30
SNAP = 1e-4


def _snap(d: np.ndarray) -> np.ndarray:
    return np.where(d * d < SNAP, 0.0, d)


def curve_score(curve: np.ndarray, grid: np.ndarray) -> float:
    """One minus the normalised L1 gap between a curve and the diagonal: ``1 - sum|curve - grid| / sum(grid)``."""
    return float(1.0 - np.abs(curve - grid).sum() / grid.sum())


def faithfulness(real: np.ndarray, syn: np.ndarray, steps: int = STEPS, n_threads: int | None = 1,
                 method: str = "auto") -> dict[str, Any]:
    """Alpha-precision, beta-recall and authenticity of embedded ``syn`` rows against embedded ``real`` rows."""
    if len(real) < 2 or len(syn) < 1:
        raise DataError(f"alpha-precision/beta-recall need 2+ real and 1+ synthetic rows, got {len(real)} and {len(syn)}")
    grid = np.linspace(0.0, 1.0, steps + 1)
    c = real.mean(axis=0)
    r_real = np.linalg.norm(real - c, axis=1)
    r_syn = np.linalg.norm(syn - c, axis=1)
    radii = np.quantile(r_real, grid)
    precision = (r_syn[None, :] <= radii[:, None]).mean(axis=1)

    real_index = NeighbourIndex(real, n_threads=n_threads, method=method)  # one index, two searches
    _, d_rr, _ = real_index.query(real)  # second nearest = closest *other* row
    d_rr = _snap(d_rr)
    d_rs, _, j = NeighbourIndex(syn, n_threads=n_threads, method=method).query(real)
    d_rs = _snap(d_rs)
    c_s = syn.mean(axis=0)
    r_match = np.linalg.norm(syn[j] - c_s, axis=1)
    q = np.quantile(r_match, grid)
    covered = d_rs <= d_rr
    recall = (covered[None, :] & (r_match[None, :] <= q[:, None])).mean(axis=1)

    d_sr, _, i_star = real_index.query(syn)
    authentic = _snap(d_sr) > d_rr[i_star]
    return {
        "alpha_precision": curve_score(precision, grid),
        "beta_recall": curve_score(recall, grid),
        "authenticity": float(authentic.mean()),
        "precision_curve": precision.round(4).tolist(),
        "recall_curve": recall.round(4).tolist(),
        "share_covered": float(covered.mean()),
    }


def faithful_result(ctx: MetricContext) -> dict[str, Any]:
    """Alpha-precision, beta-recall and authenticity of one context, computed once (kept in ``ctx``)."""
    key = ("faithfulness", id(ctx.real), id(ctx.synthetic), id(ctx.holdout), ctx.seed)
    return memo(ctx, __name__, key, lambda: _faithful_result(ctx))


def _faithful_result(ctx: MetricContext) -> dict[str, Any]:
    if not ctx.schema.scored_columns:
        raise DataError("alpha-precision/beta-recall need at least one scored (non-id) column")
    fr = metric_frames(ctx)
    rng = np.random.default_rng(ctx.seed)
    cap = ctx.options.get("faithful_max_rows", MAX_ROWS)
    train, syn = fr.train, fr.synthetic
    if len(syn) == 0:
        raise DataError("alpha-precision/beta-recall need synthetic rows, got 0")
    # equal sizes: beta-recall compares real-to-synthetic with real-to-real neighbour distances,
    # which shrink as a sample grows, so unequal sizes would bias it
    n = min(len(train), len(syn), int(cap) if cap is not None else len(train))
    if len(train) > n:
        train = train.iloc[np.sort(rng.choice(len(train), n, replace=False))]
    if len(syn) > n:
        syn = syn.iloc[np.sort(rng.choice(len(syn), n, replace=False))]
    emb = WhitenedEmbedding(ctx.schema, ctx.schema.scored_columns, dims=int(ctx.options.get("faithful_dims", DIMS)),
                            max_categories=int(ctx.options.get("encoding_max_categories", 20))).fit(train)
    res = faithfulness(emb.transform(train), emb.transform(syn), n_threads=ctx.options.get("n_jobs", 1),
                       method=ctx.options.get("neighbour_search", "auto"))
    res["details"] = {"n_real": len(train), "n_synthetic": len(syn), "dims": emb.width,
                      "embedding": "whitened PCA of the mixed encoding (fixed, not the paper's learned one-class embedding)",
                      **fr.details()}
    return res


def alpha_beta(ctx: MetricContext) -> list[Score]:
    """Alpha-precision (fidelity) and beta-recall (diversity) of the synthetic rows."""
    r = faithful_result(ctx)
    return [
        Score("aggregate.alpha_precision", r["alpha_precision"], details={**r["details"], "curve": r["precision_curve"]}),
        Score("aggregate.beta_recall", r["beta_recall"], details={**r["details"], "curve": r["recall_curve"],
                                                                   "share_covered": r["share_covered"]}),
    ]


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register("aggregate.kmarginal", kmarginal, family="aggregate", higher_is_better=True,
             description="SDNist-style k-marginal score: 1 - mean total variation distance of 2- and 3-way binned marginals")
    register("aggregate.alpha_beta", alpha_beta, family="aggregate", higher_is_better=True,
             description="alpha-precision and beta-recall (Alaa et al. 2022) on a whitened-PCA embedding",
             rows=("aggregate.alpha_precision", "aggregate.beta_recall"))
