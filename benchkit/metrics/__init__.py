"""Metrics turn a (real, synthetic) pair into tidy :class:`Score` rows.

A metric is a function ``fn(ctx: MetricContext) -> list[Score]`` registered by name through the
``benchkit_register_metrics`` hook: ``register(name, fn, family=..., higher_is_better=True,
description=..., requires=(...), rows=(...), parallel=False)``. Names are dotted, family first
(``marginal.ks_complement``).
``requires`` lists what the metric needs beyond real and synthetic: ``"target"`` and/or ``"holdout"``;
:func:`benchkit.evaluate` skips a metric whose needs are not met, and says so.

**The metric contract: the registration is the one source of truth.** :func:`benchkit.evaluate`
*stamps* every row a metric returns with the ``family`` the metric registered (rows may be named as
the metric likes: ``utility.tstr`` writes ``utility.tstr_roc_auc`` and ``utility.ratio_roc_auc``;
the family never comes from the name's prefix) and, unless the metric set ``higher_is_better`` on
the row itself, with the registered ``higher_is_better``. A metric whose rows differ in direction
(an AUC where lower is better beside a score where higher is) sets it per row; every other metric
leaves it unset and inherits the registration. Any family name is allowed; :data:`FAMILIES` lists
the built-in ones in the order reports show them. A metric whose rows are not named
``<name>_<suffix>`` lists them (names or ``fnmatch`` patterns) in ``rows=(...)``, so the report's
Methods section finds their description.

**Parallel metrics opt in at registration.** ``parallel=True`` says the metric only reads ``ctx``
(the shared encodings of :mod:`benchkit.metrics._engine.encoding` and values kept with
:func:`~benchkit.metrics._engine.ctx.memo`, never writing ``ctx.cache`` directly) and may run in
:func:`benchkit.evaluate`'s shared thread pool beside the other opted-in metrics on a large table
(``evaluation.PARALLEL_MIN_ROWS``); its columns or pairs join that pool's queue when it maps over
them with ``thread_map``. ``parallel="one_piece"`` is the same for a metric whose work is one pass
that cannot be split (it is queued first). When any runnable metric opted in, evaluate builds the
shared encodings up front, with the rank encodings too if one of them registered
``shared_ranks=True``. A metric without the option runs alone, after the pool. The built-in marginal
and pairwise metrics opt in; a plugin's metric may do the same.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..schema import Schema

FAMILIES = ("marginal", "pairwise", "aggregate", "utility", "detection", "privacy")
"""The built-in families, in report order; plugins may register metrics in families of their own."""


@dataclass
class Score:
    """One measured value: a tidy result row.

    ``column`` names the column a per-column metric looked at; pair metrics also set ``column_2``
    (a separate field, so that column names containing any character stay unambiguous).
    ``higher_is_better`` and ``family`` are normally left unset by the metric: :func:`benchkit.evaluate`
    fills them in from the metric's registration (see the module docstring).
    """

    metric: str
    value: float
    column: str | None = None
    column_2: str | None = None
    higher_is_better: bool | None = None
    details: dict[str, Any] = field(default_factory=dict)
    family: str | None = None

    def stamped(self, family: str, higher_is_better: bool) -> "Score":
        """This row with the registration's family, and its direction unless the row set its own."""
        self.family = family
        if self.higher_is_better is None:
            self.higher_is_better = bool(higher_is_better)
        return self

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        if d["family"] is None:  # a row built outside evaluate (tests, old callers): its name's prefix
            d["family"] = self.metric.split(".", 1)[0]
        if d["higher_is_better"] is None:
            d["higher_is_better"] = True
        v = d["value"]
        d["value"] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        return d


@dataclass
class MetricContext:
    """What a metric sees.

    ``real`` and ``synthetic`` hold the schema's columns, coerced to canonical dtypes
    (:meth:`Schema.coerce`). ``holdout`` is real data the generator never saw (None when unknown);
    ``target`` is the column utility metrics predict; ``seed`` drives every random choice.
    ``cache`` lets metrics of one evaluation share expensive encodings: read and write it only
    through :func:`benchkit.metrics._engine.ctx.memo` (keys owned by the building module, each key
    built once even when metrics run side by side in threads).
    """

    real: pd.DataFrame
    synthetic: pd.DataFrame
    schema: Schema
    holdout: pd.DataFrame | None = None
    target: str | None = None
    seed: int = 0
    options: dict[str, Any] = field(default_factory=dict)
    cache: dict[str, Any] = field(default_factory=dict)


__all__ = ["Score", "MetricContext", "FAMILIES"]
