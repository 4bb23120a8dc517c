"""Alpha-precision, beta-recall and authenticity (Alaa et al. 2022, "How Faithful is your Synthetic Data?").

All three are computed on a fixed embedding: the mixed-type encoding followed by whitened PCA fitted
on the real training rows (:mod:`.embedding`, ``options["faithful_dims"]``, 8 components). **The
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
three exact nearest-neighbour searches (:mod:`.neighbours`). Distances with squared value below
``1e-4`` count as 0 (float32 rounding of copies).
"""

from __future__ import annotations

from typing import Any, Callable

import numpy as np

from ..errors import DataError
from ..hookspecs import hookimpl
from . import MetricContext, Score
from .embedding import WhitenedEmbedding
from .neighbours import two_nearest
from .splits import metric_frames

MAX_ROWS = 20_000
DIMS = 8
STEPS = 30
SNAP = 1e-4


def _snap(d: np.ndarray) -> np.ndarray:
    return np.where(d * d < SNAP, 0.0, d)


def curve_score(curve: np.ndarray, grid: np.ndarray) -> float:
    """One minus the normalised L1 gap between a curve and the diagonal: ``1 - sum|curve - grid| / sum(grid)``."""
    return float(1.0 - np.abs(curve - grid).sum() / grid.sum())


def faithfulness(real: np.ndarray, syn: np.ndarray, steps: int = STEPS, n_threads: int | None = 1) -> dict[str, Any]:
    """Alpha-precision, beta-recall and authenticity of embedded ``syn`` rows against embedded ``real`` rows."""
    if len(real) < 2 or len(syn) < 1:
        raise DataError(f"alpha-precision/beta-recall need 2+ real and 1+ synthetic rows, got {len(real)} and {len(syn)}")
    grid = np.linspace(0.0, 1.0, steps + 1)
    c = real.mean(axis=0)
    r_real = np.linalg.norm(real - c, axis=1)
    r_syn = np.linalg.norm(syn - c, axis=1)
    radii = np.quantile(r_real, grid)
    precision = (r_syn[None, :] <= radii[:, None]).mean(axis=1)

    _, d_rr, _ = two_nearest(real, real, n_threads=n_threads)  # second nearest = closest *other* row
    d_rr = _snap(d_rr)
    d_rs, _, j = two_nearest(real, syn, n_threads=n_threads)
    d_rs = _snap(d_rs)
    c_s = syn.mean(axis=0)
    r_match = np.linalg.norm(syn[j] - c_s, axis=1)
    q = np.quantile(r_match, grid)
    covered = d_rs <= d_rr
    recall = (covered[None, :] & (r_match[None, :] <= q[:, None])).mean(axis=1)

    d_sr, _, i_star = two_nearest(syn, real, n_threads=n_threads)
    authentic = _snap(d_sr) > d_rr[i_star]
    return {
        "alpha_precision": curve_score(precision, grid),
        "beta_recall": curve_score(recall, grid),
        "authenticity": float(authentic.mean()),
        "precision_curve": precision.round(4).tolist(),
        "recall_curve": recall.round(4).tolist(),
        "share_covered": float(covered.mean()),
    }


def _result(ctx: MetricContext) -> dict[str, Any]:
    key = ("faithfulness", id(ctx.real), id(ctx.synthetic), id(ctx.holdout), ctx.seed)
    if key in ctx.cache:
        return ctx.cache[key]
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
    res = faithfulness(emb.transform(train), emb.transform(syn), n_threads=ctx.options.get("n_jobs", 1))
    res["details"] = {"n_real": len(train), "n_synthetic": len(syn), "dims": emb.width,
                      "embedding": "whitened PCA of the mixed encoding (fixed, not the paper's learned one-class embedding)",
                      **fr.details()}
    ctx.cache[key] = res
    return res


def alpha_beta(ctx: MetricContext) -> list[Score]:
    """Alpha-precision (fidelity) and beta-recall (diversity) of the synthetic rows."""
    r = _result(ctx)
    return [
        Score("aggregate.alpha_precision", r["alpha_precision"], details={**r["details"], "curve": r["precision_curve"]}),
        Score("aggregate.beta_recall", r["beta_recall"], details={**r["details"], "curve": r["recall_curve"],
                                                                   "share_covered": r["share_covered"]}),
    ]


def authenticity(ctx: MetricContext) -> list[Score]:
    """Share of synthetic rows that are not (near-)copies of a real training row, per Alaa et al."""
    r = _result(ctx)
    return [Score("privacy.authenticity", r["authenticity"], higher_is_better=True, details=r["details"])]


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register("aggregate.alpha_beta", alpha_beta, family="aggregate", higher_is_better=True,
             description="alpha-precision and beta-recall (Alaa et al. 2022) on a whitened-PCA embedding",
             rows=("aggregate.alpha_precision", "aggregate.beta_recall"))
    register("privacy.authenticity", authenticity, family="privacy", higher_is_better=True,
             description="authenticity (Alaa et al. 2022): share of synthetic rows that are not copies of training rows")
