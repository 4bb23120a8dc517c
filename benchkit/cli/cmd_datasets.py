"""``benchkit datasets``: list every registered dataset with its card summary and whether its files are on disk."""

from __future__ import annotations

import argparse
import json

from .. import plugins
from ..datasets import availability, card_from_info


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    p = subparsers.add_parser(
        "datasets",
        help="list the datasets (built-in and from plugins) and whether their files are available",
        description="List every registered dataset: its card summary, target column and file availability.",
    )
    p.add_argument("--data-dir", default=None, help="folder holding the real data files (default: $BENCHKIT_DATA_DIR)")
    p.add_argument("--json", action="store_true", help="print one JSON object per dataset instead of text")
    p.set_defaults(func=run)


def run(args: argparse.Namespace) -> int:
    """Print the dataset list; returns 0."""
    for name, reg in sorted(plugins.list_datasets().items()):
        card = card_from_info(name, reg.info)
        status = availability(reg.obj, args.data_dir)
        if args.json:
            print(json.dumps({
                "name": name, "plugin": reg.plugin, "description": card.description, "source": card.source,
                "license": card.license, "target": card.target, "task": card.task,
                "default_sample_size": card.default_sample_size, "files": status,
            }, ensure_ascii=False))
            continue
        summary = card.description.split(". ")[0].rstrip(".")
        print(f"{name}  [{status}]")
        print(f"    {summary}")
        print(f"    target: {card.target or '-'}  task: {card.task or '-'}  license: {card.license or '-'}  "
              f"rows: {card.default_sample_size or '-'}  plugin: {reg.plugin}")
    return 0
