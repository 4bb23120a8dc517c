"""Figures of a dataset with an entity key (:mod:`benchkit.entities`): histories, real beside each generator.

* rows per entity and gaps between consecutive events (ECDFs);
* per-entity aggregates: the distribution of each entity's mean of the numerical columns (ECDFs);
* transition matrices of one categorical column (category -> next category within an entity), side by side;
* rule consistency: the share of entities obeying each declared rule, real and each generator (bars);
* a few sampled histories drawn as balance (or the first numerical column) over time.

The samples are whole entities (:func:`benchkit.report.model.sample_rows` keeps histories whole when the
schema has an entity key). Every data-derived string goes through :func:`~.style.label`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from ..entities import RunningBalance, histories
from ..schema import label_keys
from .model import DatasetView
from .style import REAL, Figure, compact_ticks, export, label, new_figure, style

MAX_TRANSITION_CATEGORIES = 8
MAX_AGGREGATE_COLUMNS = 4
HISTORIES_PER_SOURCE = 3


def _sources(view: DatasetView) -> dict[str, pd.DataFrame]:
    roles = view.schema.roles
    out = {REAL: view.real}
    out.update({g: df for g, df in view.samples.items() if roles.key in df.columns})
    return out


def _ecdf(ax, values: np.ndarray, color: str, name: str) -> None:
    v = np.sort(values[np.isfinite(values)])
    if len(v):
        ax.step(v, np.arange(1, len(v) + 1) / len(v), where="post", color=color, label=label(name),
                lw=2.0 if name == REAL else 1.1)


def render(view: DatasetView, colors: dict[str, str]) -> list[Figure]:
    """The entity figures of one dataset ([] without an entity key or a real sample)."""
    if view.real is None or view.schema is None or view.schema.roles is None or view.schema.entity not in view.real:
        return []
    roles = view.schema.roles
    sources = _sources(view)
    hist = {src: histories(df, roles) for src, df in sources.items()}
    dated = roles.order is not None and pd.api.types.is_datetime64_any_dtype(view.real[roles.order].dtype)
    figs = [f for f in (_sizes_and_gaps(hist, colors, roles.order, dated), _aggregates(view, sources, hist, colors),
                        _transitions(view, sources, hist), _rules(view, sources, hist, colors),
                        _histories(view, sources, hist, colors)) if f is not None]
    return figs


def _sizes_and_gaps(hist, colors, order, dated: bool) -> Figure | None:
    with style():
        fig, axes = new_figure(10, 3, ncols=2)
        for src, h in hist.items():
            _ecdf(axes[0, 0], h.sizes.astype(float), colors.get(src, "#888"), src)
            if order is not None:
                _ecdf(axes[0, 1], h.gaps(), colors.get(src, "#888"), src)
        axes[0, 0].set_xscale("log")
        axes[0, 0].set_xlabel("rows per entity (log scale)")
        axes[0, 0].set_ylabel("share of entities at or below")
        unit = "days" if dated else f"units of {label(order)}" if order is not None else "no order column"
        axes[0, 1].set_xlabel(f"gap between consecutive events ({unit})")
        axes[0, 1].set_ylabel("share of gaps at or below")
        axes[0, 0].legend(loc="lower right", frameon=False)
        return export(fig, alt="Rows per entity and gaps between events: real vs synthetic",
                      caption="Rows per entity and gaps between consecutive events of an entity (ECDFs). A row "
                      "generator gives every row its own entity: its curve sits at one row.")


def _aggregates(view, sources, hist, colors) -> Figure | None:
    roles = view.schema.roles
    skip = {roles.key, roles.order, roles.label}
    cols = [c for c in view.schema.numerical if c not in skip and c in view.real.columns][:MAX_AGGREGATE_COLUMNS]
    if not cols:
        return None
    with style():
        fig, axes = new_figure(3.2 * len(cols), 2.8, ncols=len(cols))
        for j, c in enumerate(cols):
            for src, df in sources.items():
                h = hist[src]
                x = df[c].to_numpy(dtype=float, na_value=np.nan)[h.perm]
                ok = np.isfinite(x)
                count = np.bincount(h.codes[ok], minlength=h.n)
                with np.errstate(invalid="ignore", divide="ignore"):
                    mean = np.bincount(h.codes[ok], weights=x[ok], minlength=h.n) / count
                _ecdf(axes[0, j], mean, colors.get(src, "#888"), src)
            axes[0, j].set_xlabel(f"entity mean of {label(c)}")
            compact_ticks(axes[0, j])
        axes[0, 0].set_ylabel("share of entities")
        axes[0, 0].legend(loc="lower right", frameon=False)
        return export(fig, alt="Per-entity means of the numerical columns: real vs synthetic",
                      caption="Each entity's mean of each numerical column (ECDFs over entities).")


def _transitions(view, sources, hist) -> Figure | None:
    roles = view.schema.roles
    cols = [c for c in view.schema.categorical if c not in (roles.label,) and c in view.real.columns]
    col = next((c for c in cols if 2 <= len(_frequent(view.real[c])) <= MAX_TRANSITION_CATEGORIES), None)
    if col is None:
        return None
    cats = _frequent(view.real[col])
    k = len(cats)
    with style():
        fig, axes = new_figure(2.6 * len(sources) + 0.8, 2.9, ncols=len(sources))
        for j, (src, df) in enumerate(sources.items()):
            h = hist[src]
            code = _codes(df[col].take(h.perm), cats)
            inside = ~h.first[1:] & (code[:-1] >= 0) & (code[1:] >= 0)
            m = np.bincount(code[:-1][inside] * k + code[1:][inside], minlength=k * k).reshape(k, k).astype(float)
            rows = m.sum(axis=1, keepdims=True)
            with np.errstate(invalid="ignore", divide="ignore"):
                m = np.where(rows > 0, m / rows, np.nan)
            ax = axes[0, j]
            ax.imshow(m, vmin=0, vmax=1, cmap="Blues")
            ticks = [label(c, 12) for c in cats]
            ax.set_xticks(range(k), ticks, rotation=90)
            ax.set_yticks(range(k), ticks if j == 0 else [""] * k)
            ax.set_title(label(src), fontsize=9)
            ax.grid(False)
        axes[0, 0].set_ylabel(f"{label(col)} (from)")
        return export(fig, alt=f"Transition matrices of {col}: real and each generator",
                      caption=f"Share of each next {label(col, 60)} given the current one, within an entity "
                      "(rows sum to 1; an empty row: no such transition).")


def _frequent(values: pd.Series) -> list[str]:
    """The label keys (:func:`benchkit.schema.label_keys`) of a column, most frequent first."""
    vc = values.value_counts()
    counts = pd.Series(vc.to_numpy(), index=label_keys(vc.index).astype(str)).groupby(level=0).sum()
    return list(counts.sort_index().sort_values(ascending=False, kind="stable").index)


def _codes(values: pd.Series, cats: list[str]) -> np.ndarray:
    """Each value's position in ``cats`` (-1: another label or missing), keyed once per distinct label."""
    codes, labels = pd.factorize(values)
    where = np.append(pd.Index(cats).get_indexer(label_keys(labels).astype(str)), -1)
    return where[codes]


def _rules(view, sources, hist, colors) -> Figure | None:
    rules = [r for r in view.schema.roles.rules if all(c in view.real.columns for c in r.columns())]
    if not rules:
        return None
    with style():
        fig, axes = new_figure(7, 0.7 + 0.5 * len(rules) * len(sources))
        ax = axes[0, 0]
        names, values, cols = [], [], []
        for rule in rules:
            for src, df in sources.items():
                h = hist[src]
                ok, app = rule.check(h.sorted(df), h)
                names.append(f"{label(rule.kind, 16)} · {label(rule.columns()[0], 16)} · {label(src, 20)}")
                values.append(float(ok[app].mean()) if app.any() else 0.0)
                cols.append(colors.get(src, "#888"))
        y = np.arange(len(names))
        ax.barh(y, values, color=cols, edgecolor="white")
        ax.set_yticks(y, names)
        ax.invert_yaxis()
        ax.set_xlim(0, 1)
        ax.set_xlabel("share of entities (two blocks of rows or more) obeying the rule")
        return export(fig, alt="Rule consistency: share of entities obeying each declared rule",
                      caption="; ".join(label(r.describe(), 120) for r in rules))


def _histories(view, sources, hist, colors) -> Figure | None:
    roles = view.schema.roles
    if roles.order is None:
        return None
    balance = next((r.balance for r in roles.rules if isinstance(r, RunningBalance)), None)
    balance = balance or next((c for c in view.schema.numerical if c not in (roles.key, roles.order)), None)
    if balance is None or balance not in view.real.columns:
        return None
    with style():
        fig, axes = new_figure(3.2 * len(sources), 2.8, ncols=len(sources), sharey=True)
        for j, (src, df) in enumerate(sources.items()):
            h = hist[src]
            s = h.sorted(df)
            ax = axes[0, j]
            multi = np.flatnonzero(h.sizes >= 2)
            pick = np.random.default_rng(0).choice(multi, size=min(HISTORIES_PER_SOURCE, len(multi)), replace=False) \
                if len(multi) else np.array([], dtype=int)
            for e in pick:
                rows = s[h.codes == e]
                ax.plot(rows[roles.order], rows[balance], color=colors.get(src, "#888"), lw=1.0, alpha=0.9,
                        drawstyle="steps-post")
            ax.set_title(label(src), fontsize=9)
            ax.tick_params(axis="x", labelrotation=45)
            compact_ticks(ax, "y")
            if not len(pick):
                ax.text(0.5, 0.5, "no entity with two rows", ha="center", va="center", transform=ax.transAxes)
        axes[0, 0].set_ylabel(label(balance))
        return export(fig, alt=f"Sampled histories: {balance} over time, real and each generator",
                      caption=f"{HISTORIES_PER_SOURCE} entities drawn at random per source (seed 0): "
                      f"{label(balance, 60)} over {label(roles.order, 60)}.")
