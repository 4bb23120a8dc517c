"""What a report is rendered from: scores, runs and the samples behind the figures.

A report is built from a results folder alone (:func:`from_results`) or from one in-memory
real/synthetic pair (:func:`from_evaluation`); both give a :class:`ReportData`, so the same
sections render either way.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..bench.results import REFERENCE_GENERATOR, RunRecord, aggregate, open_results
from ..schema import Schema
from ..verdict.gate import gate_table, leakers, thresholds_of
from ..verdict.recommend import Recommendation, recommend

log = logging.getLogger(__name__)

MAX_ROWS = 20_000
"""Rows of each table the figures draw from: enough for smooth densities, small enough to stay fast."""


@dataclass
class DatasetView:
    """One dataset's figure inputs: a row sample of the real data and of each generator's output."""

    name: str
    real: pd.DataFrame | None
    schema: Schema | None
    card: dict[str, Any] = field(default_factory=dict)
    samples: dict[str, pd.DataFrame] = field(default_factory=dict)  # generator -> sampled rows
    sample_seeds: dict[str, int] = field(default_factory=dict)  # generator -> the seed drawn


@dataclass
class ReportData:
    """Everything the sections need; ``load_view`` reads a dataset's samples only when it is rendered."""

    title: str
    runs: pd.DataFrame
    scores: pd.DataFrame
    manifest: dict[str, Any]
    load_view: Callable[[str], DatasetView]
    source: str = ""
    _gates: pd.DataFrame | None = field(default=None, repr=False)

    @property
    def datasets(self) -> list[str]:
        names = list(dict.fromkeys(self.runs["dataset"].astype(str))) if not self.runs.empty else []
        return names

    def generators(self, dataset: str | None = None, *, reference: bool = False) -> list[str]:
        """Generators in the order they were run; the holdout reference only when asked for."""
        runs = self.runs if dataset is None else self.runs[self.runs["dataset"] == dataset]
        names = list(dict.fromkeys(runs["generator"].astype(str)))
        return [g for g in names if reference or not is_reference(g, runs)]

    def seed_level(self) -> pd.DataFrame:
        """One value per (dataset, generator, seed, metric): per-column values averaged over columns."""
        s = self.scores.dropna(subset=["value"])
        keys = ["dataset", "generator", "seed", "metric", "family", "higher_is_better"]
        if s.empty:
            return pd.DataFrame(columns=keys + ["value", "column", "column_2"])
        out = s.groupby(keys, sort=False, dropna=False)["value"].mean().reset_index()
        out["column"] = None
        out["column_2"] = None
        return out

    def table_level(self) -> pd.DataFrame:
        """Mean, std and 95% CI across seeds of :meth:`seed_level` values."""
        return aggregate(self.seed_level())

    def gates(self) -> pd.DataFrame:
        """The privacy gate of every (dataset, generator) (:func:`benchkit.verdict.gate.gate_table`),
        with the thresholds the results' spec set; computed once."""
        if self._gates is None:
            refs = [g for g in self.generators(reference=True) if is_reference(g, self.runs)]
            self._gates = gate_table(self.scores, thresholds_of(self.manifest), exclude=refs)
        return self._gates

    def leakers(self, dataset: str) -> set[str]:
        """Generators that failed the privacy gate on ``dataset``."""
        return leakers(self.gates(), dataset)


def recommendations(data: ReportData) -> list[Recommendation]:
    """The recommendation for every dataset (:func:`benchkit.verdict.recommend.recommend`)."""
    refs = {g for g in data.generators(reference=True) if is_reference(g, data.runs)}
    levels = data.seed_level()
    return [recommend(levels, data.runs, data.gates(), name, references=refs) for name in data.datasets]


def is_reference(generator: str, runs: pd.DataFrame) -> bool:
    """The real-holdout reference row (scored like a generator but never ranked)."""
    if generator == REFERENCE_GENERATOR:
        return True
    if "is_reference" in runs and not runs.empty:
        flags = runs.loc[runs["generator"] == generator, "is_reference"]
        return bool(flags.fillna(False).astype(bool).any())
    return False


def sample_rows(df: pd.DataFrame, max_rows: int, seed: int = 0, entity: str | None = None) -> pd.DataFrame:
    """At most ``max_rows`` rows, drawn uniformly with ``seed`` (all rows when there are fewer).

    With ``entity`` (the schema's entity key, when the frame has it) whole entities are drawn instead,
    in a seeded random order until ``max_rows`` rows are reached, so the figures see whole histories.
    """
    if len(df) <= max_rows:
        return df.reset_index(drop=True)
    if entity is not None and entity in df.columns:
        codes, uniques = pd.factorize(df[entity], use_na_sentinel=False)
        rank = np.random.default_rng(seed).permutation(len(uniques))
        sizes = np.bincount(codes, minlength=len(uniques))
        kept = rank[np.flatnonzero(np.cumsum(sizes[rank]) <= max_rows)]  # whole entities that fit
        return df[np.isin(codes, kept)].reset_index(drop=True)
    return df.sample(n=max_rows, random_state=seed).reset_index(drop=True)


def from_results(results_dir: str | Path, *, max_rows: int = MAX_ROWS, seed: int = 0) -> ReportData:
    """Read a results folder (runs, scores, manifest, saved samples) for rendering."""
    store = open_results(results_dir)
    runs = store.load_runs()
    scores = store.load_scores()
    manifest = store.read_manifest()

    def load_view(dataset: str) -> DatasetView:
        loaded = store.load_real(dataset)
        real, schema, card = loaded if loaded is not None else (None, None, {})
        key = schema.entity if schema is not None else None
        view = DatasetView(dataset, None if real is None else sample_rows(real, max_rows, seed, key), schema, card)
        ok = runs[(runs["dataset"] == dataset) & (runs["status"] == "ok")].sort_values("seed", kind="stable")
        for gen, group in ok.groupby("generator", sort=False):
            if is_reference(str(gen), runs):
                continue
            for _, run in group.iterrows():  # the lowest seed whose sample was saved
                df = store.load_sample(run["run_id"])
                if df is not None:
                    view.samples[str(gen)] = sample_rows(df, max_rows, seed, key)
                    view.sample_seeds[str(gen)] = int(run["seed"])
                    break
        if schema is not None:
            view.real = _align(view.real, schema)
            view.samples = {g: _align(df, schema) for g, df in view.samples.items()}
        return view

    title = str(manifest.get("title") or f"benchkit report: {Path(results_dir).resolve().name}")
    return ReportData(title=title, runs=runs, scores=scores, manifest=manifest, load_view=load_view,
                      source=str(Path(results_dir)))


def from_evaluation(scores: pd.DataFrame, real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *,
                    dataset: str = "real", generator: str = "synthetic", seed: int = 0,
                    max_rows: int = MAX_ROWS, manifest: dict[str, Any] | None = None) -> ReportData:
    """One real/synthetic pair and its tidy scores (``metric, family, column, column_2, value, ...``)."""
    run = RunRecord(run_id="evaluation", dataset=dataset, generator=generator, seed=seed, status="ok",
                    n_train=len(real), n_synthetic=len(synthetic))
    runs = pd.DataFrame([run.to_dict()])
    s = scores.copy()
    if "family" not in s:
        s["family"] = s["metric"].str.split(".").str[0]
    s = s.assign(dataset=dataset, generator=generator, seed=seed, is_reference=False, run_id="evaluation")
    s["value"] = pd.to_numeric(s["value"], errors="coerce").astype(float)
    key = schema.entity
    view = DatasetView(dataset, _align(sample_rows(real, max_rows, seed, key), schema), schema,
                       samples={generator: _align(sample_rows(synthetic, max_rows, seed, key), schema)},
                       sample_seeds={generator: seed})
    return ReportData(title=f"benchkit evaluation: {generator} vs {dataset}", runs=runs, scores=s,
                      manifest=manifest or {}, load_view=lambda name: view, source="benchkit evaluate")


def _align(df: pd.DataFrame | None, schema: Schema) -> pd.DataFrame | None:
    """The schema's columns in canonical dtypes; a frame that does not fit is drawn as it is."""
    if df is None:
        return None
    try:
        return schema.coerce(df[[c for c in schema if c in df.columns]], what="report sample")
    except Exception as exc:  # a wrong-schema sample still gets what figures can show
        log.warning("report: could not coerce a sample to its schema (%s); drawing it as stored", exc)
        return df
