"""Trade-off fronts of one dataset: fidelity against privacy risk, utility against fit time.

One point per generator (95% intervals over seeds as error bars), the Pareto front (the generators no
other one beats on both axes) drawn as a step line, and the real holdout reference drawn in.
"""

from __future__ import annotations

from dataclasses import dataclass
from fnmatch import fnmatch
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..bench.results import aggregate
from .model import ReportData, is_reference
from .style import Figure, export, label, new_figure, style
from ..verdict.headlines import HEADLINES, pick_metric

FIDELITY = "aggregate.overall"
RISKS = (("privacy.dcr_below_holdout_p5",), ("privacy.mia_*_advantage",), ("privacy.exact_copies",))
"""Privacy-risk axis, first group present wins; several metrics in a group: each generator's largest."""


@dataclass
class Axis:
    """One axis of a front: per-generator mean and interval, its name, and whether higher is better."""

    name: str
    stats: pd.DataFrame  # index generator; mean, lo, hi, n
    higher: bool


def pareto_mask(x: np.ndarray, y: np.ndarray, *, x_higher: bool = False, y_higher: bool = True) -> np.ndarray:
    """Points no other point dominates (at least as good on both axes, better on one)."""
    sx = x if x_higher else -x
    sy = y if y_higher else -y
    ge = (sx[None, :] >= sx[:, None]) & (sy[None, :] >= sy[:, None])  # [i, j]: j at least as good as i
    gt = (sx[None, :] > sx[:, None]) | (sy[None, :] > sy[:, None])
    return ~(ge & gt).any(axis=1)


def _metric_axis(table: pd.DataFrame, metrics: list[str], higher: bool | None = None) -> Axis | None:
    """The largest mean among ``metrics`` per generator (one metric: just its mean), with its interval."""
    sub = table[table["metric"].isin(metrics)].dropna(subset=["mean"])
    if sub.empty:
        return None
    top = sub.sort_values("mean", ascending=False, kind="mergesort").drop_duplicates("generator")
    stats = top.set_index("generator")[["mean", "ci_low", "ci_high", "n"]].rename(columns={"ci_low": "lo", "ci_high": "hi"})
    name = metrics[0] if len(metrics) == 1 else "largest of " + ", ".join(metrics)
    return Axis(name, stats, bool(sub["higher_is_better"].iloc[0]) if higher is None else higher)


def risk_axis(table: pd.DataFrame) -> Axis | None:
    """Privacy risk (lower is better): DCR below the holdout's 5th percentile, else the largest
    membership-attack advantage, else the exact-copy rate."""
    available = sorted(set(table["metric"]))
    for patterns in RISKS:
        hits = [m for m in available if any(fnmatch(m, p) for p in patterns)]
        if hits:
            return _metric_axis(table, hits, higher=False)
    return None


def fit_axis(data: ReportData, dataset: str) -> Axis | None:
    """Mean fit seconds over successful seeds, with a t-interval (the reference has no fit time)."""
    runs = data.runs[(data.runs["dataset"] == dataset) & (data.runs["status"] == "ok")]
    if runs.empty or "fit_s" not in runs:
        return None
    values = pd.DataFrame({"dataset": dataset, "generator": runs["generator"].astype(str), "metric": "fit_s",
                           "family": "resources", "column": None, "column_2": None, "higher_is_better": False,
                           "value": pd.to_numeric(runs["fit_s"], errors="coerce")}).dropna(subset=["value"])
    if values.empty:
        return None
    agg = aggregate(values).set_index("generator")
    return Axis("fit time (s)", agg[["mean", "ci_low", "ci_high", "n"]].rename(columns={"ci_low": "lo", "ci_high": "hi"}), False)


def _errors(stats: pd.DataFrame, floor: float | None = None) -> np.ndarray | None:
    """Asymmetric error bars from the intervals (none where one seed); a floor keeps a log axis positive."""
    lo = stats["lo"] if floor is None else stats["lo"].clip(lower=floor)
    err = np.vstack([stats["mean"] - lo, stats["hi"] - stats["mean"]])
    err = np.where((stats["n"].to_numpy() > 1) & np.isfinite(err), np.clip(err, 0, None), 0.0)
    return err if err.any() else None


def _draw(ax, x: Axis, y: Axis, gens: list[str], colors: dict[str, str], leaks: set[str], *,
          log_x: bool = False) -> list[str]:
    """Points, error bars and the step-line front of the generators on both axes; returns the front.
    Generators in ``leaks`` (failed the privacy gate) are drawn hollow and take no part in the front."""
    gens = [g for g in gens if g in x.stats.index and g in y.stats.index]
    xs, ys = x.stats.loc[gens], y.stats.loc[gens]
    floor = None
    if log_x:
        floor = max(float(xs["mean"][xs["mean"] > 0].min()) / 10, 1e-6) if (xs["mean"] > 0).any() else 1e-3
        xs = xs.assign(mean=xs["mean"].clip(lower=floor))
    xm, ym = xs["mean"].to_numpy(float), ys["mean"].to_numpy(float)
    xerr, yerr = _errors(xs, floor), _errors(ys)
    for i, g in enumerate(gens):
        c = colors.get(g, "#666")
        ax.errorbar(xm[i], ym[i], xerr=None if xerr is None else xerr[:, i:i + 1],
                    yerr=None if yerr is None else yerr[:, i:i + 1], fmt="o", color=c, ms=6, capsize=2, lw=1, zorder=3,
                    mfc="white" if g in leaks else c)
        ax.annotate(label(g, 20), (xm[i], ym[i]), textcoords="offset points", xytext=(5, 4), fontsize=8)
    ok = np.array([g not in leaks for g in gens], dtype=bool)
    front = np.zeros(len(gens), dtype=bool)
    front[ok] = pareto_mask(xm[ok], ym[ok], x_higher=x.higher, y_higher=y.higher)
    order = np.argsort(xm[front], kind="mergesort")
    fx, fy = xm[front][order], ym[front][order]
    if len(fx) > 1:
        ax.step(fx, fy, where="pre" if x.higher == y.higher else "post", color="#444", lw=1.2, ls="-",
                zorder=2, label="Pareto front")
    else:
        ax.plot(fx, fy, "s", mfc="none", mec="#444", ms=11, zorder=2, label="Pareto front")
    if log_x:
        from matplotlib.ticker import FuncFormatter, NullFormatter

        ax.set_xscale("log")
        ax.xaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:g}"))
        ax.xaxis.set_minor_formatter(NullFormatter())
    ax.set_xlabel(label(f"{x.name} ({'higher' if x.higher else 'lower'} is better)", 80))
    ax.set_ylabel(label(f"{y.name} ({'higher' if y.higher else 'lower'} is better)", 60))
    return [gens[i] for i in np.flatnonzero(front)[order]]


def render(data: ReportData, dataset: str, table: pd.DataFrame, colors: dict[str, str]) -> list[Figure]:
    """Both fronts for ``dataset`` (each only when its two axes were measured)."""
    sub = table[(table["dataset"] == dataset) & table["column"].isna()]
    refs = [g for g in data.generators(dataset, reference=True) if is_reference(g, data.runs)]
    gens = data.generators(dataset)
    leaks = data.leakers(dataset)
    out = []
    fid = _metric_axis(sub, [FIDELITY]) if FIDELITY in set(sub["metric"]) else None
    risk = risk_axis(sub)
    if fid is not None and risk is not None:
        out.append(_fidelity_front(fid, risk, gens, refs, colors, dataset, leaks))
    util_metric = pick_metric(sorted(set(sub["metric"])), dict(HEADLINES)["Utility"])
    util = _metric_axis(sub, [util_metric]) if util_metric else None
    fit = fit_axis(data, dataset)
    if util is not None and fit is not None:
        out.append(_utility_front(util, fit, gens, refs, colors, dataset, leaks))
    return [f for f in out if f is not None]


def _hollow(leaks: set[str]) -> str:
    return (f" Hollow: failed the privacy gate ({', '.join(sorted(leaks))}), never on the front."
            if leaks else "")


def _front_figure(x: Axis, y: Axis, gens: list[str], refs: list[str], colors: dict[str, str], leaks: set[str], *,
                  mark_reference: Callable[[Any, str], None], title: str, alt: str,
                  caption: Callable[[list[str]], str], log_x: bool = False) -> Figure | None:
    """One front: ``y`` against ``x`` per generator, the Pareto front drawn, references marked by ``mark_reference``."""
    if sum(g in x.stats.index and g in y.stats.index for g in gens) < 1:
        return None
    with style():
        fig, axes = new_figure(5.6, 4.0)
        ax = axes[0, 0]
        front = _draw(ax, x, y, gens, colors, leaks, log_x=log_x)
        for g in refs:
            mark_reference(ax, g)
        ax.legend(loc="best", frameon=False)
        ax.set_title(label(title, 70))
        return export(fig, alt=alt, caption=caption(front) + _hollow(leaks))


def _fidelity_front(fid: Axis, risk: Axis, gens: list[str], refs: list[str], colors: dict[str, str],
                    dataset: str, leaks: set[str]) -> Figure | None:
    def star(ax: Any, g: str) -> None:
        if g in fid.stats.index and g in risk.stats.index:
            ax.plot(risk.stats.loc[g, "mean"], fid.stats.loc[g, "mean"], "*", color="#555", ms=13, zorder=4,
                    label=f"{label(g, 20)} (reference)")

    return _front_figure(
        risk, fid, gens, refs, colors, leaks, mark_reference=star,
        title=f"{dataset}: fidelity against privacy risk", alt=f"Fidelity against privacy risk for {dataset}",
        caption=lambda front: (
            f"{fid.name} (higher is better) against privacy risk, {risk.name} (lower is better): mean over "
            f"seeds with 95% intervals. The Pareto front (no generator has both higher fidelity and lower "
            f"risk): {', '.join(front)}. The star is the real holdout, scored like a generator."))


def _utility_front(util: Axis, fit: Axis, gens: list[str], refs: list[str], colors: dict[str, str],
                   dataset: str, leaks: set[str]) -> Figure | None:
    def level(ax: Any, g: str) -> None:
        if g in util.stats.index:
            ax.axhline(util.stats.loc[g, "mean"], color="#555", ls="--", lw=1, label=f"{label(g, 20)} (reference)")

    return _front_figure(
        fit, util, gens, refs, colors, leaks, mark_reference=level, log_x=True,
        title=f"{dataset}: utility against fit time", alt=f"Utility against fit time for {dataset}",
        caption=lambda front: (
            f"{util.name} ({'higher' if util.higher else 'lower'} is better) against mean fit time over "
            f"successful seeds (log scale), with 95% intervals. The Pareto front (no generator is both "
            f"more useful and faster): {', '.join(front)}. The dashed line is the real holdout's level; "
            f"it has no fit time."))
