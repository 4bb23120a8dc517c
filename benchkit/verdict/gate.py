"""The privacy gate: does a generator leak its training rows measurably more than fresh real data?

A ranking that puts a row copier first is a bug, so the gate is decided from *measured* privacy
scores, never from a generator's name. Three checks, each against what real data the generator never
saw (the holdout) gives on the same measurement:

``exact_copies``
    Share of synthetic rows identical to a training row (``privacy.exact_copies``), minus the same
    share for the real holdout (``details["holdout_rate"]``: natural duplicates). Fails when the
    excess is above ``exact_copies_excess`` (default 0.01: one synthetic row in a hundred).
``dcr_below_holdout_p5``
    Share of synthetic rows closer to a training row than 95% of holdout rows are
    (``privacy.dcr_below_holdout_p5``), minus its value for fresh data, 0.05 by construction. Fails
    when the excess is above ``dcr_below_p5_excess`` (default 0.10, i.e. a share above 0.15) *and*
    above three standard errors of the two shares (so small tables are not flagged by chance; the
    synthetic share's error counts *distinct* synthetic rows, so a collapsed generator repeating one
    row is one observation, not a leak).
    Training rows plus a little noise fail here even though no row is an exact copy.
``dcr_share``
    Platzer & Reutterer's holdout test (``privacy.dcr_share``): the share of synthetic rows nearer to
    a training row than to any holdout row, re-weighted so that fresh data gives 0.5. Fails when it
    exceeds 0.5 by more than ``dcr_share_excess`` (default 0.10) and by three standard errors. This
    catches near-copies on tables where so many real rows coincide that the holdout's 5th DCR
    percentile is 0 and the previous check cannot.
``membership_advantage``
    The larger membership-inference advantage of the distance and DOMIAS attacks
    (``privacy.mia_*_advantage``; 0 when the attacker cannot tell members from non-members). Fails
    when above ``mia_advantage`` (default 0.10) *and* above the 99% chance level of that statistic
    for the attack's sample sizes (a two-sample Kolmogorov–Smirnov bound, 1.63·sqrt(2/n) for n
    members and n non-members: chance alone gives 0.10 at n ≈ 530).

``history_copies``
    For a table with an entity key (:mod:`benchkit.entities`): the share of synthetic entities whose
    aggregate profile equals a training entity's (``entity.profile_copies``: a whole history copied under
    a fresh id). Fails when above ``exact_copies_excess``. Checked only when that metric was computed
    (a table without an entity key is judged exactly as before).

For a table with an entity key, rows are clustered in entities and the holdout holds unseen *entities*:
the standard errors and chance bounds above then count the holdout's entities, not its rows
(``details["n_holdout_entities"]``, set by :func:`benchkit.evaluate`), so a few unseen customers do not
pass for thousands of independent rows. Tables without an entity key are judged exactly as before.

A check whose metric was not computed (no holdout, a family left out) is skipped and said so; with no
check at all the gate is undecided (``passed is None``). Over several seeds a check uses the mean of
the seeds' values. Thresholds are set in a benchmark spec's ``[privacy_gate]`` table (the field
names of :class:`GateThresholds`) or passed to the functions here.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field, fields
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd
from scipy import stats

from ..errors import BenchkitError

DCR_EXPECTED = 0.05
"""The share of fresh real rows below the holdout's own 5th DCR percentile."""
KS_99 = 1.63
"""c(0.01) of the two-sample Kolmogorov–Smirnov statistic: its 99% chance bound is c·sqrt((n+m)/(n·m))."""
MIA_METRICS = ("privacy.mia_distance_advantage", "privacy.mia_domias_advantage")
GATE_METRICS = ("privacy.exact_copies", "privacy.dcr_below_holdout_p5", "privacy.dcr_share") + MIA_METRICS + (
    "entity.profile_copies",)
"""The score rows the gate reads."""


SMALL_SAMPLE = 1000
"""Below this many distinct synthetic rows a share's allowance also uses the exact binomial bound."""
THREE_SIGMA = 0.99865
"""The one-sided coverage of three standard errors of a normal distribution."""

GATE_FAILED = "leaks training rows"
"""The label of a generator that failed the gate, wherever it appears."""


@dataclass(frozen=True)
class GateThresholds:
    """How much more leakage than fresh real data a generator may show before it is gated."""

    exact_copies_excess: float = 0.01
    dcr_below_p5_excess: float = 0.10
    dcr_share_excess: float = 0.10
    mia_advantage: float = 0.10

    def __post_init__(self) -> None:
        for f in fields(self):
            v = getattr(self, f.name)
            if isinstance(v, bool) or not isinstance(v, (int, float)) or not 0 <= v <= 1:
                raise BenchkitError(f"privacy gate threshold {f.name} must be a number in [0, 1], got {v!r}")

    @classmethod
    def from_mapping(cls, values: Mapping[str, Any] | None) -> "GateThresholds":
        """Thresholds from a spec's ``[privacy_gate]`` table; an unknown key is an error naming the known ones."""
        values = dict(values or {})
        known = {f.name for f in fields(cls)}
        bad = sorted(set(values) - known)
        if bad:
            raise BenchkitError(f"unknown privacy_gate setting(s) {bad}; the settings are: {', '.join(sorted(known))}")
        return cls(**values)

    def to_dict(self) -> dict[str, float]:
        return asdict(self)


@dataclass
class GateResult:
    """One generator's gate: passed (None: nothing to judge), why not, and every check made."""

    passed: bool | None
    reasons: list[str] = field(default_factory=list)
    checks: list[dict[str, Any]] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)

    @property
    def short_reasons(self) -> list[str]:
        """The failed checks in a few words each."""
        return [c["short"] for c in self.checks if not c["passed"]]

    @property
    def label(self) -> str:
        return {True: "passed", False: GATE_FAILED, None: "not judged"}[self.passed]

    def sentence(self) -> str:
        """One line for a terminal or a report."""
        if self.passed is None:
            return "Privacy gate: not judged (no privacy score was computed" + (
                f"; {'; '.join(self.skipped)})" if self.skipped else ")")
        if self.passed:
            made = ", ".join(c["name"].replace("_", " ") for c in self.checks)
            return f"Privacy gate: passed ({made} within their limits)."
        return "Privacy gate: FAILED, the data leaks training rows: " + "; ".join(self.reasons) + "."


def _mean_value(rows: pd.DataFrame, metric: str) -> float:
    v = pd.to_numeric(rows.loc[rows["metric"] == metric, "value"], errors="coerce").dropna()
    return float(v.mean()) if len(v) else math.nan


def _mean_detail(rows: pd.DataFrame, metric: str, key: str) -> float:
    vals = [d.get(key) for d in rows.loc[rows["metric"] == metric, "details"] if isinstance(d, dict)]
    vals = [float(v) for v in vals if isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)]
    return float(np.mean(vals)) if vals else math.nan


def _check(name: str, value: float, reference: float, limit: float, short: str, reason: str) -> dict[str, Any]:
    """One check of the gate: it passes when the measured value is at most its limit."""
    return {"name": name, "value": value, "reference": reference, "limit": limit, "passed": bool(value <= limit),
            "short": short, "reason": reason}


def gate_scores(scores: pd.DataFrame, thresholds: GateThresholds | None = None) -> GateResult:
    """The gate for one generator from its tidy score rows (one evaluation, or several seeds' rows).

    ``scores`` needs ``metric``, ``value`` and ``details`` columns (an ``EvaluationResult.scores``
    frame, or a results folder's rows of one dataset and generator).
    """
    t = thresholds or GateThresholds()
    rows = scores if "details" in scores else scores.assign(details=[{}] * len(scores))
    checks: list[dict[str, Any]] = []
    skipped: list[str] = []

    copies = _mean_value(rows, "privacy.exact_copies")
    if math.isfinite(copies):
        ref = _mean_detail(rows, "privacy.exact_copies", "holdout_rate")
        ref = 0.0 if not math.isfinite(ref) else ref
        checks.append(_check("exact_copies", copies, ref, ref + t.exact_copies_excess,
                             f"exact copies {copies:.1%} (holdout {ref:.1%})",
                             f"{copies:.1%} of synthetic rows are exact copies of training rows, against "
                             f"{ref:.1%} for real holdout rows (limit: {t.exact_copies_excess:.0%} more)"))
    else:
        skipped.append("exact copies not computed")

    # the two distance-to-closest-record shares: (metric, fresh-data level, allowed excess, the
    # holdout's own sampling error counts, short text, reason text)
    dcr_checks = (
        ("dcr_below_holdout_p5", DCR_EXPECTED, t.dcr_below_p5_excess, True,
         "{v:.0%} of rows closer to training data than 95% of fresh rows",
         "{v:.1%} of synthetic rows are closer to a training row than 95% of real holdout rows are "
         "(fresh data: {ref:.0%}; limit {limit:.1%})"),
        ("dcr_share", 0.5, t.dcr_share_excess, False, "DCR share {v:.0%} (fresh data 50%)",
         "{v:.1%} of synthetic rows are nearer to a training row than to any unseen real row, size-adjusted "
         "(fresh data: {ref:.0%}; limit {limit:.1%})"),
    )
    for name, ref, excess, with_holdout, short, reason in dcr_checks:
        v = _mean_value(rows, f"privacy.{name}")
        if not math.isfinite(v):
            if name == "dcr_below_holdout_p5":
                skipped.append("distance to closest record not computed (needs a holdout)")
            continue
        limit = _share_limit(rows, f"privacy.{name}", ref, excess, with_holdout=with_holdout)
        checks.append(_check(name, v, ref, limit, short.format(v=v), reason.format(v=v, ref=ref, limit=limit)))

    advs = {m: _mean_value(rows, m) for m in MIA_METRICS}
    advs = {m: v for m, v in advs.items() if math.isfinite(v)}
    if advs:
        worst = max(advs, key=advs.get)
        n = _mean_detail(rows, worst, "n_members")
        n = _clustered(n, _mean_detail(rows, worst, "n_holdout_entities"))
        chance = KS_99 * math.sqrt(2.0 / n) if math.isfinite(n) and n > 0 else 0.0
        limit = max(t.mia_advantage, chance)
        attack = "distance" if "distance" in worst else "DOMIAS"
        checks.append(_check("membership_advantage", advs[worst], 0.0, limit, f"membership advantage {advs[worst]:.2f}",
                             f"a membership-inference attack ({attack}) tells training rows from unseen ones "
                             f"with advantage {advs[worst]:.2f} (0 = no better than chance; limit {limit:.2f})"))
    else:
        skipped.append("membership attacks not computed (need a holdout)")

    histories = _mean_value(rows, "entity.profile_copies")
    if math.isfinite(histories):  # only tables with an entity key have it: no note when absent
        checks.append(_check("history_copies", histories, 0.0, t.exact_copies_excess,
                             f"whole histories copied {histories:.1%}",
                             f"{histories:.1%} of synthetic entities repeat a training entity's whole history "
                             f"(its aggregate profile; limit {t.exact_copies_excess:.0%})"))

    if not checks:
        return GateResult(None, [], [], skipped)
    failed = [c for c in checks if not c["passed"]]
    return GateResult(not failed, [c["reason"] for c in failed], checks, skipped)


def _share_limit(rows: pd.DataFrame, metric: str, expected: float, excess: float, *, with_holdout: bool) -> float:
    """The largest share ``metric`` may reach: its fresh-data value plus ``excess``, or plus three standard
    errors of the share when that is larger. The share comes from the metric's distinct synthetic rows
    (``n_synthetic_distinct``; a collapsed sample of one repeated row is one observation) and,
    ``with_holdout``, from a reference (the holdout's percentile) estimated on its ``n_holdout`` rows."""
    distinct = _mean_detail(rows, metric, "n_synthetic_distinct")  # absent from scores of older benchkits
    sizes = [distinct if math.isfinite(distinct) else _mean_detail(rows, metric, "n_synthetic")]
    entities = _mean_detail(rows, metric, "n_holdout_entities")  # set by evaluate for an entity-keyed table
    if with_holdout:
        sizes.append(_clustered(_mean_detail(rows, metric, "n_holdout"), entities))
    elif math.isfinite(entities):
        sizes.append(entities)  # the fresh-data level itself rests on that many unseen entities
    terms = [expected * (1 - expected) / n for n in sizes if math.isfinite(n) and n > 0]
    allowance = max(excess, 3 * math.sqrt(sum(terms)))
    n_syn = sizes[0]
    if math.isfinite(n_syn) and 0 < n_syn < SMALL_SAMPLE:
        # few distinct rows: the normal approximation fails (one row's share is 0 or 1), so the exact
        # binomial bound at the same one-sided 3-sigma level is used when it is wider
        k = stats.binom.ppf(THREE_SIGMA, int(n_syn), expected)
        allowance = max(allowance, k / int(n_syn) - expected)
    return float(min(1.0, expected + allowance))  # a share never exceeds 1


def _clustered(n: float, entities: float) -> float:
    """The effective sample size of ``n`` rows that belong to ``entities`` unseen entities (rows of one
    entity are not independent: with few entities the chance level of a row statistic is set by the
    entities); ``n`` itself for a table without an entity key (``entities`` NaN)."""
    return min(n, entities) if math.isfinite(entities) and math.isfinite(n) else n


def gate_table(scores: pd.DataFrame, thresholds: GateThresholds | None = None,
               exclude: Iterable[str] = ()) -> pd.DataFrame:
    """The gate of every (dataset, generator) in a results folder's score rows (all seeds pooled).

    Returns one row per pair: ``dataset, generator, passed (True/False/None), label, reasons`` (a list
    of sentences) and ``result`` (the :class:`GateResult`). Generators in ``exclude`` (the holdout
    reference) are left out.
    """
    cols = ["dataset", "generator", "passed", "label", "reasons", "result"]
    if scores.empty:
        return pd.DataFrame(columns=cols)
    skip = set(exclude)
    out = []
    privacy = scores[scores["metric"].isin(GATE_METRICS)]
    for (dataset, generator), _ in scores.groupby(["dataset", "generator"], sort=False):
        if generator in skip:
            continue
        rows = privacy[(privacy["dataset"] == dataset) & (privacy["generator"] == generator)]
        res = gate_scores(rows, thresholds)
        out.append({"dataset": dataset, "generator": generator, "passed": res.passed, "label": res.label,
                    "reasons": res.reasons, "result": res})
    return pd.DataFrame(out, columns=cols)


def thresholds_of(manifest: Mapping[str, Any] | None) -> GateThresholds:
    """The thresholds a results folder's spec set (``manifest.json``'s ``spec.privacy_gate``); the
    defaults when it set none."""
    spec = (manifest or {}).get("spec") or {}
    return GateThresholds.from_mapping(spec.get("privacy_gate") if isinstance(spec, Mapping) else None)


def leakers(gates: pd.DataFrame, dataset: str) -> set[str]:
    """Generators that failed the gate on ``dataset``."""
    if gates.empty:
        return set()
    sub = gates[(gates["dataset"] == dataset) & (gates["passed"] == False)]  # noqa: E712 - None is not a failure
    return set(sub["generator"])


__all__ = ["GATE_FAILED", "GateThresholds", "GateResult", "gate_scores", "gate_table", "leakers", "thresholds_of"]
