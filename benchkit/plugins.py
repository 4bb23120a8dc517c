"""The plugin manager: loads built-in and third-party plugins and answers lookups by name.

Built-in plugins are modules listed in :data:`DEFAULT_PLUGINS`, registered exactly like third-party
ones (same hooks), so a source checkout works without entry points; an installed benchkit's own
entry points point at the same modules and are not registered twice. Third-party plugins come from
the ``benchkit`` entry-point group. Nothing a plugin does takes the host down: each entry point is
loaded and validated (``check_pending``: misspelt hook names) inside its own ``try``, each hook
implementation runs on its own, and a name two plugins register is refused on lookup with both
sources named. Every such problem is kept (``load_errors()``, shown by ``benchkit list``) and warned
about. ``BENCHKIT_LOAD_PLUGINS=name,name`` limits which third-party plugins load (entry-point or
distribution names; an empty value loads none)."""

from __future__ import annotations

import difflib
import importlib
import importlib.metadata as md
import logging
import os
import traceback
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable

import pluggy

from . import hookspecs
from .errors import BenchkitError, PluginError, PluginInactive, UnknownNameError

log = logging.getLogger(__name__)

ENTRY_POINT_GROUP = "benchkit"
ENV_LOAD = "BENCHKIT_LOAD_PLUGINS"

DEFAULT_PLUGINS: tuple[str, ...] = (
    "benchkit.metrics.marginal",
    "benchkit.metrics.pairwise",
    "benchkit.metrics.utility",
    "benchkit.metrics.detection",
    "benchkit.metrics.privacy.distance",
    "benchkit.metrics.privacy.membership",
    "benchkit.metrics.privacy.attribute_inference",
    "benchkit.metrics.privacy.authenticity",
    "benchkit.metrics.aggregate",
    "benchkit.metrics.entity",
    "benchkit_datasets",
    "benchkit_baselines",
    "benchkit_wgan",
    "benchkit_sdv",
)
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
    """Everything the loaded plugins registered, by kind and name.

    A name two plugins both registered is a *conflict*: it is left out of :meth:`all`, recorded in
    ``errors`` and looking it up raises a :class:`PluginError` naming both sources, while every
    other name keeps working.
    """

    items: dict[str, dict[str, Registration]]
    errors: list[LoadError]
    conflicts: dict[str, dict[str, list[Registration]]] = field(default_factory=dict)
    inactive: dict[str, str] = field(default_factory=dict)  # plugin -> why it registers nothing (PluginInactive)

    def all(self, kind: str) -> dict[str, Registration]:
        _check_kind(kind)
        return dict(self.items[kind])

    def get(self, kind: str, name: str) -> Registration:
        _check_kind(kind)
        clash = self.conflicts.get(kind, {}).get(name)
        if clash:
            raise PluginError(_conflict_message(kind, name, clash))
        found = self.items[kind].get(name)
        if found is None:
            raise UnknownNameError(_unknown_message(kind, name, list(self.items[kind]), self.errors, self.inactive))
        return found


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise BenchkitError(f"unknown registration kind {kind!r}; use one of {', '.join(KINDS)}")


# ------------------------------------------------------------------ manager
_pm: pluggy.PluginManager | None = None
_dist_of: dict[str, tuple[str | None, str | None]] = {}
_load_errors: list[LoadError] = []
_registry_cache: tuple[tuple[tuple[str | None, int], ...], Registry] | None = None


def get_plugin_manager() -> pluggy.PluginManager:
    """The process-wide plugin manager, loading plugins on first use."""
    global _pm
    if _pm is None:
        pm = pluggy.PluginManager(hookspecs.PROJECT)
        pm.add_hookspecs(hookspecs)
        _load_default_plugins(pm)
        _load_entry_points(pm)
        pm.check_pending()  # every plugin was validated on registration; this is a safety net
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
        if exc.name == module.split(".")[0]:
            raise PluginError(
                f"the built-in plugin package {exc.name!r} is not installed beside benchkit; reinstall "
                "benchkit (pip install benchkit, or pip install -e . in a source checkout)"
            ) from None
        raise


def _load_default_plugins(pm: pluggy.PluginManager) -> None:
    for module in DEFAULT_PLUGINS:
        try:
            mod = _import_builtin(module)
        except (Exception, SystemExit) as exc:  # a broken built-in is reported like any other plugin
            _record_error(module, "import", exc)
            continue
        if _register_checked(pm, mod, module):
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
        if key in seen:  # the same distribution found twice on the import path
            continue
        seen.add(key)
        is_builtin = dist_name == "benchkit" or ep.value.split(":")[0] in DEFAULT_PLUGINS
        if not is_builtin and allowed is not None and not ({ep.name, dist_name} & allowed):
            continue
        if pm.is_blocked(ep.name):
            continue
        if pm.get_plugin(ep.name) is not None:
            first = _dist_of.get(ep.name, (None, None))[0]
            _record_error(ep.name, "register", PluginError(
                f"two plugins use the entry-point name {ep.name!r}: {first or 'benchkit'} and {dist_name}; "
                f"the one from {dist_name} ({ep.value}) was not loaded"))
            continue
        try:
            plugin = ep.load()
        except (Exception, SystemExit) as exc:  # a plugin calling sys.exit() on import must not end the host
            _record_error(ep.name, "import", exc)
            continue
        if pm.is_registered(plugin):  # a built-in already registered from DEFAULT_PLUGINS
            continue
        if _register_checked(pm, plugin, ep.name):
            _dist_of[ep.name] = (dist_name, dist.version if dist is not None else None)


def _register_checked(pm: pluggy.PluginManager, plugin: Any, name: str) -> bool:
    """Register one plugin and validate its hooks; a bad plugin is recorded and dropped, not fatal.

    ``pm.check_pending()`` turns a misspelt hook name (``benchkit_register_generator``) into an
    error instead of a silent no-op; running it per plugin pins the error on the right one.
    """
    try:
        pm.register(plugin, name=name)
    except Exception as exc:  # hookimpl arguments the spec does not have, a name clash, ...
        _record_error(name, "register", exc)
        return False
    try:
        pm.check_pending()
    except pluggy.PluginValidationError as exc:
        pm.unregister(plugin)
        _record_error(name, "register", exc)
        return False
    return True


def _record_error(plugin: str, stage: str, exc: BaseException, errors: list[LoadError] | None = None,
                  stacklevel: int = 3) -> None:
    """Keep a plugin's failure (import, register or a hook) and warn; the host carries on."""
    tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    (_load_errors if errors is None else errors).append(LoadError(plugin, stage, f"{type(exc).__name__}: {exc}", tb))
    consequence = ("the other plugins keep working (see `benchkit list`)" if stage in ("import", "register")
                   else "its registrations are skipped, the other plugins keep working")
    warnings.warn(f"benchkit plugin {plugin!r} failed ({stage}): {type(exc).__name__}: {exc}; {consequence}",
                  RuntimeWarning, stacklevel=stacklevel)


# ----------------------------------------------------------------- registry
def registry() -> Registry:
    """Collect every registration from every loaded plugin (recomputed when plugins change).

    Each hook implementation runs on its own: one that raises is recorded in ``errors`` (with a
    warning) and none of its registrations are kept, so a half-registered plugin never shows up.
    """
    global _registry_cache
    pm = get_plugin_manager()
    key = tuple((pm.get_name(p), id(p)) for p in pm.get_plugins())
    if _registry_cache is not None and _registry_cache[0] == key:
        return _registry_cache[1]
    items: dict[str, dict[str, Registration]] = {k: {} for k in KINDS}
    conflicts: dict[str, dict[str, list[Registration]]] = {k: {} for k in KINDS}
    errors = list(_load_errors)
    inactive: dict[str, str] = {}
    for kind in KINDS:
        caller = getattr(pm.hook, _HOOK[kind])
        # get_hookimpls() lists implementations in registration order (pluggy *calls* them in
        # reverse); walking it forwards lets built-ins register before third parties
        for impl in caller.get_hookimpls():
            plugin_name = pm.get_name(impl.plugin) or impl.plugin_name
            dist, version = _dist_of.get(plugin_name, (None, None))
            batch: list[Registration] = []

            def register(name: str, obj: Callable[..., Any], _k=kind, _p=plugin_name, _d=dist, _v=version, **info: Any) -> None:
                reg = Registration(_k, str(name), obj, _p, _d, _v, dict(info))
                if not callable(obj):
                    raise PluginError(f"{reg.source} registered {_k} {reg.name!r} with a non-callable {obj!r}")
                if _k == "generator" and "test_params" in info:
                    raise PluginError(
                        f"{reg.source} registered generator {reg.name!r} with test_params=...; benchkit reads "
                        "cheap settings only from the factory's test_params() method: drop the keyword and "
                        "define `@classmethod def test_params(cls): return {...}` on the class (on a plain "
                        "function factory, set `factory.test_params = lambda: {...}`)")
                batch.append(reg)

            kwargs = {"register": register}
            try:
                # opt-in arguments: an implementation receives only the arguments it names
                impl.function(**{a: kwargs[a] for a in impl.argnames if a in kwargs})
            except PluginInactive as exc:  # the plugin says why it is off here: a note, not a fault
                inactive[plugin_name] = str(exc)
                continue
            except (Exception, SystemExit) as exc:
                _record_error(plugin_name, _HOOK[kind], exc, errors, stacklevel=4)
                continue
            for reg in batch:
                _add(items[kind], conflicts[kind], reg)
    for kind in KINDS:
        for name, regs in conflicts[kind].items():
            items[kind].pop(name, None)
            msg = _conflict_message(kind, name, regs)
            errors.append(LoadError(" / ".join(r.plugin for r in regs), "conflict", msg))
            warnings.warn(msg, RuntimeWarning, stacklevel=2)
    reg = Registry(items, errors, conflicts, inactive)
    _registry_cache = (key, reg)
    return reg


def _add(table: dict[str, Registration], clashes: dict[str, list[Registration]], reg: Registration) -> None:
    if reg.name in clashes:
        clashes[reg.name].append(reg)
        return
    old = table.get(reg.name)
    if old is not None and not (old.obj is reg.obj and old.plugin == reg.plugin):
        clashes[reg.name] = [old, reg]
        return
    table[reg.name] = reg


def _conflict_message(kind: str, name: str, regs: list[Registration]) -> str:
    sources = " and by ".join(r.source for r in regs)
    return (
        f"{kind} {name!r} is registered twice: by {sources}; uninstall one of them, or limit "
        f"third-party plugins with {ENV_LOAD}=name,name"
    )


def _unknown_message(kind: str, name: str, known: list[str], errors: list[LoadError],
                     inactive: dict[str, str] | None = None) -> str:
    by_lower = {k.lower(): k for k in known}
    close = [by_lower[c] for c in difflib.get_close_matches(str(name).lower(), list(by_lower), n=3, cutoff=0.6)]
    msg = f"unknown {kind} {name!r}"
    msg += f"; did you mean {' or '.join(repr(c) for c in close)}?" if close else ";"
    msg += f" installed {kind}s: {', '.join(sorted(known)) or 'none'}"
    if errors:
        msg += f" ({len(errors)} plugin problem(s); run `benchkit list` to see them)"
    for plugin, why in (inactive or {}).items():
        msg += f" (plugin {plugin!r} is not active: {why})"
    return msg


def get_generator(name: str) -> Registration:
    """The generator registered as ``name``; an :class:`UnknownNameError` with suggestions otherwise."""
    return registry().get("generator", name)


def get_metric(name: str) -> Registration:
    """The metric registered as ``name``."""
    return registry().get("metric", name)


def get_dataset(name: str) -> Registration:
    """The dataset registered as ``name``."""
    return registry().get("dataset", name)


def list_generators() -> dict[str, Registration]:
    """Every generator, by name."""
    return registry().all("generator")


def list_metrics() -> dict[str, Registration]:
    """Every metric, by name."""
    return registry().all("metric")


def list_datasets() -> dict[str, Registration]:
    """Every dataset, by name."""
    return registry().all("dataset")


def inactive_plugins() -> dict[str, str]:
    """Plugins whose hooks raised :class:`~benchkit.errors.PluginInactive`, with the reason each gave."""
    return dict(registry().inactive)


def load_errors() -> list[LoadError]:
    """Plugins that failed to import or register, hooks that raised, and name conflicts."""
    return registry().errors
