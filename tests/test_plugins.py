"""The plugin manager: loading, isolation of broken plugins, name conflicts, lookups and filtering."""

from __future__ import annotations

import importlib
import sys

import pluggy
import pytest

from _plugin_dists import BROKEN_IMPORT, GOOD_PLUGIN, MISSPELT_HOOK, make_dist
from benchkit import hookimpl, plugins
from benchkit.errors import BenchkitError, PluginError, UnknownNameError
from benchkit_baselines import BootstrapGenerator, IndependentGenerator


def plugin(**hooks):
    """A throw-away plugin object whose attributes are the given hook implementations."""
    cls = type("TempPlugin", (), {name: staticmethod(hookimpl(fn)) for name, fn in hooks.items()})
    return cls()


@pytest.fixture
def site(tmp_path, monkeypatch):
    """A folder on sys.path where tests lay out fake installed distributions; cleaned up after."""
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delenv("BENCHKIT_LOAD_PLUGINS", raising=False)
    before = set(sys.modules)
    plugins.reset()
    yield tmp_path
    plugins.reset()
    for name in set(sys.modules) - before:
        if name.startswith("bkt_"):
            del sys.modules[name]


def about(errors, *names):
    """The load errors of the named plugins (the environment may hold other, unrelated plugins)."""
    return [e for e in errors if e.plugin in names or (e.stage == "conflict" and any(n in e.plugin for n in names))]


def load():
    importlib.invalidate_caches()
    plugins.reset()
    return plugins.registry()


# ---------------------------------------------------------------- built-ins
def test_builtin_baselines_registered_once_with_their_distribution(plugin_manager):
    gens = plugins.list_generators()
    assert {"independent", "gaussian_copula", "bootstrap"} <= set(gens)
    reg = gens["independent"]
    assert reg.obj is IndependentGenerator
    assert reg.plugin == "benchkit_baselines" and reg.distribution == "benchkit"
    assert reg.version == __import__("benchkit").__version__
    assert about(plugins.load_errors(), "benchkit_baselines", "baselines") == []


def test_builtin_also_declared_as_entry_point_is_not_registered_twice(site):
    # an installed benchkit declares `baselines = benchkit_baselines`; DEFAULT_PLUGINS loads it too
    make_dist(site, "benchkit", "0.1.0", {"baselines": "benchkit_baselines"})
    reg = load()
    pm = plugins.get_plugin_manager()
    mods = [p for p in pm.get_plugins() if getattr(p, "__name__", None) == "benchkit_baselines"]
    assert len(mods) == 1
    assert about(reg.errors, "baselines", "benchkit_baselines") == [] and "bootstrap" in reg.all("generator")


def test_third_party_entry_point_to_a_builtin_module_is_not_registered_twice(site):
    make_dist(site, "someone-else", "1.0", {"copy_of_baselines": "benchkit_baselines"})
    reg = load()
    assert about(reg.errors, "copy_of_baselines") == [] and reg.conflicts["generator"] == {}


# --------------------------------------------------------------- duplicates
def test_duplicate_generator_name_names_both_sources(plugin_manager):
    a = plugin(benchkit_register_generators=lambda register: register("twin", IndependentGenerator))
    b = plugin(benchkit_register_generators=lambda register: register("twin", BootstrapGenerator))
    plugin_manager.register(a, name="plugin_a")
    plugin_manager.register(b, name="plugin_b")
    with pytest.warns(RuntimeWarning, match="'twin' is registered twice"):
        reg = plugins.registry()
    with pytest.raises(PluginError) as err:
        plugins.get_generator("twin")
    msg = str(err.value)
    assert "plugin 'plugin_a'" in msg and "plugin 'plugin_b'" in msg and "BENCHKIT_LOAD_PLUGINS" in msg
    # the clash is reported, hidden from listings, and every other name keeps working
    assert "twin" not in plugins.list_generators()
    assert any(e.stage == "conflict" and "twin" in e.error for e in reg.errors)
    assert plugins.get_generator("bootstrap").obj is BootstrapGenerator


def test_duplicate_of_a_builtin_names_the_builtin_distribution(plugin_manager):
    p = plugin(benchkit_register_generators=lambda register: register("bootstrap", IndependentGenerator))
    plugin_manager.register(p, name="impostor")
    with pytest.warns(RuntimeWarning):
        plugins.registry()
    with pytest.raises(PluginError, match=r"benchkit_baselines' \(benchkit 0\.1\.0\) and by plugin 'impostor'"):
        plugins.get_generator("bootstrap")


def test_same_object_registered_twice_by_one_plugin_is_not_a_conflict(plugin_manager):
    def hook(register):
        register("again", BootstrapGenerator)
        register("again", BootstrapGenerator)

    plugin_manager.register(plugin(benchkit_register_generators=hook), name="repeat")
    assert plugins.get_generator("again").obj is BootstrapGenerator


# ----------------------------------------------------------- broken plugins
def test_plugin_raising_on_import_is_reported_and_others_keep_working(site):
    make_dist(site, "bkt-broken", "0.3", {"broken": "bkt_broken"}, {"bkt_broken": BROKEN_IMPORT})
    make_dist(site, "bkt-good", "1.2", {"good": "bkt_good"}, {"bkt_good": GOOD_PLUGIN.format(cls="G", gen="good_gen")})
    with pytest.warns(RuntimeWarning, match=r"plugin 'broken' failed \(import\): ImportError: this plugin needs"):
        reg = load()
    [err] = about(reg.errors, "broken")
    assert (err.plugin, err.stage) == ("broken", "import") and "Traceback" in err.traceback
    good = reg.get("generator", "good_gen")
    assert (good.plugin, good.distribution, good.version) == ("good", "bkt-good", "1.2")
    assert "bootstrap" in reg.all("generator")
    with pytest.raises(UnknownNameError, match=r"\d+ plugin problem\(s\); run `benchkit list`"):
        reg.get("generator", "from_broken")


def test_hook_that_raises_keeps_none_of_its_registrations(plugin_manager):
    def hook(register):
        register("half_done", BootstrapGenerator)
        raise RuntimeError("model zoo unreachable")

    plugin_manager.register(plugin(benchkit_register_generators=hook), name="flaky")
    with pytest.warns(RuntimeWarning, match=r"'flaky' failed \(benchkit_register_generators\): RuntimeError"):
        reg = plugins.registry()
    assert "half_done" not in reg.all("generator")
    [err] = about(reg.errors, "flaky")
    assert (err.plugin, err.stage) == ("flaky", "benchkit_register_generators")
    assert "model zoo unreachable" in err.error
    assert "gaussian_copula" in reg.all("generator")


def test_non_callable_registration_is_a_hook_error(plugin_manager):
    plugin_manager.register(plugin(benchkit_register_generators=lambda register: register("bad", 42)), name="p42")
    with pytest.warns(RuntimeWarning, match="non-callable 42"):
        reg = plugins.registry()
    assert "bad" not in reg.all("generator") and len(about(reg.errors, "p42")) == 1


def test_check_pending_catches_a_misspelt_hook(plugin_manager):
    plugin_manager.register(plugin(benchkit_register_generator=lambda register: None), name="typo")
    with pytest.raises(pluggy.PluginValidationError, match="benchkit_register_generator"):
        plugin_manager.check_pending()


def test_misspelt_hook_in_an_installed_plugin_is_dropped_and_reported(site):
    make_dist(site, "bkt-typo", "0.1", {"typo": "bkt_typo"}, {"bkt_typo": MISSPELT_HOOK})
    with pytest.warns(RuntimeWarning, match=r"'typo' failed \(register\).*benchkit_register_generator"):
        reg = load()
    assert [(e.plugin, e.stage) for e in about(reg.errors, "typo")] == [("typo", "register")]
    assert plugins.get_plugin_manager().get_plugin("typo") is None
    assert "never_seen" not in reg.all("generator") and "independent" in reg.all("generator")


def test_hook_implementation_asking_for_an_unknown_argument_is_rejected(plugin_manager):
    with pytest.raises(pluggy.PluginValidationError, match="config"):
        plugin_manager.register(plugin(benchkit_register_generators=lambda register, config: None), name="greedy")


def test_hook_implementations_may_take_fewer_arguments(plugin_manager):
    calls = []
    plugin_manager.register(plugin(benchkit_register_metrics=lambda: calls.append("called")), name="minimal")
    plugin_manager.check_pending()
    reg = plugins.registry()
    assert calls == ["called"] and about(reg.errors, "minimal") == []


# --------------------------------------------------------- metrics/datasets
def test_metric_and_dataset_hooks_register_with_their_info(plugin_manager):
    def metric(ctx):
        return []

    def loader(**kwargs):
        raise NotImplementedError

    p = plugin(
        benchkit_register_metrics=lambda register: register("marginal.test_metric", metric, family="marginal", higher_is_better=True),
        benchkit_register_datasets=lambda register: register("toy", loader, license="CC0", target="y"),
    )
    plugin_manager.register(p, name="extras")
    m = plugins.get_metric("marginal.test_metric")
    assert m.obj is metric and m.info == {"family": "marginal", "higher_is_better": True} and m.plugin == "extras"
    d = plugins.get_dataset("toy")
    assert d.obj is loader and d.info["target"] == "y" and d.kind == "dataset"
    # unregistering the plugin drops its names (the registry follows the manager)
    plugin_manager.unregister(p)
    with pytest.raises(UnknownNameError):
        plugins.get_metric("marginal.test_metric")


# ------------------------------------------------------------ unknown names
def test_unknown_name_suggests_close_matches_and_lists_installed(plugin_manager):
    with pytest.raises(UnknownNameError) as err:
        plugins.get_generator("gausian_copula")
    msg = str(err.value)
    # 'gaussian_copula' first; with the sdv plugin active, 'sdv_gaussian_copula' is a second suggestion
    assert msg.startswith("unknown generator 'gausian_copula'; did you mean 'gaussian_copula'")
    installed = msg.split("installed generators: ", 1)[1].split(" (", 1)[0].split(", ")
    assert {"bootstrap", "gaussian_copula", "independent"} <= set(installed) and installed == sorted(installed)
    assert isinstance(err.value, BenchkitError) and isinstance(err.value, KeyError)


def test_unknown_name_suggestion_ignores_case(plugin_manager):
    with pytest.raises(UnknownNameError, match="did you mean 'bootstrap'"):
        plugins.get_generator("BootStrap")


def test_unknown_name_without_a_close_match_has_no_suggestion(plugin_manager):
    with pytest.raises(UnknownNameError) as err:
        plugins.get_generator("quantum_gan")
    assert "did you mean" not in str(err.value) and "installed generators:" in str(err.value)
    with pytest.raises(UnknownNameError, match="unknown dataset 'no_such_table'; installed datasets: "):
        plugins.get_dataset("no_such_table")


def test_unknown_kind_is_an_error(plugin_manager):
    with pytest.raises(BenchkitError, match="unknown registration kind 'model'"):
        plugins.registry().get("model", "x")


# ---------------------------------------------------------------- filtering
@pytest.fixture
def two_plugins(site):
    make_dist(site, "bkt-one", "1.0", {"one": "bkt_one"}, {"bkt_one": GOOD_PLUGIN.format(cls="One", gen="gen_one")})
    make_dist(site, "bkt-two", "2.0", {"two": "bkt_two"}, {"bkt_two": GOOD_PLUGIN.format(cls="Two", gen="gen_two")})
    return site


@pytest.mark.parametrize(
    "value, expected",
    [
        (None, {"gen_one", "gen_two"}),
        ("one", {"gen_one"}),
        (" two , nothing_else ", {"gen_two"}),
        ("bkt-one", {"gen_one"}),  # a distribution name works too
        ("", set()),
    ],
)
def test_benchkit_load_plugins_limits_third_party_plugins(two_plugins, monkeypatch, value, expected):
    if value is None:
        monkeypatch.delenv("BENCHKIT_LOAD_PLUGINS", raising=False)
    else:
        monkeypatch.setenv("BENCHKIT_LOAD_PLUGINS", value)
    gens = set(load().all("generator"))
    assert gens & {"gen_one", "gen_two"} == expected
    assert {"independent", "gaussian_copula", "bootstrap"} <= gens  # built-ins always load


def test_two_distributions_with_the_same_entry_point_name(site):
    make_dist(site / "a", "bkt-first", "1.0", {"same": "bkt_first"}, {"bkt_first": GOOD_PLUGIN.format(cls="A", gen="gen_a")})
    make_dist(site / "b", "bkt-second", "1.0", {"same": "bkt_second"}, {"bkt_second": GOOD_PLUGIN.format(cls="B", gen="gen_b")})
    sys.path[:0] = [str(site / "a"), str(site / "b")]
    try:
        with pytest.warns(RuntimeWarning, match="two plugins use the entry-point name 'same'"):
            reg = load()
    finally:
        sys.path.remove(str(site / "a"))
        sys.path.remove(str(site / "b"))
    assert "gen_a" in reg.all("generator") and "gen_b" not in reg.all("generator")
    [err] = about(reg.errors, "same")
    assert "bkt-first and bkt-second" in err.error and "bkt_second" in err.error


def test_plugin_calling_sys_exit_on_import_does_not_end_the_host(site):
    make_dist(site, "bkt-exit", "0.1", {"exiter": "bkt_exit"}, {"bkt_exit": "import sys\nsys.exit(3)\n"})
    with pytest.warns(RuntimeWarning, match=r"'exiter' failed \(import\): SystemExit: 3"):
        reg = load()
    assert "bootstrap" in reg.all("generator")
