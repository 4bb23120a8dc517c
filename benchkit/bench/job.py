"""One benchmark job, (dataset, generator, seed) -> fit, sample, validate, score.

This module holds what runs *inside* a job process (see :mod:`benchkit.bench.isolation`): it never touches
the results folder; the data a job needs is prepared once in the parent (:mod:`.prepare`). :func:`execute_job` turns every failure of the plugin into a ``failed`` or ``oom``
result instead of raising, so one bad generator never stops a benchmark.
"""

from __future__ import annotations

import json
import logging
import os
import math
import platform
import random
import sys
import time
import traceback
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any, Callable

import numpy as np
import pandas as pd

from ..errors import SchemaError, UnsupportedKindError
from ..generator import THREADS_ENV, check_supported_kinds, schema_for_generator
from ..metrics import Score
from ..schema import Schema
from .prepare import PreparedDataset, split_train_holdout

log = logging.getLogger(__name__)

SAMPLE_CAP = 20_000
"""At most this many synthetic (and real-train) rows are kept in the results folder for the report."""


@dataclass
class Job:
    """Everything a job process needs besides the data; small, so it travels cheaply."""

    run_id: str
    dataset: str  # PreparedDataset.key
    generator: str  # the key results are recorded under (label or name)
    generator_name: str  # the registered name
    params: dict[str, Any]
    seed: int
    sample_size: int | None
    families: list[str] | None
    time_limit: float | None
    memory_limit: float | None
    threads: int = 1
    is_reference: bool = False
    dataset_sha256: str = ""


@dataclass
class JobResult:
    """What a job returns: the run record fields, its scores and a sample of its synthetic rows."""

    record: dict[str, Any]
    scores: list[Score] = field(default_factory=list)
    sample: pd.DataFrame | None = None


def now_iso() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


# ================================================================== execution
class _Stage:
    """Which step of the job is running, so a failure says where it happened."""

    def __init__(self) -> None:
        self.name = "setup"


def seed_everything(seed: int) -> None:
    """Seed the global RNGs a careless plugin might use, so jobs repeat in any process."""
    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch = sys.modules.get("torch")
    if torch is not None:
        torch.manual_seed(seed)


def limit_threads(n: int) -> Callable[[], None]:
    """Cap the BLAS/OpenMP/torch thread pools of this process at ``n`` (results then repeat exactly).

    Returns a function that restores the previous limits (the in-process executor shares its process).
    """
    undo: list[Callable[[], None]] = []
    before_env = os.environ.get(THREADS_ENV)
    os.environ[THREADS_ENV] = str(n)  # generators that size their own pools read it (generator.job_threads)
    undo.append(lambda: os.environ.pop(THREADS_ENV, None) if before_env is None
                else os.environ.__setitem__(THREADS_ENV, before_env))
    try:
        from threadpoolctl import threadpool_limits

        undo.append(threadpool_limits(n).restore_original_limits)
    except Exception:  # pragma: no cover - threadpoolctl is a scikit-learn dependency
        pass
    torch = sys.modules.get("torch")
    if torch is not None:
        try:
            before = torch.get_num_threads()
            torch.set_num_threads(n)
            undo.append(lambda: torch.set_num_threads(before))
        except Exception:  # pragma: no cover
            pass

    def restore() -> None:
        for fn in reversed(undo):
            fn()

    return restore


def versions(plugin_version: str | None = None) -> dict[str, str]:
    """Versions of the libraries that shape the numbers."""
    from .. import __version__

    out = {"python": platform.python_version(), "benchkit": __version__}
    for mod in ("numpy", "pandas", "scipy", "sklearn", "lightgbm", "torch"):
        m = sys.modules.get(mod)
        if m is not None:
            out[mod] = str(getattr(m, "__version__", "?"))
    if plugin_version:
        out["plugin"] = plugin_version
    return out


def base_record(job: Job) -> dict[str, Any]:
    """The run-record fields known before the job starts."""
    return {
        "run_id": job.run_id,
        "dataset": job.dataset,
        "dataset_sha256": job.dataset_sha256,
        "generator": job.generator,
        "params": dict(job.params),
        "seed": job.seed,
        "is_reference": job.is_reference,
    }


def failed_result(job: Job, status: str, error: str, tb: str | None = None, **extra: Any) -> JobResult:
    """A result for a job that did not finish (status failed, timeout or oom)."""
    rec = base_record(job)
    rec.update(status=status, error=error, traceback=tb, finished_at=now_iso(), **extra)
    return JobResult(rec)


def execute_job(job: Job, data: PreparedDataset,
                progress: Callable[[dict[str, Any]], None] | None = None) -> JobResult:
    """Run one job here and now; every failure becomes a result, never an exception."""
    rec = base_record(job)
    rec["started_at"] = now_iso()
    rec["n_train"] = len(data.train)
    stage = _Stage()
    timings: dict[str, float] = {}
    restore_threads = limit_threads(job.threads)
    try:
        return _execute(job, data, progress, rec, stage, timings)
    finally:
        restore_threads()


def _execute(job: Job, data: PreparedDataset, progress: Callable[[dict[str, Any]], None] | None,
             rec: dict[str, Any], stage: _Stage, timings: dict[str, float]) -> JobResult:
    from .. import plugins

    try:
        seed_everything(job.seed)
        if job.is_reference:
            synthetic, holdout = _reference_sample(data, job.seed)
            rec["plugin"] = "benchkit"
        else:
            reg = plugins.get_generator(job.generator_name)
            rec["plugin"], rec["plugin_version"] = reg.plugin, reg.version
            stage.name = "construct"
            gen = reg.obj(**job.params, seed=job.seed)
            rec["budget_s"] = budget_seconds(gen, job.params)
            check_supported_kinds(gen, data.schema, job.generator_name)
            if progress is not None and hasattr(gen, "progress"):  # the ProgressCallback convention (benchkit.generator)
                try:
                    gen.progress = progress
                except Exception:  # a read-only attribute: the bar just shows jobs
                    pass
            stage.name = "fit"
            t0 = time.perf_counter()
            gen.fit(data.train.copy(), schema_for_generator(gen, data.schema))
            timings["fit_s"] = time.perf_counter() - t0
            rec["training"] = training_summary(gen)
            n = int(job.sample_size or len(data.train))
            stage.name = "sample"
            t0 = time.perf_counter()
            synthetic = gen.sample(n)
            timings["sample_s"] = time.perf_counter() - t0
            stage.name = "validate"
            synthetic = validate_sample(synthetic, data.schema, job.generator)
            holdout = data.holdout
        rec["n_synthetic"] = len(synthetic)
        stage.name = "score"
        t0 = time.perf_counter()
        scores = score(data.train, synthetic, data.schema, target=data.target, holdout=holdout,
                       families=job.families, seed=job.seed)
        timings["score_s"] = time.perf_counter() - t0
    except MemoryError:
        rec.update(status="oom", error=f"MemoryError during {stage.name}: the job ran out of memory"
                   + (f" (limit {job.memory_limit:g} MB)" if job.memory_limit else ""),
                   traceback=traceback.format_exc(), **timings)
        return JobResult(_finish(rec, job))
    except BaseException as exc:  # noqa: BLE001 - a plugin may raise anything, even SystemExit
        if isinstance(exc, KeyboardInterrupt):
            raise
        if isinstance(exc, UnsupportedKindError):  # the message names generator, column and kind
            where = "dataset not supported"
        elif stage.name in ("construct", "fit", "sample"):
            where = f"generator {job.generator_name!r} failed in {stage.name}"
        elif stage.name == "validate":
            where = "invalid sample"
        else:
            where = f"{stage.name} failed"
        rec.update(status="failed", error=f"{where}: {type(exc).__name__}: {exc}",
                   traceback=traceback.format_exc(), **timings)
        return JobResult(_finish(rec, job))
    rec.update(status="ok", error=None, **timings)
    return JobResult(_finish(rec, job), scores, synthetic.iloc[:SAMPLE_CAP].reset_index(drop=True))


def budget_seconds(gen: Any, params: dict[str, Any]) -> float | None:
    """The generator's time budget: ``max_seconds`` from the job's params, else the generator's own
    (its default), when that is a positive number; None for a generator without one."""
    value = params.get("max_seconds", getattr(gen, "max_seconds", None))
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or value <= 0:
        return None
    return float(value)


def training_summary(gen: Any) -> dict[str, Any]:
    """What a fitted generator says about its training (its optional ``training_summary()``), as
    plain JSON data; a summary that raises or is not JSON-able becomes ``{"error": "..."}``, never a failure."""
    method = getattr(gen, "training_summary", None)
    if method is None or not callable(method):
        return {}
    try:
        summary = method()
        if not isinstance(summary, dict):
            raise TypeError(f"it returned {type(summary).__name__}, not a dict")
        return json.loads(json.dumps(summary, allow_nan=False, default=_numpy_scalar))
    except Exception as exc:  # noqa: BLE001 - a plugin's summary is a courtesy, not part of the job
        log.warning("training_summary() of %s failed: %s: %s", type(gen).__name__, type(exc).__name__, exc)
        return {"error": f"training_summary() failed: {type(exc).__name__}: {exc}"}


def _numpy_scalar(o: Any) -> Any:
    if isinstance(o, np.generic):
        return o.item()
    raise TypeError(f"{type(o).__name__} is not JSON data")


def _finish(rec: dict[str, Any], job: Job) -> dict[str, Any]:
    rec["finished_at"] = now_iso()
    rec["peak_rss_mb"] = peak_rss_mb()
    rec["versions"] = versions(rec.get("plugin_version"))
    return rec


def _reference_sample(data: PreparedDataset, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The reference pseudo-generator: half the real holdout plays "synthetic", the other half holdout.

    Halving keeps the reference honest: utility trains on one half and tests on the other (never on
    its own rows), and privacy compares two sets of real rows the generator never saw. The halves
    are drawn with the job seed, so the reference's spread across seeds is real sampling noise.
    """
    schema = getattr(data, "schema", None)
    entity = schema.entity if schema is not None and schema.entity in data.holdout.columns else None
    if entity is not None and data.holdout[entity].nunique() >= 4:  # halves of the holdout's entities, whole
        return split_train_holdout(data.holdout, 0.5, seed, entity)
    a, b = split_train_holdout(data.holdout, 0.5, seed) if len(data.holdout) >= 4 else (data.holdout, data.holdout)
    return a, b


def validate_sample(synthetic: Any, schema: Schema, generator: str) -> pd.DataFrame:
    """Check a generator's sample against the schema; a wrong one raises :class:`SchemaError`."""
    if not isinstance(synthetic, pd.DataFrame):
        raise SchemaError(
            f"generator {generator!r} returned {type(synthetic).__name__} from sample(); it must return a "
            "pandas DataFrame with the schema's columns"
        )
    if len(synthetic) == 0:
        raise SchemaError(f"generator {generator!r} returned an empty sample")
    report = schema.validate(synthetic)
    fatal = [i for i in report.issues if i.problem in ("missing_column", "wrong_kind")]
    if fatal:
        lines = "; ".join(i.message for i in fatal)
        raise SchemaError(f"the sample of generator {generator!r} does not fit the dataset's schema: {lines}")
    extra = [str(c) for c in synthetic.columns if str(c) not in schema.columns]
    if extra:
        log.warning("generator %r returned extra columns %s; they are dropped", generator, extra)
    return synthetic[list(schema.columns)].reset_index(drop=True)


def score(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema, *, target: str | None,
          holdout: pd.DataFrame | None, families: list[str] | None, seed: int) -> list[Score]:
    """Score one sample with :func:`benchkit.evaluate` and return its Score rows (sent to the parent as they are)."""
    from ..evaluation import evaluate

    # no references: the runner scores the holdout reference and the independent baseline as jobs of their own
    result = evaluate(real, synthetic, schema, target=target, holdout=holdout, families=families, seed=seed,
                      references=False)
    return result.rows


def peak_rss_mb() -> float | None:
    """This process's peak resident memory in MB since the last :func:`reset_peak_rss`."""
    try:
        with open("/proc/self/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    try:
        import resource

        kb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        return kb / (1024 * 1024) if sys.platform == "darwin" else kb / 1024
    except Exception:  # pragma: no cover
        return None


def reset_peak_rss() -> None:
    """Reset the kernel's peak-RSS mark (Linux), so a long-lived job process reports per job."""
    try:
        with open("/proc/self/clear_refs", "w", encoding="ascii") as fh:
            fh.write("5")
    except OSError:
        pass
