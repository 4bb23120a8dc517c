"""``benchkit.evaluate``: score a synthetic table against a real one with every registered metric.

The metrics come from the plugin registry (built-in marginal/pairwise ones and any plugin's), so
evaluate is generic: a metric runs when its family was asked for and its ``requires`` are met
(``"target"``: a target column is known; ``"holdout"``: a holdout frame was given). A metric that
raises is recorded in :attr:`EvaluationResult.skipped` with its error; the others still run.

Aggregates, following SDMetrics' QualityReport:

* ``aggregate.column_shapes`` -- mean of the KS/TV complements over the columns (NaN skipped);
* ``aggregate.column_pair_trends`` -- mean of the pair scores (Pearson CorrelationSimilarity for
  numerical/datetime pairs, ContingencySimilarity for the others) over the pairs whose real
  association passes QualityReport's thresholds: |Pearson r| > 0.5, Cramer's V > 0.3 (options
  ``correlation_threshold`` and ``association_threshold``; 0 averages every pair, as
  SDMetrics < 0.20 did); V is Bergsma's bias-corrected one unless
  ``association_correction="none"`` (SDMetrics' plain V);
* ``aggregate.overall`` -- mean of the two (NaN skipped).
"""

from __future__ import annotations

import contextlib
import logging
import math
import time
import traceback
import warnings
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, Iterable, Mapping

import numpy as np
import pandas as pd

from . import jsonsafe, plugins
from .data import align_frames, read_table
from .entities import apply_roles
from .errors import BenchkitError, SchemaError, UnknownNameError
from .metrics import FAMILIES, MetricContext, Score, score_frame
from .metrics._engine import encoding
from .metrics.pairwise import DEFAULT_ASSOCIATION_CORRECTION, DEFAULT_ASSOCIATION_THRESHOLD, DEFAULT_CORRELATION_THRESHOLD
from .schema import DataWarning, Schema

log = logging.getLogger(__name__)

SHAPE_METRICS = ("marginal.ks_complement", "marginal.tv_complement")
TREND_METRICS = ("pairwise.correlation_pearson", "pairwise.contingency")


@dataclass
class Skipped:
    """A metric that produced nothing, and why."""

    metric: str
    reason: str
    error: str | None = None  # the traceback when the metric raised


@dataclass
class Summary:
    """The headline numbers of an evaluation; ``str()`` gives a readable report."""

    scores: dict[str, float]
    notes: dict[str, str]
    worst_columns: pd.DataFrame
    worst_pairs: pd.DataFrame
    skipped: list[Skipped]
    n_real: int
    n_synthetic: int
    entity: pd.DataFrame | None = None  # the entity family's rows (metric, column, value), when it ran

    def __str__(self) -> str:
        lines = [f"benchkit evaluation: {self.n_real:,} real rows vs {self.n_synthetic:,} synthetic rows", ""]
        lines.append("Scores (higher is better unless noted):")
        width = max((len(k) for k in self.scores), default=10)
        for name, value in self.scores.items():
            note = f"  ({self.notes[name]})" if name in self.notes else ""
            lines.append(f"  {name:<{width}}  {_fmt(value)}{note}")
        if len(self.worst_columns):
            lines += ["", "Worst columns (column shape):"]
            for r in self.worst_columns.itertuples(index=False):
                lines.append(f"  {_fmt(r.score)}  {r.column}  ({r.kind}, {r.metric.split('.')[-1]})")
        if len(self.worst_pairs):
            lines += ["", "Worst column pairs (pair trend):"]
            for r in self.worst_pairs.itertuples(index=False):
                lines.append(f"  {_fmt(r.score)}  {r.column} / {r.column_2}  ({r.metric.split('.')[-1]})")
        if self.entity is not None and len(self.entity):
            lines += ["", "Entity scores (histories; higher is better unless noted):"]
            for r in self.entity.itertuples(index=False):
                where = f"  {r.column}" if isinstance(r.column, str) else ""
                note = "" if r.higher_is_better else "  (lower is better)"
                lines.append(f"  {_fmt(r.value)}  {r.metric}{where}{note}")
        if self.skipped:
            lines += ["", "Not run:"]
            for s in self.skipped:
                lines.append(f"  {s.metric}: {s.reason}")
        return "\n".join(lines)


def _fmt(v: float) -> str:
    return "   n/a" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v:6.4f}"


@dataclass
class EvaluationResult:
    """The typed Score rows (one per value), what was skipped, and views derived from them.

    ``rows`` is the data: the :class:`~benchkit.metrics.Score` rows every metric returned, stamped
    with their registration's family and direction, then the aggregates. ``scores`` is the same
    rows as a tidy DataFrame (:func:`~benchkit.metrics.score_frame`, built once when first read);
    the tables, the summary and :meth:`to_file` are derived from it.
    """

    rows: list[Score]
    skipped: list[Skipped]
    schema: Schema
    n_real: int
    n_synthetic: int
    timings: dict[str, float] = field(default_factory=dict)  # wall seconds per metric (overlapping when side by side), "encodings", "references..."
    references: dict[str, pd.DataFrame] = field(default_factory=dict)  # "holdout", "independent": tidy scores
    notes: list[str] = field(default_factory=list)

    @cached_property
    def scores(self) -> pd.DataFrame:
        """The rows as a tidy frame: ``metric, family, column, column_2, value, higher_is_better, details``."""
        return score_frame(self.rows)

    def to_frame(self) -> pd.DataFrame:
        """A copy of :attr:`scores`, for callers that change it."""
        return self.scores.copy()

    def score(self, metric: str, column: str | None = None, column_2: str | None = None) -> float:
        """The value of one row (``aggregate.overall``, or a metric for a column/pair); NaN if absent."""
        df = self.scores[self.scores["metric"] == metric]
        if column is not None:
            df = df[df["column"] == column]
        if column_2 is not None:
            df = df[df["column_2"] == column_2]
        if len(df) == 0:
            return math.nan
        if len(df) > 1:
            raise BenchkitError(f"metric {metric!r} has {len(df)} rows; name the column (and column_2)")
        v = df["value"].iloc[0]
        return math.nan if v is None else float(v)

    def column_table(self) -> pd.DataFrame:
        """One row per scored column: its kind, shape score and every per-column metric as a column."""
        per = self.scores[self.scores["column"].notna() & self.scores["column_2"].isna()]
        wide = per.pivot_table(index="column", columns="metric", values="value", aggfunc="first", dropna=False)
        wide.columns = [c.split(".", 1)[1] if c.startswith("marginal.") else c for c in wide.columns]
        cols = [c for c in self.schema.scored_columns]
        wide = wide.reindex(cols)
        shape = pd.Series(np.nan, index=cols)
        for name in ("ks_complement", "tv_complement"):
            if name in wide:
                shape = shape.fillna(wide[name])
        wide.insert(0, "shape", shape)
        wide.insert(0, "kind", [self.schema[c].kind for c in cols])
        wide.index.name = "column"
        return wide.reset_index().sort_values("shape", kind="stable", na_position="last").reset_index(drop=True)

    def pair_table(self) -> pd.DataFrame:
        """One row per column pair: the trend score (Pearson or contingency) and its statistics."""
        pairs = self.scores[self.scores["column_2"].notna()]
        if len(pairs) == 0:
            return pd.DataFrame(columns=["column", "column_2", "metric", "score", "real", "synthetic",
                                         "real_association", "meets_threshold", "spearman"])
        trend = pairs[pairs["metric"].isin(TREND_METRICS)]
        rows = []
        for r in trend.itertuples(index=False):
            d = r.details or {}
            rows.append({"column": r.column, "column_2": r.column_2, "metric": r.metric, "score": r.value,
                         "real": d.get("real"), "synthetic": d.get("synthetic"),
                         "real_association": d.get("real_association"), "meets_threshold": d.get("meets_threshold")})
        table = pd.DataFrame(rows, columns=["column", "column_2", "metric", "score", "real", "synthetic",
                                            "real_association", "meets_threshold"])
        spear = pairs[pairs["metric"] == "pairwise.correlation_spearman"][["column", "column_2", "value"]]
        table = table.merge(spear.rename(columns={"value": "spearman"}), on=["column", "column_2"], how="left")
        return table.sort_values("score", kind="stable", na_position="last").reset_index(drop=True)

    @property
    def summary(self) -> Summary:
        """Aggregate scores, the five worst columns and pairs, and the skipped metrics."""
        s = self.scores
        # table-level values, plus utility rows (their `column` names the target, not a column score)
        entity = s[s["family"] == "entity"]
        s = s[s["family"] != "entity"]  # shown in a section of their own
        agg = s[(s["column"].isna() & s["column_2"].isna()) | (s["family"] == "utility")]
        headline = {r.metric: (math.nan if r.value is None else float(r.value)) for r in agg.itertuples(index=False)}
        order = sorted(headline, key=lambda m: (not m.startswith("aggregate."), m))
        headline = {k: headline[k] for k in order}
        notes = {}
        for r in agg.itertuples(index=False):
            d = r.details or {}
            if not r.higher_is_better:
                notes[r.metric] = "lower is better"
            if r.family == "utility" and r.column:
                notes[r.metric] = f"target {r.column!r}" + (f", {d['model']}" if d.get("model") else "")
            if r.metric == "aggregate.column_pair_trends":
                notes[r.metric] = (f"{d.get('n_counted')} of {d.get('n_pairs')} pairs pass the real-association "
                                   f"thresholds; mean over all pairs {_fmt(d.get('mean_all_pairs')).strip()}")
        cols = self.column_table()
        worst_cols = cols.dropna(subset=["shape"]).head(5)
        worst_cols = pd.DataFrame({
            "column": worst_cols["column"], "kind": worst_cols["kind"], "score": worst_cols["shape"],
            "metric": ["marginal.ks_complement" if k in ("numerical", "datetime") else "marginal.tv_complement"
                       for k in worst_cols["kind"]],
        })
        pairs = self.pair_table().dropna(subset=["score"]).head(5)
        return Summary(headline, notes, worst_cols.reset_index(drop=True), pairs.reset_index(drop=True),
                       list(self.skipped), self.n_real, self.n_synthetic,
                       entity[["metric", "column", "value", "higher_is_better"]].reset_index(drop=True) if len(entity) else None)

    def __str__(self) -> str:
        return str(self.summary)

    def to_file(self, path: str | Path) -> Path:
        """Write the tidy scores as strict JSON (records, with ``skipped``) or CSV (details as JSON text).

        Non-finite numbers (a NaN or infinite value or detail) are written as ``null``: see
        :mod:`benchkit.jsonsafe`.
        """
        path = Path(path)
        if path.suffix.lower() == ".json":
            doc = {"n_real": self.n_real, "n_synthetic": self.n_synthetic,
                   "scores": [s.to_dict() for s in self.rows], "skipped": [vars(s) for s in self.skipped]}
            path.write_text(jsonsafe.dumps(doc, indent=1) + "\n", encoding="utf-8")
        elif path.suffix.lower() == ".csv":
            df = self.scores.copy()
            df["details"] = [jsonsafe.dumps(d) for d in df["details"]]
            df.to_csv(path, index=False)
        else:
            raise BenchkitError(f"cannot write results to {path}: use a .json or .csv file name")
        return path


# ------------------------------------------------------------------------------------ evaluate
def _load(obj: Any, what: str) -> pd.DataFrame | None:
    if obj is None or isinstance(obj, pd.DataFrame):
        return obj
    if isinstance(obj, (str, Path)):
        return read_table(obj)
    raise BenchkitError(f"the {what} must be a pandas DataFrame or a path to a CSV/Parquet file, not {type(obj).__name__}")


def _select(
    registered: Mapping[str, plugins.Registration],
    families: Iterable[str] | None,
    metrics: Iterable[str] | None,
) -> list[plugins.Registration]:
    if metrics is not None:
        chosen = []
        for name in metrics:
            if name not in registered:
                plugins.get_metric(name)  # raises UnknownNameError with close matches
            chosen.append(registered[name])
        return chosen
    regs = list(registered.values())
    if families is None:
        return regs
    families = list(families)
    known = set(FAMILIES) | {metric_family(r) for r in regs}
    bad = [f for f in families if f not in known]
    if bad:
        raise UnknownNameError(f"unknown metric family {bad}; families are: {', '.join(sorted(known))}")
    return [r for r in regs if metric_family(r) in families]


def metric_family(reg: plugins.Registration) -> str:
    """The family a metric registered (``family=``); a registration without one belongs to its name's prefix."""
    return str(reg.info.get("family") or reg.name.split(".", 1)[0])


def metric_direction(reg: plugins.Registration) -> bool:
    """The direction a metric registered (``higher_is_better=``, default True)."""
    return bool(reg.info.get("higher_is_better", True))


def metric_parallel(reg: plugins.Registration) -> bool:
    """Whether a metric opted in to the shared encodings and threads (``register(..., parallel=True)``):
    evaluate builds the shared column encodings before it runs (``shared_ranks=True`` adds the rank
    encodings), and on a large table its :func:`~benchkit.metrics._engine.encoding.thread_map` calls
    spread its columns or pairs over threads. Any value other than True/False is logged and ignored."""
    value = reg.info.get("parallel", False)
    if value is True:
        return True
    if value not in (False, None):
        log.warning("metric %s (%s) registered parallel=%r; expected True or False: it runs on one thread",
                    reg.name, reg.source, value)
    return False


def evaluate(
    real: pd.DataFrame | str | Path,
    synthetic: pd.DataFrame | str | Path,
    schema: Schema | str | Path | None = None,
    *,
    target: str | None = None,
    holdout: pd.DataFrame | str | Path | None = None,
    families: Iterable[str] | None = None,
    metrics: Iterable[str] | None = None,
    seed: int = 0,
    options: Mapping[str, Any] | None = None,
    references: bool | Iterable[str] = ("marginal", "pairwise", "aggregate", "utility"),
    entity: str | None = "auto",
    order: str | None = None,
    _shared: dict | None = None,
    _side_by_side: bool = True,
) -> EvaluationResult:
    """Score ``synthetic`` against ``real`` with every registered metric whose needs are met.

    ``schema`` defaults to one inferred from ``real`` (a path loads a schema JSON). ``families``
    (e.g. ``["marginal", "pairwise"]``) or ``metrics`` (names) limit what runs. ``options`` go to the
    metrics through ``ctx.options`` (e.g. ``pair_binning``, ``correlation_threshold``). With a
    holdout, ``references`` also scores the real holdout's own level and an independent-columns
    baseline (:mod:`benchkit.verdict.references`) into ``result.references``: by default with the
    families the verdict compares (marginal, pairwise, aggregate, utility: about +50% time on Adult),
    with every metric the synthetic table ran (True: about 3x the time), none (False), or the families
    named.

    On a large table (:data:`PARALLEL_MIN_ROWS`) the metrics and the references run side by side on
    one thread per core (:func:`~benchkit.metrics._engine.encoding.worker_threads`): the same
    values, in the same order, as one after another.

    ``entity``/``order`` name the entity key and order columns (:mod:`benchkit.entities`): then the
    ``entity`` family runs and every split is by entity. ``"auto"`` (the default) keeps the roles of
    a given schema, or, for an inferred schema, infers them when the table leaves no doubt
    (:func:`~benchkit.entities.infer_roles`, said in ``result.notes``); None or ``"none"`` scores
    independent rows.
    """
    real_df = _load(real, "real table")
    syn_df = _load(synthetic, "synthetic table")
    hold_df = _load(holdout, "holdout table")
    if real_df is None or syn_df is None:
        raise BenchkitError("evaluate needs both a real and a synthetic table")
    if isinstance(schema, (str, Path)):
        schema = Schema.from_json(schema)
    with _data_warnings() as data_notes:  # dates in another format, infinite values: shown as notes too
        if schema is None:
            if len(real_df) == 0 or real_df.shape[1] == 0:
                align_frames(real_df, syn_df, Schema({}))  # raises the clear "empty" error
            schema = Schema.infer(real_df, target=target if target in real_df.columns else None)
            inferred = True
        else:
            inferred = False
        schema, role_notes = apply_roles(schema, real_df, entity, order, inferred=inferred, target=target)
        target = target if target is not None else schema.target
        if target is not None and target not in schema.scored_columns:
            raise SchemaError(f"target column {target!r} is not a scored column of the schema; columns are: {schema.scored_columns}")
        real_c, syn_c, hold_c = align_frames(real_df, syn_df, schema, hold_df)
    ctx = MetricContext(real_c, syn_c, schema, holdout=hold_c, target=target, seed=seed, options=dict(options or {}),
                        shared=_shared if _shared is not None else {})  # content-keyed: the references reuse it

    chosen = _select(plugins.list_metrics(), families, metrics)
    if schema.entity is None and families is None and metrics is None:
        # a table without entity roles: the entity family is not for it (nothing to run, nothing to say)
        chosen = [r for r in chosen if "entity" not in tuple(r.info.get("requires", ()) or ())]
    rank = {f: i for i, f in enumerate(FAMILIES)}
    chosen.sort(key=lambda r: rank.get(metric_family(r), len(rank)))
    rows: list[Score] = []
    skipped: list[Skipped] = []
    timings: dict[str, float] = {}
    outcomes: dict[str, tuple[list[Score], Skipped | None]] = {}
    runnable = []
    for reg in chosen:
        needs = tuple(reg.info.get("requires", ()) or ())
        unmet = [n for n in needs if (n == "target" and target is None) or (n == "holdout" and hold_c is None)
                 or (n == "entity" and schema.entity is None)]
        unknown = [n for n in needs if n not in ("target", "holdout", "entity")]
        if unmet or unknown:
            others = [n for n in unmet if n != "entity"]
            reason = f"needs {' and '.join(others)} (pass {', '.join(others)}=...)" if others else ""
            if "entity" in unmet:
                reason = "needs an entity key (pass entity=... / --entity COL)" + (f"; {reason}" if reason else "")
            if unknown:
                reason += ("; " if reason else "") + f"needs {unknown}, which evaluate cannot provide"
            outcomes[reg.name] = ([], Skipped(reg.name, reason))
        else:
            runnable.append(reg)
    # the metrics that opted in (register(..., parallel=True)) read the shared encodings, built once
    # up front (on threads on a large table); they then map their columns and pairs over threads
    parallel = {r.name for r in runnable if metric_parallel(r)}
    # threads pay off on large tables only; on small ones their start-up and per-thread malloc
    # arenas cost more time and memory than the work they share
    threaded = len(real_c) + len(syn_c) >= PARALLEL_MIN_ROWS and encoding.worker_threads() > 1
    with_refs = hold_c is not None and references is not False
    steps = len(chosen) + bool(parallel) + with_refs
    progress = _progress(steps, ctx.options, len(real_c) + len(syn_c))
    for reg in chosen:
        if reg.name in outcomes:
            progress.step(reg.name, done=True)
    if parallel:
        start = time.perf_counter()
        progress.step("shared encodings")
        try:
            encoding.prepare(ctx, with_ranks=any(r.info.get("shared_ranks") for r in runnable if r.name in parallel),
                             threads=None if threaded else 1)
        except Exception:  # the metrics build what they need again and report their own errors
            log.debug("preparing shared encodings failed", exc_info=True)
        timings["encodings"] = time.perf_counter() - start
        progress.update()
    # the metrics that map their own columns and pairs over threads run one after another; on a
    # large table the others (one thread each: LightGBM fits, neighbour searches, densities) then run
    # side by side with the two references, so the evaluation keeps every core of its budget busy
    inline = [r for r in runnable if threaded and r.name in parallel]
    pooled = [r for r in runnable if r not in inline]
    for reg in inline:
        progress.step(reg.name)
        outcomes[reg.name] = _run_metric(reg, ctx, timings)
        progress.update()

    from .verdict.references import REFERENCES, references_for  # noqa: PLC0415 - verdict builds on evaluate

    def score_references(names: tuple[str, ...]) -> tuple[dict[str, pd.DataFrame], list[str]]:
        start = time.perf_counter()
        try:
            return references_for(evaluate, references, real_c, hold_c, schema, len(syn_c), seed=seed, target=target,
                                  families=families, metrics=metrics, options=options, references=False,
                                  names=names, _shared=ctx.shared, _side_by_side=False)
        finally:
            timings["references" if len(names) != 1 else f"references: {names[0]}"] = time.perf_counter() - start

    ref_names = REFERENCES if with_refs else ()
    if threaded and _side_by_side and len(pooled) + len(ref_names) > 1:
        refs, notes = _side_by_side_run(pooled, ref_names, ctx, timings, outcomes, progress, score_references)
    else:
        for reg in pooled:
            progress.step(reg.name)
            outcomes[reg.name] = _run_metric(reg, ctx, timings, serial=True)
            progress.update()
        if with_refs:
            progress.step("references: the holdout and an independent baseline")
        refs, notes = score_references(REFERENCES)
        progress.update(with_refs)
    for reg in chosen:
        produced, skip = outcomes[reg.name]
        rows.extend(produced)
        if skip is not None:
            skipped.append(skip)
    if schema.entity is not None and hold_c is not None:  # clustered rows: the gate's sample size is in entities
        n_entities = {"n_train_entities": int(real_c[schema.entity].nunique()),
                      "n_holdout_entities": int(hold_c[schema.entity].nunique())}
        for s in rows:
            if s.family == "privacy":
                s.details.update(n_entities)
    rows.extend(_aggregates(rows, ctx.options))
    progress.close()
    return EvaluationResult(rows, skipped, schema, len(real_c), len(syn_c), timings, refs, data_notes + role_notes + notes)


@contextlib.contextmanager
def _data_warnings():
    """Collect the messages of the :class:`~benchkit.schema.DataWarning` s raised inside (values read
    other than as written) into the yielded list, and let every warning through as usual."""
    notes: list[str] = []
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        yield notes
    for w in caught:
        if issubclass(w.category, DataWarning):
            notes.append(str(w.message))
        warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)


PARALLEL_MIN_ROWS = 100_000
"""Real + synthetic rows from which the metrics registered ``parallel=True`` map their columns and pairs over threads."""


def _run_metric(reg: Any, ctx: MetricContext, timings: dict[str, float], serial: bool = False) -> tuple[list[Score], Skipped | None]:
    """Run one metric; a metric that raises or returns something else becomes a :class:`Skipped`."""
    start = time.perf_counter()
    try:
        with encoding.serial_threads(serial):
            produced = list(reg.obj(ctx) or [])
        bad = [s for s in produced if not isinstance(s, Score)]
        if bad:
            raise TypeError(f"returned {type(bad[0]).__name__} objects; a metric returns a list of Score")
    except Exception as exc:  # a failing metric never takes the evaluation down
        tb = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
        log.warning("metric %s (%s) failed: %s: %s", reg.name, reg.source, type(exc).__name__, exc)
        return [], Skipped(reg.name, f"raised {type(exc).__name__}: {exc}", tb)
    finally:
        timings[reg.name] = time.perf_counter() - start
    if not produced:
        return [], Skipped(reg.name, "no applicable columns in this table")
    family, higher = metric_family(reg), metric_direction(reg)
    return [s.stamped(family, higher) for s in produced], None


def _side_by_side_run(pooled: list, ref_names: tuple[str, ...], ctx: MetricContext, timings: dict[str, float],
                      outcomes: dict, progress: "_NoProgress", score_references: Any) -> tuple[dict, list[str]]:
    """Run ``pooled`` metrics and each reference as tasks of one pool of :func:`encoding.worker_threads`
    threads. The references (each a whole evaluation) go first, then the metrics from the last
    family to the first (privacy and detection are the long ones), so the longest tasks start
    early. Each task runs on one thread, numpy's BLAS included (its limit is process-wide, so it
    is set once around the pool); the memo's per-key locks let tasks share what they build."""
    from concurrent.futures import ThreadPoolExecutor, as_completed  # noqa: PLC0415

    from threadpoolctl import threadpool_limits  # noqa: PLC0415

    rank = {f: i for i, f in enumerate(FAMILIES)}
    order = sorted(pooled, key=lambda r: -rank.get(metric_family(r), len(rank)))
    refs: dict[str, pd.DataFrame] = {}
    notes: list[str] = []
    pool = ThreadPoolExecutor(max_workers=encoding.worker_threads(), thread_name_prefix="benchkit-evaluate")
    with threadpool_limits(limits=1, user_api="blas"), pool:
        futures = {pool.submit(score_references, (name,)): f"references: {name}" for name in ref_names}
        futures.update({pool.submit(_run_metric, reg, ctx, timings, True): reg for reg in order})
        for fut in as_completed(futures):
            task = futures[fut]
            if isinstance(task, str):
                found, said = fut.result()  # never raises: a failing reference is a note
                refs.update(found)
                notes.extend(said)
                progress.step(task, done=True)
            else:
                outcomes[task.name] = fut.result()  # never raises: a failing metric is a Skipped
                progress.step(task.name, done=True)
    if not ref_names:
        refs, notes = score_references(())
    return {n: refs[n] for n in ref_names if n in refs}, notes


PROGRESS_MIN_ROWS = 100_000
"""Real + synthetic rows from which ``options={"progress": True}`` shows a bar (smaller tables take a second)."""


class _NoProgress:
    def step(self, label: str, done: bool = False) -> None: ...
    def update(self, n: int = 1) -> None: ...
    def close(self) -> None: ...


class _Progress(_NoProgress):
    """One bar over the whole evaluation, a step per metric, labelled with the step running."""

    def __init__(self, total: int, file: Any = None):
        from tqdm.auto import tqdm  # a widget in notebooks, text on a terminal

        # mininterval 0: a step can take seconds, so each one is shown when it starts
        self.bar = tqdm(total=total, desc="evaluate", unit="step", leave=False, mininterval=0, file=file)

    def step(self, label: str, done: bool = False) -> None:
        self.bar.set_postfix_str(label, refresh=not done)
        if done:
            self.update()

    def update(self, n: int = 1) -> None:
        self.bar.update(n)

    def close(self) -> None:
        self.bar.close()


def _progress(total: int, options: Mapping[str, Any], rows: int) -> _NoProgress:
    """The evaluation's bar: shown when ``options["progress"]`` is true and the tables hold at least
    :data:`PROGRESS_MIN_ROWS` rows together, on ``options["progress_file"]`` (default stderr)."""
    if not options.get("progress", False) or rows < PROGRESS_MIN_ROWS:
        return _NoProgress()
    return _Progress(total, options.get("progress_file"))


def _nanmean(values: list[float]) -> float:
    vals = [v for v in values if v is not None and not math.isnan(v)]
    return float(np.mean(vals)) if vals else math.nan


def _aggregates(rows: list[Score], options: Mapping[str, Any]) -> list[Score]:
    """Column Shapes, Column Pair Trends and the overall score, as SDMetrics' QualityReport averages them."""
    out = []
    shapes = [s.value for s in rows if s.metric in SHAPE_METRICS]
    has_shapes = any(s.metric in SHAPE_METRICS for s in rows)
    if has_shapes:
        value = _nanmean(shapes)
        out.append(Score("aggregate.column_shapes", value, higher_is_better=True, family="aggregate", details={
            "n_columns": len(shapes), "n_scored": sum(1 for v in shapes if not math.isnan(v))}))
    trends = [s for s in rows if s.metric in TREND_METRICS]
    if trends:
        corr_t = float(options.get("correlation_threshold", DEFAULT_CORRELATION_THRESHOLD))
        assoc_t = float(options.get("association_threshold", DEFAULT_ASSOCIATION_THRESHOLD))
        counted = [s.value for s in trends if s.details.get("meets_threshold", True)]
        value = _nanmean(counted)
        out.append(Score("aggregate.column_pair_trends", value, higher_is_better=True, family="aggregate", details={
            "n_pairs": len(trends), "n_counted": len(counted),
            "correlation_threshold": corr_t, "association_threshold": assoc_t,
            "association_correction": str(options.get("association_correction", DEFAULT_ASSOCIATION_CORRECTION)),
            "mean_all_pairs": _nanmean([s.value for s in trends]),
            **({"reason": "no pair's real association passes the thresholds"} if not counted else {}),
        }))
    parts = [s.value for s in out]
    if parts:
        out.append(Score("aggregate.overall", _nanmean(parts), higher_is_better=True, family="aggregate",
                         details={"of": [s.metric for s in out]}))
    return out
