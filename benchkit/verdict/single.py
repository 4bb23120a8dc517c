"""The verdict on one synthetic table: the privacy gate, then fidelity and utility against the references.

Built from :func:`benchkit.evaluate`'s tidy scores and its ``references`` (see :mod:`.references`);
the single-file report renders it first and ``benchkit evaluate`` prints its one line.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from fnmatch import fnmatch
from typing import Any, Mapping

import pandas as pd

from .references import REFERENCES, placement, value

from .gate import GateResult, gate_scores

FIDELITY = (("Column shapes", "aggregate.column_shapes"), ("Column pair trends", "aggregate.column_pair_trends"),
            ("Overall fidelity", "aggregate.overall"))
UTILITY_PATTERNS = ("utility.tstr_roc_auc", "utility.tstr_r2", "utility.tstr_*")
UTILITY_NAMES = {"roc_auc": "ROC AUC", "r2": "R²", "f1_macro": "macro F1", "accuracy": "accuracy", "mae": "MAE"}


@dataclass
class Comparison:
    """One headline measure for the synthetic table and both references."""

    label: str
    metric: str
    synthetic: float
    independent: float
    holdout: float
    higher_is_better: bool = True

    @property
    def place(self) -> str:
        return placement(self.synthetic, self.independent, self.holdout, self.higher_is_better)


@dataclass
class Verdict:
    gate: GateResult
    comparisons: list[Comparison] = field(default_factory=list)
    trtr: tuple[str, float] | None = None  # (metric, value): the real training rows' own utility
    has_references: bool = False

    @property
    def gate_headline(self) -> str:
        if self.gate.passed is None:
            return self.gate.sentence()
        return "Privacy gate: passed" if self.gate.passed else "Privacy gate: FAILED, the data leaks training rows"

    def gate_sentences(self) -> list[str]:
        """Every check the gate made, in words with its measured number, reference and limit."""
        return [f"{'passed' if c['passed'] else 'FAILED'}: {c['reason']}" for c in self.gate.checks]

    def sentences(self) -> list[str]:
        """``Fidelity (overall) is between the independent baseline and the real holdout's level``, ..."""
        if not self.has_references:
            return []
        return [f"{c.label} is {c.place}." for c in self.comparisons]

    def line(self) -> str:
        """The one-line verdict for a terminal."""
        failed = [c["name"].replace("_", " ") for c in self.gate.checks if not c["passed"]]
        gate = {True: "privacy gate passed", None: "privacy gate not judged (no privacy score)",
                False: f"privacy gate FAILED ({', '.join(failed)})"}[self.gate.passed]
        parts = [gate]
        overall = next((c for c in self.comparisons if c.metric == "aggregate.overall"), None)
        utility = next((c for c in self.comparisons if c.metric.startswith("utility.")), None)
        for what, c in (("fidelity", overall), ("utility", utility)):
            if c is None or _nan(c.synthetic):
                continue
            where = (f", {c.place} (independent baseline {_f(c.independent)}, "
                     f"real holdout {_f(c.holdout)})" if self.has_references else "")
            parts.append(f"{what} {_f(c.synthetic)}{where}")
        return "Verdict: " + "; ".join(parts)


def build_verdict(scores: pd.DataFrame, references: Mapping[str, pd.DataFrame] | None = None,
                  thresholds: Any = None) -> Verdict:
    """The gate on the synthetic scores and the headline comparisons with the references."""
    refs = dict(references or {})
    comps = [Comparison(label, m, value(scores, m), *(value(refs.get(r), m) for r in REFERENCES))
             for label, m in FIDELITY if not _nan(value(scores, m))]
    names = sorted(set(scores["metric"].dropna()))
    tstr = next((hits[0] for pat in UTILITY_PATTERNS if (hits := [n for n in names if fnmatch(n, pat)])), None)
    trtr = None
    if tstr is not None:
        suffix = tstr.removeprefix("utility.tstr_")
        higher = bool(scores.loc[scores["metric"] == tstr, "higher_is_better"].iloc[0])
        label = f"Utility (TSTR {UTILITY_NAMES.get(suffix, suffix)})"
        comps.append(Comparison(label, tstr, value(scores, tstr), *(value(refs.get(r), tstr) for r in REFERENCES),
                                higher_is_better=higher))
        trtr_v = value(scores, f"utility.trtr_{suffix}")
        trtr = (f"utility.trtr_{suffix}", trtr_v) if not _nan(trtr_v) else None
    return Verdict(gate_scores(scores, thresholds), comps, trtr, has_references=bool(refs))


def _nan(v: Any) -> bool:
    return v is None or (isinstance(v, float) and math.isnan(v))


def _f(v: Any) -> str:
    return "n/a" if _nan(v) else f"{float(v):.3f}"
