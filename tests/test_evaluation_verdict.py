"""benchkit evaluate's references and the single-file report that opens with its verdict."""

from __future__ import annotations

import subprocess
import sys

import pandas as pd
import pytest

from benchkit import evaluate
from benchkit.bench.prepare import split_train_holdout
from benchkit.report import write_evaluation_report, write_report
from benchkit.report.methods import family_notes, method_rows
from benchkit.verdict.references import HEADLINE_FAMILIES

from chromium import page_state
from report_data import EVIL, build_results, make_frame, sample_noisy

NAMES = {"amount": f"amount {EVIL}", "k_symbol": f'k_symbol "quoted" {EVIL}'}


@pytest.fixture(scope="module")
def case():
    real, holdout = make_frame(500, 1, NAMES, evil_values=True), make_frame(300, 2, NAMES, evil_values=True)
    syn = sample_noisy(real, 450, 0, [NAMES["amount"], "balance"])
    return real, syn, holdout, evaluate(real, syn, target="rich", holdout=holdout, seed=3, references=True)


@pytest.fixture(scope="module")
def report(case, tmp_path_factory):
    real, syn, _, result = case
    return write_evaluation_report(result, real, syn, None, tmp_path_factory.mktemp("verdict") / "e.html")


def _tidy(df: pd.DataFrame) -> pd.DataFrame:
    return df[["metric", "column", "column_2", "value"]].reset_index(drop=True)


def test_references_are_the_runners_holdout_reference_and_an_independent_baseline(case):
    real, syn, holdout, result = case
    assert set(result.references) == {"holdout", "independent"} and result.notes == []
    # the holdout reference is the runner's: half the holdout plays synthetic, the other half is the holdout
    a, b = split_train_holdout(holdout, 0.5, 3)
    again = evaluate(real, a, target="rich", holdout=b, seed=3, references=False)
    pd.testing.assert_frame_equal(_tidy(result.references["holdout"]), _tidy(again.scores))
    indep = result.references["independent"]
    assert set(indep["metric"]) == set(result.scores["metric"])  # the same metrics as the synthetic table
    copies = indep[indep["metric"] == "privacy.exact_copies"]["details"].iloc[0]
    assert copies["n_synthetic"] == len(syn)  # as many rows as the synthetic table
    # columns drawn on their own: shapes kept, the amount/balance correlation lost
    assert result.references["independent"].pipe(lambda d: d[d.metric == "aggregate.column_shapes"].value.iloc[0]) > 0.9
    pearson = indep[indep["metric"] == "pairwise.correlation_pearson"]["details"].iloc[0]
    assert abs(pearson["synthetic"]) < 0.2 < abs(pearson["real"])


def test_references_default_to_the_families_the_verdict_compares(case):
    real, syn, holdout, full = case
    default = evaluate(real, syn, target="rich", holdout=holdout, seed=3)
    for name in ("holdout", "independent"):
        fams = set(default.references[name]["family"])
        assert fams == {"marginal", "pairwise", "aggregate", "utility"}
        same = full.references[name][full.references[name]["family"].isin(fams)]
        pd.testing.assert_frame_equal(_tidy(default.references[name]), _tidy(same))


def test_references_can_be_turned_off_and_need_a_holdout(case):
    real, syn, holdout, _ = case
    off = evaluate(real, syn, holdout=holdout, families=["marginal"], references=False)
    assert off.references == {} and "references=False" in off.notes[0]
    none = evaluate(real, syn, families=["marginal"])
    assert none.references == {} and "no holdout was given" in none.notes[0]
    headline = evaluate(real, syn, target="rich", holdout=holdout, families=["marginal", "utility", "privacy"],
                        references=HEADLINE_FAMILIES)
    assert set(headline.references["holdout"]["family"]) == {"marginal", "utility", "aggregate"}
    assert "privacy" in set(headline.scores["family"])


def test_the_report_opens_with_the_verdict_and_has_no_benchmark_sections(case, report):
    html = report.read_text(encoding="utf-8")
    assert html.index('id="verdict"') < html.index('id="distributions"') < html.index('id="metrics"')
    for benchmark_only in ("Rank", "jobs finished", "failed jobs", "Every job finished", "Time and memory",
                           "Leaderboard", "seed(s)", "no description was registered"):
        assert benchmark_only not in html, benchmark_only
    assert "Privacy gate: " in html and "synthetic</th><th title=\"\">independent baseline</th>" in html
    assert "between the independent baseline and the real holdout&#39;s level" in html
    assert f"{case[3].score('aggregate.overall'):.3f}" in html
    # untrusted column and category names are escaped, never markup
    assert "<script" not in html.lower() and "amount &lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_without_references_the_verdict_shows_the_synthetic_column_and_says_why(case, tmp_path):
    real, syn, _, result = case
    html = write_evaluation_report(result.scores, real, syn, None, tmp_path / "n.html").read_text(encoding="utf-8")
    verdict = html[html.index('id="verdict"'):html.index('id="distributions"')]
    assert "independent baseline</th>" not in verdict and "No references were computed" in verdict


def test_every_row_a_full_evaluation_writes_has_a_description(case):
    result = case[3]
    names = sorted(set(result.scores["metric"]))
    assert len(names) > 30 and any(n.startswith("privacy.mia_") for n in names)
    rows = method_rows(names, {})
    missing = [r["name"] for r in rows if not r["description"]]
    assert missing == []
    assert [r["name"] for r in rows if not r["text"]] == []
    by = {r["name"]: r for r in rows}
    assert "alpha-precision" in by["aggregate.alpha_precision"]["description"]


def test_the_utility_text_names_only_the_baselines_that_ran():
    def utility(**kw):
        return next(n["text"] for n in family_notes(["utility.tstr_roc_auc"], **kw) if n["family"] == "utility")

    assert "independent" not in utility(generators=("ctgan",))
    assert "`independent` generator" in utility(generators=("independent", "ctgan"))
    assert "No baseline was run" in utility(baselines=())
    assert "independent baseline" in utility(baselines=("independent", "holdout"))


WIDTH_STATE = """JSON.stringify((() => {
  document.querySelectorAll('details').forEach(d => { d.open = true; });
  const cells = [...document.querySelectorAll('th, table.privacy tbody td:first-child')].map(c => {
    const r = c.getBoundingClientRect(), box = c.closest('.scroll');
    const scrolls = box !== null && getComputedStyle(box).overflowX === 'auto' && box.clientWidth > 0
                    && box.getBoundingClientRect().right <= innerWidth;
    return {text: c.textContent, privacy: c.closest('table').classList.contains('privacy'),
            visible: r.left >= 0 && r.right <= innerWidth, reachable: scrolls};
  });
  return {page: document.documentElement.scrollWidth, width: innerWidth, cells: cells};
})())"""


def _width_state(path):
    state, errors = page_state(path, WIDTH_STATE, width=1280, height=900)
    assert errors == []
    assert state["width"] == 1280 and state["page"] <= 1280  # nothing pushes the page wider than the window
    return state


def test_every_privacy_column_is_visible_in_a_1280_px_window(report):
    state = _width_state(report)
    privacy = [c for c in state["cells"] if c["privacy"]]
    texts = " ".join(c["text"] for c in privacy)
    for name in ("mia_distance_auc", "mia_distance_advantage", "mia_domias_auc", "mia_domias_advantage",
                 "nndr_mean", "dcr_share", "exact_copies", "authenticity", "real holdout", "independent baseline"):
        assert name in texts
    assert [c["text"] for c in privacy if not c["visible"]] == []  # metrics as rows: no scrolling needed


def test_every_benchmark_report_column_is_visible_or_reachable_by_scrolling(tmp_path):
    build_results(tmp_path, n=400, seeds=(0,), failure=False, families=["marginal", "privacy"])
    state = _width_state(write_report(tmp_path))
    assert any("mia_domias_advantage" in c["text"].replace("\u200b", "") for c in state["cells"])
    assert [c["text"] for c in state["cells"] if not (c["visible"] or c["reachable"])] == []


def test_cli_prints_the_verdict(tmp_path):
    real = make_frame(300, 1)
    real.to_csv(tmp_path / "real.csv", index=False)
    make_frame(200, 2).to_csv(tmp_path / "hold.csv", index=False)
    sample_noisy(real, 300, 0, ["amount", "balance"]).to_csv(tmp_path / "syn.csv", index=False)
    out = tmp_path / "r.html"
    done = subprocess.run([sys.executable, "-m", "benchkit", "evaluate", str(tmp_path / "real.csv"),
                           str(tmp_path / "syn.csv"), "--holdout", str(tmp_path / "hold.csv"), "--target", "rich",
                           "--report", str(out)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    verdict = [ln for ln in done.stdout.splitlines() if ln.startswith("Verdict: ")]
    assert len(verdict) == 1 and ("privacy gate passed" in verdict[0] or "privacy gate FAILED" in verdict[0])
    assert "real holdout" in verdict[0] and out.exists()
