"""`benchkit list` and `benchkit check` in-process: sections, JSON, plugin problems, exit codes."""

from __future__ import annotations

import json

from benchkit import hookimpl, plugins
from benchkit.cli import main
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
    assert "gaussian_copula  benchkit_baselines  benchkit 0.1.0" in out
    assert "Plugin problems (" in out
    assert "clashing (benchkit_register_datasets): OSError: download failed" in out
    assert "generator 'independent' is registered twice: by plugin 'benchkit_baselines'" in out


def test_list_json_one_section(plugin_manager, capsys):
    assert main(["list", "generators", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert set(data) == {"generators", "errors"}
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
