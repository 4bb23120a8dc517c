"""The HTML report: escaping of untrusted names, sections computed from the results folder, CLI."""

from __future__ import annotations

import base64
import json
import shutil
import re
import subprocess
import sys
import xml.etree.ElementTree as ET

import pandas as pd
import pytest

from benchkit.errors import BenchkitError
from benchkit.report import write_evaluation_report, write_report
from benchkit.report.model import from_results
from benchkit.report.tables import leaderboard
from benchkit.bench.results import REFERENCE_GENERATOR, ResultStore, aggregate

from chromium import Chromium, find_chromium
from report_data import EVIL, build_results, compute_scores, make_frame, sample_noisy

FAST = ["marginal", "pairwise", "aggregate", "utility", "privacy"]
URI = re.compile(r'src="data:(image/svg\+xml|image/png);base64,([A-Za-z0-9+/=]+)"')


@pytest.fixture(scope="module")
def evil_results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("evil")
    build_results(folder, n=600, seeds=(0,), evil=True)
    return folder


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    folder = tmp_path_factory.mktemp("plain")
    build_results(folder, n=1000, seeds=(0, 1, 2))
    return folder


@pytest.fixture(scope="module")
def multi(tmp_path_factory):
    """Two datasets, four generators (one, bootstrap, fails the privacy gate), three seeds: enough for the
    rank tests across datasets."""
    folder = tmp_path_factory.mktemp("multi")
    build_results(folder, n=500, seeds=(0, 1, 2), dataset="bank-a", data_seed=1, families=FAST, extra=True)
    build_results(folder, n=500, seeds=(0, 1, 2), dataset="bank-b", data_seed=11, failure=False, families=FAST,
                  extra=True)
    return folder


@pytest.fixture(scope="module")
def multi_rendered(multi, tmp_path_factory):
    return write_report(multi, tmp_path_factory.mktemp("multi-rendered") / "r.html", max_rows=300)


@pytest.fixture(scope="module")
def rendered(results, tmp_path_factory):
    """The plain results' report, rendered once for the tests that only read it."""
    return write_report(results, tmp_path_factory.mktemp("rendered") / "sub" / "r.html", pair=("amount", "balance"))


def images(html: str) -> list[tuple[str, bytes]]:
    return [(mime, base64.b64decode(data)) for mime, data in URI.findall(html)]


def test_untrusted_names_are_escaped_in_html_and_svg(evil_results):
    path = write_report(evil_results)
    html = path.read_text(encoding="utf-8")
    # nothing from the data becomes markup: no script element at all, the payload only escaped
    assert "<script" not in html.lower()
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<i>mini</i>" not in html and "bank &lt;i&gt;mini&lt;/i&gt;" in html  # the dataset name
    assert "k_symbol &#34;quoted&#34; ünïcødé &lt;script&gt;" in html  # quotes escaped, non-ASCII kept
    assert "column &lt;script&gt;alert(1)&lt;/script&gt; exploded" in html  # the failed job's error
    svgs = [data.decode("utf-8") for mime, data in images(html) if mime == "image/svg+xml"]
    assert svgs, "the report embeds SVG figures"
    for svg in svgs:
        ET.fromstring(svg)  # well-formed: every text node escaped
        assert "<script" not in svg.lower()
    text = "".join(svgs)
    assert ">amount &lt;script&gt;alert(1)&lt;/script&gt;</text>" in text  # a column name as an axis title
    assert ">&lt;script&gt;alert(1)&lt;/script&gt;</text>" in text  # a category value as a tick label
    assert ">quote\"s &amp; 'apos' &lt;b&gt;</text>" in text
    assert ">Haushalt – Größe ✓ 中文</text>" in text  # non-ASCII kept as UTF-8 text


def test_leaderboard_ranks_follow_the_aggregated_scores(results):
    data = from_results(results)
    table = data.table_level()
    board, metric = leaderboard(data, "bank-mini", table)
    assert metric == "aggregate.overall"
    # the reference row first and unranked, then generators by decreasing mean overall score
    assert board.rows[0][0].text == "ref" and board.rows[0][1].text.startswith(REFERENCE_GENERATOR)
    store = ResultStore(results)
    agg = aggregate(store.load_scores())
    overall = agg[(agg["metric"] == "aggregate.overall") & (agg["generator"] != REFERENCE_GENERATOR)]
    # generators that pass the privacy gate by decreasing mean, then those that fail it (the row copier)
    leaks = data.leakers("bank-mini")
    assert "bootstrap" in leaks and "independent" not in leaks
    overall = overall.assign(leaks=overall["generator"].isin(leaks))
    expected = overall.sort_values(["leaks", "mean"], ascending=[True, False])["generator"].tolist()
    ranked = [r[1].text for r in board.rows[1:] if r[0].text not in ("–",)]
    assert ranked == expected
    gate_col = [h.text for h in board.headers].index("Privacy gate")
    assert {r[1].text: r[gate_col].text for r in board.rows[1:4]}["bootstrap"] == "leaks training rows"
    assert [r[0].text for r in board.rows[1:4]] == ["1", "2", "3"]
    # the cell shows mean ± half the t-interval, computed over the 3 seeds
    top = overall.set_index("generator").loc[expected[0]]
    cell = board.rows[1][2]
    assert cell.text == f"{top['mean']:.3f} ± {(top['ci_high'] - top['ci_low']) / 2:.3f}"
    assert cell.cls == "best" and cell.title.endswith("the best mean")
    # the failed job's generator is listed with 0 successful seeds
    assert board.rows[-1][1].text == "broken" and board.rows[-1][-1].text == "0/1"


def test_report_sections_figures_methods_and_footer(results, rendered):
    html = rendered.read_text(encoding="utf-8")
    for anchor in ("leaderboard", "dataset-1", "resources", "failures", "methods", "reproducibility"):
        assert f'id="{anchor}"' in html
    for heading in ("Column distributions", "Over time", "Correlations", "Category combinations",
                    "Two columns jointly", "Machine-learning utility", "Detection", "Privacy"):
        assert f"<h3>{heading}</h3>" in html, heading
    imgs = images(html)
    # 5 scored non-datetime columns + datetime + correlation + combos + density + utility + 2 fronts + resources
    assert len(imgs) == 5 + 1 + 1 + 1 + 1 + 1 + 2 + 1
    assert all(data[:8] == b"\x89PNG\r\n\x1a\n" for mime, data in imgs if mime == "image/png")
    assert "amount against balance" in html
    # every metric in the results is defined in the methods section
    metrics = set(ResultStore(results).load_scores()["metric"])
    methods = html.split('id="methods"', 1)[1].split('id="reproducibility"', 1)[0]
    for m in metrics:
        assert f"<dt>{m} " in methods, m
    assert "Kolmogorov" in methods
    assert "Traceback" in html and "ValueError" in html
    assert "<dt>seeds</dt><dd>0, 1, 2</dd>" in html
    assert "&#34;independent&#34;" in html  # the spec, JSON in a <pre>


def test_bad_pair_names_the_columns(results, tmp_path):
    with pytest.raises(BenchkitError, match="not numerical columns.*choose two of: amount, balance"):
        write_report(results, tmp_path / "r.html", pair={"bank-mini": ("amount", "type")})


def test_figures_draw_on_at_most_max_rows(results):
    data = from_results(results, max_rows=100)
    view = data.load_view("bank-mini")
    assert len(view.real) == 100 and all(len(df) == 100 for df in view.samples.values())
    assert set(view.samples) == {"independent", "bootstrap", "noisy"}  # not the reference, not the failure
    again = from_results(results, max_rows=100).load_view("bank-mini")
    pd.testing.assert_frame_equal(view.real, again.real)  # the same seed draws the same rows


def test_evaluation_report_for_one_pair(tmp_path):
    real = make_frame(800, 1)
    holdout = make_frame(400, 2)
    from benchkit import Schema

    schema = Schema.infer(real, target="rich")
    syn = sample_noisy(real, 800, 0, schema.numerical)
    scores = pd.DataFrame([s.to_dict() for s in compute_scores(real, syn, holdout, schema, 0)])
    path = write_evaluation_report(scores, real, syn, schema, tmp_path / "eval.html")
    html = path.read_text(encoding="utf-8")
    assert "benchkit evaluation: synthetic vs real" in html
    assert len(images(html)) >= 6
    assert f"{scores.loc[scores['metric'] == 'aggregate.overall', 'value'].iloc[0]:.3f}" in html


def test_cli_report_and_missing_folder(evil_results, tmp_path):
    out = tmp_path / "cli.html"
    done = subprocess.run([sys.executable, "-m", "benchkit", "report", str(evil_results), "-o", str(out),
                           "--max-rows", "200"],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert str(out) in done.stdout and out.stat().st_size > 10_000
    bad = subprocess.run([sys.executable, "-m", "benchkit", "report", str(tmp_path / "nothing")],
                         capture_output=True, text=True, timeout=60)
    assert bad.returncode == 2 and "holds no benchmark results" in bad.stderr


def test_a_broken_sample_still_gives_a_report(evil_results, tmp_path):
    # a generator whose sample lacks a column and holds text where numbers belong
    shutil.copytree(evil_results, tmp_path, dirs_exist_ok=True)
    store = ResultStore(tmp_path)
    runs = store.load_runs()
    rid = runs.loc[runs["generator"] == "noisy", "run_id"].iloc[0]
    bad = store.load_sample(rid).drop(columns=["balance"]).assign(amount="not a number")
    store.save_sample(rid, bad)
    html = write_report(tmp_path, max_rows=200).read_text(encoding="utf-8")
    assert 'id="leaderboard"' in html and "Column distributions" in html
    # the bad sample is drawn as stored where it can be; the other generators' figures are all there
    assert len(images(html)) >= 8


IMAGE_STATE = """JSON.stringify(Array.from(document.images).map(i => ({
  ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0,
  alt: i.alt, w: i.naturalWidth})))"""


def test_report_renders_in_headless_chromium(rendered, tmp_path):
    """A demo-sized report (4 generators, 2 seeds, every figure kind) in Debian's chromium."""
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium; .ci/run installs it)")
    path = rendered
    n_img = len(re.findall(r"<img ", path.read_text(encoding="utf-8")))
    assert n_img >= 10
    with Chromium(binary, width=1400, height=1000) as browser:
        browser.open(path)
        state = json.loads(browser.evaluate(IMAGE_STATE))
        assert len(state) == n_img
        broken = [s["alt"] for s in state if not s["ok"]]
        assert not broken, f"figures that did not load: {broken}"
        assert browser.console_errors() == []
        # the page is laid out: the leaderboard has the reference row and ranked generators
        rows = browser.evaluate("document.querySelectorAll('table.leaderboard tbody tr').length")
        assert rows == 5  # holdout, three generators, the failed one
        shot = browser.screenshot(tmp_path / "report.png", full_page=True)
        lb = browser.screenshot(tmp_path / "leaderboard.png", selector="#leaderboard")
    for png in (shot, lb):
        data = png.read_bytes()
        assert data[:8] == b"\x89PNG\r\n\x1a\n" and len(data) > 20_000


VERDICT_FIGS = """JSON.stringify(Array.from(document.querySelectorAll('figure.cd img, figure.front img')).map(i => ({
  ok: i.complete && i.naturalWidth > 0 && i.naturalHeight > 0, alt: i.alt,
  shown: i.getBoundingClientRect().width > 100})))"""


def test_verdict_figures_render_in_headless_chromium(multi_rendered, tmp_path):
    """The CD diagram and both fronts of each dataset decode and lay out, with no console error."""
    binary = find_chromium()
    if binary is None:
        pytest.skip("no chromium binary on PATH (Debian: apt-get install -y chromium; .ci/run installs it)")
    with Chromium(binary, width=1400, height=1000) as browser:
        browser.open(multi_rendered)
        state = json.loads(browser.evaluate(VERDICT_FIGS))
        assert len(state) == 1 + 2 * 2
        assert all(s["ok"] and s["shown"] for s in state), state
        assert browser.console_errors() == []
        cd = browser.screenshot(tmp_path / "cd.png", selector="figure.cd")
    assert cd.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_bold_marks_the_group_tied_with_the_best(multi, multi_rendered):
    from benchkit.report.tables import family_table, tie_table

    data = from_results(multi)
    ties = tie_table(data)
    table = data.table_level()
    board, _ = leaderboard(data, "bank-a", table, ties)
    labels = [h.sub.split()[0] if h.sub else h.text for h in board.headers]
    leaks = data.leakers("bank-a")
    assert leaks == {"bootstrap", "noisy"}  # the copiers fail the privacy gate: never compared, never bold
    for row in board.rows:
        gen = row[1].text
        for cell, metric in zip(row, labels):
            key = ("bank-a", metric, gen)
            if key in ties.index:  # bold exactly when the test says tied with the best
                assert (cell.cls == "best") == bool(ties.loc[key, "tied"]), (gen, metric)
            else:
                assert cell.cls != "best", (gen, metric)  # the reference, the leakers, the failed job
    cells = {r[1].text: r for r in board.rows}
    # overall: fresh draws are best, the column-wise sampler clearly worse
    assert cells["fresh"][2].cls == "best" and cells["fresh"][2].title.endswith("the best mean")
    assert cells["independent"][2].cls == "" and "worse than the best (Welch t-test, Holm, p" in cells["independent"][2].title
    # column shapes: the independent sampler is best and fresh draws are tied with it, both bold
    shapes = ties.loc[("bank-a", "aggregate.column_shapes")]
    assert shapes.loc["independent", "best"] and shapes.loc["fresh", "tied"] and not shapes.loc["fresh", "best"]
    assert cells["fresh"][3].cls == "best" and cells["independent"][3].cls == "best"
    assert re.search(r"tied with the best \(Welch t-test, Holm, p=0\.\d\d\)$", cells["fresh"][3].title)
    assert "fails the privacy gate" in board.caption and "not significantly worse" in board.caption
    privacy = family_table(data, "bank-a", table, "privacy", ties)
    assert any(c.cls == "best" for r in privacy.rows for c in r) and "Welch" in privacy.caption
    # with one seed nothing is tested: only the best is bold
    one = from_results(multi)
    one.runs, one.scores = one.runs[one.runs["seed"] == 0], one.scores[one.scores["seed"] == 0]
    single, _ = leaderboard(one, "bank-a", one.table_level())
    titles = [c.title for r in single.rows for c in r[2:] if c.cls == "best"]
    assert titles and all(t.endswith("the best mean") for t in titles)
    assert any("one seed: not tested against the best" in c.title for r in single.rows for c in r)
    html = multi_rendered.read_text(encoding="utf-8")
    assert "Bold: the best mean and every generator not significantly worse than it" in html
    assert re.search(r'<td class="best" title="mean of 3 seeds; [^"]*; tied with the best \(Welch t-test, Holm, p=', html)
    methods = html.split('id="methods"', 1)[1]
    assert "Welch t-test" in methods and "Holm" in methods and "Nemenyi" in methods and "Friedman" in methods


def test_cd_diagram_and_fronts_for_several_datasets(multi_rendered):
    html = multi_rendered.read_text(encoding="utf-8")
    lead = html.split('id="leaderboard"', 1)[1].split("</section>", 1)[0]
    assert "<h3>Across datasets</h3>" in lead and "<h4>Ranks across datasets</h4>" in lead
    assert "Friedman test on the ranks of aggregate.overall over 2 datasets and 3 generators: χ² = " in lead
    assert "left out, failed the privacy gate on some dataset: bootstrap, noisy" in lead
    assert re.search(r'<figure class="cd"><img src="data:image/svg\+xml;base64,[^"]+" alt="Critical-difference diagram: ', lead)
    assert "the red segment is the critical difference CD = " in lead
    assert "with 2 datasets the chi-square and F approximations are poor, so the permutation p-value decides" in lead
    assert "permutation p = " in lead
    for name in ("bank-a", "bank-b"):
        assert f'alt="Fidelity against privacy risk for {name}"' in html
        assert f'alt="Utility against fit time for {name}"' in html
    assert html.count("<h3>Trade-offs</h3>") == 2
    captions = re.findall(r"<figcaption>([^<]*Pareto front[^<]*)</figcaption>", html)
    assert len(captions) == 4 and all("holdout" in c for c in captions)
    assert all("Hollow: failed the privacy gate (bootstrap, noisy), never on the front." in c for c in captions)
    assert "privacy.dcr_below_holdout_p5 (lower is better)" in captions[0]


def test_no_cd_diagram_with_one_dataset(rendered):
    html = rendered.read_text(encoding="utf-8")
    assert "Critical-difference" not in html and 'class="cd"' not in html and "Ranks across datasets" not in html
    assert html.count('<figure class="front">') == 2  # the fronts are per dataset


def test_pareto_front_and_risk_axis():
    import numpy as np

    from benchkit.report.fig_fronts import pareto_mask

    risk = np.array([0.05, 0.1, 0.9, 0.5, 0.1])
    fidelity = np.array([0.80, 0.88, 0.97, 0.85, 0.88])  # (0.5, 0.85) is dominated by (0.1, 0.88)
    assert pareto_mask(risk, fidelity).tolist() == [True, True, True, False, True]  # equal points both stay
    assert pareto_mask(fidelity, risk, x_higher=True, y_higher=False).tolist() == [True, True, True, False, True]


def test_text_leaderboard_matches_the_html_one(results):
    from benchkit.report.text import leaderboard_text

    text = leaderboard_text(results)
    data = from_results(results)
    board, _ = leaderboard(data, "bank-mini", data.table_level())
    lines = text.splitlines()
    assert lines[0] == "bank-mini" and lines[1].split()[:3] == ["Rank", "Generator", "Overall"]
    body = [ln.split() for ln in lines[3:3 + len(board.rows)]]
    assert [b[0] for b in body] == [r[0].text for r in board.rows]
    assert [r[1].text.split()[0] for r in board.rows] == [b[1] for b in body]
    assert "Overall = aggregate.overall ↑" in text


def test_evaluation_report_from_benchkit_evaluate(tmp_path):
    from benchkit import evaluate

    real, holdout = make_frame(600, 1), make_frame(300, 2)
    syn = sample_noisy(real, 600, 0, ["amount", "balance"])
    result = evaluate(real, syn, target="rich", holdout=holdout, families=["marginal", "pairwise", "aggregate"])
    html = write_evaluation_report(result, real, syn, None, tmp_path / "e.html").read_text(encoding="utf-8")
    assert f"{result.score('aggregate.overall'):.3f}" in html
    assert "<dt>marginal.ks_complement " in html and len(images(html)) >= 6


def test_methods_use_the_registry_description_of_the_metric_that_wrote_the_rows(plugin_manager):
    from benchkit import hookimpl
    from benchkit.report.methods import method_rows

    class Plugin:
        @hookimpl
        def benchkit_register_metrics(self, register):
            register("detection.toy", lambda ctx: [], family="detection", higher_is_better=False,
                     description="a toy <b>two-sample</b> test")

    plugin_manager.register(Plugin(), name="toy-metrics")
    rows = {r["name"]: r for r in method_rows(["detection.toy_auc", "privacy.dcr_share", "made.up"],
                                              {"detection.toy_auc": False})}
    assert rows["detection.toy_auc"]["description"] == "a toy <b>two-sample</b> test"
    assert rows["detection.toy_auc"]["direction"] == "lower is better"
    assert "Cross-validated ROC AUC" in rows["detection.toy_auc"]["text"]  # the report's own text
    assert rows["privacy.dcr_share"]["direction"] == "best at 0.5"
    assert rows["made.up"]["text"] == "" and rows["made.up"]["description"] == ""


def test_cli_evaluate_writes_a_report(tmp_path):
    real = make_frame(400, 1)
    real.to_csv(tmp_path / "real.csv", index=False)
    sample_noisy(real, 400, 0, ["amount", "balance"]).to_csv(tmp_path / "syn.csv", index=False)
    out = tmp_path / "eval.html"
    done = subprocess.run([sys.executable, "-m", "benchkit", "evaluate", str(tmp_path / "real.csv"),
                           str(tmp_path / "syn.csv"), "--families", "marginal", "pairwise", "aggregate",
                           "--report", str(out)], capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr[-2000:]
    html = out.read_text(encoding="utf-8")
    assert f"report written to {out}" in done.stdout and "<h3>Column distributions</h3>" in html
