"""A 2-D density (binned) of two numerical columns, real beside each generator."""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import LogNorm

from ..errors import BenchkitError
from .fig_correlation import correlations
from .model import DatasetView
from .style import REAL, Figure, compact_ticks, export, label, new_figure, style

BINS = 60


def choose_pair(view: DatasetView, pair: tuple[str, str] | None = None) -> tuple[str, str] | None:
    """``pair`` when given (checked), else the two numerical columns most correlated in the real data."""
    if view.real is None or view.schema is None:
        return None
    nums = [c for c in view.schema.numerical if c in view.real.columns]
    if pair is not None:
        missing = [c for c in pair if c not in nums]
        if missing:
            raise BenchkitError(
                f"report pair {list(pair)!r}: column(s) {missing!r} are not numerical columns of dataset "
                f"{view.name!r}; choose two of: {', '.join(nums) or 'none'}"
            )
        return pair[0], pair[1]
    if len(nums) < 2:
        return None
    corr = correlations(view.real, nums).abs().to_numpy(copy=True)
    np.fill_diagonal(corr, -1)
    corr = np.nan_to_num(corr, nan=-1)
    i, j = np.unravel_index(int(np.argmax(corr)), corr.shape)
    return nums[min(i, j)], nums[max(i, j)]


def _edges(v: np.ndarray) -> np.ndarray:
    lo, hi = np.quantile(v, [0.005, 0.995]) if v.size else (0.0, 1.0)
    if hi <= lo:
        lo, hi = lo - 0.5, hi + 0.5
    return np.linspace(lo, hi, BINS + 1)


def render(view: DatasetView, pair: tuple[str, str] | None = None) -> Figure | None:
    """Panels share bins fixed from the real data's central 99% on each axis."""
    chosen = choose_pair(view, pair)
    if chosen is None:
        return None
    x, y = chosen
    frames = {REAL: view.real, **{g: df for g, df in view.samples.items() if x in df and y in df}}

    def xy(df: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
        a = pd.to_numeric(df[x], errors="coerce").to_numpy(float)
        b = pd.to_numeric(df[y], errors="coerce").to_numpy(float)
        ok = np.isfinite(a) & np.isfinite(b)
        return a[ok], b[ok]

    rx, ry = xy(view.real)
    ex, ey = _edges(rx), _edges(ry)
    real_h, _, _ = np.histogram2d(rx, ry, bins=[ex, ey])
    top = max(float(real_h.max()) / max(len(rx), 1), 1e-12)
    norm = LogNorm(vmin=top / 1e3, vmax=top, clip=True)  # log colours: the tails stay visible
    n = len(frames)
    with style():
        fig, axes = new_figure(3.2 * n, 3.2, ncols=n, sharex=True, sharey=True)
        for ax, (src, df) in zip(axes[0], frames.items()):
            a, b = xy(df)
            h, _, _ = np.histogram2d(a, b, bins=[ex, ey])  # rows outside the window are left out
            h = h / max(len(a), 1)
            ax.pcolormesh(ex, ey, np.ma.masked_equal(h.T, 0), cmap="mako_r", norm=norm, rasterized=True)
            ax.set_title(label(src, 30))
            ax.set_xlabel(label(x, 40))
            ax.grid(False)
            compact_ticks(ax, "x", 5)
            compact_ticks(ax, "y", 6)
        axes[0, 0].set_ylabel(label(y, 40))
        return export(fig, alt=f"2-D density of {x} and {y}: real vs synthetic",
                      caption=f"{x} against {y}: share of rows per cell, log colour scale; the window is the "
                      "central 99% of real values on each axis.", fmt="png")
