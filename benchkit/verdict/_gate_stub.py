"""A stand-in for :mod:`benchkit.verdict.gate` until it is merged from main (same signature, same checks).

Remove once ``benchkit/verdict/gate.py`` exists on this branch.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import pandas as pd


@dataclass(frozen=True)
class GateThresholds:
    exact_copies_excess: float = 0.01
    dcr_below_p5_excess: float = 0.10
    mia_advantage: float = 0.10


@dataclass
class GateResult:
    passed: bool | None
    reasons: list[str] = field(default_factory=list)
    checks: list[dict] = field(default_factory=list)


def gate_scores(scores: pd.DataFrame, thresholds: GateThresholds | None = None) -> GateResult:
    t = thresholds or GateThresholds()
    rows = {r.metric: r for r in scores.itertuples(index=False)}
    checks = []
    if "privacy.exact_copies" in rows:
        r = rows["privacy.exact_copies"]
        ref = float((r.details or {}).get("holdout_rate", 0.0) or 0.0)
        checks.append(("exact copies", float(r.value), ref, ref + t.exact_copies_excess))
    if "privacy.dcr_below_holdout_p5" in rows:
        checks.append(("DCR below the holdout's 5th percentile", float(rows["privacy.dcr_below_holdout_p5"].value),
                       0.05, 0.05 + t.dcr_below_p5_excess))
    adv = [float(rows[m].value) for m in ("privacy.mia_distance_advantage", "privacy.mia_domias_advantage") if m in rows]
    if adv:
        checks.append(("membership-attack advantage", max(adv), 0.0, t.mia_advantage))
    out = [{"name": n, "value": v, "reference": ref, "limit": lim, "passed": not (v > lim)} for n, v, ref, lim in checks
           if not math.isnan(v)]
    if not out:
        return GateResult(None, [], [])
    reasons = [f"{c['name']} {c['value']:.3f} exceeds the limit {c['limit']:.3f}" for c in out if not c["passed"]]
    return GateResult(not reasons, reasons, out)
