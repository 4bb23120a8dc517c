"""The SDV plugin's model file: a checked JSON header, then a pickle payload read by a restricted unpickler.

Layout (see docs/sdv.md)::

    benchkit-sdv/2\\n                 magic line
    {"format": ..., ...}\\n           JSON header, one line (UTF-8)
    <payload>                         pickle (protocol 5) of {"synthesizer": ..., "types": ...}

The header holds the format, generator name, SDV class, parameters (tuples tagged so they come back
as tuples), schema, seeds, training summary, the versions of benchkit/SDV/rdt/ctgan/copulas/torch/
pandas/numpy that saved it, and the payload's length and SHA-256. ``read`` checks all of that before it
unpickles anything, and unpickles with :func:`benchkit_sdv.unpickler.restricted_loads`. The checksum
catches truncation and damage, not tampering: whoever can edit the file can update it.
"""

from __future__ import annotations

import hashlib
import importlib.metadata as md
import json
import pickle
import pickletools
from pathlib import Path
from typing import Any

from benchkit.errors import BenchkitError

from .unpickler import UnsafePickleError, restricted_loads

FORMAT = "benchkit-sdv/2"
OLD_FORMAT = "benchkit-sdv/1"  # a bare cloudpickle of everything: refused
MAGIC = FORMAT.encode() + b"\n"
_MAX_HEADER = 64 * 2**20
_VERSIONED = ("benchkit", "sdv", "rdt", "ctgan", "copulas", "torch", "pandas", "numpy")


def _version(dist: str) -> str | None:
    try:
        return md.version(dist)
    except md.PackageNotFoundError:
        return None


def _to_json(value: Any, where: str) -> Any:
    """JSON-ready copy of ``value``: tuples become ``{"__tuple__": [...]}``; other types are refused."""
    if value is None or type(value) in (bool, int, float, str):
        return value
    if type(value) in (list, tuple):
        items = [_to_json(v, f"{where}[{i}]") for i, v in enumerate(value)]
        return {"__tuple__": items} if type(value) is tuple else items
    if type(value) is dict and all(type(k) is str for k in value):
        return {k: _to_json(v, f"{where}[{k!r}]") for k, v in value.items()}
    raise BenchkitError(f"sdv plugin: cannot save {where} = {value!r}: the model file keeps parameters as JSON "
                        "(None, bool, int, float, str, lists, tuples, dicts with str keys)")


def _from_json(value: Any) -> Any:
    if isinstance(value, list):
        return [_from_json(v) for v in value]
    if isinstance(value, dict):
        if set(value) == {"__tuple__"}:
            return tuple(_from_json(v) for v in value["__tuple__"])
        return {k: _from_json(v) for k, v in value.items()}
    return value


def write(path: str | Path, header: dict[str, Any], payload: Any) -> None:
    """Write ``header`` (JSON-ready after tuple tagging) and ``payload`` (pickled) to ``path``."""
    data = pickle.dumps(payload, protocol=5)
    head = {"format": FORMAT, **{k: _to_json(v, k) for k, v in header.items()},
            "versions": {d: _version(d) for d in _VERSIONED},
            "payload": {"pickle_protocol": 5, "bytes": len(data), "sha256": hashlib.sha256(data).hexdigest()}}
    line = json.dumps(head, separators=(",", ":")).encode()
    with Path(path).open("wb") as fh:
        fh.write(MAGIC + line + b"\n" + data)


def read(path: Path) -> tuple[dict[str, Any], Any]:
    """The header and the unpickled payload of a file :func:`write` wrote; a clear :class:`BenchkitError`
    for anything else (old format, damage, truncation, a global outside the allowlist)."""
    with path.open("rb") as fh:
        magic = fh.read(len(MAGIC))
        if magic != MAGIC:
            raise BenchkitError(_not_ours(path, magic + fh.read()))
        line = fh.readline(_MAX_HEADER)
        data = fh.read()
    try:
        head = json.loads(line)
        size, digest = head["payload"]["bytes"], head["payload"]["sha256"]
    except (ValueError, TypeError, KeyError) as exc:
        raise BenchkitError(f"sdv plugin: {path} has a damaged header ({type(exc).__name__}: {exc}); "
                            "refit and save again") from None
    if len(data) != size or hashlib.sha256(data).hexdigest() != digest:
        raise BenchkitError(f"sdv plugin: {path} is truncated or damaged (payload of {len(data)} bytes does not "
                            f"match the {size} bytes and SHA-256 its header records); refit and save again")
    try:
        payload = restricted_loads(data)
    except UnsafePickleError as exc:
        raise BenchkitError(f"sdv plugin: refused to load {path}: {exc}, outside what an SDV model needs "
                            "(not loaded; see docs/sdv.md)") from None
    except Exception as exc:
        saved, here = head.get("versions", {}).get("sdv"), _version("sdv")
        hint = f"; it was saved with sdv {saved}, this is sdv {here}" if saved != here else ""
        raise BenchkitError(f"sdv plugin: cannot read the model in {path} ({type(exc).__name__}: {exc}{hint})") from None
    head = {k: _from_json(v) for k, v in head.items()}
    return head, payload


def _not_ours(path: Path, data: bytes) -> str:
    """Why a file without the magic line is refused; an old-format pickle is recognised from its opcodes,
    never unpickled."""
    if data[:1] == b"\x80":
        try:
            old = any(arg == OLD_FORMAT for _, arg, _ in pickletools.genops(data))
        except Exception:
            old = False
        if old:
            return (f"sdv plugin: {path} was saved by an older benchkit with an unsafe format ({OLD_FORMAT}, a bare "
                    "pickle); refit and save again")
    return f"sdv plugin: {path} is not a saved SDV model (format {FORMAT} expected; nothing was unpickled)"
