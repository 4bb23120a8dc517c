"""The end-of-benchmark summary: table-level metrics aggregated across seeds, ranked per dataset.

:func:`summarise` is long (one row per dataset x generator x metric) with mean, std, n, a 95% t
confidence interval, the generator's privacy gate and its rank among the generators on that dataset
(1 = best; the ``holdout`` reference is not ranked). A generator that fails the privacy gate
(:mod:`benchkit.verdict.gate`) is ranked below every generator that passes, whatever its scores.
:func:`format_summary` renders it for a terminal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..bench.results import REFERENCE_GENERATOR, aggregate
from .gate import GATE_FAILED, GateThresholds, gate_table
from .headlines import headline_metrics

COLUMNS = ["dataset", "generator", "metric", "family", "higher_is_better", "mean", "std", "n",
           "ci_low", "ci_high", "rank", "gate", "is_reference"]


def summarise(runs: pd.DataFrame, scores: pd.DataFrame, confidence: float = 0.95,
              thresholds: GateThresholds | None = None) -> pd.DataFrame:
    """Aggregate the table-level scores (those without a column) across seeds and rank generators,
    generators that fail the privacy gate after those that pass."""
    if scores.empty:
        return pd.DataFrame(columns=COLUMNS)
    # table-level values, plus utility rows (their `column` names the target, not a column score)
    table_level = scores[(scores["column"].isna() & scores["column_2"].isna()) | (scores["family"] == "utility")]
    agg = aggregate(table_level, confidence=confidence)
    if agg.empty:
        return pd.DataFrame(columns=COLUMNS)
    agg["is_reference"] = agg["generator"] == REFERENCE_GENERATOR
    gates = gate_table(scores, thresholds, exclude=[REFERENCE_GENERATOR])
    label = {(d, g): lab for d, g, lab in zip(gates["dataset"], gates["generator"], gates["label"])}
    agg["gate"] = [None if ref else label.get((d, g), "not judged")
                   for d, g, ref in zip(agg["dataset"], agg["generator"], agg["is_reference"])]
    agg["rank"] = gated_ranks(agg, agg["gate"] == GATE_FAILED)
    out = agg[COLUMNS].sort_values(["dataset", "metric", "is_reference", "rank", "generator"],
                                   na_position="last").reset_index(drop=True)
    return out


def gated_ranks(agg: pd.DataFrame, failed: pd.Series) -> pd.Series:
    """Competition ranks (1 = best, ties share) per dataset and metric from ``mean`` and
    ``higher_is_better``, with every generator in ``failed`` placed after every other one; reference
    rows (``is_reference``) get no rank."""
    higher = agg["higher_is_better"].astype(bool)
    key = pd.Series(np.where(higher, -agg["mean"], agg["mean"]), index=agg.index, dtype=float)
    key[agg["is_reference"].astype(bool)] = np.nan
    groups = [agg["dataset"], agg["metric"]]
    within = key.groupby(groups).rank(method="min")
    shifted = within + failed.astype(bool).to_numpy() * (len(agg) + 1)
    return shifted.groupby(groups).rank(method="min")


def status_counts(runs: pd.DataFrame) -> pd.DataFrame:
    """Jobs per dataset and generator by status (ok, failed, timeout, oom)."""
    if runs.empty:
        return pd.DataFrame()
    return runs.pivot_table(index=["dataset", "generator"], columns="status", values="run_id",
                            aggfunc="count", fill_value=0)


def format_summary(summary: pd.DataFrame, runs: pd.DataFrame, max_metrics: int = 6) -> str:
    """A compact text table per dataset: generators down, metrics across, ``mean ±half-CI (#rank)``."""
    if summary.empty and runs.empty:
        return "no results"
    lines: list[str] = []
    counts = status_counts(runs)
    for dataset in sorted(set(runs["dataset"]) if not runs.empty else set(summary["dataset"])):
        sub = summary[summary["dataset"] == dataset]
        metrics = _pick_metrics(sub, max_metrics)
        gens = sorted(set(runs.loc[runs["dataset"] == dataset, "generator"]) | set(sub["generator"]),
                      key=lambda g: (g == REFERENCE_GENERATOR, g))
        header = ["generator", "jobs ok"] + metrics
        rows = []
        for g in gens:
            c = counts.loc[(dataset, g)] if (dataset, g) in counts.index else pd.Series(dtype=int)
            total = int(c.sum()) if len(c) else 0
            ok = int(c.get("ok", 0)) if len(c) else 0
            bad = ", ".join(f"{int(c[s])} {s}" for s in ("failed", "timeout", "oom") if len(c) and c.get(s, 0))
            row = [g, f"{ok}/{total}" + (f" ({bad})" if bad else "")]
            for m in metrics:
                hit = sub[(sub["generator"] == g) & (sub["metric"] == m)]
                row.append(_cell(hit.iloc[0]) if len(hit) else "-")
            rows.append(row)
        widths = [max(len(str(x)) for x in col) for col in zip(header, *rows)]
        lines.append(f"dataset {dataset}")
        lines.append("  ".join(h.ljust(w) for h, w in zip(header, widths)))
        lines.extend("  ".join(str(x).ljust(w) for x, w in zip(r, widths)) for r in rows)
        lines.append("")
    return "\n".join(lines).rstrip()


def _pick_metrics(sub: pd.DataFrame, limit: int) -> list[str]:
    """The headline metrics first, then the other aggregates, then the rest, in a stable order."""
    rank = {m: i for i, m in enumerate(headline_metrics(sub["metric"]))}
    names = sorted(set(sub["metric"]), key=lambda m: (rank.get(m, len(rank)), not m.startswith("aggregate."), m))
    return names[:limit]


def _cell(row: pd.Series) -> str:
    half = (row["ci_high"] - row["ci_low"]) / 2 if pd.notna(row["ci_high"]) else float("nan")
    text = f"{row['mean']:.3f}"
    if row["n"] > 1 and pd.notna(half):
        text += f" ±{half:.3f}"
    if pd.notna(row["rank"]):
        text += f" (#{int(row['rank'])})"
    if row.get("gate") == GATE_FAILED:
        text += " [leaks]"
    return text
