"""Per-column real-vs-synthetic distributions: step histograms for numbers, proportion bars (top
categories plus "other") for categories. Datetime columns are drawn over time by :mod:`.fig_datetime`."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .model import DatasetView
from .style import REAL, Figure, compact_ticks, export, label, new_figure, style

TOP_K = 10
OTHER = "(other)"
MISSING = "(missing)"
BINS = 40


def render(view: DatasetView, colors: dict[str, str], max_columns: int = 40) -> list[Figure]:
    """One figure per scored column (at most ``max_columns``), real against every generator."""
    if view.real is None or view.schema is None:
        return []
    figs = []
    for name in view.schema.scored_columns[:max_columns]:
        kind = view.schema.kind(name)
        if kind == "datetime":
            continue
        frames = {REAL: view.real, **view.samples}
        series = {src: df[name] for src, df in frames.items() if name in df.columns}
        with style():
            if kind == "numerical":
                fig = _numeric(name, series, colors)
            else:
                fig = _categorical(name, series, colors)
            if fig is not None:
                figs.append(export(fig, alt=f"Distribution of column {name}: real vs synthetic"))
    return figs


def _numeric(name: str, series: dict[str, pd.Series], colors: dict[str, str]):
    values = {src: pd.to_numeric(s, errors="coerce").to_numpy(dtype=float) for src, s in series.items()}
    values = {src: v[np.isfinite(v)] for src, v in values.items()}
    real = values.get(REAL, np.array([]))
    if real.size == 0:
        return None
    lo, hi = np.quantile(real, [0.005, 0.995])
    if hi <= lo:
        lo, hi = real.min() - 0.5, real.max() + 0.5
    # a right-skewed positive column (most mass in the first tenth of the range) reads better on a log axis
    log = lo > 0 and hi / lo > 50 and (np.median(real) - lo) < 0.1 * (hi - lo)
    edges = np.geomspace(lo, hi, BINS + 1) if log else np.linspace(lo, hi, BINS + 1)
    fig, axes = new_figure(4.6, 2.8)
    ax = axes[0, 0]
    centers = np.sqrt(edges[:-1] * edges[1:]) if log else (edges[:-1] + edges[1:]) / 2
    for src, v in values.items():
        if v.size == 0:
            continue
        counts, _ = np.histogram(np.clip(v, lo, hi), bins=edges)
        share = counts / v.size
        x = centers
        if src == REAL:
            ax.fill_between(x, share, step="mid", color=colors[REAL], alpha=0.25, label=label(src), lw=0)
        ax.step(x, share, where="mid", color=colors.get(src, "#888"), lw=1.2 if src != REAL else 1.6,
                label=None if src == REAL else label(src))
    if log:
        ax.set_xscale("log")
    else:
        compact_ticks(ax, "x")
    ax.set_title(label(name, 60))
    ax.set_ylabel("share of rows per bin")
    ax.set_xlabel("central 99% of real values" + (" (log scale)" if log else "") + "; outside values piled at the ends")
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig


def _categorical(name: str, series: dict[str, pd.Series], colors: dict[str, str]):
    real = series.get(REAL)
    if real is None:
        return None
    keyed = {src: s.astype(object).where(s.notna(), MISSING).astype(str) for src, s in series.items()}
    top = keyed[REAL].value_counts().index[:TOP_K].tolist()
    rows = []
    for src, s in keyed.items():
        shares = s.where(s.isin(top), OTHER).value_counts(normalize=True)
        for cat in top + [OTHER]:
            rows.append((src, cat, float(shares.get(cat, 0.0))))
    df = pd.DataFrame(rows, columns=["source", "category", "share"])
    if df.loc[df["category"] == OTHER, "share"].sum() == 0:
        df = df[df["category"] != OTHER]
    cats = list(dict.fromkeys(df["category"]))
    sources = list(keyed)
    fig, axes = new_figure(4.6, 0.5 + 0.28 * len(cats) * max(1, len(sources) / 3))
    ax = axes[0, 0]
    height = 0.8 / len(sources)
    y = np.arange(len(cats))
    for i, src in enumerate(sources):
        share = df[df["source"] == src].set_index("category")["share"].reindex(cats).fillna(0).to_numpy()
        ax.barh(y + i * height - 0.4 + height / 2, share, height=height, color=colors.get(src, "#888"), label=label(src))
    ax.set_yticks(y, [label(c) for c in cats])
    ax.invert_yaxis()
    ax.set_xlabel("share of rows")
    ax.set_title(label(name, 60))
    ax.legend(loc="upper left", bbox_to_anchor=(1.01, 1.0), frameon=False)
    return fig
