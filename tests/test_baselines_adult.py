"""Acceptance on the real Adult census data: the baselines order as the floor and the ceiling should.

``independent`` keeps every column's shape but none of the relationships, ``gaussian_copula`` keeps
the monotone ones, ``bootstrap`` copies rows. All three draw each column from the same empirical
marginal, so their Column Shapes agree up to sampling noise (bootstrap is "highest" only within it);
Column Pair Trends separate them clearly.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchkit import Schema, evaluate
from benchkit_baselines import BootstrapGenerator, GaussianCopulaGenerator, IndependentGenerator
from conftest import shared_data

ADULT_COLUMNS = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status", "occupation",
    "relationship", "race", "sex", "capital-gain", "capital-loss", "hours-per-week", "native-country", "income",
]
N_ROWS = 6000


@pytest.fixture(scope="module")
def scores():
    path = shared_data("adult", "adult.data")
    full = pd.read_csv(path, header=None, names=ADULT_COLUMNS, skipinitialspace=True, na_values="?")
    real = full.sample(N_ROWS, random_state=0).reset_index(drop=True)
    schema = Schema.infer(real, target="income")
    out = {}
    for name, cls in [("independent", IndependentGenerator), ("gaussian_copula", GaussianCopulaGenerator),
                      ("bootstrap", BootstrapGenerator)]:
        synthetic = cls(seed=0).fit(real, schema).sample(N_ROWS)
        result = evaluate(real, synthetic, schema, families=["marginal", "pairwise"], seed=0)
        out[name] = (result.score("aggregate.column_shapes"), result.score("aggregate.column_pair_trends"))
    return out


def test_independent_has_near_perfect_shapes_but_poor_pair_trends(scores):
    shapes, trends = scores["independent"]
    assert shapes > 0.97
    assert trends < scores["gaussian_copula"][1] - 0.05


def test_bootstrap_is_highest_on_both(scores):
    boot_shapes, boot_trends = scores["bootstrap"]
    assert boot_trends > scores["gaussian_copula"][1] > scores["independent"][1]
    assert boot_trends > 0.95
    # every baseline draws columns from the same empirical marginals: shapes tie up to sampling noise
    for name in ("independent", "gaussian_copula"):
        assert boot_shapes >= scores[name][0] - 0.01, scores
    assert np.isfinite([v for pair in scores.values() for v in pair]).all()
