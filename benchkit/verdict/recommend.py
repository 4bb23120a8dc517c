"""The recommendation: which generator to use on a dataset, how sure we are, and what it costs.

The rule, in the order it is applied (docs/reading-a-verdict.md says the same for readers):

1. **Only generators that pass the privacy gate** (:mod:`.gate`) can be recommended. One that fails is
   named with its reasons; one the gate could not judge (no holdout) is allowed, with a note.
2. **The deciding score** is utility when the dataset has a target (``utility.ratio_*``: TSTR/TRTR, 1 =
   as useful as the real data), else the overall fidelity (``aggregate.overall``).
3. **The best** is the passing generator with the best mean deciding score over seeds; the generators
   **statistically tied** with it (:func:`.significance.tie_groups`: the test is named there) are listed.
4. **A cheaper runner-up**: the tied generator with the smallest mean fit time, when it is cheaper
   than the best.
5. **A noise check**: when the best is the ``independent`` baseline, or tied with it, the verdict says
   that no candidate beat independent columns, so no result is called a win that noise would match.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from .headlines import FIDELITY, UTILITY_RATIOS, pick_metric
from .significance import IDEAL, tie_groups

BASELINE = "independent"


@dataclass
class Candidate:
    """One generator's standing on the deciding score."""

    generator: str
    mean: float
    n: int
    fit_s: float
    gate: str  # passed | leaks training rows | not judged
    tied: bool = False
    p_value: float = math.nan
    fidelity: float = math.nan


@dataclass
class Recommendation:
    """The verdict for one dataset."""

    dataset: str
    metric: str | None
    chosen: str | None
    candidates: list[Candidate] = field(default_factory=list)
    tied: list[str] = field(default_factory=list)
    runner_up: str | None = None
    gated: dict[str, list[str]] = field(default_factory=dict)
    not_judged: list[str] = field(default_factory=list)
    beats_baseline: bool | None = None
    test: str = ""
    notes: list[str] = field(default_factory=list)

    def candidate(self, name: str | None) -> Candidate | None:
        return next((c for c in self.candidates if c.generator == name), None)

    def paragraph(self) -> str:
        """The recommendation in a few plain sentences (terminal and report)."""
        if self.chosen is None:
            why = "; ".join(self.notes) or "no generator finished with the deciding score"
            return f"{self.dataset}: no recommendation ({why})."
        best = self.candidate(self.chosen)
        what = _metric_words(self.metric)
        parts = [f"{self.dataset}: use {self.chosen}. It has the best {what} among the generators that pass "
                 f"the privacy gate ({best.mean:.3f}, mean of {best.n} seed{'s' if best.n != 1 else ''}; "
                 f"fit {_secs(best.fit_s)})."]
        others = [t for t in self.tied if t != self.chosen]
        if others:
            parts.append(f"Statistically tied with it ({self.test}): {', '.join(others)}.")
        elif self.test:
            parts.append(f"Every other passing generator is significantly worse ({self.test}).")
        if self.runner_up:
            ru = self.candidate(self.runner_up)
            parts.append(f"Cheaper runner-up: {self.runner_up} ({ru.mean:.3f}, fit {_secs(ru.fit_s)}), tied with "
                         f"the best at a fraction of its training time.")
        base = self.candidate(BASELINE)
        if self.beats_baseline and base is not None:
            parts.append(f"It is significantly better than the {BASELINE}-columns baseline ({base.mean:.3f}).")
        if self.beats_baseline is False:
            parts.append(f"Caution: no candidate is significantly better than the {BASELINE}-columns baseline "
                         f"on this score; the synthetic data carries little beyond single-column shapes.")
        for g, reasons in self.gated.items():
            parts.append(f"Not recommended: {g} leaks training rows ({'; '.join(reasons)}).")
        if self.not_judged:
            parts.append(f"Privacy not judged (no holdout scores) for: {', '.join(self.not_judged)}.")
        parts.extend(self.notes)
        return " ".join(parts)

    def to_dict(self) -> dict[str, Any]:
        return {"dataset": self.dataset, "metric": self.metric, "chosen": self.chosen, "tied": self.tied,
                "runner_up": self.runner_up, "gated": self.gated, "not_judged": self.not_judged,
                "beats_baseline": self.beats_baseline, "test": self.test, "notes": self.notes,
                "paragraph": self.paragraph(),
                "candidates": [vars(c) for c in self.candidates]}


def _secs(s: float) -> str:
    if not math.isfinite(s):
        return "n/a"
    return "< 0.1 s" if s < 0.05 else (f"{s:.1f} s" if s < 100 else f"{s / 60:.1f} min")


def _metric_words(metric: str | None) -> str:
    if metric is None:
        return "score"
    if metric.startswith("utility.ratio_"):
        return f"machine-learning utility ({metric.split('ratio_', 1)[1].replace('_', ' ').upper()} of a model "\
               "trained on synthetic data, relative to one trained on real data)"
    if metric == FIDELITY:
        return "overall fidelity (column shapes and pair trends)"
    return metric


def deciding_metric(metrics: list[str]) -> str | None:
    """Utility's TSTR/TRTR ratio when the results have one, else the overall fidelity score."""
    return pick_metric(metrics, UTILITY_RATIOS) or (FIDELITY if FIDELITY in metrics else None)


def recommend(seed_level: pd.DataFrame, runs: pd.DataFrame, gates: pd.DataFrame, dataset: str,
              *, references: set[str] | None = None, alpha: float = 0.05) -> Recommendation:
    """The recommendation for ``dataset`` from per-seed table-level values (``dataset, generator, seed,
    metric, value, higher_is_better``), the run records (fit times) and the gate table."""
    refs = set(references or ())
    vals = seed_level[(seed_level["dataset"] == dataset) & ~seed_level["generator"].isin(refs)]
    metric = deciding_metric(sorted(set(vals["metric"])))
    if metric is None:
        return Recommendation(dataset, None, None, notes=["no deciding score (overall fidelity or utility) was recorded"])
    g = gates[gates["dataset"] == dataset].set_index("generator") if not gates.empty else pd.DataFrame()
    gate_of = {name: (row["label"], list(row["result"].short_reasons)) for name, row in g.iterrows()}
    ok = runs[(runs["dataset"] == dataset) & (runs["status"] == "ok")]
    fit = pd.to_numeric(ok["fit_s"], errors="coerce").groupby(ok["generator"]).mean()
    primary = vals[vals["metric"] == metric]
    fidelity = vals[vals["metric"] == FIDELITY].groupby("generator")["value"].mean()

    rec = Recommendation(dataset, metric, None)
    rec.gated = {name: reasons for name, (label, reasons) in gate_of.items() if label == "leaks training rows"
                 and name in set(primary["generator"])}
    rec.not_judged = sorted(name for name, (label, _) in gate_of.items() if label == "not judged"
                            and name in set(primary["generator"]))
    passing = primary[~primary["generator"].isin(rec.gated)]
    if passing.empty:
        rec.notes.append("every generator that produced the deciding score failed the privacy gate")
    ties = tie_groups(passing, alpha=alpha, ideal=IDEAL) if not passing.empty else pd.DataFrame()
    ties = ties.set_index("generator") if not ties.empty else ties
    for name, grp in primary.groupby("generator", sort=False):
        t = ties.loc[name] if name in getattr(ties, "index", []) else None
        rec.candidates.append(Candidate(
            str(name), float(grp["value"].mean()), int(grp["value"].notna().sum()), float(fit.get(name, math.nan)),
            gate_of.get(name, ("not judged", []))[0], bool(t["tied"]) if t is not None else False,
            float(t["p_value"]) if t is not None else math.nan, float(fidelity.get(name, math.nan))))
    if ties is None or len(ties) == 0:
        return rec
    best = ties[ties["best"]]
    rec.chosen = str(best.index[0]) if len(best) else None
    rec.tied = [str(n) for n in ties.index[ties["tied"]]]
    tested = ties["tested"].any() if "tested" in ties else False
    names = [str(t) for t in ties.loc[ties["tested"].astype(bool), "test"].dropna() if str(t)] if tested else []
    rec.test = names[0] if names else ""
    if not tested and len(ties) > 1:
        rec.notes.append("With one seed no difference can be tested: run more seeds before trusting the order.")
    chosen = rec.candidate(rec.chosen)
    cheaper = [rec.candidate(n) for n in rec.tied if n != rec.chosen]
    cheaper = [c for c in cheaper if c is not None and math.isfinite(c.fit_s) and chosen is not None
               and (not math.isfinite(chosen.fit_s) or c.fit_s < chosen.fit_s)]
    if cheaper:
        rec.runner_up = min(cheaper, key=lambda c: c.fit_s).generator
    if rec.chosen == BASELINE:
        rec.beats_baseline = False
    elif BASELINE in ties.index and tested:
        rec.beats_baseline = not bool(ties.loc[BASELINE, "tied"])
    return rec


__all__ = ["Candidate", "Recommendation", "deciding_metric", "recommend"]
