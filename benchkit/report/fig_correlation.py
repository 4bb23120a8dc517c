"""Correlation heatmaps of the numerical columns: real and each generator's synthetic data (top row),
the absolute difference real − synthetic per generator (bottom row), in one figure."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import DatasetView
from .style import Figure, export, label, new_figure, style

MAX_COLUMNS = 20


def correlations(df: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """Pearson correlations of ``columns`` (pairwise-complete rows)."""
    return df[columns].apply(pd.to_numeric, errors="coerce").astype(float).corr(method="pearson")


def _panel(ax, mat: np.ndarray, names: list[str], title: str, cmap: str, vmin: float, vmax: float,
           annotate: bool, show_y: bool):
    im = ax.imshow(np.ma.masked_invalid(mat), cmap=cmap, vmin=vmin, vmax=vmax)
    ax.set_xticks(range(len(names)), names, rotation=90)
    ax.set_yticks(range(len(names)), names if show_y else [])
    ax.grid(False)
    ax.set_title(title)
    if annotate:
        for (i, j), v in np.ndenumerate(mat):
            if np.isfinite(v):
                r, g, b, _ = im.cmap(im.norm(v))
                dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5
                ax.text(j, i, f"{v:.2f}", ha="center", va="center", fontsize=6.5, color="white" if dark else "black")
    return im


def render(view: DatasetView) -> Figure | None:
    """Nothing when there are fewer than two numerical columns."""
    if view.real is None or view.schema is None:
        return None
    cols = [c for c in view.schema.numerical if c in view.real.columns][:MAX_COLUMNS]
    if len(cols) < 2:
        return None
    gens = {g: df for g, df in view.samples.items() if all(c in df.columns for c in cols)}
    real = correlations(view.real, cols).to_numpy()
    names = [label(c, 18) for c in cols]
    annotate = len(cols) <= 8
    side = 0.9 + 0.32 * len(cols)
    n = 1 + len(gens)
    means = []
    with style():
        fig, axes = new_figure(side * n + 1.2, 2 * side + 1.0, ncols=n, nrows=2 if gens else 1)
        im = _panel(axes[0, 0], real, names, "real", "vlag", -1, 1, annotate, True)
        diff_im = None
        for k, (gen, df) in enumerate(gens.items(), start=1):
            syn = correlations(df, cols).to_numpy()
            diff = np.abs(real - syn)
            means.append(f"{gen}: {np.nanmean(diff[np.triu_indices(len(cols), 1)]):.3f}")
            _panel(axes[0, k], syn, names, label(gen, 30), "vlag", -1, 1, annotate, False)
            diff_im = _panel(axes[1, k], diff, names, label(gen, 24), "rocket_r", 0, 1, annotate, k == 1)
        fig.colorbar(im, ax=axes[0, :].tolist(), shrink=0.8, label="Pearson r")
        if diff_im is not None:
            axes[1, 0].set_axis_off()
            axes[1, 0].text(0.5, 0.5, "|real − synthetic|\nper generator", ha="center", va="center",
                            transform=axes[1, 0].transAxes, fontsize=9)
            fig.colorbar(diff_im, ax=axes[1, :].tolist(), shrink=0.8, label="absolute difference")
        caption = "Mean absolute correlation difference: " + ", ".join(means) + "." if means else ""
        return export(fig, alt="Pearson correlations: real, synthetic and their absolute difference", caption=caption)
