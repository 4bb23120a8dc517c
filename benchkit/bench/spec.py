"""The benchmark spec: which datasets, generators, seeds and metrics a benchmark runs, and its limits.

A spec comes from a TOML file (:func:`load_spec`) or from command-line flags (:func:`spec_from_flags`);
both build the same :class:`BenchmarkSpec`. Example::

    out = "results/bank"        # relative paths are resolved against the TOML file's folder
    seeds = 3                   # or an explicit list: [0, 1, 2]
    families = ["marginal", "pairwise", "utility"]   # default: every family
    sample_size = 5000          # default: as many rows as the real training split
    holdout = 0.2               # fraction of each dataset kept aside (never seen by generators)
    split_seed = 0              # fixes the split, independently of the job seeds
    time_limit = 1800           # seconds per job (fit + sample + score)
    memory_limit = 4096         # MB of resident memory per job
    threads_per_job = 1

    [privacy_gate]              # how much more leakage than fresh real data gates a generator
    exact_copies_excess = 0.01  # (defaults shown; see benchkit.verdict.gate)
    dcr_below_p5_excess = 0.10
    dcr_share_excess = 0.10
    mia_advantage = 0.10

    [[datasets]]
    name = "bank_transactions"
    n_rows = 20000

    [[datasets]]
    path = "data/adult.csv"     # a CSV or Parquet file
    target = "income"
    schema = "data/adult.schema.json"

    [[datasets]]
    path = "data/transactions.csv"
    entity = "account_id"       # rows are events of entities: split by entity, entity metrics
    order = "date"              # (a registered dataset's card may declare them; "none" turns them off)

    [[generators]]
    name = "gaussian_copula"

    [[generators]]
    name = "wgan"
    label = "wgan-long"         # one generator may appear twice with different parameters
    params = { epochs = 300 }
    time_limit = 7200           # a per-generator override of the limits

Short forms: ``datasets = ["bank_transactions", "data/adult.csv"]`` and
``generators = ["independent", "bootstrap"]``.
"""

from __future__ import annotations

import difflib
import inspect
import logging
import math
import os
import tomllib
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path
from typing import Any, Iterable, Mapping

from ..errors import BenchkitError
from ..metrics import FAMILIES

log = logging.getLogger(__name__)

DEFAULT_OUT = "benchkit-results"
_DATA_SUFFIXES = (".csv", ".tsv", ".parquet", ".pq", ".txt", ".gz", ".zip")


class SpecError(BenchkitError):
    """The benchmark spec is malformed or names something that does not exist."""


@dataclass(frozen=True)
class DatasetSpec:
    """One dataset of a benchmark: a registered name or a file path, with loading options."""

    name: str
    path: str | None = None
    n_rows: int | None = None
    target: str | None = None
    schema: str | None = None  # path to a schema JSON file
    entity: str | None = None  # the entity key column ("none": score independent rows); see benchkit.entities
    order: str | None = None  # the column ordering each entity's events

    @property
    def source(self) -> str:
        """What ``load_dataset`` receives: the file path, or the registered name."""
        return self.path if self.path is not None else self.name


@dataclass(frozen=True)
class GeneratorSpec:
    """One generator of a benchmark, its hyper-parameters and optional per-generator limits."""

    name: str
    params: dict[str, Any] = field(default_factory=dict)
    label: str | None = None
    time_limit: float | None = None
    memory_limit: float | None = None

    @property
    def key(self) -> str:
        """The name results are recorded under: the label when given, else the registered name."""
        return self.label or self.name

    def __hash__(self) -> int:  # params is a dict; hash on the key alone
        return hash(self.key)


@dataclass
class BenchmarkSpec:
    """Everything that defines a benchmark; the same spec always gives the same jobs and numbers."""

    datasets: list[DatasetSpec]
    generators: list[GeneratorSpec]
    seeds: list[int] = field(default_factory=lambda: [0])
    families: list[str] | None = None  # None: every family
    sample_size: int | None = None  # None: as many rows as the real training split
    holdout: float = 0.2
    split_seed: int = 0
    time_limit: float | None = None  # seconds per job; None: no limit
    memory_limit: float | None = None  # MB of resident memory per job; None: no limit
    threads_per_job: int = 1
    out: str = DEFAULT_OUT
    privacy_gate: dict[str, float] | None = None  # GateThresholds' fields; None: the documented defaults

    def __post_init__(self) -> None:
        self.validate()

    # ------------------------------------------------------------ validation
    def validate(self) -> "BenchmarkSpec":
        """Check the values (not the names: see :meth:`check_names`); raise :class:`SpecError`."""
        if not self.datasets:
            raise SpecError("the spec names no datasets; add [[datasets]] entries or pass --datasets")
        if not self.generators:
            raise SpecError("the spec names no generators; add [[generators]] entries or pass --generators")
        _unique([d.name for d in self.datasets], "dataset", "give one of them a distinct `name`")
        _unique([g.key for g in self.generators], "generator",
                "give each entry of the same generator a distinct `label`")
        for g in self.generators:
            if g.key == _reference_name():
                raise SpecError(f"generator label {g.key!r} is reserved for the real-holdout reference; pick another")
            if not isinstance(g.params, dict):
                raise SpecError(f"params of generator {g.key!r} must be a table of keyword arguments")
            if "seed" in g.params:
                raise SpecError(f"generator {g.key!r}: do not set `seed` in params; the spec's `seeds` set it per job")
            _positive(g.time_limit, f"time_limit of generator {g.key!r}", allow_none=True)
            _positive(g.memory_limit, f"memory_limit of generator {g.key!r}", allow_none=True)
        for d in self.datasets:
            _positive(d.n_rows, f"n_rows of dataset {d.name!r}", allow_none=True, integer=True)
        if not self.seeds:
            raise SpecError("the spec has no seeds; use e.g. seeds = 3 or seeds = [0, 1, 2]")
        for s in self.seeds:
            if isinstance(s, bool) or not isinstance(s, int) or s < 0:
                raise SpecError(f"seeds must be non-negative integers, got {s!r}")
        _unique([str(s) for s in self.seeds], "seed", "list each seed once")
        if self.families is not None:
            bad = [f for f in self.families if not isinstance(f, str) or not f]
            if bad:
                raise SpecError(f"metric families must be names (strings), got {bad}")
            if not self.families:
                raise SpecError("families is empty; leave it out to score every family")
        _positive(self.sample_size, "sample_size", allow_none=True, integer=True)
        if isinstance(self.holdout, bool) or not isinstance(self.holdout, (int, float)) or not 0 < self.holdout < 1:
            raise SpecError(f"holdout must be a fraction strictly between 0 and 1, got {self.holdout!r}")
        if isinstance(self.split_seed, bool) or not isinstance(self.split_seed, int) or self.split_seed < 0:
            raise SpecError(f"split_seed must be a non-negative integer, got {self.split_seed!r}")
        _positive(self.time_limit, "time_limit", allow_none=True)
        _positive(self.memory_limit, "memory_limit", allow_none=True)
        _positive(self.threads_per_job, "threads_per_job", integer=True)
        if not isinstance(self.out, (str, os.PathLike)) or not str(self.out):
            raise SpecError("out must be a folder path")
        if self.privacy_gate is not None:
            self.gate_thresholds()  # a wrong key or value is named now, not when the report is drawn
        return self

    def gate_thresholds(self):
        """The privacy gate's thresholds (:class:`benchkit.verdict.gate.GateThresholds`) this spec sets."""
        from ..verdict.gate import GateThresholds

        if self.privacy_gate is not None and not isinstance(self.privacy_gate, Mapping):
            raise SpecError(f"privacy_gate must be a table of thresholds, got {self.privacy_gate!r}")
        try:
            return GateThresholds.from_mapping(self.privacy_gate)
        except BenchkitError as exc:
            raise SpecError(str(exc)) from None

    def check_names(self) -> None:
        """Check that every generator is installed and every dataset is registered or exists on disk."""
        from .. import plugins

        for g in self.generators:
            plugins.get_generator(g.name)  # UnknownNameError with suggestions
        if self.families is not None:  # any family a registered metric belongs to, a plugin's too
            from ..evaluation import metric_family

            known = set(FAMILIES) | {metric_family(r) for r in plugins.list_metrics().values()}
            bad = [f for f in self.families if f not in known]
            if bad:
                raise SpecError(f"unknown metric families {bad}; the installed metrics' families are: "
                                f"{', '.join(sorted(known))}")
        known = set(plugins.list_datasets())
        for d in self.datasets:
            if d.path is not None:
                if not Path(d.path).exists():
                    raise SpecError(f"dataset {d.name!r}: file {d.path} does not exist")
            elif d.name not in known:
                close = difflib.get_close_matches(d.name, sorted(known), n=3, cutoff=0.6)
                hint = f"; did you mean {' or '.join(map(repr, close))}?" if close else ""
                raise SpecError(
                    f"unknown dataset {d.name!r}{hint} it is neither a registered dataset "
                    f"(installed: {', '.join(sorted(known)) or 'none'}) nor an existing file"
                )
            if d.schema is not None and not Path(d.schema).exists():
                raise SpecError(f"dataset {d.name!r}: schema file {d.schema} does not exist")

    def check_params(self) -> None:
        """Check every generator's parameters before any job starts: names against the constructor's
        signature (with suggestions), values by building the generator once and calling its
        ``_check_params()`` hook when it has one. Raise :class:`SpecError` naming generator and parameter."""
        from .. import plugins

        for g in self.generators:
            check_generator_params(g, plugins.get_generator(g.name).obj)

    # --------------------------------------------------------------- helpers
    def limits_for(self, gen: GeneratorSpec) -> tuple[float | None, float | None]:
        """(time limit in s, memory limit in MB) for one generator: its override, else the spec's."""
        t = gen.time_limit if gen.time_limit is not None else self.time_limit
        m = gen.memory_limit if gen.memory_limit is not None else self.memory_limit
        return t, m

    def to_dict(self) -> dict[str, Any]:
        """A JSON/TOML-ready dict (what manifest.json records)."""
        d = asdict(self)
        d["out"] = str(self.out)
        d["datasets"] = [{k: v for k, v in asdict(x).items() if v is not None} for x in self.datasets]
        d["generators"] = [{k: v for k, v in asdict(x).items() if v not in (None, {})} for x in self.generators]
        return d

    def with_overrides(self, **changes: Any) -> "BenchmarkSpec":
        """A copy with some fields replaced (``None`` values are ignored), validated again."""
        return replace(self, **{k: v for k, v in changes.items() if v is not None})


_NOT_PARAMS = {"self", "seed", "progress"}


def accepted_params(factory: Any) -> list[str] | None:
    """The keyword parameters ``factory`` accepts besides ``seed``; None when it takes ``**kwargs`` or
    its signature cannot be read (then any name may be valid)."""
    try:
        sig = inspect.signature(factory)
    except (TypeError, ValueError):
        return None
    params = sig.parameters.values()
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params):
        return None
    kinds = (inspect.Parameter.POSITIONAL_OR_KEYWORD, inspect.Parameter.KEYWORD_ONLY)
    return [p.name for p in params if p.kind in kinds and p.name not in _NOT_PARAMS]


def _who(gen: GeneratorSpec) -> str:
    return f"generator {gen.key!r}" + (f" ({gen.name})" if gen.key != gen.name else "")


def check_param_names(gen: GeneratorSpec, factory: Any) -> None:
    """Raise :class:`SpecError` for a parameter name ``factory`` does not take (with the closest one)."""
    accepted = accepted_params(factory)
    if accepted is not None:
        for key in gen.params:
            if key not in accepted:
                close = difflib.get_close_matches(key, accepted, n=1)
                hint = f" (did you mean {close[0]}?)" if close else ""
                raise SpecError(f"{_who(gen)}: unknown parameter {key!r}{hint}; {gen.name} accepts: "
                                f"{', '.join(accepted) or 'no parameters'}")


def check_generator_params(gen: GeneratorSpec, factory: Any) -> None:
    """Raise :class:`SpecError` for a parameter ``factory`` does not take or a value it rejects."""
    who = _who(gen)
    check_param_names(gen, factory)
    try:
        instance = factory(**gen.params, seed=0)  # constructors only store their parameters
        hook = getattr(instance, "_check_params", None)
        if callable(hook):
            hook()
    except (BenchkitError, TypeError, ValueError) as exc:
        raise SpecError(f"{who}: a parameter value is not accepted: {exc}; fix it in the spec or the "
                        f"--generators flag (given: {gen.params})") from None
    except Exception:  # a plugin's own bug: the job reports it, as before this check
        log.debug("building %s to check its parameters failed", who, exc_info=True)


def _reference_name() -> str:
    from .results import REFERENCE_GENERATOR

    return REFERENCE_GENERATOR


def _unique(values: list[str], what: str, fix: str) -> None:
    seen: set[str] = set()
    for v in values:
        if v in seen:
            raise SpecError(f"{what} {v!r} appears twice in the spec; {fix}")
        seen.add(v)


def _positive(value: Any, what: str, *, allow_none: bool = False, integer: bool = False) -> None:
    if value is None and allow_none:
        return
    ok_type = (int,) if integer else (int, float)
    if isinstance(value, bool) or not isinstance(value, ok_type) or not math.isfinite(value) or value <= 0:
        kind = "a positive integer" if integer else "a positive number"
        raise SpecError(f"{what} must be {kind}, got {value!r}")


# ===================================================================== parsing
_TOP_KEYS = {"datasets", "generators", "seeds", "families", "sample_size", "holdout", "split_seed",
             "time_limit", "memory_limit", "threads_per_job", "out", "privacy_gate"}
_DATASET_KEYS = {"name", "path", "n_rows", "target", "schema", "entity", "order"}
_GENERATOR_KEYS = {"name", "params", "label", "time_limit", "memory_limit"}


def load_spec(path: str | Path) -> BenchmarkSpec:
    """Read a benchmark spec from a TOML file; relative paths in it are relative to the file."""
    path = Path(path)
    if not path.exists():
        raise SpecError(f"spec file {path} does not exist")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise SpecError(f"spec file {path} is not valid TOML: {exc}") from None
    except UnicodeDecodeError:
        raise SpecError(f"spec file {path} is not UTF-8 text") from None
    return spec_from_dict(data, base=path.parent, where=str(path))


def spec_from_dict(data: Mapping[str, Any], base: str | Path | None = None, where: str = "spec") -> BenchmarkSpec:
    """Build a spec from a TOML-shaped mapping; ``base`` resolves relative paths."""
    if "benchmark" in data and isinstance(data["benchmark"], Mapping) and len(data) == 1:
        data = data["benchmark"]
    _no_unknown(data, _TOP_KEYS, where)
    base_path = Path(base) if base is not None else None
    datasets = [_dataset_entry(d, base_path, where) for d in _as_list(data.get("datasets"), "datasets", where)]
    generators = [_generator_entry(g, where) for g in _as_list(data.get("generators"), "generators", where)]
    kwargs: dict[str, Any] = {"datasets": datasets, "generators": generators}
    if "seeds" in data:
        kwargs["seeds"] = parse_seeds(data["seeds"])
    if "families" in data:
        fam = data["families"]
        kwargs["families"] = [fam] if isinstance(fam, str) else list(fam)
    for key in ("sample_size", "holdout", "split_seed", "time_limit", "memory_limit", "threads_per_job",
                "privacy_gate"):
        if key in data:
            kwargs[key] = data[key]
    if "out" in data:
        kwargs["out"] = _resolve(str(data["out"]), base_path)
    return BenchmarkSpec(**kwargs)


def parse_seeds(value: Any) -> list[int]:
    """``3`` -> [0, 1, 2]; ``[4, 7]`` or ``"4,7"`` -> [4, 7]."""
    if isinstance(value, str):
        parts = [p.strip() for p in value.split(",") if p.strip()]
        try:
            nums = [int(p) for p in parts]
        except ValueError:
            raise SpecError(f"seeds must be a count (3) or a comma-separated list (0,1,2), got {value!r}") from None
        return list(range(nums[0])) if len(nums) == 1 and "," not in value else nums
    if isinstance(value, bool):
        raise SpecError(f"seeds must be a count or a list of integers, got {value!r}")
    if isinstance(value, int):
        if value < 1:
            raise SpecError(f"seeds as a count must be at least 1, got {value}")
        return list(range(value))
    if isinstance(value, (list, tuple)):
        return list(value)
    raise SpecError(f"seeds must be a count or a list of integers, got {value!r}")


def _as_list(value: Any, key: str, where: str) -> list[Any]:
    if value is None:
        return []
    if isinstance(value, (str, Mapping)):
        return [value]
    if isinstance(value, (list, tuple)):
        return list(value)
    raise SpecError(f"{where}: `{key}` must be a list of names or of tables, got {type(value).__name__}")


def _no_unknown(data: Mapping[str, Any], allowed: set[str], where: str) -> None:
    for key in data:
        if key not in allowed:
            close = difflib.get_close_matches(key, sorted(allowed), n=1)
            hint = f"; did you mean {close[0]!r}?" if close else ""
            raise SpecError(f"{where}: unknown key {key!r}{hint} allowed keys: {', '.join(sorted(allowed))}")


def _resolve(p: str, base: Path | None) -> str:
    path = Path(p).expanduser()
    if base is not None and not path.is_absolute():
        path = base / path
    return str(path)


def looks_like_path(text: str) -> bool:
    """Whether a dataset reference is a file path rather than a registered name."""
    return os.sep in text or "/" in text or text.lower().endswith(_DATA_SUFFIXES) or Path(text).exists()


def _dataset_entry(entry: Any, base: Path | None, where: str) -> DatasetSpec:
    if isinstance(entry, str):
        entry = {"path": entry} if looks_like_path(entry) else {"name": entry}
    if not isinstance(entry, Mapping):
        raise SpecError(f"{where}: each dataset must be a name, a path or a table, got {entry!r}")
    _no_unknown(entry, _DATASET_KEYS, f"{where}: dataset {entry.get('name') or entry.get('path')!r}")
    if "name" not in entry and "path" not in entry:
        raise SpecError(f"{where}: a dataset entry needs a `name` (registered dataset) or a `path` (file)")
    path = _resolve(str(entry["path"]), base) if "path" in entry else None
    name = str(entry.get("name") or Path(str(entry["path"])).name.split(".")[0])
    schema = _resolve(str(entry["schema"]), base) if entry.get("schema") else None
    roles = {k: str(entry[k]) for k in ("entity", "order") if entry.get(k) is not None}
    if "order" in roles and "entity" not in roles:
        raise SpecError(f"{where}: dataset {name!r} names an `order` without an `entity` key; add entity = \"COLUMN\"")
    return DatasetSpec(name=name, path=path, n_rows=entry.get("n_rows"), target=entry.get("target"), schema=schema, **roles)


def _generator_entry(entry: Any, where: str) -> GeneratorSpec:
    if isinstance(entry, str):
        return parse_generator_flag(entry)
    if not isinstance(entry, Mapping):
        raise SpecError(f"{where}: each generator must be a name or a table, got {entry!r}")
    _no_unknown(entry, _GENERATOR_KEYS, f"{where}: generator {entry.get('label') or entry.get('name')!r}")
    if "name" not in entry:
        raise SpecError(f"{where}: a generator entry needs a `name`")
    return GeneratorSpec(
        name=str(entry["name"]),
        params=dict(entry.get("params") or {}),
        label=entry.get("label"),
        time_limit=entry.get("time_limit"),
        memory_limit=entry.get("memory_limit"),
    )


# ====================================================================== flags
PARAM_SYNTAX = ('key=value[,key=value...], each value a TOML literal (3, 1e-4, true, "text", [64, 64]) '
                "or plain text (fast, cpu)")
"""The one syntax of generator parameters on the command line: ``benchkit run --generators NAME:...``
and ``benchkit check NAME --param ...`` (and the dataset flag's options) all read it with :func:`parse_params`."""

_TOML_STARTS = ("[", "{", '"', "'")


def parse_param_value(key: str, text: str, what: str = "parameter") -> Any:
    """One flag value read as a TOML literal (3, 0.5, true, "x", [1, 2]); other plain text stays a string.

    A value that starts like a TOML list, table or quoted string but does not parse (``[64, 64``) is a
    :class:`SpecError` naming ``key`` and the value, as is an empty one."""
    text = text.strip()
    if not text:
        raise SpecError(f"{what}: {key!r} has no value; write {key}=VALUE ({PARAM_SYNTAX})")
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError as exc:
        if text.startswith(_TOML_STARTS):
            reason = str(exc).split(" (at ")[0].lower()
            raise SpecError(f"{what}: the value of {key!r} is not valid: {text!r} ({reason}); write a TOML literal "
                            'such as 3, 0.5, true, "text" or [64, 64]') from None
        return text


def parse_params(text: str | Iterable[str], what: str = "parameters") -> dict[str, Any]:
    """Generator parameters from the command line, in the one syntax :data:`PARAM_SYNTAX`: a string
    ``"epochs=3,dims=[64, 64]"`` or several (``--param`` repeated), into ``{"epochs": 3, "dims": [64, 64]}``.

    Raises :class:`SpecError` (one line, naming ``what`` and the offending part) for a part that is not
    key=value, a key given twice or an invalid value."""
    items = [text] if isinstance(text, str) else list(text)
    out: dict[str, Any] = {}
    for item in items:
        for part in _split_top_level(item):
            key, sep, value = part.partition("=")
            key = key.strip()
            if not sep or not key:
                raise SpecError(f"{what}: {part!r} is not KEY=VALUE (e.g. epochs=300)")
            if key in out:
                raise SpecError(f"{what}: {key!r} is given twice")
            out[key] = parse_param_value(key, value, what)
    return out


def _parse_options(text: str, what: str) -> dict[str, Any]:
    return parse_params(text, what)


def _split_top_level(text: str) -> list[str]:
    """Split on commas that are not inside brackets or quotes (so lists survive)."""
    parts, depth, quote, cur = [], 0, None, []
    for ch in text:
        if quote:
            quote = None if ch == quote else quote
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
        elif ch == "," and depth == 0:
            parts.append("".join(cur).strip())
            cur = []
            continue
        cur.append(ch)
    if "".join(cur).strip():
        parts.append("".join(cur).strip())
    return parts


def parse_generator_flag(text: str) -> GeneratorSpec:
    """``[LABEL=]NAME[:key=value,key=value]`` -> GeneratorSpec (e.g. ``wgan-long=wgan:epochs=300``)."""
    head, _, opts = text.partition(":")
    label, _, name = head.rpartition("=")
    name = name.strip()
    if not name:
        raise SpecError(f"generator {text!r}: expected [LABEL=]NAME[:key=value,...]")
    params = _parse_options(opts, f"generator {text!r}") if opts else {}
    return GeneratorSpec(name=name, params=params, label=label.strip() or None)


def parse_dataset_flag(text: str) -> DatasetSpec:
    """``NAME_OR_PATH[:n_rows=1000,target=y,schema=s.json,entity=account_id,order=date]`` -> DatasetSpec."""
    head, sep, opts = text.partition(":")
    if sep and "=" not in opts:  # a colon that is part of the path itself
        head, opts = text, ""
    options = _parse_options(opts, f"dataset {text!r}") if opts else {}
    _no_unknown(options, {"n_rows", "target", "schema", "name", "entity", "order"}, f"dataset {text!r}")
    entry: dict[str, Any] = {("path" if looks_like_path(head) else "name"): head}
    for k, v in options.items():
        entry[k] = str(v) if k in ("target", "schema", "name", "entity", "order") else v
    return _dataset_entry(entry, None, "--datasets")


def spec_from_flags(
    *,
    spec_file: str | Path | None = None,
    datasets: Iterable[str] | None = None,
    generators: Iterable[str] | None = None,
    seeds: Any = None,
    families: Iterable[str] | None = None,
    sample_size: int | None = None,
    holdout: float | None = None,
    split_seed: int | None = None,
    time_limit: float | None = None,
    memory_limit: float | None = None,
    threads_per_job: int | None = None,
    out: str | None = None,
) -> BenchmarkSpec:
    """A spec from a TOML file and/or command-line flags; flags override the file's values."""
    if spec_file is None and (not datasets or not generators):
        raise SpecError("give a spec file (benchkit run SPEC.toml) or both --datasets and --generators")
    base = load_spec(spec_file) if spec_file is not None else None
    ds = [parse_dataset_flag(d) for d in datasets] if datasets else (base.datasets if base else [])
    gs = [parse_generator_flag(g) for g in generators] if generators else (base.generators if base else [])
    values = {
        "seeds": parse_seeds(seeds) if seeds is not None else None,
        "families": list(families) if families else None,
        "sample_size": sample_size, "holdout": holdout, "split_seed": split_seed,
        "time_limit": time_limit, "memory_limit": memory_limit, "threads_per_job": threads_per_job,
        "out": out,
    }
    if base is not None:
        return base.with_overrides(datasets=ds, generators=gs, **values)
    return BenchmarkSpec(datasets=ds, generators=gs, **{k: v for k, v in values.items() if v is not None})


__all__ = [
    "BenchmarkSpec",
    "DatasetSpec",
    "GeneratorSpec",
    "SpecError",
    "load_spec",
    "parse_dataset_flag",
    "parse_generator_flag",
    "parse_seeds",
    "spec_from_dict",
    "spec_from_flags",
]
