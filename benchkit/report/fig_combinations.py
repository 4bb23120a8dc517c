"""The category-combination scatter: relative count of every combination of the categorical columns
in real vs synthetic data, log-log, one point per combination, the diagonal drawn."""

from __future__ import annotations

import logging

import numpy as np
import pandas as pd

from ..errors import BenchkitError
from .model import DatasetView
from .style import REAL, Figure, export, label, new_figure, style

log = logging.getLogger(__name__)

MAX_CATEGORIES = 50
MAX_COLUMNS = 6


def combination_columns(view: DatasetView) -> list[str]:
    """Categorical/boolean columns with at most ``MAX_CATEGORIES`` real values (the first few)."""
    if view.real is None or view.schema is None:
        return []
    cols = [c for c in view.schema.categorical if c in view.real.columns
            and view.real[c].nunique(dropna=False) <= MAX_CATEGORIES]
    return cols[:MAX_COLUMNS]


def frequencies(real: pd.DataFrame, synthetic: pd.DataFrame, columns: list[str], schema=None) -> pd.DataFrame:
    """Relative count (``real``, ``synthetic``) of each combination of ``columns``, 0 where absent.

    Uses ``benchkit.metrics.pairwise.category_combinations`` (the table behind the
    ``pairwise.category_combinations`` metric) when it is installed; this fallback computes the same.
    """
    try:
        from ..metrics.pairwise import category_combinations  # type: ignore[attr-defined]
    except ImportError:
        category_combinations = None
    if category_combinations is not None and schema is not None:
        try:
            return category_combinations(real, synthetic, schema, columns=columns)
        except BenchkitError as exc:  # e.g. a sample missing a column the schema scores
            log.info("report: category_combinations failed (%s); counting the combinations directly", exc)

    def shares(df: pd.DataFrame) -> pd.Series:
        keys = df[columns].astype(object).where(df[columns].notna(), "\0missing").astype(str)
        return keys.value_counts(normalize=True, sort=False)

    r, s = shares(real), shares(synthetic)
    both = pd.concat([r.rename("real"), s.rename("synthetic")], axis=1).fillna(0.0)
    return both.reset_index()


def render(view: DatasetView, colors: dict[str, str]) -> Figure | None:
    """One panel per generator; combinations absent on one side sit on the axis floor (hollow marks)."""
    cols = combination_columns(view)
    if len(cols) < 2 or not view.samples:
        return None
    tables = {g: frequencies(view.real, df, cols, view.schema) for g, df in view.samples.items()
              if all(c in df.columns for c in cols)}
    if not tables:
        return None
    n = len(tables)
    floor = 0.5 / max(len(view.real), max(len(df) for df in view.samples.values()))
    with style():
        fig, axes = new_figure(3.4 * n, 3.5, ncols=n, sharex=True, sharey=True)
        for ax, (gen, tab) in zip(axes[0], tables.items()):
            x = tab["real"].to_numpy(float)
            y = tab["synthetic"].to_numpy(float)
            both = (x > 0) & (y > 0)
            ax.scatter(x[both], y[both], s=10, alpha=0.6, color=colors.get(gen, "#444"), lw=0, rasterized=True)
            one = ~both
            ax.scatter(np.maximum(x[one], floor), np.maximum(y[one], floor), s=14, facecolors="none",
                       edgecolors=colors.get(gen, "#444"), lw=0.8, alpha=0.8, rasterized=True)
            ax.plot([floor, 1], [floor, 1], color=colors[REAL], lw=0.8, ls="--")
            ax.set_xscale("log")
            ax.set_yscale("log")
            ax.set_xlabel("relative count in real data")
            ax.set_title(f"{label(gen, 30)}\n{int(both.sum())} shared · {int((y > 0).sum() - both.sum())} new · "
                         f"{int((x > 0).sum() - both.sum())} missed", fontsize=8)
        axes[0, 0].set_ylabel("relative count in synthetic data")
        cap = ("Columns: " + ", ".join(cols) + ". Hollow marks: combinations seen on one side only, "
               f"drawn at {floor:.1e}.")
        return export(fig, alt="Category-combination frequencies, real vs synthetic", caption=cap, fmt="png")
