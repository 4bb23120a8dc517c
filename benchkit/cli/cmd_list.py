"""``benchkit list``: every generator, metric and dataset, who provides it, and plugins that failed."""

from __future__ import annotations

import argparse
import json
from typing import Any

from .. import plugins

_SECTIONS = (("generators", "generator"), ("metrics", "metric"), ("datasets", "dataset"))


def add_parser(subparsers: Any) -> None:
    p = subparsers.add_parser(
        "list",
        help="list generators, metrics and datasets with the plugin that provides each",
        description="List every registered generator, metric and dataset with its plugin, distribution "
        "and version, and every plugin that failed to load.",
    )
    p.add_argument("what", nargs="?", choices=[s for s, _ in _SECTIONS], help="show only this section")
    p.add_argument("--json", action="store_true", help="machine-readable output")
    p.set_defaults(func=run)


def _row(reg: plugins.Registration) -> dict[str, Any]:
    return {
        "name": reg.name,
        "plugin": reg.plugin,
        "distribution": reg.distribution,
        "version": reg.version,
        "description": str(reg.info.get("description", "")),
        **({"family": reg.info["family"]} if "family" in reg.info else {}),
    }


def collect() -> dict[str, Any]:
    """What ``benchkit list`` shows, as plain data."""
    reg = plugins.registry()
    out: dict[str, Any] = {
        section: [_row(r) for _, r in sorted(reg.all(kind).items())] for section, kind in _SECTIONS
    }
    out["errors"] = [{"plugin": e.plugin, "stage": e.stage, "error": e.error} for e in reg.errors]
    out["inactive"] = [{"plugin": p, "reason": why} for p, why in sorted(reg.inactive.items())]
    return out


def _table(rows: list[dict[str, Any]]) -> str:
    if not rows:
        return "  (none)"
    cols = [
        [r["name"] for r in rows],
        [r["plugin"] for r in rows],
        [f"{r['distribution']} {r['version']}" if r["distribution"] else "-" for r in rows],
        [r["description"] for r in rows],
    ]
    widths = [max(len(v) for v in c) for c in cols[:3]]
    lines = []
    for i in range(len(rows)):
        cells = [cols[k][i].ljust(widths[k]) for k in range(3)] + [cols[3][i]]
        lines.append("  " + "  ".join(cells).rstrip())
    return "\n".join(lines)


def run(args: argparse.Namespace) -> int:
    data = collect()
    sections = [s for s, _ in _SECTIONS if args.what in (None, s)]
    if args.json:
        print(json.dumps({k: v for k, v in data.items() if k in sections or k in ("errors", "inactive")}, indent=2))
        return 0
    blocks = [f"{s.capitalize()} ({len(data[s])}):\n{_table(data[s])}" for s in sections]
    if data["inactive"]:
        lines = [f"  {i['plugin']} plugin: not active — {i['reason']}" for i in data["inactive"]]
        blocks.append(f"Inactive plugins ({len(lines)}):\n" + "\n".join(lines))
    if data["errors"]:
        lines = [f"  {e['plugin']} ({e['stage']}): {e['error']}" for e in data["errors"]]
        blocks.append(f"Plugin problems ({len(lines)}):\n" + "\n".join(lines))
    print("\n\n".join(blocks))
    return 0
