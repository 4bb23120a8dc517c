"""The plugin manager: loads built-in and third-party plugins and answers lookups by name.

Built-in plugins are modules listed in :data:`DEFAULT_PLUGINS`, registered exactly like third-party
ones (same hooks), so a source checkout works without entry points. Third-party plugins come from the
``benchkit`` entry-point group; each is loaded inside its own ``try`` so one broken plugin never takes
the host down. ``BENCHKIT_LOAD_PLUGINS=name,name`` limits which third-party plugins load (an empty
value loads none).
"""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata as md
import logging
import os
import sys
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

import pluggy

from . import hookspecs
from .errors import PluginError, UnknownNameError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "benchkit"
ENV_LOAD = "BENCHKIT_LOAD_PLUGINS"

DEFAULT_PLUGINS: tuple[str, ...] = ("benchkit_wgan",)
"""Modules registered at start-up, in this order. Each implements the same hooks a third party would."""

KINDS = ("generator", "metric", "dataset")
_HOOK = {
    "generator": "benchkit_register_generators",
    "metric": "benchkit_register_metrics",
    "dataset": "benchkit_register_datasets",
}


@dataclass
class Registration:
    """One named thing a plugin provided."""

    kind: str  # "generator" | "metric" | "dataset"
    name: str
    obj: Callable[..., Any]  # generator factory, metric function or dataset loader
    plugin: str  # the plugin's name in the manager
    distribution: str | None = None
    version: str | None = None
    info: dict[str, Any] = field(default_factory=dict)

    @property
    def source(self) -> str:
        dist = f"{self.distribution} {self.version}" if self.distribution else "no distribution"
        return f"plugin {self.plugin!r} ({dist})"


@dataclass
class LoadError:
    """A plugin that could not be imported, or a hook of it that raised."""

    plugin: str
    stage: str  # "import" | hook name
    error: str
    traceback: str = ""


@dataclass
class Registry:
    """Everything the loaded plugins registered, by kind and name."""

    items: dict[str, dict[str, Registration]]
    errors: list[LoadError]

    def all(self, kind: str) -> dict[str, Registration]:
        return dict(self.items[kind])

    def get(self, kind: str, name: str) -> Registration:
        found = self.items[kind].get(name)
        if found is None:
            raise UnknownNameError(_unknown_message(kind, name, list(self.items[kind]), self.errors))
        return found


# ------------------------------------------------------------------ manager
_pm: pluggy.PluginManager | None = None
_dist_of: dict[str, tuple[str | None, str | None]] = {}
_load_errors: list[LoadError] = []
_registry_cache: tuple[tuple[int, ...], Registry] | None = None


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loading plugins on first use."""
    global _pm
    if _pm is None:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        _load_default_plugins(pm)
        _load_entry_points(pm)
        pm.check_pending()
        _pm = pm
    return _pm


def reset() -> None:
    """Forget the manager and its registry (tests use this after changing the environment)."""
    global _pm, _registry_cache
    _pm = None
    _registry_cache = None
    _dist_of.clear()
    _load_errors.clear()


def _benchkit_version() -> str:
    from . import __version__

    return __version__


def _import_builtin(module: str):
    try:
        return importlib.import_module(module)
    except ModuleNotFoundError as exc:
        # A source checkout without an install: the built-in plugins live in <repo>/plugins.
        plugins_dir = Path(__file__).resolve().parent.parent / "plugins"
        if exc.name == module.split(".")[0] and plugins_dir.is_dir() and str(plugins_dir) not in sys.path:
            sys.path.append(str(plugins_dir))
            return importlib.import_module(module)
        raise


def _load_default_plugins(pm: pluggy.PluginManager) -> None:
    for module in DEFAULT_PLUGINS:
        try:
            mod = _import_builtin(module)
        except Exception as exc:  # a broken built-in is reported like any other plugin
            _record_error(module, "import", exc)
            continue
        pm.register(mod, name=module)
        _dist_of[module] = ("benchkit", _benchkit_version())


def _allowed_third_party() -> set[str] | None:
    value = os.environ.get(ENV_LOAD)
    if value is None:
        return None
    return {v.strip() for v in value.split(",") if v.strip()}


def _load_entry_points(pm: pluggy.PluginManager) -> None:
    allowed = _allowed_third_party()
    seen: set[tuple[str, str]] = set()
    for ep in md.entry_points(group=ENTRY_POINT_GROUP):
        dist = getattr(ep, "dist", None)
        dist_name = dist.metadata["Name"] if dist is not None else None
        key = (ep.name, ep.value)
        if key in seen:  # the same distribution visible twice on sys.path
            continue
        seen.add(key)
        is_builtin = dist_name == "benchkit" or ep.value.split(":")[0] in DEFAULT_PLUGINS
        if not is_builtin and allowed is not None and ep.name not in allowed:
            continue
        if pm.get_plugin(ep.name) is not None or pm.is_blocked(ep.name):
            continue
        try:
            plugin = ep.load()
        except Exception as exc:
            _record_error(ep.name, "import", exc)
            continue
        if pm.is_registered(plugin):  # a built-in already registered from DEFAULT_PLUGINS
            continue
        try:
            pm.register(plugin, name=ep.name)
        except Exception as exc:  # e.g. a misspelt hook name or a name clash
            _record_error(ep.name, "register", exc)
            continue
        _dist_of[ep.name] = (dist_name, dist.version if dist is not None else None)


def _record_error(plugin: str, stage: str, exc: BaseException) -> None:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    _load_errors.append(LoadError(plugin, stage, f"{type(exc).__name__}: {exc}", tb))
    warnings.warn(
        f"benchkit plugin {plugin!r} failed ({stage}): {type(exc).__name__}: {exc}; "
        "the other plugins keep working (see `benchkit list`)",
        RuntimeWarning,
        stacklevel=3,
    )


# ----------------------------------------------------------------- registry
def registry() -> Registry:
    """Collect every registration from every loaded plugin (recomputed when plugins change)."""
    global _registry_cache
    pm = get_plugin_manager()
    key = tuple(id(p) for p in pm.get_plugins())
    if _registry_cache is not None and _registry_cache[0] == key:
        return _registry_cache[1]
    items: dict[str, dict[str, Registration]] = {k: {} for k in KINDS}
    errors = list(_load_errors)
    names = {id(p): pm.get_name(p) for p in pm.get_plugins()}
    for kind in KINDS:
        caller = getattr(pm.hook, _HOOK[kind])
        # pluggy calls the last registered first; reverse so built-ins register before third parties
        for impl in reversed(caller.get_hookimpls()):
            plugin_name = names.get(id(impl.plugin), impl.plugin_name)
            dist, version = _dist_of.get(plugin_name, (None, None))

            def register(name: str, obj: Callable[..., Any], _k=kind, _p=plugin_name, _d=dist, _v=version, **info: Any) -> None:
                _add(items[_k], Registration(_k, str(name), obj, _p, _d, _v, dict(info)))

            kwargs = {"register": register}
            try:
                impl.function(**{a: kwargs[a] for a in impl.argnames if a in kwargs})
            except PluginError as exc:
                if "registered twice" in str(exc):
                    raise
                _record_hook_error(errors, plugin_name, _HOOK[kind], exc)
            except Exception as exc:
                _record_hook_error(errors, plugin_name, _HOOK[kind], exc)
    reg = Registry(items, errors)
    _registry_cache = (key, reg)
    return reg


def _record_hook_error(errors: list[LoadError], plugin: str, hook: str, exc: BaseException) -> None:
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    errors.append(LoadError(plugin, hook, f"{type(exc).__name__}: {exc}", tb))
    warnings.warn(
        f"benchkit plugin {plugin!r} raised in {hook}: {type(exc).__name__}: {exc}; "
        "its registrations are skipped, the other plugins keep working",
        RuntimeWarning,
        stacklevel=4,
    )


def _add(table: dict[str, Registration], reg: Registration) -> None:
    if not callable(reg.obj):
        raise PluginError(f"{reg.source} registered {reg.kind} {reg.name!r} with a non-callable {reg.obj!r}")
    old = table.get(reg.name)
    if old is not None and old.obj is not reg.obj:
        raise PluginError(
            f"{reg.kind} {reg.name!r} registered twice: by {old.source} and by {reg.source}; "
            f"uninstall one of them or limit plugins with {ENV_LOAD}"
        )
    table[reg.name] = reg


def _unknown_message(kind: str, name: str, known: list[str], errors: list[LoadError]) -> str:
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.6)
    hint = f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ""
    installed = ", ".join(sorted(known)) or "none"
    msg = f"unknown {kind} {name!r}{hint} installed {kind}s: {installed}"
    if errors:
        msg += f" ({len(errors)} plugin(s) failed to load; run `benchkit list` to see why)"
    return msg


def get_generator(name: str) -> Registration:
    return registry().get("generator", name)


def get_metric(name: str) -> Registration:
    return registry().get("metric", name)


def get_dataset(name: str) -> Registration:
    return registry().get("dataset", name)


def list_generators() -> dict[str, Registration]:
    return registry().all("generator")


def list_metrics() -> dict[str, Registration]:
    return registry().all("metric")


def list_datasets() -> dict[str, Registration]:
    return registry().all("dataset")


def load_errors() -> list[LoadError]:
    return registry().errors
