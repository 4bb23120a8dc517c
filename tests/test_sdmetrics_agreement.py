"""Agreement with SDMetrics itself, where it is installed (it is an optional peer, not a dependency).

Run with an interpreter that has sdmetrics (e.g. /work/venv-sdmetrics/bin/python -m pytest ...);
skipped otherwise.
"""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit import Schema

sdmetrics = pytest.importorskip(
    "sdmetrics", reason="sdmetrics is a peer (pandas<3): .ci/run runs this file with BENCHKIT_PEER_PYTHON")


def frames(seed: int):
    rng = np.random.default_rng(seed)

    def make(n, shift):
        df = pd.DataFrame({
            "a": np.round(rng.normal(shift, 1, n), 1),
            "b": rng.integers(0, 5, n).astype(float),
            "c": rng.choice(list("xyzw"), n, p=[0.4, 0.3, 0.2, 0.1]),
            "d": rng.choice(["p", "q", "r"], n),
            "t": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 100, n), unit="D"),
        })
        df["e"] = df["a"] * 2 + rng.normal(size=n) + (df["c"] == "x") * 2
        df.loc[rng.random(n) < 0.1, "a"] = np.nan
        df.loc[rng.random(n) < 0.1, "c"] = None
        df.loc[rng.random(n) < 0.05, "t"] = pd.NaT
        return df

    real, syn = make(500, 0.0), make(400, 0.3)
    syn.loc[syn.index[:5], "d"] = "new"
    return real, syn


@pytest.mark.parametrize("seed", [0, 1])
def test_single_metrics_agree(seed):
    from sdmetrics.column_pairs import ContingencySimilarity, CorrelationSimilarity
    from sdmetrics.single_column import KSComplement, TVComplement

    real, syn = frames(seed)
    schema = Schema.infer(real, overrides={"b": "numerical"})
    res = benchkit.evaluate(real, syn, schema)
    for c in ["a", "b", "t", "e"]:
        assert res.score("marginal.ks_complement", c) == pytest.approx(KSComplement.compute(real[c], syn[c]), abs=1e-12)
    for c in ["c", "d"]:  # SDMetrics regularises unseen labels by 1e-6
        assert res.score("marginal.tv_complement", c) == pytest.approx(TVComplement.compute(real[c], syn[c]), abs=1e-5)
    for a, b in [("a", "b"), ("a", "e"), ("t", "e")]:
        for coef in ["Pearson", "Spearman"]:
            expected = CorrelationSimilarity.compute(real[[a, b]], syn[[a, b]], coefficient=coef)
            assert res.score(f"pairwise.correlation_{coef.lower()}", a, b) == pytest.approx(expected, abs=1e-12)
    assert res.score("pairwise.contingency", "c", "d") == pytest.approx(
        ContingencySimilarity.compute(real[["c", "d"]], syn[["c", "d"]]), abs=1e-12)
    assert res.score("pairwise.contingency", "a", "c") == pytest.approx(
        ContingencySimilarity.compute(real[["a", "c"]], syn[["a", "c"]], continuous_column_names=["a"]), abs=1e-12)


def test_quality_report_agrees_in_per_frame_mode():
    from sdmetrics.reports.single_table import QualityReport

    real, syn = frames(2)
    schema = Schema.infer(real, overrides={"b": "numerical"})
    meta = {"columns": {c: {"sdtype": schema[c].kind} for c in schema.scored_columns}}
    qr = QualityReport()
    qr.num_rows_subsample = None  # QualityReport otherwise scores contingency pairs on a random subsample
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qr.generate(real, syn, meta, verbose=False)
    props = qr.get_properties().set_index("Property")["Score"]
    res = benchkit.evaluate(real, syn, schema, options={"pair_binning": "per_frame", "association_correction": "none"})
    assert res.score("aggregate.column_shapes") == pytest.approx(props["Column Shapes"], abs=1e-6)
    assert res.score("aggregate.column_pair_trends") == pytest.approx(props["Column Pair Trends"], abs=1e-9)
    qr.real_correlation_threshold = qr.real_association_threshold = 0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        qr.generate(real, syn, meta, verbose=False)
    details = qr.get_details("Column Pair Trends")
    ours = res.pair_table()
    merged = details.merge(ours, left_on=["Column 1", "Column 2"], right_on=["column", "column_2"])
    assert len(merged) == 15
    np.testing.assert_allclose(merged["score"], merged["Score"], atol=1e-12)
