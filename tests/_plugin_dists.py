"""Build installed-looking distributions (a ``.dist-info`` with ``entry_points.txt``) in a folder, so
tests exercise benchkit's real entry-point loading without pip."""

from __future__ import annotations

import textwrap
from pathlib import Path


def make_dist(root: Path, dist: str, version: str, entry_points: dict[str, str], modules: dict[str, str] | None = None) -> Path:
    """Write ``modules`` (name -> source) and a dist-info declaring ``entry_points`` in group ``benchkit``."""
    root.mkdir(parents=True, exist_ok=True)
    for name, source in (modules or {}).items():
        (root / f"{name}.py").write_text(textwrap.dedent(source), encoding="utf-8")
    info = root / f"{dist.replace('-', '_')}-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: {dist}\nVersion: {version}\n", encoding="utf-8")
    lines = "".join(f"{k} = {v}\n" for k, v in entry_points.items())
    (info / "entry_points.txt").write_text(f"[benchkit]\n{lines}", encoding="utf-8")
    return info


GOOD_PLUGIN = """
from benchkit import hookimpl
from benchkit_baselines import BootstrapGenerator

class {cls}(BootstrapGenerator):
    pass

@hookimpl
def benchkit_register_generators(register):
    register("{gen}", {cls}, description="test generator {gen}")
"""

BROKEN_IMPORT = """
raise ImportError("this plugin needs a library that is not installed")
"""

MISSPELT_HOOK = """
from benchkit import hookimpl
from benchkit_baselines import BootstrapGenerator

@hookimpl
def benchkit_register_generator(register):  # missing the final "s"
    register("never_seen", BootstrapGenerator)
"""
