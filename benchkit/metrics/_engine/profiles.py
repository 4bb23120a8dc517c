"""Per-entity statistics shared by the ``entity`` metrics: histories, aggregate profiles, monthly counts.

Everything is grouped with ``np.bincount`` over dense entity codes (:func:`benchkit.entities.histories`):
no Python loop over rows or entities. Frames are the evaluation's (``ctx.real``, ``ctx.synthetic``,
``ctx.holdout``) or splits of them; each carries the entity key column (:func:`benchkit.data.align_frames`).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from ...entities import EntityRoles, Histories, histories
from ...schema import Schema, label_keys
from .mixed_encoding import category_keys

MAX_PROFILE_CATEGORIES = 30
"""Categories per column whose share and monthly density enter an entity's profile (the most
frequent in the real data; the others are pooled as one)."""
DAYS_PER_MONTH = 365.25 / 12


@dataclass
class Sorted:
    """A frame in history order with its :class:`~benchkit.entities.Histories`."""

    frame: pd.DataFrame
    hist: Histories


def sort_histories(frame: pd.DataFrame, roles: EntityRoles) -> Sorted:
    hist = histories(frame, roles)
    return Sorted(hist.sorted(frame), hist)


def per_entity_mean(values: np.ndarray, codes: np.ndarray, n: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(mean, sum, population std) of ``values`` per entity, missing values skipped (NaN for an
    entity without a value; its sum is 0)."""
    ok = np.isfinite(values)
    c, v = codes[ok], values[ok]
    count = np.bincount(c, minlength=n).astype(float)
    total = np.bincount(c, weights=v, minlength=n)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = total / count
        dev = v - mean[c]
        std = np.sqrt(np.bincount(c, weights=dev * dev, minlength=n) / count)
    return mean, total, std


def month_index(frame: pd.DataFrame, order: str) -> np.ndarray | None:
    """Calendar months (year x 12 + month) of a datetime order column, as float (NaN when missing); None otherwise."""
    s = frame[order]
    if not pd.api.types.is_datetime64_any_dtype(s.dtype):
        return None
    out = (s.dt.year * 12 + s.dt.month).to_numpy(dtype=float, na_value=np.nan)
    return out


def monthly_counts(month: np.ndarray, hist: Histories) -> np.ndarray:
    """Events of each entity in each calendar month from its first to its last event month (months
    without events count 0), all entities' months concatenated."""
    ok = np.isfinite(month)
    if not ok.any():
        return np.empty(0)
    codes, m = hist.codes[ok], month[ok].astype(np.int64)
    first = np.full(hist.n, np.iinfo(np.int64).max)
    last = np.full(hist.n, np.iinfo(np.int64).min)
    np.minimum.at(first, codes, m)
    np.maximum.at(last, codes, m)
    present = first <= last
    span = np.where(present, last - first + 1, 0)
    base = np.r_[0, np.cumsum(span)[:-1]]
    slot = base[codes] + (m - first[codes])
    return np.bincount(slot, minlength=int(span.sum())).astype(float)


def active_months(month: np.ndarray | None, hist: Histories) -> np.ndarray:
    """Months from each entity's first to its last event (1 for an entity within one month), or, with
    a numerical or no order, its span in order units / 30.44 + 1 (1 when unknown)."""
    if month is not None and np.isfinite(month).any():
        ok = np.isfinite(month)
        lo = np.full(hist.n, np.inf)
        hi = np.full(hist.n, -np.inf)
        np.minimum.at(lo, hist.codes[ok], month[ok])
        np.maximum.at(hi, hist.codes[ok], month[ok])
        return np.where(np.isfinite(lo), hi - lo + 1, 1.0)
    return np.ones(hist.n)


@dataclass
class ProfileSpec:
    """Which columns enter an entity's profile, fixed from the real data so every frame gets the same features."""

    numerical: list[str]
    categorical: dict[str, np.ndarray]  # column -> the category keys given a share of their own

    @classmethod
    def of(cls, real: pd.DataFrame, schema: Schema, exclude: set[str]) -> "ProfileSpec":
        roles = schema.roles
        skip = set(exclude) | {roles.key, roles.order, roles.label}
        nums = [c for c in schema.numerical if c not in skip]
        cats = {}
        for c in schema.categorical:
            if c in skip:
                continue
            cats[c] = frequent_keys(real[c], MAX_PROFILE_CATEGORIES)
        return cls(nums, cats)


def profile(s: Sorted, spec: ProfileSpec, schema: Schema) -> pd.DataFrame:
    """One row per entity (in code order): rows, span in days, events per active month, and for each
    numerical column its mean, sum and std; for each categorical column the share of each of its
    profile categories and their events per active month (the time density of each category)."""
    hist, frame = s.hist, s.frame
    n = hist.n
    month = month_index(frame, schema.order) if schema.order else None
    months = active_months(month, hist)
    cols: dict[str, np.ndarray] = {"rows": hist.sizes.astype(float), "events_per_month": hist.sizes / months}
    if hist.order_values is not None:
        ov = hist.order_values
        ok = np.isfinite(ov)
        lo = np.full(n, np.inf)
        hi = np.full(n, -np.inf)
        np.minimum.at(lo, hist.codes[ok], ov[ok])
        np.maximum.at(hi, hist.codes[ok], ov[ok])
        cols["span"] = np.where(np.isfinite(lo), hi - lo, 0.0)
    for c in spec.numerical:
        mean, total, std = per_entity_mean(frame[c].to_numpy(dtype=float, na_value=np.nan), hist.codes, n)
        cols[f"{c}:mean"], cols[f"{c}:sum"], cols[f"{c}:std"] = mean, total, std
    for c, cats in spec.categorical.items():
        counts = category_counts_per_entity(frame[c], cats, hist)
        shares = counts / hist.sizes[:, None]
        density = counts / months[:, None]
        for j, cat in enumerate(cats):
            cols[f"{c}={cat}:share"] = shares[:, j]
            cols[f"{c}={cat}:per_month"] = density[:, j]
    return pd.DataFrame(cols)


def category_counts_per_entity(values: pd.Series, cats: np.ndarray, hist: Histories) -> np.ndarray:
    """An (entities x categories) matrix of row counts; rows of other categories or missing are not counted."""
    code = key_codes(values, cats)
    ok = code >= 0
    k = len(cats)
    flat = np.bincount(hist.codes[ok] * k + code[ok], minlength=hist.n * k)
    return flat.reshape(hist.n, k).astype(float)


def frequent_keys(values: pd.Series, k: int | None = None) -> np.ndarray:
    """The label keys of ``values``, most frequent first (ties by key), at most ``k``; missing left out."""
    vc = values.value_counts()
    counts = pd.Series(vc.to_numpy(), index=label_keys(vc.index).astype(str)).groupby(level=0).sum()
    counts = counts.sort_index().sort_values(ascending=False, kind="stable")
    return np.asarray(counts.index[:k], dtype=object)


def key_codes(values: pd.Series, cats: np.ndarray) -> np.ndarray:
    """Each row's position in ``cats`` (label keys, :func:`category_keys`), -1 for a label not among
    them or a missing value: the distinct labels are keyed once, then one gather."""
    codes, labels = pd.factorize(values)
    where = np.append(pd.Index(np.asarray(cats, dtype=object)).get_indexer(label_keys(labels).astype(str)), -1)
    return where[codes]


def entity_labels(frame: pd.DataFrame, label: str, hist: Histories) -> np.ndarray:
    """Each entity's label: the label key of its first row in history order."""
    return category_keys(frame[label].take(np.flatnonzero(hist.first))).astype(str)


def constant_within(frame: pd.DataFrame, column: str, hist: Histories) -> bool:
    """Whether ``column`` takes one value throughout every entity (missing counting as a value)."""
    values, _ = pd.factorize(frame[column], use_na_sentinel=False)
    return not bool((np.r_[False, values[1:] != values[:-1]] & ~hist.first).any())
