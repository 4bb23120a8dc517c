"""An example benchkit plugin: one generator, registered through the ``benchkit`` entry point."""

from __future__ import annotations

from typing import Any, Callable

import numpy as np
import pandas as pd

import benchkit
from benchkit.generator import check_training_data, first_fresh_id, fresh_ids

__version__ = "0.1.0"


class NoisyBootstrap(benchkit.Generator):
    """Resample real rows, then jitter numbers and dates with Gaussian noise.

    ``noise`` is the noise's standard deviation as a fraction of each column's own standard
    deviation: 0 copies rows exactly (like benchkit's ``bootstrap``), larger values trade fidelity
    for distance from the real records. Integer columns are rounded back to whole numbers and every
    value is clipped to the column's observed range. Id columns get fresh ids (never a real one).
    """

    def __init__(self, *, noise: float = 0.1, seed: int | None = 0):
        # scikit-learn style: keyword-only hyper-parameters stored unchanged, no logic here
        self.noise = noise
        self.seed = seed

    @classmethod
    def test_params(cls) -> dict[str, Any]:
        """Cheap settings for ``benchkit check`` (this generator is cheap anyway)."""
        return {"noise": 0.2}

    def _fit(self, data: pd.DataFrame, schema: benchkit.Schema) -> None:
        check_training_data(data, schema, "NoisyBootstrap")  # clear errors: empty table, missing column
        self.columns_ = list(schema.columns)
        self.data_ = data[self.columns_]
        self.numbers_ = schema.numerical
        self.dates_ = schema.datetime
        # where each id column's fresh ids start: after the largest real id, so none repeats a real one
        self.id_start_ = {col: first_fresh_id(data[col]) for col in schema.names("id")}
        self.integer_ = [c for c in self.numbers_ if schema[c].subtype == "integer"]
        self.rng_ = np.random.default_rng(self.seed)  # every random number comes from the seed

    def _sample(self, n: int) -> pd.DataFrame:
        rows = self.rng_.integers(0, len(self.data_), size=n)
        out = self.data_.take(rows).reset_index(drop=True)
        for col in self.numbers_:
            real = pd.to_numeric(self.data_[col], errors="coerce").astype("float64")
            values = out[col].astype("float64").to_numpy(copy=True)
            values += self.rng_.normal(0.0, self.noise * np.nan_to_num(real.std()), n)
            values = np.clip(values, real.min(), real.max())
            if col in self.integer_:
                values = np.round(values)
            out[col] = values  # NaN stays NaN: the missing rate is kept
        for col in self.dates_:
            real = self.data_[col]
            spread = (real.max() - real.min()) / 4 if real.notna().any() else pd.Timedelta(0)
            jitter = pd.to_timedelta(self.rng_.normal(0.0, self.noise, n) * spread.value, unit="ns")
            out[col] = (out[col] + jitter).clip(real.min(), real.max())
        for col, start in self.id_start_.items():
            out[col] = fresh_ids(start, n, col)
        return out


@benchkit.hookimpl
def benchkit_register_generators(register: Callable[..., None]) -> None:
    """Tell benchkit about the generator (called once when plugins load)."""
    register(
        "noisy_bootstrap",
        NoisyBootstrap,
        description="real rows resampled with Gaussian noise on numbers and dates",
    )
