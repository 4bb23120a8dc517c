"""The benchmark runner: datasets x generators x seeds -> fit, sample, score, recorded job by job.

:func:`run_benchmark` prepares every dataset once (one train/holdout split per dataset, fixed by the
spec's ``split_seed``, so every generator is scored on the same holdout), lists the jobs, skips those
already recorded in the output folder (resume), runs the rest on an executor and writes each result
as it arrives: a sample of the synthetic rows, then the scores, then the run line. A run killed with
SIGKILL therefore loses only its in-flight jobs, and running the same spec again finishes it.

Besides the generators, every (dataset, seed) gets a reference job, ``holdout``: real rows the
generators never saw, scored exactly like a synthetic sample (see :func:`benchkit.bench.job.execute_job`).
"""

from __future__ import annotations

import logging
import os
import platform
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from .. import __version__
from ..errors import BenchkitError
from .executors import make_executor
from .job import SAMPLE_CAP, Job, JobResult, failed_result, now_iso
from .prepare import PreparedDataset, prepare_dataset
from .results import REFERENCE_GENERATOR, ResultStore, RunRecord, run_id_for
from .spec import BenchmarkSpec, load_spec, spec_from_dict
from ..verdict.summary import summarise
from ..verdict.gate import thresholds_of

log = logging.getLogger(__name__)


@dataclass
class BenchmarkResult:
    """What a benchmark left in its folder, loaded: one row per job, per score, per aggregated metric."""

    folder: Path
    runs: pd.DataFrame
    scores: pd.DataFrame
    summary: pd.DataFrame
    counts: dict[str, int] = field(default_factory=dict)  # jobs run / skipped this time


def job_identity(spec: BenchmarkSpec, gen_name: str, params: dict[str, Any]) -> dict[str, Any]:
    """Everything besides dataset, generator key and seed that changes a job's numbers (part of its id)."""
    return {
        "generator": gen_name,
        "params": params,
        "sample_size": spec.sample_size,
        "holdout": spec.holdout,
        "split_seed": spec.split_seed,
        "families": sorted(spec.families) if spec.families else None,
    }


def plan_jobs(spec: BenchmarkSpec, datasets: dict[str, PreparedDataset]) -> list[Job]:
    """Every job of the spec's prepared datasets, reference jobs first, in a stable order."""
    jobs: list[Job] = []
    for ds in spec.datasets:
        prepared = datasets.get(ds.name)
        if prepared is None:  # it failed to load: its jobs are recorded as failed instead
            continue
        for seed in spec.seeds:
            rid = run_id_for(ds.name, prepared.sha256, REFERENCE_GENERATOR,
                             job_identity(spec, REFERENCE_GENERATOR, {}), seed)
            jobs.append(Job(rid, ds.name, REFERENCE_GENERATOR, REFERENCE_GENERATOR, {}, seed, None,
                            spec.families, spec.time_limit, spec.memory_limit, spec.threads_per_job,
                            is_reference=True, dataset_sha256=prepared.sha256))
        for gen in spec.generators:
            t, m = spec.limits_for(gen)
            for seed in spec.seeds:
                rid = run_id_for(ds.name, prepared.sha256, gen.key, job_identity(spec, gen.name, gen.params), seed)
                jobs.append(Job(rid, ds.name, gen.key, gen.name, dict(gen.params), seed, spec.sample_size,
                                spec.families, t, m, spec.threads_per_job, dataset_sha256=prepared.sha256))
    return jobs


def machine_info() -> dict[str, Any]:
    """The machine a benchmark ran on (recorded in manifest.json)."""
    try:
        mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    except (ValueError, OSError, AttributeError):  # pragma: no cover
        mem = None
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover
        cpus = os.cpu_count()
    return {
        "cpu_count": cpus,
        "memory_gb": None if mem is None else round(mem, 2),
        "platform": platform.platform(),
        "machine": platform.machine(),
        "python": sys.version.split()[0],
        "hostname": platform.node(),
    }


def plugins_info() -> dict[str, Any]:
    """Loaded plugins with their distribution and version, and any that failed to load."""
    from .. import plugins

    reg = plugins.registry()
    loaded: dict[str, dict[str, Any]] = {}
    for kind in plugins.KINDS:
        for name, r in reg.all(kind).items():
            entry = loaded.setdefault(r.plugin, {"distribution": r.distribution, "version": r.version})
            entry.setdefault(kind + "s", []).append(name)
    errors = [{"plugin": e.plugin, "stage": e.stage, "error": e.error} for e in reg.errors]
    return {"loaded": loaded, "errors": errors}


def _record(result: JobResult, store: ResultStore) -> RunRecord:
    """Write one job's sample, scores and run line (in that order: the run line marks it complete)."""
    run = RunRecord.from_dict(result.record, where=f"the record of job {result.record.get('run_id')}")
    if result.sample is not None and run.status == "ok":
        try:
            store.save_sample(run.run_id, result.sample.iloc[:SAMPLE_CAP])
        except Exception as exc:  # an odd dtype the Parquet writer refuses: keep the scores anyway
            log.warning("could not save the sample of %s/%s seed %s: %s", run.dataset, run.generator, run.seed, exc)
    store.append(run, result.scores if run.status == "ok" else ())
    return run


def run_benchmark(
    spec: BenchmarkSpec | str | Path | dict[str, Any],
    *,
    executor: str = "process",
    jobs: int | None = None,
    scheduler: str | None = None,
    dask_local: int | None = None,
    rerun_failed: bool = False,
    progress: bool = True,
) -> BenchmarkResult:
    """Run (or resume) a benchmark and return its results; the folder ``spec.out`` holds everything.

    ``executor``: "process" (a local pool of ``jobs`` job processes, default one per CPU),
    "inprocess" (debugging, no limits) or "dask" (``scheduler`` address or ``dask_local`` workers).
    Jobs already recorded in the folder are skipped; ``rerun_failed`` runs failed, timed-out and
    out-of-memory jobs again. The runner writes results, never a report: its caller renders one from
    the folder (:func:`benchkit.report.write_report`, as ``benchkit run`` does).
    """
    if isinstance(spec, (str, Path)):
        spec = load_spec(spec)
    elif isinstance(spec, dict):
        spec = spec_from_dict(spec)
    elif not isinstance(spec, BenchmarkSpec):
        raise BenchkitError(f"run_benchmark needs a BenchmarkSpec, a TOML path or a dict, not {type(spec).__name__}")
    spec.validate()
    spec.check_names()
    spec.check_params()  # a misspelt or bad generator parameter stops the run before any job starts
    # bad executor options (or the dask executor without dask installed) stop here, before the folder is touched
    exe = make_executor(executor, jobs=jobs, scheduler=scheduler, dask_local=dask_local)
    store = ResultStore(spec.out)
    with store.lock():  # a second run on this folder fails here instead of running every job twice
        return _run_locked(spec, exe, store, rerun_failed=rerun_failed, progress=progress)


def _run_locked(spec: BenchmarkSpec, exe: Any, store: ResultStore, *, rerun_failed: bool, progress: bool) -> BenchmarkResult:
    datasets, broken = _prepare_all(spec, store)
    all_jobs = plan_jobs(spec, datasets)
    done = store.runs()
    todo = [j for j in all_jobs if j.run_id not in done or (rerun_failed and done[j.run_id].status != "ok")]
    skipped = len(all_jobs) - len(todo)
    manifest = {
        "benchkit_version": __version__,
        "spec": spec.to_dict(),
        "machine": machine_info(),
        "plugins": plugins_info(),
        "executor": exe.describe(),
        "started_at": now_iso(),
        "finished_at": None,
        "jobs": {"total": len(all_jobs) + len(broken) * (len(spec.generators) + 1) * len(spec.seeds),
                 "skipped": skipped, "to_run": len(todo)},
        "dataset_errors": broken,
    }
    previous = store.read_manifest()
    if previous.get("started_at"):
        manifest["first_started_at"] = previous.get("first_started_at", previous["started_at"])
    store.write_manifest(manifest)
    log.info("benchmark in %s: %d jobs, %d already recorded, %d to run on %s",
             store.folder, len(all_jobs), skipped, len(todo), exe.name)
    for name, error in broken.items():
        for job in _broken_dataset_jobs(spec, name):
            if job.run_id not in done or rerun_failed:
                _record(failed_result(job, "failed", f"dataset {name!r} could not be loaded: {error}"), store)

    bar = _progress_bar(len(all_jobs), skipped, progress)
    status_counts: dict[str, int] = {}

    def on_result(result: JobResult) -> None:
        run = _record(result, store)
        status_counts[run.status] = status_counts.get(run.status, 0) + 1
        if run.status != "ok":
            log.warning("%s on %s (seed %s): %s: %s", run.generator, run.dataset, run.seed, run.status, run.error)
        if bar is not None:
            bar.update(1)
            bar.set_postfix_str(f"last: {run.generator}/{run.dataset}/s{run.seed} {run.status}", refresh=True)

    def on_progress(job: Job, info: dict[str, Any]) -> None:  # a generator's ProgressInfo (benchkit.generator)
        if bar is not None and "epoch" in info:
            total = f"/{info['epochs']}" if info.get("epochs") else ""
            loss = info.get("loss")
            shown = f" loss {loss:.4g}" if isinstance(loss, (int, float)) and not isinstance(loss, bool) else ""
            bar.set_postfix_str(f"{job.generator}/{job.dataset}/s{job.seed} epoch {info['epoch']}{total}{shown}",
                                refresh=True)

    if hasattr(exe, "log_file"):  # plugin output goes to a log, not over the progress bar
        (store.folder / "logs").mkdir(exist_ok=True)
        exe.log_file = str(store.folder / "logs" / "jobs.log")
    try:
        exe.run(todo, datasets, on_result, on_progress)
    finally:
        if bar is not None:
            bar.close()
    manifest["finished_at"] = now_iso()
    manifest["executor"] = exe.describe()
    manifest["jobs"]["statuses_this_run"] = status_counts
    store.write_manifest(manifest)

    ids = {j.run_id for j in all_jobs} | {j.run_id for n in broken for j in _broken_dataset_jobs(spec, n)}
    result = load_result(store.folder, run_ids=ids)
    others = len(store.runs()) - len(result.runs)
    if others > 0:
        log.warning("%s also holds %d job record(s) of an earlier spec; they are kept (the report shows them) "
                    "but left out of this result", store.folder, others)
    result.counts = {"total": len(all_jobs), "skipped": skipped, "ran": len(todo), **status_counts}
    return result


def load_result(folder: str | Path, run_ids: set[str] | None = None) -> BenchmarkResult:
    """Load a results folder into a :class:`BenchmarkResult` (runs, scores and the summary).

    ``run_ids`` keeps only those jobs (a folder may also hold jobs of an earlier, different spec).
    """
    store = ResultStore(folder)
    runs = store.load_runs()
    scores = store.load_scores()
    if run_ids is not None:
        runs = runs[runs["run_id"].isin(run_ids)].reset_index(drop=True)
        scores = scores[scores["run_id"].isin(run_ids)].reset_index(drop=True)
    return BenchmarkResult(store.folder, runs, scores,
                           summarise(runs, scores, thresholds=thresholds_of(store.read_manifest())))


def _prepare_all(spec: BenchmarkSpec, store: ResultStore) -> tuple[dict[str, PreparedDataset], dict[str, str]]:
    """Load and split every dataset once; save its real-train sample, schema and card for the report.

    A dataset that fails to load is reported and its jobs recorded as failed; the others go on.
    """
    datasets: dict[str, PreparedDataset] = {}
    broken: dict[str, str] = {}
    for ds in spec.datasets:
        try:
            prepared = prepare_dataset(ds, holdout=spec.holdout, split_seed=spec.split_seed)
        except BenchkitError as exc:
            raise BenchkitError(f"dataset {ds.name!r} could not be prepared: {exc}") from exc
        except Exception as exc:  # a dataset plugin's own bug: the other datasets still run
            log.error("dataset %r could not be loaded: %s: %s", ds.name, type(exc).__name__, exc)
            broken[ds.name] = f"{type(exc).__name__}: {exc}"
            continue
        datasets[ds.name] = prepared
        card = dict(prepared.card)
        card.update(n_train=len(prepared.train), n_holdout=len(prepared.holdout), sha256=prepared.sha256,
                    source=card.get("source") or ds.source)
        # a random subset, in the original order: the head of a table sorted by date or account would
        # show the report a biased slice of the real data
        kept = prepared.train
        if len(kept) > SAMPLE_CAP:
            kept = kept.sample(n=SAMPLE_CAP, random_state=spec.split_seed).sort_index()
        store.save_real(ds.name, kept, prepared.schema, card)
    return datasets, broken


def _broken_dataset_jobs(spec: BenchmarkSpec, name: str) -> list[Job]:
    """The jobs of a dataset that failed to load (no content hash: their ids use an empty one)."""
    jobs = []
    for gen_key, gen_name, params in [(REFERENCE_GENERATOR, REFERENCE_GENERATOR, {})] + [
        (g.key, g.name, g.params) for g in spec.generators
    ]:
        for seed in spec.seeds:
            rid = run_id_for(name, "", gen_key, job_identity(spec, gen_name, params), seed)
            jobs.append(Job(rid, name, gen_key, gen_name, dict(params), seed, None, None, None, None,
                            is_reference=gen_key == REFERENCE_GENERATOR))
    return jobs


def _progress_bar(total: int, initial: int, enabled: bool):
    if not enabled:
        return None
    from tqdm.auto import tqdm

    return tqdm(total=total, initial=initial, desc="benchmark jobs", unit="job", dynamic_ncols=True,
                file=sys.stderr)


__all__ = ["BenchmarkResult", "load_result", "plan_jobs", "run_benchmark"]
