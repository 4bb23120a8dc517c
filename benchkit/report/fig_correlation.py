"""Correlation heatmaps of the numerical columns: real, synthetic and their absolute difference."""

from __future__ import annotations

import numpy as np
import pandas as pd
import seaborn as sns

from .model import DatasetView
from .style import Figure, export, label, new_figure, style

MAX_COLUMNS = 20


def correlations(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Pearson correlations of ``columns`` (pairwise-complete rows)."""
    return df[columns].apply(pd.to_numeric, errors="coerce").astype(float).corr(method="pearson")


def render(view: DatasetView) -> list[Figure]:
    """One three-panel figure per generator; nothing when fewer than two numerical columns."""
    if view.real is None or view.schema is None:
        return []
    cols = [c for c in view.schema.numerical if c in view.real.columns][:MAX_COLUMNS]
    if len(cols) < 2:
        return []
    real = correlations(view.real, cols)
    names = [label(c, 18) for c in cols]
    annotate = len(cols) <= 8
    side = 1.0 + 0.42 * len(cols)
    figs = []
    for gen, df in view.samples.items():
        if not all(c in df.columns for c in cols):
            continue
        syn = correlations(df, cols)
        diff = (real - syn).abs()
        with style():
            fig, axes = new_figure(3 * side + 1.5, side, ncols=3)
            panels = [(real, "real", "vlag", (-1, 1)), (syn, label(gen, 40), "vlag", (-1, 1)),
                      (diff, "|real − synthetic|", "rocket_r", (0, 1))]
            for ax, (mat, title, cmap, (vmin, vmax)) in zip(axes[0], panels):
                sns.heatmap(mat.to_numpy(), ax=ax, cmap=cmap, vmin=vmin, vmax=vmax, square=True,
                            annot=annotate, fmt=".2f", annot_kws={"size": 7}, cbar=True,
                            cbar_kws={"shrink": 0.7}, xticklabels=names, yticklabels=names,
                            mask=~np.isfinite(mat.to_numpy()))
                ax.set_title(title)
                ax.tick_params(axis="x", labelrotation=90)
                ax.tick_params(axis="y", labelrotation=0)
            mean_diff = float(np.nanmean(diff.to_numpy()[np.triu_indices(len(cols), 1)]))
            figs.append(export(fig, alt=f"Pearson correlations, real vs {gen}",
                               caption=f"{gen}: mean absolute correlation difference {mean_diff:.3f}"))
    return figs
