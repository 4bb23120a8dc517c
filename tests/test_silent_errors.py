"""Issue 16: scores that used to be silently wrong (empty or constant synthetic columns, dates in
another format, independent high-cardinality columns counted as associated, inf values, an
all-missing synthetic table). Expected values are computed by hand in the comments."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pandas as pd
import pytest
from scipy.stats.contingency import association

import benchkit
from benchkit import Schema
from benchkit.data import align_frames
from benchkit.errors import SchemaError
from benchkit.metrics import MetricContext, marginal, pairwise
from benchkit.schema import DataWarning, DateFormatWarning, infer_date_format


def ctx_for(real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema | None = None, **options) -> MetricContext:
    schema = schema or Schema.infer(real)
    r, s, _ = align_frames(real, synthetic, schema)
    return MetricContext(r, s, schema, options=options)


def one(scores, column, column_2=None):
    [found] = [s for s in scores if s.column == column and s.column_2 == column_2]
    return found


def shapes_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    real = pd.DataFrame({"age": [1.0, 2, 3, 4], "income": [10.0, 20, 30, 40],
                         "city": ["a", "a", "b", "c"], "sex": ["m", "f", "m", "f"]})
    return real, real.copy()


# ------------------------------------------------------------------ 1. empty / constant columns
def test_all_missing_synthetic_columns_score_zero_and_lead_the_worst_columns():
    real, syn = shapes_frames()
    syn["income"], syn["city"] = np.nan, np.nan
    res = benchkit.evaluate(real, syn, families=["marginal", "pairwise"], references=False)
    for metric, col in (("marginal.ks_complement", "income"), ("marginal.tv_complement", "city")):
        row = res.scores[(res.scores.metric == metric) & (res.scores.column == col)].iloc[0]
        assert row.value == 0.0 and "synthetic column has no non-missing values" in row.details["reason"]
    # Column Shapes = mean(age 1, income 0, city 0, sex 1) = 0.5 (it was 1.0: the empty ones were skipped)
    assert res.score("aggregate.column_shapes") == pytest.approx(0.5)
    worst = res.summary.worst_columns
    assert worst["column"].tolist()[:2] == ["income", "city"] and worst["score"].tolist()[:2] == [0.0, 0.0]
    table = res.column_table()
    assert table.set_index("column").loc[["income", "city"], "shape"].tolist() == [0.0, 0.0]


def test_constant_synthetic_column_scores_what_the_definitions_give():
    real, syn = shapes_frames()
    syn["age"], syn["city"] = 2.5, "a"
    res = benchkit.evaluate(real, syn, families=["marginal"], references=False)
    # KS: F_real(x) for x in [2, 2.5) is 0.5, F_syn is 0 there -> D = 0.5 -> 0.5
    assert res.score("marginal.ks_complement", "age") == pytest.approx(0.5)
    # TV: real a .5, b .25, c .25; syn a 1 -> TVD = (.5 + .25 + .25) / 2 = .5 -> 0.5
    assert res.score("marginal.tv_complement", "city") == pytest.approx(0.5)
    assert set(res.summary.worst_columns["column"][:2]) == {"age", "city"}
    assert res.score("aggregate.column_shapes") == pytest.approx((0.5 + 1 + 0.5 + 1) / 4)


def test_both_all_missing_or_both_constant():
    real = pd.DataFrame({"x": [np.nan, np.nan, np.nan], "k": [5.0, 5, 5], "c": ["u", "u", "u"], "y": [1.0, 2, 3]})
    schema = Schema.infer(real, overrides={"x": "numerical"})
    syn = real.copy()
    ctx = ctx_for(real, syn, schema)
    ks = marginal.ks_complement(ctx)
    # both empty: nothing to compare -> NaN with a reason; skipped by the aggregates
    assert math.isnan(one(ks, "x").value) and "real and synthetic" in one(ks, "x").details["reason"]
    # both the same constant: the distributions are equal -> 1 (and 0 for another constant)
    assert one(ks, "k").value == 1.0
    assert one(marginal.tv_complement(ctx), "c").value == 1.0
    ctx = ctx_for(real, syn.assign(k=6.0), schema)
    assert one(marginal.ks_complement(ctx), "k").value == 0.0


def test_correlation_with_an_undefined_synthetic_correlation_scores_zero():
    real = pd.DataFrame({"x": [1.0, 2, 3, 4], "y": [1.0, 3, 2, 4], "k": [1.0, 1, 1, 1]})
    for bad in (np.nan, 7.0):  # all missing, constant
        syn = real.assign(y=bad)
        s = one(pairwise.correlation_pearson(ctx_for(real, syn)), "x", "y")
        assert s.value == 0.0 and "synthetic correlation is undefined" in s.details["reason"]
        assert s.details["real"] == pytest.approx(0.8)  # r = 4 / 5 by hand (centred x, y: dot 4, norms 5)
    # a real correlation that is undefined (constant real column) leaves nothing to match: NaN
    s = one(pairwise.correlation_pearson(ctx_for(real, real)), "x", "k")
    assert math.isnan(s.value) and "real correlation is undefined" in s.details["reason"]


def test_contingency_with_an_all_missing_synthetic_column_is_not_perfect():
    real = pd.DataFrame({"a": ["x", "x", "y", "y"], "b": ["p", "q", "p", "q"]})
    syn = real.assign(b=np.nan)
    # real cells (x,p) (x,q) (y,p) (y,q) .25 each; synthetic (x,NaN) .5 (y,NaN) .5: TVD 1 -> 0
    s = one(pairwise.contingency(ctx_for(real, syn)), "a", "b")
    assert s.value == 0.0


# ------------------------------------------------------------------------------------ 2. dates
def dates(n: int = 400, seed: int = 0) -> pd.DatetimeIndex:
    rng = np.random.default_rng(seed)
    return pd.Timestamp("2015-01-01") + pd.to_timedelta(rng.integers(0, 3000, n), unit="D")


def test_iso_real_and_day_first_synthetic_are_read_right_with_a_warning():
    d = dates()
    real = pd.DataFrame({"d": d.strftime("%Y-%m-%d"), "x": np.arange(len(d), dtype=float)})
    syn = pd.DataFrame({"d": d.strftime("%d/%m/%Y"), "x": np.arange(len(d), dtype=float)})
    with pytest.warns(DateFormatWarning, match=r"'d'.*'ISO8601'.*synthetic table as '%d/%m/%Y'"):
        res = benchkit.evaluate(real, syn, families=["marginal"], references=False)
    assert res.score("marginal.ks_complement", "d") == 1.0  # the same dates (value by value it was 0.93)
    assert any("%d/%m/%Y" in note for note in res.notes)
    schema = Schema.infer(real)
    _, syn_c, _ = align_frames(real, syn, schema)
    assert (syn_c["d"] == pd.Series(d)).all()


def test_day_first_format_is_inferred_from_days_above_12():
    text = pd.Series(["03/04/2020", "25/04/2020", "01/12/2021"])
    fmt, counts, checked, covered = infer_date_format(text)
    assert fmt == "%d/%m/%Y" and counts["%m/%d/%Y"] == 2 and checked == covered == 3
    assert infer_date_format(pd.Series(["04/25/2020", "03/04/2020"]))[0] == "%m/%d/%Y"
    with pytest.warns(DateFormatWarning, match="no day is above 12"):
        Schema({"d": benchkit.ColumnSpec("datetime")}).coerce(pd.DataFrame({"d": ["03/04/2020", "01/02/2021"]}))


def test_dates_in_four_formats_are_datetime_with_counted_warnings():
    d = dates(500)
    formats = ["%Y-%m-%d", "%d.%m.%Y", "%Y/%m/%d", "%d-%m-%Y"]  # 125 values each
    text = [t.strftime(formats[i % 4]) for i, t in enumerate(d)]
    real = pd.DataFrame({"d": text})
    with pytest.warns(DateFormatWarning, match=r"column 'd' holds dates in several formats .*'ISO8601' reads") as caught:
        schema = Schema.infer(real)
    assert schema["d"].kind == "datetime"  # not a 500-level categorical
    for fmt in formats[1:]:
        assert f"'{fmt}' reads" in str(caught[0].message)
    # pandas' ISO8601 reads %Y-%m-%d and %Y/%m/%d (250 values): the 250 day-first ones are counted
    with pytest.warns(DateFormatWarning, match=r"read with the date format 'ISO8601': 250 of 500 values do not fit"):
        out = schema.coerce(real, "real table")
    assert int(out["d"].isna().sum()) == 250
    assert (out["d"][::2].to_numpy() == d[::2].to_numpy()).all()


def test_text_that_is_not_dates_still_raises():
    with pytest.raises(SchemaError, match="expected dates"):
        Schema({"d": benchkit.ColumnSpec("datetime")}).coerce(pd.DataFrame({"d": ["x", "y", "2020-01-01"]}))


# ----------------------------------------------------------------- 3. bias-corrected Cramér's V
def test_cramers_v_by_hand():
    # x: p 4, q 1; y: q 1, r 4.  Row totals 5, 5; column totals 4, 2, 4; n 10.
    # sum O^2/(R C) = 16/20 + 1/10 + 1/10 + 16/20 = 1.8 -> phi2 = 0.8; plain V = sqrt(0.8 / 1)
    # Bergsma: phi2~ = 0.8 - (1 * 2) / 9 = 26/45; r~ - 1 = 2 - 1/9 - 1 = 8/9; c~ - 1 = 3 - 4/9 - 1 = 14/9
    # V~ = sqrt(26/45 / (8/9)) = sqrt(0.65)
    real = pd.DataFrame({"a": ["x"] * 5 + ["y"] * 5, "b": ["p"] * 4 + ["q", "q"] + ["r"] * 4})
    plain = one(pairwise.contingency(ctx_for(real, real, association_correction="none")), "a", "b")
    assert plain.details["real_association"] == pytest.approx(math.sqrt(0.8), abs=1e-12)
    assert plain.details["real_association"] == pytest.approx(association(pd.crosstab(real.a, real.b).to_numpy()), abs=1e-12)
    s = one(pairwise.contingency(ctx_for(real, real)), "a", "b")
    assert s.details["real_association"] == pytest.approx(math.sqrt(0.65), abs=1e-12)
    assert s.details["association_correction"] == "bergsma"


def high_cardinality(seed: int, n: int = 20_000) -> pd.DataFrame:
    g = np.random.default_rng(seed)
    a = g.choice(list("abcde"), n)
    return pd.DataFrame({
        "hc1": np.char.add("L", g.integers(0, 8000, n).astype(str)),
        "hc2": np.char.add("L", g.integers(0, 8000, n).astype(str)),
        "a": a,
        "b": np.where(g.random(n) < 0.8, a, g.choice(list("abcde"), n)),  # truly associated with a
        "x": g.normal(size=n),
    })


def test_independent_high_cardinality_pairs_do_not_count_associated_ones_do():
    real, syn = high_cardinality(1), high_cardinality(2)
    res = benchkit.evaluate(real, syn, families=["pairwise"], references=False)
    pairs = res.pair_table().set_index(["column", "column_2"])
    counted = set(pairs.index[pairs["meets_threshold"].astype(bool)])
    assert counted == {("a", "b")}
    assert res.score("aggregate.column_pair_trends") > 0.95
    # SDMetrics' plain V counts the independent high-cardinality pairs (about 0.61 each)
    plain = benchkit.evaluate(real, syn, families=["pairwise"], references=False,
                              options={"association_correction": "none"})
    assert plain.score("aggregate.column_pair_trends") < 0.5


# -------------------------------------------------------------- 4. inf values, all-missing table
def test_inf_values_are_missing_with_a_note_and_no_runtime_warning():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=300), "y": rng.normal(size=300), "c": rng.choice(["u", "v"], 300)})
    syn = real.copy()
    real.loc[:5, "x"] = np.inf
    syn.loc[:3, "y"] = -np.inf
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        with pytest.warns(DataWarning, match="'x' of the real table holds 6 infinite value"):
            res = benchkit.evaluate(real, syn, target="c", references=False)
    assert any("'y' of the synthetic table holds 4 infinite" in n for n in res.notes)
    assert res.score("marginal.missing_similarity", "x") == pytest.approx(1 - 6 / 300)
    assert not math.isnan(res.score("pairwise.correlation_pearson", "x", "y"))


def test_all_missing_synthetic_table_scores_instead_of_crashing():
    rng = np.random.default_rng(0)
    real = pd.DataFrame({"x": rng.normal(size=200), "c": rng.choice(["u", "v"], 200),
                         "d": pd.Timestamp("2020-01-01") + pd.to_timedelta(rng.integers(0, 99, 200), unit="D")})
    syn = pd.DataFrame({c: np.full(150, np.nan) for c in real})  # float NaN in every column, dates included
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        res = benchkit.evaluate(real, syn, target="c", families=["marginal", "pairwise", "utility"], references=False)
    assert not [s for s in res.skipped if s.error]
    assert math.isnan(res.score("utility.tstr_roc_auc"))
    [tstr_auc] = res.scores[res.scores.metric == "utility.tstr_roc_auc"]["details"]
    assert "no synthetic row" in tstr_auc["note"]
    assert res.score("aggregate.column_shapes") == 0.0
    assert res.score("pairwise.correlation_pearson", "x", "d") == 0.0
