"""The distribution of a datetime column over time: share of rows per period, real vs generators."""

from __future__ import annotations

import pandas as pd

from .model import DatasetView
from .style import REAL, Figure, export, label, new_figure, style

MAX_COLUMNS = 3


def period_for(span: pd.Timedelta) -> tuple[str, str]:
    """A pandas period frequency giving tens of points over ``span``, and its name."""
    days = span / pd.Timedelta(days=1)
    if days > 540:
        return "M", "month"
    if days > 120:
        return "W", "week"
    if days > 3:
        return "D", "day"
    return "h", "hour"


def render(view: DatasetView, colors: dict[str, str]) -> list[Figure]:
    """One line figure per datetime column (the first few)."""
    if view.real is None or view.schema is None:
        return []
    figs = []
    for name in [c for c in view.schema.datetime if c in view.real.columns][:MAX_COLUMNS]:
        real = pd.to_datetime(view.real[name], errors="coerce").dropna()
        if real.empty:
            continue
        freq, unit = period_for(real.max() - real.min())
        series = {REAL: real}
        for g, df in view.samples.items():
            if name in df.columns:
                series[g] = pd.to_datetime(df[name], errors="coerce").dropna()
        with style():
            fig, axes = new_figure(9, 3)
            ax = axes[0, 0]
            for src, s in series.items():
                if s.empty:
                    continue
                share = s.dt.to_period(freq).value_counts(normalize=True).sort_index()
                x = share.index.to_timestamp()
                ax.plot(x, share.to_numpy(), color=colors.get(src, "#888"), label=label(src),
                        lw=2.0 if src == REAL else 1.1, alpha=1.0 if src == REAL else 0.85)
            ax.set_ylabel(f"share of rows per {unit}")
            ax.set_title(label(name, 60))
            ax.legend(loc="best", frameon=False, ncols=min(len(series), 4))
            fig.autofmt_xdate()
            figs.append(export(fig, alt=f"Rows per {unit} of {name}: real vs synthetic"))
    return figs
