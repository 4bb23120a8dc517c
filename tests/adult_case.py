"""Adult (income target) frames for the utility, detection and privacy tests: a fixed subsample split
into real train and holdout, plus two reference "generators" built inline with pandas."""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import pandas as pd

from benchkit.schema import Schema

COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country",
    "income",
]
N_TRAIN = 6000
N_HOLDOUT = 3000


@lru_cache(maxsize=1)
def _load(path: str) -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    df = pd.read_csv(path, header=None, names=COLUMNS, skipinitialspace=True, na_values="?")
    schema = Schema.infer(df, target="income")
    df = schema.coerce(df)
    order = np.random.default_rng(0).permutation(len(df))
    train = df.iloc[order[:N_TRAIN]].reset_index(drop=True)
    holdout = df.iloc[order[N_TRAIN : N_TRAIN + N_HOLDOUT]].reset_index(drop=True)
    return train, holdout, schema


def adult(shared_data) -> tuple[pd.DataFrame, pd.DataFrame, Schema]:
    """(train, holdout, schema) of a fixed 6,000 + 3,000 row Adult subsample."""
    return _load(str(shared_data("adult", "adult.data")))


def bootstrap(train: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Training rows resampled with replacement: the copying generator."""
    return train.sample(len(train), replace=True, random_state=seed).reset_index(drop=True)


def independent(train: pd.DataFrame, seed: int = 1) -> pd.DataFrame:
    """Every column shuffled on its own: right marginals, no dependence between columns."""
    rng = np.random.default_rng(seed)
    return pd.DataFrame({c: train[c].to_numpy()[rng.permutation(len(train))] for c in train.columns})
