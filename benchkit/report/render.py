"""Assemble the report: compute tables and figures from a :class:`ReportData`, render the template."""

from __future__ import annotations

import json
import logging
import platform
import time
from datetime import datetime, timezone
from typing import Any, Callable

import jinja2

from .. import __version__
from ..resources import resource_dir
from . import (fig_cd, fig_combinations, fig_correlation, fig_datetime, fig_density2d, fig_entity, fig_fronts,
               fig_marginals, fig_resources, fig_utility, methods, tables)
from .model import ReportData, recommendations
from .style import palette

log = logging.getLogger(__name__)

TEMPLATE = "report.html.j2"
Pair = tuple[str, str] | dict[str, tuple[str, str]] | None


def environment() -> jinja2.Environment:
    """The jinja2 environment over ``report_templates/``, autoescaping every variable."""
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(resource_dir("report_templates"))),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


def _attempt(what: str, notes: list[str], fn: Callable[[], Any], default: Any = None) -> Any:
    """Run one figure; a figure that fails leaves a note in the report instead of failing it."""
    try:
        return fn()
    except Exception as exc:
        log.warning("report: the %s could not be drawn: %s: %s", what, type(exc).__name__, exc, exc_info=True)
        notes.append(f"The {what} could not be drawn: {type(exc).__name__}: {exc}")
        return default


def _pair_for(pair: Pair, dataset: str, columns: list[str]) -> tuple[str, str] | None:
    if pair is None:
        return None
    if isinstance(pair, dict):
        return tuple(pair[dataset]) if dataset in pair else None  # type: ignore[return-value]
    if all(c in columns for c in pair):
        return tuple(pair)  # type: ignore[return-value]
    log.info("report: dataset %r lacks the pair %r; using its most correlated pair", dataset, pair)
    return None


def build_context(data: ReportData, *, pair: Pair = None) -> dict[str, Any]:
    """Everything the template shows, as plain values (strings escaped at rendering)."""
    started = time.perf_counter()
    table = data.table_level()
    all_gens = data.generators(reference=False)
    colors = palette(all_gens)
    ties = _attempt("tie test", [], lambda: tables.tie_table(data), tables.NO_TIES)
    datasets = []
    rank_metric = None
    for name in data.datasets:
        board, rm = tables.leaderboard(data, name, table, ties)
        rank_metric = rank_metric or rm
        fams = [(tables.family_title(f), tables.family_table(data, name, table, f, ties)) for f in tables.families_of(table)]
        section = dataset_section(data, name, table, colors, pair)
        section["figures"]["fronts"] = _attempt("trade-off fronts", section["notes"],
                                                lambda: fig_fronts.render(data, name, table, colors), [])
        section.update(anchor=f"dataset-{len(datasets) + 1}", leaderboard=board,
                       leaks=[{"generator": str(r.generator), "reasons": list(r.reasons)}
                              for r in data.gates().itertuples() if r.dataset == name and r.passed is False],
                       families=[(t, tb) for t, tb in fams if not tb.empty],
                       detection=tables.family_table(data, name, table, "detection", ties),
                       privacy=tables.family_table(data, name, table, "privacy", ties))
        datasets.append(section)
    shown = sorted(set(data.scores["metric"].dropna())) if not data.scores.empty else []
    directions = dict(zip(data.scores["metric"], data.scores["higher_is_better"].fillna(True).astype(bool)))
    families = dict(zip(data.scores["metric"], data.scores["family"].astype(str))) if not data.scores.empty else {}
    runs = data.runs
    ctx = {
        "title": data.title,
        "source": data.source,
        "generated": datetime.now(timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
        "version": __version__,
        "summary": {
            "datasets": len(data.datasets),
            "generators": len(all_gens),
            "jobs": len(runs),
            "ok": int((runs["status"] == "ok").sum()) if not runs.empty else 0,
            "failed": int((runs["status"] != "ok").sum()) if not runs.empty else 0,
            "seeds": sorted({int(s) for s in runs["seed"].dropna()}) if not runs.empty else [],
        },
        "generators": all_gens,
        "colors": colors,
        "verdicts": _attempt("recommendation", [], lambda: [v.to_dict() for v in recommendations(data)], []),
        "cross": tables.cross_dataset(data, table, rank_metric),
        "cd": critical_difference(data, table, rank_metric, colors),
        "datasets": datasets,
        "resources": tables.resources_table(data),
        "resources_figure": _attempt("resources chart", [], lambda: fig_resources.render(data, colors)),
        "failures": tables.failures(data),
        "methods": methods.method_rows(shown, directions, families),
        "family_notes": methods.family_notes(shown, families, generators=tuple(all_gens)),
        "verdict_methods": methods.VERDICT_TEXTS,
        "footer": footer(data),
    }
    log.info("report: built %d dataset section(s) in %.1f s", len(datasets), time.perf_counter() - started)
    return ctx


def dataset_section(data: ReportData, name: str, table: Any, colors: dict[str, str], pair: Pair) -> dict[str, Any]:
    """One dataset's card, figures, per-column scores and notes (the parts both report layouts show)."""
    notes: list[str] = []
    view = data.load_view(name)
    if view.real is None:
        notes.append("No sample of the real data was saved with these results: figures comparing "
                     "distributions are not available.")
    columns = list(view.real.columns) if view.real is not None else []
    chosen_pair = _pair_for(pair, name, columns)
    if chosen_pair is not None:
        fig_density2d.choose_pair(view, chosen_pair)  # a bad user-given pair is an error, not a note
    figures = {
        "density": _attempt("2-D density", notes, lambda: fig_density2d.render(view, chosen_pair)),
        "marginals": _attempt("column distributions", notes, lambda: fig_marginals.render(view, colors), []),
        "correlation": _attempt("correlation heatmaps", notes, lambda: fig_correlation.render(view)),
        "combinations": _attempt("category-combination scatter", notes,
                                 lambda: fig_combinations.render(view, colors)),
        "datetime": _attempt("datetime distribution", notes, lambda: fig_datetime.render(view, colors), []),
        "utility": _attempt("utility bars", notes, lambda: fig_utility.render(data, name, table, colors)),
        "entity": _attempt("entity histories", notes, lambda: fig_entity.render(view, colors), []),
    }
    return {
        "name": name,
        "card": {k: str(v) for k, v in (view.card or {}).items() if v not in (None, "", {}, [])
                 and k in ("description", "source", "license", "target", "task", "citation")},
        "n_real": None if view.real is None else len(view.real),
        "n_train": _int_or_none((view.card or {}).get("n_train")),
        "sample_seeds": view.sample_seeds,
        "columns": tables.column_table(data, name),
        "figures": figures,
        "notes": notes,
        "entity": ({"key": view.schema.roles.key, "order": view.schema.roles.order}
                   if view.schema is not None and view.schema.roles is not None else None),
    }


def critical_difference(data: ReportData, table: Any, metric: str | None, colors: dict[str, str]) -> dict[str, Any] | None:
    """The rank tests across datasets and their CD diagram; None with one dataset (nothing to compare)."""
    if len(data.datasets) < 2:
        return None
    notes: list[str] = []
    result, why = _attempt("rank tests across datasets", notes, lambda: fig_cd.rank_test(data, table, metric), (None, ""))
    if result is None:
        return {"figure": None, "text": "", "note": why or " ".join(notes)}
    figure = _attempt("critical-difference diagram", notes, lambda: fig_cd.render(result, str(metric), colors))
    return {"figure": figure, "text": fig_cd.summary(result, str(metric)),
            "note": "; ".join([result.note] + notes if result.note else notes)}


def _int_or_none(v: Any) -> int | None:
    try:
        return int(v)
    except (TypeError, ValueError):
        return None


def footer(data: ReportData) -> dict[str, Any]:
    """Reproducibility: versions, seeds, spec, machine and plugins, from manifest.json and the runs."""
    m = dict(data.manifest or {})
    versions: dict[str, Any] = dict(m.get("versions") or {})
    if not versions and not data.runs.empty and "versions" in data.runs:
        first = data.runs["versions"].dropna()
        versions = dict(first.iloc[0]) if len(first) and isinstance(first.iloc[0], dict) else {}
    versions.setdefault("benchkit (report)", __version__)
    machine = m.get("machine") or {"python": platform.python_version(), "platform": platform.platform(),
                                    "note": "no manifest.json: this is the machine that rendered the report"}
    rest = {k: v for k, v in m.items() if k not in ("versions", "machine", "spec", "plugins")}
    return {
        "versions": {str(k): str(v) for k, v in versions.items()},
        "machine": {str(k): str(v) for k, v in machine.items()} if isinstance(machine, dict) else {"machine": str(machine)},
        "plugins": json.dumps(m.get("plugins"), indent=2, default=str) if m.get("plugins") else "",
        "spec": json.dumps(m.get("spec"), indent=2, default=str) if m.get("spec") is not None else "",
        "other": json.dumps(rest, indent=2, default=str) if rest else "",
        "seeds": sorted({int(s) for s in data.runs["seed"].dropna()}) if not data.runs.empty else [],
        "params": _params(data),
    }


def _params(data: ReportData) -> dict[str, str]:
    if data.runs.empty or "params" not in data.runs:
        return {}
    out = {}
    for g, p in zip(data.runs["generator"], data.runs["params"]):
        out.setdefault(str(g), json.dumps(p, sort_keys=True, default=str) if p else "{}")
    return out


def render_html(context: dict[str, Any]) -> str:
    return environment().get_template(TEMPLATE).render(**context)
