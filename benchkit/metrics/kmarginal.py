"""k-marginal score (NIST CRC / SDNist): how well the synthetic rows reproduce 2- and 3-way marginals.

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
"""

from __future__ import annotations

from itertools import combinations
from typing import Callable

import numpy as np
import pandas as pd

from ..errors import DataError
from ..hookspecs import hookimpl
from ..schema import Schema
from . import MetricContext, Score
from .mixed_encoding import as_number, category_keys

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
            kr, ko = category_keys(real[name]), category_keys(other[name])
            counts = pd.Series(kr).value_counts(sort=False)
            kept = [k for k, _ in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0]))[:max_categories]]
            index = pd.Index(kept)
            cr, co = index.get_indexer(kr), index.get_indexer(ko)
            cr[cr < 0] = len(kept)
            co[co < 0] = len(kept)
            sizes[name] = len(kept) + 1
        codes_r[name], codes_o[name] = cr.astype(np.int64), co.astype(np.int64)
    return codes_r, codes_o, sizes


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


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register("aggregate.kmarginal", kmarginal, family="aggregate", higher_is_better=True,
             description="SDNist-style k-marginal score: 1 - mean total variation distance of 2- and 3-way binned marginals")
