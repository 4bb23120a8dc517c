"""Ordinary mishaps through the real CLI: each gives its exit code and one clear line, never a Python
traceback, and loses nothing already on disk (issue 16)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable

import numpy as np
import pandas as pd
import pytest

from runner_fixtures import install_plugin

REPO = Path(__file__).resolve().parent.parent


def bk(*args: str, cwd: Path, extra_path: Path | None = None, env: dict[str, str] | None = None,
       timeout: float = 240) -> subprocess.CompletedProcess:
    """``python -m benchkit ARGS`` in ``cwd``, importing this worktree's code (and its plugins) first."""
    paths = [str(REPO), str(REPO / "plugins")] + ([str(extra_path)] if extra_path else [])
    environ = {k: v for k, v in os.environ.items() if k not in ("BENCHKIT_LOAD_PLUGINS", "BENCHKIT_DEBUG")}
    environ["PYTHONPATH"] = os.pathsep.join(paths + [p for p in environ.get("PYTHONPATH", "").split(os.pathsep) if p])
    environ.update(env or {})
    return subprocess.run([sys.executable, "-m", "benchkit", *args], capture_output=True, text=True, cwd=cwd,
                          env=environ, timeout=timeout)


# ------------------------------------------------------------------ set-ups
def frame(n: int = 120, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"age": rng.integers(18, 80, n), "income": rng.normal(3000, 500, n).round(2),
                         "city": rng.choice(["Oslo", "Lima", "Pune"], n)})


def tables(tmp: Path) -> None:
    frame().to_csv(tmp / "real.csv", index=False)
    frame(seed=1).to_csv(tmp / "syn.csv", index=False)
    (tmp / "afile").write_text("not a folder\n")


def results_folder(tmp: Path, manifest: str = '{"spec": {}}\n') -> None:
    """Tables, plus a results folder ``res`` holding one recorded job and a manifest."""
    tables(tmp)
    (tmp / "res").mkdir()
    (tmp / "res" / "runs.jsonl").write_text(json.dumps({"run_id": "x", "status": "ok"}) + "\n")
    (tmp / "res" / "manifest.json").write_text(manifest)


def corrupt_manifest(tmp: Path) -> None:
    results_folder(tmp, '{\n  "spec": {},\n  "jobs": ,\n}\n')


def semicolon_gz(tmp: Path) -> None:
    tables(tmp)
    with gzip.open(tmp / "syn.csv.gz", "wt") as fh:
        frame(seed=1).to_csv(fh, sep=";", index=False)


def latin1(tmp: Path) -> None:
    tables(tmp)
    df = frame(seed=1)
    df["city"] = df["city"].replace("Lima", "Bogotá")
    df.to_csv(tmp / "syn.csv", index=False, encoding="latin-1")


def duplicate_header(tmp: Path) -> None:
    tables(tmp)
    df = frame(seed=1)
    (tmp / "dup.csv").write_text("age,income,age\n" + "\n".join(f"{a},{i},{a}" for a, i in zip(df.age, df.income)))


def corrupt_parquet(tmp: Path) -> None:
    tables(tmp)
    (tmp / "syn.parquet").write_bytes(b"PAR1 cut short by a crash")


def disk_full(tmp: Path) -> None:
    tables(tmp)
    if not Path("/dev/full").exists():
        pytest.skip("no /dev/full to stand for a full disk")
    (tmp / "full.json").symlink_to("/dev/full")


def far_synthetic(tmp: Path) -> None:
    """A synthetic table far off and constant, so that log-likelihoods and ratios hit their extremes."""
    tables(tmp)
    frame(seed=2).to_csv(tmp / "hold.csv", index=False)
    frame(seed=1).assign(income=1e12, age=18, city="Oslo").to_csv(tmp / "syn.csv", index=False)


# -------------------------------------------------------------- after-checks
def unchanged(*names: str) -> Callable[[Path, dict[str, str]], None]:
    """After the command, these files hold what they held before it."""
    def check(tmp: Path, before: dict[str, str]) -> None:
        for name in names:
            assert (tmp / name).read_text() == before[name], f"{name} changed"
    return check


def strict_json(tmp: Path, before: dict[str, str]) -> None:
    json.loads((tmp / "scores.json").read_text(), parse_constant=lambda c: pytest.fail(f"{c} in scores.json"))


@dataclass
class Case:
    id: str
    argv: Callable[[Path], list[str]]
    setup: Callable[[Path], None]
    code: int
    stderr: str
    after: Callable[[Path, dict[str, str]], None] | None = None
    keep: tuple[str, ...] = ()  # files whose text `after` compares
    plugin: bool = False  # the planted runner plugin (boom, sleepy) on the path
    marks: list = field(default_factory=list)


RUN = ["run", "--datasets", "real.csv", "--seeds", "1", "--no-progress", "--no-report", "--in-process"]
EVAL = ["evaluate", "real.csv", "syn.csv", "--families", "marginal", "--no-references"]

CASES = [
    Case("run-out-is-a-file", lambda t: RUN + ["--generators", "independent", "--out", "afile"], tables, 2,
         "--out afile is a file, not a folder", unchanged("afile"), ("afile",)),
    Case("run-out-under-a-file", lambda t: RUN + ["--generators", "independent", "--out", "afile/res"], tables, 2,
         "cannot write afile/res: afile is a file, not a folder; choose another --out"),
    Case("run-resumes-into-corrupt-manifest", lambda t: RUN + ["--generators", "independent", "--out", "res"],
         corrupt_manifest, 2, "manifest.json is not valid JSON (line 3",
         unchanged("res/manifest.json", "res/runs.jsonl"), ("res/manifest.json", "res/runs.jsonl")),
    Case("report-corrupt-manifest", lambda t: ["report", "res"], corrupt_manifest, 2,
         "res/manifest.json is not valid JSON (line 3: Expecting value); delete it to start afresh",
         unchanged("res/manifest.json", "res/runs.jsonl"), ("res/manifest.json", "res/runs.jsonl")),
    Case("report-into-unwritable-folder", lambda t: ["report", "res", "-o", "afile/report.html"], results_folder, 2,
         "cannot write afile/report.html: afile is a file, not a folder; choose another --output",
         unchanged("res/manifest.json", "res/runs.jsonl", "afile"), ("res/manifest.json", "res/runs.jsonl", "afile")),
    Case("evaluate-out-unwritable", lambda t: EVAL + ["--out", "afile/scores.json"], tables, 2,
         "cannot write afile/scores.json: afile is a file, not a folder; choose another --out"),
    Case("evaluate-report-unwritable", lambda t: EVAL + ["--report", "afile/r.html"], tables, 2,
         "cannot write afile/r.html: afile is a file, not a folder; choose another --report"),
    Case("evaluate-disk-full", lambda t: EVAL + ["--out", "full.json"], disk_full, 2,
         "cannot write full.json: No space left on device; the disk is full"),
    Case("run-unknown-parameter", lambda t: RUN + ["--generators", "wgan:epochz=3", "--out", "res"], results_folder, 2,
         "generator 'wgan': unknown parameter 'epochz' (did you mean epochs?); wgan accepts: epochs, batch_size",
         unchanged("res/manifest.json", "res/runs.jsonl"), ("res/manifest.json", "res/runs.jsonl")),
    Case("run-bad-parameter-value", lambda t: RUN + ["--generators", "wgan:epochs=abc", "--out", "res"],
         results_folder, 2, "epochs must be a non-negative integer, got 'abc'",
         unchanged("res/manifest.json", "res/runs.jsonl"), ("res/manifest.json", "res/runs.jsonl")),
    Case("run-unknown-parameter-of-a-baseline", lambda t: RUN + ["--generators", "cop=gaussian_copula:max_corr_rows=9",
         "--out", "res2"], tables, 2, "generator 'cop' (gaussian_copula): unknown parameter 'max_corr_rows' "
         "(did you mean max_correlation_rows?)", lambda t, b: not (t / "res2").exists() or pytest.fail("res2 made")),
    Case("run-jobs-failed-exits-1", lambda t: ["run", "--datasets", "real.csv", "--generators", "boom", "independent",
         "--seeds", "1", "--no-progress", "--no-report", "--out", "res"], tables, 1,
         "1 of 3 jobs did not finish ok: 1 failed; see res/runs.jsonl; rerun them with --rerun-failed", plugin=True),
    Case("recommend-jobs-failed-exits-1-after-the-report",
         lambda t: ["recommend", "real.csv", "--generators", "boom", "independent", "--budget", "60s", "--seeds", "2",
                    "--families", "marginal", "--no-progress", "--out", "rec"], tables, 1,
         "2 of 6 jobs did not finish ok: 2 failed; see rec/runs.jsonl; the report lists them",
         lambda t, b: (t / "rec" / "report.html").is_file() or pytest.fail("no report"), plugin=True),
    Case("check-hanging-plugin", lambda t: ["check", "sleepy", "--time-limit", "15"], tables, 2,
         "check sleepy: the conformance suite did not finish within --time-limit 15 s and was stopped; "
         "check_fit_leaves_data_unchanged was running", plugin=True),
    Case("evaluate-semicolon-gz-wrong-sep", lambda t: EVAL[:2] + ["syn.csv.gz", "--sep", ","], semicolon_gz, 2,
         "syn.csv.gz: separator ',' leaves one column 'age;income;city'; the file looks separated by ';': "
         "pass --sep ';'"),
    Case("evaluate-semicolon-gz-sniffed", lambda t: EVAL[:2] + ["syn.csv.gz"] + EVAL[3:], semicolon_gz, 0, ""),
    Case("evaluate-latin1", lambda t: EVAL, latin1, 2, "syn.csv is not UTF-8 text"),
    Case("evaluate-latin1-with-encoding", lambda t: EVAL + ["--encoding", "latin-1"], latin1, 0, ""),
    Case("evaluate-corrupt-parquet", lambda t: EVAL[:2] + ["syn.parquet"], corrupt_parquet, 2,
         "cannot read syn.parquet as Parquet"),
    Case("evaluate-duplicate-header", lambda t: ["evaluate", "real.csv", "dup.csv"], duplicate_header, 2,
         "dup.csv has duplicate column names ['age'] in its header; rename them"),
    Case("evaluate-json-has-no-infinity", lambda t: EVAL[:3] + ["--holdout", "hold.csv", "--target", "city",
                                                                "--out", "scores.json"], far_synthetic, 0, "",
         strict_json),
]


@pytest.mark.parametrize("case", [pytest.param(c, id=c.id, marks=c.marks) for c in CASES])
def test_bad_input(case: Case, tmp_path: Path, request) -> None:
    case.setup(tmp_path)
    before = {name: (tmp_path / name).read_text() for name in case.keep}
    site = install_plugin(tmp_path / "site") if case.plugin else None
    proc = bk(*case.argv(tmp_path), cwd=tmp_path, extra_path=site)
    assert "Traceback" not in proc.stderr, proc.stderr
    assert proc.returncode == case.code, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert case.stderr in proc.stderr, proc.stderr
    if case.code == 2:  # an error is one line
        assert [line for line in proc.stderr.splitlines() if line.startswith("benchkit: error: ")], proc.stderr
    if case.after is not None:
        case.after(tmp_path, before)


@pytest.mark.parametrize("how", [["-vv"], ["BENCHKIT_DEBUG=1"]])
def test_traceback_only_when_asked(tmp_path: Path, how: list[str]) -> None:
    tables(tmp_path)
    argv = ["run", "--datasets", "real.csv", "--generators", "independent", "--out", "afile/res"]
    env = dict(v.split("=") for v in how if "=" in v)
    proc = bk(*[a for a in how if "=" not in a], *argv, cwd=tmp_path, env=env)
    assert proc.returncode == 2
    assert "benchkit: error: cannot write afile/res" in proc.stderr
    # a BenchkitError raised on purpose also shows where it came from
    assert "Traceback" in proc.stderr and "check_output_folder" in proc.stderr


class Kw:
    def __init__(self, **params):
        self.params = params


class Strict:
    def __init__(self, *, depth: int = 3, seed: int = 0):
        self.depth = depth

    def _check_params(self) -> None:
        if not isinstance(self.depth, int) or self.depth < 1:
            raise ValueError(f"depth must be a positive integer, got {self.depth!r}")


def test_check_generator_params_names_and_values() -> None:
    from benchkit.bench.spec import SpecError, accepted_params, check_generator_params, parse_generator_flag

    assert accepted_params(Kw) is None and accepted_params(Strict) == ["depth"]
    check_generator_params(parse_generator_flag("kw:anything=1"), Kw)  # **params: any name may be valid
    check_generator_params(parse_generator_flag("s:depth=2"), Strict)
    with pytest.raises(SpecError, match=r"unknown parameter 'dept' \(did you mean depth\?\); s accepts: depth"):
        check_generator_params(parse_generator_flag("s:dept=2"), Strict)
    with pytest.raises(SpecError, match="generator 'deep' \\(s\\): .*depth must be a positive integer, got 0"):
        check_generator_params(parse_generator_flag("deep=s:depth=0"), Strict)


def test_an_unexpected_error_is_one_line_naming_the_bug() -> None:
    from benchkit.cli.failures import describe

    assert describe(KeyError("x"), "run").startswith("unexpected KeyError: 'x' (a bug in benchkit or a plugin")
    assert "line 2: Expecting value" in describe(json.JSONDecodeError("Expecting value", "{\n,", 2), "report")
    err = PermissionError(13, "Permission denied", "/x/report.html")
    assert describe(err, "report") == "cannot write /x/report.html: Permission denied; choose a writable --output"
