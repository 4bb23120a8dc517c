"""The plugin contract: the pluggy hook specifications a benchkit plugin implements.

A plugin is a module (or object) with functions decorated by :data:`benchkit.hookimpl`, found
through the ``benchkit`` entry-point group. Each hook receives a ``register`` callable; a plugin
calls it once per thing it provides. Implementations may accept fewer arguments than specified here
(pluggy passes only the ones they name), so hooks can grow without breaking existing plugins.
A hook that cannot register here (an optional dependency is missing) raises
:class:`benchkit.errors.PluginInactive` with the reason; ``benchkit list`` shows it, nothing fails.
"""

from __future__ import annotations

from typing import Any, Callable

import pluggy

PROJECT = "benchkit"
hookspec = pluggy.HookspecMarker(PROJECT)
hookimpl = pluggy.HookimplMarker(PROJECT)


@hookspec
def benchkit_register_generators(register: Callable[..., None]) -> None:
    """Register generators: ``register(name, factory, **info)``; ``factory(**params, seed=...)`` builds one.

    ``info`` may hold ``description`` (one line) and ``tags`` (list of str). Cheap hyper-parameters for
    the conformance checks come from the factory's own ``test_params()`` (see :mod:`benchkit.generator`),
    not from ``info``.
    """


@hookspec
def benchkit_register_metrics(register: Callable[..., None]) -> None:
    """Register metrics: ``register(name, fn, family=..., **info)``, ``fn(ctx) -> list[Score]``.

    ``info`` may hold ``higher_is_better`` (default True), ``description`` (one line), ``requires``
    (``"target"``, ``"holdout"``), ``rows`` (the row names when not ``<name>_<suffix>``) and
    ``parallel`` (True: reads the shared encodings, built up front, and maps its columns over threads
    on large tables; default False) and ``shared_ranks`` (True: the rank encodings are built too).
    See :mod:`benchkit.metrics` for ``MetricContext``, ``Score`` and the meaning of each.
    """


@hookspec
def benchkit_register_datasets(register: Callable[..., None]) -> None:
    """Register datasets: ``register(name, loader, **card)``; ``loader(**kwargs)`` returns a ``Dataset``.

    See :mod:`benchkit.datasets` for ``Dataset`` and ``DatasetCard``.
    """


__all__: list[Any] = [
    "hookspec",
    "hookimpl",
    "benchkit_register_generators",
    "benchkit_register_metrics",
    "benchkit_register_datasets",
]
