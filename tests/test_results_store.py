"""Nothing lost, nothing silently wrong: the results store under bad numbers, full disks, torn and
corrupted lines, crashes mid-append and two runs on one folder. Real files throughout."""

from __future__ import annotations

import errno
import json
import math
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from runner_fixtures import tiny_csv

from benchkit import Generator, hookimpl
from benchkit.bench import results
from benchkit.errors import BenchkitError
from benchkit.metrics import Score
from benchkit.bench.results import FolderInUseError, ResultStore, ResultsWarning, RunRecord, StoreWriteError
from benchkit.bench.runner import load_result, run_benchmark

REPO = Path(__file__).resolve().parent.parent


def _refuse(name: str):
    raise ValueError(f"non-strict JSON constant {name}")


def strict_lines(path: Path) -> list[dict]:
    """Every line of a JSON Lines file, parsed strictly (NaN/Infinity raise)."""
    return [json.loads(line, parse_constant=_refuse) for line in path.read_text(encoding="utf-8").splitlines()]


def spec(data: Path, out: Path, generators=("independent",), seeds=2) -> dict:
    return {"out": str(out), "seeds": seeds, "families": ["marginal"],
            "datasets": [{"path": str(data), "target": "label"}], "generators": list(generators)}


def run(spec_dict: dict):
    return run_benchmark(spec_dict, executor="inprocess", progress=False)


def records(folder: Path) -> set:
    """(run_id, metric, column, column_2, value) of every job's latest attempt: what the report sees."""
    s = load_result(folder).scores
    return {(r.run_id, r.metric, r.column if isinstance(r.column, str) else None,
             r.column_2 if isinstance(r.column_2, str) else None, None if math.isnan(r.value) else r.value)
            for r in s.itertuples()}


@pytest.fixture(scope="module")
def clean(tmp_path_factory):
    """The tiny benchmark run uninterrupted: what every interrupted run must end up equal to."""
    root = tmp_path_factory.mktemp("clean")
    data = tiny_csv(root)
    res = run(spec(data, root / "out"))
    assert res.counts["ran"] == 4 and (res.runs["status"] == "ok").all()
    return data, records(root / "out")


# ------------------------------------------------------------------------------------- numbers
class Nasty(Generator):
    """Rows with a constant column, an all-NaN column or infinities, by ``mode``."""

    def __init__(self, *, mode: str = "constant", seed: int | None = 0):
        self.mode, self.seed = mode, seed

    def _fit(self, data: pd.DataFrame, schema) -> None:
        self.rows_ = data.reset_index(drop=True)

    def _sample(self, n: int) -> pd.DataFrame:
        out = self.rows_.sample(n=n, replace=True, random_state=self.seed).reset_index(drop=True)
        num = self.schema_.numerical[0]
        out[num] = {"constant": 1.0, "allnan": np.nan, "inf": np.inf}[self.mode]
        if self.mode == "inf":
            out.loc[::2, num] = -np.inf
        return out


class NastyPlugin:
    @hookimpl
    def benchkit_register_generators(self, register):
        register("nasty", Nasty, description="constant, all-NaN or infinite columns")

    @hookimpl
    def benchkit_register_metrics(self, register):
        def nan_metric(ctx):
            return [Score("marginal.nan_metric", math.nan, details={"x": math.nan, "y": [np.float64("inf")]}),
                    Score("marginal.inf_metric", math.inf, column=list(ctx.schema.columns)[0],
                          details={"arr": np.array([1.0, -np.inf, np.nan]), "n": np.int64(3),
                                   "nested": ({"deep": np.float32("nan")},), "when": pd.Timestamp("2024-01-01")})]

        register("marginal.nan_metric", nan_metric, family="marginal")


def test_nan_and_inf_anywhere_are_recorded_as_strict_json(plugin_manager, tmp_path):
    plugin_manager.register(NastyPlugin(), name="nasty-plugin")
    rng = np.random.default_rng(0)
    df = pd.DataFrame({"x": rng.normal(size=120), "const": 5.0, "allnan": np.nan,
                       "colour": rng.choice(["a", "b"], 120), "label": rng.choice(["yes", "no"], 120)})
    data = tmp_path / "odd.csv"
    df.to_csv(data, index=False)
    gens = [{"name": "nasty", "label": f"nasty-{m}", "params": {"mode": m}} for m in ("constant", "allnan", "inf")]
    res = run(spec(data, tmp_path / "out", generators=gens + ["independent"], seeds=1))
    assert len(res.runs) == 5  # the reference and four generators: every job recorded, with a status
    assert set(res.runs["status"]) <= set(results.STATUSES)
    assert (res.runs.set_index("generator").loc[["holdout", "independent", "nasty-constant"], "status"] == "ok").all()
    out = tmp_path / "out"
    scores = strict_lines(out / "scores.jsonl")
    runs = strict_lines(out / "runs.jsonl")
    assert len(runs) == 5 and all(r["n_scores"] == sum(s["attempt_id"] == r["attempt_id"] for s in scores) for r in runs)
    inf_rows = [s for s in scores if s["metric"] == "marginal.inf_metric"]
    assert inf_rows and all(s["value"] is None for s in inf_rows)
    assert inf_rows[0]["details"] == {"arr": [1.0, None, None], "n": 3, "nested": [{"deep": None}],
                                      "when": "2024-01-01T00:00:00"}
    json.loads((out / "manifest.json").read_text(), parse_constant=_refuse)
    for meta in (out / "real").glob("*.json"):
        json.loads(meta.read_text(), parse_constant=_refuse)


def test_evaluate_to_file_writes_strict_json(plugin_manager, tmp_path):
    import benchkit

    plugin_manager.register(NastyPlugin(), name="nasty-plugin")
    real = pd.DataFrame({"x": np.arange(30.0), "c": ["a", "b", "c"] * 10})
    syn = real.assign(x=1.0)
    res = benchkit.evaluate(real, syn)
    doc = json.loads(res.to_file(tmp_path / "r.json").read_text(), parse_constant=_refuse)
    assert any(s["metric"] == "marginal.inf_metric" and s["value"] is None for s in doc["scores"])
    csv = pd.read_csv(res.to_file(tmp_path / "r.csv"))
    for d in csv["details"]:
        json.loads(d, parse_constant=_refuse)


# --------------------------------------------------------------------------------- short writes
def test_a_full_disk_fails_clearly_and_a_rerun_finishes_with_the_same_records(clean, tmp_path, monkeypatch):
    data, expected = clean
    written = {"n": 0}
    real_write = os.write

    def counting(fd, buf):
        n = real_write(fd, buf)
        written["n"] += n
        return n

    monkeypatch.setattr(results, "_os_write", counting)
    run(spec(data, tmp_path / "measure"))
    budget = {"left": written["n"] // 2}

    def disk_fills_up(fd, buf):  # like a real full disk: a short write, then ENOSPC
        if budget["left"] <= 0:
            raise OSError(errno.ENOSPC, "No space left on device")
        n = real_write(fd, bytes(buf[: budget["left"]]))
        budget["left"] -= n
        return n

    out = tmp_path / "out"
    monkeypatch.setattr(results, "_os_write", disk_fills_up)
    with pytest.raises(StoreWriteError, match=r"could not write .*jsonl: No space left on device \(disk full\?\)"):
        run(spec(data, out))
    for name in ("runs.jsonl", "scores.jsonl"):  # nothing half-recorded: the cut record was taken back
        assert (out / name).read_bytes().endswith(b"\n")
    done = len(strict_lines(out / "runs.jsonl"))
    assert 0 < done < 4

    monkeypatch.setattr(results, "_os_write", real_write)  # space is freed
    res = run(spec(data, out))
    assert res.counts["ran"] == 4 - done and res.counts["skipped"] == done
    assert len(strict_lines(out / "runs.jsonl")) == 4  # each job recorded once
    assert records(out) == expected
    assert not list(out.rglob("*.tmp")) and not list(out.glob("*.torn"))


def test_a_real_full_tmpfs(tmp_path):
    mnt = tmp_path / "mnt"
    mnt.mkdir()
    if subprocess.run(["mount", "-t", "tmpfs", "-o", "size=64k", "tmpfs", str(mnt)], capture_output=True).returncode:
        pytest.skip("cannot mount a small tmpfs here (needs root)")
    try:
        store = ResultStore(mnt)
        first = RunRecord(run_id="a", dataset="d", generator="g", seed=0, status="ok")
        store.append(first, [Score("aggregate.overall", 0.5)])
        filler = mnt / "filler"
        with open(filler, "wb", buffering=0) as fh:  # fill the disk to the last page
            with pytest.raises(OSError):
                while True:
                    fh.write(b"\0" * 4096)
        big = RunRecord(run_id="b", dataset="d", generator="g", seed=1, status="ok", params={"blob": "z" * 9000})
        with pytest.raises(StoreWriteError, match="disk full"):
            store.append(big, [Score("aggregate.overall", 0.7)])
        assert (mnt / "runs.jsonl").read_bytes().endswith(b"\n")
        assert set(store.runs()) == {"a"}
        filler.unlink()  # space is freed; the job runs again (a new attempt)
        big = RunRecord(run_id="b", dataset="d", generator="g", seed=1, status="ok", params={"blob": "z" * 9000})
        store.append(big, [Score("aggregate.overall", 0.7)])
        assert set(store.runs()) == {"a", "b"} and sorted(store.load_scores()["value"]) == [0.5, 0.7]
    finally:
        subprocess.run(["umount", str(mnt)], check=False)


# ------------------------------------------------------------------------ torn and corrupt lines
def _cut_last_line(path: Path) -> int:
    """Cut the last line of a file in half, as a crash mid-write leaves it; returns its line number."""
    lines = path.read_bytes().splitlines(keepends=True)
    path.write_bytes(b"".join(lines[:-1]) + lines[-1][: len(lines[-1]) // 2])
    return len(lines)


@pytest.mark.parametrize("name", ["runs.jsonl", "scores.jsonl"])
def test_a_torn_last_line_is_reported_repaired_and_its_job_rerun(clean, tmp_path, name):
    data, expected = clean
    out = tmp_path / "out"
    run(spec(data, out))
    line = _cut_last_line(out / name)
    with pytest.warns(ResultsWarning, match=rf"{name}:{line}: unreadable line skipped \(cut short"):
        res = run(spec(data, out))
    assert res.counts["ran"] == 1 and res.counts["skipped"] == 3
    assert (out / (name + ".torn")).exists()  # the fragment was set aside, not glued to the next record
    strict_lines(out / "runs.jsonl"), strict_lines(out / "scores.jsonl")  # every line reads again
    assert records(out) == expected


def test_a_corrupted_line_mid_file_is_reported_and_its_job_rerun(clean, tmp_path):
    data, expected = clean
    out = tmp_path / "out"
    run(spec(data, out))
    path = out / "scores.jsonl"
    lines = path.read_text().splitlines(keepends=True)
    mid = len(lines) // 2
    victim = json.loads(lines[mid])["run_id"]
    lines[mid] = '{"run_id": "' + victim + '", "metric": garbage\n'
    path.write_text("".join(lines))
    store = ResultStore(out)
    with pytest.warns(ResultsWarning, match=rf"scores.jsonl:{mid + 1}: unreadable line skipped"):
        done = store.runs()
    assert victim not in done and len(done) == 3
    assert any(f"scores.jsonl:{mid + 1}:" in p for p in store.problems)
    assert any(victim in p and "runs again" in p for p in store.problems)
    with pytest.warns(ResultsWarning):
        res = run(spec(data, out))
    assert res.counts["ran"] == 1
    assert records(out) == expected


def test_old_run_lines_without_n_scores_still_load(tmp_path):
    store = ResultStore(tmp_path)
    row = RunRecord(run_id="r", dataset="d", generator="g", seed=0, status="ok").to_dict()
    del row["n_scores"]
    (tmp_path / "runs.jsonl").write_text(json.dumps(row) + "\n")
    (tmp_path / "scores.jsonl").write_text(json.dumps({"run_id": "r", "attempt_id": row["attempt_id"],
                                                       "metric": "aggregate.overall", "value": 0.4}) + "\n")
    assert set(store.runs()) == {"r"} and store.load_scores()["value"].tolist() == [0.4]


# ------------------------------------------------------------------------------------- the lock
HOLD_LOCK = """
import sys
from benchkit.bench.results import ResultStore
with ResultStore(sys.argv[1]).lock():
    print("locked", flush=True)
    sys.stdin.read()  # held until the test closes our stdin
"""


def _python(code: str, *args: str, **kw) -> subprocess.Popen:
    env = dict(os.environ, PYTHONPATH=os.pathsep.join([str(REPO), os.environ.get("PYTHONPATH", "")]))
    return subprocess.Popen([sys.executable, "-c", textwrap.dedent(code), *args], env=env, text=True,
                            stdin=subprocess.PIPE, stdout=subprocess.PIPE, **kw)


def test_a_second_run_on_a_folder_in_use_fails_at_once(clean, tmp_path):
    data, expected = clean
    out = tmp_path / "out"
    holder = _python(HOLD_LOCK, str(out))
    try:
        assert holder.stdout.readline() == "locked\n"
        with pytest.raises(FolderInUseError, match=rf"results folder {out} is in use by pid {holder.pid} on .* "
                                                   r"\(started .*\); wait for it to finish or use another --out"):
            run(spec(data, out))
        assert isinstance(FolderInUseError("x"), BenchkitError)
        assert not (out / "runs.jsonl").exists()  # no job ran
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)
    res = run(spec(data, out))  # released when its holder exits
    assert res.counts["ran"] == 4 and records(out) == expected


# --------------------------------------------------------------------- SIGKILL mid-append, resume
TEAR_THIRD_RUN_LINE = """
import json, os, sys
from benchkit.bench import results
from benchkit.bench.runner import run_benchmark

real_write, seen = os.write, []

def torn(fd, buf):
    if os.readlink(f"/proc/self/fd/{fd}").endswith("runs.jsonl"):
        seen.append(1)
        if len(seen) == 3:  # the third job's run line: half of it reaches the disk, then the process dies
            real_write(fd, bytes(buf[: len(buf) // 2]))
            os.fsync(fd)
            print("torn", flush=True)
            sys.stdin.read()
    return real_write(fd, buf)

results._os_write = torn
run_benchmark(json.loads(sys.argv[1]), executor="inprocess", progress=False)
"""


def test_sigkill_mid_append_then_resume_equals_uninterrupted(clean, tmp_path):
    data, expected = clean
    out = tmp_path / "out"
    proc = _python(TEAR_THIRD_RUN_LINE, json.dumps(spec(data, out)))
    try:
        assert proc.stdout.readline() == "torn\n"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    assert not (out / "runs.jsonl").read_bytes().endswith(b"\n")  # the crash left a torn record

    with pytest.warns(ResultsWarning, match=r"runs.jsonl:3: unreadable line skipped \(cut short"):
        res = run(spec(data, out))  # the kernel released the killed run's lock
    assert res.counts["ran"] == 2 and res.counts["skipped"] == 2
    assert len(strict_lines(out / "runs.jsonl")) == 4
    assert records(out) == expected
