"""The single-file report of ``benchkit evaluate --report``: the verdict first, then the detail.

One synthetic table has no rank, no jobs and no seeds, so this layout (``evaluation.html.j2``)
shows none of them. It opens with :class:`benchkit.verdict.single.Verdict` (the privacy gate, then
fidelity and utility against the real holdout's own level and the independent baseline), then the
figures, then every metric as a row with one column per source: synthetic | independent baseline |
real holdout. Metrics are rows, so the tables stay narrow on any screen.
"""

from __future__ import annotations

from datetime import datetime, timezone
from typing import Any, Mapping

import pandas as pd

from .. import __version__
from ..metrics import FAMILIES
from ..verdict.references import TITLES, value
from ..verdict.single import Verdict
from . import methods, tables
from .model import ReportData
from .render import Pair, dataset_section, environment, footer
from .style import palette
from .tables import Cell, Header, Table, fmt

TEMPLATE = "evaluation.html.j2"


def source_table(sources: Mapping[str, pd.DataFrame], family: str) -> Table:
    """Every metric of ``family``: a row per metric, a column per source (mean over columns if per-column)."""
    syn = sources["synthetic"]
    sub = syn[syn["family"] == family] if "family" in syn else syn[syn["metric"].str.startswith(family + ".")]
    names = sorted(set(sub["metric"].dropna()))
    if not names:
        return Table([], [])
    headers = [Header("Metric")] + [Header(TITLES.get(s, s)) for s in sources]
    rows = []
    for m in names:
        hib = sub.loc[sub["metric"] == m, "higher_is_better"].dropna()
        per_column = bool(sub.loc[sub["metric"] == m, "column"].notna().any()) and family != "utility"
        arrow = f"→{tables.IDEAL[m]:g}" if m in tables.IDEAL else ("↓" if len(hib) and not bool(hib.iloc[0]) else "↑")
        title = m + ("; mean over columns" if per_column else "")
        rows.append([Cell(f"{m.split('.', 1)[1]} {arrow}", title)]
                    + [Cell(fmt(value(df, m)), TITLES.get(s, s)) for s, df in sources.items()])
    return Table(headers, rows)


def verdict_table(verdict: Verdict) -> Table:
    """The headline comparison: a row per measure, synthetic | independent baseline | real holdout."""
    sources = ("synthetic", "independent", "holdout") if verdict.has_references else ("synthetic",)
    tips = {"synthetic": "this synthetic table", "independent": "each column sampled on its own from the real "
            "training rows", "holdout": "half the real holdout scored like a synthetic table"}
    headers = [Header("Measure")] + [Header(TITLES[k]) for k in sources]
    rows = [[Cell(c.label, c.metric)] + [Cell(fmt(getattr(c, k)), tips[k], "best" if k == "synthetic" else "")
                                         for k in sources] for c in verdict.comparisons]
    caption = "Higher is better." + (" The real holdout column is the level real data the generator never saw "
                                     "reaches, the independent baseline the level of columns without relationships."
                                     if verdict.has_references else "")
    return Table(headers, rows, caption=caption)


def build_evaluation_context(data: ReportData, references: Mapping[str, pd.DataFrame], verdict: Verdict, *,
                             pair: Pair = None, notes: list[str] | None = None) -> dict[str, Any]:
    """Everything ``evaluation.html.j2`` shows, as plain values (strings escaped at rendering)."""
    name = data.datasets[0]
    gens = data.generators(reference=False)
    colors = palette(gens)
    section = dataset_section(data, name, data.table_level(), colors, pair)
    sources = {"synthetic": data.scores, **{k: references[k] for k in ("independent", "holdout") if k in references}}
    families = [(f, tables.FAMILY_TITLES[f], source_table(sources, f)) for f in FAMILIES]
    shown = sorted(set(data.scores["metric"].dropna()))
    directions = dict(zip(data.scores["metric"], data.scores["higher_is_better"].fillna(True).astype(bool)))
    run = data.runs.iloc[0]
    return {
        "title": data.title,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "n_real": int(run["n_train"]), "n_synthetic": int(run["n_synthetic"]),
        "references": [TITLES[k] for k in ("independent", "holdout") if k in references],
        "verdict": verdict, "gate_sentences": verdict.gate_sentences(), "sentences": verdict.sentences(),
        "verdict_table": verdict_table(verdict),
        "trtr": None if verdict.trtr is None else (verdict.trtr[0], fmt(verdict.trtr[1])),
        "colors": colors, "generators": gens,
        "dataset": section,
        "families": [(f, t, tb) for f, t, tb in families if not tb.empty],
        "notes": list(notes or []) or ([] if references else [
            "No references were computed: pass a holdout to benchkit evaluate to see the real holdout's level "
            "and an independent baseline next to these scores."]),
        "methods": methods.method_rows(shown, directions),
        "family_notes": methods.family_notes(shown, baselines=tuple(k for k in ("independent", "holdout") if k in references)),
        "footer": footer(data),
    }


def render_evaluation(context: dict[str, Any]) -> str:
    return environment().get_template(TEMPLATE).render(**context)
