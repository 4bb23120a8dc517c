"""The chores every generator shares (benchkit.generator): training-data checks and fresh ids."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchkit import Schema
from benchkit.errors import DataError
from benchkit.generator import check_training_data, first_fresh_id, fresh_ids


@pytest.mark.parametrize("values, expected", [
    ([3, 17, 5], 18),
    ([2.5, np.nan, -1.0], 3),
    ([np.nan, np.nan], 0),
    ([np.inf, 4.0], 5),  # infinities are not ids to continue from
    (["a", "b"], None),  # text ids: "syn-<n>"
    ([True, False], None),
])
def test_first_fresh_id_by_hand(values, expected):
    assert first_fresh_id(pd.Series(values)) == expected


def test_fresh_ids_never_repeat_real_ones():
    real = pd.Series([7, 2, 9])
    ids = fresh_ids(first_fresh_id(real), 3, "id")
    assert ids.tolist() == [10, 11, 12] and ids.dtype == np.int64 and ids.name == "id"
    assert fresh_ids(None, 2, "k").tolist() == ["syn-0", "syn-1"]


def test_check_training_data_names_the_problem():
    schema = Schema.infer(pd.DataFrame({"x": [1.0, 2.0]}))
    with pytest.raises(DataError, match=r"G\.fit\(\) needs a pandas DataFrame, got list"):
        check_training_data([1, 2], schema, "G")
    with pytest.raises(DataError, match="empty table"):
        check_training_data(pd.DataFrame({"x": []}), schema, "G")
    check_training_data(pd.DataFrame({"x": [3.0]}), schema, "G")
