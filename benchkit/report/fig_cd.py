"""Critical-difference diagram (Demšar 2006): generators' average ranks across datasets on one axis,
bars joining the generators the Nemenyi test cannot tell apart, the critical difference drawn to scale."""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..verdict.significance import RankTest, friedman_nemenyi, rank_design
from .model import ReportData, is_reference
from .style import Figure, export, label, new_figure, style
from .tables import ALPHA, fmt


def rank_test(data: ReportData, table: pd.DataFrame, metric: str | None) -> tuple[RankTest | None, str]:
    """Friedman + Nemenyi on ``metric``'s means (datasets × generators, the reference and any generator that
    fails the privacy gate on some dataset left out), or None and why not."""
    if metric is None:
        return None, "no headline metric to rank on"
    sub = table[(table["metric"] == metric) & table["column"].isna()]
    sub = sub[[not is_reference(str(g), data.runs) for g in sub["generator"]]]
    leaking = sorted({g for d in data.datasets for g in data.leakers(d)})
    sub = sub[~sub["generator"].astype(str).isin(leaking)]
    if sub.empty:
        return None, f"no generator was scored on {metric}"
    scores = sub.pivot_table(index="dataset", columns="generator", values="mean", aggfunc="first")
    higher = bool(sub["higher_is_better"].iloc[0])
    result = friedman_nemenyi(scores, higher_is_better=higher, alpha=ALPHA)
    gated = f"left out, failed the privacy gate on some dataset: {', '.join(leaking)}" if leaking else ""
    if result is None:
        return None, "; ".join(filter(None, [str(rank_design(scores)[2]), gated]))
    result.note = "; ".join(filter(None, [gated, result.note]))
    return result, ""


def summary(result: RankTest, metric: str) -> str:
    """The rank tests in one sentence: statistic, p-values and the critical difference."""
    return (f"Friedman test on the ranks of {metric} over {result.n_datasets} datasets and {result.k} generators: "
            f"χ² = {fmt(result.statistic, 2)}, p = {_p(result.p_value)}; Iman–Davenport F = "
            f"{fmt(result.f_statistic, 2) if np.isfinite(result.f_statistic) else '∞ (the same ranks on every dataset)'}"
            f", p = {_p(result.f_p_value)}"
            + (f"; permutation p = {_p(result.p_permutation)}" if np.isfinite(result.p_permutation) else "")
            + f". Nemenyi critical difference "
            f"CD = {fmt(result.cd, 2)} at alpha = {result.alpha:g}.")


def _p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def render(result: RankTest, metric: str, colors: dict[str, str]) -> Figure:
    """The diagram: rank axis on top (1 = best, left), names hanging off it, group bars below it."""
    ranks = result.mean_ranks
    names, r, k = list(ranks.index), ranks.to_numpy(float), result.k
    groups = result.groups()
    n_left = (k + 1) // 2
    rows = max(n_left, k - n_left)
    bar_y = -0.25 - 0.18 * np.arange(len(groups))
    first_row = (bar_y[-1] if len(groups) else -0.1) - 0.3
    with style():
        fig, axes = new_figure(7.5, 1.3 + 0.32 * (rows + len(groups)))
        ax = axes[0, 0]
        ax.set_axis_off()
        ax.plot([1, k], [0, 0], color="#222", lw=1.2)
        ticks = np.arange(1, k + 1)
        ax.vlines(ticks, 0, 0.1, color="#222", lw=1)
        if k > 2:
            ax.vlines(ticks[:-1] + 0.5, 0, 0.05, color="#222", lw=0.8)
        for t in ticks:
            ax.text(t, 0.16, str(t), ha="center", va="bottom", fontsize=8)
        # the critical difference to scale, above the axis
        ax.plot([1, 1 + result.cd], [0.65, 0.65], color="#b22222", lw=2, solid_capstyle="butt")
        ax.vlines([1, 1 + result.cd], 0.6, 0.7, color="#b22222", lw=1.2)
        ax.text(1 + result.cd / 2, 0.74, f"CD = {result.cd:.2f}", ha="center", va="bottom", fontsize=8,
                color="#b22222")
        left_x, right_x = 1 - 0.08 * (k - 1), k + 0.08 * (k - 1)
        for i, (name, x) in enumerate(zip(names, r)):
            left = i < n_left
            row = i if left else k - 1 - i
            y = first_row - 0.3 * row
            end = left_x if left else right_x
            color = colors.get(name, "#444")
            ax.plot([x, x, end], [0, y, y], color=color, lw=1.2)
            ax.plot([x], [0], "o", color=color, ms=4)
            ax.text(end + (-0.03 if left else 0.03) * (k - 1), y, f"{label(name)} ({x:.2f})",
                    ha="right" if left else "left", va="center", fontsize=9)
        for y, members in zip(bar_y, groups):
            xs = ranks[members].to_numpy(float)
            ax.plot([xs.min() - 0.03, xs.max() + 0.03], [y, y], color="#111", lw=4, solid_capstyle="round")
        ax.set_xlim(left_x - 0.02 * (k - 1), max(right_x, 1 + result.cd) + 0.04 * (k - 1))
        ax.set_ylim(first_row - 0.3 * rows, 1.0)
        joined = "; ".join(", ".join(g) for g in groups) if groups else "none"
        caption = (f"Average rank on {metric} across {result.n_datasets} datasets (1 = best; ties share the mean "
                   f"rank). A thick bar joins generators not significantly different "
                   f"({'Nemenyi' if result.rejected else 'Friedman does not reject'}, alpha = {result.alpha:g}); "
                   f"the red segment is the critical difference CD = {result.cd:.2f}. Groups: {joined}.")
        alt = "Critical-difference diagram: " + ", ".join(f"{n} rank {x:.2f}" for n, x in zip(names, r))
        return export(fig, alt=alt, caption=caption)
