"""The headline scores: which metric stands for each verdict question, defined once for the terminal
summary, the recommendation and the report's leaderboard and fronts."""

from __future__ import annotations

from fnmatch import fnmatch
from typing import Iterable

FIDELITY = "aggregate.overall"
"""Overall fidelity (the mean of column shapes and pair trends)."""

UTILITY_RATIOS: tuple[str, ...] = ("utility.ratio_roc_auc", "utility.ratio_r2", "utility.*ratio*")
"""Machine-learning utility as TSTR relative to TRTR, classification first."""

HEADLINES: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("Overall", (FIDELITY,)),
    ("Column shapes", ("aggregate.column_shapes",)),
    ("Pair trends", ("aggregate.column_pair_trends",)),
    ("Utility", UTILITY_RATIOS + ("utility.tstr_*auc*", "utility.tstr_*r2*", "utility.tstr*", "utility.*")),
    ("Detection", ("detection.lightgbm_score", "detection.*score*", "detection.*")),
    ("Privacy", ("privacy.dcr_below_holdout_p5", "privacy.dcr*", "privacy.*")),
)
"""A label per headline and the metric-name patterns tried in order (the first that matches is shown)."""


def pick_metric(available: Iterable[str], patterns: tuple[str, ...]) -> str | None:
    """The first available metric (sorted) matching the first pattern that matches anything."""
    names = sorted(set(available))
    for pat in patterns:
        hits = [m for m in names if fnmatch(m, pat)]
        if hits:
            return hits[0]
    return None


def headline_metrics(available: Iterable[str]) -> list[str]:
    """The metric standing for each headline, in headline order, for the headlines measured."""
    names = sorted(set(available))
    picked = (pick_metric(names, pats) for _, pats in HEADLINES)
    return list(dict.fromkeys(m for m in picked if m is not None))
