"""Fit plus sample time and peak memory per generator (mean over successful seeds)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import ReportData
from .style import Figure, export, label, new_figure, style


def render(data: ReportData, colors: dict[str, str]) -> Figure | None:
    runs = data.runs[data.runs["status"] == "ok"].copy()
    if runs.empty:
        return None
    for c in ("fit_s", "sample_s", "peak_rss_mb"):
        runs[c] = pd.to_numeric(runs.get(c), errors="coerce")
    g = runs.groupby(["generator", "dataset"], sort=False)[["fit_s", "sample_s", "peak_rss_mb"]].mean().reset_index()
    if g[["fit_s", "sample_s", "peak_rss_mb"]].isna().all().all():
        return None
    names = [f"{a} · {b}" if len(data.datasets) > 1 else str(a) for a, b in zip(g["generator"], g["dataset"])]
    y = np.arange(len(g))
    with style():
        fig, axes = new_figure(9, 0.7 + 0.32 * len(g), ncols=2, sharey=True)
        cols = [colors.get(str(x), "#888") for x in g["generator"]]
        ax = axes[0, 0]
        ax.barh(y, g["fit_s"].fillna(0), color=cols, label="fit")
        ax.barh(y, g["sample_s"].fillna(0), left=g["fit_s"].fillna(0), color=cols, alpha=0.45, label="sample")
        ax.set_yticks(y, [label(n, 40) for n in names])
        ax.invert_yaxis()
        ax.set_xlabel("seconds (solid: fit, light: sample)")
        ax2 = axes[0, 1]
        ax2.barh(y, g["peak_rss_mb"].fillna(0), color=cols)
        ax2.set_xlabel("peak memory (MB)")
        return export(fig, alt="Fit and sample time and peak memory per generator")
