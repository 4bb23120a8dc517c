"""The results of a benchmark: an append-only store in one folder, loading and aggregation.

Layout of a results folder (everything the report shows is computed from it alone)::

    manifest.json            the spec, the machine, the loaded plugins and their versions
    runs.jsonl               one line per finished job attempt (RunRecord)
    scores.jsonl             one line per measured value (Score + run_id, attempt_id)
    real/<key>.parquet       a sample of each dataset's real training rows (for the report's figures)
    real/<key>.json          that dataset's schema and card
    samples/<run_id>.parquet a sample of each job's synthetic rows

A job's scores are appended before its run line, in one write each, so a run line marks a complete
job: scores without a run line (a job killed mid-write) are ignored when loading. A job may be
recorded several times (``--rerun-failed``); the latest attempt wins.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import re
import uuid
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable

import numpy as np
import pandas as pd
from scipy import stats

from .errors import DataError
from .metrics import Score
from .schema import Schema

RUNS = "runs.jsonl"
SCORES = "scores.jsonl"
MANIFEST = "manifest.json"
STATUSES = ("ok", "failed", "timeout", "oom")
REFERENCE_GENERATOR = "holdout"
"""The real holdout, scored like a generator: the ceiling any generator reaches without copying."""


def run_id_for(dataset: str, dataset_sha256: str, generator: str, params: dict[str, Any], seed: int) -> str:
    """A stable id for a job: the same spec gives the same id, so a re-run can skip it."""
    key = json.dumps([dataset, dataset_sha256, generator, params, int(seed)], sort_keys=True, default=str)
    return hashlib.sha256(key.encode()).hexdigest()[:16]


@dataclass
class RunRecord:
    """One job attempt: (dataset, generator, seed) -> fit, sample, score."""

    run_id: str
    dataset: str
    generator: str
    seed: int
    status: str  # ok | failed | timeout | oom
    dataset_sha256: str = ""
    plugin: str | None = None
    plugin_version: str | None = None
    params: dict[str, Any] = field(default_factory=dict)
    error: str | None = None
    traceback: str | None = None
    fit_s: float | None = None
    sample_s: float | None = None
    score_s: float | None = None
    peak_rss_mb: float | None = None
    budget_s: float | None = None  # the generator's max_seconds, when it was given one
    training: dict[str, Any] = field(default_factory=dict)  # the generator's training_summary(), if any
    n_train: int | None = None
    n_synthetic: int | None = None
    versions: dict[str, str] = field(default_factory=dict)
    started_at: str | None = None
    finished_at: str | None = None
    attempt_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    is_reference: bool = False

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _safe_key(name: str) -> str:
    """A file-name-safe key for an untrusted name (dataset names may hold any character)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40]
    return f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


def _jsonable(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    if isinstance(o, (pd.Timestamp,)):
        return o.isoformat()
    if isinstance(o, float) and not math.isfinite(o):
        return None
    return str(o)


class ResultStore:
    """Append-only access to a results folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)

    # ----------------------------------------------------------------- write
    def _append_lines(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        text = "".join(json.dumps(r, default=_jsonable, allow_nan=False) + "\n" for r in rows)
        if not text:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        fd = os.open(self.folder / name, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            os.write(fd, text.encode("utf-8"))
            os.fsync(fd)
        finally:
            os.close(fd)

    def append(self, run: RunRecord, scores: Iterable[Score] = ()) -> None:
        """Record a finished job: its scores first, then the run line that marks it complete."""
        rows = []
        for s in scores:
            d = s.to_dict()
            d["run_id"] = run.run_id
            d["attempt_id"] = run.attempt_id
            rows.append(d)
        self._append_lines(SCORES, rows)
        self._append_lines(RUNS, [run.to_dict()])

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        tmp = self.folder / (MANIFEST + ".tmp")
        tmp.write_text(json.dumps(manifest, indent=2, default=_jsonable) + "\n", encoding="utf-8")
        os.replace(tmp, self.folder / MANIFEST)

    def save_sample(self, run_id: str, df: pd.DataFrame) -> Path:
        path = self.folder / "samples" / f"{run_id}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_parquet(df, path)
        return path

    def save_real(self, dataset: str, df: pd.DataFrame, schema: Schema, card: dict[str, Any] | None = None) -> Path:
        key = _safe_key(dataset)
        path = self.folder / "real" / f"{key}.parquet"
        path.parent.mkdir(parents=True, exist_ok=True)
        _write_parquet(df, path)
        meta = {"dataset": dataset, "schema": schema.to_dict(), "card": card or {}}
        (self.folder / "real" / f"{key}.json").write_text(json.dumps(meta, indent=2, default=_jsonable), encoding="utf-8")
        return path

    # ------------------------------------------------------------------ read
    def _read_lines(self, name: str) -> list[dict[str, Any]]:
        path = self.folder / name
        if not path.exists():
            return []
        rows = []
        with path.open(encoding="utf-8") as fh:
            for line in fh:
                line = line.strip()
                if not line:
                    continue
                try:
                    rows.append(json.loads(line))
                except json.JSONDecodeError:
                    continue  # a line cut by a crash mid-write: that job counts as not done
        return rows

    def runs(self) -> dict[str, RunRecord]:
        """The latest attempt of every recorded job, by run_id."""
        latest: dict[str, RunRecord] = {}
        fields = set(RunRecord.__dataclass_fields__)
        for row in self._read_lines(RUNS):
            try:
                rec = RunRecord(**{k: v for k, v in row.items() if k in fields})
            except (TypeError, ValueError):
                continue
            latest[rec.run_id] = rec
        return latest

    def load_runs(self) -> pd.DataFrame:
        recs = [r.to_dict() for r in self.runs().values()]
        cols = list(RunRecord.__dataclass_fields__)
        return pd.DataFrame(recs, columns=cols)

    def load_scores(self) -> pd.DataFrame:
        """Scores of each job's latest attempt, joined with dataset, generator and seed."""
        runs = self.runs()
        attempts = {r.attempt_id: r for r in runs.values()}
        rows = [s for s in self._read_lines(SCORES) if s.get("attempt_id") in attempts]
        cols = ["run_id", "attempt_id", "metric", "family", "column", "column_2", "value", "higher_is_better", "details"]
        df = pd.DataFrame(rows, columns=cols)
        run_cols = pd.DataFrame(
            [{"attempt_id": r.attempt_id, "dataset": r.dataset, "generator": r.generator, "seed": r.seed,
              "is_reference": r.is_reference} for r in runs.values()],
            columns=["attempt_id", "dataset", "generator", "seed", "is_reference"],
        )
        df = df.merge(run_cols, on="attempt_id", how="left")
        df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
        return df

    def read_manifest(self) -> dict[str, Any]:
        path = self.folder / MANIFEST
        if not path.exists():
            return {}
        return json.loads(path.read_text(encoding="utf-8"))

    def load_sample(self, run_id: str) -> pd.DataFrame | None:
        path = self.folder / "samples" / f"{run_id}.parquet"
        return pd.read_parquet(path) if path.exists() else None

    def load_real(self, dataset: str) -> tuple[pd.DataFrame, Schema, dict[str, Any]] | None:
        key = _safe_key(dataset)
        path = self.folder / "real" / f"{key}.parquet"
        if not path.exists():
            return None
        meta = json.loads((self.folder / "real" / f"{key}.json").read_text(encoding="utf-8"))
        return pd.read_parquet(path), Schema.from_dict(meta["schema"]), meta.get("card", {})


def open_results(folder: str | Path) -> ResultStore:
    """A store for an existing results folder, with a clear error when it holds no results."""
    path = Path(folder)
    if not (path / RUNS).exists():
        raise DataError(
            f"{path} holds no benchmark results (no {RUNS}); run `benchkit run` with --out {path} first"
        )
    return ResultStore(path)


def _write_parquet(df: pd.DataFrame, path: Path) -> None:
    out = df.copy()
    out.columns = [str(c) for c in out.columns]
    for c in out.columns:  # mixed object columns (e.g. True/False/NaN) must be one Arrow type
        if out[c].dtype == object:
            out[c] = out[c].map(lambda v: v if v is None or (isinstance(v, float) and math.isnan(v)) else str(v))
    tmp = path.with_suffix(".tmp")
    out.to_parquet(tmp, index=False)
    os.replace(tmp, path)


# ------------------------------------------------------------- aggregation
def aggregate(scores: pd.DataFrame, confidence: float = 0.95) -> pd.DataFrame:
    """Mean, standard deviation, count and a t-based confidence interval across seeds.

    One row per (dataset, generator, metric, column, column_2). With one seed the interval is the
    mean itself (no spread can be estimated) and ``std`` is NaN.
    """
    keys = ["dataset", "generator", "metric", "family", "column", "column_2", "higher_is_better"]
    if scores.empty:
        return pd.DataFrame(columns=keys + ["mean", "std", "n", "ci_low", "ci_high"])
    df = scores.copy()
    for k in ("column", "column_2"):
        df[k] = df[k].fillna("")
    g = df.groupby(keys, dropna=False, sort=False)["value"]
    out = g.agg(mean="mean", std="std", n="count").reset_index()
    t = stats.t.ppf(0.5 + confidence / 2, np.maximum(out["n"] - 1, 1))
    half = np.where(out["n"] > 1, t * out["std"] / np.sqrt(out["n"].clip(lower=1)), 0.0)
    out["ci_low"] = out["mean"] - half
    out["ci_high"] = out["mean"] + half
    for k in ("column", "column_2"):
        out[k] = out[k].replace("", None)
    return out


def rank(aggregated: pd.DataFrame, metric: str) -> pd.DataFrame:
    """Rank generators per dataset on one table-level metric (1 = best; ties share the best rank)."""
    sub = aggregated[(aggregated["metric"] == metric) & aggregated["column"].isna()].copy()
    if sub.empty:
        return sub.assign(rank=pd.Series(dtype=float))
    higher = sub["higher_is_better"].astype(bool)
    key = np.where(higher, -sub["mean"], sub["mean"])
    sub["_key"] = key
    sub["rank"] = sub.groupby("dataset")["_key"].rank(method="min")
    return sub.drop(columns="_key")
