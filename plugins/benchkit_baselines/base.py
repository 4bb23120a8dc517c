"""What the marginal-based baselines share: fitting one :class:`ColumnModel` per schema column."""

from __future__ import annotations

import numpy as np
import pandas as pd

from benchkit import Generator, Schema
from benchkit.generator import check_training_data

from .columns import ColumnModel, build_model


class MarginalGenerator(Generator):
    """Fits an empirical model per column; subclasses decide how the columns' uniforms are tied."""

    interpolate_continuous: bool = True
    seed: int | None = 0

    def _fit(self, data: pd.DataFrame, schema: Schema) -> None:
        check_training_data(data, schema, type(self).__name__)
        self.models_: list[ColumnModel] = [
            build_model(name, data[name], spec, self.interpolate_continuous) for name, spec in schema.columns.items()
        ]
        self._fit_dependence(data, np.random.default_rng([_seed_int(self.seed), 1]))
        self._rng = np.random.default_rng(self.seed)  # sampling stream, reset by every fit

    def _fit_dependence(self, data: pd.DataFrame, rng: np.random.Generator) -> None:
        """Learn how columns relate (nothing for the independent baseline)."""

    def _uniforms(self, n: int) -> np.ndarray:
        """An (n, total dims) array of uniforms to decode."""
        raise NotImplementedError

    def _sample(self, n: int) -> pd.DataFrame:
        u = self._uniforms(n)
        cols = {}
        j = 0
        for model in self.models_:
            k = model.n_dims
            cols[model.name] = model.from_uniform([u[:, j + i] for i in range(k)], n)
            j += k
        return pd.DataFrame(cols)

    @property
    def n_dims_(self) -> int:
        return sum(m.n_dims for m in self.models_)


def _seed_int(seed: int | None) -> int:
    """A non-negative integer for seeding a secondary stream (fresh entropy when seed is None)."""
    if seed is None:
        return int(np.random.SeedSequence().entropy % (2**63))
    return int(seed)
