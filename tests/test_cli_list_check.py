"""`benchkit list` and `benchkit check` in-process: sections, JSON, plugin problems, exit codes."""

from __future__ import annotations

import json
import re
import warnings

from benchkit import hookimpl, plugins
from benchkit.cli import main
from benchkit.errors import PluginInactive
from benchkit_baselines import BootstrapGenerator


class Clashing:
    @staticmethod
    @hookimpl
    def benchkit_register_generators(register):
        register("independent", BootstrapGenerator)

    @staticmethod
    @hookimpl
    def benchkit_register_datasets(register):
        raise OSError("download failed")


def test_list_shows_sections_and_plugin_problems(plugin_manager, capsys, recwarn):
    plugin_manager.register(Clashing(), name="clashing")
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert not any(line.startswith("  independent ") for line in out.splitlines())  # the clash is withheld
    assert re.search(r"^  gaussian_copula +benchkit_baselines +benchkit 0\.1\.0 ", out, re.M)  # widths follow the longest name
    assert "Plugin problems (" in out
    assert "clashing (benchkit_register_datasets): OSError: download failed" in out
    assert "generator 'independent' is registered twice: by plugin 'benchkit_baselines'" in out


class Dormant:
    @staticmethod
    @hookimpl
    def benchkit_register_generators(register):
        register("dormant_gen", BootstrapGenerator)  # dropped: the hook then says it is inactive
        raise PluginInactive("zoo is not installed; pip install zoo")


def test_inactive_plugin_is_a_note_not_a_problem(plugin_manager, capsys):
    plugin_manager.register(Dormant(), name="dormant")
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "plugin failed" warning for a plugin that is merely off
        reg = plugins.registry()
    assert reg.inactive["dormant"] == "zoo is not installed; pip install zoo"
    assert plugins.inactive_plugins()["dormant"] == "zoo is not installed; pip install zoo"
    assert "dormant_gen" not in reg.all("generator") and not [e for e in reg.errors if e.plugin == "dormant"]
    assert main(["list"]) == 0
    out = capsys.readouterr().out
    assert "Inactive plugins (" in out
    assert "  dormant plugin: not active — zoo is not installed; pip install zoo" in out.splitlines()
    assert "dormant" not in out.split("Inactive plugins")[0]
    assert main(["list", "generators", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert {"plugin": "dormant", "reason": "zoo is not installed; pip install zoo"} in data["inactive"]


def test_list_json_one_section(plugin_manager, capsys):
    assert main(["list", "generators", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"generators", "errors", "inactive"}
    names = [r["name"] for r in data["generators"]]
    assert names == sorted(names)
    assert data["generators"][0]["distribution"] == "benchkit"
    assert [e for e in data["errors"] if e["stage"] == "conflict"] == []
    assert {"bootstrap", "gaussian_copula", "independent"} <= {r["name"] for r in data["generators"]}


def test_check_passes_for_a_baseline_and_fails_for_a_bad_param(plugin_manager, capsys):
    assert main(["check", "independent"]) == 0
    out = capsys.readouterr().out
    assert out.count("PASS  ") == 11 and "independent: 11 passed, 0 failed" in out
    assert main(["check", "gaussian_copula", "--param", 'category_order="alphabetical"']) == 1
    out = capsys.readouterr().out
    assert "FAIL  check_columns" in out and "category_order='alphabetical' is not one of" in out
    assert "PASS  check_init_params" in out and "PASS  check_sample_before_fit" in out


def test_check_unknown_name_exits_2_with_suggestion(plugin_manager, capsys):
    assert main(["check", "indepedent"]) == 2
    assert "did you mean 'independent'?" in capsys.readouterr().err
    assert plugins.get_generator("independent").obj.__name__ == "IndependentGenerator"
