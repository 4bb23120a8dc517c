"""Privacy metrics: do synthetic rows copy, or sit suspiciously close to, the real rows the generator saw?

All distances are Euclidean on the mixed-type encoding of :mod:`benchkit.metrics._engine.mixed_encoding`, fitted on
the real training rows (``ctx.real``), and divided by ``sqrt(number of scored columns)`` so they lie in
[0, ~1.2] whatever the width. "DCR" of a row is its distance to the closest real training row.

``privacy.exact_copies`` (lower is better)
    Share of synthetic rows identical, in every scored column, to some real training row (rows are
    hashed; missing equals missing). ``details["holdout_rate"]`` is the same share for the real
    holdout: the rate that natural duplicates in the data produce without any copying.
``privacy.dcr_below_holdout_p5`` (lower is better; about 0.05 for fresh real data)
    Share of synthetic rows whose DCR is strictly smaller than the 5th percentile of the holdout's
    DCRs (holdout row -> real training rows). A generator as private as new real data scores about
    0.05; one that copies or nearly copies training rows scores higher.
``privacy.dcr_share`` (0.5 is ideal; above 0.5 means training rows leak)
    Share ``s`` of synthetic rows closer to a training row than to any holdout row (ties count one
    half), re-weighted to equal reference sizes: ``(s/n) / (s/n + (1-s)/h)`` for ``n`` training and
    ``h`` holdout rows. Real rows exchangeable with the training rows have their nearest of the
    ``n + h`` real rows in train with probability ``n/(n+h)``, which the re-weighting maps to 0.5;
    with ``n == h`` it is exactly Platzer & Reutterer's holdout-based "DCR share". A copying
    generator scores 1. ``details["raw_share"]`` holds ``s``.
``privacy.nndr_mean`` (higher is better)
    Mean over synthetic rows of the nearest-neighbour distance ratio d1/d2 (distances to the closest
    and second-closest training rows; 0/0 counts as 0). Rows close to one training record and far
    from the rest have a ratio near 0; ``details["holdout_mean"]`` gives the holdout's mean as a
    reference.

For the runner's "holdout" pseudo-generator (the synthetic sample *is* the holdout), the holdout is
split into halves, one playing the sample and the other the holdout (see :mod:`.splits`).
Distances are computed in float32: squared encoded distances below ``SNAP`` (1e-5, e.g. a rank
difference of 0.003 in one column) count as 0.
Speed: the distance metrics use a seeded sample of at most ``options["privacy_max_rows"]`` (20,000)
synthetic rows and ``options["privacy_max_holdout"]`` (20,000) holdout rows as *queries*, always
searched against *every* real training row (``None`` lifts a cap). Shares and percentiles from
20,000 rows have a standard error below 0.004. The exact-copy rate always uses every row. The search is
exact, through one :class:`~benchkit.metrics._engine.neighbours.NeighbourIndex` of the training rows
shared by the synthetic and holdout queries (k-d trees over the numerical part and the category codes
where that is narrow, blocked BLAS otherwise; ``options["neighbour_search"]``).
"""

from __future__ import annotations

import logging
from typing import Any, Callable

import numpy as np

from ...errors import DataError
from ...hookspecs import hookimpl
from .. import MetricContext, Score
from .._engine.ctx import memo
from .._engine.mixed_encoding import MixedEncoder, row_hashes
from .._engine.neighbours import NeighbourIndex
from .._engine.splits import Frames, metric_frames

log = logging.getLogger(__name__)

MAX_HOLDOUT = 20_000
MAX_ROWS = 20_000
PERCENTILE = 5.0
SNAP = 1e-5  # squared encoded distance below which float32 rounding cannot tell a pair from a copy


def _frames(ctx: MetricContext) -> Frames:
    """The privacy metrics' frames (the holdout and synthetic queries capped, seeded), computed once per context."""
    key = ("frames", id(ctx.real), id(ctx.synthetic), id(ctx.holdout), ctx.seed)
    return memo(ctx, __name__, key, lambda: _build_frames(ctx))


def _build_frames(ctx: MetricContext) -> Frames:
    if len(ctx.real) == 0 or len(ctx.synthetic) == 0:
        raise DataError(
            f"privacy metrics need real and synthetic rows, got {len(ctx.real)} and {len(ctx.synthetic)}"
        )
    if not ctx.schema.scored_columns:
        raise DataError("privacy metrics need at least one scored (non-id) column")
    fr = metric_frames(ctx)
    rng = np.random.default_rng(ctx.seed)
    fr.synthetic_all = fr.synthetic
    fr.holdout_all = fr.holdout
    cap = ctx.options.get("privacy_max_holdout", MAX_HOLDOUT)
    if cap is not None and fr.holdout is not None and len(fr.holdout) > cap:
        fr.holdout = fr.holdout.iloc[np.sort(rng.choice(len(fr.holdout), int(cap), replace=False))]
    cap = ctx.options.get("privacy_max_rows", MAX_ROWS)
    if cap is not None and len(fr.synthetic) > cap:
        log.info("privacy: %d of %d synthetic rows used as distance queries (privacy_max_rows)", cap, len(fr.synthetic))
        fr.synthetic = fr.synthetic.iloc[np.sort(rng.choice(len(fr.synthetic), int(cap), replace=False))]
    return fr


def _neighbours(ctx: MetricContext) -> dict[str, Any]:
    """Encodings and nearest-training-row distances of synthetic and holdout rows, computed once."""
    key = ("neighbours", id(ctx.real), id(ctx.synthetic), id(ctx.holdout), ctx.seed)
    return memo(ctx, __name__, key, lambda: _build_neighbours(ctx))


def _build_neighbours(ctx: MetricContext) -> dict[str, Any]:
    fr = _frames(ctx)
    cols = ctx.schema.scored_columns
    enc = MixedEncoder(ctx.schema, cols, max_categories=int(ctx.options.get("encoding_max_categories", 20)))
    enc.fit(fr.train)
    train, train_codes = enc.transform_with_codes(fr.train)
    centre = train.mean(axis=0)  # centring reduces float32 cancellation in |a|^2 + |b|^2 - 2ab
    train -= centre
    scale = np.sqrt(len(cols))
    threads = ctx.options.get("n_jobs", 1)
    method = ctx.options.get("neighbour_search", "auto")
    index = NeighbourIndex(train, train_codes, enc.numeric_width, n_threads=threads, method=method)
    out: dict[str, Any] = {"encoder": enc, "train": train, "centre": centre, "scale": scale, "index": index}
    syn, syn_codes = enc.transform_with_codes(fr.synthetic)
    syn -= centre
    d1, d2, _ = index.query(syn, syn_codes)  # no bar of its own: evaluate shows one for the whole run
    out.update(synthetic=syn, synthetic_codes=syn_codes, syn_d1=_snap(d1) / scale, syn_d2=_snap(d2) / scale,
               tree_share=index.last_tree_share)
    if fr.holdout is not None and len(fr.holdout):
        hold, hold_codes = enc.transform_with_codes(fr.holdout)
        hold -= centre
        h1, h2, _ = index.query(hold, hold_codes)
        out.update(holdout=hold, holdout_codes=hold_codes, hold_d1=_snap(h1) / scale, hold_d2=_snap(h2) / scale)
    return out


def _snap(d: np.ndarray) -> np.ndarray:
    """Distances within float32 rounding of 0 (d^2 < SNAP) are exact matches."""
    return np.where(d * d < SNAP, 0.0, d)


def nndr(d1: np.ndarray, d2: np.ndarray) -> np.ndarray:
    """Nearest-neighbour distance ratio d1/d2 per row, 0/0 counted as 0 (and x/inf as 0)."""
    with np.errstate(invalid="ignore", divide="ignore"):
        r = np.where(d2 > 0, d1 / d2, 0.0)
    return np.where(np.isfinite(r), r, 0.0)


def exact_copies(ctx: MetricContext) -> list[Score]:
    """Share of synthetic rows that are verbatim copies of real training rows."""
    fr = _frames(ctx)
    cols = ctx.schema.scored_columns
    train_h = row_hashes(fr.train, ctx.schema, cols)
    syn, hold = fr.synthetic_all, fr.holdout_all
    rate = float(np.isin(row_hashes(syn, ctx.schema, cols), train_h).mean()) if len(syn) else float("nan")
    details: dict[str, Any] = {"n_synthetic": len(syn), **fr.details()}
    if hold is not None and len(hold):
        details["holdout_rate"] = float(np.isin(row_hashes(hold, ctx.schema, cols), train_h).mean())
    return [Score("privacy.exact_copies", rate, higher_is_better=False, details=details)]


def dcr(ctx: MetricContext) -> list[Score]:
    """DCR of synthetic rows against the holdout's DCR: share below its 5th percentile, and DCR share."""
    fr = _frames(ctx)
    nb = _neighbours(ctx)
    if "hold_d1" not in nb:
        return []
    syn_d, hold_d = nb["syn_d1"], nb["hold_d1"]
    p5 = float(np.percentile(hold_d, PERCENTILE))
    base = {
        "synthetic_median": float(np.median(syn_d)),
        "holdout_median": float(np.median(hold_d)),
        "holdout_p5": p5,
        "n_synthetic": int(len(syn_d)),
        # distinct rows bound how much the shares can tell: a collapsed sample of one repeated row is one
        # observation, however many times it is repeated (the privacy gate sizes its allowance by it)
        "n_synthetic_distinct": int(np.unique(row_hashes(fr.synthetic, ctx.schema, ctx.schema.scored_columns)).size),
        "n_holdout": int(len(hold_d)),
        **fr.details(),
    }
    below = float(np.mean(syn_d < p5))
    share, raw = _dcr_share(ctx, nb)
    return [
        Score("privacy.dcr_below_holdout_p5", below, higher_is_better=False, details=base),
        Score("privacy.dcr_share", share, higher_is_better=False, details={**base, "raw_share": raw, "n_train": int(len(nb["train"])), "expected_raw_if_private": len(nb["train"]) / (len(nb["train"]) + len(hold_d))}),
    ]


def _dcr_share(ctx: MetricContext, nb: dict[str, Any]) -> tuple[float, float]:
    """Share of synthetic rows nearer to train than to holdout, raw and re-weighted to equal sizes."""
    n, h = len(nb["train"]), len(nb["holdout"])
    index = NeighbourIndex(nb["holdout"], nb["holdout_codes"], nb["encoder"].numeric_width,
                           n_threads=ctx.options.get("n_jobs", 1), method=ctx.options.get("neighbour_search", "auto"))
    to_hold = index.query(nb["synthetic"], nb["synthetic_codes"])[0]
    to_hold = _snap(to_hold) / nb["scale"]
    to_train = nb["syn_d1"]
    raw = float(np.mean((to_train < to_hold) + 0.5 * (to_train == to_hold)))
    # under exchangeability the nearest of n + h real rows is a training row with probability
    # n / (n + h); re-weighting per reference row puts that null at 0.5 for any n, h
    a, b = raw / n, (1.0 - raw) / h
    return float(a / (a + b)) if a + b > 0 else float("nan"), raw


def nndr_metric(ctx: MetricContext) -> list[Score]:
    """Mean nearest-neighbour distance ratio of synthetic rows to the real training rows."""
    fr = _frames(ctx)
    nb = _neighbours(ctx)
    r = nndr(nb["syn_d1"], nb["syn_d2"])
    details: dict[str, Any] = {"median": float(np.median(r)), **fr.details()}
    if "hold_d1" in nb:
        h = nndr(nb["hold_d1"], nb["hold_d2"])
        details["holdout_mean"] = float(np.mean(h))
        details["holdout_median"] = float(np.median(h))
    return [Score("privacy.nndr_mean", float(np.mean(r)), higher_is_better=True, details=details)]


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register(
        "privacy.exact_copies",
        exact_copies,
        family="privacy",
        higher_is_better=False,
        description="share of synthetic rows that copy a real training row verbatim",
    )
    register(
        "privacy.dcr",
        dcr,
        family="privacy",
        higher_is_better=False,
        description="distance to closest record vs the real holdout: share below its 5th percentile, DCR share",
        requires=("holdout",),
    )
    register(
        "privacy.nndr",
        nndr_metric,
        family="privacy",
        higher_is_better=True,
        description="mean nearest-neighbour distance ratio of synthetic rows to real training rows",
    )
