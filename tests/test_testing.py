"""The conformance suite: every planted defect is caught by its check with a precise message."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from benchkit import Generator, Schema
from benchkit.errors import BenchkitError, NotFittedError
from benchkit.testing import (
    CHECKS,
    ConformanceError,
    check_categories_seen,
    check_columns,
    check_deterministic,
    check_dtypes,
    check_generator,
    make_check_data,
    parametrize_with_checks,
    run_checks,
)
from benchkit_baselines import BootstrapGenerator, GaussianCopulaGenerator, IndependentGenerator


# A correct reference generator, and one subclass per planted defect.
class Reference(BootstrapGenerator):
    pass


class WrongColumns(Reference):
    def _sample(self, n):
        return super()._sample(n).drop(columns=["score"]).assign(extra=1.0)


class UnseenCategories(Reference):
    def _sample(self, n):
        out = super()._sample(n)
        out.loc[out.index[::3], "city"] = "Atlantis"
        return out


class NonDeterministic(Reference):
    def _sample(self, n):
        out = super()._sample(n)
        out["income"] = out["income"] + np.random.default_rng().normal(size=n)  # ignores the seed
        return out


class WrongDtypes(Reference):
    def _sample(self, n):
        out = super()._sample(n)
        out["income"] = out["income"].astype(str)  # numbers as text
        out["signup"] = out["signup"].dt.strftime("%Y-%m-%d")  # dates as text
        return out


class NonWholeIntegers(Reference):
    def _sample(self, n):
        out = super()._sample(n)
        out["age"] = out["age"] + 0.5
        return out


class DropsMissing(Reference):
    def _sample(self, n):
        return super()._sample(n).fillna({"age": 40.0})


class InventsMissing(Reference):
    def _sample(self, n):
        out = super()._sample(n)
        out.loc[out.index[::4], "score"] = np.nan
        return out


class NoErrorBeforeFit:
    def __init__(self, *, seed=0):
        self.seed = seed

    def fit(self, data, schema):
        self.inner = Reference(seed=self.seed).fit(data, schema)
        return self

    def sample(self, n):
        if not hasattr(self, "inner"):
            return pd.DataFrame()
        return self.inner.sample(n)


class VagueErrorBeforeFit(NoErrorBeforeFit):
    def sample(self, n):
        return self.inner.sample(n)  # AttributeError: no word about fit


class MutatesInput(Reference):
    def _fit(self, data, schema):
        data["score"] = 0.0
        super()._fit(data, schema)


class ForgetsRefit(Reference):
    def _fit(self, data, schema):
        if not hasattr(self, "data_"):
            super()._fit(data, schema)


class ChangesParams(Generator):
    def __init__(self, *, seed=0):
        self.seed = seed + 1


def failures(factory):
    return {r.check: r.message for r in run_checks(factory) if not r.passed}


@pytest.mark.parametrize("factory", [Reference, IndependentGenerator, GaussianCopulaGenerator, BootstrapGenerator])
def test_correct_generators_pass_every_check(factory):
    results = check_generator(factory)
    assert [r.check for r in results] == [c.__name__ for c in CHECKS] and all(r.passed for r in results)


def test_wrong_columns():
    with pytest.raises(ConformanceError) as err:
        check_columns(WrongColumns)
    assert str(err.value) == (
        "check_columns failed for WrongColumns: missing column(s) ['score']; unexpected column(s) ['extra'] "
        "(the schema's columns are ['customer_id', 'age', 'income', 'city', 'member', 'signup', 'score'])"
    )


def test_unseen_categories():
    with pytest.raises(ConformanceError, match=r"check_categories_seen failed for UnseenCategories: column 'city' has 1 "
                       r"value\(s\) never seen in the training data: 'Atlantis'"):
        check_categories_seen(UnseenCategories)
    assert set(failures(UnseenCategories)) == {"check_categories_seen"}


def test_non_deterministic_sampling():
    with pytest.raises(ConformanceError, match=r"check_deterministic failed for NonDeterministic: two runs with "
                       r"seed=3 differ in column 'income' \(row 0: "):
        check_deterministic(NonDeterministic)
    assert set(failures(NonDeterministic)) == {"check_deterministic"}


def test_wrong_dtypes():
    with pytest.raises(ConformanceError) as err:
        check_dtypes(WrongDtypes)
    msg = str(err.value)
    assert msg.startswith("check_dtypes failed for WrongDtypes: ")
    text = pd.Series([1.5]).astype(str).dtype  # what astype(str) gives: "str" on pandas 3, object on pandas 2
    assert f"column 'income' is numerical but has dtype {text} (string values); return numbers" in msg
    assert f"column 'signup' is datetime but has dtype {text}; return datetime64 values" in msg
    assert set(failures(WrongDtypes)) == {"check_dtypes"}


@pytest.mark.parametrize(
    "factory, check, phrase",
    [
        (NonWholeIntegers, "check_dtypes", "column 'age' is integer but has non-whole values such as"),
        (DropsMissing, "check_missing_values", "column 'age' is 9% missing in the real data but never in 1000 sampled rows"),
        (InventsMissing, "check_missing_values", "column 'score' has no missing values in the real data but 250 of 1000"),
        (NoErrorBeforeFit, "check_sample_before_fit", "sample() before fit() returned data instead of raising"),
        (VagueErrorBeforeFit, "check_sample_before_fit", "raised AttributeError"),
        (MutatesInput, "check_fit_leaves_data_unchanged", "fit() modified the training table"),
        (ForgetsRefit, "check_fit_twice", "after a second fit on columns"),
        (ChangesParams, "check_init_params", "the constructor changed hyper-parameter(s) seed=7 -> 8"),
    ],
)
def test_other_planted_defects(factory, check, phrase):
    found = failures(factory)
    assert check in found and phrase in found[check], found
    assert found[check].startswith(f"{check} failed for {factory.__name__}: ")


def test_check_generator_lists_every_failed_check():
    with pytest.raises(ConformanceError) as err:
        check_generator(WrongDtypes)
    assert isinstance(err.value, AssertionError) and isinstance(err.value, BenchkitError)
    assert str(err.value).startswith("WrongDtypes failed 1 of 11 conformance checks:\n- check_dtypes failed")


def test_check_generator_by_registered_name_and_on_user_data(plugin_manager):
    data, _ = make_check_data(n_rows=120, seed=5)
    results = check_generator("gaussian_copula", data=data.drop(columns=["customer_id"]))
    assert len(results) == len(CHECKS)


def test_params_reach_the_factory_and_test_params_is_used():
    seen = []

    class Picky(Reference):
        def __init__(self, *, depth=1, seed=0):
            seen.append(depth)
            self.depth, self.seed = depth, seed

        @classmethod
        def test_params(cls):
            return {"depth": 2}

    check_columns(Picky)
    check_columns(Picky, params={"depth": 5})
    assert seen == [2, 5]


def test_check_data_has_every_kind_and_missing_values():
    data, schema = make_check_data()
    kinds = {n: (s.kind, s.subtype) for n, s in schema.columns.items()}
    assert kinds == {
        "customer_id": ("id", None),
        "age": ("numerical", "integer"),
        "income": ("numerical", "continuous"),
        "city": ("categorical", None),
        "member": ("boolean", None),
        "signup": ("datetime", None),
        "score": ("numerical", "continuous"),
    }
    assert data[["age", "city", "signup"]].isna().mean().between(0.03, 0.15).all()
    # a fresh copy each call: a check that mutates its input cannot poison the next one
    data["age"] = 0
    assert make_check_data()[0]["age"].isna().any()


def test_sample_before_fit_error_of_the_base_class():
    with pytest.raises(NotFittedError, match="before fit"):
        Reference().sample(3)


@parametrize_with_checks([IndependentGenerator, "bootstrap"])
def test_parametrize_with_checks(generator, check):
    check(generator)


def test_parametrize_with_checks_ids():
    mark = parametrize_with_checks([Reference])
    assert mark.args[0] == "generator, check"
    assert mark.kwargs["ids"] == [f"Reference-{c.__name__}" for c in CHECKS]


def test_schema_must_match_the_check_data():
    data, schema = make_check_data()
    with pytest.raises(BenchkitError, match=r"the schema's column\(s\) \['x'\] are not in the data"):
        run_checks(Reference, data=data, schema=Schema({"x": schema.columns["age"]}))
    with pytest.raises(BenchkitError, match="a schema was given without data"):
        check_generator(Reference, schema=schema)


def test_boolean_labels_may_come_back_as_true_false():
    data, _ = make_check_data()
    data["member"] = np.where(data["member"], "yes", "no")

    class AsBool(Reference):
        def _sample(self, n):
            out = super()._sample(n)
            out["member"] = out["member"] == "yes"
            return out

    class Maybe(Reference):
        def _sample(self, n):
            out = super()._sample(n)
            out.loc[out.index[::5], "member"] = "maybe"
            return out

    check_categories_seen(AsBool, data=data)
    check_dtypes(AsBool, data=data)
    with pytest.raises(ConformanceError, match="column 'member' has 1 value\\(s\\) never seen in the training data: 'maybe'"):
        check_categories_seen(Maybe, data=data)
