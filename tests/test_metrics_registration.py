import pytest

from adult_case import adult, bootstrap
from benchkit import evaluation, plugins
from conftest import shared_data

EXPECTED = {
    "utility.tstr": ("utility", ("target",)),
    "detection.lightgbm": ("detection", ()),
    "detection.logistic": ("detection", ()),
    "privacy.exact_copies": ("privacy", ()),
    "privacy.dcr": ("privacy", ("holdout",)),
    "privacy.nndr": ("privacy", ()),
}


def test_builtin_metrics_are_registered_with_their_needs(plugin_manager):
    metrics = plugins.list_metrics()
    for name, (family, requires) in EXPECTED.items():
        reg = metrics[name]
        assert reg.info["family"] == family
        assert tuple(reg.info.get("requires", ())) == requires
        assert reg.info["description"]
    assert not [e for e in plugins.load_errors() if e.plugin.startswith("benchkit.metrics")]


def test_evaluate_runs_the_three_families_on_adult(plugin_manager):
    train, holdout, schema = adult(shared_data)
    train, holdout = train.iloc[:2000], holdout.iloc[:1000]
    res = evaluation.evaluate(train, bootstrap(train), schema, target="income", holdout=holdout,
                              families=["utility", "detection", "privacy"], seed=0)
    values = dict(zip(res.scores["metric"], res.scores["value"]))
    assert values["privacy.exact_copies"] > 0.99
    assert values["utility.tstr_roc_auc"] == pytest.approx(values["utility.trtr_roc_auc"], abs=0.03)
    assert not res.skipped
