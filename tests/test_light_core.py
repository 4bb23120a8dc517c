"""The light core: benchkit without its optional stacks (torch for ``wgan``, dask for the Dask executor).

Each test runs a fresh Python whose ``sys.meta_path`` refuses the blocked packages *before* benchkit is
imported, so they behave exactly as if they were not installed (``import torch`` raises
ModuleNotFoundError, ``importlib.util.find_spec("torch")`` too). Everything else is real: the plugin
registry, the evaluation, a benchmark run, the report and the CLI. `.ci/light_core.sh` checks the same in
a real venv installed without extras.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

BLOCKER = textwrap.dedent('''
    import sys

    def looked_up():
        frame = sys._getframe(2)
        while frame is not None:
            if frame.f_code.co_name == "find_spec" and frame.f_globals.get("__name__") == "importlib.util":
                return True
            frame = frame.f_back
        return False

    class Blocker:
        """Pretend these top-level packages are not installed; remember who asked for them."""

        def __init__(self, names):
            self.names, self.asked = set(names), []

        def find_spec(self, name, path=None, target=None):
            if name.split(".")[0] in self.names:
                if not looked_up():  # an import, not a look-up by importlib.util.find_spec
                    import traceback
                    self.asked.append(name + " <- " + "".join(traceback.format_stack(limit=8)))
                raise ModuleNotFoundError(f"No module named {name!r}", name=name)
            return None

    BLOCKED = Blocker(NAMES)
    sys.meta_path.insert(0, BLOCKED)
''')


def run_without(names: list[str], body: str, cwd) -> dict:
    """Run ``body`` in a fresh interpreter where ``names`` cannot be imported; it prints one JSON line last."""
    code = f"NAMES = {sorted(names)!r}\n" + BLOCKER + textwrap.dedent(body)
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300, cwd=cwd)
    assert done.returncode == 0, done.stdout[-3000:] + done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def test_core_without_torch_or_dask_lists_evaluates_runs_and_reports(tmp_path):
    out = run_without(["torch", "dask", "distributed"], '''
        import contextlib, io, json
        import numpy as np
        import pandas as pd

        import benchkit
        from benchkit import plugins
        from benchkit.cli import main
        from benchkit.cli.cmd_demo import BASELINES, demo_spec, wgan_inactive_reason

        # the registry: wgan is inactive with the install hint, the baselines are there
        gens = sorted(plugins.list_generators())
        inactive = plugins.inactive_plugins()
        listing = io.StringIO()
        with contextlib.redirect_stdout(listing):
            list_rc = main(["list"])

        # evaluate a small table against a baseline's sample of it
        rng = np.random.default_rng(0)
        x = rng.normal(10, 2, 400)
        real = pd.DataFrame({"x": x, "k": rng.integers(0, 20, 400),
                             "colour": rng.choice(["red", "green", "blue"], 400),
                             "label": np.where(x + rng.normal(0, 1, 400) > 10, "yes", "no")})
        gen = plugins.get_generator("gaussian_copula").obj(seed=0)
        gen.fit(real, benchkit.Schema.infer(real, target="label"))
        result = benchkit.evaluate(real, gen.sample(400), target="label")
        real.to_csv("tiny.csv", index=False)

        # a benchmark of the baselines from the command line (in this process), then its report
        with contextlib.redirect_stdout(io.StringIO()):
            run_rc = main(["run", "--datasets", "tiny.csv:target=label", "--generators", "independent",
                           "bootstrap", "--seeds", "1", "--families", "marginal", "--in-process",
                           "--no-progress", "--no-report", "--out", "res"])
            report_rc = main(["report", "res", "-o", "report.html"])
        html = open("report.html", encoding="utf-8").read()

        print(json.dumps({
            "generators": gens, "inactive": inactive, "list_rc": list_rc, "listing": listing.getvalue(),
            "overall": result.score("aggregate.overall"), "n_scores": len(result.scores),
            "demo_reason": wgan_inactive_reason(),
            "demo_generators": [g["name"] for g in demo_spec("d", wgan=False)["generators"]],
            "baselines": list(BASELINES),
            "run_rc": run_rc, "report_rc": report_rc, "report_has_runs": "independent" in html and "bootstrap" in html,
            "loaded": sorted(m for m in ("torch", "dask", "distributed") if m in sys.modules),
            "asked": sorted(set(BLOCKED.asked)),
        }))
    ''', cwd=tmp_path)
    hint = "torch is not installed; pip install 'benchkit[wgan]'"
    assert out["inactive"]["benchkit_wgan"] == hint
    assert {"independent", "gaussian_copula", "bootstrap"} <= set(out["generators"])
    assert "wgan" not in out["generators"]
    assert out["list_rc"] == 0 and hint in out["listing"] and "gaussian_copula" in out["listing"]
    assert out["n_scores"] > 10 and 0.5 < out["overall"] <= 1.0  # a copula's sample of the same table
    assert out["demo_reason"] == hint and out["demo_generators"] == out["baselines"]
    assert out["run_rc"] == 0 and out["report_rc"] == 0 and out["report_has_runs"]
    assert out["loaded"] == []
    # nothing on these paths even tried to import them (a caught ImportError would hide an eager import)
    assert out["asked"] == [], out["asked"]


def test_dask_executor_without_dask_says_how_to_install_it(tmp_path):
    out = run_without(["dask", "distributed"], '''
        import contextlib, io, json, os
        import pandas as pd

        from benchkit import plugins
        from benchkit.bench.executors import make_executor
        from benchkit.bench.runner import run_benchmark
        from benchkit.cli import main
        from benchkit.errors import BenchkitError

        messages = []
        for kwargs in ({"dask_local": 2}, {"scheduler": "tcp://127.0.0.1:8786"}, {"executor": "dask", "dask_local": 1}):
            try:
                make_executor(**kwargs)
            except BenchkitError as exc:
                messages.append(str(exc))
        pd.DataFrame({"x": [1.0, 2.0, 3.0, 4.0] * 10, "c": list("abab") * 10}).to_csv("t.csv", index=False)
        try:
            run_benchmark({"out": "api", "datasets": [{"path": "t.csv"}], "generators": ["independent"],
                           "seeds": 1}, dask_local=1, progress=False, report=False)
        except BenchkitError as exc:
            messages.append(str(exc))
        err = io.StringIO()
        with contextlib.redirect_stderr(err):
            cli_rc = main(["run", "--datasets", "t.csv", "--generators", "independent", "--seeds", "1",
                           "--dask-local", "1", "--no-progress", "--out", "cli"])
        print(json.dumps({"messages": messages, "cli_rc": cli_rc, "cli_err": err.getvalue(),
                          "folders": sorted(p for p in ("api", "cli") if os.path.exists(p)),
                          "wgan_active": "wgan" in plugins.list_generators()}))
    ''', cwd=tmp_path)
    hint = "pip install 'benchkit[dask]'"
    assert len(out["messages"]) == 4
    for msg in out["messages"]:
        assert "Dask executor" in msg and hint in msg
    assert out["cli_rc"] == 2 and hint in out["cli_err"] and "benchkit: error:" in out["cli_err"]
    assert out["folders"] == []  # refused before any results folder was made
    assert out["wgan_active"]  # only dask is blocked here: torch is installed, wgan stays registered
