"""`evaluate`'s one progress bar (issue 19): a step per metric, labelled with the one running; off by
default and on small tables."""

from __future__ import annotations

import io
import re

import numpy as np
import pandas as pd
import pytest

import benchkit
from benchkit import evaluation, plugins


def tables(n: int = 400, seed: int = 0) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    return pd.DataFrame({"x": rng.normal(size=n), "y": rng.integers(0, 5, n).astype(float),
                         "c": rng.choice(["a", "b", "c"], n), "d": rng.choice(["u", "v"], n)})


def fidelity_metrics() -> list[str]:
    regs = plugins.list_metrics().values()
    return [r.name for r in regs if evaluation.metric_family(r) in ("marginal", "pairwise")]


def test_the_bar_reports_every_metric(monkeypatch):
    monkeypatch.setattr(evaluation, "PROGRESS_MIN_ROWS", 0)
    out = io.StringIO()
    benchkit.evaluate(tables(), tables(seed=1), families=["marginal", "pairwise"],
                      options={"progress": True, "progress_file": out})
    text = out.getvalue()
    names = fidelity_metrics()
    total = len(names) + 1  # and the shared encodings
    assert names and all(name in text for name in names)
    assert "shared encodings" in text and f"{total}/{total}" in text


def test_references_are_a_step_of_the_same_bar(monkeypatch):
    monkeypatch.setattr(evaluation, "PROGRESS_MIN_ROWS", 0)
    out = io.StringIO()
    benchkit.evaluate(tables(), tables(seed=1), holdout=tables(seed=2), families=["marginal"],
                      options={"progress": True, "progress_file": out})
    text = out.getvalue()
    total = sum(1 for r in plugins.list_metrics().values() if evaluation.metric_family(r) == "marginal") + 2
    assert "references" in text and f"{total}/{total}" in text
    assert set(re.findall(r"\d+/(\d+) \[", text)) == {str(total)}  # one bar: the references' evaluations show none


@pytest.mark.parametrize("options", [None, {"progress": False}, {"progress": True}])
def test_no_bar_by_default_nor_on_small_tables(monkeypatch, capsys, options):
    def no_bar(*args, **kwargs):
        raise AssertionError("a progress bar was made")

    monkeypatch.setattr(evaluation, "_Progress", no_bar)
    benchkit.evaluate(tables(), tables(seed=1), families=["marginal"], options=options)
    assert capsys.readouterr().err == ""


@pytest.mark.parametrize("tty", [True, False])
def test_cli_turns_the_bar_on_when_stderr_is_a_terminal(tmp_path, monkeypatch, tty):
    from benchkit.cli import main

    seen = []
    real_evaluate = evaluation.evaluate

    def spy(*args, **kwargs):
        seen.append(kwargs["options"]["progress"])
        return real_evaluate(*args, **kwargs)

    tables().to_csv(tmp_path / "real.csv", index=False)
    tables(seed=1).to_csv(tmp_path / "syn.csv", index=False)
    monkeypatch.setattr(evaluation, "evaluate", spy)
    monkeypatch.setattr("sys.stderr.isatty", lambda: tty, raising=False)
    main(["evaluate", str(tmp_path / "real.csv"), str(tmp_path / "syn.csv"), "--families", "marginal", "--no-references"])
    assert seen == [tty]
