"""The results of a benchmark: an append-only store in one folder, loading and aggregation.

Layout of a results folder (everything the report shows is computed from it alone)::

    manifest.json            the spec, the machine, the loaded plugins and their versions
    runs.jsonl               one line per finished job attempt (RunRecord)
    scores.jsonl             one line per measured value (Score + run_id, attempt_id)
    real/<key>.parquet       a sample of each dataset's real training rows (for the report's figures)
    real/<key>.json          that dataset's schema and card
    samples/<run_id>.parquet a sample of each job's synthetic rows

A job's scores are appended before its run line, in one write each, so a run line marks a complete
job: scores without a run line (a job killed mid-write) are ignored when loading. The run line also
carries ``n_scores``, so a job whose score rows do not all read back (a corrupted line) counts as not
done and runs again. A job may be recorded several times (``--rerun-failed``); the latest attempt wins.

Nothing is lost silently: every write is checked to the last byte (a failure raises
:class:`StoreWriteError` naming the file, and what it wrote of the record is taken back); a last line
torn by a crash is set aside to ``<file>.torn`` before the next append; an unreadable line is reported
with its file and line number (a :class:`ResultsWarning`, kept in :attr:`ResultStore.problems`). A
running benchmark holds ``.benchkit.lock`` (``fcntl.flock``), so a second one on the same folder fails
at once with :class:`FolderInUseError`; temporary files carry the pid and a random suffix. All JSON is
strict (NaN and infinities are written as ``null``, see :mod:`benchkit.jsonsafe`).
"""

from __future__ import annotations

import contextlib
import errno
import gc
import hashlib
import json
import math
import os
import platform
import re
import uuid
import warnings
from dataclasses import MISSING, asdict, dataclass, field
from pathlib import Path
from typing import Any, Iterable, Iterator

import numpy as np
import pandas as pd
from scipy import stats

from .. import jsonsafe
from ..errors import BenchkitError, DataError, RecordError
from ..metrics import SCORE_COLUMNS, Score, score_frame
from ..schema import Schema

RUNS = "runs.jsonl"
SCORES = "scores.jsonl"
MANIFEST = "manifest.json"
LOCK = ".benchkit.lock"
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
    n_scores: int | None = None  # score rows written with this attempt (None in folders of older versions)

    def __post_init__(self) -> None:
        if self.status not in STATUSES:
            raise ValueError(f"status must be one of {STATUSES}, not {self.status!r}")

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @classmethod
    def from_dict(cls, row: dict[str, Any], where: str = "a run record") -> "RunRecord":
        """The record a :meth:`to_dict` row (a ``runs.jsonl`` line) holds.

        Strict: a field the record does not know (a misspelt name, a file of a newer version) or a
        missing required one raises :class:`RecordError` (a DataError) naming it and ``where`` (e.g. ``path:line``);
        a missing optional field (one added in a later version, as ``n_scores``) gets its default.
        """
        known = cls.__dataclass_fields__
        unknown = [k for k in row if k not in known]
        missing = [k for k in _RUN_REQUIRED if k not in row]
        if unknown or missing:
            raise RecordError.of_fields(where, "run record", unknown, missing, known)
        try:
            return cls(**row)
        except ValueError as exc:  # a status outside STATUSES
            raise RecordError(f"{where}: {exc}") from None


_RUN_REQUIRED = tuple(n for n, f in RunRecord.__dataclass_fields__.items()
                      if f.default is MISSING and f.default_factory is MISSING)


def score_line(score: Score, run: RunRecord) -> dict[str, Any]:
    """The ``scores.jsonl`` line of one Score of a job: :meth:`Score.to_dict` and the run's ids."""
    return {"run_id": run.run_id, "attempt_id": run.attempt_id, **score.to_dict()}


_SCORE_IDS = frozenset(("run_id", "attempt_id"))


@dataclass(slots=True)
class StoredScore:
    """A Score read back from ``scores.jsonl``, with the ids of the job attempt that wrote it."""

    run_id: str
    attempt_id: str | None
    score: Score


def score_from_line(row: dict[str, Any], where: str = "a score line") -> StoredScore:
    """The :class:`StoredScore` of a ``scores.jsonl`` line; strict like :meth:`Score.from_dict`."""
    if "run_id" not in row:
        raise RecordError.of_fields(where, "score line", [], ["run_id"], [*_SCORE_IDS, *SCORE_COLUMNS])
    return StoredScore(row["run_id"], row.get("attempt_id"), Score.from_dict(row, where, ids=_SCORE_IDS))


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector while building many acyclic objects (records read back)."""
    was = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was:
            gc.enable()


def _safe_key(name: str) -> str:
    """A file-name-safe key for an untrusted name (dataset names may hold any character)."""
    slug = re.sub(r"[^A-Za-z0-9_.-]+", "_", name)[:40]
    return f"{slug}-{hashlib.sha256(name.encode()).hexdigest()[:8]}"


class StoreWriteError(DataError):
    """A results file could not be written (a full disk, a lost mount...); nothing half-written is kept."""


class FolderInUseError(BenchkitError):
    """Another benchmark is writing to this results folder."""


class ResultsWarning(UserWarning):
    """A results file holds a line that cannot be read (reported with its file and line number)."""


_os_write = os.write  # every byte the store writes goes through this (tests swap it to simulate a full disk)


def _write_all(fd: int, data: bytes, path: Path) -> None:
    """Write every byte of ``data`` (``os.write`` may write fewer), or raise :class:`StoreWriteError`."""
    view = memoryview(data)
    try:
        while view:
            n = _os_write(fd, view)
            if n <= 0:
                raise OSError(errno.EIO, "the write made no progress")
            view = view[n:]
    except OSError as exc:
        raise _write_error(path, exc) from exc


def _write_error(path: Path, exc: OSError) -> StoreWriteError:
    hint = " (disk full?)" if exc.errno in (errno.ENOSPC, errno.EDQUOT) else ""
    return StoreWriteError(f"could not write {path}: {exc.strerror or exc}{hint}; the results recorded so far "
                           "are intact: free some space and run the same benchmark again to finish it")


def unique_tmp_path(path: Path) -> Path:
    """A temporary name beside ``path`` that no other writer can pick (pid and a random suffix)."""
    return path.with_name(f"{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")


@contextlib.contextmanager
def _replacing(path: Path) -> Iterator[Path]:
    """A temporary path to write; it replaces ``path`` atomically, or is removed if writing fails."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = unique_tmp_path(path)
    try:
        yield tmp
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(OSError):
            tmp.unlink()
        if isinstance(exc, OSError):
            raise _write_error(path, exc) from exc
        raise


def write_json_atomic(path: Path, obj: Any) -> None:
    """Replace ``path`` atomically with ``obj`` as strict, indented JSON."""
    with _replacing(path) as tmp:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
        try:
            _write_all(fd, (jsonsafe.dumps(obj, indent=2) + "\n").encode("utf-8"), path)
            os.fsync(fd)
        finally:
            os.close(fd)


class ResultStore:
    """Append-only access to a results folder."""

    def __init__(self, folder: str | Path):
        self.folder = Path(folder)
        self._problems: dict[str, list[str]] = {}
        self._cache: dict[str, tuple[tuple[int, int, int], list[tuple[int, dict[str, Any]]]]] = {}
        self._parsed: dict[str, tuple[list[Any], list[Any]]] = {}

    @property
    def problems(self) -> list[str]:
        """What the last reads found wrong: unreadable lines (file:line) and jobs with missing scores."""
        return [p for found in self._problems.values() for p in found]

    def _report(self, key: str, message: str) -> None:
        self._problems.setdefault(key, []).append(message)
        warnings.warn(message, ResultsWarning, stacklevel=1)  # one place: each message is shown once

    # ----------------------------------------------------------------- write
    def _append_lines(self, name: str, rows: Iterable[dict[str, Any]]) -> None:
        text = "".join(jsonsafe.dumps(r) + "\n" for r in rows)
        if not text:
            return
        path = self.folder / name
        self.folder.mkdir(parents=True, exist_ok=True)
        self._cache.pop(name, None)
        fd = os.open(path, os.O_RDWR | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            self._repair_torn_end(fd, path)
            start = os.fstat(fd).st_size
            try:
                _write_all(fd, text.encode("utf-8"), path)
                os.fsync(fd)
            except StoreWriteError:
                with contextlib.suppress(OSError):  # take back the part written (else the next append repairs it)
                    os.ftruncate(fd, start)
                raise
        finally:
            os.close(fd)

    def _repair_torn_end(self, fd: int, path: Path) -> None:
        """A last line without its newline is a record cut by a crash: move it to ``<file>.torn``."""
        size = os.fstat(fd).st_size
        if size == 0 or os.pread(fd, 1, size - 1) == b"\n":
            return
        chunk, keep = 1 << 16, 0
        while True:  # find the start of the torn line
            lo = max(0, size - chunk)
            buf = os.pread(fd, size - lo, lo)
            i = buf.rfind(b"\n")
            if i >= 0 or lo == 0:
                keep = lo + i + 1 if i >= 0 else 0
                break
            chunk *= 2
        fragment = os.pread(fd, size - keep, keep)
        line_no = os.pread(fd, keep, 0).count(b"\n") + 1 if keep else 1
        aside = path.with_name(path.name + ".torn")
        side = os.open(aside, os.O_WRONLY | os.O_APPEND | os.O_CREAT, 0o644)
        try:
            _write_all(side, fragment + b"\n", aside)
            os.fsync(side)
        finally:
            os.close(side)
        os.ftruncate(fd, keep)
        self._report(path.name, f"{path}:{line_no}: a record cut short by a crash or a full disk "
                                f"({len(fragment)} bytes) was moved to {aside.name}; its job counts as not done")

    def append(self, run: RunRecord, scores: Iterable[Score] = ()) -> None:
        """Record a finished job: its scores first, then the run line (with their count) that marks it complete."""
        rows = [score_line(s, run) for s in scores]
        run.n_scores = len(rows)
        self._append_lines(SCORES, rows)
        self._append_lines(RUNS, [run.to_dict()])

    def write_manifest(self, manifest: dict[str, Any]) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        write_json_atomic(self.folder / MANIFEST, manifest)

    def save_sample(self, run_id: str, df: pd.DataFrame) -> Path:
        path = self.folder / "samples" / f"{run_id}.parquet"
        _write_parquet(df, path)
        return path

    def save_real(self, dataset: str, df: pd.DataFrame, schema: Schema, card: dict[str, Any] | None = None) -> Path:
        key = _safe_key(dataset)
        path = self.folder / "real" / f"{key}.parquet"
        _write_parquet(df, path)
        write_json_atomic(self.folder / "real" / f"{key}.json",
                    {"dataset": dataset, "schema": schema.to_dict(), "card": card or {}})
        return path

    @contextlib.contextmanager
    def lock(self) -> Iterator[None]:
        """Hold the folder for one benchmark run (``fcntl.flock`` on ``.benchkit.lock``).

        A second holder fails at once with :class:`FolderInUseError`. The lock goes with the process:
        released on exit, after an exception, and by the kernel when the process is killed.
        Temporary files that a killed run left behind are removed once the lock is held.
        """
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not a POSIX system: run unlocked, as before
            yield
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / LOCK
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                raise FolderInUseError(_in_use_message(self.folder, os.pread(fd, 4096, 0))) from None
            owner = {"pid": os.getpid(), "host": platform.node(),
                     "started_at": pd.Timestamp.now(tz="UTC").isoformat(timespec="seconds")}
            os.ftruncate(fd, 0)
            _write_all(fd, (jsonsafe.dumps(owner) + "\n").encode(), path)
            self._remove_stale_tmp()
            yield
        finally:
            os.close(fd)  # closing the only descriptor releases the flock

    def _remove_stale_tmp(self) -> None:
        for sub in (self.folder, self.folder / "samples", self.folder / "real"):
            for tmp in sub.glob("*.tmp") if sub.is_dir() else ():
                with contextlib.suppress(OSError):
                    tmp.unlink()

    # ------------------------------------------------------------------ read
    def _read_lines(self, name: str) -> list[tuple[int, dict[str, Any]]]:
        """The records of a JSON Lines file with their line numbers; an unreadable line is reported
        (file:line) and left out."""
        path = self.folder / name
        try:
            st = path.stat()
        except FileNotFoundError:
            return []
        stamp = (st.st_ino, st.st_size, st.st_mtime_ns)
        cached = self._cache.get(name)
        if cached is not None and cached[0] == stamp:
            return cached[1]
        self._problems[name] = []
        rows = []
        with path.open("rb") as fh, _gc_paused():
            for line_no, raw in enumerate(fh, 1):
                if not raw.strip():
                    continue
                try:
                    row = json.loads(raw)
                except ValueError as exc:  # JSONDecodeError and UnicodeDecodeError
                    torn = "" if raw.endswith(b"\n") else " (cut short: no end of line)"
                    self._report(name, f"{path}:{line_no}: unreadable line skipped{torn}: {exc}")
                    continue
                if isinstance(row, dict):
                    rows.append((line_no, row))
                else:
                    self._report(name, f"{path}:{line_no}: not a JSON object, skipped")
        self._cache[name] = (stamp, rows)
        return rows

    def _typed(self, name: str, parse: Any) -> list[Any]:
        """The lines of ``name`` parsed by ``parse(row, where)`` (strict: a bad field raises), kept
        while the file is unchanged."""
        lines = self._read_lines(name)
        cached = self._parsed.get(name)
        if cached is not None and cached[0] is lines:
            return cached[1]
        path = self.folder / name
        with _gc_paused():  # many small objects at once: the collector would walk them again and again
            out = [parse(row, f"{path}:{line_no}") for line_no, row in lines]
        self._parsed[name] = (lines, out)
        return out

    def runs(self) -> dict[str, RunRecord]:
        """The latest attempt of every recorded job, by run_id.

        A job whose latest attempt has fewer readable score rows than its run line says
        (``n_scores``) is left out: it counts as not done, so a re-run runs it again. A line with a
        field a run record does not know raises :class:`DataError` naming it and its file:line.
        """
        latest: dict[str, RunRecord] = {}
        for rec in self._typed(RUNS, RunRecord.from_dict):
            latest[rec.run_id] = rec
        self._problems["incomplete"] = []
        if any(r.n_scores for r in latest.values()):
            counts: dict[str | None, int] = {}
            for s in self._typed(SCORES, score_from_line):
                counts[s.attempt_id] = counts.get(s.attempt_id, 0) + 1
            for rec in list(latest.values()):
                found = counts.get(rec.attempt_id, 0)
                if rec.n_scores is not None and found != rec.n_scores:
                    del latest[rec.run_id]
                    self._report("incomplete", f"{self.folder / SCORES}: job {rec.run_id} ({rec.generator} on "
                                               f"{rec.dataset}, seed {rec.seed}) has {found} of its {rec.n_scores} "
                                               "score rows; it counts as not done and runs again")
        return latest

    def load_runs(self) -> pd.DataFrame:
        recs = [r.to_dict() for r in self.runs().values()]
        cols = list(RunRecord.__dataclass_fields__)
        return pd.DataFrame(recs, columns=cols)

    def read_scores(self, runs: dict[str, RunRecord] | None = None) -> list[StoredScore]:
        """The Score rows of each job's latest attempt (of ``runs``, default :meth:`runs`), as written
        (strict: a line with a field a Score does not know raises :class:`DataError` naming it and its
        file:line)."""
        attempts = {r.attempt_id for r in (self.runs() if runs is None else runs).values()}
        return [s for s in self._typed(SCORES, score_from_line) if s.attempt_id in attempts]

    def load_scores(self) -> pd.DataFrame:
        """:meth:`read_scores` as a tidy frame (:func:`~benchkit.metrics.score_frame`, after ``run_id``
        and ``attempt_id``), joined with each job's dataset, generator, seed and is_reference."""
        runs = self.runs()
        stored = self.read_scores(runs)
        df = score_frame([s.score for s in stored], run_id=[s.run_id for s in stored],
                         attempt_id=[s.attempt_id for s in stored])
        run_cols = pd.DataFrame(
            [{"attempt_id": r.attempt_id, "dataset": r.dataset, "generator": r.generator, "seed": r.seed,
              "is_reference": r.is_reference} for r in runs.values()],
            columns=["attempt_id", "dataset", "generator", "seed", "is_reference"],
        )
        df = df.merge(run_cols, on="attempt_id", how="left")
        df["value"] = pd.to_numeric(df["value"], errors="coerce").astype(float)
        return df

    def read_manifest(self) -> dict[str, Any]:
        """``manifest.json`` as a dict ({} when absent); a corrupt one is a :class:`DataError` naming it."""
        path = self.folder / MANIFEST
        if not path.exists():
            return {}
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            where = f" (line {exc.lineno})" if isinstance(exc, json.JSONDecodeError) else ""
            raise DataError(f"{path} is not valid JSON{where}; delete it to start afresh (the jobs recorded in "
                            f"{RUNS} are kept), or restore it") from None
        if not isinstance(doc, dict):
            raise DataError(f"{path} does not hold a JSON object; delete it to start afresh, or restore it")
        return doc

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


def _in_use_message(folder: Path, owner_text: bytes) -> str:
    try:
        owner = json.loads(owner_text)
        who = f"pid {owner['pid']} on {owner['host']} (started {owner['started_at']})"
    except (ValueError, KeyError, TypeError):
        who = "another process"
    return f"results folder {folder} is in use by {who}; wait for it to finish or use another --out"


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
    with _replacing(path) as tmp:
        out.to_parquet(tmp, index=False)


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
