"""The report's entity section: drawn for a dataset with an entity key, escaped, absent otherwise."""

from __future__ import annotations

import html as html_lib

import benchkit
from benchkit.report import write_evaluation_report
from benchkit.report.model import sample_rows


def bank(seed: int):
    from benchkit_datasets.bank_transactions import simulator

    df = simulator.simulate(n_rows=4000, seed=seed, n_accounts=40)
    df["type"] = df["type"].replace({"debit": "<script>alert(1)</script>"})
    return df.rename(columns={"operation": "op<b>&"})


def test_an_entity_dataset_gets_its_section_escaped(tmp_path):
    real, syn = bank(0), bank(1)
    result = benchkit.evaluate(real, syn, entity="account_id", order="date", families=["entity", "marginal"])
    page = write_evaluation_report(result, real, syn, None, tmp_path / "e.html").read_text(encoding="utf-8")
    section = page.split("Entities and their histories", 1)
    assert len(section) == 2 and section[1].count("<img") >= 4  # sizes/gaps, aggregates, transitions, histories
    assert "<code>account_id</code>" in section[1] and "<code>date</code>" in section[1]
    assert "<script>alert(1)" not in page and "<b>&" not in page  # data-derived text is escaped everywhere
    assert html_lib.escape("op<b>&") in page
    plain = benchkit.evaluate(real, syn, entity=None, families=["marginal"])
    page = write_evaluation_report(plain, real, syn, None, tmp_path / "p.html").read_text(encoding="utf-8")
    assert "Entities and their histories" not in page


def test_report_samples_keep_whole_entities():
    df = bank(0)
    out = sample_rows(df, 1000, seed=0, entity="account_id")
    assert len(out) <= 1000
    full = df.groupby("account_id").size()
    assert (out.groupby("account_id").size() == full[out["account_id"].unique()].sort_index()).all()
