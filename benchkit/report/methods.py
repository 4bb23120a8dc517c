"""The methods section: a definition of every metric the report shows.

The one-line description comes from the metric registry (what the plugin that computes the metric
says); the longer texts here say how the number is computed and how to read it. A metric with neither
is still listed, with its family's text, so nothing shown goes undefined.
"""

from __future__ import annotations

import logging
from fnmatch import fnmatch

log = logging.getLogger(__name__)

TEXTS: dict[str, str] = {
    "marginal.ks_complement": (
        "For a numerical or datetime column: 1 minus the two-sample Kolmogorov–Smirnov statistic, the "
        "largest gap between the real and synthetic empirical CDFs. 1 means the two marginals coincide; "
        "0 means they do not overlap at all (SDMetrics' KSComplement)."),
    "marginal.tv_complement": (
        "For a categorical or boolean column: 1 minus the total variation distance, half the sum over "
        "categories of the absolute difference between real and synthetic category shares "
        "(SDMetrics' TVComplement)."),
    "marginal.missing_similarity": (
        "1 minus the absolute difference between the shares of missing values in real and synthetic "
        "data for the column."),
    "marginal.range_coverage": (
        "The share of the real column's [min, max] range that the synthetic values span, clipped to "
        "[0, 1] (SDMetrics' RangeCoverage)."),
    "marginal.category_coverage": (
        "The share of the real column's categories that appear at least once in the synthetic data "
        "(SDMetrics' CategoryCoverage)."),
    "pairwise.correlation_pearson": (
        "For a pair of numerical or datetime columns: 1 minus half the absolute difference between the real and "
        "synthetic Pearson correlation coefficients; 1 means the same linear association "
        "(SDMetrics' CorrelationSimilarity)."),
    "pairwise.correlation_spearman": (
        "As the Pearson variant, on Spearman rank correlations: robust to monotone transforms and "
        "heavy tails."),
    "pairwise.contingency": (
        "For a pair of columns that is not two numbers: 1 minus the total variation distance between "
        "the real and synthetic joint frequency tables; a numerical or datetime column is first cut into "
        "10 equal-width bins fixed from the real data, and a missing value is a category of its own "
        "(SDMetrics' ContingencySimilarity)."),
    "pairwise.category_combinations": (
        "Over the categorical columns jointly: how closely the relative count of every combination of "
        "values agrees between real and synthetic data (1 = identical shares); the scatter plot shows "
        "the individual combinations."),
    "aggregate.column_shapes": (
        "The mean of the KS and TV complements over the columns (SDMetrics QualityReport's Column Shapes): "
        "how well single columns are reproduced."),
    "aggregate.column_pair_trends": (
        "The mean of the Pearson correlation and contingency scores over the pairs whose real association "
        "is strong enough to matter (|r| > 0.5, Cramér's V > 0.3; QualityReport's rule): how well "
        "relationships between two columns are reproduced."),
    "aggregate.overall": "The mean of Column shapes and Column pair trends (QualityReport's overall score), in [0, 1].",
}

FAMILY_TEXTS: dict[str, str] = {
    "utility": (
        "Machine-learning utility. The real data is split once (fixed by seed) into train and holdout. "
        "TRTR trains a model on the real train part and tests it on the holdout; TSTR trains the same "
        "model on synthetic data and tests it on the same holdout. A ratio TSTR/TRTR near 1 means the "
        "synthetic data is as useful for this task as the real data. The `independent` generator samples "
        "every column on its own and is the random baseline a useful generator must beat."),
    "detection": (
        "Detection. A classifier is cross-validated to tell real rows from synthetic ones; its ROC AUC "
        "is 0.5 when they cannot be told apart and 1 when they always can. Scores map the AUC so that "
        "1 means indistinguishable."),
    "privacy": (
        "Privacy. Distances from each synthetic row to its closest real training row (DCR) are compared "
        "with the distances of real holdout rows to the same training rows: a generator that copies or "
        "nearly copies its training data sits closer to it than unseen real data does. Also reported: "
        "the nearest-neighbour distance ratio and the rate of exact copies."),
    "marginal": "A per-column comparison of the real and synthetic marginal distributions.",
    "pairwise": "A comparison of the relationship between two columns in real and synthetic data.",
    "aggregate": "A summary of other scores.",
}


def _registry_info() -> dict[str, dict]:
    try:
        from ..plugins import list_metrics

        return {name: dict(reg.info) for name, reg in list_metrics().items()}
    except Exception as exc:  # the report still renders when a plugin is broken
        log.warning("report: metric registry unavailable (%s); using the report's own texts", exc)
        return {}


def method_rows(metrics: list[str], directions: dict[str, bool]) -> list[dict[str, str]]:
    """One row per shown metric: name, family, direction, registry description and the longer text."""
    info = _registry_info()
    rows = []
    for name in sorted(set(metrics)):
        family = name.split(".", 1)[0]
        reg = info.get(name, {})
        text = TEXTS.get(name) or next((t for pat, t in TEXTS.items() if fnmatch(name, pat)), "")
        rows.append({
            "name": name,
            "family": family,
            "direction": "higher is better" if directions.get(name, True) else "lower is better",
            "description": str(reg.get("description") or ""),
            "text": text,
        })
    return rows


def family_notes(metrics: list[str]) -> list[dict[str, str]]:
    """The family texts for the families present."""
    fams = list(dict.fromkeys(m.split(".", 1)[0] for m in sorted(metrics)))
    return [{"family": f, "text": FAMILY_TEXTS[f]} for f in fams if f in FAMILY_TEXTS]
