"""Reference levels for a single evaluation: what real data and a trivial baseline score.

One synthetic file's scores mean little alone. With a holdout, :func:`benchkit.evaluate` also
scores two references with the same metrics, the same seed and the same options:

* ``holdout``: the real holdout's own level, computed as the benchmark runner's reference job does
  (:func:`benchkit.bench.job._reference_sample`): half the holdout plays "synthetic", the other half is the
  holdout, and the real training rows stay the real table;
* ``independent``: each column sampled on its own from the real training rows (the ``independent``
  baseline plugin, seeded by ``seed``), as many rows as the synthetic table: the floor a useful
  generator must beat.

:func:`placement` then says where the synthetic value lies between the two.
"""

from __future__ import annotations

import logging
import math
from typing import Any, Callable, Iterable

import numpy as np
import pandas as pd

from ..schema import Schema

log = logging.getLogger(__name__)

REFERENCES = ("independent", "holdout")
"""The reference keys of :attr:`EvaluationResult.references`, weakest first."""
TITLES = {"synthetic": "synthetic", "independent": "independent baseline", "holdout": "real holdout"}


def independent_sample(real: pd.DataFrame, schema: Schema, n: int, seed: int) -> pd.DataFrame:
    """``n`` rows, each column drawn on its own from ``real`` by the ``independent`` baseline plugin.

    Without the plugin (a trimmed install) each column is resampled with replacement instead.
    """
    from .. import plugins
    from ..errors import UnknownNameError

    try:
        gen = plugins.get_generator("independent").obj(seed=seed)
    except UnknownNameError:
        rng = np.random.default_rng(seed)
        return pd.DataFrame({c: real[c].to_numpy()[rng.integers(0, len(real), n)] for c in real.columns})
    gen.fit(real.copy(), schema)
    return gen.sample(n)


HEADLINE_FAMILIES = ("marginal", "pairwise", "aggregate", "utility")
"""The families the verdict compares (``references=HEADLINE_FAMILIES`` scores only these: faster)."""


def references_for(score: Callable[..., Any], enabled: bool | Iterable[str], real: pd.DataFrame,
                   holdout: pd.DataFrame | None, schema: Schema, n_synthetic: int, *, seed: int, options: Any = None,
                   families: Iterable[str] | None = None, metrics: Iterable[str] | None = None,
                   names: Iterable[str] = REFERENCES, **kwargs: Any) -> tuple[dict[str, pd.DataFrame], list[str]]:
    """The references :func:`benchkit.evaluate` attaches to its result, and a note when there are none.

    ``enabled`` is True (the synthetic table's own metrics), False, or family names that limit them;
    ``names`` the references to score (evaluate scores each on a thread of its own on large tables).
    """
    if enabled is False:
        return {}, ["references were turned off (references=False)"]
    if holdout is None:
        return {}, ["no holdout was given: the real holdout and independent-baseline references were not computed"]
    if enabled is not True:
        families, metrics = _limit(list(enabled), families, metrics)
    options = {**dict(options or {}), "progress": False}
    kwargs.update(families=families, metrics=metrics)
    names = [n for n in REFERENCES if n in set(names)]
    refs = compute_references(score, real, holdout, schema, n_synthetic, seed=seed, options=options, names=names,
                              **kwargs)
    missing = [n for n in names if n not in refs]
    return refs, [f"the {n} reference could not be scored (see the log)" for n in missing]


def _limit(keep: list[str], families: Iterable[str] | None,
           metrics: Iterable[str] | None) -> tuple[list[str] | None, list[str] | None]:
    """The caller's families or metrics, limited to the families in ``keep``."""
    from .. import plugins

    if metrics is not None:
        regs = plugins.list_metrics()
        return None, [m for m in metrics if m in regs and regs[m].info.get("family", m.split(".")[0]) in keep]
    return [f for f in (keep if families is None else families) if f in keep], None


def compute_references(score: Callable[..., Any], real: pd.DataFrame, holdout: pd.DataFrame, schema: Schema,
                       n_synthetic: int, *, seed: int, names: Iterable[str] = REFERENCES,
                       **kwargs: Any) -> dict[str, pd.DataFrame]:
    """Tidy score frames of the ``independent`` and ``holdout`` references.

    ``score(real, synthetic, schema, holdout=..., seed=..., **kwargs)`` is the evaluation itself
    (:func:`benchkit.evaluate` with references off), so the references get exactly the synthetic
    table's metrics; a reference that fails is logged and left out, never failing the evaluation.
    """
    from ..bench.job import _reference_sample

    refs: dict[str, pd.DataFrame] = {}
    makers = {
        "independent": lambda: (independent_sample(real, schema, n_synthetic, seed), holdout),
        "holdout": lambda: _reference_sample(_Prepared(holdout, schema), seed),
    }
    for name in names:
        try:
            synthetic, hold = makers[name]()
            refs[name] = score(real, synthetic, schema, holdout=hold, seed=seed, **kwargs).scores
        except Exception as exc:  # the synthetic table's own scores still stand
            log.warning("evaluate: the %s reference could not be scored: %s: %s", name, type(exc).__name__, exc)
    return refs


class _Prepared:
    """The attributes of a PreparedDataset that the runner's reference sample reads."""

    def __init__(self, holdout: pd.DataFrame, schema: Schema | None = None):
        self.holdout = holdout
        self.schema = schema


def value(scores: pd.DataFrame | None, metric: str) -> float:
    """A table-level value of a tidy score frame (mean over columns for a per-column metric); NaN if absent."""
    if scores is None or scores.empty:
        return math.nan
    v = pd.to_numeric(scores.loc[scores["metric"] == metric, "value"], errors="coerce").dropna()
    return float(v.mean()) if len(v) else math.nan


def placement(synthetic: float, independent: float, holdout: float, higher_is_better: bool = True) -> str:
    """Where ``synthetic`` lies relative to the independent baseline and the real holdout, in words."""
    if any(math.isnan(x) for x in (synthetic, independent, holdout)):
        return "cannot be placed (a reference was not measured)"
    sign = 1 if higher_is_better else -1
    s, i, h = sign * synthetic, sign * independent, sign * holdout
    if s >= h:
        return "at or above the real holdout's level"
    if s > i:
        return "between the independent baseline and the real holdout's level"
    return "at or below the independent baseline"
