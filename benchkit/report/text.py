"""The leaderboard as plain text, for terminals (``benchkit demo``, ``benchkit report``)."""

from __future__ import annotations

import textwrap
from pathlib import Path

from .model import from_results, recommendations
from .tables import Table, leaderboard, tie_table


def format_table(table: Table) -> str:
    """Fixed-width columns: left-aligned first two, right-aligned numbers."""
    head = [h.text for h in table.headers]
    rows = [[c.text for c in r] for r in table.rows]
    widths = [max(len(x) for x in col) for col in zip(head, *rows)]

    def line(cells: list[str]) -> str:
        return "  ".join(c.ljust(w) if i < 2 else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    out = [line(head), "  ".join("-" * w for w in widths)]
    out += [line(r) for r in rows]
    return "\n".join(out)


def leaderboard_text(results_dir: str | Path) -> str:
    """Every dataset's leaderboard from a results folder, as the report shows it."""
    data = from_results(results_dir, max_rows=1)
    table = data.table_level()
    ties = tie_table(data)
    parts = []
    for name in data.datasets:
        board, _ = leaderboard(data, name, table, ties)
        legend = ", ".join(f"{h.text} = {h.sub}" for h in board.headers if h.sub)
        parts.append(f"{name}\n{format_table(board)}\n({legend}; ↑ higher / ↓ lower is better; mean ± 95% CI half-width over seeds)")
    return "\n\n".join(parts) if parts else "no results"


def verdict_text(results_dir: str | Path) -> str:
    """The recommendation paragraph of every dataset in a results folder (as the report opens with)."""
    data = from_results(results_dir, max_rows=1)
    paragraphs = [textwrap.fill(v.paragraph(), width=100) for v in recommendations(data)]
    return "\n\n".join(paragraphs) if paragraphs else "no results to recommend from"
