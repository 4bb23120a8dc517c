"""Entities and their histories: the roles a table may declare, the consistency rules, and the sorted view.

A table of events (transactions of bank accounts, visits of patients) may declare

* an **entity key**: the column naming whose history a row belongs to (``account_id``);
* an **order** column: the column the events of one entity are ordered by (``date``); rows of one
  entity with the same order value keep the order they have in the table (a stable sort);
* **rules**: consistency rules each entity's history should obey (a running balance), as small JSON
  objects (see :data:`RULE_KINDS`); and
* a **label**: an entity-level class column (constant within an entity), predicted per entity by
  the ``entity.utility`` metric.

They live on the :class:`~benchkit.schema.Schema` as :class:`EntityRoles` (``schema.roles``), so they
travel with the schema through evaluate, the benchmark runner and its jobs. Without roles every
table is scored as independent rows, exactly as before roles existed.

:func:`infer_roles` proposes roles only when the table leaves no doubt (see its docstring);
:func:`histories` sorts a frame by entity and order once, for every entity metric.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any, ClassVar, Mapping

import numpy as np
import pandas as pd

from .errors import SchemaError

_ID_NAME = re.compile(r"(^id$)|(_id$)|(^id_)|([a-z0-9]ID$)|(^ID$)", re.IGNORECASE)


# =========================================================================== rules
class Rule:
    """A consistency rule an entity's history obeys; subclasses set :attr:`kind` and implement :meth:`check`.

    A rule is plain data (its JSON is ``{"kind": ..., <parameters>}``), checked by vectorised code.
    """

    kind: ClassVar[str] = ""

    def columns(self) -> list[str]:
        """The columns the rule reads."""
        raise NotImplementedError

    def check(self, frame: pd.DataFrame, hist: "Histories") -> tuple[np.ndarray, np.ndarray]:
        """``(obeys, applicable)``: one bool per entity of ``hist`` each. ``frame`` is in history order
        (``hist.sorted(frame)``); an entity is *applicable* when its history can show the rule (two
        rows or more)."""
        raise NotImplementedError

    def to_dict(self) -> dict[str, Any]:
        raise NotImplementedError

    def describe(self) -> str:
        """One line saying what the rule demands."""
        raise NotImplementedError


@dataclass
class RunningBalance(Rule):
    """``balance_i = balance_{i-1} + signed amount_i`` along an entity's history.

    ``amount`` is signed by ``sign``: ``None`` when the amount column is already signed, else
    ``{"column": "type", "negative": ["debit", ...]}`` (rows whose ``column`` holds one of the
    ``negative`` values subtract their amount; every other row adds it). Values are compared as
    multiples of ``tolerance`` (default 0.01: cents), rounded, and match when they differ by at most one
    such unit (so a difference up to ``tolerance`` always matches, one above ``1.5 x tolerance`` never
    does); a missing value breaks the chain.

    Rows with the same order value (one day's transactions) may be booked in any order, and a table
    does not always say which (Berka does not), so the rule is checked between *blocks* of equal order
    value: for every block after an entity's first one, (a) some row's balance minus the block's
    signed total is a balance of the previous block (the chain goes on from the previous day), and
    (b) every row's balance minus its own signed amount (the balance before it) is a balance of the
    previous block or of its own. Without ties each block is one row and this is exactly the row-by-row
    equation. An entity obeys when every block passes; it can show the rule when it has two blocks or more.
    """

    balance: str
    amount: str
    sign: dict[str, Any] | None = None
    tolerance: float = 0.01
    kind: ClassVar[str] = "running_balance"

    def columns(self) -> list[str]:
        return [self.balance, self.amount] + ([self.sign["column"]] if self.sign else [])

    def check(self, frame: pd.DataFrame, hist: "Histories") -> tuple[np.ndarray, np.ndarray]:
        bal = frame[self.balance].to_numpy(dtype=float, na_value=np.nan)
        amt = frame[self.amount].to_numpy(dtype=float, na_value=np.nan)
        if self.sign:
            negative = frame[self.sign["column"]].isin(list(self.sign.get("negative", []))).to_numpy()
            amt = np.where(negative, -amt, amt)
        n_rows = len(bal)
        if n_rows == 0:
            return np.zeros(hist.n, dtype=bool), np.zeros(hist.n, dtype=bool)
        # blocks: a new one at each entity start and at each change of the order value
        new_block = hist.first.copy()
        if hist.order_values is not None:
            ov = hist.order_values
            new_block[1:] |= ~((ov[1:] == ov[:-1]) | (np.isnan(ov[1:]) & np.isnan(ov[:-1])))
        else:
            new_block[:] = True
        block = np.cumsum(new_block) - 1
        n_blocks = int(block[-1]) + 1
        first_block = new_block & hist.first  # rows starting an entity start its first block
        is_first_block = np.zeros(n_blocks, dtype=bool)
        is_first_block[block[first_block]] = True
        total = np.bincount(block, weights=np.nan_to_num(amt), minlength=n_blocks)
        bad = ~(np.isfinite(bal) & np.isfinite(amt))
        unit = float(self.tolerance) if self.tolerance and self.tolerance > 0 else 1e-9
        key = _rounded(bal, unit)
        before = _rounded(bal - amt, unit)  # the balance just before each row
        chained = _rounded(bal - total[block], unit)  # the previous block's end, if this row ends its block
        pairs = _PairSet(block, key)
        prev_hit = pairs.contains(block - 1, chained)
        row_ok = pairs.contains(block - 1, before) | pairs.contains(block, before)
        block_chain = np.bincount(block, weights=prev_hit, minlength=n_blocks) > 0
        block_rows = np.bincount(block, weights=~row_ok | bad, minlength=n_blocks) == 0
        block_ok = is_first_block | (block_chain & block_rows)
        entity_of_block = hist.codes[new_block]
        failures = np.bincount(entity_of_block[~block_ok], minlength=hist.n)
        blocks_per_entity = np.bincount(entity_of_block, minlength=hist.n)
        return failures == 0, blocks_per_entity >= 2

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"kind": self.kind, "balance": self.balance, "amount": self.amount}
        if self.sign:
            out["sign"] = dict(self.sign)
        out["tolerance"] = self.tolerance
        return out

    def describe(self) -> str:
        signed = (f"{self.amount} signed by {self.sign['column']} (negative: {', '.join(map(str, self.sign.get('negative', [])))})"
                  if self.sign else self.amount)
        return (f"{self.balance}_i = {self.balance}_(i-1) + {signed}_i within an entity, rows of equal order "
                f"in any order (to {self.tolerance:g})")


def _rounded(values: np.ndarray, unit: float) -> np.ndarray:
    """Values as integer multiples of ``unit`` (int64; missing values get a sentinel that matches nothing)."""
    with np.errstate(invalid="ignore"):
        out = np.round(values / unit)
    out[~np.isfinite(out)] = np.nan
    return out


class _PairSet:
    """The set of ``(block, key)`` pairs of a frame, for membership queries that accept a key one unit
    off (the rounding of two values within ``tolerance`` of each other can differ by one unit)."""

    _SHIFT = 1 << 40

    def __init__(self, block: np.ndarray, key: np.ndarray):
        ok = np.isfinite(key)
        k = key[ok]
        self.packed = bool(len(k) == 0 or (np.abs(k).max() < self._SHIFT // 4 and block.max(initial=0) < (1 << 22)))
        if self.packed:
            self.table = np.unique(block[ok].astype(np.int64) * self._SHIFT + k.astype(np.int64))
        else:  # very large values or blocks: a MultiIndex (slower, same answers)
            self.table = pd.MultiIndex.from_arrays([block[ok], k])

    def contains(self, query_block: np.ndarray, query_key: np.ndarray) -> np.ndarray:
        ok = np.isfinite(query_key) & (query_block >= 0)
        out = np.zeros(len(query_key), dtype=bool)
        qb, qk = query_block[ok], query_key[ok]
        hit = np.zeros(len(qk), dtype=bool)
        for d in (-1, 0, 1):  # the key itself and one unit either side
            if self.packed:
                q = qb.astype(np.int64) * self._SHIFT + (qk + d).astype(np.int64)
                pos = np.searchsorted(self.table, q)
                hit |= (pos < len(self.table)) & (self.table[np.minimum(pos, len(self.table) - 1)] == q)
            else:
                hit |= pd.MultiIndex.from_arrays([qb, qk + d]).isin(self.table)
        out[ok] = hit
        return out


@dataclass
class ConstantWithin(Rule):
    """``column`` holds one value throughout an entity's history (a missing value counts as a value)."""

    column: str
    kind: ClassVar[str] = "constant"

    def columns(self) -> list[str]:
        return [self.column]

    def check(self, frame: pd.DataFrame, hist: "Histories") -> tuple[np.ndarray, np.ndarray]:
        values, _ = pd.factorize(frame[self.column], use_na_sentinel=False)
        changes = np.r_[False, values[1:] != values[:-1]] & ~hist.first
        return np.bincount(hist.codes[changes], minlength=hist.n) == 0, hist.sizes >= 2

    def to_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "column": self.column}

    def describe(self) -> str:
        return f"{self.column} is constant within an entity"


RULE_KINDS: dict[str, type[Rule]] = {"running_balance": RunningBalance, "constant": ConstantWithin}
"""Rule kinds by name; :func:`register_rule_kind` adds one (a plugin may, at import time)."""


def register_rule_kind(cls: type[Rule]) -> type[Rule]:
    """Make ``cls`` (a :class:`Rule` dataclass with a ``kind``) readable from schema JSON; usable as a decorator."""
    if not (isinstance(cls, type) and issubclass(cls, Rule) and cls.kind):
        raise SchemaError(f"{cls!r} is not a Rule subclass with a 'kind'")
    RULE_KINDS[cls.kind] = cls
    return cls


def rule_from_dict(data: Mapping[str, Any] | Rule) -> Rule:
    """The :class:`Rule` a JSON object describes (``{"kind": "running_balance", "balance": ..., ...}``)."""
    if isinstance(data, Rule):
        return data
    if not isinstance(data, Mapping) or "kind" not in data:
        raise SchemaError(f"an entity rule needs a 'kind' (one of {', '.join(RULE_KINDS)}), got {data!r}")
    cls = RULE_KINDS.get(str(data["kind"]))
    if cls is None:
        raise SchemaError(f"unknown entity rule kind {data['kind']!r}; the kinds are: {', '.join(RULE_KINDS)}")
    params = {k: v for k, v in data.items() if k != "kind"}
    try:
        return cls(**params)
    except TypeError as exc:
        raise SchemaError(f"entity rule {dict(data)!r}: {exc}") from None


# =========================================================================== roles
@dataclass
class EntityRoles:
    """The entity key, order column, rules and entity label of a table (see the module docstring)."""

    key: str
    order: str | None = None
    rules: tuple[Rule, ...] = ()
    label: str | None = None

    def __post_init__(self) -> None:
        self.rules = tuple(rule_from_dict(r) for r in self.rules)

    def columns(self) -> list[str]:
        """Every column the roles name."""
        names = [self.key] + ([self.order] if self.order else []) + ([self.label] if self.label else [])
        for rule in self.rules:
            names += rule.columns()
        return list(dict.fromkeys(names))

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"key": self.key}
        if self.order:
            out["order"] = self.order
        if self.rules:
            out["rules"] = [r.to_dict() for r in self.rules]
        if self.label:
            out["label"] = self.label
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> "EntityRoles":
        if not isinstance(data, Mapping) or not data.get("key"):
            raise SchemaError(f"an 'entity' entry needs a 'key' column name, got {data!r}")
        extra = set(data) - {"key", "order", "rules", "label"}
        if extra:
            raise SchemaError(f"the 'entity' entry has unknown keys {sorted(extra)}; use key, order, rules, label")
        return cls(str(data["key"]), data.get("order"), tuple(data.get("rules") or ()), data.get("label"))


def infer_roles(df: pd.DataFrame, kinds: Mapping[str, str], target: str | None = None) -> EntityRoles | None:
    """Roles when the table leaves no doubt, else None.

    The key: the one column named like an identifier (``id``, ``*_id``, ``*ID``) of integer or text
    values, without missing values, whose values repeat (at least 2 distinct, at most half as many
    as rows). The order: the one ``datetime`` column. Both must be unique of their sort; any doubt
    (two candidate keys, no date or two dates) gives None: pass the roles explicitly then.
    """
    n = len(df)
    keys = []
    for name in df.columns:
        if name == target or not _ID_NAME.search(str(name)):
            continue
        s = df[name]
        if not (pd.api.types.is_integer_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype)
                or pd.api.types.is_object_dtype(s.dtype)) or pd.api.types.is_bool_dtype(s.dtype):
            continue
        if s.isna().any():
            continue
        distinct = s.nunique()
        if 2 <= distinct <= n / 2:
            keys.append(str(name))
    dates = [c for c, k in kinds.items() if k == "datetime" and c not in keys]
    if len(keys) == 1 and len(dates) == 1:
        return EntityRoles(keys[0], dates[0])
    return None


# =========================================================================== histories
@dataclass
class Histories:
    """A frame's rows grouped by entity and ordered within each: the positions that sort it
    (``perm``), each sorted row's entity code (``codes``, 0..n-1 by first appearance in the sorted
    frame), whether it starts its entity (``first``) and the rows per entity (``sizes``)."""

    perm: np.ndarray
    codes: np.ndarray
    first: np.ndarray
    sizes: np.ndarray
    n: int
    order_values: np.ndarray | None = None  # the order column in sorted order, as float (days for dates)

    def sorted(self, frame: pd.DataFrame) -> pd.DataFrame:
        """``frame``'s rows in history order (a fresh RangeIndex)."""
        return frame.take(self.perm).reset_index(drop=True)

    def gaps(self) -> np.ndarray:
        """The differences of the order values between consecutive rows of each entity (days for
        dates); missing order values give no gap."""
        if self.order_values is None:
            return np.empty(0)
        d = np.diff(self.order_values)
        d = d[~self.first[1:]]
        return d[np.isfinite(d)]


def order_as_float(s: pd.Series, column: str) -> np.ndarray:
    """An order column as float (datetime: days since the epoch; numbers as they are; text read as
    dates, as :meth:`Schema.coerce` reads a datetime column); a :class:`~benchkit.errors.SchemaError`
    naming the column for values that do not sort."""
    if pd.api.types.is_object_dtype(s.dtype) or pd.api.types.is_string_dtype(s.dtype):
        from .schema import ColumnSpec, Schema  # noqa: PLC0415 - schema imports this module

        try:
            s = Schema({column: ColumnSpec("datetime")}).coerce(s.to_frame(column), what="order column")[column]
        except SchemaError:
            pass  # the error below names the column
    if pd.api.types.is_datetime64_any_dtype(s.dtype):
        values = s.to_numpy(dtype="datetime64[ns]").astype("int64").astype(float)
        values[s.isna().to_numpy()] = np.nan
        return values / 86_400e9
    if pd.api.types.is_numeric_dtype(s.dtype) and not pd.api.types.is_bool_dtype(s.dtype):
        return s.to_numpy(dtype=float, na_value=np.nan)
    raise SchemaError(f"the order column {column!r} holds {s.dtype} values, which cannot order events: "
                      "give a date or number column as the order (or declare it datetime in the schema)")


def histories(frame: pd.DataFrame, roles: EntityRoles) -> Histories:
    """Group ``frame`` by ``roles.key`` and sort each entity's rows by ``roles.order`` (stably: rows
    with equal order values, and every row when there is no order column, keep their table order;
    missing order values go last)."""
    if roles.key not in frame.columns:
        raise SchemaError(f"the entity key column {roles.key!r} is not in the table; columns are: {list(frame.columns)}")
    codes, _ = pd.factorize(frame[roles.key], use_na_sentinel=False)
    order = None
    if roles.order:
        if roles.order not in frame.columns:
            raise SchemaError(f"the order column {roles.order!r} is not in the table; columns are: {list(frame.columns)}")
        order = order_as_float(frame[roles.order], roles.order)
        perm = np.lexsort((np.nan_to_num(order, nan=np.inf), codes))
    else:
        perm = np.argsort(codes, kind="stable")
    c = codes[perm]
    first = np.r_[True, c[1:] != c[:-1]] if len(c) else np.zeros(0, dtype=bool)
    # renumber entities 0..n-1 in sorted order, so codes are non-decreasing
    dense = np.cumsum(first) - 1
    n = int(first.sum())
    sizes = np.bincount(dense, minlength=n)
    return Histories(perm, dense, first, sizes, n, order[perm] if order is not None else None)


def check_roles(roles: EntityRoles, columns: Mapping[str, Any], what: str = "the table") -> None:
    """A :class:`~benchkit.errors.SchemaError` naming each role column missing from ``columns``."""
    for role, name in [("entity key", roles.key), ("order column", roles.order), ("entity label", roles.label)]:
        if name is not None and name not in columns:
            raise SchemaError(f"the {role} {name!r} is not a column of {what}; columns are: {', '.join(map(str, columns))}. "
                              f"Name an existing column (--entity/--order, the spec's entity/order keys or the dataset card)")
    if roles.order is not None and roles.order == roles.key:
        raise SchemaError(f"the order column {roles.order!r} is the entity key itself; name the date or sequence column")
    for rule in roles.rules:
        for name in rule.columns():
            if name not in columns:
                raise SchemaError(f"entity rule {rule.to_dict()} names column {name!r}, which is not in {what}")


__all__ = ["apply_roles", "entity_split", "EntityRoles", "Rule", "RunningBalance", "ConstantWithin", "RULE_KINDS", "register_rule_kind",
           "rule_from_dict", "infer_roles", "Histories", "histories", "order_as_float", "check_roles"]


# =========================================================================== splits
def entity_split(keys: pd.Series | np.ndarray, fraction: float, seed: int,
                 labels: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Row positions ``(train, holdout)`` of a split by entity: ``round(fraction x entities)`` whole
    entities, drawn with ``seed``, go to the holdout; every row of an entity lands on one side.

    ``labels`` (one per row, e.g. the target) stratify the draw by each entity's first label when
    every class has two entities or more. Raises a :class:`~benchkit.errors.DataError` when there are
    too few entities (at least 1 holdout and 2 training entities are needed).
    """
    from .errors import DataError

    codes, uniques = pd.factorize(pd.Series(np.asarray(keys)), use_na_sentinel=False)
    n = len(uniques)
    n_hold = int(round(n * fraction))
    if n_hold < 1 or n - n_hold < 2:
        raise DataError(f"{n} entities cannot be split by entity with holdout={fraction}: need at least 1 "
                        "holdout and 2 training entities; use more data or another holdout fraction")
    rng = np.random.default_rng(seed)
    chosen = None
    if labels is not None:
        _, first_row = np.unique(codes, return_index=True)  # each entity's first row (codes are 0..n-1)
        ent_labels = pd.Series(np.asarray(labels, dtype=object)[first_row]).map(str, na_action="ignore").fillna("<missing>")
        if ent_labels.value_counts().min() >= 2:
            from sklearn.model_selection import train_test_split

            _, chosen = train_test_split(np.arange(n), test_size=n_hold, random_state=seed, stratify=ent_labels.to_numpy())
    if chosen is None:
        chosen = rng.permutation(n)[:n_hold]
    is_hold = np.zeros(n, dtype=bool)
    is_hold[chosen] = True
    rows = is_hold[codes]
    return np.flatnonzero(~rows), np.flatnonzero(rows)


def apply_roles(schema: Any, real: pd.DataFrame | None, entity: str | None, order: str | None = None, *,
                inferred: bool = False, target: str | None = None) -> tuple[Any, list[str]]:
    """``schema`` with the entity roles asked for, and a note when they were inferred.

    ``entity``: a column name (its roles; ``order`` defaults to the schema's order for that key, else the
    one datetime column), None or ``"none"`` (no roles), or ``"auto"``: the schema's roles, else, for an
    ``inferred`` schema, :func:`infer_roles` on ``real``. Used by ``benchkit.evaluate``, the CLI and
    the benchmark spec's ``entity``/``order`` keys; bad names raise a SchemaError naming the column.
    """
    from .errors import BenchkitError  # noqa: PLC0415

    if entity is None or str(entity).lower() == "none":
        if order is not None:
            raise BenchkitError(f"order={order!r} was given without an entity key; name the entity key too (--entity COL)")
        return schema.without_roles(), []
    if entity == "auto":
        if order is not None and schema.roles is not None:
            return schema.with_roles(EntityRoles(schema.roles.key, order, schema.roles.rules, schema.roles.label)), []
        if order is not None:
            raise BenchkitError(f"order={order!r} was given without an entity key; name the entity key too (--entity COL)")
        if schema.roles is not None or not inferred or real is None:
            return schema, []
        roles = infer_roles(real, {c: s.kind for c, s in schema.columns.items()}, target or schema.target)
        if roles is None:
            return schema, []
        return schema.with_roles(roles), [f"entity key {roles.key!r} and order column {roles.order!r} were inferred "
                                          "(pass --entity none / entity=None to score independent rows)"]
    if entity not in schema.columns:
        raise SchemaError(f"the entity key {entity!r} is not a column of the real table; columns are: "
                          f"{', '.join(schema.columns)}")
    old = schema.roles if schema.roles is not None and schema.roles.key == entity else None
    if order is None:
        dates = [c for c in schema.datetime if c != entity]
        order = old.order if old is not None else (dates[0] if len(dates) == 1 else None)
    elif order not in schema.columns:
        raise SchemaError(f"the order column {order!r} is not a column of the real table; columns are: "
                          f"{', '.join(schema.columns)}")
    roles = EntityRoles(entity, order, old.rules if old else (), old.label if old else None)
    return schema.with_roles(roles), []
