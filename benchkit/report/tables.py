"""The report's tables (leaderboards, family tables, resources, failures) as plain cell data.

Templates render :class:`Table` generically; every string in it is escaped by jinja2 when rendered.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from ..metrics import FAMILIES
from ..verdict.summary import gated_ranks
from ..verdict.gate import GATE_FAILED
from ..verdict.headlines import HEADLINES, pick_metric
from ..verdict.significance import IDEAL, tie_groups
from .model import ReportData, is_reference


ALPHA = 0.05
"""Significance level of the tie test (and of the rank tests across datasets)."""

BOLD = (f"Bold: the best mean and every generator not significantly worse than it over seeds "
        f"(one-sided Welch t-test, Holm-corrected, alpha = {ALPHA:g}); with one seed only the best is bold. "
        "Hover a cell for its p-value.")

FAMILY_TITLES = {
    "marginal": "Column shapes (marginal metrics)",
    "pairwise": "Column pair trends (pairwise metrics)",
    "aggregate": "Aggregate fidelity",
    "utility": "Machine-learning utility",
    "detection": "Detection",
    "privacy": "Privacy",
}


def families_of(table: pd.DataFrame) -> list[str]:
    """The families present in the scores (as their rows record them): built-in ones first, in
    report order, then any plugin's, alphabetically."""
    present = set(table["family"].dropna().astype(str)) if "family" in table else set()
    return [f for f in FAMILIES if f in present] + sorted(present - set(FAMILIES))


def family_title(family: str) -> str:
    """A section title for a family; a plugin's family is titled by its name."""
    return FAMILY_TITLES.get(family, f"{family.replace('_', ' ').capitalize()} metrics")


@dataclass
class Cell:
    text: str
    title: str = ""
    cls: str = ""


@dataclass
class Header:
    text: str
    title: str = ""
    sub: str = ""


@dataclass
class Table:
    headers: list[Header]
    rows: list[list[Cell]]
    row_classes: list[str] = field(default_factory=list)
    caption: str = ""

    @property
    def empty(self) -> bool:
        return not self.rows


def fmt(v: float | None, digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "–"
    if abs(v) >= 1000:
        return f"{v:,.0f}"
    return f"{v:.{digits}f}"


def value_cell(row: pd.Series | None, tie: pd.Series | None = None) -> Cell:
    """``mean ± half-width`` with the interval, the seed count and the tie verdict in the tooltip; bold when tied."""
    if row is None or row is np.nan or not math.isfinite(float(row["mean"])):
        return Cell("–", "not measured")
    n = int(row["n"])
    mean = float(row["mean"])
    if n > 1 and math.isfinite(float(row["ci_high"])):
        half = (float(row["ci_high"]) - float(row["ci_low"])) / 2
        text = f"{fmt(mean)} ± {fmt(half)}"
        title = f"mean of {n} seeds; 95% CI [{fmt(float(row['ci_low']))}, {fmt(float(row['ci_high']))}]"
    else:
        text = fmt(mean)
        title = "one seed: no interval can be estimated"
    note = tie_note(tie)
    tied = tie is not None and bool(tie["tied"])
    return Cell(text, f"{title}; {note}" if note else title, "best" if tied else "")


NO_TIES = pd.DataFrame(columns=["best", "tied", "tested", "p_value", "test"],
                       index=pd.MultiIndex.from_tuples([], names=["dataset", "metric", "generator"]))
"""No verdicts (the tie test could not run): nothing is bold."""


def tie_table(data: ReportData, alpha: float = ALPHA) -> pd.DataFrame:
    """The tie groups of every (dataset, metric), indexed by (dataset, metric, generator); the reference and
    the generators that fail the privacy gate on a dataset take no part (they are never bold)."""
    values = data.seed_level()
    gens = values["generator"].astype(str)
    refs = [g for g in gens.unique() if is_reference(g, data.runs)]
    leaking = {(d, g) for d in data.datasets for g in data.leakers(d)}
    pairs = pd.MultiIndex.from_arrays([values["dataset"].astype(str), gens])
    values = values[~gens.isin(refs).to_numpy() & ~pairs.isin(leaking)]
    return tie_groups(values, alpha=alpha, ideal=IDEAL).set_index(["dataset", "metric", "generator"]).sort_index()


def _tie(ties: pd.DataFrame, dataset: str, metric: str, generator: str) -> pd.Series | None:
    key = (dataset, metric, generator)
    return ties.loc[key] if key in ties.index else None


def tie_note(tie: pd.Series | None) -> str:
    """What the bold mark means for one cell: best, tied with it, worse than it, or not tested."""
    if tie is None:
        return ""
    if bool(tie["best"]):
        return "the best mean"
    if not bool(tie["tested"]):
        return "one seed: not tested against the best"
    p = float(tie["p_value"])
    ptext = "p<0.001" if p < 0.001 else f"p={p:.2g}" if p < 0.1 else f"p={p:.2f}"
    verdict = "tied with the best" if bool(tie["tied"]) else "worse than the best"
    return f"{verdict} ({tie['test']}, {ptext})"


def generator_order(data: ReportData, dataset: str, table: pd.DataFrame, rank_metric: str | None) -> list[str]:
    """Generators sorted by rank on ``rank_metric`` (then run order), those that fail the privacy gate
    after those that pass; the reference first."""
    gens = data.generators(dataset, reference=True)
    refs = [g for g in gens if is_reference(g, data.runs)]
    leaks = data.leakers(dataset)
    others = [g for g in gens if g not in refs]
    sub = table[(table["dataset"] == dataset) & (table["metric"] == rank_metric)].set_index("generator")
    higher = bool(sub["higher_is_better"].iloc[0]) if len(sub) else True

    def key(g: str) -> tuple[bool, bool, float]:  # ranked rows first, passing before leaking, best first
        v = sub["mean"].get(g, np.nan) if rank_metric is not None else np.nan
        return bool(pd.isna(v)), g in leaks, (np.inf if pd.isna(v) else (-v if higher else v))

    return refs + sorted(others, key=key)


def ranks(table: pd.DataFrame, data: ReportData, dataset: str, metric: str) -> dict[str, int]:
    """Competition ranks (1 = best, ties share) of non-reference generators on one metric; a generator
    that fails the privacy gate ranks after every generator that passes."""
    sub = table[(table["dataset"] == dataset) & (table["metric"] == metric)]
    sub = sub[[not is_reference(g, data.runs) for g in sub["generator"]]].dropna(subset=["mean"])
    if sub.empty:
        return {}
    failed = sub["generator"].isin(data.leakers(dataset))
    out = gated_ranks(sub.assign(is_reference=False), failed)
    return dict(zip(sub["generator"], out.astype(int)))


def leaderboard(data: ReportData, dataset: str, table: pd.DataFrame,
                ties: pd.DataFrame | None = None) -> tuple[Table, str | None]:
    """The headline table of one dataset: overall and per-family scores, rank by the overall score.

    ``ties`` is :func:`tie_table` (computed here when not given): cells tied with the best are bold.
    """
    ties = tie_table(data) if ties is None else ties
    sub = table[table["dataset"] == dataset]
    available = sorted(set(sub["metric"]))
    chosen = [(label, pick_metric(available, pats)) for label, pats in HEADLINES]
    chosen = [(label, m) for label, m in chosen if m is not None]
    rank_metric = chosen[0][1] if chosen else None
    order = generator_order(data, dataset, table, rank_metric)
    rk = ranks(table, data, dataset, rank_metric) if rank_metric else {}
    headers = [Header("Rank", f"rank on {rank_metric}" if rank_metric else ""), Header("Generator")]
    headers += [Header(label, _direction(sub, m), f"{m} {_arrow(sub, m)}") for label, m in chosen]
    headers += [Header("Privacy gate", "measured leakage of training rows against the real holdout's own "
                                       "(benchkit.verdict.gate); a generator that fails ranks last")]
    headers += [Header("Seeds", "successful jobs / all jobs")]
    rows, classes = [], []
    runs = data.runs[data.runs["dataset"] == dataset]
    gates = data.gates()
    gates = gates[gates["dataset"] == dataset].set_index("generator")
    leaks = data.leakers(dataset)
    for g in order:
        ref = is_reference(g, data.runs)
        cells = [Cell("ref" if ref else str(rk.get(g, "–")), "reference: not ranked" if ref else ""),
                 Cell(f"{g} (reference)" if ref else g, "the real holdout, scored like a generator" if ref else "")]
        for _, m in chosen:
            hit = sub[(sub["generator"] == g) & (sub["metric"] == m)]
            row = hit.iloc[0] if len(hit) else None
            cells.append(value_cell(row, None if ref or row is None else _tie(ties, dataset, m, g)))
        cells.append(_gate_cell(gates.loc[g] if g in gates.index else None, ref))
        gr = runs[runs["generator"] == g]
        cells.append(Cell(f"{int((gr['status'] == 'ok').sum())}/{len(gr)}"))
        rows.append(cells)
        classes.append("reference" if ref else ("leak" if g in leaks else ""))
    caption = ("Mean across seeds ± half-width of the 95% confidence interval. " + BOLD + " A generator that "
               "fails the privacy gate is ranked after every generator that passes, whatever its scores, "
               "and is never bold.")
    return Table(headers, rows, classes, caption), rank_metric


def _gate_cell(gate: pd.Series | None, ref: bool) -> Cell:
    """The privacy gate's verdict for one leaderboard row, its reasons in the tooltip."""
    if ref:
        return Cell("–", "the reference is real data: it sets the level the gate compares with")
    if gate is None or gate["passed"] is None:
        why = "; ".join(gate["result"].skipped) if gate is not None else "no privacy score"
        return Cell("not judged", why)
    if gate["passed"]:
        return Cell("passed", gate["result"].sentence(), "gate-pass")
    return Cell(GATE_FAILED, "; ".join(gate["reasons"]), "gate-fail")


def family_table(data: ReportData, dataset: str, table: pd.DataFrame, family: str,
                 ties: pd.DataFrame | None = None) -> Table:
    """Every metric of one family for one dataset: a column per metric, a row per generator (bold: tied with the best)."""
    sub = table[(table["dataset"] == dataset) & (table["family"] == family)]
    metrics = sorted(set(sub["metric"]))
    if not metrics:
        return Table([], [])
    per_column = set(data.scores.loc[data.scores["column"].notna() & (data.scores["dataset"] == dataset), "metric"])
    headers = [Header("Generator")]
    for m in metrics:
        tip = _direction(sub, m) + ("; mean over columns" if m in per_column else "")
        headers.append(Header(m.split(".", 1)[-1], tip, _arrow(sub, m)))
    order = generator_order(data, dataset, table, pick_metric(sorted(set(table["metric"])), ("aggregate.overall",)))
    ties = tie_table(data) if ties is None else ties
    leaks = data.leakers(dataset)
    rows, classes = [], []
    for g in order:
        gsub = sub[sub["generator"] == g]
        if gsub.empty:
            continue
        ref = is_reference(g, data.runs)
        cells = [Cell(f"{g} (reference)" if ref else g)]
        for m in metrics:
            hit = gsub[gsub["metric"] == m]
            tie = None if ref or hit.empty else _tie(ties, dataset, m, g)
            cells.append(value_cell(hit.iloc[0] if len(hit) else None, tie))
        rows.append(cells)
        classes.append("reference" if ref else ("leak" if g in leaks else ""))
    return Table(headers, rows, classes, caption=BOLD)


def column_table(data: ReportData, dataset: str, family: str = "marginal") -> Table:
    """Per-column mean of a family's scores (rows: columns, one column per generator)."""
    s = data.scores
    sub = s[(s["dataset"] == dataset) & (s["family"] == family) & s["column"].notna() & s["column_2"].isna()]
    if sub.empty:
        return Table([], [])
    gens = [g for g in data.generators(dataset, reference=True) if g in set(sub["generator"])]
    piv = sub.groupby(["column", "generator"], sort=False)["value"].mean().unstack("generator")
    headers = [Header("Column")] + [Header(g) for g in gens]
    rows = []
    for col, r in piv.iterrows():
        rows.append([Cell(str(col))] + [Cell(fmt(r.get(g, np.nan)), "mean of this column's marginal scores over seeds") for g in gens])
    return Table(headers, rows, caption="Mean of the marginal metrics per column (1 = identical marginals).")


BUDGET_USE_WARN = 0.8
"""A budgeted generator whose fit used less than this share of its budget is flagged (under-trained peer)."""


def _resource_frame(runs: pd.DataFrame) -> pd.DataFrame:
    """One row per job: seconds, memory, budget, and the training summary's epochs and stop reason."""
    out = runs[["dataset", "generator"]].astype(str)
    for c in ("fit_s", "sample_s", "peak_rss_mb", "budget_s"):
        out[c] = pd.to_numeric(runs[c], errors="coerce") if c in runs else np.nan
    summaries = runs["training"] if "training" in runs else pd.Series([{}] * len(runs), index=runs.index)
    training = pd.DataFrame([t if isinstance(t, dict) else {} for t in summaries], index=runs.index)
    for c in ("epochs_done", "epochs_planned"):
        out[c] = pd.to_numeric(training[c], errors="coerce") if c in training else np.nan
    out["stopped_because"] = training["stopped_because"] if "stopped_because" in training else None
    return out


def _epochs_text(done: float, planned: float) -> str:
    """``done/planned`` (means over seeds), ``done`` alone, or "–"."""
    def count(v: float) -> str:
        return f"{v:,.0f}" if v == round(v) else f"{v:,.1f}"

    if not math.isfinite(done):
        return "–"
    return f"{count(done)}/{count(planned)}" if math.isfinite(planned) else count(done)


def resources_table(data: ReportData) -> Table:
    """Budget beside the time used, epochs and why training stopped, sample seconds and peak memory per
    dataset and generator (mean over successful seeds); a budget used under 80% is flagged."""
    runs = data.runs[data.runs["status"] == "ok"]
    if runs.empty:
        return Table([], [])
    frame = _resource_frame(runs)
    g = frame.groupby(["dataset", "generator"], sort=False)
    means = g[["fit_s", "sample_s", "peak_rss_mb", "budget_s", "epochs_done", "epochs_planned"]].mean()
    why = g["stopped_because"].agg(lambda s: ", ".join(dict.fromkeys(s.dropna().astype(str))))
    headers = [Header("Dataset"), Header("Generator"),
               Header("Budget (s)", "the generator's max_seconds; – when it had none"),
               Header("Fit (s)"), Header("Used", "fit seconds as a share of the budget"),
               Header("Epochs", "epochs done / planned, from the generator's training summary"),
               Header("Stopped because", "from the generator's training summary"),
               Header("Sample (s)"), Header("Peak memory (MB)", "peak resident set size of the job's process")]
    rows = []
    for (d, gen), r in means.iterrows():
        budget, fit_s = float(r["budget_s"]), float(r["fit_s"])
        used = fit_s / budget if math.isfinite(budget) and budget > 0 and math.isfinite(fit_s) else math.nan
        epochs = _epochs_text(float(r["epochs_done"]), float(r["epochs_planned"]))
        reason = why.get((d, gen)) or "–"
        used_cell = Cell("–" if not math.isfinite(used) else f"{used:.0%}")
        if math.isfinite(used) and used < BUDGET_USE_WARN:
            used_cell = Cell(f"{used:.0%} ⚠", f"used {used:.0%} of its {budget:g} s budget ({fit_s:.1f} s); "
                             f"epochs {epochs}; stopped because: {reason}", "warn")
        budget_text = f"{budget:g}" if math.isfinite(budget) else "–"
        rows.append([Cell(d), Cell(gen), Cell(budget_text), Cell(fmt(fit_s, 1)), used_cell, Cell(epochs),
                     Cell(reason, cls="text"), Cell(fmt(r["sample_s"], 1)), Cell(fmt(r["peak_rss_mb"], 1))])
    return Table(headers, rows, caption="Mean over successful seeds. Used: fit seconds over the budget; "
                 f"⚠ marks a budget used under {BUDGET_USE_WARN:.0%}.")


def failures(data: ReportData) -> list[dict[str, str]]:
    """Jobs that did not finish: where, what status, the error and its traceback."""
    bad = data.runs[data.runs["status"] != "ok"]
    out = []
    for _, r in bad.iterrows():
        out.append({
            "dataset": str(r["dataset"]), "generator": str(r["generator"]), "seed": str(r["seed"]),
            "status": str(r["status"]), "error": str(r["error"] or ""),
            "traceback": str(r["traceback"] or "") if "traceback" in r else "",
        })
    return out


def cross_dataset(data: ReportData, table: pd.DataFrame, rank_metric: str | None) -> Table:
    """Mean rank and mean overall score across datasets (shown when there are several)."""
    if rank_metric is None or len(data.datasets) < 2:
        return Table([], [])
    recs = []
    for d in data.datasets:
        for g, r in ranks(table, data, d, rank_metric).items():
            recs.append((g, d, r))
    if not recs:
        return Table([], [])
    df = pd.DataFrame(recs, columns=["generator", "dataset", "rank"])
    sub = table[table["metric"] == rank_metric]
    means = sub.groupby("generator")["mean"].mean()
    agg = df.groupby("generator").agg(mean_rank=("rank", "mean"), n=("dataset", "nunique")).sort_values("mean_rank")
    headers = [Header("Generator"), Header("Mean rank", f"mean over datasets of the rank on {rank_metric}"),
               Header("Datasets"), Header(f"Mean {rank_metric}")]
    rows = [[Cell(g), Cell(fmt(r["mean_rank"], 2)), Cell(str(int(r["n"]))), Cell(fmt(means.get(g, np.nan)))]
            for g, r in agg.iterrows()]
    return Table(headers, rows, caption="Across datasets (reference rows excluded).")


def _arrow(sub: pd.DataFrame, metric: str) -> str:
    if metric in IDEAL:
        return f"→{IDEAL[metric]:g}"
    hit = sub.loc[sub["metric"] == metric, "higher_is_better"]
    return "" if hit.empty else ("↑" if bool(hit.iloc[0]) else "↓")


def _direction(sub: pd.DataFrame, metric: str | None) -> str:
    hit = sub.loc[sub["metric"] == metric, "higher_is_better"]
    if hit.empty:
        return metric or ""
    if metric in IDEAL:
        return f"{metric}: best at {IDEAL[metric]:g}"
    return f"{metric}: {'higher' if bool(hit.iloc[0]) else 'lower'} is better"


__all__ = ["Cell", "Header", "Table", "leaderboard", "family_table", "column_table", "resources_table",
           "failures", "cross_dataset", "families_of", "family_title", "FAMILIES", "FAMILY_TITLES"]
