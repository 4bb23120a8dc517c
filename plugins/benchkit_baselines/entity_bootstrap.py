"""The ``entity_bootstrap`` baseline: whole real histories resampled under fresh entity ids."""

from __future__ import annotations


import numpy as np
import pandas as pd

from benchkit import Generator, Schema
from benchkit.entities import histories
from benchkit.errors import DataError
from benchkit.generator import check_training_data, first_fresh_id, fresh_ids

from .columns import IdColumn


class EntityBootstrapGenerator(Generator):
    """Returns whole real entity histories (every row of an entity, in history order) under fresh
    entity ids: the ceiling of every ``entity`` metric and, because it copies histories, the
    entity-level privacy red flag.

    ``sample(n)`` draws histories in a random order *without* replacement while they last (a sample of
    the training size is every training history once, reshuffled), then starts another pass; with
    ``replace=True`` each history is drawn with replacement (the classical bootstrap). The last history
    drawn is cut to make exactly ``n`` rows (a prefix of a history keeps its order and its running
    balance). Each drawn history gets a fresh entity id, and other id columns fresh ids, as for every
    baseline. Without entity roles (a table without an entity key) it resamples rows, like
    ``bootstrap``.
    """

    entity_support = True

    def __init__(self, *, replace: bool = False, seed: int | None = 0):
        self.replace = replace
        self.seed = seed

    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:
        check_training_data(data, schema, type(self).__name__)
        self.key_ = schema.entity
        self.ids_ = [IdColumn(name, data[name]) for name in schema.names("id") if name != self.key_]
        if self.key_ is None:
            self.data_ = data[list(schema.columns)].reset_index(drop=True)
            self.starts_ = np.arange(len(self.data_))
            self.sizes_ = np.ones(len(self.data_), dtype=np.int64)
        else:
            if data[self.key_].isna().any():
                raise DataError(f"{type(self).__name__}: the entity key column {self.key_!r} has missing values; "
                                "every row needs its entity")
            hist = histories(data, schema.roles)
            self.data_ = hist.sorted(data[list(schema.columns)])
            self.starts_ = np.flatnonzero(hist.first)
            self.sizes_ = hist.sizes
            self.key_start_ = first_fresh_id(data[self.key_])
        self._rng = np.random.default_rng(self.seed)

    def _sample(self, n: int) -> pd.DataFrame:
        m = len(self.sizes_)
        if self.replace:
            # enough draws to cover n rows in expectation, plus margin; more are drawn if needed
            k = int(np.ceil(n / self.sizes_.mean() * 1.2)) + 1
            picks = self._rng.integers(0, m, size=k)
            while self.sizes_[picks].sum() < n:
                picks = np.r_[picks, self._rng.integers(0, m, size=k)]
        else:
            passes = int(np.ceil(n / self.sizes_.sum()))
            picks = np.concatenate([self._rng.permutation(m) for _ in range(passes)])
        sizes = self.sizes_[picks]
        ends = np.cumsum(sizes)
        used = int(np.searchsorted(ends, n)) + 1  # histories needed to reach n rows
        picks, sizes = picks[:used], sizes[:used]
        # positions of each picked history's rows: start + 0..size-1, all at once
        offsets = np.arange(int(sizes.sum())) - np.repeat(np.cumsum(sizes) - sizes, sizes)
        rows = (np.repeat(self.starts_[picks], sizes) + offsets)[:n]
        out = self.data_.take(rows).reset_index(drop=True)
        if self.key_ is not None:
            new_key = fresh_ids(self.key_start_, used, self.key_)
            out[self.key_] = new_key.to_numpy()[np.repeat(np.arange(used), sizes)[:n]]
        for ids in self.ids_:
            out[ids.name] = ids.from_uniform([], n)
        return out
