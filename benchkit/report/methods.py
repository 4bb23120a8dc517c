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
    "utility.tstr_*": (
        "Train on synthetic, test on real: a model (LightGBM unless configured) fitted on the synthetic "
        "rows predicts the target of the real holdout; the suffix names the score (ROC AUC, macro F1, "
        "accuracy for classification; R², MAE for regression)."),
    "utility.trtr_*": (
        "Train on real, test on real: the same model fitted on the real training rows and scored on the "
        "same holdout: what real data achieves."),
    "utility.ratio_*": (
        "TSTR / TRTR (TRTR / TSTR for MAE): 1 means the synthetic data is as useful as the real data for "
        "this prediction task."),
    "detection.*_auc": (
        "Cross-validated ROC AUC of a classifier separating real training rows from synthetic rows "
        "(equal numbers of each): 0.5 when it cannot tell them apart. Below 0.5 happens with copying "
        "generators, whose rows have twins with the other label in the training folds."),
    "detection.*_score": "1 − 2·max(AUC − 0.5, 0) per fold, averaged (SDMetrics' detection score): 1 = indistinguishable.",
    "privacy.exact_copies": "The share of synthetic rows identical, in every scored column, to a real training row.",
    "privacy.dcr_below_holdout_p5": (
        "The share of synthetic rows whose distance to the closest real training row (DCR) is below the "
        "5th percentile of the real holdout rows' DCRs: about 0.05 for data that does not copy, 1 for copies."),
    "privacy.dcr_share": (
        "The share of synthetic rows closer to a training row than to any holdout row, re-weighted for "
        "the two sets' sizes: 0.5 for data that does not copy, 1 for copies."),
    "privacy.nndr_mean": (
        "The mean ratio of the distances from each synthetic row to its closest and second-closest real "
        "training rows: near 0 when synthetic rows sit on top of single real records."),
    "aggregate.overall": "The mean of Column shapes and Column pair trends (QualityReport's overall score), in [0, 1].",
    "aggregate.alpha_precision": (
        "On a whitened-PCA embedding of the rows: how closely the share of synthetic rows inside each "
        "real alpha-quantile ball around the real centre follows alpha (1 = the right proportions, "
        "neither piling in the core nor inventing outliers)."),
    "aggregate.beta_recall": (
        "The share of real rows covered by a synthetic row as closely as by their nearest other real row, "
        "against beta; fresh real rows score about 0.5 on this estimator, copies higher."),
    "aggregate.kmarginal_*": (
        "1 minus the mean total variation distance between the real and synthetic shares of every "
        "combination of binned values, over the 2-column (suffix 2) or 3-column (suffix 3) sets "
        "(SDNist's k-marginal score, on a 0-1 scale)."),
    "privacy.authenticity": (
        "The share of synthetic rows farther from their closest real row than that row is from its own "
        "closest other real row: 0 for copies, about 0.5 for fresh rows from the real distribution."),
    "privacy.mia_*_auc": (
        "ROC AUC of a membership-inference attack that scores real training rows (members) against real "
        "holdout rows (non-members) with the synthetic data (distance: closeness to a synthetic row; "
        "domias: the synthetic-to-population density ratio): 0.5 means the attacker cannot tell who was "
        "in the training set."),
    "privacy.mia_*_advantage": (
        "The attack's advantage, the largest true-positive minus false-positive rate over its thresholds: "
        "0 means no membership is disclosed."),
    "privacy.attribute_inference_accuracy": (
        "The share of holdout rows whose sensitive column (the target by default) is guessed right from "
        "the closest synthetic row on a few quasi-identifier columns."),
    "privacy.attribute_inference_baseline": (
        "The same guess made from the closest real training row: what the real data itself discloses."),
    "privacy.attribute_inference_ratio": (
        "Attribute-inference accuracy / baseline: about 1 when the synthetic data disclose the "
        "quasi-identifier to sensitive-value relation as well as the real data do."),
}

EVALUATE_ROWS: dict[str, str] = {
    "aggregate.column_shapes": "computed by benchkit.evaluate from the marginal KS and TV complements",
    "aggregate.column_pair_trends": "computed by benchkit.evaluate from the pairwise Pearson and contingency scores",
    "aggregate.overall": "computed by benchkit.evaluate: the mean of Column shapes and Column pair trends",
}
"""Rows :func:`benchkit.evaluate` writes itself (no plugin registers them): their one-line description."""

FAMILY_TEXTS: dict[str, str] = {
    "utility": (
        "The real data is split once (fixed by seed) into train and holdout. "
        "TRTR trains a model on the real train part and tests it on the holdout; TSTR trains the same "
        "model on synthetic data and tests it on the same holdout. A ratio TSTR/TRTR near 1 means the "
        "synthetic data is as useful for this task as the real data."),
    "detection": (
        "A classifier is cross-validated to tell real rows from synthetic ones; its ROC AUC "
        "is 0.5 when they cannot be told apart and 1 when they always can. Scores map the AUC so that "
        "1 means indistinguishable."),
    "privacy": (
        "Distances from each synthetic row to its closest real training row (DCR) are compared "
        "with the distances of real holdout rows to the same training rows: a generator that copies or "
        "nearly copies its training data sits closer to it than unseen real data does. Also reported: "
        "the nearest-neighbour distance ratio and the rate of exact copies."),
    "marginal": "Per column: a comparison of the real and synthetic marginal distributions.",
    "pairwise": "A comparison of the relationship between two columns in real and synthetic data.",
    "aggregate": "Summaries of the marginal and pairwise scores.",
}


VERDICT_TEXTS: list[tuple[str, str]] = [
    ("Ties with the best", (
        "Within a dataset and metric, the generator with the best mean over seeds is compared with every other "
        "generator by a one-sided Welch t-test (unequal variances) of \"worse than the best\" on the seed-level "
        "values, and the p-values of these comparisons are Holm-corrected. A generator whose adjusted p-value "
        "exceeds alpha = 0.05 is tied with the best and shown in bold with it. For a metric with an ideal value "
        "(0.5 for the DCR share and the membership-attack AUCs) the distance to it is tested. With one seed on "
        "either side nothing can be tested and only the best is bold; with no variance on either side the "
        "decision is exact (equal means tie). The reference row is never tested. A t-test is used because with "
        "1 to 5 seeds rank tests cannot reach significance at all.")),
    ("Across datasets", (
        "Generators are ranked on the headline metric within each dataset (1 = best, ties share the mean rank) "
        "and the average ranks are compared by the Friedman test (chi-square, and the Iman–Davenport F, which "
        "is less conservative and decides; with fewer than 10 datasets, where both approximations fail, a "
        "permutation p-value of the statistic from 20,000 seeded random rankings decides). Only generators "
        "scored on every dataset and passing the privacy gate on all of them take part. When it rejects, the Nemenyi post-hoc test calls two generators different when their average ranks differ by "
        "more than the critical difference CD = q_alpha·√(k(k+1)/(6N)), q_alpha the studentized range quantile "
        "over √2 (Demšar 2006, JMLR 7). The critical-difference diagram draws the average ranks on an axis and "
        "joins by a thick bar the generators that are not significantly different.")),
    ("Trade-off fronts", (
        "Per dataset, fidelity against privacy risk and utility against fit time, one point per generator with "
        "95% intervals over seeds. The Pareto front holds the generators that no other one beats on both axes: "
        "any other choice gives something up for nothing.")),
]
"""How the verdict marks are computed: (title, text) paragraphs for the methods section."""


def _registry_info() -> dict[str, dict]:
    try:
        from ..plugins import list_metrics

        return {name: dict(reg.info) for name, reg in list_metrics().items()}
    except Exception as exc:  # the report still renders when a plugin is broken
        log.warning("report: metric registry unavailable (%s); using the report's own texts", exc)
        return {}


def _direction(name: str, directions: dict[str, bool]) -> str:
    from ..verdict.significance import IDEAL

    if name in IDEAL:
        return f"best at {IDEAL[name]:g}"
    return "higher is better" if directions.get(name, True) else "lower is better"


def _registered_prefix(name: str, info: dict[str, dict]) -> dict:
    """The registration whose ``rows`` info (names or patterns) matches ``name``, else the one that writes rows named
    ``<registered>_<suffix>`` (``utility.tstr`` writes ``utility.tstr_roc_auc``), the longest such name."""
    listed = [i for i in info.values() if any(fnmatch(name, pat) for pat in i.get("rows") or ())]
    if listed:  # a registration that names the rows it writes (``aggregate.alpha_beta``)
        return listed[0]
    hits = [k for k in info if name.startswith(k + "_")]
    return info[max(hits, key=len)] if hits else {}


def method_rows(metrics: list[str], directions: dict[str, bool],
                families: dict[str, str] | None = None) -> list[dict[str, str]]:
    """One row per shown metric: name, family (as its rows record it), direction, registry description
    and the longer text."""
    info = _registry_info()
    families = families or {}
    rows = []
    for name in sorted(set(metrics)):
        family = families.get(name) or name.split(".", 1)[0]
        reg = info.get(name) or _registered_prefix(name, info)
        text = TEXTS.get(name) or next((t for pat, t in TEXTS.items() if fnmatch(name, pat)), "")
        rows.append({
            "name": name,
            "family": family,
            "direction": _direction(name, directions),
            "description": str(reg.get("description") or EVALUATE_ROWS.get(name, "")),
            "text": text,
        })
    return rows


UTILITY_BASELINES = {
    "benchmark": ("The `independent` generator samples every column on its own and is the random baseline a "
                  "useful generator must beat."),
    "references": ("Next to the synthetic table, evaluate scored two references with the same metrics: the "
                   "independent baseline (each column sampled on its own from the real training rows, as many "
                   "rows as the synthetic table) and the real holdout (half the holdout scored as if it were "
                   "synthetic, against the other half)."),
    "none": "No baseline was run: only the synthetic table was scored.",
}
"""The utility text's last sentence: it names only the baselines that were run."""


def family_notes(metrics: list[str], families: dict[str, str] | None = None, *, generators: tuple[str, ...] = (),
                 baselines: tuple[str, ...] | None = None) -> list[dict[str, str]]:
    """The family texts for the families present.

    A benchmark report passes its ``generators``; a single evaluation passes the references it
    scored as ``baselines`` (empty when none), so the utility text names only what was run.
    """
    if baselines is None:
        extra = UTILITY_BASELINES["benchmark"] if "independent" in generators else ""
    else:
        extra = UTILITY_BASELINES["references" if baselines else "none"]
    families = families or {}
    fams = list(dict.fromkeys(families.get(m) or m.split(".", 1)[0] for m in sorted(metrics)))
    texts = {**FAMILY_TEXTS, "utility": f"{FAMILY_TEXTS['utility']} {extra}".strip()}
    return [{"family": f, "text": texts[f]} for f in fams if f in texts]
