"""Utility bars: train-on-real/test-on-real (TRTR) beside train-on-synthetic/test-on-real (TSTR) for
every generator, the ``independent`` random baseline marked, 95% intervals as error bars."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ReportData, is_reference
from .style import REAL, Figure, export, label, new_figure, style

BASELINE = "independent"
SUFFIXES = ("roc_auc", "auc", "f1", "macro_f1", "accuracy", "r2", "mae")


def pick_pair(metrics: list[str]) -> tuple[str, str | None] | None:
    """A ``utility.tstr_<x>`` metric and its ``utility.trtr_<x>`` partner, preferring AUC, F1, R2."""
    tstr = [m for m in metrics if m.startswith("utility.tstr_") and "ratio" not in m]
    if not tstr:
        return None
    def key(m: str) -> int:
        suffix = m[len("utility.tstr_"):]
        return next((i for i, s in enumerate(SUFFIXES) if suffix == s or suffix.endswith(s)), len(SUFFIXES))
    best = sorted(tstr, key=lambda m: (key(m), m))[0]
    partner = "utility.trtr_" + best[len("utility.tstr_"):]
    return best, partner if partner in metrics else None


def render(data: ReportData, dataset: str, table: pd.DataFrame, colors: dict[str, str]) -> Figure | None:
    sub = table[(table["dataset"] == dataset) & (table["family"] == "utility")]
    chosen = pick_pair(sorted(set(sub["metric"])))
    if chosen is None:
        return None
    tstr, trtr = chosen
    bars: list[tuple[str, float, float, str, str]] = []  # label, mean, half-width, colour, hatch
    if trtr is not None:
        t = sub[sub["metric"] == trtr]
        bars.append(("TRTR (real)", float(t["mean"].mean()), 0.0, colors[REAL], ""))
    for g in data.generators(dataset, reference=True):
        hit = sub[(sub["metric"] == tstr) & (sub["generator"] == g)]
        if hit.empty or not np.isfinite(hit["mean"].iloc[0]):
            continue
        r = hit.iloc[0]
        half = float(r["ci_high"] - r["ci_low"]) / 2 if r["n"] > 1 else 0.0
        ref = is_reference(g, data.runs)
        name = f"TSTR {g}" + (" (random baseline)" if g == BASELINE else " (reference)" if ref else "")
        bars.append((name, float(r["mean"]), half, "#bbbbbb" if ref else colors.get(g, "#888"),
                     "//" if g == BASELINE else ""))
    if len(bars) < 2:
        return None
    higher = bool(sub.loc[sub["metric"] == tstr, "higher_is_better"].iloc[0])
    with style():
        fig, axes = new_figure(6, 0.6 + 0.38 * len(bars))
        ax = axes[0, 0]
        y = np.arange(len(bars))
        errs = [b[2] for b in bars]
        ax.barh(y, [b[1] for b in bars], xerr=errs if any(e > 0 for e in errs) else None,
                color=[b[3] for b in bars], edgecolor="white", capsize=3)
        for patch, b in zip(ax.patches, bars):
            if b[4]:
                patch.set_hatch(b[4])
                patch.set_edgecolor("#333333")
        ax.set_yticks(y, [label(b[0], 40) for b in bars])
        ax.invert_yaxis()
        metric = tstr[len("utility.tstr_"):]
        ax.set_xlabel(f"{metric} on the real holdout ({'higher' if higher else 'lower'} is better)")
        span = max(abs(b[1]) + b[2] for b in bars) or 1.0
        for yi, b in zip(y, bars):
            ax.text(max(b[1], 0) + b[2] + 0.01 * span, yi, f"{b[1]:.3f}", va="center", fontsize=7)
        ax.set_xlim(right=1.12 * span)
        return export(fig, alt=f"Utility of {dataset}: TRTR vs TSTR per generator",
                      caption=f"{tstr} per generator against {trtr or 'no TRTR recorded'}.")
