"""The ``bootstrap`` baseline: real rows resampled with replacement."""

from __future__ import annotations


import numpy as np
import pandas as pd

from benchkit import Generator, Schema
from benchkit.generator import check_training_data

from .columns import IdColumn


class BootstrapGenerator(Generator):
    """Returns real rows drawn with replacement: every statistic matches the real data.

    This is the fidelity ceiling of a benchmark and, because it copies records, the privacy floor:
    a generator scoring like ``bootstrap`` on privacy metrics is leaking rows. Id columns are the
    one exception to copying: fresh ids are minted, as for every baseline.
    """

    def __init__(self, *, seed: int | None = 0):
        self.seed = seed

    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:
        check_training_data(data, schema, type(self).__name__)
        self.data_ = data[list(schema.columns)]
        self.ids_ = [IdColumn(name, data[name]) for name in schema.names("id")]
        self._rng = np.random.default_rng(self.seed)

    def _sample(self, n: int) -> pd.DataFrame:
        rows = self._rng.integers(0, len(self.data_), size=n)
        out = self.data_.take(rows).reset_index(drop=True)
        for ids in self.ids_:
            out[ids.name] = ids.from_uniform([], n)
        return out
