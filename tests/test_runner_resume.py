"""A benchmark killed with SIGKILL loses only its in-flight jobs; re-running it finishes the rest and
gives exactly the numbers of an uninterrupted run.

The kill lands on an event, not after a sleep: through ``BENCHKIT_TESTPLUG_HOLD`` the planted toy
generator lets three fits through and holds the fourth, writing a ``held`` marker file; the test
kills the runner when that file appears, so the kill is mid-benchmark on any machine."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest
from runner_fixtures import planted, tiny_csv, values_by_job  # noqa: F401 - fixture

from benchkit.bench.results import ResultStore
from benchkit.bench.runner import run_benchmark
from benchkit.bench.spec import spec_from_dict

SPEC = """
seeds = 3
families = ["marginal"]
out = "{out}"
time_limit = 120

[[datasets]]
path = "{data}"
target = "label"

[[generators]]
name = "toy"

[[generators]]
name = "toy"
label = "toy-wide"
params = {{ scale = 2.0 }}
"""


PASSED_FITS = 3  # toy fits that finish before the held one
DEADLINE_S = 300  # generous: only a runner that never reaches the held fit waits this long


def _cli(spec_path, *extra):
    return [sys.executable, "-m", "benchkit", "run", str(spec_path), "--jobs", "1", "--no-progress", "--no-report", *extra]


def _assert_no_orphan_job_process(parent_pid: int) -> None:
    """The killed runner's job processes died with it (they are started with its pid in argv)."""
    deadline = time.monotonic() + 60
    while True:
        alive = []
        for pid in filter(str.isdigit, os.listdir("/proc")):
            try:
                argv = open(f"/proc/{pid}/cmdline", "rb").read().split(b"\0")
                state = open(f"/proc/{pid}/stat").read().rsplit(")", 1)[1].split()[0]
            except OSError:
                continue
            if b"benchkit.bench.isolation" in argv and str(parent_pid).encode() in argv and state != "Z":
                alive.append(pid)
        if not alive or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert not alive, f"job processes outlived the killed runner: {alive}"


def _lines(path):
    return path.read_text().splitlines() if path.exists() else []


def _wait_for(what: str, ready, proc) -> None:
    """Poll until ``ready()``; fail loudly if the runner exits first or the event never comes."""
    deadline = time.monotonic() + DEADLINE_S
    while not ready():
        if proc.poll() is not None:
            pytest.fail(f"the runner exited ({proc.returncode}) before {what}:\n{proc.stdout.read()[-3000:]}")
        if time.monotonic() > deadline:
            proc.kill()
            pytest.fail(f"no {what} within {DEADLINE_S} s")
        time.sleep(0.05)


def test_sigkill_then_resume_equals_uninterrupted(planted, tmp_path):  # noqa: F811
    data = tiny_csv(tmp_path)
    out = tmp_path / "killed"
    spec_path = tmp_path / "bench.toml"
    spec_path.write_text(SPEC.format(out=out, data=data))
    total = 3 * 3  # (reference + 2 generators) x 3 seeds

    gate = tmp_path / "gate"
    env = {**os.environ, "BENCHKIT_TESTPLUG_HOLD": f"{PASSED_FITS}:{gate}"}
    proc = subprocess.Popen(_cli(spec_path), stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
    runs_file = out / "runs.jsonl"
    _wait_for("held toy fit (gate/held)", (gate / "held").exists, proc)
    # the finished fits' run lines (the runner may append the last one after starting the next job)
    _wait_for(f"{PASSED_FITS} run lines in runs.jsonl", lambda: len(_lines(runs_file)) >= PASSED_FITS, proc)
    os.kill(proc.pid, signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    _assert_no_orphan_job_process(proc.pid)
    done_before = {r.run_id: r.attempt_id for r in ResultStore(out).runs().values()}
    assert len(list(gate.glob("fit-*"))) == PASSED_FITS + 1  # jobs=1: one job at a time, the last one held
    assert PASSED_FITS <= len(done_before) < total, "the kill lands mid-benchmark"

    resumed = subprocess.run(_cli(spec_path), capture_output=True, text=True, timeout=180)
    assert resumed.returncode == 0, resumed.stderr[-3000:]
    assert f"{total - len(done_before)} job(s) run, {len(done_before)} already recorded" in resumed.stdout
    runs = ResultStore(out).runs()
    assert len(runs) == total and all(r.status == "ok" for r in runs.values())
    assert len(_lines(runs_file)) == total  # every job recorded once: finished jobs were not recomputed
    assert all(runs[rid].attempt_id == att for rid, att in done_before.items())

    # the same spec, uninterrupted, in another folder: the same jobs and the same numbers
    spec = spec_from_dict({"seeds": 3, "families": ["marginal"], "out": str(tmp_path / "clean"),
                           "time_limit": 120, "datasets": [{"path": str(data), "target": "label"}],
                           "generators": [{"name": "toy"},
                                          {"name": "toy", "label": "toy-wide", "params": {"scale": 2.0}}]})
    clean = run_benchmark(spec, jobs=2, progress=False, report=False)
    from benchkit.bench.runner import load_result

    killed = values_by_job(load_result(out))
    assert len(killed) > 50
    assert killed == values_by_job(clean)
