"""Job processes: run benchmark jobs in a separate process that may crash, hang or blow up its memory.

A :class:`JobHost` is a long-lived child process (``python -m benchkit.bench.isolation``) that runs one job
at a time and caches the datasets it was sent, so each dataset crosses the pipe once per host. The
parent side watches it: past the job's time limit it kills the host's process group (status
``timeout``); above the job's memory limit (resident set, polled) it kills it too (status ``oom``).
Inside, an address-space rlimit turns a runaway allocation into a ``MemoryError`` (status ``oom``).
A dead host is replaced by the executor; the other jobs never notice.

The host is started with :mod:`subprocess` rather than :mod:`multiprocessing`, so it works from
daemonic processes too (Dask workers), and sets ``PR_SET_PDEATHSIG`` so it dies with its parent: a
benchmark killed with SIGKILL leaves no job running behind it.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
import subprocess
import sys
import time
from multiprocessing.connection import Connection
from typing import Any, Callable

from .job import Job, JobResult, failed_result
from .prepare import PreparedDataset

log = logging.getLogger(__name__)

START_TIMEOUT_S = 300.0
"""How long a fresh host may take to import benchkit and its plugins before it counts as broken."""
POLL_S = 0.1

ProgressFn = Callable[[Job, dict[str, Any]], None]


def _rss_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status", encoding="ascii") as fh:
            for line in fh:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except (OSError, ValueError):
        return None
    return None


class JobHost:
    """The parent's handle on one job process."""

    def __init__(self, threads: int = 1, env: dict[str, str] | None = None, log_file: str | os.PathLike | None = None):
        parent_sock, child_sock = socket.socketpair()
        environ = dict(os.environ if env is None else env)
        for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS", "NUMEXPR_NUM_THREADS"):
            environ[var] = str(threads)
        log_fh = open(log_file, "ab") if log_file is not None else None
        out = log_fh if log_fh is not None else _stdout_target()
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "benchkit.bench.isolation", str(child_sock.fileno()), str(os.getpid())],
            pass_fds=(child_sock.fileno(),),
            start_new_session=True,
            env=environ,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=log_fh,  # None: inherit the parent's stderr
        )
        child_sock.close()
        if log_fh is not None:
            log_fh.close()
        self.conn = Connection(parent_sock.detach())
        self.started_at = time.monotonic()
        self.ready = False
        self.cached: set[str] = set()
        self.job: Job | None = None
        self.job_started: float | None = None
        self.job_sent: float | None = None
        self.seen_rss: float | None = None
        self.dead = False

    # ---------------------------------------------------------------- state
    @property
    def busy(self) -> bool:
        return self.job is not None

    @property
    def pid(self) -> int:
        return self.proc.pid

    def submit(self, job: Job, data: PreparedDataset) -> None:
        """Start ``job``; the dataset is sent only if this host has not cached it yet."""
        if self.busy:
            raise RuntimeError("a JobHost runs one job at a time")
        if job.dataset not in self.cached:
            self.conn.send(("data", data))
            self.cached.add(job.dataset)
        self.conn.send(("job", job))
        self.job, self.job_sent, self.job_started, self.seen_rss = job, time.monotonic(), None, None

    # ------------------------------------------------------------- watching
    def poll(self, on_progress: ProgressFn | None = None) -> JobResult | None:
        """Read pending messages and enforce the limits; the finished job's result, or None."""
        while not self.dead:
            try:
                if not self.conn.poll(0):
                    break
                msg = self.conn.recv()
            except (EOFError, OSError):
                return self._died()
            kind = msg[0]
            if kind == "ready":
                self.ready = True
            elif kind == "started":
                self.job_started = time.monotonic()
            elif kind == "progress" and on_progress is not None and self.job is not None:
                try:
                    on_progress(self.job, msg[1])
                except Exception:  # a progress display must never fail a job
                    log.debug("progress callback failed", exc_info=True)
            elif kind == "result":
                self.job = None
                return msg[1]
        if self.dead:
            return None
        if self.proc.poll() is not None:
            return self._died()
        return self._watchdog()

    def _watchdog(self) -> JobResult | None:
        job = self.job
        now = time.monotonic()
        if job is None:
            if not self.ready and now - self.started_at > START_TIMEOUT_S:
                self.kill()
            return None
        if self.job_started is None:
            if now - (self.job_sent or now) > START_TIMEOUT_S:
                self.kill()
                return self._take(failed_result(job, "failed", f"the job process did not start within {START_TIMEOUT_S:g} s"))
            return None
        elapsed = now - self.job_started
        rss = _rss_mb(self.pid)
        if rss is not None:
            self.seen_rss = max(rss, self.seen_rss or 0.0)
        if job.time_limit is not None and elapsed > job.time_limit:
            self.kill()
            return self._take(failed_result(
                job, "timeout", f"the job ran past its time limit of {job.time_limit:g} s and was killed; "
                "raise time_limit in the spec (or for this generator) if it needs longer",
                peak_rss_mb=self.seen_rss))
        if job.memory_limit is not None and rss is not None and rss > job.memory_limit:
            self.kill()
            return self._take(failed_result(
                job, "oom", f"the job used {rss:.0f} MB, above its memory limit of {job.memory_limit:g} MB, "
                "and was killed; raise memory_limit or reduce the data or model size",
                peak_rss_mb=self.seen_rss))
        return None

    def _take(self, result: JobResult) -> JobResult:
        self.job = None
        return result

    def _died(self) -> JobResult | None:
        """The process ended on its own: a crash, an exit or a kill by the system."""
        self.dead = True
        try:
            code = self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.kill()
            code = self.proc.returncode
        self.conn.close()
        job = self.job
        if job is None:
            if not self.ready:
                log.warning("a job process exited with code %s before it was ready", code)
            return None
        self.job = None
        if code == -signal.SIGKILL:
            return failed_result(job, "oom", "the job process was killed by SIGKILL, most likely by the "
                                 "system's out-of-memory killer; set memory_limit to get a cleaner stop",
                                 peak_rss_mb=self.seen_rss)
        if code is not None and code < 0:
            name = signal.Signals(-code).name if -code in signal.valid_signals() else str(-code)
            why = f"the job process crashed with signal {name}"
        else:
            why = f"the job process exited with code {code} (the plugin ended the process)"
        return failed_result(job, "failed", why, peak_rss_mb=self.seen_rss)

    def kill(self) -> None:
        """Kill the host and everything it started (its own process group)."""
        self.dead = True
        try:
            os.killpg(self.proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:  # pragma: no cover
            pass
        try:
            self.conn.close()
        except OSError:
            pass

    # -------------------------------------------------------------- blocking
    def wait_ready(self) -> bool:
        """Block until the host has started (True) or died (False)."""
        while not self.ready and not self.dead:
            try:
                if self.conn.poll(POLL_S):
                    self.poll()
                elif self.proc.poll() is not None or time.monotonic() - self.started_at > START_TIMEOUT_S:
                    self.kill()
            except (EOFError, OSError):
                self._died()
        return self.ready and not self.dead

    def run(self, job: Job, data: PreparedDataset, on_progress: ProgressFn | None = None) -> JobResult:
        """Run one job to its end (used where one thread drives one host, e.g. a Dask worker)."""
        if not self.wait_ready():
            return failed_result(job, "failed", "the job process could not start (see the worker's log)")
        self.submit(job, data)
        while True:
            try:
                self.conn.poll(POLL_S)
            except (EOFError, OSError):
                pass
            result = self.poll(on_progress)
            if result is not None:
                return result
            if self.dead and self.job is None:  # pragma: no cover - _died always answers for a job
                return failed_result(job, "failed", "the job process ended without a result")


def _stdout_target() -> int | None:
    """Plugin prints go to the parent's stderr, so they never mix with a command's stdout."""
    try:
        sys.__stderr__.fileno()
        return 2
    except (AttributeError, OSError, ValueError):
        return subprocess.DEVNULL


# ======================================================================= child
def _die_with_parent(parent_pid: int) -> None:
    try:
        import ctypes

        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(1, signal.SIGKILL)  # PR_SET_PDEATHSIG
    except Exception:  # pragma: no cover - not Linux: the pipe's end still stops an idle host
        pass
    if os.getppid() != parent_pid:  # the parent died before the death signal was armed
        os._exit(1)


def _set_memory_cap(limit_mb: float | None) -> None:
    """An address-space cap above what the process maps now: a runaway allocation gets MemoryError.

    The cap leaves twice the limit of headroom because address space over-counts (thread stacks,
    allocator arenas); the parent's resident-memory watchdog enforces the limit itself.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_AS)
    if limit_mb is None:
        resource.setrlimit(resource.RLIMIT_AS, (hard, hard))
        return
    vm = 0
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmSize:"):
                vm = int(line.split()[1]) * 1024
    cap = vm + int(2 * limit_mb * 1024 * 1024)
    if hard != resource.RLIM_INFINITY:
        cap = min(cap, hard)
    resource.setrlimit(resource.RLIMIT_AS, (cap, hard))


def _warm_up() -> None:
    """Import what every job needs before saying ready, so job time limits measure the job alone."""
    from .. import plugins

    plugins.registry()
    from .. import evaluation  # noqa: F401


def _child_main(fd: int, parent_pid: int) -> None:
    from .job import execute_job, reset_peak_rss

    _die_with_parent(parent_pid)
    conn = Connection(fd)
    _warm_up()
    conn.send(("ready", os.getpid()))
    cache: dict[str, PreparedDataset] = {}
    while True:
        try:
            msg = conn.recv()
        except (EOFError, OSError):
            return
        if msg[0] == "exit":
            return
        if msg[0] == "data":
            cache[msg[1].key] = msg[1]
            continue
        job: Job = msg[1]
        conn.send(("started", job.run_id))

        def progress(info: dict[str, Any]) -> None:
            conn.send(("progress", {str(k): _plain(v) for k, v in dict(info).items()}))

        reset_peak_rss()
        try:
            _set_memory_cap(job.memory_limit)
        except (OSError, ValueError):
            log.debug("could not set an address-space limit", exc_info=True)
        result = execute_job(job, cache[job.dataset], progress)
        try:
            _set_memory_cap(None)
        except (OSError, ValueError):
            pass
        try:
            conn.send(("result", result))
        except Exception as exc:  # e.g. a sample that cannot be pickled
            fallback = failed_result(job, "failed", f"the job's result could not be sent back: {type(exc).__name__}: {exc}")
            conn.send(("result", fallback))
        if result.record.get("status") == "oom":
            return  # a process that hit MemoryError is not trusted with the next job


def _plain(v: Any) -> Any:
    if isinstance(v, (int, float, str, bool)) or v is None:
        return v
    try:
        return float(v)
    except (TypeError, ValueError):
        return str(v)


if __name__ == "__main__":
    _child_main(int(sys.argv[1]), int(sys.argv[2]))
