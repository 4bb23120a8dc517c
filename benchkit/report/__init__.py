"""The self-contained HTML comparison report.

:func:`write_report` renders a results folder (and nothing else) into one HTML file with inline CSS
and inline figures; :func:`write_evaluation_report` does the same for a single real/synthetic pair.
Every data-derived string is escaped (jinja2 autoescaping; figures are ``<img>`` data URIs).
"""

from __future__ import annotations

import logging
import os
import time
from pathlib import Path
from typing import Any

import pandas as pd

from ..bench.results import unique_tmp_path
from ..metrics import Score, score_frame
from ..schema import Schema
from ..verdict.single import build_verdict
from .model import MAX_ROWS, ReportData, from_evaluation, from_results
from .render import Pair, build_context, render_html
from .single import build_evaluation_context, render_evaluation

log = logging.getLogger(__name__)

REPORT_NAME = "report.html"


def _write(html: str, output: Path) -> Path:
    output.parent.mkdir(parents=True, exist_ok=True)
    tmp = unique_tmp_path(output)  # two writers of one report never share a temporary file
    tmp.write_text(html, encoding="utf-8")
    os.replace(tmp, output)  # a reader never sees half a report
    return output


def render_report(data: ReportData, *, pair: Pair = None) -> str:
    """The report's HTML text for ``data``."""
    return render_html(build_context(data, pair=pair))


def write_report(results_dir: str | Path, output: str | Path | None = None, *, pair: Pair = None,
                 max_rows: int = MAX_ROWS, seed: int = 0) -> Path:
    """Render the results folder ``results_dir`` to ``output`` (default ``<results_dir>/report.html``).

    ``pair`` picks the two numerical columns of the 2-D density (``("amount", "balance")``, or a dict
    per dataset); by default the two most correlated. Figures draw on at most ``max_rows`` rows of each
    table, sampled with ``seed``.
    """
    started = time.perf_counter()
    data = from_results(results_dir, max_rows=max_rows, seed=seed)
    out = Path(output) if output is not None else Path(results_dir) / REPORT_NAME
    path = _write(render_report(data, pair=pair), out)
    log.info("report: wrote %s (%.1f MB) in %.1f s", path, path.stat().st_size / 1e6, time.perf_counter() - started)
    return path


def write_evaluation_report(result: Any, real: pd.DataFrame, synthetic: pd.DataFrame, schema: Schema | None,
                            output: str | Path, *, pair: Pair = None, max_rows: int = MAX_ROWS,
                            seed: int = 0, references: dict[str, pd.DataFrame] | None = None) -> Path:
    """Render one real/synthetic comparison (``benchkit evaluate --report``), verdict first.

    ``result`` is an EvaluationResult (its ``.scores`` the tidy frame view of its Score rows), that
    frame itself or a list of Score rows; ``schema`` defaults to the result's own and ``references``
    to its ``.references``.
    """
    scores = result.scores if hasattr(result, "scores") else result
    schema = schema if schema is not None else getattr(result, "schema", None)
    if schema is None:
        schema = Schema.infer(real)
    if not isinstance(scores, pd.DataFrame):
        scores = score_frame(s if isinstance(s, Score) else Score.from_dict(s) for s in scores)
    data = from_evaluation(scores, real, synthetic, schema, seed=seed, max_rows=max_rows)
    refs = dict(references if references is not None else getattr(result, "references", None) or {})
    context = build_evaluation_context(data, refs, build_verdict(data.scores, refs), pair=pair,
                                       notes=list(getattr(result, "notes", None) or []))
    return _write(render_evaluation(context), Path(output))


__all__ = ["write_report", "write_evaluation_report", "render_report", "REPORT_NAME"]
