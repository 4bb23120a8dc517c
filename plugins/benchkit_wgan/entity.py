"""Entity mode of ``wgan``: whole histories (accounts and their transactions), learnt in two models.

Used when ``fit`` receives a schema with entity roles (``schema.roles``: a key, an optional order column,
rules, a label; the generator declares ``entity_support``). Design (docs/wgan.md, "Entity mode"):

1. **Profile model**: one row per real entity, learnt by a row-mode ``WGANGenerator``: its number of rows,
   its first order value (the start date), the columns constant within every real entity (the label,
   columns a ``constant`` rule names, and any column that never changes within an entity: Berka's district
   and account columns), for each ``running_balance`` rule the opening balance (the balance before the
   first row), and a summary of the rows (the entity's mean gap, the mean normal score of each numerical
   row column, the share of each frequent category of each categorical row column). The label is the
   profile model's target, so profiles are conditioned on the class.
2. **Row model**: a row-mode ``WGANGenerator`` on the columns that vary within an entity plus a learnt
   ``gap`` column (order units since the entity's previous row; 0 on its first), whose generator and critic
   also see a *context* per row: the standardised profile of its entity and its position in the history
   (relative position and log position). It learns p(row | entity profile, position).
3. **Sampling**: profiles are drawn until they hold ``n`` rows (the last entity cut); each entity's rows
   are generated given its context; the order column is the start plus the cumulated gaps; each
   ``running_balance`` rule's balance column is *derived*, never generated: the opening balance plus the
   cumulated signed amounts (in units of the rule's tolerance, so the rule holds exactly); constant
   columns repeat their entity's profile value; every entity gets a fresh id.

Everything is vectorised over rows and entities (``repeat``, ``cumsum``, ``bincount``); the only loop is
over profile batches until enough rows are drawn (one batch nearly always suffices).
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy.special import ndtri

from benchkit.entities import EntityRoles, RunningBalance, histories, order_as_float
from benchkit.errors import DataError
from benchkit.generator import check_training_data, first_fresh_id, fresh_ids
from benchkit.schema import ColumnSpec, Schema

from .state import index_from_state, index_to_state

ROWS = "__wgan_rows"
GAP = "__wgan_gap"
_MAX_SHARES = 6  # frequent categories per categorical row column summarised in the profile
_MAX_ONEHOT = 20  # categories of a constant column one-hot encoded in the context
_PROFILE_TIME_SHARE = 0.3  # of max_seconds, for the profile model
_PROFILE_MAX_EPOCH_FACTOR = 50


def _open(rule: RunningBalance) -> str:
    return f"__wgan_open_{rule.balance}"


def _signed(frame: pd.DataFrame, rule: RunningBalance) -> np.ndarray:
    amt = frame[rule.amount].to_numpy(dtype=float, na_value=np.nan)
    if rule.sign:
        neg = frame[rule.sign["column"]].isin(list(rule.sign.get("negative", []))).to_numpy()
        amt = np.where(neg, -amt, amt)
    return amt


def _group_cumsum(x: np.ndarray, sizes: np.ndarray) -> np.ndarray:
    """Cumulative sums restarting at each entity (rows grouped by entity, ``sizes`` rows each)."""
    cs = np.cumsum(x)
    ends = np.cumsum(sizes)
    before = np.r_[0, cs[ends[:-1] - 1]] if len(sizes) else np.zeros(0)
    return cs - np.repeat(before, sizes)


def _group_mean(x: np.ndarray, codes: np.ndarray, n: int) -> np.ndarray:
    ok = np.isfinite(x)
    s = np.bincount(codes[ok], weights=x[ok], minlength=n)
    c = np.bincount(codes[ok], minlength=n)
    return np.where(c > 0, s / np.maximum(c, 1), 0.0)


def _normal_scores(x: np.ndarray) -> np.ndarray:
    """Rank-based normal scores of the finite values (NaN stays NaN)."""
    out = np.full(len(x), np.nan)
    ok = np.isfinite(x)
    if ok.sum():
        r = pd.Series(x[ok]).rank(method="average").to_numpy()
        out[ok] = ndtri((r - 0.5) / ok.sum())
    return out


def _plain_int(v: Any) -> int | None:
    return None if v is None else int(v)


def _slog(x: np.ndarray) -> np.ndarray:
    return np.sign(x) * np.log1p(np.abs(x))


class EntityModel:
    """What entity mode keeps besides its two generators: the column roles and the context encoders."""

    def __init__(self, **kw: Any):
        self.__dict__.update(kw)

    def to_state(self) -> dict[str, Any]:
        out = {k: v for k, v in self.__dict__.items() if k not in ("const_categories",)}
        out["const_categories"] = {c: index_to_state(ix) for c, ix in self.const_categories.items()}
        return out

    @classmethod
    def from_state(cls, state: dict[str, Any]) -> "EntityModel":
        kw = dict(state)
        kw["const_categories"] = {c: index_from_state(ix) for c, ix in state["const_categories"].items()}
        return cls(**kw)


def _roles_check(data: pd.DataFrame, schema: Schema) -> EntityRoles:
    roles = schema.roles
    for role, name in (("entity key", roles.key), ("order column", roles.order)):
        if name is not None and name not in data.columns:
            raise DataError(f"wgan: the {role} {name!r} is not a column of the training table; "
                            f"columns are: {list(data.columns)}")
    if data[roles.key].isna().any():
        raise DataError(f"wgan: the entity key column {roles.key!r} has missing values; every row needs its entity "
                        "(drop those rows or fit without the entity roles)")
    for rule in roles.rules:
        if isinstance(rule, RunningBalance):
            for name in rule.columns():
                if name not in data.columns:
                    raise DataError(f"wgan: the running_balance rule names column {name!r}, which is not in the "
                                    "training table; fix the rule or the table")
    return roles


def _profile_summary(sorted_rows: pd.DataFrame, row_cols: list[str], schema: Schema, codes: np.ndarray,
                     n: int) -> tuple[dict[str, np.ndarray], dict[str, list[Any]]]:
    """Per entity: the mean normal score of each numerical row column and the share of each frequent
    category of each categorical row column (the summary the row model is conditioned on)."""
    cols: dict[str, np.ndarray] = {}
    share_cats: dict[str, list[Any]] = {}
    for c in row_cols:
        kind = schema.columns[c].kind if c in schema.columns else "numerical"
        if kind in ("numerical", "datetime") or c == GAP:
            v = sorted_rows[c]
            x = order_as_float(v, c) if kind == "datetime" else v.to_numpy(dtype=float, na_value=np.nan)
            cols[f"__wgan_mean_{c}"] = _group_mean(_normal_scores(x), codes, n)
        elif kind in ("categorical", "boolean"):
            f, uniq = pd.factorize(sorted_rows[c], use_na_sentinel=False)
            counts = np.bincount(f, minlength=len(uniq))
            top = np.argsort(-counts, kind="stable")[:_MAX_SHARES]
            if len(uniq) < 2:
                continue
            share_cats[c] = [int(t) for t in top]
            per = np.bincount(codes, minlength=n).astype(float)
            for j, t in enumerate(top):
                hit = np.bincount(codes[f == t], minlength=n)
                cols[f"__wgan_share_{c}_{j}"] = hit / np.maximum(per, 1)
    return cols, share_cats


def fit_entities(gen: Any, data: pd.DataFrame, schema: Schema) -> None:
    """Fit ``gen`` (a WGANGenerator) in entity mode (see the module docstring)."""
    from .generator import WGANGenerator, _torch

    t0 = time.perf_counter()
    check_training_data(data, schema, "wgan")
    roles = _roles_check(data, schema)
    key, order = roles.key, roles.order
    hist = histories(data, roles)
    rows = hist.sorted(data)
    codes, sizes, E = hist.codes, hist.sizes, hist.n
    start_idx = np.flatnonzero(hist.first)
    balance_rules = [r for r in roles.rules if isinstance(r, RunningBalance)]
    derived = {r.balance for r in balance_rules}
    skip = {key} | ({order} if order else set()) | derived
    # constant columns: the label, columns of constant rules, and every non-id column that never changes
    declared = {roles.label} if roles.label else set()
    declared |= {c for r in roles.rules if r.kind == "constant" for c in r.columns()}
    amounts = {c for r in balance_rules for c in r.columns()} - derived
    constant = []
    for c in schema.columns:
        if c in skip or schema.columns[c].kind == "id":
            continue
        if c in declared:
            constant.append(c)
            continue
        if c in amounts:
            continue
        f, _ = pd.factorize(rows[c], use_na_sentinel=False)
        if not (np.r_[False, f[1:] != f[:-1]] & ~hist.first).any():
            constant.append(c)
    row_cols = [c for c in schema.columns if c not in skip and c not in constant]
    if order:
        ov = hist.order_values
        gaps = np.r_[0.0, np.diff(ov)]
        gaps[hist.first] = 0.0
        gaps = np.nan_to_num(gaps, nan=0.0)
        rows[GAP] = gaps
        whole_gaps = bool(np.allclose(gaps, np.round(gaps)))
    else:
        whole_gaps = False
    model_row_cols = row_cols + ([GAP] if order else [])

    # ---- the profile table
    prof = {ROWS: sizes.astype(np.int64)}
    specs: dict[str, ColumnSpec] = {ROWS: ColumnSpec("numerical", "integer")}
    if order:
        prof[order] = rows[order].to_numpy()[start_idx]
        specs[order] = schema.columns[order]
    for c in constant:
        prof[c] = rows[c].to_numpy()[start_idx]
        specs[c] = schema.columns[c]
    grid = {}
    for r in balance_rules:
        first_bal = rows[r.balance].to_numpy(dtype=float, na_value=np.nan)[start_idx]
        first_amt = np.nan_to_num(_signed(rows, r))[start_idx]
        prof[_open(r)] = np.nan_to_num(first_bal - first_amt)
        specs[_open(r)] = ColumnSpec("numerical", "continuous")
        amt = rows[r.amount].to_numpy(dtype=float, na_value=np.nan)
        amt = amt[np.isfinite(amt)]
        tol = float(r.tolerance) if r.tolerance and r.tolerance > 0 else 0.0
        grid[r.balance] = bool(tol and len(amt) and np.allclose(amt / tol, np.round(amt / tol), atol=1e-6))
    summary, share_cats = _profile_summary(rows, model_row_cols, schema, codes, E)
    for c, v in summary.items():
        prof[c] = v
        specs[c] = ColumnSpec("numerical", "continuous")
    profile = pd.DataFrame(prof)
    for c in constant + ([order] if order else []):
        profile[c] = profile[c].astype(data[c].dtype)
    label = roles.label if roles.label in constant and specs[roles.label].kind in ("categorical", "boolean") else None
    profile_schema = Schema(specs, target=label)

    # ---- context encoders (standardised profile features and one-hot constants)
    num_feats = [c for c in profile.columns if c not in constant and c != order]
    logged = [c == ROWS or c.startswith("__wgan_open_") for c in num_feats]
    const_categories = {}
    for c in constant:
        vc = profile[c].value_counts(dropna=False)
        const_categories[c] = pd.Index(vc.index[:_MAX_ONEHOT])
    model = EntityModel(key=key, order=order, constant=constant, row_cols=row_cols, num_feats=num_feats,
                        logged=logged, whole_gaps=whole_gaps, grid=grid, const_categories=const_categories,
                        key_start=_plain_int(first_fresh_id(data[key])), mean_size=float(sizes.mean()),
                        max_size=int(sizes.max()), mu=[], sd=[], order_mu=0.0, order_sd=1.0,
                        n_sample_calls=0, order_dtype=str(data[order].dtype) if order else None,
                        columns=list(schema.columns))
    raw = _numeric_context(model, profile, fit=True)
    ctx_ent = np.concatenate([raw, _const_context(model, profile)], axis=1)
    ctx = np.concatenate([ctx_ent[codes], _position_context(model, sizes)], axis=1).astype(np.float32)

    # ---- the two models
    params = gen.get_params()
    seed = gen._base_seed()
    budget = gen.max_seconds
    p_params = dict(params, seed=seed, verbose=False,
                    epochs=int(gen.epochs * min(_PROFILE_MAX_EPOCH_FACTOR, max(1, round(len(data) / E)))),
                    max_seconds=None if budget is None else max(1e-3, budget * _PROFILE_TIME_SHARE))
    profile_gen = WGANGenerator(**p_params)
    profile_gen.fit(profile, profile_schema)
    row_schema = Schema({**{c: schema.columns[c] for c in row_cols},
                         **({GAP: ColumnSpec("numerical", "continuous")} if order else {})})
    left = None if budget is None else max(1e-3, budget - (time.perf_counter() - t0))
    row_gen = WGANGenerator(**dict(params, seed=seed + 1 if seed is not None else None, max_seconds=left))
    row_gen.progress = gen.progress
    row_gen.context_width_ = ctx.shape[1]
    row_gen._context_train = ctx
    try:
        row_gen.fit(rows[model_row_cols], row_schema)
    finally:
        row_gen._context_train = None
    gen.entity_ = model
    gen.profile_gen_, gen.row_gen_ = profile_gen, row_gen
    gen.device_ = row_gen.device_
    gen.history_ = row_gen.history_
    torch = _torch()
    gen.training_ = dict(row_gen.training_summary(), mode="entity", entities=int(E),
                         profile=profile_gen.training_summary(), fit_s=round(time.perf_counter() - t0, 3),
                         threads=int(torch.get_num_threads()))


def _numeric_context(model: EntityModel, profile: pd.DataFrame, fit: bool = False) -> np.ndarray:
    cols = []
    for c, lg in zip(model.num_feats, model.logged):
        x = profile[c].to_numpy(dtype=float, na_value=np.nan)
        cols.append(_slog(x) if lg else x)
    if model.order:
        cols.append(order_as_float(profile[model.order], model.order))
    x = np.stack(cols, axis=1) if cols else np.zeros((len(profile), 0))
    if fit:
        mu = np.nanmean(x, axis=0) if len(x) else np.zeros(x.shape[1])
        sd = np.nanstd(x, axis=0) if len(x) else np.ones(x.shape[1])
        model.mu, model.sd = [float(v) for v in np.nan_to_num(mu)], [float(v) if v > 0 else 1.0 for v in np.nan_to_num(sd)]
    return np.nan_to_num((x - np.asarray(model.mu)) / np.asarray(model.sd)).clip(-5, 5)


def _const_context(model: EntityModel, profile: pd.DataFrame) -> np.ndarray:
    parts = [np.zeros((len(profile), 0))]
    for c in model.constant:
        cats = model.const_categories[c]
        at = cats.get_indexer(profile[c])
        hot = np.zeros((len(profile), len(cats)))
        ok = at >= 0
        hot[np.flatnonzero(ok), at[ok]] = 1.0
        parts.append(hot)
    return np.concatenate(parts, axis=1)


def _position_context(model: EntityModel, sizes: np.ndarray) -> np.ndarray:
    n = int(sizes.sum())
    pos = np.arange(n) - np.repeat(np.cumsum(sizes) - sizes, sizes)
    size = np.repeat(sizes, sizes)
    rel = pos / np.maximum(size - 1, 1)
    lp = np.log1p(pos) / np.log1p(max(model.max_size, 2))
    return np.stack([2 * rel - 1, 2 * lp - 1], axis=1)


def sample_entities(gen: Any, n: int) -> pd.DataFrame:
    """``n`` rows of whole synthetic histories from an entity-mode ``gen`` (the module docstring, 3)."""
    model: EntityModel = gen.entity_
    model.n_sample_calls += 1
    k = int(np.ceil(n / max(model.mean_size, 1.0) * 1.3)) + 2
    batches, total = [], 0
    while total < n:  # one batch nearly always holds n rows; at most a few more
        p = gen.profile_gen_.sample(k)
        s = np.clip(np.round(p[ROWS].to_numpy(dtype=float, na_value=1.0)), 1, None).astype(np.int64)
        p[ROWS] = s
        batches.append(p)
        total += int(s.sum())
    prof = pd.concat(batches, ignore_index=True)
    sizes = prof[ROWS].to_numpy(dtype=np.int64)
    ends = np.cumsum(sizes)
    used = int(np.searchsorted(ends, n)) + 1
    prof = prof.iloc[:used].reset_index(drop=True)
    sizes = sizes[:used].copy()
    sizes[-1] -= int(ends[used - 1] - n)
    ent = np.repeat(np.arange(used), sizes)
    ctx_ent = np.concatenate([_numeric_context(model, prof), _const_context(model, prof)], axis=1)
    ctx = np.concatenate([ctx_ent[ent], _position_context(model, sizes)], axis=1)
    rows = gen.row_gen_.sample_with_context(ctx)
    first = np.zeros(n, dtype=bool)
    first[np.cumsum(sizes) - sizes] = True
    out: dict[str, Any] = {}
    out[model.key] = fresh_ids(model.key_start, used, model.key).to_numpy()[ent]
    if model.order:
        g = np.clip(rows[GAP].to_numpy(dtype=float, na_value=0.0), 0, None)
        if model.whole_gaps:
            g = np.round(g)
        g[first] = 0.0
        within = _group_cumsum(g, sizes)
        start = prof[model.order].iloc[ent].reset_index(drop=True)
        if pd.api.types.is_datetime64_any_dtype(start.dtype):
            out[model.order] = (start + pd.to_timedelta(within, unit="D")).astype(start.dtype)
        else:
            vals = start.to_numpy(dtype=float) + within
            integer = pd.api.types.is_integer_dtype(start.dtype) and model.whole_gaps
            out[model.order] = np.round(vals).astype(start.dtype) if integer else vals
    for c in model.constant:
        out[c] = prof[c].iloc[ent].reset_index(drop=True)
    for c in model.row_cols:
        out[c] = rows[c].reset_index(drop=True)
    frame = pd.DataFrame(out)
    for rule in gen.schema_.roles.rules:
        if isinstance(rule, RunningBalance) and rule.amount in frame.columns:
            _derive_balance(model, rule, frame, prof[_open(rule)].to_numpy(dtype=float, na_value=0.0), ent, sizes)
    return frame[model.columns]


def _derive_balance(model: EntityModel, rule: RunningBalance, frame: pd.DataFrame, opening: np.ndarray,
                    ent: np.ndarray, sizes: np.ndarray) -> None:
    """The rule's balance column as the opening balance plus the cumulated signed amounts, in units of the
    rule's tolerance (amounts on the tolerance's grid in the real data are put on it), so it holds exactly."""
    tol = float(rule.tolerance) if rule.tolerance and rule.tolerance > 0 else 0.0
    amt = frame[rule.amount].to_numpy(dtype=float, na_value=np.nan)
    if tol and model.grid.get(rule.balance):
        decimals = max(0, int(np.ceil(-np.log10(tol))))
        amt = np.round(np.round(amt / tol) * tol, decimals)
        frame[rule.amount] = amt
    signed = np.nan_to_num(_signed(frame, rule))
    if tol:
        units = _group_cumsum(np.round(signed / tol), sizes) + np.round(opening / tol)[ent]
        decimals = max(0, int(np.ceil(-np.log10(tol))))
        frame[rule.balance] = np.round(units * tol, decimals)
    else:
        frame[rule.balance] = opening[ent] + _group_cumsum(signed, sizes)


def entity_state(gen: Any) -> dict[str, Any]:
    return {"model": gen.entity_.to_state(), "profile": gen.profile_gen_._state(), "rows": gen.row_gen_._state(),
            "training": gen.training_, "history": gen.history_, "seed_used": int(gen._seed_used)}


def entity_from_state(gen: Any, state: dict[str, Any], device: str | None, path: Path) -> None:
    from .generator import WGANGenerator

    gen.entity_ = EntityModel.from_state(state["model"])
    gen.profile_gen_ = WGANGenerator._from_state(state["profile"], device, path)
    gen.row_gen_ = WGANGenerator._from_state(state["rows"], device, path)
    gen.device_ = gen.row_gen_.device_
    gen.training_, gen.history_, gen._seed_used = state["training"], state["history"], state["seed_used"]
