"""The baseline generators: marginals, dependence, missing values, dtypes, determinism, errors."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from benchkit import Schema
from benchkit.errors import DataError, NotFittedError, SchemaError
from benchkit_baselines import BootstrapGenerator, GaussianCopulaGenerator, IndependentGenerator
from benchkit_baselines.columns import CategoricalColumn, OrderedColumn
from benchkit_baselines.copula import nearest_correlation, pairwise_correlation

ALL = [IndependentGenerator, GaussianCopulaGenerator, BootstrapGenerator]


@pytest.fixture(scope="module")
def table():
    """Correlated mixed data whose dependence the copula must keep and independence must lose."""
    rng = np.random.default_rng(11)
    n = 6000
    x = rng.normal(size=n)
    df = pd.DataFrame(
        {
            "row_id": np.arange(n) + 500,
            "x": x,
            "y": np.round(3 * x + rng.normal(size=n)),  # integer, strongly tied to x
            "grade": pd.Series(np.where(x > 0.5, "high", np.where(x < -0.5, "low", "mid")), dtype="str"),
            "flag": x + rng.normal(0, 0.5, n) > 0,
            "when": pd.Timestamp("2021-01-01") + pd.to_timedelta(np.round(30 * x + 200).astype(int), unit="D"),
            "maybe": np.where(x > 1.0, np.nan, x + rng.normal(0, 0.1, n)),  # missing exactly when x is large
        }
    )
    return df, Schema.infer(df)


def spearman(a, b):
    return stats.spearmanr(a, b, nan_policy="omit").statistic


@pytest.mark.parametrize("cls", ALL)
def test_params_stored_unchanged_fit_returns_self_and_seeding(cls, table):
    df, schema = table
    gen = cls(seed=5)
    assert gen.seed == 5 and gen.get_params()["seed"] == 5
    assert gen.fit(df, schema) is gen
    a = gen.sample(300)
    b = cls(seed=5).fit(df, schema).sample(300)
    c = cls(seed=6).fit(df, schema).sample(300)
    pd.testing.assert_frame_equal(a, b)
    assert not a.drop(columns="row_id").equals(c.drop(columns="row_id"))
    # refitting resets the sampling stream: same seed, same numbers
    pd.testing.assert_frame_equal(gen.fit(df, schema).sample(300), a)
    with pytest.raises(TypeError):
        cls(5)  # hyper-parameters are keyword-only


@pytest.mark.parametrize("cls", ALL)
def test_output_kinds_dtypes_and_fresh_ids(cls, table):
    df, schema = table
    out = cls().fit(df, schema).sample(2000)
    assert list(out.columns) == list(df.columns)
    assert out.dtypes.to_dict() == df.dtypes.to_dict()
    kinds = {n: (c.kind, c.subtype) for n, c in schema.columns.items()}
    assert {n: (c.kind, c.subtype) for n, c in Schema.infer(out).columns.items()} == kinds
    assert set(out["grade"].unique()) <= {"high", "mid", "low"}
    assert out["flag"].dtype == bool
    assert out["when"].between(df["when"].min(), df["when"].max()).all()
    assert out["row_id"].is_unique and not out["row_id"].isin(df["row_id"]).any()
    assert np.all(out["y"] == np.round(out["y"]))
    assert 0.08 < out["maybe"].isna().mean() < 0.24  # real rate 15.9%


@pytest.mark.parametrize("cls", [IndependentGenerator, GaussianCopulaGenerator])
def test_marginals_match(cls, table):
    df, schema = table
    out = cls(seed=1).fit(df, schema).sample(20000)
    assert stats.ks_2samp(out["x"], df["x"]).statistic < 0.03
    real = df["grade"].value_counts(normalize=True)
    synth = out["grade"].value_counts(normalize=True).reindex(real.index)
    assert (synth - real).abs().sum() / 2 < 0.02  # total variation distance
    assert abs(out["maybe"].isna().mean() - df["maybe"].isna().mean()) < 0.015
    assert abs(out["flag"].mean() - df["flag"].mean()) < 0.02


def test_independent_loses_dependence_and_copula_keeps_it(table):
    df, schema = table
    ind = IndependentGenerator(seed=2).fit(df, schema).sample(20000)
    cop = GaussianCopulaGenerator(seed=2).fit(df, schema).sample(20000)
    real = spearman(df["x"], df["y"])
    assert real > 0.9
    assert abs(spearman(ind["x"], ind["y"])) < 0.03
    assert abs(spearman(cop["x"], cop["y"]) - real) < 0.03
    assert abs(spearman(ind["x"], ind["when"].astype("int64"))) < 0.03
    assert spearman(cop["x"], cop["when"].astype("int64")) > 0.95
    # categories and booleans move with x too (through the frequency-interval encoding)
    assert cop.groupby("flag")["x"].mean().diff().iloc[-1] > 0.5
    assert abs(ind.groupby("flag")["x"].mean().diff().iloc[-1]) < 0.05
    # missingness is tied to x through the indicator dimension
    assert cop.loc[cop["maybe"].isna(), "x"].mean() > cop.loc[cop["maybe"].notna(), "x"].mean() + 0.5
    ind_gap = ind.loc[ind["maybe"].isna(), "x"].mean() - ind.loc[ind["maybe"].notna(), "x"].mean()
    assert abs(ind_gap) < 0.1


def test_bootstrap_rows_are_real_rows(table):
    df, schema = table
    out = BootstrapGenerator(seed=3).fit(df, schema).sample(500)
    cols = [c for c in df.columns if c != "row_id"]
    merged = out[cols].merge(df[cols].drop_duplicates(), how="left", on=cols, indicator=True)
    assert (merged["_merge"] == "both").all()


# ---------------------------------------------------------- column models
def test_categorical_intervals_follow_frequency_order():
    col = CategoricalColumn("c", pd.Series(["b", "a", "b", "c", "b", "a"]))
    # b: 3/6 -> [0, .5), a: 2/6 -> [.5, .8333), c: 1/6 -> [.8333, 1)
    assert list(col.uniques.take(col.order)) == ["b", "a", "c"]
    np.testing.assert_allclose(col.upper_sorted, [0.5, 5 / 6, 1.0])
    out = col.from_uniform([np.array([0.1, 0.49, 0.51, 0.83, 0.84, 0.999])], 6)
    assert out.tolist() == ["b", "b", "a", "a", "c", "c"]
    u = col.to_uniform(pd.Series(["a"] * 1000), np.random.default_rng(0))[0]
    assert u.min() >= 0.5 and u.max() < 5 / 6 and abs(u.mean() - (0.5 + 5 / 6) / 2) < 0.01


def test_missing_category_is_kept_as_a_category():
    s = pd.Series(["x", None, "x", "y", None, None], dtype="str")
    col = CategoricalColumn("c", s)
    out = col.from_uniform([np.linspace(0.01, 0.99, 100)], 100)
    # order: missing (3/6) -> [0, .5), "x" (2/6) -> [.5, .833), "y" (1/6) -> [.833, 1)
    assert (out.isna().sum(), (out == "x").sum(), (out == "y").sum()) == (50, 34, 16)
    assert out.iloc[:50].isna().all() and (out.iloc[84:] == "y").all()


def test_ordered_column_empirical_quantiles_and_ties():
    col = OrderedColumn("v", pd.Series([3.0, 1.0, 2.0, 2.0, np.nan]), datetime=False, interpolate=False)
    assert col.sorted.tolist() == [1.0, 2.0, 2.0, 3.0] and col.missing_rate == pytest.approx(0.2)
    assert col.n_dims == 2
    out = col.from_uniform([np.array([0.1, 0.3, 0.6, 0.99]), np.array([0.5, 0.5, 0.1, 0.5])], 4)
    assert out.tolist()[:2] == [1.0, 2.0] and np.isnan(out.iloc[2]) and out.iloc[3] == 3.0
    u, miss = col.to_uniform(pd.Series([2.0] * 2000 + [np.nan] * 500), np.random.default_rng(0))
    # the tied value 2.0 owns [1/4, 3/4) of the CDF; missing rows sit below the 0.2 missing rate
    assert np.nanmin(u) >= 0.25 and np.nanmax(u) < 0.75 and np.isnan(u[2000:]).all()
    assert (miss[:2000] >= 0.2).all() and (miss[2000:] < 0.2).all()


def test_interpolation_stays_inside_the_observed_range():
    col = OrderedColumn("v", pd.Series([0.0, 10.0]), datetime=False, interpolate=True)
    out = col.from_uniform([np.array([0.0, 0.25, 0.5, 0.75, 1.0])], 5)
    np.testing.assert_allclose(out, [0.0, 0.0, 5.0, 10.0, 10.0])


def test_pairwise_correlation_matches_hand_computation():
    rng = np.random.default_rng(0)
    z = rng.normal(size=(500, 3)) + 0.3
    z[:, 1] += z[:, 0]
    full = pairwise_correlation(z)
    np.testing.assert_allclose(full, np.corrcoef(z.T), atol=1e-12)
    z[:100, 1] = np.nan
    part = pairwise_correlation(z)
    # column 1 is centred on its own observed mean; the pair uses the rows where both are present
    a = z[100:, 0] - z[:, 0].mean()
    b = z[100:, 1] - z[100:, 1].mean()
    assert part[0, 1] == pytest.approx((a @ b) / np.sqrt((a @ a) * (b @ b)))
    assert part[0, 2] == pytest.approx(full[0, 2])


def test_nearest_correlation_repairs_an_indefinite_matrix():
    bad = np.array([[1.0, 0.9, -0.9], [0.9, 1.0, 0.9], [-0.9, 0.9, 1.0]])
    assert np.linalg.eigvalsh(bad).min() < 0
    fixed = nearest_correlation(bad)
    assert np.linalg.eigvalsh(fixed).min() > 0
    np.testing.assert_allclose(np.diag(fixed), 1.0)
    np.linalg.cholesky(fixed)
    good = np.array([[1.0, 0.3], [0.3, 1.0]])
    np.testing.assert_array_equal(nearest_correlation(good), good)


# -------------------------------------------------------------- odd inputs
@pytest.mark.parametrize("cls", ALL)
def test_odd_dtypes_round_trip(cls):
    n = 400
    rng = np.random.default_rng(4)
    df = pd.DataFrame(
        {
            "nullable_int": pd.array(np.where(rng.random(n) < 0.2, None, rng.integers(0, 9, n)), dtype="Int64"),
            "cat": pd.Categorical(rng.choice(["u", "v"], n)),
            "yes_no": rng.choice(["yes", "no"], n),
            "bool_nan": pd.Series(np.where(rng.random(n) < 0.1, None, rng.random(n) < 0.5), dtype=object),
            "tz": pd.Series(pd.date_range("2020-01-01", periods=n, freq="h", tz="Europe/Oslo")),
            "empty": np.full(n, np.nan),
            "code": rng.choice([10, 20, 30], n),
        }
    )
    schema = Schema.infer(df, overrides={"code": "categorical"})
    out = cls().fit(df, schema).sample(300)
    assert out["nullable_int"].dtype == "Int64" and out["nullable_int"].isna().any()
    assert isinstance(out["cat"].dtype, pd.CategoricalDtype)
    assert set(out["yes_no"]) <= {"yes", "no"}
    assert set(out["bool_nan"].dropna()) <= {True, False} and out["bool_nan"].isna().any()
    assert str(out["tz"].dt.tz) == "Europe/Oslo"
    assert out["empty"].isna().all()
    assert set(out["code"]) <= {10, 20, 30} and pd.api.types.is_integer_dtype(out["code"])


@pytest.mark.parametrize("cls", ALL)
def test_single_row_training_data(cls):
    df = pd.DataFrame({"a": [1.5], "b": ["x"], "c": pd.to_datetime(["2020-01-01"])})
    out = cls().fit(df, Schema.infer(df)).sample(5)
    assert out["a"].tolist() == [1.5] * 5 and out["b"].tolist() == ["x"] * 5


@pytest.mark.parametrize("cls", ALL)
def test_clear_errors(cls, table):
    df, schema = table
    with pytest.raises(NotFittedError, match=rf"{cls.__name__}.sample\(\) was called before fit"):
        cls().sample(3)
    with pytest.raises(SchemaError, match="column 'grade' is missing"):
        cls().fit(df.drop(columns="grade"), schema)
    with pytest.raises(DataError, match="empty table"):
        cls().fit(df.iloc[:0], schema)
    with pytest.raises(ValueError, match="positive integer"):
        cls().fit(df, schema).sample(0)


def test_copula_correlation_rows_limit_is_used(table):
    df, schema = table
    small = GaussianCopulaGenerator(max_correlation_rows=500, seed=0).fit(df, schema)
    full = GaussianCopulaGenerator(max_correlation_rows=None, seed=0).fit(df, schema)
    assert small.max_correlation_rows == 500
    assert not np.allclose(small.correlation_, full.correlation_)
    # (absolute values: with 500 rows the 3-category column may be laid out in the reverse order)
    np.testing.assert_allclose(np.abs(small.correlation_), np.abs(full.correlation_), atol=0.15)


def test_categories_laid_out_along_the_column_they_go_with():
    rng = np.random.default_rng(8)
    n = 4000
    level = rng.integers(0, 6, n)
    names = np.array(["f", "b", "e", "a", "d", "c"])  # frequency and name order both unrelated to level
    df = pd.DataFrame({"years": level * 2 + 8.0, "degree": names[level], "noise": rng.normal(size=n)})
    schema = Schema.infer(df)
    gen = GaussianCopulaGenerator(seed=0).fit(df, schema)
    degree = next(m for m in gen.models_ if m.name == "degree")
    assert list(degree.uniques.take(degree.order)) == ["f", "b", "e", "a", "d", "c"]
    out = gen.sample(4000)
    agree = (out["years"] == (pd.Series(out["degree"]).map({v: i for i, v in enumerate(names)}) * 2 + 8)).mean()
    assert agree > 0.95  # the deterministic pairing survives the copula
    freq = GaussianCopulaGenerator(category_order="frequency", seed=0).fit(df, schema)
    fdeg = next(m for m in freq.models_ if m.name == "degree")
    counts = df["degree"].value_counts()
    assert np.all(np.diff(counts[list(fdeg.uniques.take(fdeg.order))].to_numpy()) <= 0)  # most frequent first


def test_unknown_category_order_is_a_clear_error(table):
    df, schema = table
    from benchkit.errors import BenchkitError

    with pytest.raises(BenchkitError, match="category_order='alphabetical' is not one of"):
        GaussianCopulaGenerator(category_order="alphabetical").fit(df, schema)
