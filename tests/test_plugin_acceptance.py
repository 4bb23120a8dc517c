"""Acceptance: the example plugin found through a real entry point by `benchkit list` and
`benchkit check` in a fresh process; broken plugins reported without taking the command down."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from _plugin_dists import BROKEN_IMPORT, make_dist

REPO = Path(__file__).resolve().parent.parent
EXAMPLE_SRC = REPO / "examples" / "thirdparty_plugin" / "src"


def example_entry_point() -> dict[str, str]:
    """The entry points the example's own pyproject.toml declares (so the test tracks that file)."""
    import tomllib

    meta = tomllib.loads((REPO / "examples" / "thirdparty_plugin" / "pyproject.toml").read_text())
    return meta["project"]["entry-points"]["benchkit"]


@pytest.fixture(scope="module")
def site(tmp_path_factory):
    """A site folder holding the example plugin's dist-info, as `pip install` would lay it out."""
    root = tmp_path_factory.mktemp("site")
    make_dist(root, "benchkit-noisy-bootstrap", "0.1.0", example_entry_point())
    return root


def benchkit(*args: str, site: Path, extra_path: tuple[Path, ...] = (), **env: str) -> subprocess.CompletedProcess:
    path = [str(site), str(EXAMPLE_SRC), *map(str, extra_path), str(REPO), str(REPO / "plugins")]
    full_env = dict(os.environ)
    # only this test's third-party plugins, whatever else the environment has installed
    full_env["BENCHKIT_LOAD_PLUGINS"] = "noisy_bootstrap,broken,leaky"
    full_env.update(PYTHONPATH=os.pathsep.join(path), PYTHONWARNINGS="default", **env)
    return subprocess.run([sys.executable, "-m", "benchkit", *args], capture_output=True, text=True,
                          env=full_env, timeout=120, cwd=site)


def test_example_plugin_found_by_benchkit_list(site):
    proc = benchkit("list", "generators", "--json", site=site)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    rows = {r["name"]: r for r in data["generators"]}
    assert rows["noisy_bootstrap"] == {
        "name": "noisy_bootstrap",
        "plugin": "noisy_bootstrap",
        "distribution": "benchkit-noisy-bootstrap",
        "version": "0.1.0",
        "description": "real rows resampled with Gaussian noise on numbers and dates",
    }
    assert rows["gaussian_copula"]["distribution"] == "benchkit"
    assert [e for e in data["errors"] if e["plugin"] in ("noisy_bootstrap", "benchkit_baselines")] == []

    text = benchkit("list", site=site)
    assert text.returncode == 0
    line = next(l for l in text.stdout.splitlines() if l.strip().startswith("noisy_bootstrap"))
    assert "benchkit-noisy-bootstrap 0.1.0" in line
    assert "Metrics (" in text.stdout and "Datasets (" in text.stdout


def test_example_plugin_excluded_by_benchkit_load_plugins(site):
    proc = benchkit("list", "generators", "--json", site=site, BENCHKIT_LOAD_PLUGINS="")
    names = {r["name"] for r in json.loads(proc.stdout)["generators"]}
    assert "noisy_bootstrap" not in names and "bootstrap" in names


def test_example_plugin_passes_benchkit_check(site):
    proc = benchkit("check", "noisy_bootstrap", site=site)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "noisy_bootstrap: 11 passed, 0 failed" in proc.stdout
    assert proc.stdout.count("PASS ") == 11


def test_broken_plugin_is_listed_as_a_problem_and_the_rest_still_work(site, tmp_path):
    make_dist(tmp_path, "bkt-broken", "0.9", {"broken": "bkt_broken_acc"}, {"bkt_broken_acc": BROKEN_IMPORT})
    proc = benchkit("list", site=site, extra_path=(tmp_path,))
    assert proc.returncode == 0, proc.stderr
    assert re.search(r"Plugin problems \(\d+\):", proc.stdout)
    assert "broken (import): ImportError: this plugin needs a library that is not installed" in proc.stdout
    assert "noisy_bootstrap" in proc.stdout and "gaussian_copula" in proc.stdout
    assert "benchkit plugin 'broken' failed (import)" in proc.stderr  # the warning


def test_benchkit_check_reports_failures_and_unknown_names(site, tmp_path):
    bad = """
        from benchkit import hookimpl
        from benchkit_baselines import BootstrapGenerator

        class Leaky(BootstrapGenerator):
            def _sample(self, n):
                return super()._sample(n).assign(secret=1)

        @hookimpl
        def benchkit_register_generators(register):
            register("leaky", Leaky)
    """
    make_dist(tmp_path, "bkt-leaky", "0.1", {"leaky": "bkt_leaky_acc"}, {"bkt_leaky_acc": bad})
    proc = benchkit("check", "leaky", site=site, extra_path=(tmp_path,))
    assert proc.returncode == 1
    assert "FAIL  check_columns" in proc.stdout and "unexpected column(s) ['secret']" in proc.stdout
    assert "PASS  check_deterministic" in proc.stdout

    proc = benchkit("check", "noisy_bootstrp", site=site)
    assert proc.returncode == 2
    assert "unknown generator 'noisy_bootstrp'; did you mean 'noisy_bootstrap' or 'entity_bootstrap' or 'bootstrap'?" in proc.stderr


def test_check_params_on_the_command_line(site):
    proc = benchkit("check", "noisy_bootstrap", "--param", "noise=0.0", "--param", "bogus", site=site)
    assert proc.returncode == 2 and "--param: 'bogus' is not KEY=VALUE" in proc.stderr
    proc = benchkit("check", "noisy_bootstrap", "--param", "nonsense=1", site=site)
    assert proc.returncode == 2 and "unknown parameter 'nonsense' (did you mean noise?); noisy_bootstrap accepts: noise" in proc.stderr


def test_example_plugin_own_test_suite_passes(site):
    """The author's pytest file (parametrize_with_checks) passes with the plugin installed."""
    env = {k: v for k, v in os.environ.items() if k != "BENCHKIT_LOAD_PLUGINS"}
    env["PYTHONPATH"] = os.pathsep.join([str(site), str(EXAMPLE_SRC), str(REPO), str(REPO / "plugins")])
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "--rootdir", str(EXAMPLE_SRC.parent),
         str(EXAMPLE_SRC.parent / "tests")],
        capture_output=True, text=True, env=env, timeout=120, cwd=EXAMPLE_SRC.parent,
    )
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-2000:]
    assert "11 passed" in proc.stdout


def test_example_plugin_pip_installed_into_a_venv(tmp_path):
    """The real thing: build the example's wheel, pip-install it into a fresh venv, list it."""
    # the example's build backend, built without build isolation (no network): the dev extra installs it,
    # so a missing one is a broken set-up, not a reason to skip
    import hatchling  # noqa: F401
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", "--system-site-packages", str(venv)], check=True, timeout=120)
    python = venv / ("Scripts" if os.name == "nt" else "bin") / "python"
    env = {k: v for k, v in os.environ.items() if k not in ("BENCHKIT_LOAD_PLUGINS", "PIP_REQUIRE_VIRTUALENV")}
    env["PYTHONPATH"] = os.pathsep.join([str(REPO), str(REPO / "plugins")])  # benchkit itself from the checkout
    pip = subprocess.run(
        [str(python), "-m", "pip", "install", "-q", "--no-deps", "--no-build-isolation", "--no-index",
         str(EXAMPLE_SRC.parent)],
        capture_output=True, text=True, env=env, timeout=300,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    proc = subprocess.run([str(python), "-m", "benchkit", "list", "generators", "--json"], capture_output=True,
                          text=True, env=env, timeout=120, cwd=tmp_path)
    assert proc.returncode == 0, proc.stderr
    row = next(r for r in json.loads(proc.stdout)["generators"] if r["name"] == "noisy_bootstrap")
    assert (row["distribution"], row["version"]) == ("benchkit-noisy-bootstrap", "0.1.0")
