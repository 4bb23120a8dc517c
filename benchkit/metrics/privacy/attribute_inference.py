"""Attribute inference: does the synthetic table let an attacker infer a sensitive value from quasi-identifiers?

The attacker knows the quasi-identifiers (QIs) of a real person -- here the real holdout rows -- and
looks up the closest synthetic row on those columns (Euclidean distance on the mixed encoding of the
QIs, :mod:`.mixed_encoding`, fitted on the training rows); the guess is that row's sensitive value.
The *baseline* guesses the same way from the closest real training row: what the real data itself
discloses about people in general. Ties (common when the QIs are categorical) go to a seeded random
row: both tables are shuffled with the seed before the search.

``privacy.attribute_inference_accuracy`` (lower is more private): share of holdout rows whose
    sensitive value is guessed right from the synthetic rows.
``privacy.attribute_inference_baseline``: the same from the real training rows (a reference, it does
    not depend on the generator).
``privacy.attribute_inference_ratio`` = accuracy / baseline: about 1 when the synthetic data disclose
    the QI -> sensitive relation as well as the real data do (also a sign of utility); well below 1
    when that relation is lost.

Columns: ``options["quasi_identifiers"]`` (a list) and ``options["sensitive_column"]`` (default: the
target). Default QIs: the first five categorical/boolean scored columns other than the sensitive one
with at most 50 distinct training values (in schema order); if there are none, the first five other
scored columns. A categorical sensitive value is guessed right when it is equal (missing equals
missing); a numerical one when within 5 % of the training rows' 5th-95th percentile range.
Speed: at most ``options["attribute_max_rows"]`` (20,000) holdout rows, seeded.
"""

from __future__ import annotations

from typing import Callable

import numpy as np

from ...errors import DataError
from ...hookspecs import hookimpl
from ...schema import Schema
from .. import MetricContext, Score
from .._engine.mixed_encoding import MixedEncoder, as_number, category_keys
from .._engine.neighbours import nearest_first
from .._engine.splits import metric_frames

MAX_QI = 5
MAX_QI_VALUES = 50
MAX_ROWS = 20_000
TOLERANCE = 0.05


def default_quasi_identifiers(schema: Schema, train, sensitive: str) -> list[str]:
    """The documented default QIs: first five low-cardinality categorical/boolean columns, else any."""
    others = [c for c in schema.scored_columns if c != sensitive]
    cats = [c for c in others if schema[c].kind in ("categorical", "boolean")
            and train[c].nunique(dropna=False) <= MAX_QI_VALUES]
    return (cats or others)[:MAX_QI]


def _hits(guess, truth, kind: str, tol: float) -> np.ndarray:
    if kind in ("numerical", "datetime"):
        return np.abs(guess - truth) <= tol
    return guess == truth


def attribute_inference(ctx: MetricContext) -> list[Score]:
    """Accuracy of nearest-synthetic-row guesses of a sensitive column vs nearest-training-row guesses."""
    fr = metric_frames(ctx)
    if fr.holdout is None or len(fr.holdout) == 0:
        raise DataError("attribute inference needs a real holdout (pass holdout=...)")
    sensitive = ctx.options.get("sensitive_column") or ctx.target
    if sensitive is None:
        raise DataError("attribute inference needs a sensitive column: pass target=... or options['sensitive_column']")
    if sensitive not in ctx.schema.scored_columns:
        raise DataError(f"sensitive column {sensitive!r} is not a scored column of the schema")
    qi = list(ctx.options.get("quasi_identifiers") or default_quasi_identifiers(ctx.schema, fr.train, sensitive))
    bad = [c for c in qi if c not in ctx.schema.scored_columns or c == sensitive]
    if bad or not qi:
        raise DataError(f"quasi-identifier columns {bad or qi} must be scored columns other than the sensitive {sensitive!r}")
    if len(fr.synthetic) == 0:
        raise DataError("attribute inference needs synthetic rows, got 0")
    rng = np.random.default_rng(ctx.seed)
    hold = fr.holdout
    cap = ctx.options.get("attribute_max_rows", MAX_ROWS)
    if cap is not None and len(hold) > cap:
        hold = hold.iloc[np.sort(rng.choice(len(hold), int(cap), replace=False))]
    syn = fr.synthetic.iloc[rng.permutation(len(fr.synthetic))]
    train = fr.train.iloc[rng.permutation(len(fr.train))]
    enc = MixedEncoder(ctx.schema, qi, max_categories=int(ctx.options.get("encoding_max_categories", 20))).fit(fr.train)
    q, q_codes = enc.transform_with_codes(hold)
    threads = ctx.options.get("n_jobs", 1)
    kind = ctx.schema[sensitive].kind
    if kind in ("numerical", "datetime"):
        values = lambda df: as_number(df[sensitive], kind)  # noqa: E731
        lo, hi = np.nanpercentile(values(fr.train), [5, 95])
        tol = TOLERANCE * float(hi - lo)
    else:
        values = lambda df: category_keys(df[sensitive])  # noqa: E731
        tol = 0.0
    truth = values(hold)
    method = ctx.options.get("neighbour_search", "auto")

    def nearest(ref):
        x, codes = enc.transform_with_codes(ref)
        return nearest_first(q, x, q_codes, codes, enc.numeric_width, n_threads=threads, method=method)

    i_syn, i_train = nearest(syn), nearest(train)
    acc = float(_hits(values(syn)[i_syn], truth, kind, tol).mean())
    base = float(_hits(values(train)[i_train], truth, kind, tol).mean())
    ratio = acc / base if base > 0 else float("nan")
    details = {"sensitive": sensitive, "quasi_identifiers": qi, "n_holdout": len(hold), **fr.details()}
    if tol:
        details["tolerance"] = tol
    return [
        Score("privacy.attribute_inference_accuracy", acc, column=sensitive, higher_is_better=False, details=details),
        Score("privacy.attribute_inference_baseline", base, column=sensitive, higher_is_better=False, details=details),
        Score("privacy.attribute_inference_ratio", ratio, column=sensitive, higher_is_better=False, details=details),
    ]


@hookimpl
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    register("privacy.attribute_inference", attribute_inference, family="privacy", higher_is_better=False,
             description="accuracy of inferring a sensitive column of holdout rows from their nearest synthetic row on quasi-identifiers, vs from real training rows",
             requires=("holdout",))
