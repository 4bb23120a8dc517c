"""Metrics turn a (real, synthetic) pair into tidy :class:`Score` rows.

A metric is a function ``fn(ctx: MetricContext) -> list[Score]`` registered by name through the
``benchkit_register_metrics`` hook: ``register(name, fn, family=..., higher_is_better=True,
description=..., requires=(...))``. Names are dotted, family first (``marginal.ks_complement``).
``requires`` lists what the metric needs beyond real and synthetic: ``"target"`` and/or ``"holdout"``;
:func:`benchkit.evaluate` skips a metric whose needs are not met, and says so. A metric whose rows
are not named ``<name>_<suffix>`` lists them (names or ``fnmatch`` patterns) in ``rows=(...)``, so
the report's Methods section finds their description.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import pandas as pd

from ..schema import Schema

FAMILIES = ("marginal", "pairwise", "aggregate", "utility", "detection", "privacy")


@dataclass
class Score:
    """One measured value: a tidy result row.

    ``column`` names the column a per-column metric looked at; pair metrics also set ``column_2``
    (a separate field, so that column names containing any character stay unambiguous).
    """

    metric: str
    value: float
    column: str | None = None
    column_2: str | None = None
    higher_is_better: bool = True
    details: dict[str, Any] = field(default_factory=dict)

    @property
    def family(self) -> str:
        return self.metric.split(".", 1)[0]

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d["family"] = self.family
        v = d["value"]
        d["value"] = None if v is None or (isinstance(v, float) and math.isnan(v)) else float(v)
        return d


@dataclass
class MetricContext:
    """What a metric sees.

    ``real`` and ``synthetic`` hold the schema's columns, coerced to canonical dtypes
    (:meth:`Schema.coerce`). ``holdout`` is real data the generator never saw (None when unknown);
    ``target`` is the column utility metrics predict; ``seed`` drives every random choice.
    ``cache`` lets metrics of one evaluation share expensive encodings.
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
