"""How the utility and privacy metrics obtain their (train, holdout, synthetic) frames.

Two situations need care:

* **No holdout given.** Utility metrics then split ``ctx.real`` once into train and holdout, fixed by
  ``ctx.seed``. Caveat: the generator saw those "holdout" rows, so TSTR is optimistic for generators
  that memorise (a copying generator scores like TRTR on rows it copied). Scores say so in
  ``details["holdout"] = "split from real"``.
* **The holdout scored as a pseudo-generator.** The benchmark runner also scores the real holdout as
  if it were a generator's sample. Testing a model trained on the holdout on the holdout itself, or
  measuring the holdout's distance to itself, would be meaningless, so when most synthetic rows are
  exact copies of holdout rows (:data:`SAME_AS_HOLDOUT`), the holdout is split into two seeded halves:
  one plays the synthetic sample, the other the holdout (``details["holdout_as_synthetic"] = True``).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...entities import entity_split
from ...schema import Schema
from .. import MetricContext
from .mixed_encoding import row_hashes

SAME_AS_HOLDOUT = 0.5
"""Share of synthetic rows found verbatim in the holdout above which the sample *is* the holdout."""


@dataclass
class Frames:
    """The frames a metric compares, and how they were obtained."""

    train: pd.DataFrame
    synthetic: pd.DataFrame
    holdout: pd.DataFrame | None
    holdout_source: str  # "given" | "split from real" | "none"
    holdout_as_synthetic: bool = False
    synthetic_all: pd.DataFrame | None = None  # before any subsampling for speed
    holdout_all: pd.DataFrame | None = None

    def details(self) -> dict:
        return {"holdout": self.holdout_source, "holdout_as_synthetic": self.holdout_as_synthetic}


def copy_share(rows: pd.DataFrame, pool: pd.DataFrame, schema: Schema, columns: list[str] | None = None) -> float:
    """Share of ``rows`` that occur verbatim (all ``columns``) in ``pool``."""
    if len(rows) == 0:
        return float("nan")
    h = row_hashes(rows, schema, columns)
    return float(np.isin(h, row_hashes(pool, schema, columns)).mean())


def halves(df: pd.DataFrame, seed: int, entity: str | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Two disjoint seeded halves of ``df`` (of its entities, whole, when ``entity`` names the entity key)."""
    if entity is not None and df[entity].nunique() >= 4:  # two entities a side at least
        a, b = entity_split(df[entity], 0.5, seed)
        return df.iloc[a], df.iloc[b]
    order = np.random.default_rng(seed).permutation(len(df))
    cut = len(df) // 2
    return df.iloc[order[:cut]], df.iloc[order[cut:]]


def metric_frames(
    ctx: MetricContext,
    split_when_missing: bool = False,
    holdout_fraction: float = 0.3,
    stratify: str | None = None,
) -> Frames:
    """The (train, synthetic, holdout) frames for ``ctx``, handling the two cases in the module docstring."""
    train, synthetic, holdout = ctx.real, ctx.synthetic, ctx.holdout
    if holdout is None:
        if not split_when_missing:
            return Frames(train, synthetic, None, "none")
        train, holdout = split_real(train, holdout_fraction, ctx.seed, stratify, entity=ctx.schema.entity)
        return Frames(train, synthetic, holdout, "split from real")
    if len(holdout) >= 4 and copy_share(synthetic, holdout, ctx.schema) > SAME_AS_HOLDOUT:
        a, b = halves(holdout, ctx.seed, ctx.schema.entity)
        return Frames(train, a, b, "given", holdout_as_synthetic=True)
    return Frames(train, synthetic, holdout, "given")


def split_real(
    real: pd.DataFrame, holdout_fraction: float, seed: int, stratify: str | None = None, entity: str | None = None
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Split ``real`` once into (train, holdout), stratified on ``stratify`` when every class has 2+ rows.

    With ``entity`` (the entity key column) the split is by entity, never by row: each entity's rows
    all land on one side (:func:`benchkit.entities.entity_split`, stratified by entity).
    """
    from sklearn.model_selection import train_test_split

    if entity is not None:
        labels = real[stratify].to_numpy() if stratify is not None else None
        tr, ho = entity_split(real[entity], holdout_fraction, seed, labels)
        return real.iloc[tr], real.iloc[ho]

    labels = None
    if stratify is not None:
        keys = real[stratify].astype(object).map(str, na_action="ignore").fillna("<missing>")
        if keys.value_counts().min() >= 2:
            labels = keys.to_numpy()
    idx = np.arange(len(real))
    tr, ho = train_test_split(idx, test_size=holdout_fraction, random_state=seed, stratify=labels)
    return real.iloc[np.sort(tr)], real.iloc[np.sort(ho)]
