"""Where benchmark jobs run: in this process, on a local pool of job processes, or on a Dask cluster.

Every executor has ``run(jobs, datasets, on_result, on_progress=None)``: it calls ``on_result`` in the
calling process as each job finishes (so results are written one by one, never batched at the end).

- :class:`InProcessExecutor` runs jobs one after another right here: for debugging (a debugger and
  breakpoints work); no isolation, no time or memory limits.
- :class:`LocalPoolExecutor` keeps ``jobs`` job processes (:class:`benchkit.bench.isolation.JobHost`) busy;
  a crashed, hung or memory-hungry job kills only its own process, which is replaced.
- :class:`DaskExecutor` submits one task per job to a Dask cluster; each dataset is scattered to
  every worker once (``broadcast=True``) and tasks receive it by reference, so data crosses the
  network once per worker, not once per job. On the worker each task runs in a job process of that
  worker thread, with the same limits as the local pool.
"""

from __future__ import annotations

import importlib.util
import logging
import os
import threading
import uuid
from collections import deque
from multiprocessing.connection import wait
from typing import Any, Callable, Iterable

from ..errors import BenchkitError
from .isolation import POLL_S, JobHost, ProgressFn
from .job import Job, JobResult, execute_job, failed_result
from .prepare import PreparedDataset

log = logging.getLogger(__name__)

ResultFn = Callable[[JobResult], None]


def default_jobs(threads_per_job: int = 1) -> int:
    """How many jobs to run at once here: the usable CPUs divided by each job's threads."""
    try:
        cpus = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        cpus = os.cpu_count() or 1
    return max(1, cpus // max(1, threads_per_job))


class InProcessExecutor:
    """Run jobs sequentially in this process (debugging); limits are not enforced."""

    name = "inprocess"

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name}

    def run(self, jobs: Iterable[Job], datasets: dict[str, PreparedDataset], on_result: ResultFn,
            on_progress: ProgressFn | None = None) -> None:
        from .job import reset_peak_rss

        jobs = list(jobs)
        if any(j.time_limit or j.memory_limit for j in jobs):
            log.warning("the in-process executor does not enforce time or memory limits; use --jobs N for that")
        for job in jobs:
            reset_peak_rss()
            cb = (lambda info, _j=job: on_progress(_j, info)) if on_progress else None
            on_result(execute_job(job, datasets[job.dataset], cb))


class LocalPoolExecutor:
    """Run jobs on ``jobs`` job processes on this machine, each job isolated in its process."""

    name = "process"
    log_file: str | None = None
    """Where the job processes' stdout and stderr go (plugin prints, their own progress bars)."""

    def __init__(self, jobs: int | None = None):
        if jobs is not None and (isinstance(jobs, bool) or not isinstance(jobs, int) or jobs < 1):
            raise BenchkitError(f"jobs must be a positive integer, got {jobs!r}")
        self.jobs = jobs
        self._start_failures = 0

    def describe(self) -> dict[str, Any]:
        return {"executor": self.name, "jobs": self.jobs}

    def run(self, jobs: Iterable[Job], datasets: dict[str, PreparedDataset], on_result: ResultFn,
            on_progress: ProgressFn | None = None) -> None:
        pending = deque(jobs)
        if not pending:
            return
        threads = pending[0].threads
        n = min(self.jobs or default_jobs(threads), len(pending))
        self.jobs = self.jobs or n
        hosts: list[JobHost] = [JobHost(threads, log_file=self.log_file) for _ in range(n)]
        try:
            while pending or any(h.busy for h in hosts):
                if not hosts:  # every process died while jobs were left: start afresh
                    hosts = [JobHost(threads, log_file=self.log_file) for _ in range(n)]
                for h in hosts:
                    if pending and h.ready and not h.busy and not h.dead:
                        job = pending.popleft()
                        try:
                            h.submit(job, datasets[job.dataset])
                        except (OSError, EOFError, ValueError):  # the host died between polls: retry elsewhere
                            h.job = None
                            h.kill()
                            pending.appendleft(job)
                conns = [h.conn for h in hosts if not h.dead]
                if conns:
                    try:
                        wait(conns, timeout=POLL_S)
                    except OSError:
                        pass
                alive: list[JobHost] = []
                for h in hosts:
                    result = h.poll(on_progress)
                    if result is not None:
                        on_result(result)
                    if not h.dead:
                        alive.append(h)
                        continue
                    if not h.ready:  # it never started: a broken installation, not a broken job
                        self._start_failures += 1
                        if self._start_failures >= 3:
                            raise BenchkitError(
                                f"job processes keep exiting before they are ready (exit code {h.proc.returncode}); "
                                "run `python -m benchkit.bench.isolation` to see why, or use --in-process")
                    if pending:  # replace a killed or crashed process while there is work left
                        alive.append(JobHost(threads, log_file=self.log_file))
                hosts = alive
        finally:
            for h in hosts:  # idle processes hold nothing worth a graceful exit (torch's can take seconds)
                h.kill()


# ======================================================================== Dask
_local = threading.local()


def _worker_host(threads: int) -> JobHost:
    """This Dask worker thread's job process, started on first use and replaced when it dies."""
    host = getattr(_local, "host", None)
    if host is None or host.dead:
        host = JobHost(threads)
        _local.host = host
    return host


PROGRESS_TOPIC = "benchkit-progress"


def run_job_on_worker(job: Job, data: PreparedDataset) -> JobResult:
    """The Dask task: run one job in this worker thread's job process; epochs go out as worker events."""
    host = _worker_host(job.threads)
    return host.run(job, data, _forward_progress)


def _forward_progress(job: Job, info: dict[str, Any]) -> None:
    from distributed import get_worker

    get_worker().log_event(PROGRESS_TOPIC, {"run_id": job.run_id, "info": info})


DASK_INSTALL_HINT = "pip install 'benchkit[dask]'"


def _dask_missing_error() -> BenchkitError:
    return BenchkitError(f"the Dask executor needs dask and distributed, which are not installed; {DASK_INSTALL_HINT}")


def _check_distributed() -> None:
    """Raise the install hint when ``distributed`` is missing (looked up, not imported: it is slow)."""
    try:
        found = importlib.util.find_spec("distributed") is not None
    except (ImportError, ValueError):  # a finder refused it, or a broken half-import left in sys.modules
        found = False
    if not found:
        raise _dask_missing_error()


class DaskExecutor:
    """Run jobs on a Dask cluster: an existing scheduler, or a LocalCluster started (and stopped) here.

    Dask is optional (``pip install 'benchkit[dask]'``): without it, asking for this executor raises a
    :class:`BenchkitError` with that hint before any work starts.
    """

    name = "dask"

    def __init__(self, scheduler: str | None = None, local_workers: int | None = None):
        _check_distributed()
        if scheduler is None and local_workers is None:
            raise BenchkitError("the Dask executor needs --scheduler ADDRESS or --dask-local N")
        if local_workers is not None and (not isinstance(local_workers, int) or local_workers < 1):
            raise BenchkitError(f"--dask-local needs a positive number of workers, got {local_workers!r}")
        self.scheduler = scheduler
        self.local_workers = local_workers

    def describe(self) -> dict[str, Any]:
        out: dict[str, Any] = {"executor": self.name, "scheduler": self.scheduler, "dask_local": self.local_workers}
        if getattr(self, "shipped_to", None) is not None:  # after a run: how many workers got each dataset
            out["datasets_on_workers"] = dict(self.shipped_to)
        return out

    def run(self, jobs: Iterable[Job], datasets: dict[str, PreparedDataset], on_result: ResultFn,
            on_progress: ProgressFn | None = None) -> None:
        try:
            from distributed import Client, LocalCluster, as_completed
        except ImportError as exc:  # found by __init__, yet it does not import (a broken install)
            raise BenchkitError(f"the Dask executor cannot import distributed ({exc}); {DASK_INSTALL_HINT}") from exc
        jobs = list(jobs)
        if not jobs:
            return
        cluster = None
        try:
            if self.scheduler is not None:
                try:
                    client = Client(self.scheduler, timeout="30s")
                except OSError as exc:
                    raise BenchkitError(f"cannot reach the Dask scheduler at {self.scheduler}: {exc}") from None
            else:
                cluster = LocalCluster(n_workers=self.local_workers, threads_per_worker=1, processes=True,
                                       dashboard_address=None)
                client = Client(cluster)
            try:
                self._run(client, as_completed, jobs, datasets, on_result, on_progress)
            finally:
                client.close()
        finally:
            if cluster is not None:
                cluster.close()

    def _run(self, client: Any, as_completed: Any, jobs: list[Job], datasets: dict[str, PreparedDataset],
             on_result: ResultFn, on_progress: ProgressFn | None) -> None:
        used = {j.dataset for j in jobs}
        # one copy of each dataset per worker, sent now; every task refers to it by its future
        shipped = {k: client.scatter(datasets[k], broadcast=True, hash=False) for k in sorted(used)}
        holders = client.who_has(list(shipped.values()))
        self.shipped_to = {k: len(holders.get(f.key, ())) for k, f in shipped.items()}
        futures = {}
        tag = uuid.uuid4().hex[:8]
        if on_progress is not None:
            by_id = {j.run_id: j for j in jobs}

            def relay(event: Any) -> None:  # runs on the client's event loop: never raise there
                try:
                    msg = event[1]
                    on_progress(by_id[msg["run_id"]], msg["info"])
                except Exception:
                    log.debug("progress event dropped", exc_info=True)

            client.subscribe_topic(PROGRESS_TOPIC, relay)
        for job in jobs:
            fut = client.submit(run_job_on_worker, job, shipped[job.dataset], key=f"benchkit-job-{job.run_id}-{tag}",
                                pure=False, retries=0)
            futures[fut.key] = (fut, job)
        for fut in as_completed([f for f, _ in futures.values()]):
            job = futures[fut.key][1]
            try:
                result = fut.result()
            except Exception as exc:  # the worker itself died (KilledWorker) or the task could not run
                result = failed_result(job, "failed", f"the Dask task failed: {type(exc).__name__}: {exc}")
            on_result(result)
            fut.release()
        if on_progress is not None:
            client.unsubscribe_topic(PROGRESS_TOPIC)


def make_executor(executor: str = "process", *, jobs: int | None = None, scheduler: str | None = None,
                  dask_local: int | None = None) -> InProcessExecutor | LocalPoolExecutor | DaskExecutor:
    """The executor named by ``executor`` ("inprocess", "process" or "dask"); Dask options imply "dask"."""
    if scheduler is not None or dask_local is not None:
        if executor not in ("process", "dask"):
            raise BenchkitError(f"--scheduler/--dask-local need the dask executor, not {executor!r}")
        if scheduler is not None and dask_local is not None:
            raise BenchkitError("give either --scheduler ADDRESS or --dask-local N, not both")
        return DaskExecutor(scheduler, dask_local)
    if executor in ("inprocess", "in-process", "in_process"):
        return InProcessExecutor()
    if executor == "process":
        return LocalPoolExecutor(jobs)
    if executor == "dask":
        return DaskExecutor(scheduler, dask_local)
    raise BenchkitError(f"unknown executor {executor!r}; use 'process', 'inprocess' or 'dask'")
