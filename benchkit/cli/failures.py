"""Ordinary mishaps told in one line: file-system errors, corrupt result files, output paths checked
up front and jobs that did not finish ok. The full traceback is for ``-vv`` or ``BENCHKIT_DEBUG=1``."""

from __future__ import annotations

import contextlib
import errno
import json
import os
from pathlib import Path
from typing import Any, Iterator

from ..errors import BenchkitError

OUTPUT_FLAGS = {"run": "--out", "demo": "--out", "recommend": "--out", "report": "--output",
                "evaluate": "--out or --report"}
"""The flag that chooses where each verb writes, for the hint after a write error."""

_WRITE_HINTS = {
    errno.ENOSPC: "the disk is full; free some space or choose {flag} on another disk",
    errno.EDQUOT: "the disk quota is used up; free some space or choose {flag} elsewhere",
    errno.EROFS: "that file system is read-only; choose a writable {flag}",
    errno.EACCES: "choose a writable {flag}",
    errno.EPERM: "choose a writable {flag}",
    errno.ENOTDIR: "a part of that path is a file, not a folder; choose another {flag}",
    errno.EEXIST: "a file of that name is in the way; choose another {flag}",
    errno.EISDIR: "it is a folder; give a file name",
    errno.ENOENT: "check the path",
}


def debug_wanted(verbose: int) -> bool:
    """Whether to show tracebacks: ``-vv`` or ``BENCHKIT_DEBUG`` set to anything but 0/empty."""
    return verbose >= 2 or os.environ.get("BENCHKIT_DEBUG", "") not in ("", "0")


def describe(exc: BaseException, command: str | None) -> str:
    """One line for an exception the command did not turn into a :class:`BenchkitError` itself."""
    flag = OUTPUT_FLAGS.get(command or "", "another path")
    if isinstance(exc, OSError) and not _from_pyarrow(exc):
        path = exc.filename if exc.filename is not None else "a file"
        what = exc.strerror or str(exc)
        hint = _WRITE_HINTS.get(exc.errno or 0, "check the path and its permissions").format(flag=flag)
        verb = "cannot open" if exc.errno == errno.ENOENT else "cannot write"
        return f"{verb} {path}: {what}; {hint}"
    if isinstance(exc, json.JSONDecodeError):
        return (f"a JSON file is not valid JSON (line {exc.lineno}: {exc.msg}); if it is in a results "
                "folder, delete the file to start afresh, or restore it")
    if isinstance(exc, UnicodeDecodeError):
        return f"a file is not UTF-8 text ({exc.reason}); check the files you gave"
    if _from_pyarrow(exc):
        return (f"a Parquet file is unreadable ({type(exc).__name__}: {exc}); it may be truncated or "
                "corrupt: restore it, or delete the results folder's samples/ and real/ files and rerun")
    return (f"unexpected {type(exc).__name__}: {exc} (a bug in benchkit or a plugin: rerun with -vv for "
            "the traceback and report it)")


def _from_pyarrow(exc: BaseException) -> bool:
    return type(exc).__module__.split(".")[0] == "pyarrow"


def _nearest_existing(path: Path) -> Path:
    for candidate in (path, *path.parents):
        if candidate.exists():
            return candidate
    return Path(".")


def check_output_folder(folder: str | os.PathLike, flag: str = "--out") -> None:
    """A cheap check before any work that ``folder`` is (or can become) a writable folder."""
    path = Path(folder)
    if path.exists() and not path.is_dir():
        raise BenchkitError(f"{flag} {path} is a file, not a folder; choose a folder for the results")
    _check_parent(path, path, flag)


def check_output_file(file: str | os.PathLike, flag: str) -> None:
    """A cheap check before any work that ``file`` can be written."""
    path = Path(file)
    if path.is_dir():
        raise BenchkitError(f"{flag} {path} is a folder; give a file name")
    _check_parent(path, path.parent, flag)


def _check_parent(path: Path, start: Path, flag: str) -> None:
    base = _nearest_existing(start)
    if not base.is_dir():
        raise BenchkitError(f"cannot write {path}: {base} is a file, not a folder; choose another {flag}")
    if not os.access(base, os.W_OK | os.X_OK):
        raise BenchkitError(f"cannot write {path}: {base} is not writable; choose a writable {flag}")


@contextlib.contextmanager
def writing(path: str | os.PathLike) -> Iterator[None]:
    """Name ``path`` in an :class:`OSError` that names no file (a full disk on ``write``)."""
    try:
        yield
    except OSError as exc:
        if exc.filename is None and not _from_pyarrow(exc):
            exc.filename = str(path)
        raise


def check_manifest(folder: str | os.PathLike) -> None:
    """Raise a :class:`BenchkitError` naming ``folder/manifest.json`` when it exists but is not valid JSON."""
    path = Path(folder) / "manifest.json"
    if not path.is_file():
        return
    try:
        json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise BenchkitError(f"{path} is not valid JSON (line {exc.lineno}: {exc.msg}); delete it to start "
                            "afresh (the job records in runs.jsonl are kept), or restore it") from None
    except UnicodeDecodeError:
        raise BenchkitError(f"{path} is not UTF-8 text; delete it to start afresh, or restore it") from None


def report_unfinished(runs: Any, folder: str | os.PathLike, rerun: str) -> int:
    """Print how many jobs did not finish ok, by status (to stderr); return that count."""
    import sys

    if runs is None or runs.empty:
        return 0
    bad = runs[runs["status"] != "ok"]
    if bad.empty:
        return 0
    counts = bad["status"].value_counts()
    parts = ", ".join(f"{n} {status}" for status, n in counts.items())
    noun = "job" if len(runs) == 1 else "jobs"
    print(f"benchkit: {len(bad)} of {len(runs)} {noun} did not finish ok: {parts}; see "
          f"{Path(folder) / 'runs.jsonl'}; {rerun}", file=sys.stderr)
    return len(bad)
